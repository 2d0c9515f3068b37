// lab-makemore.test.mjs: the lab's built-in sweep "makemore.py's models" (web/lab/makemore.json):
//   - it expands to the bigram, mlp, bow, rnn, gru and lstm presets at their own steps (20000, then 10000), their
//     settings the presets' (the core's), and "Steps per run" sets every run's steps;
//   - bench/sweep.mjs runs it (--steps 20): one JSON line per family, its parameters the core's count and its
//     val loss that of the same plan trained by the Node runner directly (bench/lab-node.mjs trainPlan);
//   - in Chromium, the builder says what it trains (6 runs, 70,000 steps at the presets' steps), and the button with
//     20 steps per run trains the six: one table (params, val, steps/s, wall s) and one overlay chart of six curves,
//     on the page's word list; the records' numbers are the Node runner's.
// Needs build-wasm/ (or MM_WASM_DIR); the Chromium part /usr/bin/chromium (or MM_CHROMIUM).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { loadMakemore } from '../wasm/makemore.mjs';
import { expandSpec, withSteps } from '../web/lab/runner.js';
import { trainPlan } from '../bench/lab-node.mjs';
import { CHROMIUM, ROOT, WASM_DIR, launchChromium, probePage, serve } from './browser/harness.mjs';

const SPEC = path.join(ROOT, 'web/lab/makemore.json');
const noWasm = !existsSync(path.join(WASM_DIR, 'makemore-simd.wasm')) && `no ${WASM_DIR}/makemore-simd.wasm`;
const PRESETS = ['bigram', 'mlp', 'bow', 'rnn', 'gru', 'lstm'];
const STEPS = 20;
const mmP = loadMakemore({ engine: 'simd', threads: 1, wasmDir: pathToFileURL(WASM_DIR + '/') });

/** @returns {Promise<{mm: any, plans: import('../web/lab/runner.js').RunPlan[]}>} the spec's plans at STEPS, reproducible */
async function plansAt() {
  const mm = await mmP;
  const plans = withSteps(expandSpec(JSON.parse(readFileSync(SPEC, 'utf8')), mm.schema), STEPS).map((p) => ({ ...p, reproducible: true }));
  return { mm, plans };
}

test('makemore.json: every family at its preset and its own steps; Steps per run sets them all', { skip: noWasm }, async () => {
  const mm = await mmP;
  const plans = expandSpec(JSON.parse(readFileSync(SPEC, 'utf8')), mm.schema);
  assert.deepEqual(plans.map((p) => p.preset), PRESETS);
  for (const p of plans) {
    const preset = mm.presets.find((/** @type {any} */ q) => q.name === p.preset);
    const { vocabSize, ...config } = preset.config;
    assert.deepEqual(p.config, config, p.name);
    assert.deepEqual([p.schedule.steps, p.schedule.batchSize, p.schedule.lr, p.schedule.optimizer], [preset.training.steps, 32, 0.0005, 1], p.name);
    // the preset's settings, no others; the bigram on the others' split (2 shuffles, not its preset's 1)
    assert.equal(p.what, p.preset === 'bigram' ? 'bigram splitShuffles=2' : p.preset, `${p.name}: the preset's settings`);
    assert.equal(p.data.splitShuffles, 2, `${p.name}: one split for all`);
    assert.equal(p.seed, '42');
  }
  assert.deepEqual(plans.map((p) => p.schedule.steps), [20000, 10000, 10000, 10000, 10000, 10000]);
  assert.deepEqual(withSteps(plans, 300).map((p) => [p.schedule.steps, p.schedule.decayStep]), Array(6).fill([300, 300]), 'no decay, as the presets');
});

test('bench/sweep.mjs runs it: a line per family, the core\'s parameters, the Node runner\'s val loss', { skip: noWasm, timeout: 120000 }, async () => {
  const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', path.join(ROOT, 'bench/sweep.mjs'), SPEC, '--steps', String(STEPS), '--jobs', '1',
    '--engine', 'simd', '--reproducible'], { encoding: 'utf8', env: { ...process.env, MM_WASM_DIR: WASM_DIR } });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const { mm, plans } = await plansAt();
  const words = mm.parseWords(readFileSync(path.join(ROOT, 'data/names.txt')));
  try {
    assert.deepEqual(lines.map((l) => l.name), plans.map((p) => p.name));
    for (const [i, plan] of plans.entries()) {
      const want = trainPlan(mm, words, plan);
      assert.equal(lines[i].params, mm.numParams({ ...mm.presetConfig(plan.preset), vocabSize: 27 }), plan.name);
      assert.equal(lines[i].val, want.val, `${plan.name}: val`);
      assert.equal(lines[i].curve.length, want.curve.y.length);
      assert.ok(lines[i].steps_per_sec > 0 && lines[i].wall_s > 0);
    }
  } finally {
    words.free();
  }
});

test('the lab\'s "makemore.py\'s models": six runs in one table and one chart, the Node runner\'s numbers', { skip: noWasm || (!existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}`), timeout: 180000 }, async () => {
  const server = await serve();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true });
    await probePage(page);
    /** @type {string[]} */
    const errors = [];
    page.on('pageerror', (/** @type {Error} */ e) => errors.push(String(e)));
    page.on('console', (/** @type {any} */ m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${server.base}/web/?engine=simd`);
    await page.waitForFunction(() => document.getElementById('lab')?.dataset.ready === 'true' && document.getElementById('d-source')?.textContent === 'names.txt', null, { timeout: 30000 });
    const plan = () => page.locator('#lab-plan').textContent();
    await page.waitForFunction(() => /makemore\.py's models: 6 runs, 70,000 steps:/.test(document.getElementById('lab-plan')?.textContent ?? ''), null, { timeout: 10000 })
      .catch(async () => assert.fail(`the builder's line: ${await plan()}`));
    await page.check('#reproducible');
    await page.selectOption('#lab-lanes', '1');
    await page.fill('#lab-lecture-steps', String(STEPS));
    await page.waitForFunction((n) => new RegExp(`makemore\\.py's models: 6 runs, ${6 * n} steps \\(${n} a run, no decay\\)`).test(document.getElementById('lab-plan')?.textContent ?? ''), STEPS, { timeout: 5000 })
      .catch(async () => assert.fail(`the builder's line: ${await plan()}`));
    await page.click('#lab-makemore');
    await page.waitForFunction(() => /Sweep “makemore\.py” done: 6 runs/.test(document.getElementById('lab-status')?.textContent ?? ''), null, { timeout: 120000 })
      .catch(async () => assert.fail(`${await page.locator('#lab-status').textContent()} ${await page.locator('#lab-error').textContent()}`));
    const column = (/** @type {string} */ key) => page.$$eval(`#lab-table-body td[data-key="${key}"]`, (tds) => tds.map((td) => td.textContent ?? ''));
    const heads = await page.$$eval('#lab-table-head th', (ths) => ths.map((th) => (th.textContent ?? '').replace(/ [▲▼]$/, '')));
    for (const h of ['run', 'params', 'val', 'steps/s', 'wall s']) assert.ok(heads.includes(h), heads.join(' | '));
    assert.deepEqual(await column('name'), ['bigram', 'MLP', 'BoW', 'RNN', 'GRU', 'LSTM']);
    const { mm, plans } = await plansAt();
    assert.deepEqual(await column('params'), plans.map((p) => mm.numParams({ ...mm.presetConfig(p.preset), vocabSize: 27 }).toLocaleString('en-US')));
    // one overlay chart: a curve per run (and its validation points)
    const series = await page.evaluate(() => {
      const u = /** @type {any} */ (window).__mm.plots.find((/** @type {any} */ p) => p.root.parentElement?.id === 'lab-chart');
      return u.series.slice(1).map((/** @type {any} */ s) => s.label);
    });
    assert.deepEqual(series.filter((/** @type {string} */ s) => !s.endsWith(' val')), ['bigram', 'MLP', 'BoW', 'RNN', 'GRU', 'LSTM']);
    // the records: the Node runner's numbers for the same plans
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#lab-export-json')]);
    const runs = JSON.parse(readFileSync(await download.path(), 'utf8')).runs;
    const words = mm.parseWords(readFileSync(path.join(ROOT, 'data/names.txt')));
    try {
      for (const [i, p] of plans.entries()) {
        const want = trainPlan(mm, words, p);
        assert.deepEqual([runs[i].params, runs[i].train, runs[i].val, runs[i].steps, runs[i].dataset], [want.params, want.train, want.val, STEPS, 'names.txt'], p.name);
      }
    } finally {
      words.free();
    }
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.stop();
  }
});

test('on the page\'s own word list, makemore.py\'s block: its longest word and its end', { skip: noWasm || (!existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}`), timeout: 180000 }, async () => {
  const server = await serve();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true });
    await probePage(page);
    await page.goto(`${server.base}/web/?engine=simd`);
    await page.waitForFunction(() => document.getElementById('lab')?.dataset.ready === 'true' && document.getElementById('d-source')?.textContent === 'names.txt', null, { timeout: 30000 });
    const list = ['anna', 'bob', 'christopherjohnsonxy', 'dave', 'emma', 'fred', 'gina', 'hugo', 'ivy', 'jack', 'kate', 'liam'];
    await page.fill('#paste', list.join('\n'));
    await page.click('#use-paste');
    await page.waitForFunction(() => /^20 characters/.test(document.getElementById('d-longest')?.textContent ?? ''), null, { timeout: 10000 });
    await page.selectOption('#lab-lanes', '1');
    await page.fill('#lab-lecture-steps', '3');
    await page.click('#lab-makemore');
    await page.waitForFunction(() => /Sweep “makemore\.py” done: 6 runs/.test(document.getElementById('lab-status')?.textContent ?? ''), null, { timeout: 120000 })
      .catch(async () => assert.fail(`${await page.locator('#lab-status').textContent()} ${await page.locator('#lab-error').textContent()}`));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#lab-export-json')]);
    const runs = JSON.parse(readFileSync(await download.path(), 'utf8')).runs.slice(-6);
    assert.deepEqual(runs.map((/** @type {any} */ r) => [r.preset, r.config.blockSize]),
      [['bigram', 1], ['mlp', 21], ['bow', 21], ['rnn', 21], ['gru', 21], ['lstm', 21]]);
  } finally {
    await browser.close();
    server.stop();
  }
});
