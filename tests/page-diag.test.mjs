// page-diag.test.mjs: the trainer page's Diagnostics card in Chromium (web/page/diag-view.js). A 300-step
// wavenet22k run on the reproducible engine with statistics every 100 steps: the activation and gradient
// charts have one series per Tanh layer (3; 4 after choosing Linear), the update:data chart one per 2-D
// weight (5) and the -3 guide line, and the table's numbers are exactly those the JS API gives in Node for
// the same run (bitwise the same engine) at its latest statistics step (200). A bad interval is refused
// with a message, and Train then does not start. A GRU run (makemore.py's cell) shows its cell's gates' saturation,
// the JS API's numbers.
// Needs /usr/bin/chromium (or MM_CHROMIUM) and the .wasm modules (MM_WASM_DIR, default build-wasm/: the page
// gets them in place of the served build-wasm/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { loadMakemore } from '../wasm/makemore.mjs';
import { CHROMIUM, ROOT, WASM_DIR, launchChromium, openTrainer, serve } from './browser/harness.mjs';

const skip = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : !existsSync(path.join(WASM_DIR, 'makemore-simd.wasm')) ? `no .wasm in ${WASM_DIR}` : false;
const NAMES = readFileSync(path.join(ROOT, 'data/names.txt'), 'utf8');
const STEPS = 300;

test('the Diagnostics card: its charts\' series, and its table is the JS API\'s statistics', { skip, timeout: 180000 }, async () => {
  const mm = await loadMakemore({ engine: 'simd', threads: 1, wasmDir: pathToFileURL(WASM_DIR + '/') });
  const t = mm.createTrainer({ words: NAMES, preset: 'wavenet22k', seed: 42, steps: STEPS, reproducible: true });
  t.setStatsEvery(100);
  t.run(STEPS);
  const stats = t.takeStats();
  t.free();
  await mm.close();
  assert.deepEqual(stats.map((s) => s.step), [0, 100, 200]);
  const want = stats[2];
  const weights2d = want.params.filter((p) => p.shape.length === 2).map((p) => p.name);
  assert.deepEqual(weights2d, ['layers.0.weight', 'layers.2.weight', 'layers.6.weight', 'layers.10.weight', 'layers.13.weight']);
  /** @param {string} kind the table the page should show for that kind of layer */
  const rows = (kind) => want.layers.filter((l) => l.kind === kind).map((l) =>
    [`layer ${l.index} (${l.kind})`, ...[l.out.mean, l.out.std, l.out.saturated, l.grad?.mean, l.grad?.std].map((v) => (v == null ? '' : String(v)))]);

  const server = await serve();
  const browser = await launchChromium();
  try {
    const { page, errors } = await openTrainer(browser, server.base);
    await page.waitForFunction(() => /wavenet22k/.test(document.getElementById('preset')?.textContent ?? ''), null, { timeout: 30000 });
    assert.equal(await page.locator('#diag-every').inputValue(), '0', 'off by default');
    assert.equal(await page.locator('#diag-content').isVisible(), false);

    // a bad interval: a message, and Train does not start
    await page.locator('#diag-every').fill('-5');
    await page.locator('#diag-every').dispatchEvent('change');
    await page.waitForFunction(() => !document.getElementById('diag-error')?.hidden);
    assert.match(await page.locator('#diag-error').textContent() ?? '', /stats every: "-5" is not a whole number of steps >= 0/);
    await page.locator('#preset').selectOption('wavenet22k');
    await page.locator('#steps').fill(String(STEPS));
    await page.locator('#valEvery').fill('0');
    await page.locator('#seed').fill('42');
    await page.locator('#reproducible').check();
    await page.click('#train');
    await page.waitForFunction(() => /Not started: stats every/.test(document.getElementById('train-error')?.textContent ?? ''));

    await page.locator('#diag-every').fill('100');
    await page.locator('#diag-every').dispatchEvent('change');
    await page.waitForFunction(() => document.getElementById('diag-error')?.hidden);
    const before = await page.evaluate(() => /** @type {any} */ (window).__mm.runId);
    await page.click('#train');
    await page.waitForFunction((b) => /** @type {any} */ (window).__mm.runId !== b, before, { timeout: 20000 });
    await page.waitForFunction(() => /^Done: /.test(document.getElementById('status')?.textContent ?? ''), null, { timeout: 90000 });
    await page.waitForFunction(() => /^Step 200: 3 Tanh layers, saturated/.test(document.getElementById('diag-status')?.textContent ?? ''), null, { timeout: 10000 });

    /** @param {string} id the uPlot of that element: its series (x excluded) and their labels */
    const chart = (id) => page.evaluate((k) => {
      const u = /** @type {any} */ (window).__mm.plots.filter((/** @type {any} */ p) => p.root.parentElement?.id === k).at(-1);
      return { attr: document.getElementById(k)?.dataset.series, labels: u.series.slice(1).map((/** @type {any} */ s) => s.label), n: u.data.length - 1, x: u.data[0].length };
    }, id);
    const act = await chart('diag-act');
    assert.deepEqual(act.labels, ['layer 4 (Tanh)', 'layer 8 (Tanh)', 'layer 12 (Tanh)']);
    assert.equal(act.n, 3);
    assert.equal(act.attr, '3');
    assert.ok(act.x >= 100 && act.x <= 300, `the histograms' x axis: ${act.x} bin edges`);
    assert.equal((await chart('diag-grad')).n, 3);
    const ud = await chart('diag-ud');
    assert.deepEqual(ud.labels, [...weights2d, '1e-3 guide']);
    assert.equal(ud.x, 3, 'update:data at steps 0, 100, 200');
    const uData = await page.evaluate(() => /** @type {any} */ (window).__mm.plots.filter((/** @type {any} */ p) => p.root.parentElement?.id === 'diag-ud').at(-1).data);
    assert.deepEqual(uData[0], [0, 100, 200]);
    assert.deepEqual(uData[2], stats.map((s) => s.params.find((p) => p.name === 'layers.2.weight')?.updateToData));
    assert.deepEqual(uData[6], [-3, -3, -3]);

    /** the table's rows: the label, then each cell's exact value */
    const table = () => page.evaluate(() => Array.from(document.querySelectorAll('#diag-table tbody tr'), (tr) =>
      [/** @type {HTMLElement} */ (tr.querySelector('th')).textContent, ...Array.from(tr.querySelectorAll('td'), (td) => td.dataset.value)]));
    assert.deepEqual(await table(), rows('Tanh'));
    const shown = await page.locator('#diag-table tbody tr').first().locator('td').allTextContents();
    assert.equal(shown[2], `${(100 * /** @type {number} */ (want.layers[4].out.saturated)).toFixed(2)}%`);

    // another kind of layer: its layers' series and rows
    await page.locator('#diag-kind').selectOption('Linear');
    await page.waitForFunction(() => document.getElementById('diag-act')?.dataset.series === '4', null, { timeout: 5000 });
    assert.deepEqual((await chart('diag-act')).labels, ['layer 2 (Linear)', 'layer 6 (Linear)', 'layer 10 (Linear)', 'layer 13 (Linear)']);
    assert.deepEqual(await table(), rows('Linear'));
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.stop();
  }
});

test('the Diagnostics card of a GRU: the cell chosen, its gates\' saturation the JS API\'s', { skip, timeout: 180000 }, async () => {
  const mm = await loadMakemore({ engine: 'simd', threads: 1, wasmDir: pathToFileURL(WASM_DIR + '/') });
  const t = mm.createTrainer({ words: NAMES, preset: 'gru', seed: 42, steps: 60, reproducible: true });
  t.setStatsEvery(20);
  t.run(60);
  const want = t.takeStats().at(-1);
  t.free();
  await mm.close();
  const cell = want?.layers.find((l) => l.kind === 'GRUCell');
  assert.deepEqual(cell?.gates?.map((g) => g.name), ['z', 'r', 'hbar']);
  const pct = (/** @type {number|null} */ v) => (v == null ? '–' : `${(100 * v).toFixed(1)}%`);
  const line = `Step 40: 1 GRUCell layer, gates saturated: ${cell?.gates?.map((g) => `${g.name} ${pct(g.saturated)}`).join(', ')}.`;

  const server = await serve();
  const browser = await launchChromium();
  try {
    const { page, errors } = await openTrainer(browser, server.base);
    await page.waitForFunction(() => /gru/.test(document.getElementById('preset')?.textContent ?? ''), null, { timeout: 30000 });
    await page.locator('#preset').selectOption('gru');
    await page.locator('#steps').fill('60');
    await page.locator('#valEvery').fill('0');
    await page.locator('#seed').fill('42');
    await page.locator('#reproducible').check();
    await page.locator('#diag-every').fill('20');
    await page.locator('#diag-every').dispatchEvent('change');
    await page.click('#train');
    await page.waitForFunction(() => /^Done: /.test(document.getElementById('status')?.textContent ?? ''), null, { timeout: 90000 });
    await page.waitForFunction(() => /^Step 40: /.test(document.getElementById('diag-status')?.textContent ?? ''), null, { timeout: 10000 });
    assert.equal(await page.locator('#diag-kind').inputValue(), 'GRUCell');
    assert.equal(await page.locator('#diag-status').textContent(), line);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.stop();
  }
});
