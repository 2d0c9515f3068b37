// page-families.test.mjs: makemore.py's models (presets mlp, bow, rnn, gru, lstm) in Chromium:
//   - the trainer page's preset list offers them with the JS API's parameter counts, the chosen preset's doc is the
//     core's; the form fills the family and its fields (cell type for rnn, enabled for that family only), and Batch
//     size says it counts words for these families (examples for the lecture's);
//   - "Model, drawn" shows the core's layer list and the family's picture: the cell boxes (GRU, LSTM) unrolled with
//     the hidden state from start, bow's averaging lines (positions 1..t), mlp's 16 characters concatenated; its
//     rows' parameters are the layers';
//   - a block_size below names.txt's longest name + 1 is refused at Train, at the Block size field (the core's message);
//   - a short gru run trains in the page, its losses bitwise the JS API's in Node (reproducible engine);
//   - <name-generator> samples a gru, a bow and an mlp model file: the names the JS API draws from them.
// Needs /usr/bin/chromium (or MM_CHROMIUM) and the .wasm modules (MM_WASM_DIR, default build-wasm/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { loadMakemore } from '../wasm/makemore.mjs';
import { CHROMIUM, ROOT, WASM_DIR, launchChromium, openTrainer, routeWasm, serve } from './browser/harness.mjs';

const skip = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : !existsSync(path.join(WASM_DIR, 'makemore-simd.wasm')) ? `no .wasm in ${WASM_DIR}` : false;
const NAMES = readFileSync(path.join(ROOT, 'data/names.txt'), 'utf8');
const NEW = ['mlp', 'bow', 'rnn', 'gru', 'lstm'];
const STEPS = 60;
const bits = (/** @type {Float32Array} */ a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const fmt = (/** @type {number} */ n) => n.toLocaleString('en-US');
const mmP = loadMakemore({ engine: 'simd', threads: 1, wasmDir: pathToFileURL(WASM_DIR + '/') });

test('the page: makemore.py\'s presets, their docs and fields, batch size in words, the model drawn, a gru run', { skip, timeout: 180000 }, async () => {
  const mm = await mmP;
  const t = mm.createTrainer({ words: NAMES, preset: 'gru', seed: 42, steps: STEPS, reproducible: true });
  const want = bits(t.run(STEPS));
  t.free();
  const server = await serve();
  const browser = await launchChromium();
  try {
    const { page, errors } = await openTrainer(browser, server.base);
    const value = (/** @type {string} */ id) => page.locator(`#${id}`).inputValue();
    const text = async (/** @type {string} */ sel) => (await page.locator(sel).textContent()) ?? '';
    const options = await page.locator('#preset option').allTextContents();
    for (const name of NEW) assert.ok(options.includes(`${name} · ${fmt(mm.numParams({ ...mm.presetConfig(name), vocabSize: 27 }))} params`), `${name} in ${options.join(' | ')}`);
    const families = mm.schema.families.map((f) => f.name);
    const cells = /** @type {string[]} */ (mm.schema.fields.find((f) => f.js === 'cellType')?.values);
    /** the section's rows: [#, layer, shape, params] */
    const rows = () => page.$$eval('#mv-layers tbody tr', (trs) => trs.map((tr) => Array.from(tr.children, (td) => td.textContent ?? '')));

    for (const name of NEW) {
      const p = /** @type {import('../wasm/makemore.mjs').Schema['presets'][number]} */ (mm.presets.find((q) => q.name === name));
      await page.locator('#preset').selectOption(name);
      const n = mm.numParams({ ...p.config, vocabSize: 27 });
      await page.waitForFunction((s) => document.getElementById('params')?.textContent === `Parameters: ${s} (vocabulary of 27)`, fmt(n));
      assert.equal(await text('#preset-doc'), `${name}: ${p.doc}.`);
      assert.equal(families[Number(await value('form'))], name === 'gru' || name === 'lstm' ? 'rnn' : name);
      assert.equal(await page.locator('#cellType').isDisabled(), !['rnn', 'gru', 'lstm'].includes(name), `${name}: cell type enabled for the rnn family only`);
      if (p.config.cellType !== undefined) assert.equal(cells[Number(await value('cellType'))], name);
      assert.deepEqual(await Promise.all(['nConsec', 'structure', 'bnMode'].map((id) => page.locator(`#${id}`).isDisabled())), [true, true, true]);
      assert.equal(await text('label[for=batchSize]'), 'Batch size (words)');
      assert.match(/** @type {string} */ (await page.getAttribute('#batchSize', 'title')), /^whole words per step/);
      // the core's layer list, and the picture of the family
      const layers = mm.layers({ ...p.config, vocabSize: 27 }, 32);
      await page.waitForFunction((k) => document.querySelectorAll('#mv-layers tbody tr').length === k, layers.length);
      assert.deepEqual((await rows()).map((r) => [r[1].replace(/\(.*$/, ''), r[2], r[3]]), layers.map((l) => [l.kind, `(${l.shape.join(', ')})`, l.params ? fmt(l.params) : '–']));
      assert.equal(await text('#mv-total'), fmt(n));
      // each row's label (its first text; its title holds the layers' sizes)
      const levels = await page.$$eval('#mv-tree text.mv-level', (ts) => ts.map((t) => t.firstChild?.textContent ?? ''));
      assert.equal(levels.reduce((s, l) => s + Number(/ · ([\d,]+)$/.exec(l)?.[1].replace(/,/g, '') ?? 0), 0), n, `${name}: the rows' parameters: ${levels.join(' | ')}`);
      const boxes = await page.$$eval('#mv-tree rect.mv-box', (rs) => rs.length);
      const states = await page.$$eval('#mv-tree line.mv-state', (ls) => ls.length);
      const avgs = await page.$$eval('#mv-tree line.mv-avg', (ls) => ls.length);
      const inner = await page.$$eval('#mv-tree text.mv-in-node', (ts) => ts.map((t) => t.textContent));
      const tokens = await page.$$eval('#mv-tree text.mv-token[data-row="0"]', (ts) => ts.map((t) => t.textContent));
      const caption = await text('#mv-caption');
      if (name === 'mlp') {
        assert.deepEqual([boxes, states, avgs], [0, 0, 0]);
        assert.deepEqual(tokens, ['x₃', 'x₂', 'x₁', '.', ...Array(12).fill('␣')], 'the 16 characters before the 4th, the last first');
        assert.match(caption, /batch of 32 examples/);
      } else if (name === 'bow') {
        assert.deepEqual([boxes, states, avgs], [0, 0, 0 + 1 + 2 + 3 + 4], 'position t averages positions 1..t');
        assert.deepEqual(tokens, ['.', 'x₁', 'x₂', 'x₃', 'x₄', '… 16']);
        assert.match(caption, /batch of 32 words/);
      } else {
        // start and 4 positions, the state from start through them and on
        assert.deepEqual([boxes, states, avgs], [5, 5, 0]);
        assert.deepEqual(inner, ['start', ...Array(4).fill({ rnn: 'RNN', gru: 'GRU', lstm: 'LSTM' }[name])]);
        assert.match(caption, /batch of 32 words/);
      }
    }
    // the lecture's presets: batches of examples, the receptive field again
    await page.locator('#preset').selectOption('mlp3');
    await page.waitForFunction(() => document.getElementById('params')?.textContent === 'Parameters: 12,097 (vocabulary of 27)');
    assert.equal(await text('label[for=batchSize]'), 'Batch size');
    assert.match(/** @type {string} */ (await page.getAttribute('#batchSize', 'title')), /^examples per step/);
    assert.equal(await page.$$eval('#mv-tree rect.mv-box', (rs) => rs.length), 0);
    assert.equal(await page.$$eval('#mv-tree circle.mv-node', (cs) => cs.length), 4, 'mlp3: 3 inputs and the output');
    // custom: the gru's form with another cell type is the lstm preset
    await page.locator('#preset').selectOption('gru');
    await page.locator('#cellType').selectOption(String(cells.indexOf('lstm')));
    await page.waitForFunction(() => document.getElementById('params')?.textContent === 'Parameters: 36,891 (vocabulary of 27)');
    assert.equal(await value('preset'), 'lstm');
    await page.locator('#nEmbd').fill('30');
    await page.waitForFunction(() => (document.getElementById('preset-doc')?.textContent ?? '').startsWith('custom, of the rnn family: makemore.py'));
    assert.equal(await value('preset'), 'custom');

    // a block too short for names.txt's longest name and its end: Train says so at Block size (the trainer's message)
    await page.locator('#preset').selectOption('gru');
    await page.locator('#blockSize').fill('15');
    await page.click('#train');
    await page.waitForFunction(() => !(/** @type {HTMLElement} */ (document.getElementById('train-error')).hidden), null, { timeout: 10000 });
    assert.match(await text('#train-error'), /^Not started: block_size 15 is too small for this word list: .* at least 16/);
    assert.equal(await page.getAttribute('#blockSize', 'aria-invalid'), 'true');

    // a short gru run: the JS API's losses
    await page.locator('#preset').selectOption('gru');
    await page.locator('#steps').fill(String(STEPS));
    await page.locator('#seed').fill('42');
    await page.locator('#reproducible').check();
    const before = await page.evaluate(() => /** @type {any} */ (window).__mm.runId);
    await page.click('#train');
    await page.waitForFunction((b) => /** @type {any} */ (window).__mm.runId !== b, before, { timeout: 20000 });
    await page.waitForFunction(() => /^Done: .*Loss: train/.test(document.getElementById('status')?.textContent ?? ''), null, { timeout: 60000 });
    const id = await page.evaluate(() => /** @type {any} */ (window).__mm.runId);
    assert.deepEqual(await page.evaluate((k) => /** @type {any} */ (window).__mm.runs[k], id), want, 'the page\'s losses: bitwise the JS API\'s in Node');
    assert.match(await text('#mv-which'), /^The model of the current run: gru \(28,315 parameters\)/);
    assert.equal(await page.$$eval('#mv-tree rect.mv-box', (rs) => rs.length), 5);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.stop();
  }
});

test('<name-generator> samples a gru, a bow and an mlp model file: the names of the JS API', { skip, timeout: 120000 }, async () => {
  const mm = await mmP;
  /** @type {{preset: string, bytes: number[], want: string[]}[]} */
  const files = [];
  for (const preset of ['gru', 'bow', 'mlp']) {
    const t = mm.createTrainer({ words: NAMES, preset, seed: 1, steps: 300 });
    t.run(300);
    const bytes = t.saveModel();
    t.free();
    const m = mm.loadModel(bytes);
    assert.equal(mm.schema.families[m.config.form].name, preset === 'gru' ? 'rnn' : preset);
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
      // names drawn from a trained model, not the untrained uniform: most are 2 to 12 letters
      assert.ok(f.want.filter((n) => n.length >= 2 && n.length <= 12).length >= 8, `${f.preset}: ${f.want.join(' ')}`);
    }
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.stop();
  }
});
