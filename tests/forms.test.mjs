// forms.test.mjs: the conv and gated forms (presets wavenet76k-conv and wavenet-gated) through the JS API.
//   (a) 200 steps of each preset on the reproducible engine in wasm (SIMD module, and the relaxed module's
//       reproducible engine) give bitwise the native CLI's losses and samples (and, SIMD, its eval losses); the fast
//       engine of the relaxed module gives bitwise the same losses on 1 and 2 threads;
//   (b) a wavenet76k model file loaded with { form: 'conv' } gives the eval logits and names of the file
//       loaded as it is (bitwise), the same tensors, and saves as a conv file; the native CLI's sample
//       --form conv gives the same names;
//   (e) bad input: an unknown form, a form index out of range, a gated file loaded as conv, a conv
//       file as gated: clear errors (also from the native CLI).
//   node --experimental-wasm-relaxed-simd --test tests/forms.test.mjs
// MM_WASM_DIR: the .wasm folder (default build-wasm/); MM_NATIVE_CLI (default build/makemore; its
// comparisons are skipped without it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { loadMakemore, relaxedSimdSupported } from '../wasm/makemore.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WASM_DIR = pathToFileURL(path.resolve(ROOT, process.env.MM_WASM_DIR ?? 'build-wasm') + '/');
const CLI = path.resolve(ROOT, process.env.MM_NATIVE_CLI ?? 'build/makemore');
const noNative = !existsSync(CLI) && `no native CLI at ${CLI}`;
const noRelaxed = !relaxedSimdSupported() && 'no relaxed SIMD (node --experimental-wasm-relaxed-simd)';
const NAMES = readFileSync(path.join(ROOT, 'data/names.txt'), 'utf8');
const PRESETS = ['wavenet76k-conv', 'wavenet-gated'];
const STEPS = 200;
const SEED = 7;

const bits = (/** @type {Float32Array} */ a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
/** @param {string[]} args */
const native = (args) => spawnSync(CLI, args, { encoding: 'utf8', cwd: ROOT, maxBuffer: 1 << 26 });
/** @param {'relaxed'|'simd'|'scalar'} engine @param {number} [threads] */
const load = (engine, threads = 1) => loadMakemore({ engine, threads, wasmDir: WASM_DIR });

/** The native CLI's run of a preset: its JSON line with the losses. @param {string} preset */
function nativeRun(preset) {
  const r = native(['train', '--preset', preset, '--steps', String(STEPS), '--seed', String(SEED), '--reproducible', '--threads', '1',
    '--json', '--losses', '--samples', '8']);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
}

test('(a) 200 steps of wavenet76k-conv and wavenet-gated, reproducible: bitwise the native CLI\'s losses, eval losses and samples', { skip: noNative }, async () => {
  const modules = [await load('simd'), ...(noRelaxed ? [] : [await load('relaxed')])];
  for (const preset of PRESETS) {
    const want = nativeRun(preset);
    assert.equal(want.losses.length, STEPS);
    assert.equal(want.params, preset === 'wavenet76k-conv' ? 76579 : 75249);
    for (const mm of modules) {
      const t = mm.createTrainer({ words: NAMES, preset, seed: SEED, steps: STEPS, reproducible: true });
      const what = `${preset} on ${mm.engine}`;
      assert.equal(t.numParams, want.params, what);
      assert.deepEqual(t.splitSizes, want.split, what);
      const losses = t.run(STEPS);
      assert.deepEqual(bits(losses), bits(Float32Array.from(want.losses)), `${what}: losses`);
      const splits = mm.engine === 'simd' ? /** @type {const} */ ([['train_loss', 'train'], ['val_loss', 'val'], ['test_loss', 'test']]) : [];
      for (const [k, split] of splits) assert.equal(t.evaluate(split).toFixed(6), want[k].toFixed(6), `${what}: ${split} loss`);
      assert.deepEqual(t.sample({ count: 8, seed: SEED }), want.samples, `${what}: samples`);
      // the model learns: the last 20 steps' mean loss well under the first (about ln 27 = 3.30)
      const mean = (/** @type {Float32Array} */ a) => a.reduce((s, x) => s + x, 0) / a.length;
      assert.ok(losses[0] > 3.1 && losses[0] < 3.5, `${what}: first loss ${losses[0]}`);
      assert.ok(mean(losses.subarray(STEPS - 20)) < losses[0] - 0.5, `${what}: the loss falls`);
      t.free();
    }
  }
});

test('(a) the fast engine: 1 and 2 threads give bitwise the same 200 steps of both forms', { skip: noRelaxed }, async () => {
  const mm = await load('relaxed', 1);
  const ref = await load('simd');
  for (const preset of PRESETS) {
    /** @type {number[][]} */
    const runs = [];
    for (const n of [1, 2]) {
      await mm.setThreads(n);
      assert.equal(mm.threads, n);
      const t = mm.createTrainer({ words: NAMES, preset, seed: SEED, steps: STEPS });
      assert.equal(t.kernels, 'relaxed-simd');
      runs.push(bits(t.run(STEPS)));
      t.free();
    }
    assert.deepEqual(runs[1], runs[0], `${preset}: 2 threads as 1`);
    // and the fast engine's numbers are near the reference kernels' (fused multiply-adds round differently)
    const t = ref.createTrainer({ words: NAMES, preset, seed: SEED, steps: STEPS, reproducible: true });
    const r = t.run(STEPS);
    t.free();
    const fast = new Float32Array(new Uint32Array(runs[0]).buffer);
    assert.notDeepEqual(runs[0], bits(r), `${preset}: the fast engine runs its own kernels`);
    for (let i = 0; i < 20; i++) assert.ok(Math.abs(fast[i] - r[i]) < 1e-3, `${preset} step ${i}: fast ${fast[i]}, reference ${r[i]}`);
  }
  await mm.close();
});

/** The contexts of the first words of names.txt, as the lecture makes them (block 8). @param {number} n */
function contexts(n) {
  const X = new Uint16Array(n * 8);
  const tok = (/** @type {string} */ c) => c.charCodeAt(0) - 96; // names.txt: '.' 0, 'a'..'z' 1..26
  let i = 0;
  for (const w of NAMES.split('\n')) {
    const ctx = new Array(8).fill(0);
    for (const c of w + '.') {
      if (i === n) return X;
      X.set(ctx, i++ * 8);
      ctx.shift();
      ctx.push(c === '.' ? 0 : tok(c));
    }
  }
  return X;
}

test('(b) a wavenet76k file loaded as conv: the same eval logits and names, bitwise; saved, a conv file', async () => {
  const mm = await load('simd');
  const t = mm.createTrainer({ words: NAMES, preset: 'wavenet76k', seed: 3, steps: 300, reproducible: true });
  t.run(300); // trained: BatchNorm's running statistics are no longer 0 and 1
  const file = t.saveModel();
  t.free();
  const plain = mm.loadModel(file, { reproducible: true });
  const conv = mm.loadModel(file, { reproducible: true, form: 'conv' });
  assert.equal(plain.config.form, 0);
  assert.equal(conv.config.form, 1);
  // the same configuration but the family: the settings both read, and none of the lecture family's own
  const { nFlatLayers, bnMode, residual, ...common } = plain.config;
  assert.deepEqual([nFlatLayers, bnMode, residual], [1, 0, 0], 'the lecture family\'s own settings, at their defaults');
  assert.deepEqual({ ...conv.config, form: 0 }, common, 'the same configuration but the family');
  assert.deepEqual(conv.config, { ...mm.presetConfig('wavenet76k-conv'), vocabSize: 27 }, 'the wavenet76k-conv preset');
  assert.equal(conv.numParams, 76579);
  assert.deepEqual(conv.tensors().map((x) => x.name), plain.tensors().map((x) => x.name), 'the lecture\'s tensor names');
  assert.deepEqual(bits(conv.params()), bits(plain.params()));
  assert.deepEqual(bits(conv.buffers()), bits(plain.buffers()));
  const X = contexts(64);
  const a = plain.evalLogits(X);
  assert.equal(a.length, 64 * 27);
  assert.deepEqual(bits(conv.evalLogits(X)), bits(a), 'eval logits bitwise');
  for (const o of [{ count: 20, seed: 5 }, { count: 10, seed: 6, temperature: 0.7, topK: 5 }])
    assert.deepEqual(conv.sample(o), plain.sample(o), `names ${JSON.stringify(o)}`);
  // the index works as the name does; saved, the conv model is a conv file that loads as conv
  const byIndex = mm.loadModel(file, { reproducible: true, form: 1 });
  assert.deepEqual(byIndex.sample({ count: 5, seed: 1 }), plain.sample({ count: 5, seed: 1 }));
  const again = mm.loadModel(conv.save(), { reproducible: true });
  assert.equal(again.config.form, 1);
  assert.deepEqual(bits(again.evalLogits(X)), bits(a));
  // and back: the conv file as the examples form
  const back = mm.loadModel(conv.save(), { reproducible: true, form: 'examples' });
  assert.equal(back.config.form, 0);
  assert.deepEqual(bits(back.evalLogits(X)), bits(a));
  if (!noNative) { // the native CLI's sample --form conv: the same names as the JS API's
    const dir = mkdtempSync(path.join(tmpdir(), 'mm-forms-'));
    try {
      const f = path.join(dir, 'h.safetensors');
      writeFileSync(f, file);
      const r = native(['sample', '--model', f, '--form', 'conv', '--count', '20', '--seed', '5', '--json']);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), plain.sample({ count: 20, seed: 5 }));
      const info = native(['info', '--model', f, '--form', 'conv', '--json']);
      assert.equal(info.status, 0, info.stderr);
      assert.deepEqual(JSON.parse(info.stdout), {
        model: f, params: 76579, config: { vocab_size: '27', block_size: '8', n_embd: '24', n_hidden: '128', n_consec: '2', form: 'conv' },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  for (const m of [plain, conv, byIndex, again, back]) m.free();
});

test('(e) bad forms: an unknown name or index, a gated file as conv, a conv file as gated: clear errors', async () => {
  const mm = await load('simd');
  const files = Object.fromEntries(PRESETS.map((preset) => {
    const t = mm.createTrainer({ words: NAMES, preset, seed: 1, steps: 2 });
    t.run(2);
    const f = t.saveModel();
    t.free();
    return [preset, f];
  }));
  const gated = files['wavenet-gated'];
  const conv = files['wavenet76k-conv'];
  assert.throws(() => mm.loadModel(gated, { form: /** @type {any} */ ('convolutional') }), /model family must be examples, conv, gated, bigram, mlp, bow or rnn, not "convolutional"/);
  assert.throws(() => mm.loadModel(gated, { form: 7 }), /unknown model family 7 \(0\.\.6\)/);
  assert.throws(() => mm.loadModel(gated, { form: /** @type {any} */ (true) }), /form must be a form's name or index, got true/);
  assert.throws(() => mm.loadModel(gated, { form: 'conv' }), /^MakemoreError: its gated model does not load as the conv form: model file has no tensor 'layers\.2\.weight'$/);
  assert.throws(() => mm.loadModel(conv, { form: 'gated' }), /its conv model does not load as the gated form: a gated model needs at least 1 block/);
  assert.throws(() => mm.loadModel(gated.subarray(0, 100), { form: 'gated' }), /model file is 100 bytes, shorter than its/, 'a bad file: the loader\'s own message');
  assert.equal(mm.loadModel(gated, { form: 'gated' }).config.nBlocks, 3, 'its own form loads');
  if (!noNative) {
    const dir = mkdtempSync(path.join(tmpdir(), 'mm-forms-'));
    try {
      const f = path.join(dir, 'g.safetensors');
      writeFileSync(f, gated);
      const r = native(['sample', '--model', f, '--form', 'conv']);
      assert.equal(r.status, 1);
      assert.equal(r.stderr, `makemore: ${f}: its gated model does not load as the conv form: model file has no tensor 'layers.2.weight'\n`);
      const u = native(['info', '--model', f, '--form', 'convolutional']);
      assert.equal(u.status, 2);
      assert.equal(u.stderr, "makemore: --form takes examples, conv, gated, bigram, mlp, bow or rnn, not 'convolutional'\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
