// model_files.test.mjs: model files (safetensors) and checkpoints through the JS API.
//   node --test tests/model_files.test.mjs     (after the native and wasm builds)
// MM_WASM_DIR: folder of the .wasm files (default build-wasm/); MM_NATIVE_CLI (default build/makemore).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadMakemore, MakemoreError } from '../wasm/makemore.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WASM_DIR = path.resolve(ROOT, process.env.MM_WASM_DIR ?? 'build-wasm');
const CLI = path.resolve(ROOT, process.env.MM_NATIVE_CLI ?? 'build/makemore');
const FIXTURES = path.join(ROOT, 'tests/fixtures');
const NAMES = readFileSync(path.join(ROOT, 'data/names.txt'));
const load = (/** @type {boolean} */ simd) => loadMakemore({ simd, wasmDir: pathToFileURL(WASM_DIR + '/') });
const bits = (/** @type {Float32Array} */ a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const isFormat = (/** @type {RegExp} */ re) => (/** @type {any} */ e) => e instanceof MakemoreError && e.code === 5 && re.test(e.message);

/** @param {Uint8Array} b @returns {{meta: Record<string,string>, header: any, dataStart: number}} */
function parseFile(b) {
  const n = Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + n)));
  return { meta: header.__metadata__, header, dataStart: 8 + n };
}

test('trainer.save() is a safetensors checkpoint; loadModel reads it; saveModel() has no state', async () => {
  const mm = await load(true);
  const words = mm.parseWords(NAMES);
  const t = mm.createTrainer({ words, preset: 'wavenet22k', seed: 3, steps: 500, decayStep: 300, lrDecayed: 0.02 });
  t.run(50);
  const ck = t.save();
  const { meta, header, dataStart } = parseFile(ck);
  assert.equal(dataStart % 8, 0, 'data 8-aligned');
  assert.equal(meta.format, 'makemore-wasm/1');
  assert.deepEqual(JSON.parse(meta.vocab), t.vocab);
  assert.equal(meta.block_size, '8');
  assert.equal(meta.bn_mode, 'fixed');
  assert.equal(meta.step, '50');
  assert.equal(meta.lr_decayed, '0.0199999996');
  assert.deepEqual(header['layers.2.weight'], { dtype: 'F32', shape: [20, 68], data_offsets: [1080, 6520] });
  const { batchRng, dataHash, ...state } = t.state;
  assert.deepEqual(state, {
    step: 50, steps: 500, batchSize: 32, lr: 0.1, lrDecayed: 0.02, decayStep: 300, seed: 3, optimizer: 0, optimizerStep: 0,
    splitSeed: 42, splitShuffles: 2, splitSizes: [182473, 22827, 22846],
  });
  assert.equal(meta.optimizer, undefined, 'SGD at its default: not written (the files before it had no optimizer)');
  assert.equal(meta.optimizer_step, undefined, 'SGD keeps no state');
  assert.equal(String(batchRng), meta.batch_rng);
  assert.equal(dataHash, meta.data_hash);
  assert.match(dataHash, /^fnv1a64:[0-9a-f]{16}$/);
  assert.deepEqual(t.data, { splitSeed: 42, splitShuffles: 2 });

  const m = mm.loadModel(ck);
  assert.deepEqual(m.training, t.state);
  assert.deepEqual(m.config, t.config);
  assert.deepEqual(bits(m.params()), bits(t.params()));
  assert.deepEqual(m.save(), ck, 'a loaded checkpoint saves back to the same bytes');
  const plain = t.saveModel();
  assert.ok(plain.length < ck.length);
  assert.equal(parseFile(plain).meta.step, undefined);
  assert.equal(parseFile(plain).meta.split_shuffles, '2', 'a plain model file records its split\'s shuffles');
  assert.equal(parseFile(plain).meta.split_seed, undefined, 'but not its seed (only checkpoints carry split_seed)');
  const m2 = mm.loadModel(plain.buffer); // an ArrayBuffer works too
  assert.equal(m2.training, null);
  assert.deepEqual(m2.data, { splitSeed: 42, splitShuffles: 2 });
  assert.deepEqual(m2.save(), plain);
  assert.deepEqual(m2.sample({ count: 8, seed: 4 }), t.sample({ count: 8, seed: 4 }));
  assert.throws(() => mm.resumeTrainer({ checkpoint: plain, words }), isFormat(/no training state/));
  m.free();
  m2.free();
  t.free();
  words.free();
});

test('resume: N steps, save, resume, N steps == 2N steps in one go (bitwise), across SIMD and scalar builds; SGD and AdamW', async () => {
  const simd = await load(true);
  const scalar = await load(false);
  const N = 150;
  const ADAMW = { optimizer: 'adamw', lr: 0.005, lrDecayed: 0.002, beta2: 0.95 };
  for (const [preset, optimizer] of [['mlp3', {}], ['wavenet22k-bnbug', {}], ['wavenet76k', {}], ['wavenet22k', ADAMW], ['bigram', ADAMW]]) {
    const opts = { preset, seed: 9, steps: 2 * N, decayStep: N + 20, lr: 0.1, lrDecayed: 0.05, reproducible: true, ...optimizer };
    const a = simd.createTrainer({ words: NAMES, ...opts });
    const full = a.run(2 * N);
    const b = simd.createTrainer({ words: NAMES, ...opts });
    const first = b.run(N);
    const ck = b.save();
    const saved = b.state;
    b.free();
    for (const mm of [simd, scalar]) {
      const c = mm.resumeTrainer({ checkpoint: ck, words: NAMES.toString('utf8'), reproducible: true });
      assert.equal(c.step, N);
      assert.deepEqual(c.state, saved);
      const steps = optimizer.optimizer ? { optimizerStep: 2 * N } : {}; // AdamW counts its updates (SGD keeps none)
      assert.deepEqual({ ...c.state, step: 2 * N, batchRng: 0, ...steps }, { ...a.state, batchRng: 0 }, 'the schedule and split are the run\'s');
      if (optimizer.optimizer) assert.equal(c.state.optimizerStep, N, 'the resumed AdamW has made N updates');
      assert.equal(c.numParams, a.numParams);
      const second = c.run(2 * N); // stops at the schedule's end
      assert.equal(second.length, N);
      assert.deepEqual([...bits(first), ...bits(second)], bits(full), `${preset} (${mm.simd ? 'simd' : 'scalar'}): losses`);
      assert.deepEqual(bits(c.params()), bits(a.params()), `${preset}: parameters`);
      assert.deepEqual(c.save(), a.save(), `${preset}: the final checkpoints are the same bytes`);
      assert.deepEqual(c.sample({ count: 5, seed: 1 }), a.sample({ count: 5, seed: 1 }));
      c.free();
    }
    a.free();
  }
});

test('resume is refused on another word list, and the module keeps working', async () => {
  const mm = await load(true);
  const t = mm.createTrainer({ words: NAMES, preset: 'mlp3', steps: 100 });
  t.run(5);
  const ck = t.save();
  const other = NAMES.toString('utf8').split('\n').slice(1).join('\n');
  assert.throws(() => mm.resumeTrainer({ checkpoint: ck, words: other }), (/** @type {any} */ e) => e instanceof MakemoreError && /not the one this checkpoint/.test(e.message));
  assert.throws(() => mm.resumeTrainer({ checkpoint: ck, words: 'anna\nbob\n' }), /symbols/);
  assert.throws(() => mm.resumeTrainer(/** @type {any} */ ({ words: NAMES })), TypeError);
  assert.throws(() => mm.loadModel(/** @type {any} */ ('not bytes')), TypeError);
  const c = mm.resumeTrainer({ checkpoint: ck, words: NAMES });
  assert.equal(c.run(3).length, 3);
  c.free();
  t.free();
});

test('hostile files are refused with a clear MakemoreError', async () => {
  const mm = await load(true);
  const t = mm.createTrainer({ words: NAMES, preset: 'mlp3', seed: 2 });
  t.run(2);
  const good = t.saveModel();
  const { header, dataStart } = parseFile(good);
  /** @param {(h: any) => void} edit */
  const withHeader = (edit, data = good.subarray(dataStart)) => {
    const h = structuredClone(header);
    edit(h);
    const json = new TextEncoder().encode(JSON.stringify(h));
    const out = new Uint8Array(8 + json.length + data.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    out.set(data, 8 + json.length);
    return out;
  };
  assert.ok(mm.loadModel(withHeader(() => {})), 'an unpadded header from JSON.stringify loads');
  const huge = good.slice();
  new DataView(huge.buffer).setBigUint64(0, 1n << 63n, true);
  assert.throws(() => mm.loadModel(huge), isFormat(/absurd/));
  assert.throws(() => mm.loadModel(good.subarray(0, good.length - 1)), isFormat(/bytes/));
  assert.throws(() => mm.loadModel(good.subarray(0, 100)), isFormat(/shorter than its/));
  assert.throws(() => mm.loadModel(withHeader((h) => { h['layers.0.weight'].dtype = 'F16'; h['layers.0.weight'].shape[1] *= 2; })), isFormat(/dtype F16/));
  assert.throws(() => mm.loadModel(withHeader((h) => { h['layers.0.weight'].shape.reverse(); })), isFormat(/shape/));
  assert.throws(() => mm.loadModel(withHeader((h) => { delete h['layers.5.bias']; }, good.subarray(dataStart, good.length - 27 * 4))), isFormat(/no tensor 'layers.5.bias'/));
  assert.throws(() => mm.loadModel(withHeader((h) => { h['layers.0.weight'].data_offsets = [4, h['layers.0.weight'].data_offsets[1] + 4]; })), isFormat(/outside|hole|overlap/));
  assert.throws(() => mm.loadModel(withHeader((h) => { h.__metadata__.vocab_size = '5000'; })), isFormat(/vocab_size/));
  assert.throws(() => mm.loadModel(withHeader((h) => { h.__metadata__.format = 'other'; })), isFormat(/not supported/));
  const nan = good.slice();
  new DataView(nan.buffer).setFloat32(dataStart + 8, NaN, true);
  assert.throws(() => mm.loadModel(nan), isFormat(/finite/));
  const deep = new TextEncoder().encode('{"a":' + '['.repeat(100000));
  const deepFile = new Uint8Array(8 + deep.length);
  new DataView(deepFile.buffer).setBigUint64(0, BigInt(deep.length), true);
  deepFile.set(deep, 8);
  assert.throws(() => mm.loadModel(deepFile), isFormat(/expected '\{'/));
  const bad8 = good.slice();
  bad8[dataStart - 20] = 0xff; // inside the header (padding or JSON)
  assert.throws(() => mm.loadModel(bad8), isFormat(/header/));
  assert.deepEqual(t.sample({ count: 3, seed: 1 }), mm.loadModel(good).sample({ count: 3, seed: 1 }), 'still works');
  t.free();
});

test('files from PyTorch (tests/fixtures/st_torch_*) load in wasm and give torch\'s eval logits', async () => {
  const mm = await load(true);
  for (const name of ['st_torch_hier', 'st_torch_hier_bnbug', 'st_torch_flat2', 'st_c_hier_bnbug', 'st_c_flat2']) {
    const m = mm.loadModel(readFileSync(path.join(FIXTURES, name + '.safetensors')));
    const ref = readFileSync(path.join(FIXTURES, name + '.ref'));
    const dv = new DataView(ref.buffer, ref.byteOffset, ref.byteLength);
    const [B, T, V] = [dv.getUint32(8, true), dv.getUint32(12, true), dv.getUint32(16, true)];
    const X = Uint16Array.from({ length: B * T }, (_, i) => dv.getInt32(20 + 4 * i, true));
    const want = Float32Array.from({ length: B * V }, (_, i) => dv.getFloat32(20 + 4 * B * T + 4 * i, true));
    assert.equal(m.config.blockSize, T);
    const got = m.evalLogits(X);
    let bad = 0;
    for (let i = 0; i < want.length; i++) if (!(Math.abs(got[i] - want[i]) <= 1e-5 + 1e-4 * Math.abs(want[i]))) bad++;
    assert.equal(bad, 0, `${name}: ${bad} logits differ from torch's`);
    assert.equal(m.sample({ count: 4, seed: 1 }).length, 4);
    m.free();
  }
});

test('a text file given as a model file: the message says it is not a safetensors model file, in both CLIs and the API', async () => {
  const mm = await load(true);
  const want = 'not a model file: this looks like a text file (it starts "emma\\nolivia\\nava\\n..."), not a safetensors model file';
  assert.throws(() => mm.loadModel(NAMES), (/** @type {any} */ e) => e instanceof MakemoreError && e.code === 5 && e.message === want);
  // bytes that are no text: what a safetensors file's first 8 bytes are, and what these give
  const junk = Uint8Array.from([0x6e, 0x9e, 0x3c, 0xda, 0x79, 0x17, 0xb5, 0x54, 1, 2, 3]);
  assert.throws(() => mm.loadModel(junk), isFormat(/^not a model file: not a safetensors file, whose first 8 bytes give its header's length: these give a header length of 6103810682090462830 bytes, absurd \(this reader's limit is 1048576\)$/));
  const run = promisify(execFile);
  const clis = [[process.execPath, [path.join(ROOT, 'bin/makemore-wasm.mjs')], 'makemore-wasm'], ...(existsSync(CLI) ? [[CLI, [], 'makemore']] : [])];
  for (const [bin, pre, name] of /** @type {[string, string[], string][]} */ (clis)) {
    const r = await run(bin, [...pre, 'sample', '--model', 'data/names.txt'], { cwd: ROOT }).then(() => null, (e) => e);
    assert.ok(r, `${name} sample --model data/names.txt failed`);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `${name}: data/names.txt: ${want}\n`);
  }
});

test('the native CLI and wasm share one format', { skip: !existsSync(CLI) && `no native CLI at ${CLI}` }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mm-files-'));
  try {
    const file = path.join(dir, 'm.safetensors');
    const run = promisify(execFile);
    await run(CLI, ['train', '--preset', 'wavenet22k', '--steps', '300', '--seed', '5', '--samples', '0', '--no-eval', '--reproducible', '--save', file], { cwd: ROOT });
    const { stdout } = await run(CLI, ['sample', '--model', file, '--count', '10', '--seed', '17', '--temperature', '0.7', '--json'], { cwd: ROOT });
    const mm = await load(true);
    const bytes = readFileSync(file);
    const m = mm.loadModel(bytes);
    // one sampling seed rule (mm_sample_seed): the JS API's seed 17 is the CLI's --seed 17
    assert.deepEqual(m.sample({ count: 10, seed: 17, temperature: 0.7 }), JSON.parse(stdout));
    // the same training in wasm saves the same model file, byte for byte
    const t = mm.createTrainer({ words: NAMES, preset: 'wavenet22k', steps: 300, seed: 5, reproducible: true });
    t.run(300);
    assert.deepEqual(t.saveModel(), new Uint8Array(bytes));
    t.free();
    m.free();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a residual model (config.residual, Add layers): saved with "residual", loaded the same; files without it are as before', async () => {
  const mm = await load(true);
  const config = { blockSize: 4, nEmbd: 6, nHidden: 20, nFlatLayers: 3, residual: 1 };
  const t = mm.createTrainer({ words: NAMES, preset: 'mlp3', config, seed: 5, reproducible: true });
  const plain = mm.createTrainer({ words: NAMES, preset: 'mlp3', config: { ...config, residual: 0 }, seed: 5, reproducible: true });
  assert.equal(t.numParams, plain.numParams, 'an Add has no parameters');
  const [a, b] = [t.run(60), plain.run(60)];
  assert.ok(a.every(Number.isFinite) && a[0] !== b[0], 'the residual model computes something else from the same weights');
  const bytes = t.saveModel();
  assert.equal(parseFile(bytes).meta.residual, '1');
  assert.equal(parseFile(plain.saveModel()).meta.residual, undefined, 'a model without residual connections writes no key');
  const m = mm.loadModel(bytes, { reproducible: true });
  assert.equal(m.config.residual, 1);
  // Embedding, Flatten, 3 x (Linear, BatchNorm1d, Tanh), an Add after the 2nd and 3rd (layers 8, 12), the Linear to the logits
  assert.deepEqual(m.tensors().filter((x) => x.name.endsWith('weight')).map((x) => x.name),
    ['layers.0.weight', 'layers.2.weight', 'layers.5.weight', 'layers.9.weight', 'layers.13.weight']);
  assert.deepEqual(bits(m.params()), bits(t.params()));
  const again = mm.loadModel(m.save(), { reproducible: true });
  const X = new Uint16Array(4 * 4).map((_, i) => (i * 7) % 27);
  assert.deepEqual(bits(again.evalLogits(X)), bits(m.evalLogits(X)));
  again.free();
  assert.throws(() => mm.createTrainer({ words: NAMES, preset: 'wavenet22k', config: { residual: 1 } }), /residual connections need a flat model/);
  assert.throws(() => mm.createTrainer({ words: NAMES, preset: 'mlp3', config: { residual: 2 } }), /residual connections 2 is outside 0\.\.1/);
  for (const o of [t, plain, m]) o.free();
});
