// Loading data/project.json and data/<trace>/data.json (+ error.json, states.json).

import { assetUrl, encodePath } from './base';
import type { CohortData, TraceData, Wrapper } from './types';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function fileUnreadable(url: URL): HttpError {
  return new HttpError(
    0,
    `Cannot read ${url.pathname.split('/').slice(-2).join('/')}. ` +
      'Browsers block reading files from file:// pages; serve this folder over HTTP ' +
      '(for example `python3 -m http.server`), or start the browser with --allow-file-access-from-files.',
  );
}

function xhrText(url: URL): Promise<string> {
  // fetch() does not support file:// at all; XHR does when the browser allows it.
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('GET', url.href);
    xhr.onload = () => {
      if (xhr.status === 0 || (xhr.status >= 200 && xhr.status < 300)) resolve(xhr.responseText);
      else reject(new HttpError(xhr.status, `HTTP ${xhr.status}`));
    };
    xhr.onerror = () => reject(fileUnreadable(url));
    try {
      xhr.send();
    } catch {
      reject(fileUnreadable(url));
    }
  });
}

export async function getJSON(url: URL): Promise<unknown> {
  let text: string;
  if (url.protocol === 'file:') {
    text = await xhrText(url);
  } else {
    let res: Response;
    try {
      res = await fetch(url.href, { cache: 'no-store', headers: { Accept: 'application/json' } });
    } catch (e) {
      throw new HttpError(0, `Network error while loading ${url.pathname}: ${(e as Error).message}`);
    }
    if (!res.ok) throw new HttpError(res.status, `HTTP ${res.status} ${res.statusText}`.trim());
    // `visivo serve` answers 204 for a trace's optional files that don't exist.
    if (res.status === 204) return null;
    text = await res.text();
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(200, `${url.pathname.split('/').pop()} is not valid JSON`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export async function loadProject(): Promise<Wrapper> {
  const raw = await getJSON(assetUrl('data/project.json'));
  if (!isObject(raw)) throw new HttpError(500, 'data/project.json has an unexpected shape');
  // Normally the wrapper {created_at, project_json}; accept a bare project too.
  const project = isObject(raw.project_json) ? raw.project_json : raw;
  const dashboards = Array.isArray(project.dashboards) ? project.dashboards : [];
  return {
    created_at: typeof raw.created_at === 'string' ? raw.created_at : undefined,
    project_json: { ...(project as object), dashboards } as Wrapper['project_json'],
  };
}

/** A trace's states (states.json): its data for each combination of its inputs' values. */
export interface TraceStates {
  /** The inputs the trace references. */
  inputs: string[];
  /** `stateKey` of the values → the data in that state. */
  byKey: Map<string, TraceData>;
}

export type TraceResult =
  | { ok: true; name: string; data: TraceData; states?: TraceStates }
  | { ok: false; name: string; message: string };

/** What input values are compared by: numbers and strings alike as text (`2024` is `"2024"`). */
export function canon(v: unknown): unknown {
  return Array.isArray(v) ? v.map(canon) : String(v);
}

/** The key of a state: its inputs' values, compared as text. */
export function stateKey(inputs: string[], values: (name: string) => unknown): string {
  return JSON.stringify(inputs.map((n) => canon(values(n))));
}

function parseStates(raw: unknown): TraceStates | null {
  if (!isObject(raw) || !Array.isArray(raw.inputs) || !Array.isArray(raw.states)) return null;
  const inputs = raw.inputs.filter((n): n is string => typeof n === 'string');
  const byKey = new Map<string, TraceData>();
  for (const state of raw.states) {
    if (!isObject(state) || !isObject(state.values)) return null;
    const values = state.values;
    byKey.set(stateKey(inputs, (n) => values[n]), normalizeTraceData(state.data));
  }
  return { inputs, byKey };
}

function normalizeTraceData(raw: unknown): TraceData {
  const out: TraceData = {};
  if (!isObject(raw)) return out;
  for (const [cohort, value] of Object.entries(raw)) {
    if (!isObject(value)) continue;
    const cd: CohortData = {};
    for (const [k, arr] of Object.entries(value)) cd[k] = Array.isArray(arr) ? arr : [arr];
    out[cohort] = cd;
  }
  return out;
}

async function fetchTrace(name: string): Promise<TraceResult> {
  const dir = `data/${encodePath(name)}/`;
  const [data, error, states] = await Promise.allSettled([
    getJSON(assetUrl(dir + 'data.json')),
    getJSON(assetUrl(dir + 'error.json')),
    getJSON(assetUrl(dir + 'states.json')),
  ]);
  // error.json (written by `visivo serve` when the trace's last query failed) wins.
  if (error.status === 'fulfilled' && isObject(error.value)) {
    const msg = error.value.message;
    return { ok: false, name, message: typeof msg === 'string' && msg ? msg : `The query of trace "${name}" failed.` };
  }
  // states.json exists only for traces that reference inputs (else 404, 204, or an error on file://).
  let traceStates: TraceStates | undefined;
  if (states.status === 'fulfilled' && states.value !== null) {
    const parsed = parseStates(states.value);
    if (!parsed) return { ok: false, name, message: `states.json of trace "${name}" has an unexpected shape.` };
    traceStates = parsed;
  }
  if (data.status === 'fulfilled') {
    if (!isObject(data.value)) {
      return { ok: false, name, message: `data.json of trace "${name}" has an unexpected shape.` };
    }
    return { ok: true, name, data: normalizeTraceData(data.value), states: traceStates };
  }
  const err = data.reason as HttpError;
  if (err instanceof HttpError && err.status === 404) {
    return {
      ok: false,
      name,
      message: `No data for trace "${name}": data/${name}/data.json was not found. Run the project to produce it.`,
    };
  }
  return { ok: false, name, message: `Could not load data of trace "${name}": ${err?.message ?? String(err)}` };
}

const cache = new Map<string, Promise<TraceResult>>();

export function loadTrace(name: string): Promise<TraceResult> {
  let p = cache.get(name);
  if (!p) {
    p = fetchTrace(name);
    cache.set(name, p);
  }
  return p;
}

export function loadTraces(names: string[]): Promise<TraceResult[]> {
  return Promise.all(names.map(loadTrace));
}

/** Forget cached data of the given traces (all when undefined). */
export function invalidateTraces(names?: string[]): void {
  if (!names) cache.clear();
  else names.forEach((n) => cache.delete(n));
}
