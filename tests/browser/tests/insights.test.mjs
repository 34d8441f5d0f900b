// Insights (docs/insights.md) with the real binary (VISIVO_BIN; skipped without it): examples/insights
// under `visivo serve` and as a `visivo dist` site. Each insight runs like a trace under its own name,
// so what a chart or table must show is read from the site's data/<insight>/data.json and states.json.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { VISIVO_BIN, countDraws, launch, onServeAndDist, open, plotData, settle, shot, waitForPlot } from './harness.mjs';

const skip = !VISIVO_BIN && 'set VISIVO_BIN to a built visivo binary';
const DASH = 'Insights';
const MIXED = 'Revenue and units';
const PRODUCT = 'Product revenue';
const TABLE = 'Order value per manager';
const TRACE = 'units by region';
const INSIGHTS = ['revenue by region', 'order value per manager', 'product revenue by day'];
// SQL of the insights, their metrics and dimensions (examples/insights/project.visivo.yml).
const INSIGHT_SQL = ['?{', '${ref(', 'sum(amount)', 'count(*)', 'CASE WHEN', 'select * from'];

let site; // { base, label, close? } of the site under test
let browser;

before(async () => {
  if (!skip) browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function openDash(query = '') {
  const page = await open(browser.context, `${site.base}${encodeURIComponent(DASH)}${query}`);
  await settle(page);
  return page;
}

/** A JSON file of the site under test, as the browser would fetch it. */
async function siteJson(file) {
  const res = await fetch(new URL(file, site.base));
  assert.equal(res.status, 200, `${file}: HTTP ${res.status}`);
  return res.json();
}

/** The cohorts (series name → { props.x, props.y }) of a trace or insight. */
const cohorts = (name) => siteJson(`data/${encodeURIComponent(name)}/data.json`);

/** The data of `name`'s only cohort in the state `values` of its states.json. */
async function stateData(name, values) {
  const { inputs, states } = await siteJson(`data/${encodeURIComponent(name)}/states.json`);
  const key = (v) => JSON.stringify(inputs.map((n) => String(v[n])));
  const state = states.find((s) => key(s.values) === key(values));
  assert.ok(state, `${name} has a state ${JSON.stringify(values)}`);
  const data = Object.values(state.data);
  assert.equal(data.length, 1, `${name}: one cohort`);
  return data[0];
}

/** Waits until `chart` shows `data` (its only series' x and y), then checks it has one series. */
async function waitForOnlyPlot(page, chart, data) {
  await waitForPlot(page, chart, data);
  assert.equal((await plotData(page, chart)).length, 1, `${chart}: one series`);
}


const search = (page) => page.evaluate(() => location.search.replace(/^\?/, ''));
const selected = (page) => page.$eval('[data-input="product"] select', (s) => s.selectedOptions[0].textContent);

/** Every string in `value`, with the name of the nearest object holding `props` (a trace's entry). */
function strings(value, owner = null, found = []) {
  if (typeof value === 'string') found.push({ owner, text: value });
  else if (value && typeof value === 'object') {
    const next = !Array.isArray(value) && 'props' in value ? value.name : owner;
    for (const v of Object.values(value)) strings(v, next, found);
  }
  return found;
}

/** Opens the dashboard with the browser cache off; resolves with the page and what it received under data/. */
async function openRecording() {
  const page = await browser.context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const received = [];
  page.on('response', (res) => {
    if (new URL(res.url()).pathname.includes('/data/')) received.push({ url: decodeURIComponent(res.url()), body: res.text().catch(() => '') });
  });
  await page.goto(`${site.base}${encodeURIComponent(DASH)}`);
  await settle(page);
  return { page, received };
}

/** The same scenarios on `visivo serve` and on a `visivo dist` site. */
function scenarios() {
  it('a chart mixing a trace and an insight draws the trace and the insight’s split series', async () => {
    const page = await openDash();
    const want = { ...(await cohorts(TRACE)), ...(await cohorts('revenue by region')) };
    assert.deepEqual(Object.keys(want), [TRACE, 'big', 'small'], 'data.json: the trace, then the split of the insight');
    const plotted = await plotData(page, MIXED);
    assert.deepEqual(
      plotted.map((t) => ({ name: t.name, type: t.type, x: t.x, y: t.y })),
      [
        { name: TRACE, type: 'scatter', x: want[TRACE]['props.x'], y: want[TRACE]['props.y'] },
        { name: 'big', type: 'bar', x: want.big['props.x'], y: want.big['props.y'] },
        { name: 'small', type: 'bar', x: want.small['props.x'], y: want.small['props.y'] },
      ],
    );
    assert.deepEqual(want.big['props.y'], [20, 30.25, 9], 'big orders per region (shop.db)');
    assert.equal(plotted[0].yaxis, 'y2', 'the trace keeps its own props');
    assert.equal(await page.$('.insights-note'), null, 'no "insights are not supported" note');
    assert.equal(await page.$('.state-error'), null);
    await shot(page, `insights-${site.label}`);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('picking another product re-slices its insight from states.json; the URL carries it; Reset and back', async () => {
    const page = await openDash();
    const apple = await stateData('product revenue by day', { product: 'apple' });
    const pear = await stateData('product revenue by day', { product: 'pear' });
    assert.notDeepEqual(pear, apple, 'pear and apple differ');
    assert.equal(await selected(page), 'apple');
    assert.equal(await search(page), '', 'the default stays out of the URL');
    await waitForOnlyPlot(page, PRODUCT, apple);
    await countDraws(page);
    await page.selectOption('[data-input="product"] select', { label: 'pear' });
    await waitForOnlyPlot(page, PRODUCT, pear);
    assert.equal(await search(page), 'product=pear');
    const draws = await page.evaluate(() => window.__draws);
    assert.equal(draws[PRODUCT], 1);
    assert.equal(draws[MIXED], 0, 'a chart whose insight does not reference the input is not redrawn');
    await page.click('[data-action="reset-inputs"]');
    await waitForOnlyPlot(page, PRODUCT, apple);
    assert.equal(await search(page), '');
    assert.equal(await selected(page), 'apple');
    await page.goBack();
    await waitForOnlyPlot(page, PRODUCT, pear);
    assert.equal(await selected(page), 'pear');
    await page.goBack();
    await waitForOnlyPlot(page, PRODUCT, apple);
    assert.equal(await search(page), '');
    assert.equal(await selected(page), 'apple');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('a shared link opens the state of its product', async () => {
    const page = await openDash('?product=plum');
    const plum = await stateData('product revenue by day', { product: 'plum' });
    await waitForOnlyPlot(page, PRODUCT, plum);
    assert.equal(plum['props.x'].length, 2, 'plum sold on two days');
    assert.equal(await selected(page), 'plum');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('a table shows the rows of an insight that joins two models', async () => {
    const page = await openDash();
    const want = Object.values(await cohorts('order value per manager'));
    assert.equal(want.length, 1);
    assert.deepEqual(want[0]['props.x'], ['Ada', 'Ben', 'Cy'], 'data.json: one row per manager');
    await page.waitForSelector(`[data-table="${TABLE}"] tbody tr`);
    const rows = await page.$$eval(`[data-table="${TABLE}"] tbody tr`, (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td:not(.select-col)')].map((td) => td.textContent)),
    );
    assert.deepEqual(
      rows.map(([manager, value]) => [manager, Number(value)]),
      want[0]['props.x'].map((m, i) => [m, want[0]['props.y'][i]]),
    );
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('no SQL of an insight reaches the browser', async () => {
    const { page, received } = await openRecording();
    await page.selectOption('[data-input="product"] select', { label: 'pear' });
    await waitForOnlyPlot(page, PRODUCT, await stateData('product revenue by day', { product: 'pear' }));
    const files = await Promise.all(received.map(async (r) => ({ url: r.url, body: await r.body })));
    const project = files.find((f) => f.url.endsWith('/data/project.json'));
    assert.ok(project, `project.json fetched (got ${files.map((f) => f.url).join(', ')})`);
    const json = JSON.parse(project.body);
    // An insight is listed among its chart's or table's traces with plain props.
    const all = strings(json);
    for (const name of INSIGHTS) assert.ok(all.some((s) => s.owner === name), `project.json lists ${name} with its props`);
    const sql = all.filter((s) => [...INSIGHT_SQL, 'sum('].some((n) => s.text.includes(n)));
    assert.deepEqual(sql.filter((s) => s.owner !== TRACE), [], 'only the plain trace keeps its ?{} props (its data comes from data.json)');
    for (const needle of INSIGHT_SQL.slice(1)) assert.ok(!project.body.includes(needle), `project.json holds no ${needle}`);
    for (const f of files.filter((f) => f !== project)) {
      for (const needle of [...INSIGHT_SQL, 'sum(']) assert.ok(!f.body.includes(needle), `${f.url} holds no ${needle}`);
    }
    assert.ok(files.some((f) => f.url.includes('/data/product revenue by day/states.json')), 'states.json fetched');
    assert.ok(!files.some((f) => f.url.endsWith('.sql')), 'no query.sql fetched');
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}

onServeAndDist('insights', 'insights', (s) => {
  site = s;
}, scenarios);
