#!/usr/bin/env node
// bench/thresholds.mjs: steps/s of the relaxed-SIMD module's fast engine on 2 threads built with other
// split thresholds (src/ops.c GEMM_MIN_PAR, ELEM_MIN_PAR; src/fused.c FUSED_MIN_PAR), side by side in one
// run with the first folder's module on 1 thread: each folder holds a makemore-relaxed.wasm, e.g.
//   cmake -S . -B /tmp/bwf-a -DCMAKE_TOOLCHAIN_FILE=wasm/wasi-toolchain.cmake -DCMAKE_BUILD_TYPE=Release \
//     -DMM_WASM_OUT=/tmp/thr-a -DCMAKE_C_FLAGS="-DGEMM_MIN_PAR=16384 -DELEM_MIN_PAR=4096 -DFUSED_MIN_PAR=8192"
//   cmake --build /tmp/bwf-a -j2 --target makemore-relaxed
//   node bench/thresholds.mjs /tmp/thr-a /tmp/thr-b [--rounds R] [--batch B] [--presets mlp3,wavenet76k]
// Each cell: the best of R rounds (default 8), the modules taking turns within a round.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadMakemore } from '../wasm/makemore.mjs';
import { relaunchWithRelaxedSimd, opt } from './lib.mjs';

relaunchWithRelaxedSimd();
const dirs = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
const rounds = Number(opt('--rounds', 8));
const batch = Number(opt('--batch', 32));
const presets = opt('--presets', 'mlp3,mlp8,wavenet22k,wavenet76k').split(',');
const words = readFileSync(new URL('../data/names.txt', import.meta.url));
const url = (/** @type {string} */ d) => pathToFileURL(path.resolve(d) + '/');
const variants = [];
for (const d of dirs) variants.push({ name: `${path.basename(d)}, 2 threads`, mm: await loadMakemore({ engine: 'relaxed', threads: 2, wasmDir: url(d) }) });
variants.push({ name: `${path.basename(dirs[0])}, 1 thread`, mm: await loadMakemore({ engine: 'relaxed', threads: 1, wasmDir: url(dirs[0]) }) });
console.log(`${os.cpus()[0]?.model}, ${os.cpus().length} cores; steps/s at batch ${batch}, best of ${rounds} rounds`);
for (const preset of presets) {
  /** @type {Map<string, number>} */
  const best = new Map();
  for (let r = 0; r < rounds; r++) for (const v of variants) {
    const t = v.mm.createTrainer({ words, preset, seed: 1, batchSize: batch });
    t.run(100);
    const n = Math.round((preset.startsWith('mlp') ? 6000 : preset === 'wavenet22k' ? 3000 : 1200) * 32 / batch);
    const t0 = performance.now();
    t.run(n);
    best.set(v.name, Math.max(best.get(v.name) ?? 0, n / ((performance.now() - t0) / 1000)));
    t.free();
  }
  const base = /** @type {number} */ (best.get(variants[0].name));
  console.log(`${preset.padEnd(11)} ${[...best].map(([k, s]) => `${k}: ${s.toFixed(0)} (${(s / base).toFixed(2)})`).join(' | ')}`);
}
process.exit(0);
