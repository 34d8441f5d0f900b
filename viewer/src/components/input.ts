// Input item: the control of one input (dropdown, radio, tabs; checkboxes, dropdown, chips;
// range slider), labelled and usable from the keyboard. A change is a new URL (inputs.ts).

import { clear, errorState, h, spinner } from '../dom';
import { currentInputs, loadInputs, sameValue, setInputs, type Input, type Value } from '../inputs';
import type { Item, Scalar } from '../types';
import type { ItemView } from './item';
import { Picker } from './picker';

/** A control shows a value and reports the reader's changes through `set`. */
interface Control {
  el: HTMLElement;
  show(value: Value): void;
}

let ids = 0;
const text = (v: Scalar) => (v === null ? '(empty)' : String(v));

function set(input: Input, value: Value): void {
  setInputs(new Map([[input.name, value]]));
}

function dropdown(input: Input): Control {
  const id = `input-${++ids}`;
  const select = h('select', { id, class: 'input-select' }, ...input.options.map((o, i) => h('option', { value: String(i) }, text(o))));
  select.addEventListener('change', () => set(input, input.options[Number(select.value)]));
  return {
    el: h('div', { class: 'input-field' }, h('label', { class: 'input-label', for: id }, input.name), select),
    show: (v) => (select.value = String(input.options.findIndex((o) => sameValue(o, v)))),
  };
}

/** A `fieldset` with its legend: radio buttons and checkboxes. */
function group(input: Input, type: 'radio' | 'checkbox'): Control {
  const groupName = `input-${++ids}`;
  const boxes = input.options.map((o) => h('input', { type, name: groupName, value: String(o) }));
  const chosen = () => input.options.filter((_, i) => boxes[i].checked);
  boxes.forEach((box, i) =>
    box.addEventListener('change', () => set(input, type === 'radio' ? input.options[i] : chosen())),
  );
  const el = h(
    'fieldset',
    { class: `input-field input-${type}s` },
    h('legend', { class: 'input-label' }, input.name),
    h('div', { class: 'input-options' }, ...boxes.map((box, i) => h('label', { class: 'input-option' }, box, h('span', null, text(input.options[i]))))),
  );
  return {
    el,
    show: (v) => boxes.forEach((box, i) => (box.checked = Array.isArray(v) ? v.some((x) => sameValue(x, input.options[i])) : sameValue(v, input.options[i]))),
  };
}

/** Tabs: one selected, arrow keys move and select (roving tabindex). */
function tabs(input: Input): Control {
  const buttons = input.options.map((o, i) =>
    h('button', { type: 'button', role: 'tab', class: 'input-tab', onclick: () => set(input, input.options[i]) }, text(o)),
  );
  const list = h('div', { class: 'input-tabs', role: 'tablist', 'aria-label': input.name }, ...buttons);
  list.addEventListener('keydown', (ev) => {
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const n = buttons.length;
    const to = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: n - 1 }[ev.key];
    if (at < 0 || to === undefined || !n) return;
    ev.preventDefault();
    const next = (to + n) % n;
    buttons[next].focus();
    set(input, input.options[next]);
  });
  return {
    el: h('div', { class: 'input-field' }, h('span', { class: 'input-label', 'aria-hidden': 'true' }, input.name), list),
    show: (v) =>
      buttons.forEach((b, i) => {
        const on = sameValue(v, input.options[i]);
        b.setAttribute('aria-selected', String(on));
        b.tabIndex = on ? 0 : -1;
      }),
  };
}

/** Chips: toggle buttons (`aria-pressed`). */
function chips(input: Input): Control {
  let current: Scalar[] = [];
  const buttons = input.options.map((o, i) =>
    h('button', {
      type: 'button',
      class: 'input-chip',
      onclick: () => set(input, input.options.filter((x, j) => (j === i ? !current.some((c) => sameValue(c, x)) : current.some((c) => sameValue(c, x))))),
    }, text(o)),
  );
  return {
    el: h('div', { class: 'input-field' }, h('span', { class: 'input-label', id: `input-${++ids}` }, input.name), h('div', { class: 'input-chips', role: 'group', 'aria-labelledby': `input-${ids}` }, ...buttons)),
    show: (v) => {
      current = v as Scalar[];
      buttons.forEach((b, i) => b.setAttribute('aria-pressed', String(current.some((c) => sameValue(c, input.options[i])))));
    },
  };
}

/** A multi-select in the picker popover (search, select all, clear). */
function multiDropdown(input: Input): Control {
  const labels = input.options.map(text);
  const picker = new Picker({
    label: input.name,
    type: 'multiple',
    options: labels,
    selected: [],
    onChange: (values) => set(input, input.options.filter((_, i) => values.includes(labels[i]))),
  });
  return {
    el: h('div', { class: 'input-field input-picker' }, picker.el),
    show: (v) => picker.update(labels, labels.filter((_, i) => (v as Scalar[]).some((x) => sameValue(x, input.options[i])))),
  };
}

/** Two sliders over the range's grid: start and end (each stays on its side of the other). */
function rangeSlider(input: Input): Control {
  const grid = input.options;
  const max = String(Math.max(0, grid.length - 1));
  const slider = (which: string) => h('input', { type: 'range', min: '0', max, step: '1', class: `input-range-${which}`, 'aria-label': `${input.name} ${which}` });
  const [start, end] = [slider('start'), slider('end')];
  const out = h('output', { class: 'input-range-value' });
  const shown = () => {
    const [a, b] = [grid[Number(start.value)], grid[Number(end.value)]];
    start.setAttribute('aria-valuetext', text(a));
    end.setAttribute('aria-valuetext', text(b));
    out.textContent = `${text(a)} – ${text(b)}`;
  };
  start.addEventListener('input', () => {
    if (Number(start.value) > Number(end.value)) end.value = start.value;
    shown();
  });
  end.addEventListener('input', () => {
    if (Number(end.value) < Number(start.value)) start.value = end.value;
    shown();
  });
  const commit = () => set(input, [grid[Number(start.value)], grid[Number(end.value)]]);
  start.addEventListener('change', commit);
  end.addEventListener('change', commit);
  return {
    el: h('fieldset', { class: 'input-field input-range' }, h('legend', { class: 'input-label' }, input.name), out, h('div', { class: 'input-range-sliders' }, start, end)),
    show: (v) => {
      const [a, b] = v as Scalar[];
      start.value = String(Math.max(0, grid.findIndex((g) => sameValue(g, a))));
      end.value = String(Math.max(0, grid.findIndex((g) => sameValue(g, b))));
      shown();
    },
  };
}

function control(input: Input): Control {
  if (input.kind === 'range') return rangeSlider(input);
  if (input.kind === 'single') {
    if (input.display === 'radio') return group(input, 'radio');
    return input.display === 'tabs' ? tabs(input) : dropdown(input);
  }
  if (input.display === 'chips') return chips(input);
  return input.display === 'dropdown' ? multiDropdown(input) : group(input, 'checkbox');
}

export class InputView implements ItemView {
  readonly el: HTMLElement;
  private name: string;
  private control: Control | null = null;
  private input: Input | null = null;
  private generation = 0;

  constructor(item: Item) {
    this.name = item.input ?? '';
    this.el = h('div', { class: 'card item-input', 'data-input': this.name }, spinner(this.name));
    this.load();
  }

  traceNames(): string[] {
    return [];
  }

  update(item: Item): void {
    this.name = item.input ?? '';
    this.el.setAttribute('data-input', this.name);
    this.control = null;
    this.load();
  }

  onParams(): void {
    this.render();
  }

  destroy(): void {
    this.generation++;
  }

  private async load(): Promise<void> {
    const gen = ++this.generation;
    await loadInputs();
    if (gen === this.generation) this.render();
  }

  private render(): void {
    const inputs = currentInputs();
    if (!inputs) return;
    const input = inputs.get(this.name);
    if (!input) {
      this.control = null;
      clear(this.el);
      this.el.append(errorState(this.name, [`The project has no input named "${this.name}".`]));
      return;
    }
    if (!this.control || this.input !== input) {
      this.input = input;
      this.control = input.options.length ? control(input) : null;
      clear(this.el);
      this.el.append(this.control?.el ?? h('div', { class: 'state state-empty' }, `${input.name}: no options`));
    }
    this.control?.show(inputs.values().get(input.name)!);
  }
}
