// old-files.test.mjs: model files written by an earlier build load in every wasm module and give
// bitwise the numbers that build computed (tests/fixtures/main-2026-12-01.ref, see tests/test_old_files.c).
//   node --experimental-wasm-relaxed-simd --test tests/old-files.test.mjs   (MM_WASM_DIR: the .wasm folder)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { loadMakemore, relaxedSimdSupported } from '../wasm/makemore.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WASM_DIR = path.resolve(ROOT, process.env.MM_WASM_DIR ?? 'build-wasm');
const FIXTURES = path.join(ROOT, 'tests/fixtures');
const NAMES = readFileSync(path.join(ROOT, 'data/names.txt'));
/** @type {Map<string, string[]>} key -> values of the recorded line */
const REF = new Map(
  readFileSync(path.join(FIXTURES, 'main-2026-12-01.ref'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [k, ...v] = l.split(' ');
      return [k, v];
    }),
);
// The names were drawn from a generator seeded 7 (mm_rng_seed in test_old_files.c); the JS API seeds by
// the sampling rule, mm_sample_seed(seed, 0) = seed ^ 0x9E3779B97F4A7C15, so this seed gives that generator.
const RNG7 = 7n ^ 0x9e3779b97f4a7c15n;
const hex = (/** @type {number} */ x) => new Uint32Array(new Float32Array([x]).buffer)[0].toString(16).padStart(8, '0');

/** The fixed contexts of test_old_files.c: a 32-bit LCG over the vocabulary. @param {number} block @param {number} vocab */
function contexts(block, vocab) {
  let s = 12345;
  const X = new Uint16Array(64 * block);
  for (let i = 0; i < X.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    X[i] = (s >>> 16) % vocab;
  }
  return X;
}

/** @param {Float32Array} logits @returns {string[]} the first 8 as bits and an FNV-1a 64 of all their bytes */
function logitsLine(logits) {
  const bytes = new Uint8Array(logits.buffer, logits.byteOffset, logits.byteLength);
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return [...Array.from(logits.subarray(0, 8), hex), h.toString(16).padStart(16, '0')];
}

const engines = /** @type {const} */ (relaxedSimdSupported() ? ['relaxed', 'simd', 'scalar'] : ['simd', 'scalar']);
for (const engine of engines) {
  test(`${engine}: the mlp3 model file of 2026-12-01 gives its logits and names`, async () => {
    const mm = await loadMakemore({ engine, threads: 1, wasmDir: pathToFileURL(WASM_DIR + '/') });
    const bytes = readFileSync(path.join(FIXTURES, 'main-2026-12-01-mlp3.safetensors'));
    const m = mm.loadModel(bytes, { reproducible: true });
    assert.equal(m.training, null);
    assert.deepEqual(m.save(), new Uint8Array(bytes), 'saved again: the same bytes');
    assert.deepEqual([m.config.blockSize, m.config.nEmbd, m.config.nHidden, m.config.nConsec], [3, 10, 200, 0]);
    assert.deepEqual(logitsLine(m.evalLogits(contexts(3, m.config.vocabSize))), REF.get('mlp3.logits'));
    assert.deepEqual(m.sample({ count: 8, seed: RNG7 }), REF.get('mlp3.names'));
    m.free();
  });

  test(`${engine}: the wavenet22k-bnbug checkpoint of 2026-12-01 resumes to its losses`, async () => {
    const mm = await loadMakemore({ engine, threads: 2, wasmDir: pathToFileURL(WASM_DIR + '/') });
    const bytes = readFileSync(path.join(FIXTURES, 'main-2026-12-01-wavenet22k-bnbug.safetensors'));
    const m = mm.loadModel(bytes, { reproducible: true });
    assert.deepEqual(logitsLine(m.evalLogits(contexts(8, m.config.vocabSize))), REF.get('wavenet22k-bnbug.logits'));
    assert.deepEqual(m.sample({ count: 8, seed: RNG7 }), REF.get('wavenet22k-bnbug.names'));
    assert.deepEqual(m.save(), new Uint8Array(bytes), 'saved again: the same bytes');
    m.free();
    const t = mm.resumeTrainer({ checkpoint: bytes, words: NAMES, reproducible: true });
    assert.deepEqual(t.splitSizes.map(String), REF.get('wavenet22k-bnbug.split'));
    assert.deepEqual(['train', 'val', 'test'].map((s) => hex(t.evaluate(/** @type {any} */ (s)))), REF.get('wavenet22k-bnbug.eval'));
    t.setSchedule({ steps: t.step + 150 });
    const losses = t.run(150);
    assert.deepEqual(['150', ...Array.from(losses, hex)], REF.get('wavenet22k-bnbug.resume'));
    assert.deepEqual([hex(t.evaluate('val'))], REF.get('wavenet22k-bnbug.val_after'));
    t.free();
  });
}
