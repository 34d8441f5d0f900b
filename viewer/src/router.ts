// Routing: '/' (project page) and '/<dashboard name>' with the selector state
// in the query string. Path style (served by visivo, SPA fallback) or hash
// style ('#/<dashboard name>?...', file:// and static hosts).

import { BASE, HASH_ROUTING } from './base';

export interface Route {
  /** null on the project page */
  dashboard: string | null;
  params: URLSearchParams;
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
  return { dashboard: segment ? safeDecode(segment) : null, params: new URLSearchParams(query) };
}

function encodeComponent(s: string): string {
  // Keep commas readable: selections are comma-joined (`?Region=north,south`).
  return encodeURIComponent(s).replace(/%2C/gi, ',');
}

export function encodeQuery(params: URLSearchParams): string {
  const parts: string[] = [];
  params.forEach((v, k) => parts.push(`${encodeComponent(k)}=${encodeComponent(v)}`));
  return parts.length ? `?${parts.join('&')}` : '';
}

/** href for a page: the project page (null) or a dashboard. */
export function hrefFor(dashboard: string | null, params?: URLSearchParams): string {
  const seg = dashboard === null ? '' : encodeURIComponent(dashboard);
  const q = params ? encodeQuery(params) : '';
  if (HASH_ROUTING) return `${location.pathname}${location.search}#/${seg}${q}`;
  return `${BASE.pathname}${seg}${q}`;
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

export function navigate(dashboard: string | null, params?: URLSearchParams): void {
  history.pushState(null, '', hrefFor(dashboard, params));
  emit();
  window.scrollTo(0, 0);
}

/** Changes query parameters of the current page (replaces the history entry). */
export function updateParams(mutate: (p: URLSearchParams) => void): void {
  const route = currentRoute();
  const before = encodeQuery(route.params);
  mutate(route.params);
  const after = encodeQuery(route.params);
  if (before === after) return;
  history.replaceState(null, '', hrefFor(route.dashboard, route.params));
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
