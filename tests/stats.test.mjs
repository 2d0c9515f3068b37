// stats.test.mjs: the training diagnostics through the JS API (Trainer.setStatsEvery, takeStats) and the
// Node CLI's --stats-every, against the native CLI's (build/makemore, MM_NATIVE_CLI) on the reproducible engine,
// which is bitwise the same in every build: the same Stats, key for key and number for number (the core's own
// statistics are checked against PyTorch by test_stats.c). Also: run() stays one wasm call with the statistics
// off and splits at the statistics steps with them on; the losses do not change; bad intervals are refused.
// MM_WASM_DIR: the .wasm folder (default build-wasm/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { loadMakemore, relaxedSimdSupported } from '../wasm/makemore.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WASM_PATH = path.resolve(ROOT, process.env.MM_WASM_DIR ?? 'build-wasm');
const WASM_DIR = pathToFileURL(WASM_PATH + '/');
const CLI = path.resolve(ROOT, process.env.MM_NATIVE_CLI ?? 'build/makemore');
const noNative = !existsSync(CLI) && `no native CLI at ${CLI}`;
const NAMES = readFileSync(path.join(ROOT, 'data/names.txt'), 'utf8');
const RUN = ['--preset', 'wavenet22k', '--steps', '250', '--seed', '3', '--stats-every', '100', '--reproducible', '--threads', '1', '--no-eval', '--samples', '0'];

/** @param {string} bin @param {string[]} args */
const spawn = (bin, args) =>
  spawnSync(bin === CLI ? CLI : process.execPath, bin === CLI ? args : [path.join(ROOT, 'bin/makemore-wasm.mjs'), ...args], {
    encoding: 'utf8', cwd: ROOT, env: { ...process.env, MM_WASM_DIR: WASM_PATH }, maxBuffer: 1 << 28,
  });
/** the {"stats":...} lines of a --json run */
const statsLines = (/** @type {string} */ out) => out.trim().split('\n').map((l) => JSON.parse(l)).filter((o) => o.stats).map((o) => o.stats);

test('the JS API gives the native CLI\'s statistics (reproducible engine), at steps 0, 100, 200', { skip: noNative }, async () => {
  const r = spawn(CLI, ['train', ...RUN, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const native = statsLines(r.stdout);
  assert.deepEqual(native.map((s) => s.step), [0, 100, 200]);
  const mm = await loadMakemore({ engine: 'simd', threads: 1, wasmDir: WASM_DIR });
  const words = mm.parseWords(NAMES);
  const t = mm.createTrainer({ words, preset: 'wavenet22k', steps: 250, seed: 3, reproducible: true });
  t.setStatsEvery(100);
  assert.equal(t.statsEvery, 100);
  const got = [];
  for (const n of [37, 64, 1, 99, 100]) { // chunks that do not end at the statistics steps
    t.run(n);
    got.push(...t.takeStats());
  }
  assert.deepEqual(t.takeStats(), [], 'taken once');
  assert.equal(got.length, 3);
  assert.deepEqual(got, native);
  // the shape: layers with kind, name, shape, out and grad; Tanh's saturation only; the 2-D weights' update ratios
  const s = got[2];
  assert.deepEqual(s.layers.map((l) => l.kind).slice(0, 6), ['Embedding', 'FlattenConsecutive', 'Linear', 'BatchNorm1d', 'Tanh', 'FlattenConsecutive']);
  assert.deepEqual(s.layers[0].shape, [32, 8, 10]);
  assert.equal(s.layers[3].name, 'layers.3');
  for (const l of s.layers) {
    assert.equal(l.out.saturated === null, l.kind !== 'Tanh', `layer ${l.index} saturation`);
    assert.equal(l.out.hist.counts.length, 100);
    assert.equal(l.out.hist.counts.reduce((a, b) => a + b, 0), l.shape.reduce((a, b) => a * b, 1));
    assert.ok(l.grad && l.grad.std > 0);
  }
  const w = s.params.find((p) => p.name === 'layers.2.weight');
  assert.ok(w && w.updateToData > -5 && w.updateToData < -1 && Math.abs(w.gradToData - w.gradStd / w.dataStd) < 1e-15);
  assert.ok(Math.abs(10 ** w.updateToData - (s.lr * w.gradStd) / w.dataStd) < 1e-12);
  words.free();
  t.free();
  await mm.close();
});

test('the Node CLI prints the native CLI\'s statistics lines (--json and text)', { skip: noNative }, () => {
  for (const json of [true, false]) {
    const args = ['train', ...RUN, ...(json ? ['--json'] : [])];
    const a = spawn(CLI, args);
    const b = spawn('node', args);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(b.status, 0, b.stderr);
    if (json) {
      const [sa, sb] = [statsLines(a.stdout), statsLines(b.stdout)];
      assert.equal(sa.length, 3);
      assert.deepEqual(sb, sa);
      // the loss lines and the statistics lines in the same order
      const kinds = (/** @type {string} */ o) => o.trim().split('\n').map((l) => Object.keys(JSON.parse(l))[0]);
      assert.deepEqual(kinds(b.stdout), kinds(a.stdout));
    } else {
      const lines = (/** @type {string} */ o) => o.split('\n').filter((l) => /^(stats at|  layer|\s+\d+\/)/.test(l));
      assert.ok(lines(a.stdout).some((l) => /layer 4 \(      Tanh\): mean [+-]\d\.\d\d, std \d\.\d\d, saturated: \d+\.\d\d%/.test(l)), a.stdout);
      assert.deepEqual(lines(b.stdout), lines(a.stdout));
    }
  }
});

test('run() is one wasm call with the statistics off and splits at their steps when on; the losses do not change', async () => {
  const mm = await loadMakemore({ engine: relaxedSimdSupported() ? 'relaxed' : 'simd', threads: 1, wasmDir: WASM_DIR });
  const words = mm.parseWords(NAMES);
  /** @param {number} every */
  const run = (every) => {
    const t = mm.createTrainer({ words, preset: 'mlp3', steps: 300, seed: 5 });
    if (every >= 0) t.setStatsEvery(every);
    const x = /** @type {any} */ (mm)._x;
    let calls = 0;
    /** @type {any} */ (mm)._x = new Proxy(x, { get: (o, k) => (k === 'mmw_trainer_run' && calls++, o[k]) });
    const losses = t.run(250);
    /** @type {any} */ (mm)._x = x;
    const stats = t.takeStats();
    t.free();
    return { losses, calls, stats };
  };
  const plain = run(-1), off = run(0), on = run(60);
  assert.equal(plain.calls, 1);
  assert.equal(off.calls, 1);
  assert.deepEqual(off.stats, []);
  assert.deepEqual(on.stats.map((s) => s.step), [0, 60, 120, 180, 240]);
  assert.equal(on.calls, 6); // [0], [1..60], [61..120], [121..180], [181..240], [241..249]
  assert.deepEqual(Array.from(new Uint32Array(on.losses.buffer)), Array.from(new Uint32Array(off.losses.buffer)), 'bitwise the same losses');
  assert.equal(on.losses.length, 250);
  words.free();
  await mm.close();
});

test('bad intervals are refused with a message naming the problem', { skip: noNative }, async () => {
  const mm = await loadMakemore({ engine: 'simd', threads: 1, wasmDir: WASM_DIR });
  const words = mm.parseWords(NAMES);
  const t = mm.createTrainer({ words, preset: 'mlp3', steps: 10 });
  for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 31, '10', null, undefined]) {
    assert.throws(() => t.setStatsEvery(/** @type {any} */ (bad)), (e) => e instanceof RangeError && /setStatsEvery: n must be a whole number of steps >= 0/.test(e.message), String(bad));
  }
  assert.equal(t.statsEvery, 0);
  assert.deepEqual(t.takeStats(), []);
  t.free();
  words.free();
  await mm.close();
  for (const bin of [CLI, 'node']) {
    for (const v of ['-1', '1.5', 'x']) {
      const r = spawn(bin, ['train', '--steps', '5', '--stats-every', v]);
      assert.equal(r.status, 2, `${bin} --stats-every ${v}: exit ${r.status}`);
      assert.match(r.stderr, new RegExp(`--stats-every takes a whole number of steps from 0 \\(off\\) to 2147483647, not '${v.replace('.', '\\.')}'`));
    }
  }
});

test('run() with the statistics on: a failed call throws its own error, with the losses of every step that ran', async () => {
  const mm = await loadMakemore({ engine: 'simd', threads: 1, wasmDir: WASM_DIR });
  const words = mm.parseWords(NAMES);
  // a non-finite step (the gated form at lr 1e8 fails at step 2): steps 0 and 1 ran, each in its own call
  const t = mm.createTrainer({ words, preset: 'wavenet-gated', steps: 100, seed: 3, lr: 1e8, lrDecayed: 1e8 });
  t.setStatsEvery(1);
  assert.throws(() => t.run(50), (/** @type {any} */ e) => /training stopped at step 2: the loss became NaN/.test(e.message) && e.losses.length === 2);
  assert.equal(t.step, 2);
  assert.deepEqual(t.takeStats().map((s) => s.step), [0, 1]);
  t.free();
  // an error that is not a step's (run's refusal of more steps in one call than their losses' buffer may hold):
  // that error, not a TypeError, with step 0's loss (the first call, ended at the statistics step 0)
  const u = mm.createTrainer({ words, preset: 'mlp3', steps: 2 ** 31 - 1, seed: 3 });
  u.setStatsEvery(2 ** 31 - 1);
  assert.throws(() => u.run(2 ** 31 - 1), (/** @type {any} */ e) => e instanceof RangeError && /in one call/.test(e.message) && e.losses.length === 1 && e.losses[0] > 3);
  assert.equal(u.step, 1);
  u.free();
  words.free();
  await mm.close();
});
