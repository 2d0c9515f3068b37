// page-model.test.mjs: the trainer page's "Model, drawn" section in Chromium (web/page/model-view.js):
//   - its rows are the JS API's layer list (mm.layers in Node) and the lecture's printed
//     `for l in model.layers: print(l.__class__.__name__, ":", tuple(l.out.shape))` (the 22K model at
//     batch 4 exactly as printed; the 76K model, the same architecture with n_embd 24 and n_hidden 128,
//     at batch 32), before any training;
//   - the receptive-field picture has, per level, the nodes the arithmetic gives (block 8 in groups of 2:
//     8, 4, 2, 1) and changes with block size, group size and structure in the custom form;
//   - an impossible configuration shows the core's message and no stale drawing.
// Needs /usr/bin/chromium (or MM_CHROMIUM) and the .wasm modules (MM_WASM_DIR, default build-wasm/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { loadMakemore } from '../wasm/makemore.mjs';
import { WAVENET22K, WAVENET76K } from './lecture-layers.mjs';
import { CHROMIUM, WASM_DIR, launchChromium, openTrainer, serve } from './browser/harness.mjs';

const skip = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : !existsSync(path.join(WASM_DIR, 'makemore-simd.wasm')) ? `no .wasm in ${WASM_DIR}` : false;

/** @param {import('./lecture-layers.mjs').LayerRow[]} rows @returns {[string, string][]} the rows as the page prints them */
const printed = (rows) => rows.map(({ kind, shape }) => [kind, `(${shape.join(', ')})`]);
const WAVENET22K_B4 = printed(WAVENET22K);
const WAVENET76K_B32 = printed(WAVENET76K);

/** How many nodes each level of the arithmetic has: block b in groups of n (n = 0: flat). @param {number} b @param {number} n */
function treeLevels(b, n) {
  if (!n) return [b, 1];
  const out = [b];
  for (let t = b; t > 1; t /= n) out.push(t / n);
  return out;
}

test('the page draws the model: the layer list and the receptive field, before training', { skip, timeout: 120000 }, async () => {
  const mm = await loadMakemore({ engine: 'simd', threads: 1, wasmDir: pathToFileURL(WASM_DIR + '/') });
  const fmt = (/** @type {number} */ n) => n.toLocaleString('en-US');
  /** the JS API's rows as the page should show them @param {string} preset @param {number} batch */
  const apiRows = (preset, batch) => mm.layers({ ...mm.presetConfig(preset), vocabSize: 27 }, batch).map((l) => ({
    kind: l.kind, shape: `(${l.shape.join(', ')})`, params: l.params ? fmt(l.params) : '–', factor: l.factor,
  }));
  const server = await serve();
  const browser = await launchChromium();
  try {
    const { page, errors } = await openTrainer(browser, server.base);

    /** the section's rows: [#, layer, shape, params] */
    const rows = () => page.$$eval('#mv-layers tbody tr', (trs) => trs.map((tr) => Array.from(tr.children, (td) => td.textContent ?? '')));
    /** circles per level of the picture, bottom first */
    const levels = () => page.$$eval('#mv-tree circle.mv-node', (cs) => {
      /** @type {number[]} */
      const n = [];
      for (const c of cs) { const lv = Number(c.getAttribute('data-level')); n[lv] = (n[lv] ?? 0) + 1; }
      return Array.from(n, (x) => x ?? 0);
    });
    const settle = (/** @type {number[]} */ want) =>
      page.waitForFunction((w) => {
        const n = /** @type {number[]} */ ([]);
        for (const c of document.querySelectorAll('#mv-tree circle.mv-node')) { const lv = Number(c.getAttribute('data-level')); n[lv] = (n[lv] ?? 0) + 1; }
        return JSON.stringify(Array.from(n, (x) => x ?? 0)) === JSON.stringify(w);
      }, want, { timeout: 10000 });
    /** @param {[string, string, string, string][]} got @param {ReturnType<typeof apiRows>} want */
    const sameAsApi = (got, want) => {
      assert.equal(got.length, want.length);
      got.forEach((r, i) => {
        assert.equal(r[0], String(i));
        assert.equal(r[1].replace(/\(.*$/, ''), want[i].kind, `row ${i}`);
        assert.equal(r[2], want[i].shape, `row ${i}`);
        assert.equal(r[3], want[i].params, `row ${i}`);
      });
    };

    // the page opens on wavenet76k at batch 32: the lecture's rows, before any training
    await page.waitForFunction(() => document.querySelectorAll('#mv-layers tbody tr').length === 14, null, { timeout: 30000 });
    let got = /** @type {[string, string, string, string][]} */ (await rows());
    sameAsApi(got, apiRows('wavenet76k', 32));
    assert.deepEqual(got.map((r) => [r[1].replace(/\(\d+\)$/, ''), r[2]]), WAVENET76K_B32);
    assert.deepEqual(got.filter((r) => r[1].startsWith('Flatten')).map((r) => r[1]), ['FlattenConsecutive(2)', 'FlattenConsecutive(2)', 'FlattenConsecutive(2)']);
    assert.equal(await page.locator('#mv-total').textContent(), '76,579');
    await settle([8, 4, 2, 1]);
    assert.equal(await page.locator('#d-source').textContent(), 'names.txt');

    // wavenet22k at batch 4: the lecture's printout, row for row
    await page.locator('#preset').selectOption('wavenet22k');
    await page.locator('#batchSize').fill('4');
    await page.waitForFunction(() => document.querySelector('#mv-layers tbody tr td.mv-shape')?.textContent === '(4, 8, 10)', null, { timeout: 10000 });
    got = /** @type {[string, string, string, string][]} */ (await rows());
    sameAsApi(got, apiRows('wavenet22k', 4));
    assert.deepEqual(got.map((r) => [r[1].replace(/\(\d+\)$/, ''), r[2]]), WAVENET22K_B4);
    assert.equal(await page.locator('#mv-total').textContent(), '22,397');

    // mlp8: the flat MLP, one level joining all 8
    await page.locator('#preset').selectOption('mlp8');
    await page.locator('#batchSize').fill('32');
    await settle([8, 1]);
    sameAsApi(/** @type {any} */ (await rows()), apiRows('mlp8', 32));

    // the custom form: block size, group size, structure
    await page.locator('#preset').selectOption('wavenet76k');
    await settle(treeLevels(8, 2));
    for (const [block, n] of [[16, 2], [16, 4], [9, 3], [3, 3], [4, 0], [16, 0], [32, 2]]) {
      await page.locator('#structure').selectOption(n ? 'hier' : 'flat');
      if (n) await page.locator('#nConsec').fill(String(n));
      await page.locator('#blockSize').fill(String(block));
      await settle(treeLevels(block, n));
      const r = /** @type {[string, string, string, string][]} */ (await rows());
      assert.equal(r[0][2], `(32, ${block}, 24)`, `block ${block}: the Embedding's shape`);
      assert.equal(r.filter((x) => x[1].startsWith('FlattenConsecutive')).length, treeLevels(block, n).length - 1, `block ${block} n ${n}`);
    }
    assert.equal(await page.locator('#preset').inputValue(), 'custom');
    assert.deepEqual(await page.$$eval('#mv-tree line', (l) => l.length), 32 + 16 + 8 + 4 + 2, 'block 32 in pairs: an edge per child');

    // an impossible configuration: the core's message, no stale drawing
    await page.locator('#structure').selectOption('hier');
    await page.locator('#nConsec').fill('2');
    await page.locator('#blockSize').fill('6');
    let want = '';
    try {
      mm.layers({ ...mm.presetConfig('wavenet76k'), blockSize: 6, vocabSize: 27 });
    } catch (e) {
      want = /** @type {Error} */ (e).message;
    }
    assert.match(want, /power of the group size/);
    await page.waitForFunction(() => !document.getElementById('mv-error')?.hidden, null, { timeout: 10000 });
    assert.equal(await page.locator('#mv-error').textContent(), `Impossible model: ${want}`);
    assert.deepEqual(await levels(), []);
    assert.equal(await page.locator('#mv-content').isVisible(), false);
    assert.deepEqual(await rows(), []);
    // and back
    await page.locator('#blockSize').fill('8');
    await settle([8, 4, 2, 1]);
    assert.equal(await page.locator('#mv-error').isVisible(), false);
    // an empty field: said so, nothing drawn
    await page.locator('#blockSize').fill('');
    await page.waitForFunction(() => !document.getElementById('mv-error')?.hidden, null, { timeout: 10000 });
    assert.match(await page.locator('#mv-error').textContent() ?? '', /^Not drawn: Block size must be a whole number$/);
    assert.deepEqual(await levels(), []);
    await page.locator('#blockSize').fill('8');
    await settle([8, 4, 2, 1]);
    // an impossible split is the split's problem: the model is still drawn
    await page.locator('#splitShuffles').fill('101');
    await page.waitForFunction(() => /split shuffles/.test(document.getElementById('config-error')?.textContent ?? ''), null, { timeout: 10000 });
    assert.deepEqual(await levels(), [8, 4, 2, 1]);
    assert.equal((await rows()).length, 14);
    assert.equal(await page.locator('#mv-error').isVisible(), false);
    await page.locator('#splitShuffles').fill('2');
    await page.locator('#config-error').waitFor({ state: 'hidden' });

    // the conv and gated forms: the last position's taps through dilations 1, 2, 4
    await page.locator('#preset').selectOption('wavenet76k-conv');
    await settle([8, 4, 2, 1]);
    got = /** @type {[string, string, string, string][]} */ (await rows());
    assert.deepEqual(got.filter((r) => r[1].startsWith('Conv1d')).map((r) => r[1]), ['Conv1d(2, dilation=1)', 'Conv1d(2, dilation=2)', 'Conv1d(2, dilation=4)']);
    assert.ok(got.every((r) => /^\(256, 8, \d+\)$/.test(r[2])), 'every position: (batch, block, C)');
    await page.locator('#preset').selectOption('wavenet-gated');
    await settle([8, 4, 2, 1]);
    assert.equal(await page.locator('#mv-total').textContent(), '75,249');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.stop();
  }
});
