// Later 1.x table settings, compiled by the real binary (`visivo dist`, needs VISIVO_BIN): a
// table with format_cells colours its numeric cells, a pivot table spreads and aggregates its rows
// (one cell per value, under its column value, when there are several), `columns` alone chooses
// and renames the columns.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VISIVO_BIN, distSite, launch, open, settle, shot } from './harness.mjs';

const skip = !VISIVO_BIN && 'set VISIVO_BIN to a built visivo binary';

const PROJECT = `
name: tables
models:
  - name: sales
    args: ["printf", "region,product,amount\\\\nnorth,a,1\\\\nnorth,a,2\\\\nsouth,a,10\\\\nnorth,b,5\\\\n"]
traces:
  - name: sales
    model: ref(sales)
    columns: {region: region, product: product}
    props: {type: bar, x: query(product), y: query(amount)}
tables:
  - name: Formatted
    traces: [ref(sales)]
    column_defs: [{trace_name: sales, columns: [{key: columns.product}, {key: props.y}]}]
    format_cells: {scope: columns, min_color: "#ff0000", max_color: "#0000ff"}
  - name: Pivot
    traces: [ref(sales)]
    columns: ["\${ref(sales).columns.region}"]
    rows: ["\${ref(sales).columns.product}"]
    values: ["sum(\${ref(sales).props.y})"]
  - name: Pivot2
    traces: [ref(sales)]
    columns: ["\${ref(sales).columns.region}"]
    rows: ["\${ref(sales).columns.product}"]
    values: ["sum(\${ref(sales).props.y})", "count(\${ref(sales).props.y})"]
  - name: Chosen
    traces: [ref(sales)]
    columns: ["\${ref(sales).props.y} as Amount", "\${ref(sales).columns.region}"]
dashboards:
  - name: Tables
    rows:
      - height: large
        items:
          - table: ref(Formatted)
          - table: ref(Pivot)
      - height: large
        items:
          - table: ref(Pivot2)
          - table: ref(Chosen)
`;

let site;
let base;
let browser;

describe('later 1.x tables (visivo dist)', { skip }, () => {
  before(async () => {
    site = await distSite(PROJECT, 'visivo-tables-');
    base = site.base;
    browser = await launch({ viewport: { width: 1280, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    site?.close();
  });

  async function openTables() {
    const page = await open(browser.context, base);
    await page.click('a[data-nav="Tables"]');
    await page.waitForSelector('[data-table="Pivot"] tbody tr');
    await page.waitForSelector('[data-table="Pivot2"] tbody tr');
    await page.waitForSelector('[data-table="Chosen"] tbody tr');
    await settle(page);
    return page;
  }

  it('format_cells colours numeric cells from min_color to max_color', async () => {
    const page = await openTables();
    await shot(page, 'tables-formatted');
    const cells = await page.$$eval('[data-table="Formatted"] tbody tr', (trs) =>
      trs.map((tr) => {
        const td = tr.querySelectorAll('td')[2];
        return [td.textContent, td.style.background];
      }),
    );
    assert.deepEqual(cells, [
      ['1', 'rgb(255, 0, 0)'],
      ['2', 'rgb(227, 0, 28)'],
      ['5', 'rgb(142, 0, 113)'],
      ['10', 'rgb(0, 0, 255)'],
    ]);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('a pivot groups by rows, spreads columns and sums the value', async () => {
    const page = await openTables();
    const head = await page.$$eval('[data-table="Pivot"] thead th', (ths) => ths.slice(1).map((th) => th.textContent.trim()));
    const body = await page.$$eval('[data-table="Pivot"] tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].slice(1).map((td) => td.textContent)),
    );
    assert.deepEqual(head.slice(0, 3), ['product', 'north', 'south']);
    assert.deepEqual(body, [
      ['a', '3', '10'],
      ['b', '5', ''],
    ]);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  /** The table's headings (row `selector` of its head, the selection column left out) and cells. */
  async function read(page, name, headRow = 'tr:not(.group-row)') {
    const head = await page.$$eval(`[data-table="${name}"] thead ${headRow} th`, (ths) =>
      ths.slice(1).map((th) => [th.textContent.trim(), th.colSpan]),
    );
    const body = await page.$$eval(`[data-table="${name}"] tbody tr`, (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].slice(1).map((td) => td.textContent)),
    );
    return { head, body };
  }

  it('a pivot with several values shows one cell per value under each column value', async () => {
    const page = await openTables();
    await shot(page, 'tables-pivot-values');
    const groups = await read(page, 'Pivot2', 'tr.group-row');
    assert.deepEqual(groups.head, [['', 1], ['north', 2], ['south', 2]]);
    const { head, body } = await read(page, 'Pivot2');
    assert.deepEqual(
      head.map(([text]) => text),
      ['product', 'SUM of y', 'COUNT of y', 'SUM of y', 'COUNT of y'],
    );
    assert.deepEqual(body, [
      ['a', '3', '2', '10', '1'],
      ['b', '5', '1', '', ''],
    ]);
    assert.equal(await page.$$eval('[data-table="Pivot"] thead tr.group-row', (trs) => trs.length), 0);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('columns alone choose, order and rename the columns', async () => {
    const page = await openTables();
    const { head, body } = await read(page, 'Chosen');
    assert.deepEqual(head.map(([text]) => text), ['Amount', 'region']);
    assert.deepEqual(
      body.sort((a, b) => Number(a[0]) - Number(b[0])),
      [['1', 'north'], ['2', 'north'], ['5', 'north'], ['10', 'south']],
    );
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});
