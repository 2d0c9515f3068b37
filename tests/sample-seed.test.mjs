// sample-seed.test.mjs: the one sampling seed rule (mm_sample_seed, src/makemore.h) as the JS API,
// the element's generateNames and the native CLI use it: the rule against its formula (BigInt),
// and the same names from the same seed everywhere.
//   node --test tests/sample-seed.test.mjs
// MM_WASM_DIR: the .wasm folder (default build-wasm/); MM_NATIVE_CLI (default build/makemore: its
// comparisons are skipped if it is absent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadMakemore } from '../wasm/makemore.mjs';
import { generateNames } from '../web/element/name-generator.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WASM_DIR = path.resolve(ROOT, process.env.MM_WASM_DIR ?? 'build-wasm');
const CLI = path.resolve(ROOT, process.env.MM_NATIVE_CLI ?? 'build/makemore');
const NAMES = readFileSync(path.join(ROOT, 'data/names.txt'));
const run = promisify(execFile);
const missing = !existsSync(path.join(WASM_DIR, 'makemore-simd.wasm')) && `no ${WASM_DIR}/makemore-simd.wasm`;
const load = () => loadMakemore({ engine: 'simd', threads: 1, wasmDir: pathToFileURL(WASM_DIR + '/') });

/** The documented rule, computed here independently. @param {bigint} seed @param {bigint} stream */
const rule = (seed, stream) => ((seed ^ 0x9e3779b97f4a7c15n) + stream * 0xd1b54a32d192ed03n) & ((1n << 64n) - 1n);

test('mm.sampleSeed is the documented formula', { skip: missing }, async () => {
  const mm = await load();
  const M = (1n << 64n) - 1n;
  for (const [s, k] of [[0n, 0n], [42n, 0n], [42n, 1n], [7n, 5n], [M, 0n], [M, M], [0x123456789abcdefn, 1000n]])
    assert.equal(mm.sampleSeed(s, k), rule(s, k), `${s}, ${k}`);
  assert.equal(mm.sampleSeed(3), 3n ^ 0x9e3779b97f4a7c15n, 'stream 0 is the native CLI rule of every earlier version');
  assert.throws(() => mm.sampleSeed(-1), RangeError);
  assert.throws(() => mm.sampleSeed(1, 1n << 64n), RangeError);
});

test('one seed, the same names: the JS API, its defaults, streams, generateNames and the native CLI', { skip: missing }, async () => {
  const mm = await load();
  const t = mm.createTrainer({ words: NAMES, preset: 'mlp3', steps: 300, seed: 11, reproducible: true });
  t.run(300);
  const bytes = t.saveModel();
  const m = mm.loadModel(bytes, { reproducible: true });
  const s5 = m.sample({ count: 10, seed: 5 });
  // stream k is a generator seeded rule(5, k): the same as seed X with rule(X, 0) = rule(5, k)
  const s5k1 = m.sample({ count: 10, seed: 5, stream: 1 });
  assert.deepEqual(m.sample({ count: 10, seed: rule(5n, 1n) ^ 0x9e3779b97f4a7c15n }), s5k1);
  assert.notDeepEqual(s5k1, s5);
  assert.deepEqual(m.sample({ count: 10, seed: 5, stream: 0 }), s5);
  assert.throws(() => m.sample({ stream: 1 }), /stream needs a seed/);
  // the defaults: a trainer's own generator starts from its training seed, a loaded model's from 0
  assert.deepEqual(t.sample({ count: 6 }), t.sample({ count: 12, seed: 11 }).slice(0, 6));
  assert.deepEqual(t.sample({ count: 6 }), t.sample({ count: 12, seed: 11 }).slice(6), 'the own generator continues');
  assert.deepEqual(m.sample({ count: 4 }), m.sample({ count: 4, seed: 0 }));
  // the element's generateNames: its seed is the API's (stream 0)
  assert.deepEqual(await generateNames({ bytes, count: 10, seed: 5, wasmDir: pathToFileURL(WASM_DIR + '/') }), s5);
  if (existsSync(CLI)) {
    const dir = mkdtempSync(path.join(tmpdir(), 'mm-seed-'));
    try {
      const file = path.join(dir, 'm.safetensors');
      writeFileSync(file, bytes);
      const cli = async (/** @type {string[]} */ args) => JSON.parse((await run(CLI, ['sample', '--model', file, '--json', ...args])).stdout);
      assert.deepEqual(await cli(['--count', '10', '--seed', '5']), s5);
      assert.deepEqual(await cli(['--count', '4']), mm.loadModel(bytes, { reproducible: true }).sample({ count: 4 }), 'no seed: 0');
      const { stdout } = await run(CLI, ['train', '--preset', 'mlp3', '--steps', '300', '--seed', '11', '--samples', '6', '--no-eval', '--reproducible', '--json'], { cwd: ROOT });
      const tr = JSON.parse(stdout.trim().split('\n').at(-1) ?? ''); // after the progress lines, the result
      assert.deepEqual(tr.samples, t.sample({ count: 6, seed: 11 }), 'train --seed S samples with seed S');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  m.free();
  t.free();
});
