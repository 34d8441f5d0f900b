// Routing: '/' (project page) and '/<dashboard name>' with the selector state
// in the query string. Path style (served by visivo, SPA fallback) or hash
// style ('#/<dashboard name>?...', file:// and static hosts).

import { BASE, HASH_ROUTING } from './base';

export interface Route {
  /** null on the project page */
  dashboard: string | null;
  /** The query string, decoded (selectors read it). */
  params: URLSearchParams;
  /** The query string as written, without `?` (inputs read their still-encoded values from it). */
  query: string;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

export function currentRoute(): Route {
  let rel: string;
  let query: string;
  if (HASH_ROUTING) {
    [rel, query] = splitOnce(location.hash.replace(/^#/, ''), '?');
    rel = rel.replace(/^\/+/, '');
  } else {
    const path = location.pathname;
    const basePath = BASE.pathname;
    rel = path.startsWith(basePath) ? path.slice(basePath.length) : path.replace(/^\/+/, '');
    query = location.search.replace(/^\?/, '');
  }
  // Anything after the first segment is ignored (spec §9).
  let segment = rel.split('/')[0];
  if (/^index\.html?$/i.test(segment)) segment = '';
  return { dashboard: segment ? safeDecode(segment) : null, params: new URLSearchParams(query), query };
}

/** One `key=value` of a query string: the key decoded, the value as written (still encoded). */
export type RawPair = [key: string, raw: string];

/** Decodes one value as written in a query string (`+` is a space). */
export function decodeValue(raw: string): string {
  return safeDecode(raw.replace(/\+/g, ' '));
}

export function rawPairs(query: string): RawPair[] {
  return query
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const [k, v] = splitOnce(part, '=');
      return [decodeValue(k), v];
    });
}

function encodeComponent(s: string): string {
  // Keep commas readable: selections are comma-joined (`?Region=north,south`).
  return encodeURIComponent(s).replace(/%2C/gi, ',');
}

/** `?k=v&…` from pairs whose values are already encoded; '' when there are none. */
export function formatQuery(pairs: RawPair[]): string {
  return pairs.length ? `?${pairs.map(([k, v]) => `${encodeComponent(k)}=${v}`).join('&')}` : '';
}

/** href for a page: the project page (null) or a dashboard, with a query string (`?…` or ''). */
export function hrefFor(dashboard: string | null, query = ''): string {
  const seg = dashboard === null ? '' : encodeURIComponent(dashboard);
  if (HASH_ROUTING) return `${location.pathname}${location.search}#/${seg}${query}`;
  return `${BASE.pathname}${seg}${query}`;
}

type Listener = (kind: 'page' | 'params') => void;
const listeners = new Set<Listener>();
let lastDashboard: string | null = currentRoute().dashboard;

export function onRouteChange(fn: Listener): void {
  listeners.add(fn);
}

function emit(): void {
  const dash = currentRoute().dashboard;
  const kind = dash === lastDashboard ? 'params' : 'page';
  lastDashboard = dash;
  listeners.forEach((fn) => fn(kind));
}

/** Opens a page (a new history entry); `query` is `?…` or ''. */
export function navigate(dashboard: string | null, query = ''): void {
  const samePage = dashboard === currentRoute().dashboard;
  history.pushState(null, '', hrefFor(dashboard, query));
  emit();
  if (!samePage) window.scrollTo(0, 0);
}

/** Changes query parameters of the current page (replaces the history entry). */
export function updateParams(mutate: (p: URLSearchParams) => void): void {
  const route = currentRoute();
  const before = route.params;
  const after = new URLSearchParams(before);
  mutate(after);
  // Untouched parameters keep their spelling (inputs percent-encode commas inside values).
  const raw = new Map(rawPairs(route.query));
  const pairs: RawPair[] = [];
  after.forEach((v, k) => pairs.push([k, before.get(k) === v && raw.has(k) ? raw.get(k)! : encodeComponent(v)]));
  const query = formatQuery(pairs);
  if (query === formatQuery(rawPairs(route.query))) return;
  history.replaceState(null, '', hrefFor(route.dashboard, query));
  emit();
}

window.addEventListener('popstate', emit);
window.addEventListener('hashchange', () => {
  if (HASH_ROUTING) emit();
});

/** Intercepts plain left clicks on in-app links (`data-nav`). */
export function interceptLinks(root: HTMLElement): void {
  root.addEventListener('click', (ev) => {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const a = (ev.target as Element).closest?.('a[data-nav]') as HTMLAnchorElement | null;
    if (!a) return;
    ev.preventDefault();
    const target = a.dataset.nav ?? '';
    navigate(target === '' ? null : target);
  });
}
