// A table's pivot (rows × columns, one cell per aggregated value), its headings and its cell
// colour scale.

import type { CohortData, FormatCells, Pivot } from '../types';

/** Pivoted data with a heading for each of its keys. */
export interface Pivoted {
  data: CohortData;
  headers: Record<string, string>;
  /** With several values: the column value each value's key sits under (1.0.82's nested heading). */
  groups?: Record<string, string>;
}

/** `columns.x_data` → `x data`: last dotted segment, first `_` → space. */
export function deriveHeader(key: string): string {
  const last = key.split('.').pop() ?? key;
  return last.replace('_', ' ');
}

const SEP = '\u0000';

function aggregate(kind: string, values: unknown[]): number | null {
  const present = values.filter((v) => v !== null && v !== undefined && v !== '');
  if (kind === 'count') return present.length;
  const nums = present.map(Number).filter(Number.isFinite);
  if (!nums.length) return null;
  switch (kind) {
    case 'sum':
      return nums.reduce((a, b) => a + b, 0);
    case 'avg':
      return nums.reduce((a, b) => a + b, 0) / nums.length;
    case 'min':
      return Math.min(...nums);
    case 'max':
      return Math.max(...nums);
    default:
      return null;
  }
}

/**
 * Rows grouped by `pivot.rows`, one column per distinct `pivot.columns` value and value of
 * `pivot.values` (headed `SUM of y` under the column value when there are several), cells
 * aggregated.
 */
export function pivotData(data: CohortData, pivot: Pivot): Pivoted {
  const n = Math.max(0, ...Object.values(data).map((v) => v.length));
  const label = (keys: string[], i: number) => keys.map((k) => String(data[k]?.[i] ?? ''));
  const rowOrder: string[] = [];
  const rowLabels = new Map<string, string[]>();
  const colOrder: string[] = [];
  const cells = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const r = label(pivot.rows, i);
    const rk = r.join(SEP);
    const ck = label(pivot.columns, i).join(' / ');
    if (!rowLabels.has(rk)) {
      rowLabels.set(rk, r);
      rowOrder.push(rk);
    }
    if (!colOrder.includes(ck)) colOrder.push(ck);
    const cell = `${rk}${SEP}${ck}`;
    if (!cells.has(cell)) cells.set(cell, []);
    cells.get(cell)!.push(i);
  }
  const out: CohortData = {};
  const headers: Record<string, string> = {};
  const several = pivot.values.length > 1;
  const groups: Record<string, string> = {};
  pivot.rows.forEach((key, j) => {
    out[key] = rowOrder.map((rk) => rowLabels.get(rk)![j]);
  });
  for (const ck of colOrder) {
    pivot.values.forEach((value, vi) => {
      const key = several ? `pivot:${ck}${SEP}${vi}` : `pivot:${ck}`;
      headers[key] = several ? `${value.aggregate.toUpperCase()} of ${deriveHeader(value.key)}` : ck;
      if (several) groups[key] = ck;
      out[key] = rowOrder.map((rk) => {
        const rows = cells.get(`${rk}${SEP}${ck}`);
        return rows ? aggregate(value.aggregate, rows.map((i) => data[value.key]?.[i])) : null;
      });
    });
  }
  return several ? { data: out, headers, groups } : { data: out, headers };
}

function rgb(hex: string): [number, number, number] {
  const h = hex.replace('#', '');
  const full = h.length === 3 ? h.split('').map((c) => c + c).join('') : h;
  return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) as [number, number, number];
}

function mix(lo: string, hi: string, t: number): string {
  const a = rgb(lo);
  const b = rgb(hi);
  return `rgb(${a.map((x, i) => Math.round(x + (b[i] - x) * t)).join(', ')})`;
}

/** Background colour per cell (`row,col` indexes) of the numeric cells, scaled within `scope`. */
export function cellColors(rows: unknown[][], numericCols: number[], format: FormatCells): Map<string, string> {
  const colors = new Map<string, string>();
  const cells: [number, number, number][] = [];
  rows.forEach((row, r) =>
    numericCols.forEach((c) => {
      const v = row[c];
      if (typeof v === 'number' && Number.isFinite(v)) cells.push([r, c, v]);
    }),
  );
  const group = ([r, c]: [number, number, number]) =>
    format.scope === 'row' ? `r${r}` : format.scope === 'columns' ? `c${c}` : 'all';
  const ranges = new Map<string, [number, number]>();
  for (const cell of cells) {
    const g = group(cell);
    const [lo, hi] = ranges.get(g) ?? [Infinity, -Infinity];
    ranges.set(g, [Math.min(lo, cell[2]), Math.max(hi, cell[2])]);
  }
  for (const cell of cells) {
    const [lo, hi] = ranges.get(group(cell))!;
    const t = hi > lo ? (cell[2] - lo) / (hi - lo) : 0.5;
    colors.set(`${cell[0]},${cell[1]}`, mix(format.min_color, format.max_color, t));
  }
  return colors;
}
