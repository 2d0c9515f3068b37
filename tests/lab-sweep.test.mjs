// lab-sweep.test.mjs: the lab's sweep builder and results table in Chromium (issue 23, items 1, 7 and
// the lab part of 12), on a page of its own (a fresh browser: no runs kept from other tests):
//   - the "runs at a time" control is a field like the builder's others (as wide and tall as Seeds), and
//     the intro says the default (two runs at a time on 2 cores or more), its title explanation kept;
//   - "Steps per run" is the sweep's step count: a 2 x 2 sweep over the form's mlp3 (200000 steps, decay
//     at 150000) with 300 steps per run trains 4 runs of 300 steps, decay at 225 (the same fraction);
//     before it starts, the builder says how many runs and steps it will train (4 runs, 1,200 steps),
//     and the time: unknown until a run has been measured, an estimate at the measured steps/s after;
//   - the table shows the swept settings as columns (the schema's labels), its first column is the run's
//     name (not a random id), what every run shares is said above it, the CSV has the swept settings as
//     columns too (the schema's names), and at 1280 x 900 the table fits its container (no horizontal cut);
//   - axe-core finds no accessibility violation in the lab after the sweep.
// Needs /usr/bin/chromium (or MM_CHROMIUM), build-wasm/ (or MM_WASM_DIR), node_modules/axe-core.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CHROMIUM, ROOT, WASM_DIR, launchChromium, probePage, serve } from './browser/harness.mjs';

const AXE = path.join(ROOT, 'node_modules/axe-core/axe.min.js');
const skip = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : !existsSync(path.join(WASM_DIR, 'makemore-simd.wasm')) ? `no ${WASM_DIR}/makemore-simd.wasm`
  : !existsSync(AXE) ? 'no node_modules/axe-core' : false;

/** @param {string} text @returns {string[][]} the rows of a CSV (quoted cells, no newlines inside them here) */
const csvRows = (text) => text.trim().split('\n').map((line) => [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)].slice(0, -1).map((m) => m[1].replace(/^"|"$/g, '').replace(/""/g, '"')));

describe('the lab\'s sweep builder and table in Chromium', { skip, timeout: 180000 }, () => {
  /** @type {any} */ let browser;
  /** @type {any} */ let page;
  /** @type {{base: string, stop: () => void}} */ let server;
  /** @type {string[]} */ const errors = [];
  const text = async (/** @type {string} */ sel) => (await page.locator(sel).textContent()) ?? '';

  before(async () => {
    server = await serve();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    await probePage(page);
    page.on('pageerror', (/** @type {Error} */ e) => errors.push(String(e)));
    page.on('console', (/** @type {any} */ m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${server.base}/web/?engine=simd`);
    await page.waitForFunction(() => document.getElementById('lab')?.dataset.ready === 'true' && document.getElementById('d-source')?.textContent === 'names.txt', null, { timeout: 30000 });
  });
  after(async () => {
    await browser?.close();
    server?.stop();
  });

  test('"runs at a time" is a field like the others; the intro says the default, two at a time', async () => {
    // two where the worker counts 2 cores or more (web/worker/cores.js), as on these machines
    assert.equal(await page.inputValue('#lab-lanes'), await page.evaluate(() => (navigator.hardwareConcurrency >= 2 ? '2' : '1')));
    const intro = (await page.locator('#lab > p.hint').first().textContent()) ?? '';
    assert.match(intro, /two runs at a time/);
    assert.doesNotMatch(intro, /one run after another/);
    assert.match(await page.locator('#lab-lanes').getAttribute('title'), /a second Worker trains beside the page's/, 'the title explanation stays');
    // in a field of the builder's grid, with its label above it, as wide and as tall as the seeds' field
    assert.equal(await page.locator('#lab-lanes').evaluate((el) => el.parentElement?.className), 'field');
    const box = async (/** @type {string} */ sel) => page.locator(sel).boundingBox();
    const [lanes, seeds] = [await box('#lab-lanes'), await box('#lab-seeds')];
    assert.deepEqual([Math.round(lanes.width), Math.round(lanes.height)], [Math.round(seeds.width), Math.round(seeds.height)]);
  });

  test('a 2 x 2 sweep with 300 steps per run: 4 runs of 300 steps (decay at 225); the builder says 4 runs, 1,200 steps before it starts', async () => {
    await page.selectOption('#preset', 'mlp3');
    assert.deepEqual([await page.inputValue('#steps'), await page.inputValue('#decayStep')], ['200000', '150000'], 'the preset\'s schedule in the form');
    await page.fill('#seed', '5');
    await page.check('#reproducible');
    await page.selectOption('#lab-key1', 'nEmbd');
    await page.fill('#lab-values1', '8, 10');
    await page.selectOption('#lab-key2', 'nHidden');
    await page.fill('#lab-values2', '20, 40');
    await page.fill('#lab-name', 'grid');
    await page.fill('#lab-lecture-steps', '300');
    await page.waitForFunction(() => /4 runs, 1,200 steps/.test(document.getElementById('lab-plan')?.textContent ?? ''), null, { timeout: 5000 })
      .catch(() => {});
    const plan = await text('#lab-plan').catch(() => '(no #lab-plan)');
    await page.click('#lab-run-sweep');
    // the page's progress line shows the run's length once it trains (before a run, the form's Steps)
    await page.waitForFunction(() => !['0', ''].includes(document.getElementById('steps-done')?.textContent ?? ''), null, { timeout: 30000 });
    const total = await text('#steps-total');
    if (total !== '300') await page.click('#lab-stop').catch(() => {});
    assert.equal(total, '300', 'the run trains the sweep\'s steps per run');
    assert.match(plan, /Run sweep: 4 runs, 1,200 steps/);
    assert.match(plan, /time unknown until a run has been measured/);
    await page.waitForFunction(() => /Sweep “grid” done: 4 runs/.test(document.getElementById('lab-status')?.textContent ?? ''), null, { timeout: 90000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#lab-export-json')]);
    const runs = JSON.parse(readFileSync(await download.path(), 'utf8')).runs;
    assert.equal(runs.length, 4);
    for (const r of runs) {
      assert.deepEqual([r.schedule.steps, r.schedule.decayStep, r.steps], [300, 225, 300], r.name);
      assert.equal(r.curve.y.length, 150);
    }
    assert.deepEqual(runs.map((/** @type {any} */ r) => [r.config.nEmbd, r.config.nHidden]).sort(), [[10, 20], [10, 40], [8, 20], [8, 40]]);
    // measured now: the estimate names a rate
    const after = await text('#lab-plan');
    assert.match(after, /Run sweep: 4 runs, 1,200 steps/);
    assert.match(after, /about .+ at [\d,]+ steps\/s/);
    assert.doesNotMatch(after, /time unknown/);
    assert.deepEqual(errors, []);
  });

  test('the table: the run\'s name first, the swept settings as columns (page and CSV); it fits at 1280 x 900', async () => {
    const heads = await page.$$eval('#lab-table-head th', (ths) => ths.map((th) => (th.textContent ?? '').replace(/ [▲▼]$/, '')));
    assert.equal(heads[0], 'run');
    assert.ok(heads.includes('embedding size') && heads.includes('hidden size'), heads.join(' | '));
    assert.ok(!heads.includes('id'), heads.join(' | '));
    const rows = await page.$$eval('#lab-table-body tr', (trs) => trs.map((tr) => Object.fromEntries(Array.from(tr.children, (td) => [/** @type {HTMLElement} */ (td).dataset.key, td.textContent]))));
    assert.equal(rows.length, 4);
    for (const r of rows) assert.equal(r.name, `mlp3 nEmbd=${r.n_embd} nHidden=${r.n_hidden}`);
    assert.deepEqual(rows.map((r) => `${r.n_embd} ${r.n_hidden}`).sort(), ['10 20', '10 40', '8 20', '8 40']);
    // what every run shares is said once, above the table
    assert.match(await text('#lab-table-common'), /^Every run: sweep “grid” · preset mlp3 · steps 300 · .*decay step 225 · .*seed 5 · data set names\.txt\.$/);
    // the CSV: the swept settings as columns, by the schema's names
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#lab-export-csv')]);
    const [head, ...body] = csvRows(readFileSync(await download.path(), 'utf8'));
    assert.ok(head.includes('n_embd') && head.includes('n_hidden') && head.includes('id'), head.join(','));
    const at = (/** @type {string} */ k) => head.indexOf(k);
    assert.equal(body.length, 4);
    for (const row of body) assert.equal(row[at('name')], `mlp3 nEmbd=${row[at('n_embd')]} nHidden=${row[at('n_hidden')]}`);
    // no horizontal cut at 1280 px: the table within its container, the page not wider than the window
    const fit = await page.evaluate(() => {
      const wrap = /** @type {HTMLElement} */ (document.querySelector('.lab-table-wrap'));
      const table = /** @type {HTMLElement} */ (document.getElementById('lab-table'));
      return { scroll: wrap.scrollWidth, client: wrap.clientWidth, right: table.getBoundingClientRect().right, page: document.documentElement.scrollWidth, win: innerWidth };
    });
    assert.ok(fit.scroll <= fit.client, `table ${fit.scroll} px in a container of ${fit.client} px`);
    assert.ok(fit.right <= fit.win && fit.page <= fit.win, JSON.stringify(fit));
    assert.equal(await page.locator('#lab-table-more').isVisible(), false, 'no hint to scroll when it fits');
  });

  test('axe-core: no accessibility violations in the lab after the sweep', async () => {
    await page.addScriptTag({ path: AXE });
    const res = await page.evaluate(() => /** @type {any} */ (window).axe.run(document.getElementById('lab')));
    const violations = res.violations.map((/** @type {any} */ v) => `${v.id}: ${v.nodes.map((/** @type {any} */ n) => n.target.join(' ')).join(', ')}`);
    assert.deepEqual(violations, []);
    assert.deepEqual(errors, []);
  });

  test('a sweep over Steps decays each run at the preset\'s fraction of its own steps; a swept decay step is kept as given', async () => {
    const before = await page.evaluate(() => document.querySelectorAll('#lab-table-body tr').length);
    await page.selectOption('#lab-key1', 'steps');
    await page.fill('#lab-values1', '100, 200');
    await page.selectOption('#lab-key2', 'decayStep');
    await page.fill('#lab-values2', '40');
    await page.fill('#lab-name', 'steps');
    await page.fill('#lab-lecture-steps', '');
    await page.click('#lab-run-sweep');
    await page.waitForFunction(() => /Sweep “steps” done: 2 runs/.test(document.getElementById('lab-status')?.textContent ?? ''), null, { timeout: 90000 });
    await page.selectOption('#lab-key2', '');
    await page.fill('#lab-name', 'steps2');
    await page.click('#lab-run-sweep');
    await page.waitForFunction(() => /Sweep “steps2” done: 2 runs/.test(document.getElementById('lab-status')?.textContent ?? ''), null, { timeout: 90000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#lab-export-json')]);
    const runs = JSON.parse(readFileSync(await download.path(), 'utf8')).runs.slice(before);
    assert.deepEqual(runs.map((/** @type {any} */ r) => [r.sweep, r.schedule.steps, r.schedule.decayStep]).sort((a, b) => String(a).localeCompare(String(b))),
      [['steps', 100, 40], ['steps', 200, 40], ['steps2', 100, 75], ['steps2', 200, 150]]);
    assert.deepEqual(errors, []);
  });
});
