// Cohort selection state, kept in the URL query string (spec §10.5).

import { currentRoute, updateParams } from './router';
import type { Selector } from './types';

export const NO_COHORTS = 'NoCohorts';

export function selectorType(sel: Selector | undefined, fallback: 'single' | 'multiple'): 'single' | 'multiple' {
  return sel?.type === 'single' || sel?.type === 'multiple' ? sel.type : fallback;
}

export function defaultSelection(type: 'single' | 'multiple', options: string[]): string[] {
  return type === 'multiple' ? options.slice() : options.slice(0, 1);
}

/** The URL value for a selector, or null when absent. */
export function rawSelection(name: string): string | null {
  return currentRoute().params.get(name);
}

/** Selected cohort names (exact matches, not substrings). */
export function readSelection(name: string, type: 'single' | 'multiple', options: string[]): string[] {
  const raw = rawSelection(name);
  if (raw === null) return defaultSelection(type, options);
  if (type === 'multiple') return raw === NO_COHORTS ? [] : raw.split(',');
  // single: the whole value is one cohort; tolerate a comma-joined list.
  if (options.includes(raw) || !raw.includes(',')) return [raw];
  return [raw.split(',')[0]];
}

function encodeSelection(type: 'single' | 'multiple', values: string[]): string {
  if (type === 'single') return values[0] ?? '';
  return values.length ? values.join(',') : NO_COHORTS;
}

function sameSet(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((x) => s.has(x));
}

/**
 * Stores a selection. Charts and tables (`always` false) only keep the
 * parameter when it differs from their default; selector items always do.
 */
export function writeSelection(
  name: string,
  type: 'single' | 'multiple',
  values: string[],
  options: string[],
  always: boolean,
): void {
  // Keep the options' order in the URL.
  const ordered = options.filter((o) => values.includes(o)).concat(values.filter((v) => !options.includes(v)));
  updateParams((p) => {
    if (!always && sameSet(ordered, defaultSelection(type, options))) p.delete(name);
    else p.set(name, encodeSelection(type, ordered));
  });
}
