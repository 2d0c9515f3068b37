// page.test.mjs: the trainer page (web/) in Chromium, served by scripts/serve.mjs.
// Loads, trains (chart, samples, evaluation), pause/resume, names rendered as
// text, bad files, impossible settings, a responsive main thread; schedule
// changes during a run, model files (download, load, continue, bad files), the
// last model restored from IndexedDB after a reload, and pause during the
// end-of-run evaluation.
// Needs /usr/bin/chromium (or MM_CHROMIUM) and build-wasm/ (bash scripts/build-wasm.sh; or MM_WASM_DIR).
// Writes test-results/page-training.png (mid-training) and page-phone.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { CHROMIUM, WASM_DIR, launchChromium, probePage, serve } from './browser/harness.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WASM = path.join(WASM_DIR, 'makemore-simd.wasm'); // MM_WASM_DIR (default build-wasm/): the page gets its modules too
const RESULTS = path.join(ROOT, 'test-results');
const skip = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : !existsSync(WASM) ? 'no build-wasm/: run bash scripts/build-wasm.sh' : false;
const STALL_MS = 100;


const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

test('web/vendor/ holds the installed uPlot unchanged', { skip: !existsSync(path.join(ROOT, 'node_modules/uplot')) && 'uplot not installed' }, () => {
  const version = JSON.parse(readFileSync(path.join(ROOT, 'node_modules/uplot/package.json'), 'utf8')).version;
  assert.match(readFileSync(path.join(ROOT, 'web/vendor/README.md'), 'utf8'), new RegExp(`\\| ${version.replace(/\./g, '\\.')} \\|`));
  for (const f of ['uPlot.esm.js', 'uPlot.min.css'])
    assert.ok(readFileSync(path.join(ROOT, 'web/vendor', f)).equals(readFileSync(path.join(ROOT, 'node_modules/uplot/dist', f))), f);
});

describe('trainer page in Chromium', { skip, timeout: 150000 }, () => {
  /** @type {any} */ let browser;
  /** @type {any} */ let page;
  /** @type {{base: string, stop: () => void}} */ let server;
  /** @type {string[]} */ const errors = [];
  /** @type {string[]} */ const dialogs = [];

  const text = (/** @type {string} */ sel) => page.locator(sel).textContent();
  const stepsDone = async () => Number((await text('#steps-done')).replace(/,/g, ''));
  const fmt = (/** @type {number} */ n) => n.toLocaleString('en-US');
  /** @param {number} n @param {number} [timeout] */
  const waitSteps = (n, timeout = 20000) =>
    page.waitForFunction((k) => Number(document.getElementById('steps-done')?.textContent?.replace(/,/g, '')) >= k, n, { timeout });
  /** @param {RegExp} re @param {string} [id] @param {number} [timeout] */
  const waitText = (re, id = 'status', timeout = 20000) =>
    page.waitForFunction(([src, flags, el]) => new RegExp(src, flags).test(document.getElementById(el)?.textContent ?? ''), [re.source, re.flags, id], { timeout });
  // window.__mm: what tests/browser/harness.mjs's probePage injects (the worker's events, the chart, a stall meter)
  const runId = () => page.evaluate(() => /** @type {any} */ (window).__mm.runId);
  /** The loss chart's data as the page last drew it; settled: once it stopped redrawing (the run paused or done). */
  async function chartData(settled = false) {
    if (settled) await page.waitForFunction(() => performance.now() - /** @type {any} */ (window).__mm.chart().drawnAt > 1000, null, { timeout: 10000 });
    return page.evaluate(() => /** @type {any} */ (window).__mm.chart());
  }
  /** @returns {Promise<number>} the last step the chart's training points reach (0: none) */
  const chartCovers = async () => (await chartData()).trainSteps.at(-1) ?? 0;
  /** Fills the form for a short run. @param {Record<string, string>} v */
  async function settings(v) {
    for (const [id, value] of Object.entries(v)) {
      const el = page.locator(`#${id}`);
      if ((await el.evaluate((e) => e.tagName)) === 'SELECT') await el.selectOption(value);
      else await el.fill(value);
    }
  }
  /** Clicks Train and waits until the worker started the new run. */
  async function startTraining() {
    const before = await runId();
    await page.click('#train');
    await page.waitForFunction((b) => /** @type {any} */ (window).__mm.runId !== b, before, { timeout: 20000 });
  }
  async function waitDone() {
    await page.waitForFunction(() => /^Done: .*Loss: train/.test(document.getElementById('status')?.textContent ?? ''), null, { timeout: 60000 });
  }
  /** @param {string} source */
  async function waitData(source) {
    await page.waitForFunction((s) => document.getElementById('d-source')?.textContent === s, source, { timeout: 20000 });
  }

  before(async () => {
    mkdirSync(RESULTS, { recursive: true });
    server = await serve();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await probePage(page);
    page.on('pageerror', (/** @type {Error} */ e) => errors.push(String(e)));
    page.on('console', (/** @type {any} */ m) => m.type() === 'error' && errors.push(m.text()));
    page.on('dialog', (/** @type {any} */ d) => {
      dialogs.push(d.message());
      d.dismiss();
    });
  });

  after(async () => {
    await browser?.close();
    server?.stop();
  });

  test('loads names.txt and the presets', async () => {
    const resp = await page.goto(`${server.base}/`);
    assert.equal(new URL(resp.url()).pathname, '/web/');
    await waitData('names.txt');
    assert.equal(await text('#d-words'), '32,033 (29,494 distinct)');
    assert.match(await text('#d-longest'), /^15 characters: /);
    assert.match(await text('#d-split'), /train 25,626 · val 3,203 · test 3,204 words/);
    assert.equal(await page.locator('#d-vocab .tok').count(), 27);
    await page.waitForFunction(() => /wavenet76k · 76,579 params/.test(document.getElementById('preset')?.textContent ?? ''));
    const options = await page.locator('#preset option').allTextContents();
    assert.deepEqual(options, [
      'mlp3 · 12,097 params',
      'mlp8 · 22,097 params',
      'wavenet22k-bnbug · 22,397 params',
      'wavenet22k · 22,397 params',
      'wavenet76k · 76,579 params',
      'wavenet76k-conv · 76,579 params',
      'wavenet-gated · 75,249 params',
      'bigram · 729 params',
      'mlp · 69,147 params', // makemore.py's models: makemore.py's parameter counts (tests/families-api.test.mjs)
      'bow · 12,827 params',
      'rnn · 11,803 params',
      'gru · 28,315 params',
      'lstm · 36,891 params',
      'custom',
    ]);
    assert.equal(await text('#params'), 'Parameters: 76,579 (vocabulary of 27)');
    assert.equal(await page.locator('#train').isEnabled(), true);
    // The form lists exactly the schema's settings (model, data, training; not the word list's vocabSize),
    // with the schema's labels, limits, choices and defaults, besides the page's own controls.
    const { loadMakemore } = await import(pathToFileURL(path.join(ROOT, 'wasm/makemore.mjs')).href);
    const { schema } = await loadMakemore({ wasmUrl: pathToFileURL(WASM) });
    const fields = schema.fields.filter((/** @type {any} */ f) => ['model', 'data', 'training'].includes(f.group) && !f.fromData);
    const OWN = ['preset', 'structure', 'valEvery', 'threads', 'reproducible'];
    const named = await page.locator('#settings [name]').evaluateAll((els) => els.map((e) => /** @type {string} */ (e.getAttribute('name'))));
    assert.deepEqual(named.filter((n) => !OWN.includes(n)).sort(), fields.map((/** @type {any} */ f) => f.js).sort());
    assert.deepEqual(named.filter((n) => OWN.includes(n)).sort(), [...OWN].sort());
    for (const f of fields) {
      const shown = await page.locator(`#${f.js}`).evaluate((e) => ({
        label: document.querySelector(`label[for="${e.id}"]`)?.textContent,
        min: e.getAttribute('min'), max: e.getAttribute('max'), value: /** @type {HTMLInputElement} */ (e).value,
        options: Array.from(e.querySelectorAll('option'), (o) => o.textContent),
        selected: e instanceof HTMLSelectElement ? e.selectedOptions[0]?.textContent : null,
      }));
      assert.equal(shown.label, f.label[0].toUpperCase() + f.label.slice(1), f.js);
      if (f.type === 'int') assert.deepEqual([shown.min, shown.max], [String(f.min), String(f.max)], `${f.js}: the schema's limits`);
      if (f.type === 'enum') assert.deepEqual(shown.options, f.values, f.js);
      if (f.group === 'training') { // the selected name, a float's number (1e-8 is the core's 1e-08), else the text
        const value = f.type === 'enum' ? shown.selected : f.type === 'float' ? Number(shown.value) : shown.value;
        assert.equal(value, f.type === 'float' ? Number(f.defaultText) : f.defaultText, `${f.js}: the schema's default`);
      }
    }
    assert.equal(await page.locator('#steps').getAttribute('max'), '2147483647', "the core's steps limit");
    // The stall meter itself: a 150 ms busy loop on the main thread registers.
    await page.evaluate(() => /** @type {any} */ (window).__mm.stall.reset());
    await page.evaluate(() => {
      const t = performance.now();
      while (performance.now() - t < 150);
    });
    await sleep(100);
    assert.ok((await page.evaluate(() => /** @type {any} */ (window).__mm.stall.maxGap)) >= 100, 'the stall meter sees a blocked main thread');
    assert.deepEqual(errors, []);
  });

  test('refuses impossible settings before training', async () => {
    await settings({ structure: 'hier', blockSize: '6' });
    await page.locator('#config-error').waitFor({ state: 'visible' });
    assert.match(await text('#config-error'), /power of the group size/);
    assert.equal(await page.locator('#preset').inputValue(), 'custom');
    await page.click('#train');
    await page.locator('#train-error').waitFor({ state: 'visible' });
    assert.match(await text('#train-error'), /^Not started: .*power of the group size/);
    assert.equal(await stepsDone(), 0);
    assert.equal(await page.locator('#pause').isDisabled(), true);
    await settings({ steps: '2.5' });
    await page.click('#train');
    await page.waitForFunction(() => /Steps must be a whole number, not “2\.5”/.test(document.getElementById('train-error')?.textContent ?? ''));
    // Back to a preset: the form follows it.
    await settings({ preset: 'mlp3' });
    assert.equal(await page.locator('#blockSize').inputValue(), '3');
    assert.equal(await page.locator('#structure').inputValue(), 'flat');
    await page.locator('#config-error').waitFor({ state: 'hidden' });
    assert.equal(await text('#params'), 'Parameters: 12,097 (vocabulary of 27)');
  });

  test('trains: the chart gains points, the loss falls, samples appear, the page stays responsive', async () => {
    // long enough that the checks below see it running on the fast engine (mlp3 runs ~10000 steps/s there)
    await settings({ preset: 'mlp3', steps: '100000', valEvery: '10000', decayStep: '50000', seed: '42' });
    await startTraining();
    await page.waitForFunction(() => Number(document.getElementById('steps-done')?.textContent?.replace(/,/g, '')) > 0);
    await page.evaluate(() => /** @type {any} */ (window).__mm.stall.reset());
    await page.waitForFunction(() => /** @type {any} */ (window).__mm.chart().train.length > 0, null, { timeout: 20000 });
    const p1 = await chartCovers();
    const s1 = await stepsDone();
    await page.waitForFunction(() => Number(document.getElementById('steps-done')?.textContent?.replace(/,/g, '')) >= 55000, null, { timeout: 60000 });
    await page.waitForFunction(() => document.querySelectorAll('#samples li').length > 0, null, { timeout: 10000 });
    // Stall meter before the screenshot (capturing may itself hold the main thread).
    const stallA = await page.evaluate(() => ({ .../** @type {any} */ (window).__mm.stall }));
    await page.screenshot({ path: path.join(RESULTS, 'page-training.png'), fullPage: true });
    await page.evaluate(() => /** @type {any} */ (window).__mm.stall.reset());
    const p2 = await chartCovers();
    assert.ok((await stepsDone()) > s1, 'the step counter advances');
    assert.ok(p2 > p1, `the chart's points cover steps 0..${p1}, then 0..${p2}`);
    assert.match(await text('#rate'), /^[\d,]+$/);
    assert.match(await text('#eta'), /\d+ s/);
    await waitDone();
    const stallB = await page.evaluate(() => ({ .../** @type {any} */ (window).__mm.stall }));
    for (const s of [stallA, stallB]) {
      assert.ok(s.maxGap < STALL_MS, `main thread stalled ${s.maxGap.toFixed(0)} ms`);
      assert.ok(s.maxLongTask < STALL_MS, `long task of ${s.maxLongTask.toFixed(0)} ms`);
    }
    console.log(`# stall: timer lateness ${Math.max(stallA.maxGap, stallB.maxGap).toFixed(1)} ms, longest task ${Math.max(stallA.maxLongTask, stallB.maxLongTask).toFixed(0)} ms`);
    assert.equal(await stepsDone(), 100000);
    const { train, val } = await chartData(true);
    assert.ok(train.length >= 100, `${train.length} training points`);
    const head = train.slice(0, 5).reduce((a, b) => a + b, 0) / 5;
    const tail = train.slice(-5).reduce((a, b) => a + b, 0) / 5;
    assert.ok(tail < head - 0.05, `log10 loss falls: ${head.toFixed(3)} -> ${tail.toFixed(3)}`);
    assert.equal(val.length, 10, 'validation points every 10000 steps');
    assert.ok(10 ** val[9] < 2.6, `val loss ${10 ** val[9]}`);
    assert.match(await text('#chart-hint'), /learning-rate drop \(0\.1 → 0\.01\) at step 50,000/);
    for (const s of ['train', 'val', 'test']) assert.match(await text(`#e-${s}`), /^2\.\d{4}$/, s);
    assert.equal(await text('#n-val'), '22,655');
    // Sampling on demand, with a prefix.
    await settings({ 's-count': '20', 's-prefix': 'ma' });
    await page.click('#sample');
    await page.waitForFunction(() => document.querySelectorAll('#samples li').length === 20);
    const names = await page.locator('#samples .name').allTextContents();
    assert.ok(names.every((n) => n.startsWith('ma')), names.join(','));
    const tags = await page.locator('#samples .tag').allTextContents();
    assert.ok(tags.every((t) => /^(in training set|in val split|in test split|new)$/.test(t)), tags.join(','));
    // each mark is where the core's split of names.txt (mlp3: one shuffle) puts the name
    const { loadMakemore } = await import(pathToFileURL(path.join(ROOT, 'wasm/makemore.mjs')).href);
    const mm = await loadMakemore({ wasmUrl: pathToFileURL(WASM) });
    const split = mm.parseWords(readFileSync(path.join(ROOT, 'data/names.txt'))).split({ shuffles: 1 });
    const TAG = /** @type {Record<string, string>} */ ({ train: 'in training set', val: 'in val split', test: 'in test split' });
    assert.deepEqual(tags, split.whereAre(names).map((/** @type {string|null} */ w) => (w ? TAG[w] : 'new')), names.join(','));
    assert.ok(tags.includes('in training set') || tags.includes('new'));
    await settings({ 's-prefix': '' });
    assert.deepEqual(errors, []);
  });

  test('pause stops the step counter and resume continues it', async () => {
    await settings({ preset: 'mlp3', steps: '200000' });
    await startTraining();
    await page.waitForFunction(() => Number(document.getElementById('steps-done')?.textContent?.replace(/,/g, '')) > 300, null, { timeout: 20000 });
    assert.equal(await text('#steps-total'), '200,000');
    await page.click('#pause');
    await page.waitForFunction(() => /^Paused at step/.test(document.getElementById('status')?.textContent ?? ''));
    await sleep(150);
    const a = await stepsDone();
    await sleep(500);
    const b = await stepsDone();
    assert.equal(b, a, 'no steps while paused');
    assert.equal(await page.locator('#resume').isEnabled(), true);
    assert.equal(await page.locator('#pause').isDisabled(), true);
    await page.click('#resume');
    await sleep(600);
    const c = await stepsDone();
    assert.ok(c > b, `resumed: ${b} -> ${c}`);
    await page.click('#reset');
    await page.waitForFunction(() => /^Reset/.test(document.getElementById('status')?.textContent ?? ''));
    assert.equal(await stepsDone(), 0);
    await page.waitForFunction(() => /** @type {any} */ (window).__mm.chart().train.length === 0);
  });

  test('names from a pasted word list are shown as text, never as markup', async () => {
    const evil = ['<img src=x onerror=alert(1)>', '<b>bold</b>', '<script>alert(2)</script>', '&amp;<i>x</i>'];
    const list = Array.from({ length: 40 }, () => evil).flat();
    await page.fill('#paste', list.join('\n'));
    await page.click('#use-paste');
    await waitData('pasted words');
    assert.equal(await text('#d-words'), '160 (4 distinct)');
    assert.ok((await page.locator('#d-vocab').textContent()).includes('<'));
    await settings({ preset: 'mlp3', steps: '1500', valEvery: '500', 's-count': '30' });
    await startTraining();
    await waitDone();
    await page.click('#sample');
    await page.waitForFunction(() => document.querySelectorAll('#samples li').length === 30);
    const names = await page.locator('#samples .name').allTextContents();
    assert.ok(names.some((n) => n.includes('<') && n.includes('>')), names.join(' | '));
    assert.ok(names.some((n) => evil.includes(n)), `a training word comes back: ${names.join(' | ')}`);
    const tags = await page.locator('#samples .tag').allTextContents();
    assert.ok(tags.includes('in training set'), tags.join(','));
    assert.equal(await page.locator('#samples *:not(li):not(span)').count(), 0, 'only li and span elements');
    assert.equal(await page.locator('img, b, i, script:not([type=module])').count(), 0);
    await sleep(300);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(errors, []);
  });

  test('a bad file shows an error, keeps the previous words; a dropped file works and trains', async () => {
    await page.locator('#file-input').setInputFiles({ name: 'binary.bin', mimeType: 'application/octet-stream', buffer: Buffer.from([0x61, 0x6e, 0x6e, 0x61, 0x0a, 0x62, 0x00, 0x63, 0x0a]) });
    await page.locator('#data-error').waitFor({ state: 'visible' });
    assert.match(await text('#data-error'), /^Could not use binary\.bin: line 2: a NUL byte.*Still using pasted words \(160 words\)\.$/);
    assert.equal(await text('#d-source'), 'pasted words');
    await page.locator('#file-input').setInputFiles({ name: 'latin1.txt', mimeType: 'text/plain', buffer: Buffer.from([0x61, 0x0a, 0x63, 0x61, 0x66, 0xe9, 0x0a]) });
    await page.waitForFunction(() => /latin1\.txt: line 2: invalid UTF-8/.test(document.getElementById('data-error')?.textContent ?? ''));
    await page.locator('#file-input').setInputFiles({ name: 'empty.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) });
    await page.waitForFunction(() => /empty\.txt: the word list is empty/.test(document.getElementById('data-error')?.textContent ?? ''));
    // A good file dropped on the page replaces the words and clears the error.
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['anna\nbob\ncarla\ndave\nemma\nfrank\ngina\nhugo\nida\njon\n'], 'few.txt', { type: 'text/plain' }));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await waitData('few.txt');
    await page.locator('#data-error').waitFor({ state: 'hidden' });
    assert.equal(await text('#d-words'), '10');
    await settings({ steps: '600', valEvery: '200' });
    await startTraining();
    await waitDone();
    assert.equal(await stepsDone(), 600);
    assert.deepEqual(errors, []);
  });

  test('phone width: one column, no horizontal scrolling', async () => {
    await page.click('#load-names');
    await waitData('names.txt');
    await page.setViewportSize({ width: 390, height: 844 });
    await settings({ preset: 'wavenet22k', steps: '3000', valEvery: '1000' });
    await startTraining();
    await page.waitForFunction(() => Number(document.getElementById('steps-done')?.textContent?.replace(/,/g, '')) > 1000, null, { timeout: 20000 });
    await page.waitForFunction(() => document.querySelectorAll('#samples li').length > 0, null, { timeout: 10000 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `horizontal overflow of ${overflow} px`);
    await page.screenshot({ path: path.join(RESULTS, 'page-phone.png'), fullPage: true });
    await page.click('#reset');
    assert.deepEqual(errors, []);
  });

  /** @type {number} */ let dropStep;

  test('schedule changes apply to the running run, without a new run', async () => {
    await page.setViewportSize({ width: 1280, height: 1000 });
    await settings({ preset: 'mlp3', steps: '200000', valEvery: '', lr: '0.1', lrDecayed: '0.01', decayStep: '150000', batchSize: '32', seed: '42' });
    await startTraining();
    const id = await runId();
    await waitSteps(300);
    assert.equal(await text('#lr-now'), '0.1');
    const s0 = await stepsDone();
    // Typing: applied once the field settles.
    await page.fill('#lr', '0.05');
    await waitText(/^Schedule applied at step [\d,]+: 200,000 steps, learning rate 0\.05, then 0\.01 from step 150,000\.$/);
    const applied = Number((await text('#status')).match(/at step ([\d,]+)/)?.[1].replace(/,/g, ''));
    assert.ok(applied >= s0, `applied at step ${applied}, after step ${s0}`);
    await page.waitForFunction(() => document.getElementById('lr-now')?.textContent === '0.05');
    // Enter commits at once: the lr drop (and its marker) moves to a step just ahead.
    const drop = Math.ceil(((await stepsDone()) + 1500) / 500) * 500;
    await page.fill('#decayStep', String(drop));
    await page.press('#decayStep', 'Enter');
    dropStep = drop;
    await waitText(new RegExp(`then 0\\.01 from step ${fmt(drop)}\\.$`));
    await waitText(new RegExp(`learning-rate drop \\(0\\.05 → 0\\.01\\) at step ${fmt(drop)}`), 'chart-hint');
    await waitSteps(drop + 1);
    await page.waitForFunction(() => document.getElementById('lr-now')?.textContent === '0.01');
    assert.equal(await runId(), id, 'the same run');
    assert.ok((await stepsDone()) > drop, 'the step counter went on');
    const { steps } = await chartData();
    assert.ok(steps[0] < 200, `the chart still starts at step 0 (${steps[0]})`);
    // Refused: fewer steps than done (by the page) and an lr that overflows float32 (by the core).
    await page.fill('#steps', '10');
    await page.press('#steps', 'Enter');
    await waitText(/^Not applied: Steps must be at least the [\d,]+ steps done\. The run goes on with 200,000\.$/, 'train-error');
    await page.fill('#steps', '200000');
    await page.fill('#lr', '1e39');
    await page.press('#lr', 'Enter');
    await waitText(/^Not applied: learning rate inf is not a finite non-negative number\. The run goes on with 0\.05\.$/, 'train-error');
    assert.equal(await page.getAttribute('#lr', 'aria-invalid'), 'true', 'the field the core named is marked');
    await page.fill('#lr', '0.05');
    // Model and batch changes need a new run.
    await page.fill('#batchSize', '64');
    await waitText(/need a new run: press Train \(new run\)/);
    await page.fill('#batchSize', '32');
    assert.equal(await runId(), id);
    // Pausing stores the run in IndexedDB.
    await page.click('#pause');
    await waitText(/^Paused at step/);
    const paused = await stepsDone();
    await waitText(new RegExp(`^Saved in this browser .*\\(mlp3, step ${fmt(paused)}\\)`), 'store-info');
    assert.deepEqual(errors, []);
  });

  /** @type {string} */ let checkpointPath;
  /** @type {number} */ let checkpointStep;

  test('downloads a checkpoint, loads it back, samples and continues training', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const name = download.suggestedFilename();
    assert.match(name, /^makemore-mlp3-step\d+\.safetensors$/);
    checkpointStep = Number(name.match(/step(\d+)/)?.[1]);
    assert.equal(checkpointStep, await stepsDone());
    checkpointPath = path.join(RESULTS, name);
    await download.saveAs(checkpointPath);
    const bytes = readFileSync(checkpointPath);
    const n = Number(bytes.readBigUInt64LE(0));
    assert.equal(String.fromCharCode(bytes[8]), '{', 'an 8-byte little-endian header length, then the JSON header');
    assert.ok(n > 2 && 8 + n < bytes.length, `header of ${n} bytes in ${bytes.length}`);
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    assert.ok(header.__metadata__ && Object.keys(header).length > 5, Object.keys(header).join(','));
    // Load it back after a reset: sampling works at once, training continues from its step.
    await page.click('#reset');
    await waitText(/^Reset/);
    await settings({ lr: '0.1', decayStep: '150000' });
    await page.locator('#model-input').setInputFiles(checkpointPath);
    await waitText(new RegExp(`^Loaded checkpoint ${name.replace(/\./g, '\\.')}: mlp3 \\(12,097 parameters, trained on names\\.txt\\), at step ${fmt(checkpointStep)} of 200,000\\. Press Continue training`));
    assert.equal(await stepsDone(), checkpointStep);
    assert.equal(await page.inputValue('#lr'), '0.05', 'the form shows the checkpoint schedule');
    assert.equal(await page.inputValue('#decayStep'), String(dropStep));
    await page.waitForFunction(() => document.querySelectorAll('#samples li').length > 0, null, { timeout: 10000 });
    await settings({ 's-count': '7', 's-prefix': 'an' });
    await page.click('#sample');
    await page.waitForFunction(() => document.querySelectorAll('#samples li').length === 7);
    const names = await page.locator('#samples .name').allTextContents();
    assert.ok(names.every((x) => x.startsWith('an')), names.join(','));
    // top-k 1 draws the likeliest character every time: the greedy (temperature 0) name, 7 times
    await settings({ 's-temp': '0' });
    await page.click('#sample');
    await page.waitForFunction(() => /temperature 0:/.test(document.querySelector('#samples-meta')?.textContent ?? ''));
    const greedy = await page.locator('#samples .name').allTextContents();
    assert.equal(new Set(greedy).size, 1, greedy.join(','));
    await settings({ 's-temp': '1', 's-topk': '1' });
    await page.click('#sample');
    await page.waitForFunction(() => /top-k 1:/.test(document.querySelector('#samples-meta')?.textContent ?? ''));
    assert.deepEqual(await page.locator('#samples .name').allTextContents(), greedy);
    await settings({ 's-topk': '0', 's-topp': '0' });
    await page.click('#sample');
    await waitText(/^Top-p must be a number above 0/, 'sample-error');
    await settings({ 's-prefix': '', 's-topp': '1' });
    assert.equal(await text('#resume'), 'Continue training');
    await page.click('#resume');
    await waitText(/^Training mlp3/);
    await waitSteps(checkpointStep + 300);
    assert.equal(await text('#resume'), 'Resume');
    const { steps } = await chartData();
    assert.ok(steps[0] >= checkpointStep, `the chart starts at the checkpoint (${steps[0]})`);
    assert.deepEqual(errors, []);
  });

  test('a plain model file samples; bad model files show the error and the run goes on', async () => {
    const id = await runId();
    // Random bytes, then a truncated checkpoint: errors, the current run is unchanged.
    let x = 12345;
    const junk = Buffer.from(Array.from({ length: 4096 }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 16) & 255));
    await page.locator('#model-input').setInputFiles({ name: 'junk.safetensors', mimeType: 'application/octet-stream', buffer: junk });
    await waitText(/^Could not load junk\.safetensors: not a model file: .+\. The current run is unchanged\.$/, 'model-error');
    const good = readFileSync(checkpointPath);
    await page.locator('#model-input').setInputFiles({ name: 'cut.safetensors', mimeType: 'application/octet-stream', buffer: good.subarray(0, good.length - 1000) });
    await waitText(/^Could not load cut\.safetensors: .+\. The current run is unchanged\.$/, 'model-error');
    assert.equal(await runId(), id);
    const a = await stepsDone();
    await waitSteps(a + 200);
    await page.click('#pause');
    await waitText(/^Paused at step/);
    // The example model (no training state): sampling only.
    const example = path.join(ROOT, 'web/models/names.safetensors');
    if (existsSync(example)) {
      await page.locator('#model-input').setInputFiles(example);
      await waitText(/^Loaded model names\.safetensors: wavenet22k \(22,397 parameters\)\. A model file without training state: sampling only\.$/);
      await page.locator('#model-error').waitFor({ state: 'hidden' });
      await page.waitForFunction(() => document.querySelectorAll('#samples li').length > 0, null, { timeout: 10000 });
      assert.equal(await page.locator('#resume').isDisabled(), true);
      assert.equal(await page.locator('#evaluate').isDisabled(), true);
      assert.equal(await page.locator('#download').isEnabled(), true);
    }
    // Training still works after all that.
    await settings({ preset: 'mlp3', steps: '400', valEvery: '200', lr: '0.1', decayStep: '300' });
    await startTraining();
    await waitDone();
    assert.equal(await stepsDone(), 400);
    assert.deepEqual(errors, []);
  });

  test('a reload restores the last model from IndexedDB', async () => {
    // The finished run of the previous test was stored at its end.
    await waitText(/^Saved in this browser .*\(mlp3, step 400\)/, 'store-info');
    // A longer run, paused: stored at its pause.
    await page.locator('#model-input').setInputFiles(checkpointPath);
    await waitText(/^Loaded checkpoint/);
    await page.click('#resume');
    await waitSteps(checkpointStep + 500);
    await page.click('#pause');
    await waitText(/^Paused at step/);
    const step = await stepsDone();
    await waitText(new RegExp(`\\(mlp3, step ${fmt(step)}\\)`), 'store-info');
    await page.reload();
    await waitData('names.txt');
    await waitText(new RegExp(`^Restored model from .+, step ${fmt(step)} of 200,000: mlp3 \\(12,097 parameters, trained on names\\.txt\\)\\.`));
    await waitText(/^From this browser: saved .+ \(first loaded from makemore-mlp3-step\d+\.safetensors\)\.$/, 'model-info');
    assert.equal(await stepsDone(), step);
    await page.waitForFunction(() => document.querySelectorAll('#samples li').length > 0, null, { timeout: 10000 });
    await settings({ 's-count': '9' });
    await page.click('#sample');
    await page.waitForFunction(() => document.querySelectorAll('#samples li').length === 9);
    // Its loss history came with it; Continue training goes on from the stored step.
    await page.waitForFunction(() => document.getElementById('resume')?.textContent === 'Continue training');
    const { train } = await chartData(true);
    assert.ok(train.length > 10, `${train.length} chart points restored`);
    await page.click('#resume');
    await waitSteps(step + 200);
    await page.click('#reset');
    await waitText(/^Reset/);
    assert.deepEqual(errors, []);
  });

  test('pause during the end-of-run evaluation of wavenet76k takes effect at once', async () => {
    await settings({ preset: 'wavenet76k', steps: '150', valEvery: '0', lr: '0.1', decayStep: '100' });
    await startTraining();
    // The splits are evaluated val, test, then train (182k examples, seconds): pause in the middle of it.
    await waitText(/evaluating the splits… train \d+%$/, 'status', 30000);
    const t0 = Date.now();
    await page.click('#pause');
    await waitText(/^Paused at step 150, during the end-of-run evaluation/, 'status', 5000);
    const ms = Date.now() - t0;
    console.log(`# pause during evaluation took effect after ${ms} ms`);
    assert.ok(ms < 1000, `pause took ${ms} ms`);
    const meta = await text('#eval-meta');
    await sleep(400);
    assert.equal(await text('#eval-meta'), meta, 'no evaluation while paused');
    assert.equal(await text('#e-train'), '–');
    await page.click('#resume');
    await waitDone();
    for (const s of ['train', 'val', 'test']) assert.match(await text(`#e-${s}`), /^\d\.\d{4}$/, s);
    assert.deepEqual(errors, []);
  });
});
