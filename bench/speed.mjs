#!/usr/bin/env node
// bench/speed.mjs: training speed of the 76579-parameter model, side by side in one run:
// the native CLI (reproducible engine on 1 thread, and the fast FMA engine on 1 and 2
// threads), the wasm modules under Node (SIMD and scalar, reproducible, 1 thread; the
// relaxed-SIMD module's fast engine on 1 and 2 threads), and the lecture's PyTorch code
// (where /usr/bin/python3 has torch), at batch 32, 128 and 512; then the time per
// operation of one step (forward and backward apart), before (wasm SIMD) and after
// (fast, 1 and 2 threads); then GFLOP/s of the matmul kernels.
//   node bench/speed.mjs [--json] [--seconds S] [--rounds R] [--preset NAME] [--batches 32,128,512]
// The machine is shared and noisy: each cell is the best of R rounds, the engines
// taking turns within a round, so all of them see the same conditions.
// Needs: cmake build in build/, scripts/build-wasm.sh output in build-wasm/.
// Runs itself again under node --experimental-wasm-relaxed-simd when needed.
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import { loadMakemore, relaxedSimdSupported } from '../wasm/makemore.mjs';
import { relaunchWithRelaxedSimd, opt, flag, nativeStepsPerSec } from './lib.mjs';

relaunchWithRelaxedSimd();

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const json = flag('--json');
const seconds = Number(opt('--seconds', 2)); // per measurement
const rounds = Number(opt('--rounds', 3));    // each cell is the best of this many, taken in turns
const preset = opt('--preset', 'wavenet76k');
const batches = opt('--batches', '32,128,512').split(',').map(Number);
const log = (/** @type {unknown[]} */ ...a) => { if (!json) console.log(...a); };

const words = readFileSync(path.join(root, 'data/names.txt'));
const cli = path.join(root, 'build/makemore');
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';

// Steps to run so a measurement takes about `seconds`, from a short probe.
/** @param {number} rate steps/s */
function stepsFor(rate) { return Math.max(20, Math.round(rate * seconds)); }

/** @param {number} batch @param {string[]} engine the CLI's engine flags @returns {number|null} steps/s */
function native(batch, engine) { return nativeStepsPerSec(cli, preset, batch, engine, seconds); }

/** @typedef {'relaxed'|'simd'|'scalar'} Engine */
/** @typedef {{phase: string, op: string, seconds: number, us: number}[]} Breakdown time per operation of one step */

/** @type {Map<string, import('../wasm/makemore.mjs').Makemore>} */
const modules = new Map();
/** @param {Engine} engine @param {number} threads */
async function module(engine, threads) {
  const key = `${engine}/${threads}`;
  if (!modules.has(key)) modules.set(key, await loadMakemore({ engine, threads, wasmDir: new URL('../build-wasm/', import.meta.url) }));
  return /** @type {import('../wasm/makemore.mjs').Makemore} */ (modules.get(key));
}

/**
 * @overload
 * @param {Engine} engine @param {number} threads @param {number} batch @param {false} [profile]
 * @returns {Promise<number|null>} steps/s
 */
/**
 * @overload
 * @param {Engine} engine @param {number} threads @param {number} batch @param {true} profile
 * @returns {Promise<Breakdown|null>}
 */
/** @param {Engine} engine @param {number} threads @param {number} batch @param {boolean} [profile] */
async function wasm(engine, threads, batch, profile = false) {
  if (engine === 'relaxed' && !relaxedSimdSupported()) return null;
  const mm = await module(engine, threads);
  const t = mm.createTrainer({ words, preset, batchSize: batch, seed: 1, reproducible: engine !== 'relaxed' });
  try {
    const time = (/** @type {number} */ steps) => { const t0 = performance.now(); t.run(steps); return steps / ((performance.now() - t0) / 1000); };
    time(10); // warm-up
    const steps = stepsFor(time(30));
    if (!profile) return time(steps);
    t.profile(true);
    t.run(steps);
    return t.profile(false).map((r) => ({ ...r, us: (1e6 * r.seconds) / steps }));
  } finally { t.free(); }
}

/** @type {boolean|null} */
let torchOk = null;
/** @param {number} batch @returns {number|null} steps/s */
function torch(batch) {
  const py = '/usr/bin/python3';
  if (torchOk === null) torchOk = existsSync(py) && spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
  if (!torchOk) return null;
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
  const run = (/** @type {number} */ steps) => {
    const r = spawnSync(py, [path.join(root, 'bench/torch_lecture.py'), '--preset', preset, '--batch', String(batch),
      '--steps', String(steps)], { encoding: 'utf8', env });
    if (r.status !== 0) throw new Error(`torch: ${r.stderr}`);
    return JSON.parse(r.stdout.trim()).steps_per_sec;
  };
  return run(stepsFor(run(30)));
}

/** @type {[key: string, label: string, f: () => (batch: number) => number|null|Promise<number|null>][]} */
const COLS = [
  ['native', 'native', () => (b) => native(b, ['--reproducible', '--threads', '1'])],
  ['native_fast_1t', 'nat-fast1', () => (b) => native(b, ['--threads', '1'])],
  ['native_fast_2t', 'nat-fast2', () => (b) => native(b, ['--threads', '2'])],
  ['wasm_scalar', 'wasm-scal', () => (b) => wasm('scalar', 1, b)],
  ['wasm_simd', 'wasm-simd', () => (b) => wasm('simd', 1, b)],
  ['wasm_fast_1t', 'wasm-fst1', () => (b) => wasm('relaxed', 1, b)],
  ['wasm_fast_2t', 'wasm-fst2', () => (b) => wasm('relaxed', 2, b)],
  ['torch', 'torch', () => torch],
];
const fmt = (/** @type {number|null} */ x) => (x == null ? '      n/a' : x.toFixed(0).padStart(9));
const ratio = (/** @type {number|null} */ a, /** @type {number|null} */ b) => (a == null || b == null ? '   n/a' : (a / b).toFixed(2).padStart(6));
log(`${preset}: training steps per second (higher is better), best of ${rounds} rounds of ~${seconds} s; ${cpu}, ${os.cpus().length} cores`);
log('native: reproducible engine, 1 thread; nat-fast1/2: FMA engine on 1/2 threads; wasm-*: under Node; wasm-fst1/2: relaxed SIMD on 1/2 threads');
log(`batch |${COLS.map((c) => c[1].padStart(9)).join(' ')} | fst2/torch fst1/torch fst2/simd nat-fast2/torch`);
const rows = [];
for (const batch of batches) {
  /** @type {Record<string, any>} a JSON line: batch, cpu, then steps/s (or null) by column key */
  const row = { batch, cpu };
  for (const [k] of COLS) row[k] = null;
  const best = (/** @type {number|null} */ a, /** @type {number|null} */ b) => (b == null ? a : a == null ? b : Math.max(a, b));
  for (let r = 0; r < rounds; r++)
    for (const [k, , f] of COLS) row[k] = best(row[k], await f()(batch));
  rows.push(row);
  if (json) console.log(JSON.stringify(row));
  else log(`${String(batch).padStart(5)} |${COLS.map((c) => fmt(row[c[0]])).join(' ')} |     ${ratio(row.wasm_fast_2t, row.torch)}     ${ratio(row.wasm_fast_1t, row.torch)}     ${ratio(row.wasm_fast_2t, row.wasm_simd)}       ${ratio(row.native_fast_2t, row.torch)}`);
}

// Time per operation of one step at the first batch size: before (SIMD, reproducible) and after (fast engine).
/** @type {Record<string, Breakdown|null>} */
const breakdown = {};
for (const [name, engine, threads] of /** @type {[string, Engine, number][]} */ ([['wasm_simd', 'simd', 1], ['wasm_fast_1t', 'relaxed', 1], ['wasm_fast_2t', 'relaxed', 2]]))
  breakdown[name] = await wasm(engine, threads, batches[0], true);
if (json) console.log(JSON.stringify({ breakdown_batch: batches[0], breakdown }));
else {
  const names = Object.keys(breakdown).filter((k) => breakdown[k]);
  log(`\ntime per step by operation at batch ${batches[0]}, microseconds (wasm under Node):`);
  log(`${'phase'.padEnd(9)}${'section'.padEnd(32)}${names.map((n) => n.padStart(14)).join('')}`);
  const ops = /** @type {Breakdown} */ (breakdown[names[0]]); // names: the non-null ones
  for (let i = 0; i < ops.length; i++)
    if (names.some((n) => /** @type {Breakdown} */ (breakdown[n])[i].us > 0)) // sections this model never runs are left out
      log(`${ops[i].phase.padEnd(9)}${ops[i].op.padEnd(32)}${names.map((n) => /** @type {Breakdown} */ (breakdown[n])[i].us.toFixed(1).padStart(14)).join('')}`);
  log(`${'total'.padEnd(41)}${names.map((n) => /** @type {Breakdown} */ (breakdown[n]).reduce((a, r) => a + r.us, 0).toFixed(1).padStart(14)).join('')}`);
}
for (const mm of modules.values()) await mm.close();

// Kernel GFLOP/s at the model's shapes.
if (!json) {
  const kb = path.join(root, 'build/kernels_bench');
  const kw = path.join(root, 'build-wasm/kernels_bench_simd.wasm');
  const kr = path.join(root, 'build-wasm/kernels_bench_relaxed.wasm');
  if (existsSync(kb)) { log('\nnative kernels (scalar C, auto-vectorised):'); log(spawnSync(kb, [], { encoding: 'utf8' }).stdout.trim()); }
  if (existsSync(kw)) {
    log('\nwasm kernels under Node (scalar C, auto-vectorised by clang with -msimd128, vs wasm SIMD intrinsics):');
    log(spawnSync(process.execPath, [path.join(root, 'wasm/run_wasi.mjs'), kw], { encoding: 'utf8' }).stdout.trim());
  }
  if (existsSync(kr) && relaxedSimdSupported()) {
    log('\nthe same with -mrelaxed-simd (clang-19): "simd" is now the fused (relaxed_madd) matmul:');
    log(spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', path.join(root, 'wasm/run_wasi.mjs'), kr], { encoding: 'utf8' }).stdout.trim());
  }
}
