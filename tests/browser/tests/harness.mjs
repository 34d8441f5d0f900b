// Shared helpers for the viewer browser tests.
import { after, before, describe } from 'node:test';
import { chromium } from 'playwright-core';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..');
export const REPO = path.resolve(ROOT, '..', '..');
export const ARTIFACTS = path.join(ROOT, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

export const BASE_URL = process.env.VIEWER_BASE_URL;
// serve.test.mjs starts its own servers (VISIVO_BIN) and needs no VIEWER_BASE_URL.
if (!BASE_URL && !process.env.VISIVO_BIN) throw new Error('VIEWER_BASE_URL is not set: run tests/browser/run.sh');
export const BASE = !BASE_URL || BASE_URL.endsWith('/') ? BASE_URL : `${BASE_URL}/`;
export const SUBPATH_URL = process.env.VIEWER_SUBPATH_URL || null;
export const ROOT_DIR = process.env.VIEWER_ROOT_DIR || null;
export const TEST_EVENTS = process.env.VIEWER_TEST_EVENTS === '1';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A fresh browser (own --user-data-dir). */
export async function launch({ extraArgs = [], viewport = { width: 1600, height: 1000 } } = {}) {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'visivo-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...ARGS, ...extraArgs],
    viewport,
    acceptDownloads: true,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Opens a page and records uncaught errors on `page.errors`. */
export async function open(context, url, { init } = {}) {
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  if (init) await page.addInitScript(init);
  await page.goto(url);
  return page;
}

/** Waits until no item shows a spinner and every chart has plotted, failed or shows only insights. */
export async function settle(page, timeout = 20000) {
  await page.waitForFunction(
    () => {
      if (document.querySelector('.page-loading, .state-loading')) return false;
      return [...document.querySelectorAll('.item-chart')].every(
        (c) => c.hasAttribute('data-rendered') || c.querySelector('.state-error'),
      );
    },
    null,
    { timeout },
  );
}

/** The plotly `data` of a chart (by chart name), reduced to plain JSON. */
export async function plotData(page, chart) {
  return page.evaluate((name) => {
    const el = document.querySelector(`[data-chart="${CSS.escape(name)}"] .js-plotly-plot`);
    if (!el) return null;
    return JSON.parse(JSON.stringify(el.data));
  }, chart);
}

export async function plotLayout(page, chart) {
  return page.evaluate((name) => {
    const el = document.querySelector(`[data-chart="${CSS.escape(name)}"] .js-plotly-plot`);
    return el ? JSON.parse(JSON.stringify(el.layout)) : null;
  }, chart);
}

export async function shot(page, name, fullPage = true) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage });
}

export function currentQuery(page) {
  const u = new URL(page.url());
  if (u.hash.startsWith('#/')) return u.hash.split('?')[1] ?? '';
  return u.search.replace(/^\?/, '');
}

/** A folder with viewer/dist + the fixture data (for file:// tests). */
export function staticCopy() {
  if (ROOT_DIR) return { dir: ROOT_DIR, cleanup() {} };
  const dir = mkdtempSync(path.join(tmpdir(), 'visivo-static-'));
  cpSync(path.join(REPO, 'viewer', 'dist'), dir, { recursive: true });
  cpSync(path.join(ROOT, 'fixture', 'data'), path.join(dir, 'data'), { recursive: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const SALES = 'Sales%20Overview';
export const OPS = 'Operations%20%26%20Quality';

/** Starts a process and resolves with the first match of `re` in its stdout. */
export function startProcess(cmd, args, cwd, re) {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, CI: 'true', HOME: cwd }, stdio: ['ignore', 'pipe', 'pipe'] });
  const state = { child, log: '' };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} did not start:\n${state.log}`)), 60000);
    const onData = (chunk) => {
      state.log += chunk;
      const m = re.exec(state.log);
      if (m && !state.match) {
        state.match = m;
        clearTimeout(timer);
        resolve(state);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c) => (state.log += c));
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!state.match) reject(new Error(`${cmd} exited with ${code}:\n${state.log}`));
    });
  });
}

export function stop(state) {
  if (state?.child && state.child.exitCode === null) state.child.kill('SIGTERM');
}

/**
 * Serves viewer/dist with `dataDir` as its data/ folder through serve.py (which falls back to
 * index.html like `visivo serve`, so deep links work). Resolves with `{ base, close }`.
 */
export async function staticSite(dataDir, prefix = 'visivo-static-') {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  cpSync(path.join(REPO, 'viewer', 'dist'), dir, { recursive: true });
  cpSync(dataDir, path.join(dir, 'data'), { recursive: true });
  return serveFolder(dir, () => rmSync(dir, { recursive: true, force: true }));
}

/**
 * Serves `dir` (a site: index.html, assets/, data/) through serve.py, with its live-reload
 * channel: `emit(event)` sends an event to the open pages, as `visivo serve` does after a run.
 */
export async function serveFolder(dir, cleanup = () => {}) {
  const server = await startProcess('python3', ['-u', path.join(ROOT, 'serve.py'), '--root', dir, '--events'], dir, /PORT (\d+)/);
  const base = `http://127.0.0.1:${server.match[1]}/`;
  return {
    base,
    dir,
    async emit(event) {
      const res = await fetch(new URL('/__test/emit', base), { method: 'POST', body: JSON.stringify(event) });
      if (res.status !== 204) throw new Error(`emit: HTTP ${res.status}`);
    },
    close() {
      stop(server);
      cleanup();
    },
  };
}

/** The `visivo` binary under test (VISIVO_BIN), or null; a test file skips itself without it. */
export const VISIVO_BIN = process.env.VISIVO_BIN ? path.resolve(REPO, process.env.VISIVO_BIN) : null;

/**
 * Writes `project` to a temporary folder, runs `visivo dist` on it and serves the site with
 * python3's http.server. Resolves with `{ base, close }`: the site's URL and what removes it all.
 */
export async function distSite(project, prefix) {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  writeFileSync(path.join(dir, 'project.visivo.yml'), project);
  const site = path.join(dir, 'public');
  const res = spawnSync(VISIVO_BIN, ['dist', '-d', site], { cwd: dir, env: { ...process.env, CI: 'true', HOME: dir }, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`visivo dist failed:\n${res.stdout}\n${res.stderr}`);
  const http = await startProcess('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', site], dir, /port (\d+)/);
  return {
    base: `http://127.0.0.1:${http.match[1]}/`,
    close() {
      stop(http);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A copy of `examples/<example>` without its outputs, in a new temporary folder. */
export function exampleCopy(example) {
  const dir = mkdtempSync(path.join(tmpdir(), `visivo-${example}-`));
  cpSync(path.join(REPO, 'examples', example), dir, {
    recursive: true,
    filter: (src) => !/[\\/](target|dist|public)$/.test(src),
  });
  return dir;
}

/**
 * Two suites running `scenarios` on a copy of `examples/<example>`: under the real `visivo serve`,
 * and as a `visivo dist` site. `useSite` receives `{ base, label, close? }` before each suite.
 */
export function onServeAndDist(title, example, useSite, scenarios) {
  const skip = !VISIVO_BIN && 'set VISIVO_BIN to a built visivo binary';
  describe(`${title} (visivo serve, examples/${example})`, { skip }, () => {
    let dir;
    let server;
    before(async () => {
      dir = exampleCopy(example);
      server = await startProcess(VISIVO_BIN, ['serve', '-p', '0'], dir, /Serving project at (http:\/\/127\.0\.0\.1:\d+)/);
      useSite({ base: `${server.match[1]}/`, label: 'serve' });
    });
    after(() => {
      stop(server);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
    scenarios();
  });
  describe(`${title} (visivo dist, examples/${example})`, { skip }, () => {
    let site;
    before(async () => {
      const dir = exampleCopy(example);
      const res = spawnSync(VISIVO_BIN, ['dist', '-d', 'public'], { cwd: dir, env: { ...process.env, CI: 'true', HOME: dir }, encoding: 'utf8' });
      if (res.status !== 0) throw new Error(`visivo dist failed:\n${res.stdout}\n${res.stderr}`);
      site = { ...(await serveFolder(path.join(dir, 'public'), () => rmSync(dir, { recursive: true, force: true }))), label: 'dist' };
      useSite(site);
    });
    after(() => site?.close());
    scenarios();
  });
}

/** Waits until `chart` shows `data` (its first cohort's props.x and props.y). */
export async function waitForPlot(page, chart, data) {
  await page.waitForFunction(
    ({ chart, x, y }) => {
      const el = document.querySelector(`[data-chart="${CSS.escape(chart)}"] .js-plotly-plot`);
      return el && JSON.stringify(el.data[0]?.x ?? []) === JSON.stringify(x) && JSON.stringify(el.data[0]?.y ?? []) === JSON.stringify(y);
    },
    { chart, x: data['props.x'], y: data['props.y'] },
    { timeout: 10000 },
  );
}

/** Counts redraws per chart from now on (`window.__draws`; the viewer's `visivo:drawn`). */
export async function countDraws(page) {
  await page.evaluate(() => {
    window.__draws = {};
    for (const el of document.querySelectorAll('[data-chart]')) {
      window.__draws[el.dataset.chart] = 0;
      el.addEventListener('visivo:drawn', () => window.__draws[el.dataset.chart]++);
    }
  });
}
