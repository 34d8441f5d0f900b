// Later 1.x layout features, compiled by the real binary (`visivo dist`, needs VISIVO_BIN):
// the project page groups dashboards by level and links external ones out; markdown is aligned;
// a table opens at its rows_per_page.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VISIVO_BIN, distSite, launch, open, settle, shot } from './harness.mjs';

const skip = !VISIVO_BIN && 'set VISIVO_BIN to a built visivo binary';

const PROJECT = `
name: layout
defaults:
  levels:
    - {title: Overview, description: What matters most}
    - {title: Team, description: For one team}
markdowns:
  - name: welcome
    content: "# Welcome"
    align: center
    justify: end
models:
  - name: numbers
    args: ["printf", "n\\n1\\n2\\n3\\n4\\n5\\n6\\n7\\n8\\n9\\n10\\n11\\n12\\n"]
traces:
  - name: numbers
    model: ref(numbers)
    props: {type: bar, x: query(n), y: query(n)}
tables:
  - name: Numbers
    traces: [ref(numbers)]
    rows_per_page: 5
dashboards:
  - name: Team numbers
    level: Team
    description: "<img src=x onerror=window.__xss=1> numbers for the team"
    tags: [numbers, "<b>bold</b>"]
    rows:
      - height: large
        items:
          - markdown: \${ref(welcome)}
          - markdown: "right, plain"
            align: right
      - height: large
        items:
          - table: ref(Numbers)
  - name: Company wiki
    level: 0
    href: https://example.com/wiki
    description: Everything else
  - name: Scratch
    rows: []
`;

let site;
/** python3's http.server has no fallback to index.html: dashboards open from the project page. */
async function openTeamNumbers() {
  const page = await open(browser.context, base);
  await page.click('a[data-nav="Team numbers"]');
  await page.waitForSelector('[data-dashboard="Team numbers"]');
  await settle(page);
  return page;
}

let base;
let browser;

describe('later 1.x layout (visivo dist)', { skip }, () => {
  before(async () => {
    site = await distSite(PROJECT, 'visivo-layout-');
    base = site.base;
    browser = await launch({ viewport: { width: 1280, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    site?.close();
  });

  it('the project page groups dashboards by level, with descriptions and tags as text', async () => {
    const page = await open(browser.context, base);
    await page.waitForSelector('.dash-card');
    await shot(page, 'layout-project-page');
    const groups = await page.$$eval('.dash-group', (sections) =>
      sections.map((s) => ({
        title: s.querySelector('.dash-level')?.textContent,
        description: s.querySelector('.dash-level-description')?.textContent ?? null,
        names: [...s.querySelectorAll('.dash-name')].map((n) => n.textContent),
      })),
    );
    assert.deepEqual(groups, [
      { title: 'Overview', description: 'What matters most', names: ['Company wiki'] },
      { title: 'Team', description: 'For one team', names: ['Team numbers'] },
      { title: 'Other dashboards', description: null, names: ['Scratch'] },
    ]);
    const team = page.locator('.dash-card:has-text("Team numbers")');
    assert.equal(await team.locator('.dash-description').textContent(), '<img src=x onerror=window.__xss=1> numbers for the team');
    assert.deepEqual(await team.locator('.dash-tag').allTextContents(), ['numbers', '<b>bold</b>']);
    assert.equal(await page.$('.dash-card img, .dash-card b'), null, 'descriptions and tags are text, not HTML');
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    await page.fill('.dash-search', 'bold');
    assert.deepEqual(await page.$$eval('.dash-name', (els) => els.map((e) => e.textContent)), ['Team numbers']);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('an external dashboard links out to its href in a new tab', async () => {
    const page = await open(browser.context, base);
    const wiki = page.locator('.dash-card:has-text("Company wiki")');
    await wiki.waitFor();
    assert.equal(await wiki.getAttribute('href'), 'https://example.com/wiki');
    assert.equal(await wiki.getAttribute('target'), '_blank');
    assert.equal(await wiki.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await wiki.getAttribute('data-nav'), null, 'not an in-app route');
    await page.close();
  });

  it('markdown is aligned and justified as written', async () => {
    const page = await openTeamNumbers();
    await shot(page, 'layout-markdown');
    const styles = await page.$$eval('.item-markdown', (els) =>
      els.map((el) => {
        const prose = el.querySelector('.prose');
        const style = getComputedStyle(prose);
        const box = el.getBoundingClientRect();
        const heading = prose.firstElementChild.getBoundingClientRect();
        return { align: style.textAlign, justify: style.justifyContent, bottomGap: Math.round(box.bottom - heading.bottom) };
      }),
    );
    assert.equal(styles[0].align, 'center');
    assert.equal(styles[0].justify, 'flex-end');
    assert.ok(styles[0].bottomGap < 40, `justify: end puts the text at the bottom (gap ${styles[0].bottomGap}px)`);
    assert.equal(styles[1].align, 'right');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('a table opens at its rows_per_page', async () => {
    const page = await openTeamNumbers();
    await page.waitForSelector('[data-table="Numbers"] tbody tr');
    assert.equal(await page.$$eval('[data-table="Numbers"] tbody tr', (trs) => trs.length), 5);
    assert.equal(await page.inputValue('[data-table="Numbers"] select[aria-label="Rows per page"]'), '5');
    await page.close();
  });
});
