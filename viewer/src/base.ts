// Where the viewer lives (its "base"), and which routing style it uses.

declare global {
  interface Window {
    /** Absolute or page-relative URL of the folder holding index.html and data/. */
    VISIVO_BASE?: string;
    /** Force 'hash' (#/<dashboard>?...) or 'path' (/<dashboard>?...) routing. */
    VISIVO_ROUTING?: 'hash' | 'path';
  }
}

// Captured while the (classic) bundle executes: assets/app.js sits one folder
// below the base, so its URL tells where the base is even on deep links.
const scriptSrc = (document.currentScript as HTMLScriptElement | null)?.src ?? '';

function withSlash(u: URL): URL {
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  u.search = '';
  u.hash = '';
  return u;
}

function computeBase(): URL {
  if (window.VISIVO_BASE) return withSlash(new URL(window.VISIVO_BASE, location.href));
  if (document.querySelector('base[href]')) return withSlash(new URL('./', document.baseURI));
  const m = /^(.*\/)assets\/[^/]+\.js(?:[?#].*)?$/.exec(scriptSrc);
  if (m) return new URL(m[1]);
  // Development server (module script, no currentScript): served at the root.
  return new URL('/', location.href);
}

export const BASE: URL = computeBase();

function computeHashMode(): boolean {
  if (window.VISIVO_ROUTING === 'hash') return true;
  if (window.VISIVO_ROUTING === 'path') return false;
  if (location.protocol === 'file:') return true;
  if (location.hash.startsWith('#/')) return true;
  // Opened as .../index.html on a static host: deep paths would 404 there.
  if (/\/index\.html?$/i.test(location.pathname)) return true;
  return false;
}

export const HASH_ROUTING: boolean = computeHashMode();

/** URL of a file below the base; `path` segments must already be encoded. */
export function assetUrl(path: string): URL {
  return new URL(path, BASE);
}

/** Encodes a name (which may contain `/`) as URL path segments. */
export function encodePath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}
