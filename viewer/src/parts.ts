// Selectors over dashboard parts (1.0.34): options naming rows, items, charts or tables. The
// dashboard shows the chosen parts and hides the others.

import { readSelection, selectorType } from './selection';
import type { Dashboard, Item, Part, Selector, Trace } from './types';

const PART_TYPES: string[] = ['row', 'item', 'chart', 'table'];

function isPart(option: Trace | Part): option is Part {
  return PART_TYPES.includes((option as Part).type);
}

/** The names of the parts a selector shows and hides (empty for a selector of cohorts). */
export function partNames(sel: Selector): string[] {
  return (sel.options ?? []).filter(isPart).map((o) => o.name);
}

/** The traces whose cohorts a selector offers. */
export function optionTraces(sel: Selector): string[] {
  return (sel.options ?? []).filter((o) => !isPart(o)).map((o) => o.name);
}

/** The names an item is shown and hidden by: its own, and its chart's or table's. */
export function itemPartNames(item: Item): string[] {
  return [item.name, item.chart?.name, item.table?.name].filter((n): n is string => !!n);
}

/**
 * Part name → shown, for every part a selector item of the dashboard names: chosen by the URL,
 * else by the selector's default (the first for single, all for multiple).
 */
export function partVisibility(dashboard: Dashboard): Map<string, boolean> {
  const shown = new Map<string, boolean>();
  for (const item of (dashboard.rows ?? []).flatMap((r) => r.items ?? [])) {
    const names = item.selector ? partNames(item.selector) : [];
    if (!item.selector || !names.length) continue;
    const selected = new Set(readSelection(item.selector.name, selectorType(item.selector, 'multiple'), names));
    for (const name of names) shown.set(name, (shown.get(name) ?? false) || selected.has(name));
  }
  return shown;
}

/** Whether a part known by `names` is hidden by some selector. */
export function isHidden(names: string[], visibility: Map<string, boolean>): boolean {
  return names.some((n) => visibility.get(n) === false);
}
