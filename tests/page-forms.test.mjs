// page-forms.test.mjs: the conv and gated forms in Chromium: the trainer page (web/) lists the presets
// wavenet76k-conv and wavenet-gated, its form shows the gated form's fields enabled for the gated form
// only, and a wavenet76k-conv run trains (its loss falls, bitwise the JS API's losses in Node on the
// reproducible engine; samples appear); <name-generator> (web/element/name-generator.js, on web/example.html)
// samples a conv and a gated model file, the names the JS API draws from them in Node.
// Needs /usr/bin/chromium (or MM_CHROMIUM) and the .wasm modules (MM_WASM_DIR, default build-wasm/:
// the page gets them in place of the served build-wasm/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { loadMakemore } from '../wasm/makemore.mjs';
import { CHROMIUM, ROOT, WASM_DIR, launchChromium, openTrainer, routeWasm, serve } from './browser/harness.mjs';

const skip = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : !existsSync(path.join(WASM_DIR, 'makemore-simd.wasm')) ? `no .wasm in ${WASM_DIR}` : false;
const NAMES = readFileSync(path.join(ROOT, 'data/names.txt'), 'utf8');
const STEPS = 300;
const bits = (/** @type {Float32Array} */ a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const mmP = loadMakemore({ engine: 'simd', threads: 1, wasmDir: pathToFileURL(WASM_DIR + '/') });

test('the page: each family\'s presets and fields (the gated form\'s for it only, the bigram\'s AdamW), a wavenet76k-conv run trains', { skip, timeout: 120000 }, async () => {
  const mm = await mmP;
  // the reference: the JS API in Node, the reproducible engine (bitwise every module's and the native numbers)
  const t = mm.createTrainer({ words: NAMES, preset: 'wavenet76k-conv', seed: 42, steps: STEPS, reproducible: true });
  const want = bits(t.run(STEPS));
  const wantVal = t.evaluate('val').toFixed(4);
  t.free();
  const server = await serve();
  const browser = await launchChromium();
  try {
    const { page, errors } = await openTrainer(browser, server.base);
    await page.waitForFunction(() => /wavenet-gated/.test(document.getElementById('preset')?.textContent ?? ''), null, { timeout: 30000 });
    const options = await page.locator('#preset option').allTextContents();
    assert.deepEqual(options.slice(5, 8), ['wavenet76k-conv · 76,579 params', 'wavenet-gated · 75,249 params', 'bigram · 729 params']);
    assert.equal(options.at(-1), 'custom');
    const value = (/** @type {string} */ id) => page.locator(`#${id}`).inputValue();
    const disabled = (/** @type {string[]} */ ids) => Promise.all(ids.map((id) => page.locator(`#${id}`).isDisabled()));
    const GATED = ['nBlocks', 'dilationCycle', 'nSkip', 'gatedNorm'];
    const params = (/** @type {string} */ n) => page.waitForFunction((s) => document.getElementById('params')?.textContent === `Parameters: ${s} (vocabulary of 27)`, n);

    // the gated preset: its fields filled and enabled; hierarchical (the group size is the kernel size), not a choice
    await page.locator('#preset').selectOption('wavenet-gated');
    await params('75,249');
    assert.deepEqual(await Promise.all(['form', 'nBlocks', 'nSkip', 'nEmbd', 'nHidden', 'nConsec', 'structure'].map(value)), ['2', '3', '108', '54', '54', '2', 'hier']);
    assert.deepEqual(await disabled([...GATED, 'structure', 'bnMode', 'residual', 'nConsec']), [false, false, false, false, true, true, true, false]);
    // the examples form: the gated fields disabled and not sent (their defaults), so the model is possible
    await page.locator('#form').selectOption('0');
    assert.deepEqual(await disabled([...GATED, 'structure', 'bnMode']), [true, true, true, true, false, false]);
    // the lecture's hierarchical model of block 8, embd 54, hidden 54, groups of 2: 27*54 + 3*(108*54 + 2*54) + 54*27+27
    await params('20,763');
    assert.equal(await page.locator('#config-error').isVisible(), false);
    assert.equal(await value('preset'), 'custom');

    // the bigram preset: makemore.py's table (block 1) and AdamW; the widths and the Structure choice are not its,
    // the optimizer's own fields are; SGD chosen, they are disabled
    const ADAMW = ['beta1', 'beta2', 'eps', 'weightDecay'];
    await page.locator('#preset').selectOption('bigram');
    await params('729');
    assert.deepEqual(await Promise.all(['form', 'blockSize', 'optimizer', 'lr', 'beta2', 'weightDecay'].map(value)), ['3', '1', '1', '0.0005', '0.99', '0.01']);
    assert.deepEqual(await disabled(['nEmbd', 'nHidden', 'nConsec', 'structure', ...GATED, 'bnMode', 'blockSize', ...ADAMW]),
      [true, true, true, true, true, true, true, true, true, false, false, false, false, false]);
    await page.locator('#optimizer').selectOption('0');
    assert.deepEqual(await disabled(ADAMW), [true, true, true, true], 'SGD: no betas');
    await page.locator('#optimizer').selectOption('1');

    // the conv preset, and a short reproducible run
    await page.locator('#preset').selectOption('wavenet76k-conv');
    await params('76,579');
    assert.deepEqual([await value('form'), await value('structure')], ['1', 'hier']);
    // its schedule: whole-word batches of 256 for the lecture's examples; the lecture's SGD (its AdamW fields disabled)
    assert.deepEqual(await Promise.all(['batchSize', 'steps', 'decayStep', 'optimizer', 'lr'].map(value)), ['256', '25000', '18750', '0', '0.1']);
    assert.deepEqual(await disabled(ADAMW), [true, true, true, true]);
    assert.deepEqual(await disabled([...GATED, 'structure', 'bnMode']), [true, true, true, true, true, true]);
    await page.locator('#steps').fill(String(STEPS));
    await page.locator('#valEvery').fill('100');
    await page.locator('#seed').fill('42');
    await page.locator('#reproducible').check();
    const before = await page.evaluate(() => /** @type {any} */ (window).__mm.runId);
    await page.click('#train');
    await page.waitForFunction((b) => /** @type {any} */ (window).__mm.runId !== b, before, { timeout: 20000 });
    await page.waitForFunction(() => /^Done: .*Loss: train/.test(document.getElementById('status')?.textContent ?? ''), null, { timeout: 60000 });
    const id = await page.evaluate(() => /** @type {any} */ (window).__mm.runId);
    const got = await page.evaluate((k) => /** @type {any} */ (window).__mm.runs[k], id);
    assert.equal(got.length, STEPS);
    assert.deepEqual(got, want, 'the page\'s losses: bitwise the JS API\'s in Node');
    const losses = new Float32Array(new Uint32Array(got).buffer);
    const mean = (/** @type {Float32Array} */ a) => a.reduce((s, x) => s + x, 0) / a.length;
    assert.ok(losses[0] > 3.1 && mean(losses.subarray(STEPS - 50)) < losses[0] - 0.5, `the loss falls: ${losses[0]} -> ${mean(losses.subarray(STEPS - 50))}`);
    const chart = await page.evaluate(() => /** @type {any} */ (window).__mm.chart());
    assert.ok(chart.train.length > 2 && chart.train.at(-1) < chart.train[0], `the chart: ${chart.train.length} points, falling`);
    assert.equal(chart.val.length, 3, 'validation every 100 steps');
    assert.equal(await page.locator('#e-val').textContent(), wantVal, 'the val loss: the JS API\'s');
    await page.waitForFunction(() => document.querySelectorAll('#samples li').length > 0, null, { timeout: 10000 });
    const names = await page.locator('#samples .name').allTextContents();
    assert.ok(names.length > 0 && names.every((n) => /^[a-z]*$/.test(n)), names.join(' '));
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.stop();
  }
});

test('<name-generator> samples a conv, a gated and a bigram model file: the names of the JS API', { skip, timeout: 120000 }, async () => {
  const mm = await mmP;
  /** @type {{preset: string, bytes: number[], want: string[]}[]} */
  const files = [];
  for (const preset of ['wavenet76k-conv', 'wavenet-gated', 'bigram']) {
    const t = mm.createTrainer({ words: NAMES, preset, seed: 1, steps: 300, reproducible: true });
    t.run(300);
    const bytes = t.saveModel();
    t.free();
    const m = mm.loadModel(bytes, { reproducible: true });
    assert.equal(m.config.form, { 'wavenet76k-conv': 1, 'wavenet-gated': 2, bigram: 3 }[preset]);
    files.push({ preset, bytes: Array.from(bytes), want: m.sample({ count: 12, seed: 9, temperature: 0.8 }) });
    m.free();
  }
  const server = await serve();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await routeWasm(page);
    /** @type {string[]} */
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${server.base}/web/example.html`);
    for (const f of files) {
      const got = await page.evaluate(async (b) => {
        const url = URL.createObjectURL(new Blob([new Uint8Array(b)]));
        const el = document.createElement('name-generator');
        const names = new Promise((resolve) => {
          el.addEventListener('names', (e) => resolve(/** @type {any} */ (e).detail.names));
          el.addEventListener('error', (e) => resolve({ error: /** @type {any} */ (e).detail.message }));
        });
        for (const [k, v] of [['count', '12'], ['seed', '9'], ['temperature', '0.8'], ['src', url]]) el.setAttribute(k, v);
        document.body.append(el);
        return names;
      }, f.bytes);
      assert.deepEqual(got, f.want, `${f.preset}: the element's names`);
      assert.ok(f.want.every((n) => /^[a-z]*$/.test(n)) && new Set(f.want).size > 6, f.want.join(' '));
    }
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.stop();
  }
});
