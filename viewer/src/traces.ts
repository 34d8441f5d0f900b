// From data.json to plotly traces (outputs-and-viewer.md §10.4).

import type { CohortData, Trace } from './types';
import type { TraceResult } from './data';

type Obj = Record<string, unknown>;

function isPlainObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function allIndexKeys(o: Obj): boolean {
  const keys = Object.keys(o);
  return keys.length > 0 && keys.every((k) => /^(0|[1-9]\d*)$/.test(k));
}

/** `{"props.marker.color": [..], "props.z.0": [..]}` → `{props: {marker: {color: [..]}, z: {"0": [..]}}}` */
export function nestKeys(flat: CohortData): Obj {
  const out: Obj = {};
  for (const key of Object.keys(flat)) {
    const parts = key.split('.');
    let cur: Obj = out;
    for (let i = 0; i < parts.length - 1; i++) {
      const next = cur[parts[i]];
      if (!isPlainObject(next)) cur[parts[i]] = {};
      cur = cur[parts[i]] as Obj;
    }
    cur[parts[parts.length - 1]] = flat[key];
  }
  return out;
}

/**
 * Deep merge with lodash `merge` semantics: objects recursively, arrays index
 * by index, `undefined` skipped, later wins. Mutates and returns `target`
 * (or a new container when `target` cannot hold `src`).
 */
export function merge(target: unknown, src: unknown): unknown {
  if (Array.isArray(src)) {
    const base: unknown[] = Array.isArray(target) ? target : [];
    src.forEach((v, i) => {
      if (v !== undefined) base[i] = merge(base[i], v);
    });
    return base;
  }
  if (isPlainObject(src)) {
    const base: Obj =
      typeof target === 'object' && target !== null
        ? (target as Obj)
        : ((allIndexKeys(src) ? [] : {}) as unknown as Obj);
    for (const k of Object.keys(src)) {
      const v = src[k];
      if (v !== undefined) base[k] = merge(base[k], v);
    }
    return base;
  }
  return src;
}

function deepCopy<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

// Spec regex, with the colon captured so `[i]` and `[a:]` can be told apart.
const COLUMN_RE = /column\((.+)\)(?:\[(-?\d*)(:?)(-?\d*)\])?/;

export class ColumnError extends Error {}

function resolveString(s: string, columns: Obj | undefined, traceName: string): unknown {
  const m = COLUMN_RE.exec(s);
  if (!m) return s;
  const name = m[1].trim();
  const arr = columns?.[name];
  if (!Array.isArray(arr)) {
    throw new ColumnError(`Trace "${traceName}" references column(${name}), but its data has no column "${name}".`);
  }
  const [, , a, colon, b] = m;
  if (a === undefined) return arr.slice();
  if (!colon) return a === '' ? arr.slice() : arr.at(Number(a));
  return arr.slice(a === '' ? undefined : Number(a), b === '' ? undefined : Number(b));
}

function resolveColumns(v: unknown, columns: Obj | undefined, traceName: string): unknown {
  if (typeof v === 'string') return resolveString(v, columns, traceName);
  if (Array.isArray(v)) return v.map((x) => resolveColumns(x, columns, traceName));
  if (isPlainObject(v)) {
    const out: Obj = {};
    for (const k of Object.keys(v)) out[k] = resolveColumns(v[k], columns, traceName);
    return out;
  }
  return v;
}

/** One plotly trace object for trace `trace` and cohort `cohort`. */
export function plotlyTrace(trace: Trace, cohort: string, data: CohortData): Obj {
  const nested = nestKeys(data);
  const columns = isPlainObject(nested.columns) ? nested.columns : undefined;
  const resolved = resolveColumns(deepCopy(trace.props ?? { type: 'scatter' }), columns, trace.name);
  let out = merge(resolved, deepCopy(nested.props ?? {}));
  out = merge(out, { name: cohort });
  return out as Obj;
}

/** Cohort names of loaded traces, de-duplicated and sorted as strings. */
export function cohortOptions(results: TraceResult[]): string[] {
  const set = new Set<string>();
  for (const r of results) if (r.ok) Object.keys(r.data).forEach((c) => set.add(c));
  return [...set].sort();
}

export interface BuiltTraces {
  traces: Obj[];
  errors: string[];
}

/**
 * Plotly traces of a chart: one per (trace, selected cohort), in the chart's
 * trace order (not data arrival order), cohorts in data.json order.
 */
export function buildChartTraces(traces: Trace[], results: TraceResult[], selected: Set<string>): BuiltTraces {
  const out: Obj[] = [];
  const errors: string[] = [];
  traces.forEach((t, i) => {
    const r = results[i];
    if (!r) return;
    if (!r.ok) {
      errors.push(r.message);
      return;
    }
    for (const cohort of Object.keys(r.data)) {
      if (!selected.has(cohort)) continue;
      try {
        out.push(plotlyTrace(t, cohort, r.data[cohort]));
      } catch (e) {
        errors.push((e as Error).message);
        break;
      }
    }
  });
  return { traces: out, errors };
}

/** Trace types whose values plotly can update without drawing the chart again. */
const MOVABLE = new Set(['bar', 'scatter']);

function numbers(v: unknown): boolean {
  return Array.isArray(v) && v.every((x) => typeof x === 'number' || x === null);
}

/** The key of a trace's values: `y`, or `x` for horizontal ones. */
export function valueKey(t: Obj): 'x' | 'y' {
  return t.orientation === 'h' ? 'x' : 'y';
}

/**
 * Whether `after` differs from `before` only in its traces' numeric values (`y`, or `x` of
 * horizontal bars) of bars and scatters: same traces, categories, colours and texts. Plotly can
 * then move the bars and points instead of drawing the chart again.
 */
export function onlyValuesChanged(before: Obj[], after: Obj[]): boolean {
  if (!after.length || before.length !== after.length) return false;
  return after.every((t, i) => {
    const key = valueKey(t);
    const rest = (o: Obj) => JSON.stringify({ ...o, [key]: null });
    return MOVABLE.has(String(t.type ?? 'scatter')) && numbers(t[key]) && numbers(before[i][key]) && rest(t) === rest(before[i]);
  });
}

/**
 * Per value axis, the span of its traces' values (from 0 for bars, which rise from it): when it
 * changes, so does the axis's autorange, as a rule (stacks and error bars aside: the span only
 * picks the faster way to draw).
 */
export function valueSpans(traces: Obj[]): string {
  const spans: Record<string, [number, number]> = {};
  for (const t of traces) {
    const axis = valueAxis(t);
    const span = spans[axis] ?? (spans[axis] = [Infinity, -Infinity]);
    const values = (t[valueKey(t)] as unknown[]).concat(String(t.type) === 'bar' ? [0] : []);
    for (const v of values) {
      if (typeof v !== 'number') continue;
      span[0] = Math.min(span[0], v);
      span[1] = Math.max(span[1], v);
    }
  }
  return JSON.stringify(spans);
}

/** The layout key of the axis of a trace's values: `yaxis`, `yaxis2`, `xaxis` for horizontal ones. */
function valueAxis(t: Obj): string {
  const key = valueKey(t);
  const id = String(t[`${key}axis`] ?? key);
  return `${key}axis${id.slice(1)}`;
}

/** Layout parts drawn at positions on the axes. */
const ON_AXES = ['shapes', 'annotations', 'images'];
/** Axis settings that tie an axis to another one or to more than its own range. */
const TIES = ['matches', 'scaleanchor', 'rangeslider'];

/**
 * The axes (layout keys) of the values of `traces` when new values change nothing in `layout` but
 * their ranges: each is autoranged, not categorical, and no axis is tied to another, nothing is
 * drawn on the axes. Null otherwise.
 */
export function autorangedAxes(layout: Obj, traces: Obj[]): string[] | null {
  if (ON_AXES.some((k) => Array.isArray(layout[k]) && (layout[k] as unknown[]).length > 0)) return null;
  const axes = Object.keys(layout).filter((k) => /^[xy]axis\d*$/.test(k));
  if (axes.some((k) => isPlainObject(layout[k]) && TIES.some((t) => (layout[k] as Obj)[t] !== undefined))) return null;
  const names = [...new Set(traces.map(valueAxis))];
  const autoranged = (ax: unknown) =>
    !isPlainObject(ax) ||
    (ax.range === undefined && (ax.autorange ?? true) === true && !['category', 'multicategory'].includes(String(ax.type)));
  return names.every((n) => autoranged(layout[n])) ? names : null;
}
