// Cohort picker: a button that opens a single- or multi-select popover.

import { clear, h, icon, ICONS } from '../dom';

export interface PickerOptions {
  label: string;
  type: 'single' | 'multiple';
  options: string[];
  selected: string[];
  onChange: (values: string[]) => void;
  variant?: 'compact' | 'full';
}

let openPicker: Picker | null = null;

export class Picker {
  readonly el: HTMLElement;
  private button: HTMLButtonElement;
  private panel: HTMLElement | null = null;
  private filter = '';
  private cfg: PickerOptions;

  constructor(cfg: PickerOptions) {
    this.cfg = cfg;
    this.button = h('button', {
      type: 'button',
      class: 'picker-button',
      'aria-haspopup': 'listbox',
      'aria-expanded': 'false',
      onclick: () => (this.panel ? this.close() : this.open()),
    });
    this.el = h('div', { class: `picker picker-${cfg.variant ?? 'full'}`, 'data-selector': cfg.label }, this.button);
    this.renderButton();
  }

  update(options: string[], selected: string[]): void {
    this.cfg = { ...this.cfg, options, selected };
    this.renderButton();
    if (this.panel) this.renderPanel();
  }

  private summary(): string {
    const { options, selected, type } = this.cfg;
    const sel = options.filter((o) => selected.includes(o));
    if (type === 'single') return selected[0] ?? 'None';
    if (options.length > 0 && sel.length === options.length) return options.length === 1 ? sel[0] : `All (${options.length})`;
    if (sel.length === 0) return 'None';
    if (sel.length <= 2) return sel.join(', ');
    return `${sel.slice(0, 2).join(', ')} +${sel.length - 2}`;
  }

  private renderButton(): void {
    clear(this.button);
    this.button.title = `${this.cfg.label}: ${this.summary()}`;
    this.button.append(
      h('span', { class: 'picker-label' }, this.cfg.label),
      h('span', { class: 'picker-value' }, this.summary()),
      icon(ICONS.chevronDown, 'icon picker-chevron'),
    );
  }

  private set(values: string[]): void {
    this.cfg.selected = values;
    this.renderButton();
    this.cfg.onChange(values);
  }

  private renderPanel(): void {
    const panel = this.panel!;
    const { options, selected, type } = this.cfg;
    clear(panel);
    const q = this.filter.toLowerCase();
    if (options.length > 7) {
      const input = h('input', {
        type: 'search',
        class: 'picker-search',
        placeholder: 'Search…',
        value: this.filter,
        'aria-label': `Search ${this.cfg.label}`,
      });
      input.addEventListener('input', () => {
        this.filter = input.value;
        this.renderPanel();
        const again = this.panel?.querySelector<HTMLInputElement>('.picker-search');
        again?.focus();
        again?.setSelectionRange(again.value.length, again.value.length);
      });
      panel.append(input);
    }
    if (type === 'multiple') {
      panel.append(
        h(
          'div',
          { class: 'picker-actions' },
          h('button', { type: 'button', class: 'link-button', onclick: () => this.set(options.slice()) }, 'Select all'),
          h('button', { type: 'button', class: 'link-button', onclick: () => this.set([]) }, 'Clear'),
        ),
      );
    }
    const list = h('div', { class: 'picker-list', role: 'listbox', 'aria-multiselectable': String(type === 'multiple') });
    const shown = options.filter((o) => o.toLowerCase().includes(q));
    for (const opt of shown) {
      const isSel = selected.includes(opt);
      const row = h(
        'button',
        {
          type: 'button',
          class: `picker-option${isSel ? ' selected' : ''}`,
          role: 'option',
          'aria-selected': String(isSel),
          'data-value': opt,
          onclick: () => {
            if (type === 'single') {
              this.set([opt]);
              this.close();
            } else {
              const next = isSel ? selected.filter((s) => s !== opt) : [...selected, opt];
              this.set(options.filter((o) => next.includes(o)));
              this.renderPanel();
            }
          },
        },
        h('span', { class: `picker-mark ${type}` }, isSel ? icon(ICONS.check, 'icon') : null),
        h('span', { class: 'picker-text' }, opt),
      );
      list.append(row);
    }
    if (!shown.length) list.append(h('div', { class: 'picker-empty' }, options.length ? 'No match' : 'No options'));
    panel.append(list);
  }

  private position(): void {
    if (!this.panel) return;
    const r = this.button.getBoundingClientRect();
    const width = Math.max(r.width, 220);
    let left = r.left;
    if (left + width > window.innerWidth - 8) left = Math.max(8, window.innerWidth - 8 - width);
    this.panel.style.minWidth = `${width}px`;
    this.panel.style.left = `${left}px`;
    const below = window.innerHeight - r.bottom;
    if (below < 240 && r.top > below) {
      this.panel.style.top = '';
      this.panel.style.bottom = `${window.innerHeight - r.top + 4}px`;
      this.panel.style.maxHeight = `${Math.min(360, r.top - 12)}px`;
    } else {
      this.panel.style.bottom = '';
      this.panel.style.top = `${r.bottom + 4}px`;
      this.panel.style.maxHeight = `${Math.min(360, below - 12)}px`;
    }
  }

  open(): void {
    if (openPicker && openPicker !== this) openPicker.close();
    openPicker = this;
    this.filter = '';
    this.panel = h('div', { class: 'picker-panel', 'data-selector': this.cfg.label });
    document.body.append(this.panel);
    this.renderPanel();
    this.position();
    this.el.classList.add('open');
    this.button.setAttribute('aria-expanded', 'true');
    document.addEventListener('mousedown', this.onOutside, true);
    document.addEventListener('keydown', this.onKey, true);
    window.addEventListener('resize', this.onViewport);
    window.addEventListener('scroll', this.onViewport, true);
    this.panel.querySelector<HTMLInputElement>('.picker-search')?.focus();
  }

  close(): void {
    if (!this.panel) return;
    this.panel.remove();
    this.panel = null;
    if (openPicker === this) openPicker = null;
    this.el.classList.remove('open');
    this.button.setAttribute('aria-expanded', 'false');
    document.removeEventListener('mousedown', this.onOutside, true);
    document.removeEventListener('keydown', this.onKey, true);
    window.removeEventListener('resize', this.onViewport);
    window.removeEventListener('scroll', this.onViewport, true);
  }

  private onOutside = (ev: Event): void => {
    const t = ev.target as Node;
    if (this.panel?.contains(t) || this.el.contains(t)) return;
    this.close();
  };

  private onKey = (ev: KeyboardEvent): void => {
    if (ev.key === 'Escape') {
      this.close();
      this.button.focus();
    }
  };

  private onViewport = (ev: Event): void => {
    if (ev.type === 'scroll' && this.panel?.contains(ev.target as Node)) return;
    this.position();
  };
}
