// wasm.test.mjs: the WebAssembly builds through the JS API (wasm/makemore.mjs).
//
//   node --test tests/            (after the native and wasm builds; npm test does all)
//
// MM_WASM_DIR: folder of makemore-{simd,scalar}.wasm (default build-wasm/)
// MM_NATIVE_CLI: the native CLI (default build/makemore); its test is skipped if absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadMakemore, simdSupported, relaxedSimdSupported, MakemoreError } from '../wasm/makemore.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WASM_DIR = path.resolve(ROOT, process.env.MM_WASM_DIR ?? 'build-wasm');
const CLI = path.resolve(ROOT, process.env.MM_NATIVE_CLI ?? 'build/makemore');
const NAMES = readFileSync(path.join(ROOT, 'data/names.txt'));

/** @param {boolean} simd */
const load = (simd) => loadMakemore({ simd, wasmDir: pathToFileURL(WASM_DIR + '/') });

/** float32 bit patterns, for bitwise comparison */
const bits = (/** @type {Float32Array} */ a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

// wavenet76k-conv: the lecture's 76K model's tensors; wavenet-gated (V 27, R 54, C 54, S 108, k 2, 3 blocks, BatchNorm):
// 27*54 + 3*(108*108 + 108 + 54*108+108) + 2*(54*54+54) + (108*108+108) + (108*27+27) = 75249 (convs with biases, no BatchNorm)
const PARAMS = { mlp3: 12097, mlp8: 22097, wavenet22k: 22397, 'wavenet22k-bnbug': 22397, wavenet76k: 76579, 'wavenet76k-conv': 76579, 'wavenet-gated': 75249, bigram: 729,
  // makemore.py's models: its modules' shapes added up (tests/families-api.test.mjs)
  mlp: 69147, bow: 12827, rnn: 11803, gru: 28315, lstm: 36891 };
const SPLIT3 = [182625, 22655, 22866];
const SPLIT8 = [182473, 22827, 22846];

test('loader: SIMD detection and both builds load', async () => {
  assert.equal(simdSupported(), true, 'Node 20 runs wasm SIMD');
  const auto = await loadMakemore({ wasmDir: pathToFileURL(WASM_DIR), threads: 1 });
  assert.equal(auto.simd, true);
  const best = relaxedSimdSupported() ? 'relaxed' : 'simd'; // relaxed: node --experimental-wasm-relaxed-simd
  assert.equal(auto.engine, best);
  assert.equal(auto.wasmUrl, String(pathToFileURL(path.join(WASM_DIR, `makemore-${best}.wasm`))));
  for (const simd of [true, false]) {
    const mm = await load(simd);
    assert.equal(mm.simd, simd);
    assert.deepEqual(mm.presets.map((p) => p.name), ['mlp3', 'mlp8', 'wavenet22k-bnbug', 'wavenet22k', 'wavenet76k', 'wavenet76k-conv', 'wavenet-gated', 'bigram',
      'mlp', 'bow', 'rnn', 'gru', 'lstm']);
  }
  await assert.rejects(loadMakemore({ wasmUrl: pathToFileURL(path.join(WASM_DIR, 'missing.wasm')) }), /ENOENT/);
});

test('loader: an engine without SIMD gets the scalar build', async () => {
  const validate = WebAssembly.validate;
  WebAssembly.validate = () => false; // what an engine without simd128 answers for the probe
  try {
    assert.equal(simdSupported(), false);
    const mm = await loadMakemore({ wasmDir: pathToFileURL(WASM_DIR + '/') });
    assert.equal(mm.simd, false);
    assert.match(String(mm.wasmUrl), /makemore-scalar\.wasm$/);
    await assert.rejects(loadMakemore({ simd: true }), /does not support SIMD/);
  } finally {
    WebAssembly.validate = validate;
  }
});

test('words: names.txt parses', async () => {
  const mm = await load(true);
  const w = mm.parseWords(NAMES);
  assert.equal(w.nWords, 32033);
  assert.equal(w.maxLen, 15);
  assert.equal(w.vocabSize, 27);
  assert.equal(w.vocab.join(''), '.abcdefghijklmnopqrstuvwxyz');
  w.free();
  w.free(); // harmless
  assert.throws(() => w.handle, /after free/);
});

test('presets: parameter counts and the lecture split sizes', async () => {
  const mm = await load(true);
  for (const p of mm.presets) assert.equal(p.numParams, PARAMS[p.name], p.name);
  const words = mm.parseWords(NAMES);
  for (const [name, n] of Object.entries(PARAMS)) {
    const t = mm.createTrainer({ words, preset: name });
    assert.equal(t.numParams, n, name);
    assert.deepEqual(t.splitSizes, name === 'mlp3' || name === 'bigram' ? SPLIT3 : SPLIT8, name); // one shuffle, or two
    assert.equal(t.step, 0);
    t.free();
  }
  words.free();
});

/** The first `steps` losses of wavenet76k, seed 1, on build `simd`, the reproducible engine. */
async function losses76k(simd, steps = 50) {
  const mm = await load(simd);
  const t = mm.createTrainer({ words: NAMES.toString('utf8'), preset: 'wavenet76k', seed: 1, steps, reproducible: true });
  const l = t.run(steps);
  assert.equal(l.length, steps);
  assert.equal(t.step, steps);
  const p = t.params();
  t.free();
  return { losses: l, params: p };
}

test('scalar and SIMD builds give bitwise the same 50 steps of wavenet76k', async () => {
  const simd = await losses76k(true);
  const scalar = await losses76k(false);
  assert.ok(simd.losses.every(Number.isFinite));
  assert.ok(simd.losses[0] > 3.2 && simd.losses[0] < 3.4, `first loss ${simd.losses[0]} is about ln 27`);
  assert.ok(simd.losses[49] < simd.losses[0], 'the loss goes down');
  assert.deepEqual(bits(simd.losses), bits(scalar.losses));
  assert.deepEqual(bits(simd.params), bits(scalar.params), 'parameters after 50 steps');
});

test('the native CLI --reproducible gives bitwise the same 50 losses', { skip: !existsSync(CLI) && `no native CLI at ${CLI}` }, async () => {
  const { stdout } = await promisify(execFile)(
    CLI,
    ['train', '--preset', 'wavenet76k', '--steps', '50', '--seed', '1', '--json', '--losses', '--samples', '0', '--reproducible'],
    { cwd: ROOT, maxBuffer: 1 << 24 },
  );
  const line = stdout.split('\n').find((s) => s.includes('"losses"'));
  assert.ok(line, `no "losses" line in the CLI output:\n${stdout}`);
  const native = Float32Array.from(JSON.parse(line).losses.map(Math.fround));
  const { losses } = await losses76k(true);
  assert.equal(native.length, 50);
  assert.deepEqual(bits(losses), bits(native));
});

test('bad inputs throw clear errors and the trainer still works', async () => {
  const mm = await load(true);
  const words = mm.parseWords(NAMES);
  const t = mm.createTrainer({ words, preset: 'mlp3', seed: 7 });
  const ref = mm.createTrainer({ words, preset: 'mlp3', seed: 7 });
  const isCore = (/** @type {RegExp} */ re, /** @type {number} */ code) => (/** @type {any} */ e) =>
    e instanceof MakemoreError && e.code === code && re.test(e.message);

  t.run(3);
  assert.throws(() => mm.parseWords(''), isCore(/empty/, 3));
  assert.throws(() => mm.parseWords('\n \n'), isCore(/no words/, 3));
  assert.throws(() => mm.parseWords(new Uint8Array([0xff, 0xfe, 0x00, 0x81, 10, 0xc3])), isCore(/UTF-8|binary|NUL/, 3));
  assert.throws(() => mm.parseWords(new Uint8Array([97, 0, 98, 10])), isCore(/NUL|binary/, 3));
  assert.throws(
    () => mm.createTrainer({ words, config: { blockSize: 6, nEmbd: 10, nHidden: 20, nConsec: 2 } }),
    isCore(/block size \(6\).*power/, 1),
  );
  assert.throws(() => mm.createTrainer({ words, preset: 'nope' }), isCore(/unknown preset 'nope'/, 1));
  assert.throws(() => mm.createTrainer({ words, preset: 'mlp3', batchSize: 1 }), isCore(/batch size/, 1));
  assert.throws(() => mm.createTrainer({ words, preset: 'mlp3', lr: NaN }), isCore(/learning rate/, 1));
  assert.throws(() => mm.createTrainer({ words: 'onlyone', preset: 'mlp3' }), isCore(/at least 2 words/, 3));
  assert.throws(() => mm.createTrainer({ words }), /preset or a config/);
  assert.throws(() => mm.numParams({ vocabSize: 27, blockSize: 0, nEmbd: 10, nHidden: 10 }), isCore(/block size 0/, 1));

  const garbage = new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 24);
  assert.throws(() => mm.loadModel(garbage), isCore(/not a model file/, 5));
  assert.throws(() => mm.loadModel(new Uint8Array(0)), isCore(/shorter than the header/, 5));
  const good = t.save();
  assert.throws(() => mm.loadModel(good.subarray(0, good.length - 1)), isCore(/bytes/, 5));
  assert.throws(() => mm.loadModel(new Uint8Array([...good, 0])), isCore(/bytes/, 5));
  const absurd = good.slice();
  absurd[4] = 9; // header length + 9 * 2^32
  assert.throws(() => mm.loadModel(absurd), isCore(/header length .* absurd/, 5));
  const badBlock = good.slice();
  badBlock[Buffer.from(good).indexOf('"block_size":"3"') + 14] = 0x30; // block_size "0"
  assert.throws(() => mm.loadModel(badBlock), isCore(/configuration/, 5));
  const nan = good.slice();
  new DataView(nan.buffer).setFloat32(nan.length - 4, NaN, true);
  assert.throws(() => mm.loadModel(nan), isCore(/finite/, 5));

  assert.throws(() => t.sample({ prefix: 'Z', seed: 1 }), isCore(/vocabulary/, 1));
  assert.throws(() => t.sample({ temperature: -1 }), isCore(/temperature/, 1));
  assert.throws(() => t.run(-1), RangeError);
  assert.throws(() => t.evaluate(/** @type {any} */ ('dev')), RangeError);

  // Unchanged by all that: the next steps are those of an untouched twin.
  ref.run(3);
  assert.deepEqual(bits(t.run(5)), bits(ref.run(5)));
  assert.equal(t.step, 8);
  assert.ok(Number.isFinite(t.evaluate('val')));
  t.free();
  ref.free();
  words.free();
});

test('a diverging step throws, keeps the losses so far, and leaves the model as it was', async () => {
  const mm = await load(true);
  const t = mm.createTrainer({ words: NAMES.toString('utf8'), preset: 'mlp3', lr: 1e29 });
  const diverged = (/** @type {any} */ e) =>
    e instanceof MakemoreError && e.code === 4 && /step/.test(e.message) && e.losses instanceof Float32Array;
  assert.throws(() => t.run(10), diverged);
  const step = t.step;
  assert.ok(step < 10);
  const after = t.params();
  assert.throws(() => t.run(1), diverged);
  assert.equal(t.step, step);
  assert.deepEqual(bits(t.params()), bits(after), 'a failed step changes nothing');
  t.free();
});

test('run stops at the total steps; sampling options', async () => {
  const mm = await load(true);
  const t = mm.createTrainer({ words: NAMES, preset: 'mlp3', steps: 30, batchSize: 64 });
  assert.equal(t.run(20).length, 20);
  assert.equal(t.run(20).length, 10);
  assert.equal(t.run(5).length, 0);
  assert.equal(t.step, 30);
  // a large n runs what is left, in the same call (its losses' buffer is for those steps, not for n)
  const u = mm.createTrainer({ words: NAMES, preset: 'mlp3', steps: 12, batchSize: 64 });
  assert.equal(u.run(1e9).length, 12);
  assert.equal(u.run(2 ** 31 - 1).length, 0);
  u.setSchedule({ steps: 2 ** 31 - 1 }); // more left than one call's buffer can hold: refused, naming it
  assert.throws(() => u.run(2 ** 31 - 1), (e) => e instanceof RangeError && /at most 67108864 steps in one call/.test(e.message));
  assert.equal(u.step, 12);
  u.free();
  assert.deepEqual(t.sample({ count: 0 }), []);
  const a = t.sample({ count: 4 });
  const b = t.sample({ count: 4 });
  assert.notDeepEqual(a, b, "the trainer's own generator moves on");
  assert.deepEqual(t.sample({ count: 4, seed: 9 }), t.sample({ count: 4, seed: 9 }));
  assert.ok(t.sample({ count: 10, maxLen: 3, seed: 1 }).every((s) => [...s].length <= 3));
  t.free();
  assert.throws(() => t.run(1), /Trainer used after free/);
});

test('save and load: a loaded model samples exactly like the original', async () => {
  const mm = await load(true);
  const words = mm.parseWords(NAMES);
  const t = mm.createTrainer({ words, preset: 'wavenet22k', seed: 3 });
  t.run(200);
  const bytes = t.save();
  const m = mm.loadModel(bytes);
  assert.deepEqual(m.config, t.config);
  assert.deepEqual(m.vocab, t.vocab);
  assert.equal(m.numParams, t.numParams);
  assert.deepEqual(bits(m.params()), bits(t.params()));
  const opts = { count: 20, seed: 11, temperature: 0.8 };
  const a = t.sample(opts);
  assert.equal(a.length, 20);
  assert.ok(a.every((s) => /^[a-z]*$/.test(s)), a.join(' '));
  assert.deepEqual(m.sample(opts), a);
  assert.deepEqual(m.sample({ ...opts, prefix: 'ma' }), t.sample({ ...opts, prefix: 'ma' }));
  assert.ok(m.sample({ count: 5, prefix: 'ma', seed: 1 }).every((s) => s.startsWith('ma')));
  assert.deepEqual(m.save(), bytes, 'saving again gives the same bytes');

  // In another instance (the scalar build), and continuing training from it.
  const mm2 = await load(false);
  const m2 = mm2.loadModel(bytes);
  assert.deepEqual(m2.sample(opts), a);
  const t2 = mm2.createTrainer({ words: NAMES.toString('utf8'), preset: 'wavenet22k', seed: 3, from: m2 });
  assert.deepEqual(bits(t2.params()), bits(t.params()));
  assert.throws(() => mm2.createTrainer({ words: NAMES.toString('utf8'), preset: 'mlp3', from: m2 }), /differ/);
  m.free();
  m2.free();
  t2.free();
  t.free();
  words.free();
});

test('memory: 200 create/free cycles do not grow wasm memory', async () => {
  const mm = await load(true);
  const words = mm.parseWords(NAMES);
  let settled = 0;
  for (let i = 0; i < 200; i++) {
    const t = mm.createTrainer({ words, preset: i % 2 ? 'mlp3' : 'wavenet76k', seed: i });
    t.run(2);
    t.sample({ count: 2 });
    const m = mm.loadModel(t.save());
    m.sample({ count: 1, seed: i });
    m.free();
    t.free();
    const w = mm.parseWords('anna\nbob\ncarl\n');
    w.free();
    if (i === 4) settled = mm.memoryBytes;
  }
  assert.equal(mm.memoryBytes, settled, `memory grew from ${settled} to ${mm.memoryBytes} bytes`);
  words.free();
});

test('results stay valid after wasm memory grows', async () => {
  const mm = await load(true);
  const words = mm.parseWords(NAMES);
  const t = mm.createTrainer({ words, preset: 'wavenet76k', seed: 5 });
  const losses = t.run(5);
  const lossesCopy = losses.slice();
  const params = t.params();
  const paramsCopy = params.slice();
  const before = mm.memoryBytes;
  const big = mm.createTrainer({ words, preset: 'wavenet76k', seed: 5, batchSize: 4096 });
  assert.ok(mm.memoryBytes > before, `memory grew (${before} -> ${mm.memoryBytes})`);
  assert.equal(big.run(1).length, 1);
  assert.deepEqual(bits(losses), bits(lossesCopy));
  assert.deepEqual(bits(params), bits(paramsCopy));
  assert.deepEqual(bits(t.params()), bits(paramsCopy));
  assert.equal(t.run(3).length, 3);
  assert.equal(t.vocab.length, 27);
  assert.equal(t.sample({ count: 3, seed: 1 }).length, 3);
  big.free();
  t.free();
  words.free();
});

test('evaluation in parts equals the whole; the schedule can change mid-run', async () => {
  const mm = await load(true);
  const t = mm.createTrainer({ words: NAMES, preset: 'mlp3', seed: 3, steps: 1000 });
  try {
    t.run(200);
    const n = t.splitSizes[1];
    let total = 0;
    for (let at = 0; at < n; at += 5000) total = t.evaluatePart('val', at, Math.min(5000, n - at), total);
    assert.equal(Math.fround(total / n), t.evaluate('val'));
    assert.throws(() => t.evaluatePart('val', n - 1, 2), /outside/);
    assert.throws(() => t.setSchedule({ lr: NaN }), /learning rate/);
    t.setSchedule({ steps: 250, lr: 0.05 });
    assert.equal(t.state.lr, 0.05);
    assert.equal(t.run(100).length, 50, 'the new total of 250 steps was not kept');
    assert.equal(t.step, 250);
  } finally {
    t.free();
  }
});

test('sizes that wrap in 32 bits are refused on wasm32, not overflowed', async () => {
  const mm = await load(true);
  // 2^32 + 36866 parameters: a 32-bit sum would see 36866
  assert.throws(() => mm.numParams({ vocabSize: 2, blockSize: 256, nEmbd: 2048, nHidden: 8192 }), /too large/);
  assert.throws(() => mm.createModel({ vocabSize: 2, blockSize: 256, nEmbd: 8192, nHidden: 1 }, { maxBatch: 65536 }), /too large/);
  const t = mm.createTrainer({ words: NAMES, preset: 'mlp3', steps: 100 });
  try {
    assert.throws(() => t.setSchedule({ steps: 3e9 }), /whole numbers/);
    assert.throws(() => t.setSchedule({ steps: 1.5 }), /whole numbers/);
    assert.equal(t.run(5).length, 5, 'the trainer works after refused settings');
  } finally {
    t.free();
  }
});

test('the fast engine\'s embedding tables past 2^31 values are not sized in 32 bits (the reference engine agrees)', { skip: !relaxedSimdSupported() && 'no relaxed SIMD here' }, async () => {
  // 1023 symbols (V 1024), block 256, hidden 4096: the first layer's tables would hold 2 * 256 * 1024 * 4096 = 2^31
  // values, which a 32-bit long wraps to a negative size (a heap overflow at the first step, before the fix)
  const words = Array.from({ length: 341 }, (_, i) => String.fromCodePoint(0x4e00 + 3 * i, 0x4e01 + 3 * i, 0x4e02 + 3 * i)).join('\n');
  const mm = await loadMakemore({ threads: 1, wasmDir: pathToFileURL(WASM_DIR + '/') });
  const opts = { words, config: { blockSize: 256, nEmbd: 1, nHidden: 4096, nConsec: 0 }, batchSize: 2048, steps: 2, seed: 3 };
  const loss = (/** @type {boolean} */ reproducible) => {
    const t = mm.createTrainer({ ...opts, reproducible });
    try {
      assert.equal(t.config.vocabSize, 1024);
      return t.run(1)[0];
    } finally {
      t.free();
    }
  };
  const fast = loss(false), ref = loss(true);
  assert.ok(Math.abs(fast - ref) < 1e-4, `fast ${fast} vs reference ${ref}`);
  await mm.close();
});

test('sampling: top-k and top-p (k = 1 is greedy; every token among the k most likely; the native CLI agrees)', async () => {
  const mm = await load(true);
  const t = mm.createTrainer({ words: NAMES, preset: 'mlp3', seed: 5, reproducible: true });
  t.run(2000);
  const m = mm.loadModel(t.saveModel(), { reproducible: true });
  const greedy = m.sample({ count: 1, temperature: 0 })[0];
  assert.deepEqual(m.sample({ count: 3, topK: 1, seed: 2 }), [greedy, greedy, greedy]);
  assert.deepEqual(m.sample({ count: 8, topK: 27, seed: 4 }), m.sample({ count: 8, seed: 4 }), 'top-k = V filters nothing');
  // replay each word through evalLogits: the token taken at each step has rank < k
  const bs = m.config.blockSize;
  const rankOf = (/** @type {string} */ w, k) => {
    const ctx = new Uint16Array(bs);
    for (const ch of [...w, '.']) {
      const tok = m.vocab.indexOf(ch);
      const lg = m.evalLogits(ctx);
      const rank = [...lg].filter((x, v) => x > lg[tok] || (x === lg[tok] && v < tok)).length;
      assert.ok(rank < k, `'${w}': '${ch}' has rank ${rank}, k ${k}`);
      ctx.copyWithin(0, 1);
      ctx[bs - 1] = tok;
    }
  };
  const k3 = m.sample({ count: 30, topK: 3, seed: 6 });
  k3.forEach((w) => rankOf(w, 3));
  assert.ok(new Set(k3).size > 5, k3.join(' '));
  assert.throws(() => m.sample({ topK: -1 }), /topK/);
  for (const topP of [0, 1.5, NaN])
    assert.throws(() => m.sample({ topP }), (/** @type {any} */ e) => e instanceof MakemoreError && e.code === 1 && /top-p/.test(e.message));
  if (existsSync(CLI)) {
    const dir = mkdtempSync(path.join(tmpdir(), 'mm-topk-'));
    const file = path.join(dir, 'model.safetensors');
    writeFileSync(file, m.save());
    const { stdout } = await promisify(execFile)(CLI, ['sample', '--model', file, '--count', '12', '--seed', '3', '--top-k', '4', '--top-p', '0.9', '--temperature', '0.9', '--json']);
    // one sampling seed rule (mm_sample_seed): the JS API's seed 3 is the CLI's --seed 3
    assert.deepEqual(JSON.parse(stdout), m.sample({ count: 12, seed: 3, topK: 4, topP: 0.9, temperature: 0.9 }));
    rmSync(dir, { recursive: true, force: true });
  }
  m.free();
  t.free();
});
