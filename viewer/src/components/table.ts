// Table item: one trace/cohort at a time, sortable, filterable, paginated.

import { loadTraces, type TraceResult } from '../data';
import { clear, errorState, h, icon, ICONS, spinner } from '../dom';
import { applyClick, atState, currentValues, loadInputs } from '../inputs';
import { rawSelection, readSelection, selectorType, writeSelection } from '../selection';
import { cohortOptions } from '../traces';
import type { CohortData, Item, Table } from '../types';
import type { ItemContext, ItemView } from './item';
import { Picker } from './picker';
import { cellColors, deriveHeader, pivotData, type Pivoted } from './table-format';

interface Column {
  key: string;
  header: string;
  numeric: boolean;
  /** A pivot with several values: the column value this one sits under. */
  group?: string;
}

/** The heading with its pivot group, where the column stands alone (menu, CSV). */
function fullHeader(c: Column): string {
  return c.group ? `${c.group} ${c.header}` : c.header;
}

type SortDir = 'asc' | 'desc';

/** The column `on_click.set` names: its key (`columns.region`), the key's last part, or its header. */
function columnIndex(columns: Column[], name: string): number {
  const tests = [(c: Column) => c.key === name, (c: Column) => c.key.split('.').pop() === name, (c: Column) => c.header === name];
  for (const test of tests) {
    const i = columns.findIndex(test);
    if (i >= 0) return i;
  }
  return -1;
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function compare(a: unknown, b: unknown): number {
  const an = a === null || a === undefined || a === '';
  const bn = b === null || b === undefined || b === '';
  if (an || bn) return an && bn ? 0 : an ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return cellText(a).localeCompare(cellText(b), undefined, { numeric: true, sensitivity: 'base' });
}

/**
 * Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, tab or CR as a formula
 * (`=HYPERLINK(...)`, CSV injection): such text gets a leading `'` as OWASP recommends.
 * Numbers (`-3.5`, `+1e3`, also as text) stay as they are, so they remain numbers.
 */
function defuseFormula(s: string): string {
  if (!/^[=+\-@\t\r]/.test(s)) return s;
  const looksNumeric = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s);
  return looksNumeric ? s : `'${s}`;
}

function csvField(v: unknown): string {
  const s = defuseFormula(cellText(v));
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const PAGE_SIZES = [10, 25, 50, 100];
const DEFAULT_PAGE_SIZE = 10;

/** The page sizes offered: the usual ones plus the table's own `rows_per_page`. */
function pageSizes(own: number | undefined): number[] {
  const sizes = own && !PAGE_SIZES.includes(own) ? [...PAGE_SIZES, own] : PAGE_SIZES;
  return [...sizes].sort((a, b) => a - b);
}

export class TableView implements ItemView {
  readonly el: HTMLElement;
  private table: Table;
  private results: TraceResult[] | null = null;
  /** The state (inputs, cohort selection) last drawn: a URL change that keeps it draws nothing. */
  private drawnKey: string | null = null;
  /** The cohorts shown. */
  private options: string[] = [];
  private picker: Picker | null = null;
  private generation = 0;
  private destroyed = false;

  // view state
  private sort: { key: string; dir: SortDir } | null = null;
  private filters = new Map<string, string>();
  private search = '';
  private showFilters = false;
  private dense = true;
  private hidden = new Set<string>();
  private page = 0;
  private pageSize: number;
  private selectedRows = new Set<number>();
  private source: { trace: string; cohort: string } | null = null;

  private body: HTMLElement;
  private toolbarExtras: HTMLElement;
  private pickerSlot: HTMLElement;

  constructor(
    item: Item,
    ctx: ItemContext,
  ) {
    this.table = item.table!;
    this.pageSize = this.table.rows_per_page ?? DEFAULT_PAGE_SIZE;
    this.pickerSlot = h('div', { class: 'table-picker' });
    this.toolbarExtras = h('div', { class: 'table-actions' });
    this.body = h('div', { class: 'table-body' });
    this.el = h(
      'div',
      { class: 'card item-table', 'data-table': this.table.name ?? '' },
      h(
        'div',
        { class: 'table-toolbar' },
        h('div', { class: 'table-title' }, this.table.name ?? 'Table'),
        this.pickerSlot,
        this.toolbarExtras,
      ),
      this.body,
    );
    if (ctx.rowHeight === null) this.el.classList.add('natural');
    this.load();
  }

  traceNames(): string[] {
    return (this.table.traces ?? []).map((t) => t.name);
  }

  update(item: Item): void {
    if (item.table) {
      if (item.table.rows_per_page !== this.table.rows_per_page) {
        this.pageSize = item.table.rows_per_page ?? DEFAULT_PAGE_SIZE;
        this.page = 0;
      }
      this.table = item.table;
    }
    this.load();
  }

  destroy(): void {
    this.destroyed = true;
    this.picker?.close();
  }

  onParams(): void {
    if (this.results && this.drawKey() !== this.drawnKey) this.render();
  }

  private drawKey(): string {
    const sel = this.table.selector?.name;
    return JSON.stringify([atState(this.results ?? [], currentValues()).key, sel ? rawSelection(sel) : null]);
  }

  private get label(): string {
    return this.table.name ?? 'table';
  }

  private async load(): Promise<void> {
    const gen = ++this.generation;
    if (!this.results) this.showBody(spinner(this.label));
    const [results] = await Promise.all([loadTraces(this.traceNames()), loadInputs()]);
    if (gen !== this.generation || this.destroyed) return;
    this.results = results;
    this.render();
  }

  private showBody(node: HTMLElement): void {
    clear(this.body);
    this.body.append(node);
  }

  private render(): void {
    this.drawnKey = this.drawKey();
    const results = atState(this.results!, currentValues()).results;
    const sel = this.table.selector;
    const type = selectorType(sel, 'single');
    const options = cohortOptions(results);
    this.options = options;
    const selected = sel?.name ? readSelection(sel.name, type, options) : options.slice(0, 1);
    const selSet = new Set(selected);

    // cohort picker (only in the component that owns the selector; a model's rows are one cohort)
    const onlyData = !!this.table.data && (this.table.traces ?? []).length === 1;
    const visible = !!sel?.name && !!this.table.name && sel.parent_name === this.table.name && !onlyData;
    if (visible && options.length) {
      if (!this.picker) {
        this.picker = new Picker({
          label: sel!.name,
          type,
          options,
          selected,
          variant: 'compact',
          onChange: (values) => writeSelection(sel!.name, type, values, this.options, false),
        });
        clear(this.pickerSlot);
        this.pickerSlot.append(this.picker.el);
      } else this.picker.update(options, selected);
    } else {
      clear(this.pickerSlot);
      this.picker = null;
    }

    const failed = results.filter((r): r is Extract<TraceResult, { ok: false }> => !r.ok);
    if (results.length && failed.length === results.length) {
      this.renderActions(null);
      this.showBody(errorState(this.label, failed.map((f) => f.message)));
      return;
    }

    // first trace with a selected cohort, and its first selected cohort
    let found: { trace: string; cohort: string; data: CohortData } | null = null;
    for (const r of results) {
      if (!r.ok) continue;
      const c = Object.keys(r.data).find((k) => selSet.has(k));
      if (c !== undefined) {
        found = { trace: r.name, cohort: c, data: r.data[c] };
        break;
      }
    }
    if (!found) {
      this.renderActions(null);
      const msg = options.length ? 'No cohort selected.' : 'No data.';
      this.showBody(h('div', { class: 'state state-empty' }, msg));
      return;
    }
    if (!this.source || this.source.trace !== found.trace || this.source.cohort !== found.cohort) {
      this.page = 0;
      this.selectedRows.clear();
    }
    this.source = { trace: found.trace, cohort: found.cohort };
    this.renderTable(found.trace, found.data, failed.map((f) => f.message));
  }

  private columnsFor(traceName: string, data: CohortData, pivot: Pivoted | null): Column[] {
    const def = pivot ? undefined : (this.table.column_defs ?? []).find((d) => d.trace_name === traceName);
    const specs = def?.columns?.length
      ? def.columns.map((c) => ({ key: c.key, header: c.header ?? deriveHeader(c.key) }))
      : Object.keys(data).map((k) => ({ key: k, header: pivot?.headers[k] ?? (traceName === this.table.data ? k : deriveHeader(k)) }));
    return specs.map((s) => {
      const vals = (data[s.key] ?? []).filter((v) => v !== null && v !== undefined);
      const group = pivot?.groups?.[s.key];
      return { ...s, numeric: vals.length > 0 && vals.every((v) => typeof v === 'number'), ...(group === undefined ? {} : { group }) };
    });
  }

  /** A pivot's column values above their values' columns (1.0.82's nested heading). */
  private groupRow(shown: (readonly [Column, number])[]): HTMLElement {
    const tr = h('tr', { class: 'group-row' }, h('th', { class: 'select-col' }));
    let last: { group: string | undefined; th: HTMLTableCellElement } | null = null;
    for (const [c] of shown) {
      if (last && c.group !== undefined && last.group === c.group) {
        last.th.colSpan += 1;
        continue;
      }
      const th = h('th', { class: c.group === undefined ? '' : 'group', scope: 'colgroup' }, c.group ?? '');
      tr.append(th);
      last = { group: c.group, th };
    }
    return tr;
  }

  private rowsOf(columns: Column[], data: CohortData): unknown[][] {
    const n = Math.max(0, ...columns.map((c) => data[c.key]?.length ?? 0));
    const rows: unknown[][] = [];
    for (let i = 0; i < n; i++) rows.push(columns.map((c) => data[c.key]?.[i]));
    return rows;
  }

  /** Row indexes after filtering and sorting. */
  private visibleRows(columns: Column[], rows: unknown[][]): number[] {
    const q = this.search.trim().toLowerCase();
    const colFilters = columns
      .map((c, i) => [i, (this.filters.get(c.key) ?? '').trim().toLowerCase()] as const)
      .filter(([, f]) => f);
    let idx = rows.map((_, i) => i);
    if (q) idx = idx.filter((i) => rows[i].some((v) => cellText(v).toLowerCase().includes(q)));
    for (const [ci, f] of colFilters) idx = idx.filter((i) => cellText(rows[i][ci]).toLowerCase().includes(f));
    if (this.sort) {
      const ci = columns.findIndex((c) => c.key === this.sort!.key);
      if (ci >= 0) {
        const sign = this.sort.dir === 'asc' ? 1 : -1;
        idx.sort((a, b) => {
          const va = rows[a][ci];
          const vb = rows[b][ci];
          const na = va === null || va === undefined || va === '';
          const nb = vb === null || vb === undefined || vb === '';
          if (na || nb) return compare(va, vb) || a - b; // empty values last either way
          return sign * compare(va, vb) || a - b;
        });
      }
    }
    return idx;
  }

  private renderActions(ctx: { columns: Column[]; rows: unknown[][]; visible: number[] } | null): void {
    clear(this.toolbarExtras);
    if (!ctx) return;
    const { columns, rows, visible } = ctx;
    const searchInput = h('input', {
      type: 'search',
      class: 'table-search',
      placeholder: 'Search',
      value: this.search,
      'aria-label': `Search ${this.label}`,
    });
    searchInput.addEventListener('input', () => {
      this.search = searchInput.value;
      this.page = 0;
      this.render();
      const again = this.el.querySelector<HTMLInputElement>('.table-search');
      again?.focus();
      again?.setSelectionRange(again.value.length, again.value.length);
    });
    const btn = (title: string, ic: string[], onclick: () => void, active = false, extra: Record<string, string> = {}) =>
      h('button', { type: 'button', class: `icon-button${active ? ' active' : ''}`, title, 'aria-label': title, onclick, ...extra }, icon(ic));

    const colMenu = h('div', { class: 'menu', hidden: true });
    for (const c of columns) {
      const cb = h('input', { type: 'checkbox', checked: !this.hidden.has(c.key) });
      cb.addEventListener('change', () => {
        if (cb.checked) this.hidden.delete(c.key);
        else this.hidden.add(c.key);
        this.render();
      });
      colMenu.append(h('label', { class: 'menu-item' }, cb, h('span', null, fullHeader(c))));
    }
    const colWrap = h(
      'div',
      { class: 'menu-wrap' },
      btn('Show/hide columns', ICONS.columns, () => {
        colMenu.hidden = !colMenu.hidden;
        if (!colMenu.hidden) {
          const off = (ev: MouseEvent) => {
            if (!colWrap.contains(ev.target as Node)) {
              colMenu.hidden = true;
              document.removeEventListener('mousedown', off, true);
            }
          };
          document.addEventListener('mousedown', off, true);
        }
      }),
      colMenu,
    );

    this.toolbarExtras.append(
      h('label', { class: 'search-box' }, icon(ICONS.search), searchInput),
      btn('Toggle column filters', ICONS.filter, () => {
        this.showFilters = !this.showFilters;
        this.render();
      }, this.showFilters, { 'data-action': 'filters' }),
      colWrap,
      btn('Toggle density', ICONS.density, () => {
        this.dense = !this.dense;
        this.render();
      }, !this.dense),
      btn('Download CSV', ICONS.download, () => this.downloadCsv(columns, rows, visible), false, { 'data-action': 'csv' }),
    );
  }

  /** `on_click`: a click (or Enter) on the row sets inputs from its columns. */
  private clickable(tr: HTMLElement, columns: Column[], row: unknown[]): void {
    const onClick = this.table.on_click!;
    const activate = () => applyClick(onClick, (name) => row[columnIndex(columns, name)]);
    tr.classList.add('clickable');
    tr.tabIndex = 0;
    tr.addEventListener('click', (ev) => {
      if (!(ev.target as Element).closest('input, button, a')) activate();
    });
    tr.addEventListener('keydown', (ev) => {
      if ((ev.key === 'Enter' || ev.key === ' ') && ev.target === tr) {
        ev.preventDefault();
        activate();
      }
    });
  }

  private downloadCsv(columns: Column[], rows: unknown[][], visible: number[]): void {
    const shownCols = columns.map((c, i) => [c, i] as const).filter(([c]) => !this.hidden.has(c.key));
    const chosen = this.selectedRows.size ? visible.filter((i) => this.selectedRows.has(i)) : visible;
    const lines = [shownCols.map(([c]) => csvField(fullHeader(c))).join(',')];
    for (const r of chosen) lines.push(shownCols.map(([, i]) => csvField(rows[r][i])).join(','));
    const blob = new Blob([lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const base = [this.table.name || 'table', this.source?.cohort].filter(Boolean).join(' - ');
    const a = h('a', { href: url, download: `${base.replace(/[\\/:*?"<>|]+/g, '_')}.csv` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  private renderTable(traceName: string, traceData: CohortData, warnings: string[]): void {
    const pivot = this.table.pivot?.trace === traceName ? pivotData(traceData, this.table.pivot) : null;
    const data = pivot?.data ?? traceData;
    const columns = this.columnsFor(traceName, data, pivot);
    const rows = this.rowsOf(columns, data);
    const format = this.table.format_cells;
    const colors = format ? cellColors(rows, columns.flatMap((c, i) => (c.numeric ? [i] : [])), format) : null;
    const visible = this.visibleRows(columns, rows);
    this.renderActions({ columns, rows, visible });
    const shown = columns.map((c, i) => [c, i] as const).filter(([c]) => !this.hidden.has(c.key));

    const pages = Math.max(1, Math.ceil(visible.length / this.pageSize));
    if (this.page >= pages) this.page = pages - 1;
    const start = this.page * this.pageSize;
    const pageRows = visible.slice(start, start + this.pageSize);

    // header
    const allOnPage = pageRows.length > 0 && pageRows.every((i) => this.selectedRows.has(i));
    const someOnPage = pageRows.some((i) => this.selectedRows.has(i));
    const selectAll = h('input', {
      type: 'checkbox',
      'aria-label': 'Select all rows on this page',
      checked: allOnPage,
      indeterminate: someOnPage && !allOnPage,
    });
    selectAll.addEventListener('change', () => {
      pageRows.forEach((i) => (selectAll.checked ? this.selectedRows.add(i) : this.selectedRows.delete(i)));
      this.render();
    });
    const headRow = h('tr', null, h('th', { class: 'select-col' }, selectAll));
    for (const [c] of shown) {
      const dir = this.sort?.key === c.key ? this.sort.dir : null;
      const sortIcon = dir === 'asc' ? ICONS.sortUp : dir === 'desc' ? ICONS.sortDown : ICONS.sortNone;
      headRow.append(
        h(
          'th',
          {
            class: `${c.numeric ? 'num' : ''}${dir ? ' sorted' : ''}`,
            'aria-sort': dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none',
            'data-key': c.key,
          },
          h(
            'button',
            {
              type: 'button',
              class: 'sort-button',
              title: `Sort by ${c.header}`,
              onclick: () => {
                if (!dir) this.sort = { key: c.key, dir: 'asc' };
                else if (dir === 'asc') this.sort = { key: c.key, dir: 'desc' };
                else this.sort = null;
                this.render();
              },
            },
            h('span', null, c.header),
            icon(sortIcon, 'icon sort-icon'),
          ),
        ),
      );
    }
    const thead = h('thead', null, pivot?.groups ? this.groupRow(shown) : null, headRow);
    if (this.showFilters) {
      const fr = h('tr', { class: 'filter-row' }, h('th', { class: 'select-col' }));
      for (const [c] of shown) {
        const input = h('input', {
          type: 'search',
          class: 'column-filter',
          placeholder: `Filter ${c.header}`,
          value: this.filters.get(c.key) ?? '',
          'data-key': c.key,
        });
        input.addEventListener('input', () => {
          this.filters.set(c.key, input.value);
          this.page = 0;
          this.render();
          const again = this.el.querySelector<HTMLInputElement>(`.column-filter[data-key="${CSS.escape(c.key)}"]`);
          again?.focus();
          again?.setSelectionRange(again.value.length, again.value.length);
        });
        fr.append(h('th', null, input));
      }
      thead.append(fr);
    }

    const tbody = h('tbody');
    for (const r of pageRows) {
      const cb = h('input', { type: 'checkbox', checked: this.selectedRows.has(r), 'aria-label': `Select row ${r + 1}` });
      cb.addEventListener('change', () => {
        if (cb.checked) this.selectedRows.add(r);
        else this.selectedRows.delete(r);
        this.render();
      });
      const tr = h('tr', { class: this.selectedRows.has(r) ? 'selected' : null }, h('td', { class: 'select-col' }, cb));
      if (this.table.on_click) this.clickable(tr, columns, rows[r]);
      for (const [c, i] of shown) {
        const v = rows[r][i];
        const empty = v === null || v === undefined;
        const background = colors?.get(`${r},${i}`);
        const style = background ? { background } : null;
        tr.append(h('td', { class: `${c.numeric ? 'num' : ''}${empty ? ' null' : ''}`, style }, empty ? '' : cellText(v)));
      }
      tbody.append(tr);
    }
    if (!pageRows.length) {
      tbody.append(
        h('tr', { class: 'empty-row' }, h('td', { colspan: shown.length + 1 }, rows.length ? 'No rows match the filters.' : 'No rows.')),
      );
    }

    const table = h('table', { class: `data-table${this.dense ? ' dense' : ''}` }, thead, tbody);

    // footer
    const sizeSel = h('select', { 'aria-label': 'Rows per page' }, ...pageSizes(this.table.rows_per_page).map((n) => h('option', { value: String(n) }, String(n))));
    sizeSel.value = String(this.pageSize);
    sizeSel.addEventListener('change', () => {
      this.pageSize = Number(sizeSel.value);
      this.page = 0;
      this.render();
    });
    const from = visible.length ? start + 1 : 0;
    const to = Math.min(visible.length, start + this.pageSize);
    const footer = h(
      'div',
      { class: 'table-footer' },
      h('div', { class: 'footer-left' }, this.selectedRows.size ? `${this.selectedRows.size} selected` : this.source?.cohort !== traceName ? this.source?.cohort ?? '' : ''),
      h('label', { class: 'page-size' }, 'Rows per page', sizeSel),
      h('span', { class: 'page-info' }, `${from}–${to} of ${visible.length}`),
      h(
        'div',
        { class: 'pager' },
        h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Previous page', disabled: this.page === 0, onclick: () => { this.page--; this.render(); } }, icon(ICONS.chevronLeft)),
        h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Next page', disabled: this.page >= pages - 1, onclick: () => { this.page++; this.render(); } }, icon(ICONS.chevronRight)),
      ),
    );

    const scroll = h('div', { class: 'table-scroll' }, table);
    const prevScroll = this.body.querySelector('.table-scroll');
    const keepLeft = prevScroll?.scrollLeft ?? 0;
    clear(this.body);
    if (warnings.length) {
      this.body.append(h('div', { class: 'item-warning' }, icon(ICONS.alert, 'icon'), h('span', null, warnings.join(' · '))));
    }
    this.body.append(scroll, footer);
    scroll.scrollLeft = keepLeft;
  }
}
