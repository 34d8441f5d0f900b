// The real `visivo serve` and `visivo dist` on a copy of examples/quickstart (needs VISIVO_BIN,
// the path of a built `visivo` binary; skipped otherwise).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO, launch, open, plotData, plotLayout, settle, shot, startProcess, stop } from './harness.mjs';

const BIN = process.env.VISIVO_BIN ? path.resolve(REPO, process.env.VISIVO_BIN) : null;
const skip = !BIN && 'set VISIVO_BIN to a built visivo binary';
const DASH = 'Sales%20overview';
const WAIT = 30000;

let dir; // the project copy
let server; // { child, base, log }
let browser;

const yamlPath = () => path.join(dir, 'project.visivo.yml');
function edit(from, to) {
  const text = readFileSync(yamlPath(), 'utf8');
  assert.ok(text.includes(from), `${from} not in project.visivo.yml`);
  writeFileSync(yamlPath(), text.replace(from, to));
}
const data = (trace) => JSON.parse(readFileSync(path.join(dir, 'target', trace, 'data.json'), 'utf8'));

/** What the quickstart dashboard must show, from the run's own data files. */
function expected() {
  const regions = Object.keys(data('revenue_by_region')).sort();
  const mix = data('product_mix');
  const firstRegion = Object.keys(mix).sort()[0];
  return {
    regions,
    products: mix[firstRegion]['columns.product'].length,
    units: data('total_units').total_units['columns.units'][0],
  };
}

async function checkDashboard(page, label) {
  const want = expected();
  const revenue = await plotData(page, 'Revenue by region');
  assert.equal(revenue.length, want.regions.length, `${label}: one bar trace per region`);
  assert.deepEqual(revenue.map((t) => t.name).sort(), want.regions);
  assert.ok(revenue.every((t) => t.type === 'bar'));
  const target = await plotData(page, 'Revenue vs target');
  assert.equal(target.length, 2, `${label}: revenue and target lines`);
  assert.deepEqual(target.map((t) => t.type), ['scatter', 'scatter']);
  const units = await plotData(page, 'Units');
  assert.equal(units.length, 1);
  assert.equal(units[0].type, 'indicator');
  assert.equal(units[0].value, want.units);
  const mix = await plotData(page, 'Product mix');
  assert.equal(mix.length, 1, `${label}: a single selector shows one cohort`);
  assert.equal(mix[0].type, 'pie');
  const rows = await page.$$eval('[data-table="Products"] tbody tr', (trs) => trs.length);
  assert.equal(rows, want.products, `${label}: table rows`);
  assert.ok(await page.$('[data-selector-item="Region"] .picker-button'), `${label}: selector item`);
  assert.equal(await page.$('.state-error'), null, `${label}: no errors`);
  assert.deepEqual(page.errors, []);
}

describe('visivo serve (examples/quickstart)', { skip }, () => {
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'visivo-serve-'));
    cpSync(path.join(REPO, 'examples', 'quickstart'), dir, {
      recursive: true,
      filter: (src) => !/[\\/](target|dist)$/.test(src),
    });
    server = await startProcess(BIN, ['serve', '-p', '0'], dir, /Serving project at (http:\/\/127\.0\.0\.1:\d+)/);
    server.base = `${server.match[1]}/`;
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    stop(server);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('renders every chart, the table and the selector', async () => {
    const page = await open(browser.context, `${server.base}${DASH}`);
    await settle(page);
    await page.waitForSelector('.live:not([hidden])');
    await checkDashboard(page, 'serve');
    await shot(page, 'serve-quickstart');
    await page.close();
  });

  it('a saved YAML edit updates the open page without reloading it', async () => {
    const page = await open(browser.context, `${server.base}${DASH}`);
    await settle(page);
    await page.waitForSelector('.live:not([hidden])');
    await page.evaluate(() => (window.__sameDocument = true));
    const before = await plotData(page, 'Revenue by region');
    edit('title: {text: Revenue by region}', 'title: {text: Revenue by region (doubled)}');
    edit('y: query(sum(amount))', 'y: query(sum(amount) * 2)');
    await page.waitForFunction(
      () => document.querySelector('[data-chart="Revenue by region"] .js-plotly-plot')?.layout.title.text === 'Revenue by region (doubled)',
      null,
      { timeout: WAIT },
    );
    await page.waitForFunction(
      (y0) => {
        const el = document.querySelector('[data-chart="Revenue by region"] .js-plotly-plot');
        return el && Math.abs(el.data[0].y[0] - 2 * y0) < 1e-6;
      },
      before[0].y[0],
      { timeout: WAIT },
    );
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no full page reload');
    assert.equal((await plotLayout(page, 'Revenue by region')).title.text, 'Revenue by region (doubled)');
    await shot(page, 'serve-after-edit');
    await page.close();
  });

  it('a broken edit shows the error overlay over the last good dashboard; fixing it clears it', async () => {
    const page = await open(browser.context, `${server.base}${DASH}`);
    await settle(page);
    await page.waitForSelector('.live:not([hidden])');
    edit('\ncharts:\n', '\nchartz:\n');
    await page.waitForSelector('.overlay:not([hidden])', { timeout: WAIT });
    const message = await page.textContent('.overlay');
    assert.match(message, /unknown top-level key `chartz`\s*┌─ project\.visivo\.yml:\d+:\d+/);
    assert.equal((await plotData(page, 'Revenue vs target')).length, 2, 'last good dashboard still shown');
    await page.waitForTimeout(300);
    await shot(page, 'serve-error-overlay', false);
    // A page opened while the project is broken shows the overlay too.
    const late = await open(browser.context, `${server.base}${DASH}`);
    await late.waitForSelector('.overlay:not([hidden])', { timeout: WAIT });
    await late.close();
    edit('\nchartz:\n', '\ncharts:\n');
    await page.waitForSelector('.overlay', { state: 'hidden', timeout: WAIT });
    await page.close();
  });

  it('a failed trace shows its error while the others render', async () => {
    const page = await open(browser.context, `${server.base}${DASH}`);
    await settle(page);
    await page.waitForSelector('.live:not([hidden])');
    edit('y: query(revenue)', 'y: query(no_such_column)');
    await page.waitForFunction(
      () => /no_such_column/.test(document.querySelector('[data-chart="Revenue vs target"]')?.textContent ?? ''),
      null,
      { timeout: WAIT },
    );
    const target = await plotData(page, 'Revenue vs target');
    assert.equal(target.length, 1, 'the good trace of the chart still renders');
    assert.match(await page.textContent('[data-chart="Revenue vs target"]'), /no_such_column/);
    assert.equal((await plotData(page, 'Units')).length, 1);
    assert.ok((await plotData(page, 'Revenue by region')).length > 1);
    await shot(page, 'serve-failed-trace');
    edit('y: query(no_such_column)', 'y: query(revenue)');
    await page.waitForFunction(
      () => document.querySelector('[data-chart="Revenue vs target"] .js-plotly-plot')?.data.length === 2,
      null,
      { timeout: WAIT },
    );
    await page.close();
  });

  it('visivo dist, served by python3 -m http.server under a sub-path, renders the same dashboard', async () => {
    const site = path.join(dir, 'public', 'site');
    const res = spawnSync(BIN, ['dist', '-d', site], { cwd: dir, env: { ...process.env, CI: 'true', HOME: dir }, encoding: 'utf8' });
    assert.equal(res.status, 0, `${res.stdout}\n${res.stderr}`);
    assert.ok(existsSync(path.join(site, 'data', 'project.json')));
    const http = await startProcess('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', path.join(dir, 'public')], dir, /port (\d+)/);
    try {
      const base = `http://127.0.0.1:${http.match[1]}/site/`;
      const page = await open(browser.context, base);
      await page.click(`a[data-nav="Sales overview"]`);
      await page.waitForFunction((p) => location.pathname === p, new URL(`${base}${DASH}`).pathname);
      await settle(page);
      await checkDashboard(page, 'dist');
      assert.ok(await page.$('.live[hidden]'), 'no live badge on a static host');
      await shot(page, 'dist-quickstart');
      await page.close();
    } finally {
      stop(http);
    }
  });
});
