// Inputs (docs/interactivity.md): their options, defaults and current values. The values live in
// the URL: every input not at its default, `?region=West&products=Alpha,Gamma&price=100..500`,
// each value percent-encoded (a comma inside a value is `%2C`). Changing one is a new history
// entry, so back and forward walk through the states.

import { assetUrl } from './base';
import { canon, getJSON, stateKey, type TraceResult } from './data';
import { currentRoute, decodeValue, formatQuery, navigate, rawPairs, type RawPair } from './router';
import type { InputDef, OnClick, Scalar } from './types';

export type Kind = 'single' | 'multi' | 'range';
/** single: one option; multi: the selected options, in option order; range: `[start, end]`. */
export type Value = Scalar | Scalar[];

export interface Input {
  name: string;
  kind: Kind;
  /** How the dashboard shows it: dropdown | radio | tabs, checkboxes | dropdown | chips, range-slider. */
  display: string;
  /** The options; for a range, the points of its grid. */
  options: Scalar[];
  default: Value;
}

const DISPLAYS: Record<Kind, string[]> = {
  single: ['dropdown', 'radio', 'tabs'],
  multi: ['checkboxes', 'dropdown', 'chips'],
  range: ['range-slider'],
};

export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

function isScalar(v: unknown): v is Scalar {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

/** The option written `v` (compared as text), or undefined. */
function optionOf(options: Scalar[], v: unknown): Scalar | undefined {
  if (v === undefined) return undefined;
  const text = String(v);
  return options.find((o) => String(o) === text);
}

// ---------- a range's grid ----------

const DATE_STEP = /^\s*(\d+)?\s*(day|week|month|year)s?\s*$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;

function addDate(iso: string, n: number, unit: string): string {
  const d = new Date(`${iso.slice(0, 10)}T00:00:00Z`);
  if (unit === 'day') d.setUTCDate(d.getUTCDate() + n);
  else if (unit === 'week') d.setUTCDate(d.getUTCDate() + 7 * n);
  else if (unit === 'month') d.setUTCMonth(d.getUTCMonth() + n);
  else d.setUTCFullYear(d.getUTCFullYear() + n);
  return d.toISOString().slice(0, 10);
}

const MAX_GRID = 10000;

/** The points from `start` to `end` by `step`: numbers, or ISO dates with a step like `1 month`. */
export function rangeGrid(range: NonNullable<InputDef['range']>): Scalar[] {
  const { start, end, step } = range;
  const out: Scalar[] = [];
  if (typeof start === 'string' && typeof end === 'string' && ISO_DATE.test(start) && ISO_DATE.test(end)) {
    const m = DATE_STEP.exec(String(step ?? '1 day'));
    const n = m ? Number(m[1] ?? 1) : Number(step) || 1;
    const unit = m ? m[2].toLowerCase() : 'day';
    for (let i = 0, d = start.slice(0, 10); d <= end.slice(0, 10) && i < MAX_GRID; i++, d = addDate(start, n * i, unit)) out.push(d);
    return out;
  }
  const [a, b, s] = [Number(start), Number(end), Number(step ?? 1)];
  if (![a, b, s].every(Number.isFinite) || s <= 0) return out;
  for (let i = 0; a + i * s <= b + 1e-9 && i < MAX_GRID; i++) out.push(Number((a + i * s).toPrecision(12)));
  return out;
}

function compareScalars(a: Scalar, b: Scalar): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const [x, y] = [String(a), String(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The grid points around `v`: `[last ≤ v, first ≥ v]`, or undefined outside the grid. */
function snap(grid: Scalar[], v: unknown): [Scalar, Scalar] | undefined {
  if (!isScalar(v) || !grid.length) return undefined;
  const value = typeof grid[0] === 'number' && v !== null && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
  const lo = [...grid].reverse().find((g) => compareScalars(g, value) <= 0);
  const hi = grid.find((g) => compareScalars(g, value) >= 0);
  return lo === undefined || hi === undefined ? undefined : [lo, hi];
}

// ---------- definitions ----------

function kindOf(def: InputDef): Kind {
  if (def.range) return 'range';
  return def.type === 'multi-select' ? 'multi' : 'single';
}

function defaultValue(kind: Kind, def: InputDef, options: Scalar[]): Value {
  const d = def.display?.default ?? {};
  if (kind === 'single') return optionOf(options, d.value) ?? options[0] ?? null;
  if (kind === 'multi') {
    if (d.values === 'none') return [];
    if (Array.isArray(d.values)) return options.filter((o) => optionOf(d.values as Scalar[], o) !== undefined);
    return options.slice();
  }
  const start = snap(options, d.start)?.[0] ?? options[0] ?? null;
  const end = snap(options, d.end)?.[1] ?? options[options.length - 1] ?? null;
  return [start, end];
}

/** An input from its definition and the options the run listed in data/inputs.json. */
export function makeInput(def: InputDef, listed: unknown): Input {
  const kind = kindOf(def);
  const fromRun = Array.isArray(listed) ? listed.filter(isScalar) : undefined;
  const options = fromRun ?? def.options ?? (def.range ? rangeGrid(def.range) : []);
  const wanted = def.display?.type ?? '';
  const display = DISPLAYS[kind].includes(wanted) ? wanted : DISPLAYS[kind][0];
  return { name: def.name, kind, display, options, default: defaultValue(kind, def, options) };
}

// ---------- URL values ----------

const enc = (v: Scalar) => encodeURIComponent(String(v));

/** The URL spelling of a value (already percent-encoded). */
export function encodeInput(input: Input, value: Value): string {
  if (input.kind === 'single') return enc(value as Scalar);
  const list = value as Scalar[];
  return input.kind === 'range' ? `${enc(list[0])}..${enc(list[1])}` : list.map(enc).join(',');
}

/** The value a URL spells, or undefined when it names no option. */
export function decodeInput(input: Input, raw: string): Value | undefined {
  const { options } = input;
  if (input.kind === 'single') return optionOf(options, decodeValue(raw));
  if (input.kind === 'multi') {
    const picked = new Set(raw === '' ? [] : raw.split(',').map(decodeValue));
    return options.filter((o) => picked.has(String(o)));
  }
  const at = raw.indexOf('..');
  if (at < 0) return undefined;
  const [start, end] = [raw.slice(0, at), raw.slice(at + 2)].map((r) => options.findIndex((o) => String(o) === decodeValue(r)));
  return start >= 0 && end >= start ? [options[start], options[end]] : undefined;
}

/** Every input of the project, with its options. */
export class Inputs {
  private byName: Map<string, Input>;

  constructor(list: Input[]) {
    this.byName = new Map(list.map((i) => [i.name, i]));
  }

  get(name: string): Input | undefined {
    return this.byName.get(name);
  }

  get size(): number {
    return this.byName.size;
  }

  /** Every input's value in `query` (a URL's query string), its default when absent or wrong. */
  values(query = currentRoute().query): Map<string, Value> {
    const raw = new Map(rawPairs(query));
    const out = new Map<string, Value>();
    for (const input of this.byName.values()) {
      const written = raw.get(input.name);
      out.set(input.name, (written === undefined ? undefined : decodeInput(input, written)) ?? input.default);
    }
    return out;
  }

  /** Whether `query` sets any input. */
  anySet(query = currentRoute().query): boolean {
    return rawPairs(query).some(([k]) => this.byName.has(k));
  }

  /** `keep`'s other parameters, then every input of `values` not at its default. */
  query(values: Map<string, Value>, keep: string): string {
    const pairs: RawPair[] = rawPairs(keep).filter(([k]) => !this.byName.has(k));
    for (const input of this.byName.values()) {
      const v = values.get(input.name);
      if (v !== undefined && !sameValue(v, input.default)) pairs.push([input.name, encodeInput(input, v)]);
    }
    return formatQuery(pairs);
  }

  /** The value a click on `clicked` gives the input: that option, or for a range the grid cell around it. */
  fromClick(name: string, clicked: unknown): Value | undefined {
    const input = this.byName.get(name);
    if (!input || clicked === undefined) return undefined;
    if (input.kind === 'range') return snap(input.options, clicked);
    const option = optionOf(input.options, clicked);
    if (option === undefined) return undefined;
    return input.kind === 'multi' ? [option] : option;
  }
}

// ---------- loading ----------

let defs: InputDef[] = [];
let ready: Promise<Inputs> | null = null;
let loaded: Inputs | null = null;

/** The project's input definitions (each load of project.json): options are fetched again. */
export function setInputDefs(list: InputDef[] | undefined): void {
  defs = Array.isArray(list) ? list.filter((d) => d && typeof d.name === 'string') : [];
  ready = null;
}

async function fetchInputs(list: InputDef[]): Promise<Inputs> {
  let listed: Record<string, { options?: unknown }> = {};
  if (list.length) {
    // Written by the run; absent before the first one (then the options written as lists serve).
    const raw = await getJSON(assetUrl('data/inputs.json')).catch(() => null);
    if (raw && typeof raw === 'object' && !Array.isArray(raw)) listed = raw as typeof listed;
  }
  return new Inputs(list.map((d) => makeInput(d, listed[d.name]?.options)));
}

/** The inputs with their options, loaded once per project load. */
export function loadInputs(): Promise<Inputs> {
  if (!ready) {
    const mine = fetchInputs(defs).then((inputs) => {
      if (ready === mine) loaded = inputs;
      return inputs;
    });
    ready = mine;
  }
  return ready;
}

/** The inputs last loaded (null before the first load). */
export function currentInputs(): Inputs | null {
  return loaded;
}

/** The current value of every input (empty before the inputs are loaded). */
export function currentValues(): Map<string, Value> {
  return loaded?.values() ?? new Map();
}

// ---------- changing them ----------

/**
 * Gives inputs new values: a new history entry. With `dashboard` (another one), opens it with the
 * inputs in its URL; otherwise stays on the page, keeping its other parameters.
 */
export function setInputs(changes: Map<string, Value>, dashboard?: string): void {
  const inputs = loaded;
  if (!inputs) return;
  const route = currentRoute();
  const values = inputs.values(route.query);
  changes.forEach((v, k) => values.set(k, v));
  const target = dashboard ?? route.dashboard;
  const query = inputs.query(values, target === route.dashboard ? route.query : '');
  if (target === route.dashboard && query === formatQuery(rawPairs(route.query))) return;
  navigate(target, query);
}

/** Every input back to its default (one history entry). */
export function resetInputs(): void {
  if (!loaded?.anySet()) return;
  const route = currentRoute();
  navigate(route.dashboard, loaded.query(new Map(), route.query));
}

/**
 * A click on a chart's point or a table's row: `pick(field)` is what the point or row holds for
 * `field` (x, y, text, customdata, cohort, or a column). Clicking again what is already the
 * filter (without `dashboard`) clears it.
 */
export function applyClick(onClick: OnClick, pick: (field: string) => unknown): void {
  const inputs = loaded;
  if (!inputs || !onClick.set) return;
  const changes = new Map<string, Value>();
  for (const [name, field] of Object.entries(onClick.set)) {
    const v = inputs.fromClick(name, pick(field));
    if (v !== undefined) changes.set(name, v);
  }
  if (!onClick.dashboard) {
    if (!changes.size) return;
    const now = inputs.values();
    if ([...changes].every(([k, v]) => sameValue(now.get(k), v))) {
      changes.forEach((_, k) => changes.set(k, inputs.get(k)!.default));
    }
  }
  setInputs(changes, onClick.dashboard);
}

// ---------- the traces' data in the current state ----------

/** The results at `values`: a trace with states shows the state of its inputs' values. */
export interface AtState {
  results: TraceResult[];
  /** Which state each trace shows: equal keys, same data. */
  key: string;
}

function describe(inputs: string[], values: Map<string, Value>): string {
  return inputs.map((n) => `${n} = ${JSON.stringify(values.get(n))}`).join(', ');
}

export function atState(results: TraceResult[], values: Map<string, Value>): AtState {
  const keys: string[] = [];
  const out = results.map((r): TraceResult => {
    if (!r.ok || !r.states) return r;
    const key = stateKey(r.states.inputs, (n) => values.get(n));
    keys.push(`${r.name}:${key}`);
    const data = r.states.byKey.get(key);
    if (data) return { ok: true, name: r.name, data };
    const message = `No data for trace "${r.name}" at ${describe(r.states.inputs, values)}: the run computed no such state.`;
    return { ok: false, name: r.name, message };
  });
  return { results: out, key: keys.join('|') };
}
