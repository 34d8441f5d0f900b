// Later 1.x table settings, compiled by the real binary (`visivo dist`, needs VISIVO_BIN): a
// table with format_cells colours its numeric cells, a pivot table spreads and sums its rows.
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
    value: sum(\${ref(sales).props.y})
dashboards:
  - name: Tables
    rows:
      - height: large
        items:
          - table: ref(Formatted)
          - table: ref(Pivot)
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
});
