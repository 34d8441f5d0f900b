// Later 1.x dashboard parts, compiled by the real binary (`visivo dist`, needs VISIVO_BIN): a
// selector over rows and items shows the chosen ones and hides the others, a table shows every
// row and column of a model's `data`, and an item showing an insight draws its results.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VISIVO_BIN, currentQuery, distSite, launch, open, settle, shot } from './harness.mjs';

const skip = !VISIVO_BIN && 'set VISIVO_BIN to a built visivo binary';

const PROJECT = `
name: parts
models:
  - name: sales
    args: ["printf", "region,product_name,amount\\\\nnorth,a,1\\\\nsouth,b,10\\\\n"]
insights:
  - name: revenue
    props: {type: bar, x: "?{ \${ref(sales).region} }", y: "?{ sum(\${ref(sales).amount}) }"}
    interactions: [{sort: "?{ \${ref(sales).region} }"}]
tables:
  - name: All sales
    data: \${ref(sales)}
selectors:
  - name: View
    type: single
    options: ["\${ref(Summary)}", "\${ref(Detail)}", "\${ref(note)}"]
dashboards:
  - name: Parts
    rows:
      - height: compact
        items: [{selector: ref(View)}]
      - name: Summary
        height: small
        items: [{table: ref(All sales)}]
      - name: Detail
        height: small
        items: [{chart: {name: Insight chart, insights: [ref(revenue)]}}]
      - height: compact
        items: [{name: note, markdown: "a note"}, {markdown: "always here"}]
`;

let site;
let browser;

describe('later 1.x dashboard parts (visivo dist)', { skip }, () => {
  before(async () => {
    site = await distSite(PROJECT, 'visivo-parts-');
    browser = await launch({ viewport: { width: 1280, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    site?.close();
  });

  // http.server has no fallback to index.html: open the project page, then the dashboard.
  async function openParts() {
    const page = await open(browser.context, site.base);
    await page.click('a[data-nav="Parts"]');
    await page.waitForSelector('[data-selector-item="View"] .picker-button');
    await settle(page);
    return page;
  }

  const visible = (page, selector) => page.isVisible(selector);

  async function choose(page, option) {
    await page.click('[data-selector-item="View"] .picker-button');
    await page.click(`.picker-panel [data-value="${option}"]`);
    await page.waitForFunction((o) => location.search.includes(`View=${o}`), option);
  }

  it('a selector over rows and items shows the chosen one and hides the others', async () => {
    const page = await openParts();
    // single: the first option is chosen and written to the URL
    await page.waitForFunction(() => location.search.includes('View=Summary'));
    assert.equal(await visible(page, '[data-table="All sales"]'), true);
    assert.equal(await visible(page, '[data-chart="Insight chart"]'), false);
    assert.equal(await visible(page, '.item-markdown-wrap:has-text("a note")'), false);
    assert.equal(await visible(page, '.item-markdown-wrap:has-text("always here")'), true);

    await choose(page, 'Detail');
    assert.equal(await visible(page, '[data-table="All sales"]'), false);
    assert.equal(await visible(page, '[data-chart="Insight chart"]'), true);
    assert.match(currentQuery(page), /View=Detail/);

    await choose(page, 'note');
    await page.waitForSelector('.item-markdown-wrap:has-text("a note")', { state: 'visible' });
    assert.equal(await visible(page, '[data-chart="Insight chart"]'), false);
    await shot(page, 'parts-note');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it("a table's model data shows every row and column under the columns' own names", async () => {
    const page = await openParts();
    await page.waitForSelector('[data-table="All sales"] tbody tr');
    const head = await page.$$eval('[data-table="All sales"] thead th', (ths) => ths.slice(1).map((th) => th.textContent.trim()));
    const body = await page.$$eval('[data-table="All sales"] tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].slice(1).map((td) => td.textContent)),
    );
    assert.deepEqual(head, ['region', 'product_name', 'amount']);
    assert.deepEqual(body, [
      ['north', 'a', '1'],
      ['south', 'b', '10'],
    ]);
    // one cohort: no cohort picker
    assert.equal(await page.$('[data-table="All sales"] .picker'), null);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('an item showing an insight draws its results', async () => {
    const page = await openParts();
    await choose(page, 'Detail');
    await page.waitForSelector('[data-chart="Insight chart"] .js-plotly-plot');
    const plotted = await page.evaluate(() => {
      const el = document.querySelector('[data-chart="Insight chart"] .js-plotly-plot');
      return el.data.map((t) => ({ name: t.name, type: t.type, x: t.x, y: t.y }));
    });
    assert.deepEqual(plotted, [{ name: 'revenue', type: 'bar', x: ['north', 'south'], y: [1, 10] }]);
    assert.equal(await page.$('.insights-note'), null);
    await shot(page, 'parts-insight');
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});
