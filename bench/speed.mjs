#!/usr/bin/env node
// bench/speed.mjs: training speed of the 76579-parameter model, side by side in one run:
// native CLI, wasm SIMD and wasm scalar under Node, and the lecture's PyTorch code
// (where /usr/bin/python3 has torch), at batch 32, 128 and 512; then GFLOP/s of
// the matmul kernels (native scalar, wasm scalar vs wasm SIMD).
//   node bench/speed.mjs [--json] [--seconds S] [--rounds R] [--preset NAME] [--batches 32,128,512]
// The machine is shared and noisy: each cell is the best of R rounds, the engines
// taking turns within a round, so all of them see the same conditions.
// Needs: cmake build in build/, scripts/build-wasm.sh output in build-wasm/.
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { loadMakemore } from '../wasm/makemore.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const json = args.includes('--json');
const seconds = Number(opt('--seconds', 2)); // per measurement
const rounds = Number(opt('--rounds', 3));    // each cell is the best of this many, taken in turns
const preset = opt('--preset', 'wavenet76k');
const batches = opt('--batches', '32,128,512').split(',').map(Number);
const log = (...a) => { if (!json) console.log(...a); };

const words = readFileSync(path.join(root, 'data/names.txt'));
const cli = path.join(root, 'build/makemore');

// Steps to run so a measurement takes about `seconds`, from a short probe.
function stepsFor(rate) { return Math.max(20, Math.round(rate * seconds)); }

function native(batch) {
  if (!existsSync(cli)) return null;
  const run = (steps) => {
    const r = spawnSync(cli, ['train', '--preset', preset, '--batch', String(batch), '--steps', String(steps),
      '--samples', '0', '--no-eval', '--json'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`native: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()).steps_per_sec;
  };
  return run(stepsFor(run(50)));
}

async function wasm(simd, batch) {
  const mm = await loadMakemore({ simd, wasmDir: new URL('../build-wasm/', import.meta.url) });
  const t = mm.createTrainer({ words, preset, batchSize: batch, seed: 1 });
  try {
    const time = (steps) => { const t0 = performance.now(); t.run(steps); return steps / ((performance.now() - t0) / 1000); };
    time(10); // warm-up
    return time(stepsFor(time(30)));
  } finally { t.free(); }
}

let torchOk = null;
function torch(batch) {
  const py = '/usr/bin/python3';
  if (torchOk === null) torchOk = existsSync(py) && spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
  if (!torchOk) return null;
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
  const run = (steps) => {
    const r = spawnSync(py, [path.join(root, 'bench/torch_lecture.py'), '--preset', preset, '--batch', String(batch),
      '--steps', String(steps)], { encoding: 'utf8', env });
    if (r.status !== 0) throw new Error(`torch: ${r.stderr}`);
    return JSON.parse(r.stdout.trim()).steps_per_sec;
  };
  return run(stepsFor(run(30)));
}

const fmt = (x) => (x == null ? '     n/a' : x.toFixed(0).padStart(8));
const ratio = (a, b) => (a == null || b == null ? '  n/a' : (a / b).toFixed(2).padStart(5));
log(`${preset}: training steps per second (one thread; higher is better), best of ${rounds} rounds of ~${seconds} s`);
log('batch |   native  wasm-simd wasm-scalar   torch | simd/torch simd/scalar native/torch');
const rows = [];
for (const batch of batches) {
  const row = { batch, native: null, wasm_simd: null, wasm_scalar: null, torch: null };
  const best = (a, b) => (b == null ? a : a == null ? b : Math.max(a, b));
  for (let r = 0; r < rounds; r++) {
    row.native = best(row.native, native(batch));
    row.wasm_simd = best(row.wasm_simd, await wasm(true, batch));
    row.wasm_scalar = best(row.wasm_scalar, await wasm(false, batch));
    row.torch = best(row.torch, torch(batch));
  }
  rows.push(row);
  if (json) console.log(JSON.stringify(row));
  else log(`${String(batch).padStart(5)} | ${fmt(row.native)} ${fmt(row.wasm_simd)}   ${fmt(row.wasm_scalar)} ${fmt(row.torch)} |`
    + `      ${ratio(row.wasm_simd, row.torch)}       ${ratio(row.wasm_simd, row.wasm_scalar)}        ${ratio(row.native, row.torch)}`);
}

// Kernel GFLOP/s at the model's shapes.
if (!json) {
  const kb = path.join(root, 'build/kernels_bench');
  const kw = path.join(root, 'build-wasm/kernels_bench_simd.wasm');
  if (existsSync(kb)) { log('\nnative kernels (scalar C, auto-vectorised):'); log(spawnSync(kb, [], { encoding: 'utf8' }).stdout.trim()); }
  if (existsSync(kw)) {
    log('\nwasm kernels under Node (scalar C, auto-vectorised by clang with -msimd128, vs wasm SIMD intrinsics):');
    log(spawnSync(process.execPath, [path.join(root, 'wasm/run_wasi.mjs'), kw], { encoding: 'utf8' }).stdout.trim());
  }
}
