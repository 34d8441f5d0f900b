// Selector item: drives the URL parameter shared by charts and tables.

import { loadTraces, type TraceResult } from '../data';
import { clear, errorState, h, spinner } from '../dom';
import { atState, currentValues, loadInputs } from '../inputs';
import { defaultSelection, rawSelection, readSelection, selectorType, writeSelection } from '../selection';
import { optionTraces, partNames } from '../parts';
import { cohortOptions } from '../traces';
import type { Item, Selector } from '../types';
import type { ItemView } from './item';
import { Picker } from './picker';

export class SelectorView implements ItemView {
  readonly el: HTMLElement;
  private selector: Selector;
  private results: TraceResult[] | null = null;
  /** The cohorts offered. */
  private options: string[] = [];
  private picker: Picker | null = null;
  private body: HTMLElement;
  private generation = 0;
  private destroyed = false;

  constructor(item: Item) {
    this.selector = item.selector!;
    this.body = h('div', { class: 'selector-body' });
    this.el = h('div', { class: 'card item-selector', 'data-selector-item': this.selector.name }, this.body);
    this.load();
  }

  traceNames(): string[] {
    return optionTraces(this.selector);
  }

  update(item: Item): void {
    if (item.selector) this.selector = item.selector;
    this.load();
  }

  destroy(): void {
    this.destroyed = true;
    this.picker?.close();
  }

  onParams(): void {
    if (this.results) this.render();
  }

  private async load(): Promise<void> {
    const gen = ++this.generation;
    if (!this.results) {
      clear(this.body);
      this.body.append(spinner(this.selector.name));
    }
    const [results] = await Promise.all([loadTraces(this.traceNames()), loadInputs()]);
    if (gen !== this.generation || this.destroyed) return;
    this.results = results;
    this.render();
  }

  private render(): void {
    const results = atState(this.results!, currentValues()).results;
    const sel = this.selector;
    const type = selectorType(sel, 'multiple');
    const parts = partNames(sel);
    const options = parts.length ? parts : cohortOptions(results);
    this.options = options;
    const visible = !sel.parent_name || sel.parent_name === sel.name;
    // On first display, store the default so every sharer follows it.
    if (visible && rawSelection(sel.name) === null && options.length) {
      writeSelection(sel.name, type, defaultSelection(type, options), options, true);
      return; // the URL change calls onParams → render again
    }
    const selected = readSelection(sel.name, type, options);
    const failed = results.filter((r): r is Extract<TraceResult, { ok: false }> => !r.ok);
    if (results.length && failed.length === results.length) {
      clear(this.body);
      this.picker = null;
      this.body.append(errorState(sel.name, failed.map((f) => f.message)));
      return;
    }
    if (!this.picker) {
      this.picker = new Picker({
        label: sel.name,
        type,
        options,
        selected,
        onChange: (values) => writeSelection(sel.name, type, values, this.options, true),
      });
      clear(this.body);
      this.body.append(this.picker.el);
      if (!visible) this.picker.el.classList.add('readonly');
    } else this.picker.update(options, selected);
  }
}
