// Live reload through server-sent events at api/events (served by serve.py in tests).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BASE, ROOT_DIR, SALES, TEST_EVENTS, launch, open, plotData, plotLayout, settle, shot } from './harness.mjs';

const skip = !(TEST_EVENTS && ROOT_DIR) && 'needs the test server (serve.py --events)';

let browser;
before(async () => {
  if (!skip) browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function emit(event) {
  const res = await fetch(new URL('/__test/emit', BASE), { method: 'POST', body: JSON.stringify(event) });
  assert.equal(res.status, 204);
}

function edit(rel, fn) {
  const file = path.join(ROOT_DIR, 'data', rel);
  const before = readFileSync(file, 'utf8');
  writeFileSync(file, JSON.stringify(fn(JSON.parse(before))));
  return () => writeFileSync(file, before);
}

describe('live reload', { skip }, () => {
  it('refetches changed traces and the project without reloading the page', async () => {
    const page = await open(browser.context, `${BASE}${SALES}`);
    await settle(page);
    await page.waitForSelector('.live:not([hidden])');
    await page.evaluate(() => (window.__sameDocument = true));
    const restoreKpi = edit('units_kpi/data.json', (d) => ({ units_kpi: { 'columns.total': [42, 8, 7] } }));
    const restoreProject = edit('project.json', (p) => {
      const revenue = p.project_json.dashboards[0].rows[2].items[0].chart;
      revenue.layout.title.text = 'Revenue (live)';
      return p;
    });
    try {
      await emit({ type: 'reload', traces: ['units_kpi'] });
      await page.waitForFunction(() => document.querySelector('[data-chart="Units KPI"] .js-plotly-plot')?.data[0].value === 42);
      await page.waitForFunction(
        () => document.querySelector('[data-chart="Revenue"] .js-plotly-plot')?.layout.title.text === 'Revenue (live)',
      );
      assert.equal(await page.evaluate(() => window.__sameDocument), true);
      assert.equal((await plotData(page, 'Revenue')).length, 4);
      assert.equal((await plotLayout(page, 'Revenue')).title.text, 'Revenue (live)');
    } finally {
      restoreKpi();
      restoreProject();
    }
    await emit({ type: 'reload' });
    await page.waitForFunction(() => document.querySelector('[data-chart="Units KPI"] .js-plotly-plot')?.data[0].value === 10);
    await page.close();
  });

  it('shows an error overlay over the last good dashboard until ok', async () => {
    const page = await open(browser.context, `${BASE}${SALES}`);
    await settle(page);
    await page.waitForSelector('.live:not([hidden])');
    await emit({ type: 'error', message: 'project.visivo.yml:12: Extra inputs are not permitted' });
    await page.waitForSelector('.overlay:not([hidden])');
    assert.match(await page.textContent('.overlay'), /project\.visivo\.yml:12: Extra inputs are not permitted/);
    assert.equal((await plotData(page, 'Revenue')).length, 4);
    await page.waitForTimeout(400);
    await shot(page, 'live-error-overlay', false);
    await emit({ type: 'ok' });
    await page.waitForSelector('.overlay', { state: 'hidden' });
    await page.close();
  });
});
