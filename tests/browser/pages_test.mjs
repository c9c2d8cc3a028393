// Browser test of the built-in web pages with the system's Chromium (playwright-core, no
// downloaded browser): search as you type with its keystroke-to-render times, facets, the record
// view and the cache, pages and sort, the dashboard moving under ingest and "Run now", refused
// keys, screenshots and no console errors. Run by tests/e2e/browser_test.sh against a server it
// started; prints "N passed, N failed" and exits non-zero on a failure.
//   node tests/browser/pages_test.mjs BASE_URL ADMIN_KEY ARTIFACTS_DIR
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base = process.env.TANDEM_URL, adminKey = process.env.TANDEM_ADMIN_KEY,
  artifacts = process.env.TANDEM_ARTIFACTS || '.'] = process.argv.slice(2);
if (!base || !adminKey) {
  console.error('usage: pages_test.mjs BASE_URL ADMIN_KEY [ARTIFACTS_DIR]');
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });

const QUERY = 'wireless headphones';     // typed one character at a time
const MAX_MEDIAN_MS = 100;                // keystroke to rendered results, median
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// ---------------------------------------------------------------------------------------------
// A tiny runner: checks run in order, a failure is reported and the next check still runs.

let passed = 0;
let failed = 0;
async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok - ${name} (${Date.now() - started} ms)`);
  } catch (err) {
    failed++;
    console.log(`FAIL - ${name}: ${err.stack || err}`);
  }
}
function assert(condition, message) {
  if (!condition) throw new Error(message);
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const number = (text) => Number(String(text).replace(/[^0-9.eE+-]/g, ''));

async function apiCall(path, { key = adminKey, method = 'GET', body, type } = {}) {
  const headers = { 'X-API-Key': key };
  if (type) headers['Content-Type'] = type;
  const res = await fetch(base + path, { method, headers, body });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

// ---------------------------------------------------------------------------------------------
// The browser: console errors are collected per page; a refused call the browser reports as
// "Failed to load resource" is an error too unless the check expects it (allowRefusals).

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS,
});
const consoleErrors = [];
let allowRefusals = null; // a RegExp of "status url" that may be refused during a check

async function newPage(width = 1280, height = 800) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const url = msg.location().url || '';
    const status = (msg.text().match(/status of (\d+)/) || [])[1];
    if (status && /\/ready$/.test(url)) return; // readiness is reported, not an error
    if (status && allowRefusals && allowRefusals.test(`${status} ${url}`)) return;
    consoleErrors.push(`console: ${msg.text()} ${url}`);
  });
  await page.addInitScript(installTimers);
  return page;
}

/** In the page: keystroke times of the search box and when each query's results were shown. */
function installTimers() {
  const t = (window.__typing = { keydown: 0, input: {}, rendered: {}, painted: {} });
  document.addEventListener('keydown', (e) => { if (e.target.id === 'q') t.keydown = e.timeStamp; }, true);
  document.addEventListener('input', (e) => {
    if (e.target.id === 'q') t.input[e.target.value] = t.keydown || e.timeStamp;
  }, true);
  new MutationObserver(() => {
    const q = document.body.dataset.renderedQuery;
    if (q === undefined || q in t.rendered) return;
    t.rendered[q] = performance.now();
    requestAnimationFrame(() => { t.painted[q] = performance.now(); });
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-rendered-query'] });
}

async function enterKey(page, key) {
  await page.locator('#key-input').waitFor({ state: 'visible' });
  await page.fill('#key-input', key);
  await page.press('#key-input', 'Enter');
}

const renderSeq = (page) => page.evaluate(() => Number(document.body.dataset.renderSeq || 0));
async function waitRender(page, after) {
  await page.waitForFunction((n) => Number(document.body.dataset.renderSeq || 0) > n, after);
}
async function waitQuery(page, q) {
  await page.waitForFunction((want) => document.body.dataset.renderedQuery === want, q);
}
const hitIds = (page) => page.$$eval('#hits .hit', (els) => els.map((e) => e.dataset.id));
const found = (page) => page.evaluate(() => Number(document.body.dataset.renderedFound));

async function clearBox(page) {
  await page.fill('#q', '');
  await page.dispatchEvent('#q', 'input');
  await waitQuery(page, '');
}

// ---------------------------------------------------------------------------------------------

const search = await newPage();
let typingFigures = null;

await check('search page: the key form takes the key and the first results show', async () => {
  await search.goto(base + '/');
  await enterKey(search, adminKey);
  await waitQuery(search, '');
  assert((await hitIds(search)).length === 10, 'ten hits on the first page');
  assert(await search.evaluate(() => sessionStorage.getItem('tandem.apiKey')) === adminKey, 'key kept in sessionStorage');
});

await check(`search as you type "${QUERY}": hits and highlights follow each keystroke`, async () => {
  const api = await apiCall(`/v1/collections/products/search?q=${encodeURIComponent(QUERY)}&per_page=0`);
  assert(api.status === 200 && api.json.found > 0, `the data holds "${QUERY}" (${api.text.slice(0, 200)})`);
  await search.evaluate(() => { window.__typing.rendered = {}; window.__typing.painted = {}; });
  await search.focus('#q');
  const foundSeen = new Set();
  let typed = '';
  for (const char of QUERY) {
    typed += char;
    await search.keyboard.type(char);
    await waitQuery(search, typed);
    const shown = await search.evaluate(() => ({
      box: document.getElementById('q').value,
      hits: document.querySelectorAll('#hits .hit').length,
      marks: [...document.querySelectorAll('#hits .hit mark')].map((m) => m.textContent.toLowerCase()),
      found: document.body.dataset.renderedFound,
    }));
    assert(shown.box === typed, `box holds "${typed}"`);
    assert(shown.hits > 0, `hits for "${typed}"`);
    foundSeen.add(shown.found);
    const last = typed.trim().split(/\s+/).pop().toLowerCase();
    if (last.length >= 3) {
      assert(shown.marks.some((m) => m.startsWith(last)), `a <mark> starting with "${last}" for "${typed}": ${shown.marks.slice(0, 5)}`);
    }
  }
  assert(foundSeen.size >= 3, `found changed as the query grew (${[...foundSeen]})`);
  const marks = await search.$$eval('#hits .hit-title mark', (els) => els.map((e) => e.textContent.toLowerCase()));
  assert(marks.includes('wireless') && marks.includes('headphones'), `both words marked in titles (${marks.slice(0, 4)})`);
  const t = await search.evaluate(() => window.__typing);
  const rendered = [];
  const painted = [];
  typed = '';
  for (const char of QUERY) {
    typed += char;
    rendered.push(t.rendered[typed] - t.input[typed]);
    painted.push((t.painted[typed] ?? t.rendered[typed]) - t.input[typed]);
  }
  assert(rendered.every(Number.isFinite), 'a time for every keystroke');
  typingFigures = { n: painted.length, median: median(painted), max: Math.max(...painted), domMedian: median(rendered) };
  console.log(`  keystroke to rendered results over ${painted.length} keystrokes: median ${typingFigures.median.toFixed(1)} ms, ` +
    `max ${typingFigures.max.toFixed(1)} ms (to the DOM: median ${typingFigures.domMedian.toFixed(1)} ms); ` +
    `each: ${painted.map((x) => x.toFixed(0)).join(' ')}`);
  assert(typingFigures.median <= MAX_MEDIAN_MS, `median ${typingFigures.median.toFixed(1)} ms > ${MAX_MEDIAN_MS} ms`);
  await search.screenshot({ path: join(artifacts, 'search.png') });
});

await check('typing fast: only the answer to the last query is shown', async () => {
  await clearBox(search);
  await search.focus('#q');
  const fast = 'wireless mouse';
  await search.keyboard.type(fast);
  await waitQuery(search, fast);
  await search.waitForTimeout(600);
  assert(await search.evaluate(() => document.body.dataset.renderedQuery) === fast, 'a late answer replaced the last one');
  const marks = await search.$$eval('#hits .hit-title mark', (els) => els.map((e) => e.textContent.toLowerCase()));
  assert(marks.some((m) => m.startsWith('mouse')), `"mouse" marked (${marks.slice(0, 4)})`);
});

await check('a facet value filters the hits and unselecting it brings them back', async () => {
  await clearBox(search);
  const before = await found(search);
  const button = search.locator('#facets [data-facet="category"] .facet-value').first();
  const value = await button.getAttribute('data-value');
  const count = number(await button.locator('.count').textContent());
  let seq = await renderSeq(search);
  await button.click();
  await waitRender(search, seq);
  const filtered = await found(search);
  assert(filtered < before, `found went down (${before} → ${filtered})`);
  assert(filtered === count, `found ${filtered} is the facet's count ${count}`);
  const categories = await search.$$eval('#hits [data-field="category"]', (els) => els.map((e) => e.textContent));
  assert(categories.length > 0 && categories.every((c) => c === value), `every hit is in ${value}: ${categories}`);
  assert(await search.locator(`#facets .facet-value[data-value="${value}"][aria-pressed="true"]`).count() === 1, 'selected value shown pressed');
  assert(await search.locator('#active-filters .chip').count() === 1, 'an active-filter chip');
  seq = await renderSeq(search);
  await search.locator(`#facets .facet-value[data-value="${value}"]`).click();
  await waitRender(search, seq);
  assert(await found(search) === before, `found back to ${before}`);
  assert(await search.locator('#active-filters .chip').count() === 0, 'the chip is gone');
});

await check('record view: JSON, from the store, then from the cache; Escape closes it', async () => {
  // The first hits of "*" are the oldest records: long evicted from the small records cache.
  const hit = search.locator('#hits .hit').first();
  const id = await hit.getAttribute('data-id');
  await hit.click();
  const source = search.locator('#record-source');
  await search.waitForFunction(() => /from the/.test(document.getElementById('record-source').textContent));
  assert(/from the store/.test(await source.textContent()), `first open: ${await source.textContent()}`);
  const json = JSON.parse(await search.locator('#record-json').textContent());
  assert(json.id === id && typeof json.name === 'string', `the record's JSON (${JSON.stringify(json).slice(0, 80)})`);
  await search.keyboard.press('Escape');
  await search.locator('#record').waitFor({ state: 'hidden' });
  assert(await search.evaluate(() => document.activeElement.dataset.id) === id, 'focus back on the hit');
  await search.keyboard.press('Enter');
  await search.waitForFunction(() => /from the/.test(document.getElementById('record-source').textContent));
  assert(/from the cache/.test(await source.textContent()), `second open: ${await source.textContent()}`);
  await search.keyboard.press('Escape');
  await search.locator('#record').waitFor({ state: 'hidden' });
});

await check('keyboard: arrow keys move from the box through the hits and back', async () => {
  const ids = await hitIds(search);
  await search.focus('#q');
  await search.keyboard.press('ArrowDown');
  assert(await search.evaluate(() => document.activeElement.dataset.id) === ids[0], 'first hit focused');
  await search.keyboard.press('ArrowDown');
  assert(await search.evaluate(() => document.activeElement.dataset.id) === ids[1], 'second hit focused');
  await search.keyboard.press('ArrowUp');
  await search.keyboard.press('ArrowUp');
  assert(await search.evaluate(() => document.activeElement.id) === 'q', 'back in the box');
});

await check('page 2 shows other hits; sort by price ascending gives non-decreasing prices', async () => {
  const first = await hitIds(search);
  let seq = await renderSeq(search);
  await search.click('#next-page');
  await waitRender(search, seq);
  const second = await hitIds(search);
  assert(/^Page 2 /.test(await search.textContent('#page-info')), 'page info says page 2');
  assert(second.length === 10 && second.every((id) => !first.includes(id)), 'page 2 holds ten other hits');
  seq = await renderSeq(search);
  await search.selectOption('#sort', 'price:asc');
  await waitRender(search, seq);
  const prices = async () => (await search.$$eval('#hits [data-field="price"]', (els) => els.map((e) => e.textContent))).map(Number);
  const page1 = await prices();
  seq = await renderSeq(search);
  await search.click('#next-page');
  await waitRender(search, seq);
  const all = page1.concat(await prices());
  assert(all.length === 20 && all.every(Number.isFinite), `twenty prices (${all})`);
  assert(all.every((p, i) => i === 0 || all[i - 1] <= p), `non-decreasing over pages 1 and 2: ${all}`);
  await search.selectOption('#sort', '');
});

await check('search errors show under the box', async () => {
  allowRefusals = /^400 .*\/search\?/;
  await search.fill('#q', '"unclosed');
  await search.dispatchEvent('#q', 'input');
  const error = search.locator('#search-error');
  await error.waitFor({ state: 'visible', timeout: 3000 });
  const message = await error.textContent();
  assert(/unterminated quote at position 0/.test(message), `the server's message: ${message}`);
  await search.fill('#q', '');
  await search.dispatchEvent('#q', 'input');
  // The next answer clears it (renderedQuery may already be '' from before: wait on the message).
  await error.waitFor({ state: 'hidden', timeout: 3000 });
  await waitQuery(search, '');
  allowRefusals = null;
});

await check('at 375 px the search page has no horizontal scrolling', async () => {
  await search.setViewportSize({ width: 375, height: 800 });
  await search.waitForTimeout(200);
  const width = await search.evaluate(() => document.documentElement.scrollWidth);
  await search.screenshot({ path: join(artifacts, 'search-375.png') });
  await search.setViewportSize({ width: 1280, height: 800 });
  assert(width <= 375, `page is ${width} px wide`);
});

// --- The dashboard, in the same tab (the key is in sessionStorage) ---------------------------

const text = (page, id) => page.locator(`[data-testid="${id}"]`).first().textContent();
async function waitNumber(page, id) {
  await page.waitForFunction((t) => {
    const el = document.querySelector(`[data-testid="${t}"]`);
    return el && /\d/.test(el.textContent);
  }, id);
  return number(await text(page, id));
}

await check('dashboard: the numbers are present', async () => {
  await search.goto(base + '/dashboard');
  for (const id of ['head-seq', 'records-accepted', 'ingest-rate', 'requests-rate', 'latency-p50',
    'latency-p95', 'latency-p99', 'cache-hit-ratio-records-total', 'uptime']) {
    await waitNumber(search, id);
  }
  assert((await text(search, 'health-status')) === 'ok', 'health ok');
  assert(/^(ready|not_ready|unknown|not ready.*)$/.test(await text(search, 'ready-status')), 'a readiness status');
  assert(await search.locator('[data-testid="sink-xapian"]').count() === 1, 'the xapian sink');
  assert(/\d/.test(await text(search, 'sink-xapian-applied')), 'xapian applied seq');
  await search.locator('[data-testid="job-generate"]').waitFor();
  await search.screenshot({ path: join(artifacts, 'dashboard.png') });
});

await check('dashboard: a batch of 500 records moves records accepted, the ingest rate and the head', async () => {
  const accepted0 = await waitNumber(search, 'records-accepted');
  const head0 = await waitNumber(search, 'head-seq');
  const lines = [];
  for (let i = 0; i < 500; i++) {
    lines.push(JSON.stringify({ id: `browser-${Date.now()}-${i}`, name: `Browser Test Lamp ${i}`, category: 'home',
      brand: 'Testco', price: 10 + i / 100, in_stock: true, tags: ['test'] }));
  }
  const res = await apiCall('/v1/collections/products/records', { method: 'POST', body: lines.join('\n') + '\n', type: 'application/x-ndjson' });
  assert(res.status === 200 && res.json.accepted === 500, `500 accepted (${res.status} ${res.text.slice(0, 200)})`);
  let maxRate = 0;
  const deadline = Date.now() + 12000;
  let accepted = accepted0;
  let head = head0;
  while (Date.now() < deadline) {
    accepted = number(await text(search, 'records-accepted'));
    head = number(await text(search, 'head-seq'));
    const rate = number(await text(search, 'ingest-rate'));
    if (Number.isFinite(rate)) maxRate = Math.max(maxRate, rate);
    if (accepted >= accepted0 + 500 && head >= head0 + 500 && maxRate > 0) break;
    await search.waitForTimeout(200);
  }
  console.log(`  records accepted ${accepted0} → ${accepted}, head ${head0} → ${head}, ingest rate up to ${maxRate}/s`);
  assert(accepted >= accepted0 + 500, 'records accepted went up by 500');
  assert(head >= head0 + 500, 'head seq went up by 500');
  assert(maxRate > 0, 'the ingest rate showed the batch');
  await search.waitForFunction(() => document.querySelector('[data-testid="sink-xapian-lag"]')?.textContent === '0', null, { timeout: 15000 })
    .catch(async (e) => { throw new Error(`the xapian sink's lag stayed at ${await text(search, 'sink-xapian-lag')}: ${e.message}`); });
});

await check('dashboard: "Run now" for job generate adds a run with outcome ok', async () => {
  const runs = search.locator('[data-testid="job-runs-generate"] li[data-started-at]');
  const before = new Set(await runs.evaluateAll((els) => els.map((e) => e.dataset.startedAt)));
  await search.click('[data-testid="job-run-generate"]');
  await search.waitForFunction((seen) => [...document.querySelectorAll('[data-testid="job-runs-generate"] li[data-started-at]')]
    .some((li) => !seen.includes(li.dataset.startedAt) && li.dataset.outcome === 'ok'), [...before], { timeout: 10000 });
  assert(!(await text(search, 'job-message-generate')), 'no error message');
});

// --- Refused keys, each in a fresh context (an empty sessionStorage) -------------------------

await check('a wrong key is refused on the page with the server\'s message; a good one then works', async () => {
  const wrong = 'tdm_wrong_key_for_the_browser_test_0000';
  const expected = (await apiCall('/v1/collections', { key: wrong })).json.error.message;
  const page = await newPage();
  allowRefusals = /^401 /;
  try {
    await page.goto(base + '/');
    await enterKey(page, wrong);
    await page.waitForFunction((m) => document.getElementById('key-message')?.textContent === m, expected);
    assert(await page.locator('#key-input').isVisible(), 'the key form is open again');
    await enterKey(page, adminKey);
    await waitQuery(page, '');
    await page.click('#key-button');
    assert(await page.locator('#key-input').isVisible(), '"Change key" opens the form');
    assert(await page.evaluate(() => sessionStorage.getItem('tandem.apiKey')) === null, 'and forgets the key');
  } finally {
    allowRefusals = null;
    await page.context().close();
  }
});

await check('a search-only key: a 403 message for the schema, records through /cache', async () => {
  const made = await apiCall('/v1/keys', { method: 'POST', body: '{"scopes":["search"]}', type: 'application/json' });
  assert(made.status === 201, `key made (${made.text})`);
  const expected = (await apiCall('/v1/collections/products', { key: made.json.key })).json.error.message;
  const page = await newPage();
  allowRefusals = /^403 .*\/v1\/collections/;
  try {
    await page.goto(base + '/');
    await enterKey(page, made.json.key);
    await waitQuery(page, '');
    assert((await page.textContent('#notice')).includes(expected), `notice holds "${expected}"`);
    await page.locator('#hits .hit').nth(1).click();
    await page.waitForFunction(() => /from the/.test(document.getElementById('record-source').textContent));
    assert(/from the (store|cache)/.test(await page.textContent('#record-source')), 'a source');
    assert(JSON.parse(await page.textContent('#record-json')).id, 'the record');
  } finally {
    allowRefusals = null;
    await page.context().close();
  }
});

await check('at 375 px the dashboard has no horizontal scrolling', async () => {
  await search.setViewportSize({ width: 375, height: 800 });
  await search.waitForTimeout(300);
  const width = await search.evaluate(() => document.documentElement.scrollWidth);
  await search.screenshot({ path: join(artifacts, 'dashboard-375.png'), fullPage: true });
  assert(width <= 375, `page is ${width} px wide`);
});

await check('no console errors', async () => {
  assert(consoleErrors.length === 0, consoleErrors.join('\n'));
});

await browser.close();
if (typingFigures) {
  console.log(`keystroke to render: median ${typingFigures.median.toFixed(1)} ms, max ${typingFigures.max.toFixed(1)} ms over ${typingFigures.n} keystrokes`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
