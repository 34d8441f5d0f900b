// Project page, navigation, routing styles and error pages.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { BASE, SALES, SUBPATH_URL, launch, open, plotData, settle, shot, staticCopy } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch({ viewport: { width: 1280, height: 800 } });
});
after(async () => {
  await browser?.close();
});

describe('project page', () => {
  it('lists dashboards, filters them and navigates without reloading', async () => {
    const page = await open(browser.context, BASE);
    await page.waitForSelector('.dash-card');
    await shot(page, 'project-page');
    assert.equal(await page.textContent('h1'), 'Dashboards');
    const names = await page.$$eval('.dash-name', (els) => els.map((e) => e.textContent));
    assert.deepEqual(names, ['Sales Overview', 'Operations & Quality', 'Empty Dashboard']);
    assert.match(await page.textContent('.topbar'), /Project/);
    assert.match(await page.textContent('.updated'), /Updated .*2026/);
    await page.fill('.dash-search', 'qual');
    assert.deepEqual(await page.$$eval('.dash-name', (els) => els.map((e) => e.textContent)), ['Operations & Quality']);
    await page.fill('.dash-search', '');
    await page.evaluate(() => (window.__sameDocument = true));
    await page.click('.dash-card:has-text("Sales Overview")');
    await settle(page);
    assert.equal(new URL(page.url()).pathname, `/${SALES}`);
    assert.equal(await page.evaluate(() => window.__sameDocument), true);
    assert.match(await page.textContent('.crumbs'), /Project\s*\/\s*Sales Overview/);
    assert.equal(await page.title(), 'Sales Overview · shop');
    // breadcrumbs lead back to the project page
    await page.click('.crumbs a:text("Project")');
    await page.waitForSelector('.dash-card');
    await page.goBack();
    await settle(page);
    assert.ok(await page.$('[data-chart="Revenue"]'));
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('shows a readable 404 for an unknown dashboard', async () => {
    const page = await open(browser.context, `${BASE}No%20Such%20Dashboard`);
    await page.waitForSelector('.error-page');
    await shot(page, 'error-page');
    assert.equal(await page.textContent('.error-code'), '404');
    assert.match(await page.textContent('.error-detail'), /Dashboard with name “No Such Dashboard” not found/);
    await page.click('a:text("Home")');
    await page.waitForSelector('.dash-card');
    await page.close();
  });

  it('shows an empty dashboard gracefully', async () => {
    const page = await open(browser.context, `${BASE}Empty%20Dashboard`);
    await page.waitForSelector('.empty-dashboard');
    await page.close();
  });
});

describe('routing', () => {
  it('uses hash routing when window.VISIVO_ROUTING is "hash"', async () => {
    const page = await open(browser.context, BASE, { init: () => (window.VISIVO_ROUTING = 'hash') });
    await page.waitForSelector('.dash-card');
    const href = await page.getAttribute('.dash-card', 'href');
    assert.match(href, /#\/Sales%20Overview$/);
    await page.click('.dash-card:has-text("Sales Overview")');
    await settle(page);
    const u = new URL(page.url());
    assert.equal(u.pathname, '/');
    assert.equal(u.hash, '#/Sales%20Overview?Region=north,south');
    assert.equal((await plotData(page, 'Revenue')).length, 4);
    await page.close();
  });

  it('opens a hash deep link with selector state', async () => {
    const page = await open(browser.context, `${BASE}index.html#/${SALES}?Region=south`);
    await settle(page);
    assert.deepEqual((await plotData(page, 'Revenue')).map((t) => t.name), ['south', 'south']);
    await page.close();
  });

  it('works under a sub-path with deep links', { skip: !SUBPATH_URL && 'no sub-path server' }, async () => {
    const page = await open(browser.context, `${SUBPATH_URL}${SALES}?Region=north`);
    await settle(page);
    assert.deepEqual((await plotData(page, 'Revenue')).map((t) => t.name), ['north', 'north']);
    await page.click('.crumbs a:text("Project")');
    await page.waitForSelector('.dash-card');
    assert.equal(new URL(page.url()).pathname, new URL(SUBPATH_URL).pathname);
    await page.close();
  });
});

describe('file://', () => {
  it('renders from a folder opened as file:// with hash routing', async () => {
    const copy = staticCopy();
    const fileBrowser = await launch({ extraArgs: ['--allow-file-access-from-files'] });
    try {
      const url = `${pathToFileURL(path.join(copy.dir, 'index.html')).href}#/${SALES}`;
      const page = await open(fileBrowser.context, url);
      await settle(page);
      await shot(page, 'file-url');
      assert.equal((await plotData(page, 'Revenue')).length, 4);
      assert.match(await page.textContent('[data-chart="Broken Chart"] .state-error'), /no such column/);
      await page.click('.crumbs a:text("Project")');
      await page.waitForSelector('.dash-card');
      assert.equal(new URL(page.url()).hash, '#/');
      assert.deepEqual(page.errors, []);
    } finally {
      await fileBrowser.close();
      copy.cleanup();
    }
  });

  it('explains why data cannot be read when the browser blocks file://', async () => {
    const copy = staticCopy();
    try {
      const page = await open(browser.context, pathToFileURL(path.join(copy.dir, 'index.html')).href);
      await page.waitForSelector('.error-page');
      assert.match(await page.textContent('.error-detail'), /file:\/\//);
      await page.close();
    } finally {
      copy.cleanup();
    }
  });
});
