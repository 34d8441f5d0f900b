// Dashboard page: rows of items (spec §10.1).

import { h } from '../dom';
import { currentInputs, loadInputs, resetInputs } from '../inputs';
import { isHidden, itemPartNames, partVisibility } from '../parts';
import type { Dashboard, Item, Row } from '../types';
import { ChartView } from './chart';
import { InputView } from './input';
import type { ItemView } from './item';
import { MarkdownView } from './markdown';
import { SelectorView } from './selector';
import { TableView } from './table';

export const ROW_HEIGHTS: Record<string, number> = {
  xsmall: 128,
  small: 256,
  medium: 396,
  large: 512,
  xlarge: 792,
  xxlarge: 1024,
};

/** Pixel height of a row, null for compact (natural height). */
export function rowHeight(height: string | undefined): number | null {
  if (height === 'compact') return null;
  return ROW_HEIGHTS[height ?? 'medium'] ?? ROW_HEIGHTS.medium;
}

export function itemWidth(item: Item): number {
  const w = Number(item.width);
  return Number.isFinite(w) && w >= 1 ? w : 1;
}

function itemKind(item: Item): string {
  if (item.chart) return 'chart';
  if (item.table) return 'table';
  if (item.selector) return 'selector';
  if (typeof item.input === 'string') return 'input';
  if (typeof item.markdown === 'string') return 'markdown';
  return 'empty';
}

/** Whether a dashboard shows inputs or sets them on click: then it has a Reset button. */
function interactive(d: Dashboard): boolean {
  return (d.rows ?? []).some((r) =>
    (r.items ?? []).some((i) => typeof i.input === 'string' || i.chart?.on_click || i.table?.on_click),
  );
}

/** Layout signature: what forces a full rebuild when it changes (names selectors hide by too). */
function shape(d: Dashboard): string {
  return JSON.stringify([
    interactive(d),
    ...(d.rows ?? []).map((r) => [
      r.height ?? 'medium',
      r.name,
      (r.items ?? []).map((i) => [itemKind(i), itemWidth(i), itemPartNames(i)]),
    ]),
  ]);
}

/** A row or item wrapper and the names selectors show and hide it by. */
interface Shown {
  el: HTMLElement;
  names: string[];
}

interface Mounted {
  item: Item;
  json: string;
  view: ItemView;
}

class EmptyView implements ItemView {
  readonly el = h('div', { class: 'item-empty' });
  traceNames(): string[] {
    return [];
  }
  update(): void {}
  onParams(): void {}
  destroy(): void {}
}

export class DashboardView {
  readonly el: HTMLElement;
  private mounted: Mounted[] = [];
  private parts: Shown[] = [];
  private dashboard: Dashboard;
  private reset: HTMLButtonElement;

  constructor(dashboard: Dashboard) {
    this.dashboard = dashboard;
    this.el = h('div', { class: 'dashboard', 'data-dashboard': dashboard.name });
    this.reset = h(
      'button',
      { type: 'button', class: 'button reset-inputs', 'data-action': 'reset-inputs', onclick: () => resetInputs() },
      'Reset',
    );
    this.reset.title = 'Set every input back to its default';
    this.build();
    void loadInputs().then(() => this.syncReset());
  }

  private syncReset(): void {
    this.reset.disabled = !currentInputs()?.anySet();
  }

  get name(): string {
    return this.dashboard.name;
  }

  private makeView(item: Item, row: Row): ItemView {
    const ctx = { rowHeight: rowHeight(row.height) };
    switch (itemKind(item)) {
      case 'chart':
        return new ChartView(item, ctx);
      case 'table':
        return new TableView(item, ctx);
      case 'selector':
        return new SelectorView(item);
      case 'input':
        return new InputView(item);
      case 'markdown':
        return new MarkdownView(item);
      default:
        return new EmptyView();
    }
  }

  private build(): void {
    this.el.replaceChildren();
    const rows = this.dashboard.rows ?? [];
    if (!rows.some((r) => (r.items ?? []).length)) {
      this.el.append(h('div', { class: 'empty-dashboard' }, 'This dashboard has no items yet.'));
    }
    if (interactive(this.dashboard)) {
      this.syncReset();
      this.el.append(h('div', { class: 'dashboard-bar' }, this.reset));
    }
    rows.forEach((row, ri) => {
      const px = rowHeight(row.height);
      const rowEl = h('div', {
        class: `row ${px === null ? 'row-compact' : 'row-fixed'}`,
        'data-row': String(ri),
        'data-height': row.height ?? 'medium',
        style: px === null ? null : { '--row-h': `${px}px` },
      });
      for (const item of row.items ?? []) {
        const view = this.makeView(item, row);
        const kind = itemKind(item);
        const wrap = h('div', { class: `item item-${kind}-wrap`, style: { '--w': String(itemWidth(item)) } }, view.el);
        rowEl.append(wrap);
        this.parts.push({ el: wrap, names: itemPartNames(item) });
        this.mounted.push({ item, json: JSON.stringify(item), view });
      }
      if (row.name) this.parts.push({ el: rowEl, names: [row.name] });
      this.el.append(rowEl);
    });
    this.showParts();
  }

  /** Rows and items that selectors over parts did not choose are hidden. */
  private showParts(): void {
    const visibility = partVisibility(this.dashboard);
    for (const part of this.parts) part.el.hidden = isHidden(part.names, visibility);
  }

  /** Project reloaded: rerender changed items (and items showing changed traces). */
  update(next: Dashboard, changedTraces: string[] | undefined): void {
    const sameShape = shape(next) === shape(this.dashboard);
    this.dashboard = next;
    if (!sameShape) {
      this.destroyViews();
      this.build();
      return;
    }
    const items = (next.rows ?? []).flatMap((r) => r.items ?? []);
    const changed = changedTraces ? new Set(changedTraces) : null;
    items.forEach((item, i) => {
      const m = this.mounted[i];
      const json = JSON.stringify(item);
      const dataChanged = changed === null || m.view.traceNames().some((n) => changed.has(n));
      if (json !== m.json || dataChanged) {
        m.item = item;
        m.json = json;
        m.view.update(item);
      }
    });
    // The inputs were loaded again too: their options or definitions may have changed.
    this.onParams();
  }

  onParams(): void {
    this.syncReset();
    this.showParts();
    this.mounted.forEach((m) => m.view.onParams());
  }

  private destroyViews(): void {
    this.mounted.forEach((m) => m.view.destroy());
    this.mounted = [];
    this.parts = [];
  }

  destroy(): void {
    this.destroyViews();
    this.el.remove();
  }
}
