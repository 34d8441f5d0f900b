// Inputs, cross-filtering and drill-through (docs/interactivity.md): first on the hand-written
// output of fixture/interactive.py (every control, the URL, back and forward, shared links, which
// charts redraw, the redraw time of ten charts), then with the real binary (VISIVO_BIN) on
// examples/interactive under `visivo serve` and as a `visivo dist` site. What a chart must show is
// read from the trace's states.json over HTTP.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, countDraws, launch, onServeAndDist, open, plotData, settle, shot, staticSite, waitForPlot } from './harness.mjs';

const DASH = 'Interactive';
const DETAIL = 'Region detail';
const TEN = 'Ten charts';

let site; // { base, close } of the site under test
let browser;

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function openDash(dash, query = '') {
  const page = await open(browser.context, `${site.base}${encodeURIComponent(dash)}${query}`);
  await settle(page);
  return page;
}

/** The data of `trace` in the state `values` (compared as text, as the viewer does). */
async function stateData(trace, values) {
  const res = await fetch(new URL(`data/${encodeURIComponent(trace)}/states.json`, site.base));
  assert.equal(res.status, 200, `states.json of ${trace}`);
  const { inputs, states } = await res.json();
  const key = (v) => JSON.stringify(inputs.map((n) => (Array.isArray(v[n]) ? v[n].map(String) : String(v[n]))));
  const state = states.find((s) => key(s.values) === key(values));
  assert.ok(state, `${trace} has a state ${JSON.stringify(values)}`);
  return Object.values(state.data)[0];
}


/**
 * What a reader sees of each chart's axes: ranges and tick labels, once every chart shows bars
 * (a page just opened may first draw a chart before its state's data, see the session note).
 */
async function axes(page) {
  await page.waitForFunction(() =>
    [...document.querySelectorAll('[data-chart] .js-plotly-plot')].every((el) => el.data?.[0]?.x?.length > 0),
  );
  return page.$$eval('[data-chart] .js-plotly-plot', (els) =>
    els.map((el) => ({
      y: el._fullLayout.yaxis.range.map((v) => Math.round(v * 1000) / 1000),
      x: el._fullLayout.xaxis.range.map((v) => Math.round(v * 1000) / 1000),
      ticks: [...el.querySelectorAll('.xtick text, .ytick text')].map((t) => t.textContent),
      bars: [...el.querySelectorAll('.bars .point path')].map((p) => p.getAttribute('d')),
    })),
  );
}

/** Clicks the bar of `chart` at x = `x`. */
async function clickBar(page, chart, x) {
  const index = (await plotData(page, chart))[0].x.indexOf(x);
  assert.ok(index >= 0, `${chart} has a bar ${x}`);
  const bar = page.locator(`[data-chart="${chart}"] .bars .point`).nth(index);
  await bar.scrollIntoViewIfNeeded();
  const box = await bar.boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

/** The page's query string, without `?` (read in the page: page.url() follows pushState late). */
const search = (page) => page.evaluate(() => location.search.replace(/^\?/, ''));
const query = async (page) => decodeURIComponent(await search(page));

describe('inputs (hand-written output)', () => {
  before(async () => {
    site = await staticSite(path.join(ROOT, 'fixture', 'interactive', 'data'), 'visivo-inputs-');
  });
  after(() => site?.close());

  it('a dropdown picks an option: only the charts whose traces reference it redraw', async () => {
    const page = await openDash(DASH);
    await shot(page, 'inputs-dashboard');
    assert.equal(await search(page), '', 'defaults stay out of the URL');
    await waitForPlot(page, 'Revenue by product', await stateData('revenue_by_product', { region: 'North' }));
    assert.equal(await page.$eval('[data-input="region"] select', (s) => s.selectedOptions[0].textContent), 'North');
    await countDraws(page);
    await page.selectOption('[data-input="region"] select', { label: 'South' });
    await waitForPlot(page, 'Revenue by product', await stateData('revenue_by_product', { region: 'South' }));
    assert.equal(await search(page), 'region=South');
    await page.waitForSelector('[data-table="Orders"] tbody tr');
    const products = await page.$$eval('[data-table="Orders"] tbody tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent));
    assert.deepEqual(products.slice(0, 4), (await stateData('orders', { region: 'South' }))['columns.product'].slice(0, 4));
    const draws = await page.evaluate(() => window.__draws);
    assert.equal(draws['Revenue by product'], 1);
    assert.equal(draws['Revenue by region'], 0, 'a chart whose traces do not reference region is not redrawn');
    assert.equal(draws.Units, 0);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('checkboxes and the range slider (keyboard) set a multi-select and a range', async () => {
    const page = await openDash(DASH);
    await page.uncheck('[data-input="products"] label:has-text("Beta") input');
    await waitForPlot(page, 'Revenue by region', await stateData('revenue_by_region', { products: ['Alpha', 'Gamma'], price: [25, 75] }));
    assert.equal(await search(page), 'products=Alpha,Gamma');
    await page.focus('[data-input="price"] .input-range-start');
    await page.keyboard.press('ArrowLeft');
    await waitForPlot(page, 'Revenue by region', await stateData('revenue_by_region', { products: ['Alpha', 'Gamma'], price: [0, 75] }));
    assert.equal(await search(page), 'products=Alpha,Gamma&price=0..75');
    assert.equal(await page.textContent('[data-input="price"] output'), '0 – 75');
    await page.uncheck('[data-input="products"] label:has-text("Alpha") input');
    await page.uncheck('[data-input="products"] label:has-text("Gamma") input');
    assert.equal(await search(page), 'products=&price=0..75', 'nothing selected is an empty value');
    await page.waitForSelector('[data-chart="Revenue by region"] .plot-empty:not([hidden]), [data-chart="Revenue by region"] .js-plotly-plot');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('a shared link opens its state; a comma inside a value is %2C', async () => {
    const page = await openDash(DASH, '?region=West%2C%20Inc&products=Alpha,Gamma&price=0..50');
    await waitForPlot(page, 'Revenue by product', await stateData('revenue_by_product', { region: 'West, Inc' }));
    await waitForPlot(page, 'Revenue by region', await stateData('revenue_by_region', { products: ['Alpha', 'Gamma'], price: [0, 50] }));
    assert.equal(await page.$eval('[data-input="region"] select', (s) => s.selectedOptions[0].textContent), 'West, Inc');
    const checked = await page.$$eval('[data-input="products"] input:checked', (els) => els.map((e) => e.value));
    assert.deepEqual(checked, ['Alpha', 'Gamma']);
    assert.equal(await page.textContent('[data-input="price"] output'), '0 – 50');
    assert.equal(await page.isEnabled('[data-action="reset-inputs"]'), true);
    // Reset: the defaults, one new history entry.
    await page.click('[data-action="reset-inputs"]');
    await waitForPlot(page, 'Revenue by product', await stateData('revenue_by_product', { region: 'North' }));
    assert.equal(await search(page), '');
    assert.equal(await page.isEnabled('[data-action="reset-inputs"]'), false);
    await page.goBack();
    await waitForPlot(page, 'Revenue by product', await stateData('revenue_by_product', { region: 'West, Inc' }));
    // A value that is no option is ignored (the default shows).
    const wrong = await openDash(DASH, '?region=Atlantis&price=10..20');
    await waitForPlot(wrong, 'Revenue by product', await stateData('revenue_by_product', { region: 'North' }));
    await waitForPlot(wrong, 'Revenue by region', await stateData('revenue_by_region', { products: ['Alpha', 'Beta', 'Gamma'], price: [25, 75] }));
    assert.deepEqual([...page.errors, ...wrong.errors], []);
    await page.close();
    await wrong.close();
  });

  it('clicking a bar cross-filters; clicking it again clears the filter', async () => {
    const page = await openDash(DASH);
    await countDraws(page);
    await clickBar(page, 'Revenue by region', 'West, Inc');
    await waitForPlot(page, 'Revenue by product', await stateData('revenue_by_product', { region: 'West, Inc' }));
    assert.equal(await search(page), 'region=West%2C%20Inc');
    assert.equal(await page.$eval('[data-input="region"] select', (s) => s.selectedOptions[0].textContent), 'West, Inc');
    await shot(page, 'inputs-cross-filter');
    await clickBar(page, 'Revenue by region', 'West, Inc');
    await waitForPlot(page, 'Revenue by product', await stateData('revenue_by_product', { region: 'North' }));
    assert.equal(await search(page), '');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it("a table row's column sets an input", async () => {
    const page = await openDash(DASH);
    const row = page.locator('[data-table="Orders"] tbody tr', { hasText: 'Gamma' }).first();
    await row.click();
    await waitForPlot(page, 'Revenue by region', await stateData('revenue_by_region', { products: ['Gamma'], price: [25, 75] }));
    assert.equal(await search(page), 'products=Gamma');
    // From the keyboard too.
    await page.locator('[data-table="Orders"] tbody tr', { hasText: 'Alpha' }).first().focus();
    await page.keyboard.press('Enter');
    assert.equal(await search(page), 'products=Alpha');
    await page.close();
  });

  it('drill-through opens the other dashboard with the inputs; back and forward walk the states', async () => {
    const page = await openDash(DASH);
    await page.selectOption('[data-input="region"] select', { label: 'South' });
    await page.check('[data-input="products"] label:has-text("Beta") input'); // already: no new entry
    await page.uncheck('[data-input="products"] label:has-text("Beta") input');
    assert.equal(await query(page), 'region=South&products=Alpha,Gamma');
    await clickBar(page, 'Drill', 'East');
    await page.waitForFunction((p) => decodeURIComponent(location.pathname).endsWith(p), `/${DETAIL}`);
    await settle(page);
    await waitForPlot(page, 'Detail by product', await stateData('revenue_by_product', { region: 'East' }));
    assert.equal(await query(page), 'region=East&products=Alpha,Gamma', 'the inputs travel with the drill');
    await shot(page, 'inputs-drill-through');
    await page.goBack();
    await page.waitForSelector(`[data-dashboard="${DASH}"]`);
    await settle(page);
    assert.equal(await query(page), 'region=South&products=Alpha,Gamma');
    await waitForPlot(page, 'Revenue by product', await stateData('revenue_by_product', { region: 'South' }));
    await page.goBack();
    assert.equal(await query(page), 'region=South');
    await waitForPlot(page, 'Revenue by region', await stateData('revenue_by_region', { products: ['Alpha', 'Beta', 'Gamma'], price: [25, 75] }));
    assert.equal(await page.$eval('[data-input="products"] label:has-text("Beta") input', (i) => i.checked), true);
    await page.goBack();
    assert.equal(await query(page), '');
    await waitForPlot(page, 'Revenue by product', await stateData('revenue_by_product', { region: 'North' }));
    await page.goForward();
    await waitForPlot(page, 'Revenue by product', await stateData('revenue_by_product', { region: 'South' }));
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('a live reload brings new options to the controls', async () => {
    const page = await openDash(DASH);
    await page.waitForSelector('.live:not([hidden])');
    const file = path.join(site.dir, 'data', 'inputs.json');
    const before = readFileSync(file, 'utf8');
    const inputs = JSON.parse(before);
    inputs.region.options.push('Central');
    writeFileSync(file, JSON.stringify(inputs));
    try {
      await site.emit({ type: 'reload', traces: [] });
      await page.waitForSelector('[data-input="region"] option:text("Central")', { state: 'attached' });
    } finally {
      writeFileSync(file, before);
    }
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('radio, tabs, chips and a multi dropdown work from the keyboard', async () => {
    const page = await openDash(TEN);
    await shot(page, 'inputs-controls');
    await page.focus('[data-input="size"] input[value="M"]');
    await page.keyboard.press('ArrowDown');
    assert.equal(await search(page), 'size=L');
    await page.focus('[data-input="segment"] .input-chip:has-text("Small")');
    await page.keyboard.press('Space');
    assert.equal(await search(page), 'segment=Small&size=L', 'inputs in the order of their definitions');
    assert.equal(await page.getAttribute('[data-input="segment"] .input-chip:has-text("Small")', 'aria-pressed'), 'true');
    await page.focus('[data-input="channel"] .picker-button');
    await page.keyboard.press('Enter');
    await page.click('.picker-panel .picker-option[data-value="Retail"]');
    assert.equal(await search(page), 'channel=Online,Retail&segment=Small&size=L');
    await page.keyboard.press('Escape');
    const detail = await openDash(DETAIL);
    await detail.focus('[data-input="period"] [role="tab"][aria-selected="true"]');
    await detail.keyboard.press('ArrowRight');
    await detail.keyboard.press('End');
    assert.equal(await search(detail), 'period=2024', 'a number option');
    assert.equal(await detail.getAttribute('[data-input="period"] [role="tab"]:has-text("2024")', 'tabindex'), '0');
    assert.deepEqual([...page.errors, ...detail.errors], []);
    await page.close();
    await detail.close();
  });

  it('an input change after a zoom shows the charts as opened afresh', async () => {
    const page = await openDash(TEN);
    // What a drag on the plot does: plotly's relayout of the axes' ranges.
    await page.evaluate(() => Plotly.relayout(document.querySelector('[data-chart="Metric 3"] .js-plotly-plot'), { 'xaxis.range': [0, 3], 'yaxis.range': [0, 5] }));
    await page.selectOption('[data-input="region"] select', { label: 'South' });
    await waitForPlot(page, 'Metric 3', await stateData('metric_3', { region: 'South' }));
    await settle(page);
    const fresh = await openDash(TEN, await page.evaluate(() => location.search));
    assert.deepEqual(await axes(page), await axes(fresh));
    assert.deepEqual([...page.errors, ...fresh.errors], []);
    await page.close();
    await fresh.close();
  });

  it('measures the redraw of a dashboard of 10 charts after an input change', async () => {
    const page = await openDash(TEN);
    const options = ['South', 'East', 'West, Inc', 'North'];
    const times = [];
    for (let round = 0; round < 3; round++) {
      for (const region of options) {
        times.push(
          await page.evaluate(
            (region) =>
              new Promise((resolve) => {
                let pending = document.querySelectorAll('[data-chart]').length;
                const start = performance.now();
                const drawn = () => --pending || (document.removeEventListener('visivo:drawn', drawn), resolve(performance.now() - start));
                document.addEventListener('visivo:drawn', drawn);
                const select = document.querySelector('[data-input="region"] select');
                select.value = String([...select.options].findIndex((o) => o.textContent === region));
                select.dispatchEvent(new Event('change'));
              }),
            region,
          ),
        );
      }
    }
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    console.log(`redraw of 10 charts after an input change: median ${median.toFixed(1)} ms, max ${sorted.at(-1).toFixed(1)} ms (${times.length} changes)`);
    // Redrawn in place, the charts look as when the state is opened afresh.
    const fresh = await openDash(TEN, await page.evaluate(() => location.search));
    assert.deepEqual(await axes(page), await axes(fresh));
    await fresh.close();
    // The target is 100 ms (docs/performance.md): 70-95 ms on 2 cores busy compiling, up to 150 ms
    // when also running other browser tests. The bound here only catches regressions such as a
    // network round trip, on a machine busy with other work.
    assert.ok(median < 200, `median redraw ${median} ms`);
    await page.close();
  });
});

// ---------- the real binary on examples/interactive ----------

const ALL = ['Alpha', 'Beta', 'Gamma'];

/** The same scenarios on `visivo serve` and on a `visivo dist` site. */
function exampleScenarios() {
  it('picking an option redraws the charts that reference it, from their states', async () => {
    const page = await openDash('Sales');
    assert.equal(await page.$eval('[data-input="region"] select', (s) => s.selectedOptions[0].textContent), 'North');
    await countDraws(page);
    await page.selectOption('[data-input="region"] select', { label: 'South' });
    await waitForPlot(page, 'Monthly revenue', await stateData('monthly revenue', { region: 'South', products: ALL }));
    await waitForPlot(page, 'Customers', await stateData('customers', { region: 'South' }));
    assert.equal(await search(page), 'region=South');
    assert.equal((await page.evaluate(() => window.__draws))['By region'], 0, 'By region references no input');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('clicking a bar cross-filters the other charts', async () => {
    const page = await openDash('Sales');
    await clickBar(page, 'By region', 'East');
    await waitForPlot(page, 'Monthly revenue', await stateData('monthly revenue', { region: 'East', products: ALL }));
    await waitForPlot(page, 'Average price', await stateData('average price', { region: 'East', price: [0, 1000] }));
    assert.equal(await search(page), 'region=East');
    assert.equal(await page.$eval('[data-input="region"] select', (s) => s.selectedOptions[0].textContent), 'East');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('drill-through opens Region detail with the inputs; the back button returns', async () => {
    const page = await openDash('Sales', '?products=Alpha,Beta');
    await clickBar(page, 'Drill', 'West');
    await page.waitForSelector('[data-dashboard="Region detail"]');
    await settle(page);
    assert.equal(await query(page), 'region=West&products=Alpha,Beta');
    await waitForPlot(page, 'Monthly revenue', await stateData('monthly revenue', { region: 'West', products: ['Alpha', 'Beta'] }));
    await page.goBack();
    await page.waitForSelector('[data-dashboard="Sales"]');
    await settle(page);
    assert.equal(await query(page), 'products=Alpha,Beta');
    await waitForPlot(page, 'Monthly revenue', await stateData('monthly revenue', { region: 'North', products: ['Alpha', 'Beta'] }));
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('a shared link opens its state', async () => {
    const page = await openDash('Sales', '?region=South&products=Alpha,Gamma&price=250..750');
    await waitForPlot(page, 'Monthly revenue', await stateData('monthly revenue', { region: 'South', products: ['Alpha', 'Gamma'] }));
    await waitForPlot(page, 'Average price', await stateData('average price', { region: 'South', price: [250, 750] }));
    assert.equal(await page.textContent('[data-input="price"] output'), '250 – 750');
    await shot(page, `inputs-example-${site.label}`);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}

onServeAndDist('inputs', 'interactive', (s) => {
  site = s;
}, exampleScenarios);
