// threads.test.mjs: the fast engine and threads (issue 8).
//   - threads never change a result: 200 steps of wavenet76k give bitwise the same
//     losses on 1 and 2 threads, natively (both engines) and in the relaxed module
//     under Node (both engines);
//   - the relaxed module's reproducible engine is bitwise the SIMD module's and the
//     native --reproducible CLI's; its fast engine's first 50 losses agree with them
//     within 1e-4 relative, and every fused kernel agrees with the scalar reference
//     within its stated bound (tests/test_kernels.c as test_kernels_relaxed.wasm);
//   - the strict SIMD modules' fast engine (Safari's path: simd-threads, simd): 1 and 2
//     threads and both modules bitwise the same, its first 50 losses within 1e-4 of the
//     reference, its kernels within their bounds (tests/test_kernels.c as test_kernels_simd.wasm);
//   - fallbacks: an engine without relaxed SIMD gets the strict SIMD module with threads; a
//     shared memory that cannot reach a Worker (no cross-origin isolation) the threaded module on
//     one thread; an engine without shared memory the one-thread SIMD module; each says why;
//   - bad thread counts are refused with a clear error; helpers stop on close().
// Run with node --experimental-wasm-relaxed-simd --test (npm test does); without the
// flag the relaxed-module tests are skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { loadMakemore, relaxedSimdSupported } from '../wasm/makemore.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WASM_DIR = path.resolve(ROOT, process.env.MM_WASM_DIR ?? 'build-wasm');
const CLI = path.resolve(ROOT, process.env.MM_NATIVE_CLI ?? 'build/makemore');
const NAMES = readFileSync(path.join(ROOT, 'data/names.txt'));
const noRelaxed = !relaxedSimdSupported() && 'no relaxed SIMD: run node --experimental-wasm-relaxed-simd';
const noCli = !existsSync(CLI) && `no native CLI at ${CLI}`;

const bits = (/** @type {Float32Array} */ a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const wasmDir = pathToFileURL(WASM_DIR + '/');

/** losses of `steps` steps of wavenet76k, seed 1, from the native CLI */
function native(/** @type {string[]} */ extra, steps = 200) {
  // the lecture's decay step (150000) whatever the steps: a shorter run is the start of a longer one
  const r = spawnSync(CLI, ['train', '--preset', 'wavenet76k', '--steps', String(steps), '--decay-step', '150000', '--seed', '1', '--json', '--losses',
    '--samples', '0', '--no-eval', ...extra], { encoding: 'utf8', maxBuffer: 1 << 24 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
  return { losses: Float32Array.from(out.losses.map(Math.fround)), engine: out.engine, threads: out.threads, measured: out.threads_measured };
}

/** losses of `steps` steps of wavenet76k, seed 1, from a loaded module */
function wasm(/** @type {import('../wasm/makemore.mjs').Makemore} */ mm, reproducible, steps = 200) {
  const t = mm.createTrainer({ words: NAMES, preset: 'wavenet76k', seed: 1, steps, decayStep: 150000, reproducible });
  const l = t.run(steps);
  const kernels = t.kernels;
  t.free();
  return { losses: l, kernels };
}

test('native: 1 and 2 threads give bitwise the same 200 losses, both engines', { skip: noCli }, () => {
  for (const engine of [[], ['--reproducible']]) {
    const one = native(['--threads', '1', ...engine]);
    const two = native(['--threads', '2', ...engine]);
    assert.equal(two.threads, 2);
    assert.equal(one.losses.length, 200);
    assert.deepEqual(bits(two.losses), bits(one.losses), `engine ${one.engine}`);
  }
});

test('native: the fast engine agrees with the reproducible one within 1e-4 over 50 steps', { skip: noCli }, () => {
  const fast = native([], 50);
  const ref = native(['--reproducible'], 50);
  assert.equal(ref.engine, 'scalar');
  for (let i = 0; i < 50; i++)
    assert.ok(Math.abs(fast.losses[i] - ref.losses[i]) <= 1e-4 * Math.abs(ref.losses[i]), `step ${i}: ${fast.losses[i]} vs ${ref.losses[i]}`);
});

test('native: bad thread counts are refused', { skip: noCli }, () => {
  for (const n of ['0', '-1', '1000', '1.5', 'two']) {
    const r = spawnSync(CLI, ['train', '--steps', '1', '--threads', n], { encoding: 'utf8' });
    assert.notEqual(r.status, 0, `--threads ${n}`);
    assert.match(r.stderr, /--threads takes a whole number from 1 to 64/);
  }
});

test('the default thread count: the faster of 1 and the cores as measured on the first steps (native and Node CLIs); the losses bitwise --threads 1\'s',
  { skip: noCli || availableParallelism() < 2 }, () => {
    /** the Node CLI's 400 steps (as native()) @param {string[]} extra */
    const nodeCli = (extra) => {
      const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', path.join(ROOT, 'bin/makemore-wasm.mjs'), 'train', '--preset', 'wavenet76k',
        '--steps', '400', '--decay-step', '150000', '--seed', '1', '--json', '--losses', '--samples', '0', '--no-eval', ...extra], { encoding: 'utf8', maxBuffer: 1 << 24 });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
      return { losses: Float32Array.from(out.losses.map(Math.fround)), engine: out.engine, threads: out.threads, measured: out.threads_measured };
    };
    const runs = [native([], 400), nodeCli([])];
    const cores = Math.min(availableParallelism(), 64);
    for (const r of runs) {
      const m = r.measured;
      assert.ok(m && m['1'] > 0 && m[String(cores)] > 0, `both measured: ${JSON.stringify(m)}`);
      assert.equal(r.threads, m[String(cores)] > m['1'] ? cores : 1, `the faster: ${JSON.stringify(m)}`);
    }
    assert.deepEqual(bits(runs[0].losses), bits(native(['--threads', '1'], 400).losses), 'native: the measured run is bitwise the one-thread run');
    assert.deepEqual(bits(runs[1].losses), bits(nodeCli(['--threads', '1']).losses), 'Node: the measured run is bitwise the one-thread run');
  });

test('relaxed module: 1 and 2 threads bitwise equal; reproducible engine bitwise the SIMD module and native', { skip: noRelaxed, timeout: 300000 }, async () => {
  const mm = await loadMakemore({ engine: 'relaxed', threads: 1, wasmDir });
  assert.equal(mm.engine, 'relaxed');
  assert.equal(mm.threads, 1);
  const fast1 = wasm(mm, false);
  const ref1 = wasm(mm, true);
  await mm.setThreads(2);
  assert.equal(mm.threads, 2);
  assert.equal(mm.helperCount, 1);
  assert.equal(mm.engineLabel, 'relaxed SIMD (fused multiply-add), 2 threads');
  const fast2 = wasm(mm, false);
  const ref2 = wasm(mm, true);
  assert.equal(fast2.kernels, 'relaxed-simd');
  assert.equal(ref2.kernels, 'simd');
  assert.deepEqual(bits(fast2.losses), bits(fast1.losses), 'fast engine: 2 threads vs 1');
  assert.deepEqual(bits(ref2.losses), bits(ref1.losses), 'reproducible engine: 2 threads vs 1');

  const strict = await loadMakemore({ engine: 'simd', wasmDir });
  assert.deepEqual(bits(ref2.losses), bits(wasm(strict, true).losses), 'reproducible engine vs the SIMD module');
  if (!noCli) assert.deepEqual(bits(ref2.losses.slice(0, 50)), bits(native(['--reproducible'], 50).losses), 'vs native --reproducible');

  // the fast engine's first 50 losses: within 1e-4 relative of the reference
  for (let i = 0; i < 50; i++) {
    const a = fast2.losses[i], r = ref2.losses[i];
    assert.ok(Math.abs(a - r) <= 1e-4 * Math.abs(r), `step ${i}: fast ${a} vs reference ${r}`);
  }
  assert.equal(await mm.close(), true, 'the helpers returned');
  assert.equal(mm.helperCount, 0);
  // the module keeps working on one thread after its helpers stopped
  assert.deepEqual(bits(wasm(mm, false, 20).losses), bits(fast1.losses.slice(0, 20)));
});

test('strict SIMD fast engine (simd-threads, simd): 1 and 2 threads and both modules bitwise, within 1e-4 of the reference', { timeout: 300000 }, async () => {
  const mm = await loadMakemore({ engine: 'simd-threads', threads: 1, wasmDir });
  assert.equal(mm.engine, 'simd-threads');
  const fast1 = wasm(mm, false);
  await mm.setThreads(2);
  assert.equal(mm.threads, 2);
  assert.equal(mm.engineLabel, 'SIMD, 2 threads');
  const fast2 = wasm(mm, false);
  const ref2 = wasm(mm, true);
  assert.equal(fast2.kernels, 'simd-fast');
  assert.equal(ref2.kernels, 'simd');
  assert.deepEqual(bits(fast2.losses), bits(fast1.losses), 'fast engine: 2 threads vs 1');
  const one = await loadMakemore({ engine: 'simd', wasmDir });
  const fastOne = wasm(one, false);
  assert.equal(fastOne.kernels, 'simd-fast');
  assert.deepEqual(bits(fastOne.losses), bits(fast2.losses), 'the simd module (emscripten) vs simd-threads (clang): the same fast engine');
  assert.deepEqual(bits(ref2.losses), bits(wasm(one, true).losses), 'reproducible engine: both modules');
  if (!noCli) assert.deepEqual(bits(ref2.losses.slice(0, 50)), bits(native(['--reproducible'], 50).losses), 'vs native --reproducible');
  let differ = 0;
  for (let i = 0; i < 50; i++) {
    const a = fast2.losses[i], r = ref2.losses[i];
    assert.ok(Math.abs(a - r) <= 1e-4 * Math.abs(r), `step ${i}: fast ${a} vs reference ${r}`);
    differ += +(a !== r);
  }
  assert.ok(differ > 0, 'the fast engine is another engine (its passes and tanh), not the reference under another name');
  await mm.close();
});

test('strict SIMD module: the fast engine\'s kernels within their bounds (test_kernels_simd.wasm)', () => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'wasm/run_wasi.mjs'), path.join(WASM_DIR, 'test_kernels_simd.wasm')], { encoding: 'utf8' });
  assert.equal(r.status, 0, `test_kernels_simd.wasm failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /ok +matmul_nt_dot_simdfast vs double/);
  assert.match(r.stdout, /ok +tanh_fwd_simdfast vs libm/);
});

test('relaxed module: every fused kernel within its bound of the scalar reference (edge shapes)', { skip: noRelaxed }, () => {
  const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', path.join(ROOT, 'wasm/run_wasi.mjs'),
    path.join(WASM_DIR, 'test_kernels_relaxed.wasm')], { encoding: 'utf8' });
  assert.equal(r.status, 0, `test_kernels_relaxed.wasm failed:\n${r.stdout}\n${r.stderr}`);
  for (const k of ['nn', 'nt', 'tn']) {
    assert.match(r.stdout, new RegExp(`ok +matmul_${k}_relaxed vs scalar`));
    assert.match(r.stdout, new RegExp(`ok +gemm blocks bitwise \\(${k}\\)`));
  }
});

test('threads: bad counts are clear errors, nothing hangs', { skip: noRelaxed }, async () => {
  for (const n of [0, -1, 1000, 1.5, NaN, '2']) {
    await assert.rejects(loadMakemore({ engine: 'relaxed', threads: /** @type {any} */ (n), wasmDir }), /threads must be a whole number from 1 to 64/);
  }
  const mm = await loadMakemore({ engine: 'relaxed', threads: 1, wasmDir });
  await assert.rejects(mm.setThreads(0), RangeError);
  await assert.rejects(mm.setThreads(65), RangeError);
  assert.equal(mm.threads, 1);
  // the one-thread modules: more is a stated clamp, with the reason in notes
  const strict = await loadMakemore({ engine: 'simd', threads: 2, wasmDir });
  assert.equal(strict.threads, 1);
  assert.match(strict.notes.join('\n'), /one thread: the simd module has no threads/);
});

test('a Node process that never closes its module still exits (helpers do not keep it alive)', { skip: noRelaxed, timeout: 30000 }, () => {
  const src = `import { loadMakemore } from ${JSON.stringify(new URL('../wasm/makemore.mjs', import.meta.url).href)};
    const mm = await loadMakemore({ threads: 2, wasmDir: ${JSON.stringify(String(wasmDir))} });
    const t = mm.createTrainer({ words: 'anna\\nbob\\ncarl\\ndora\\n', preset: 'mlp3', steps: 20 });
    t.run(20);
    console.log(mm.threads);`;
  const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--input-type=module', '-e', src], { encoding: 'utf8', timeout: 20000 });
  assert.equal(r.signal, null, 'the process hung (killed after 20 s)');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '2');
});

test('fallbacks: no relaxed SIMD gives the strict SIMD module with threads; a memory that cannot reach a Worker, one thread; no shared memory, the SIMD module; each says why', async () => {
  const validate = WebAssembly.validate;
  // an engine that validates plain SIMD but not relaxed SIMD (like Safari)
  WebAssembly.validate = (b) => validate.call(WebAssembly, b) && /** @type {Uint8Array} */ (b).length !== 82; // the relaxed probe
  try {
    assert.equal(relaxedSimdSupported(), false);
    const mm = await loadMakemore({ wasmDir, threads: 2 });
    assert.equal(mm.engine, 'simd-threads');
    assert.equal(mm.threads, 2);
    assert.match(mm.notes.join('\n'), /no relaxed SIMD/);
    assert.equal(wasm(mm, false, 5).kernels, 'simd-fast');
    await assert.rejects(loadMakemore({ engine: 'relaxed', wasmDir }), /relaxed module cannot run here/);
    await mm.close();
  } finally {
    WebAssembly.validate = validate;
  }
  const g = /** @type {any} */ (globalThis);
  g.crossOriginIsolated = false; // what a page without COOP/COEP says: a shared memory is made (Chromium), not sent
  try {
    const mm = await loadMakemore({ wasmDir, threads: 2 });
    const threaded = relaxedSimdSupported() ? 'relaxed' : 'simd-threads';
    assert.equal(mm.engine, threaded, 'the threaded module on one thread (its memory can be made)');
    assert.equal(mm.threads, 1);
    assert.match(mm.notes.join('\n'), /one thread: the page is not cross-origin isolated/);
    await mm.setThreads(2);
    assert.equal(mm.threads, 1, 'setThreads stays at 1 where the memory cannot reach a Worker');
    assert.equal(wasm(mm, false, 5).kernels, relaxedSimdSupported() ? 'relaxed-simd' : 'simd-fast');
  } finally {
    delete g.crossOriginIsolated;
  }
  // a threaded module missing from the folder (a host that copied only the others): the simd module, said
  const only = mkdtempSync(path.join(tmpdir(), 'mm-wasm-'));
  try {
    for (const f of ['makemore-simd.wasm', 'makemore-scalar.wasm']) copyFileSync(path.join(WASM_DIR, f), path.join(only, f));
    const mm = await loadMakemore({ wasmDir: pathToFileURL(only + '/') });
    assert.equal(mm.engine, 'simd');
    assert.match(mm.notes.join('\n'), /the (relaxed|simd-threads) module did not load \(no WebAssembly module at .*ENOENT.*\): the simd module, one thread/);
    await assert.rejects(loadMakemore({ engine: relaxedSimdSupported() ? 'relaxed' : 'simd-threads', wasmDir: pathToFileURL(only + '/') }), /ENOENT/, 'asked for by name: no fallback');
  } finally {
    rmSync(only, { recursive: true, force: true });
  }
  // an engine that makes no shared memory: the one-thread SIMD module, and the threaded ones refused
  const Memory = WebAssembly.Memory;
  /** @type {any} */ (WebAssembly).Memory = function (/** @type {any} */ d) {
    if (d?.shared) throw new TypeError('no shared memory here');
    return new Memory(d);
  };
  try {
    const mm = await loadMakemore({ wasmDir });
    assert.equal(mm.engine, 'simd');
    assert.equal(mm.threads, 1);
    assert.match(mm.notes.join('\n'), /one thread: this engine makes no shared WebAssembly memory \(no shared memory here\)/);
    if (relaxedSimdSupported()) await assert.rejects(loadMakemore({ engine: 'relaxed', wasmDir }), /relaxed module needs a shared memory/);
    await assert.rejects(loadMakemore({ engine: 'simd-threads', wasmDir }), /simd-threads module needs a shared memory/);
  } finally {
    /** @type {any} */ (WebAssembly).Memory = Memory;
  }
  // no global SharedArrayBuffer (WebKitGTK's default) is not what threads need: a shared memory that reaches the Workers
  const SAB = g.SharedArrayBuffer;
  g.crossOriginIsolated = true;
  delete g.SharedArrayBuffer;
  try {
    const mm = await loadMakemore({ wasmDir, threads: 2 });
    assert.notEqual(mm.engine, 'simd');
    assert.equal(mm.threads, 2, mm.notes.join('\n'));
    await mm.close();
  } finally {
    g.SharedArrayBuffer = SAB;
    delete g.crossOriginIsolated;
  }
});
