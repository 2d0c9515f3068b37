#!/usr/bin/env node
// bench/forms-speed.mjs: examples per second of the conv and gated forms (issue 10)
// beside the lecture's wavenet76k, side by side in one run: the native CLI (fast
// engine on 1 and 2 threads, the reproducible engine on 1) and the wasm modules
// under Node (relaxed-SIMD fast engine on 1 and 2 threads, SIMD reproducible), at
// each batch size (examples per step; the new forms draw whole words).
//   node bench/forms-speed.mjs [--seconds S] [--rounds R] [--batches 32,256] [--json]
// Each cell is the best of R rounds, the presets taking turns within a round.
// Needs: cmake build in build/ (or MAKEMORE_CLI), scripts/build-wasm.sh output in build-wasm/.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import { loadMakemore, relaxedSimdSupported } from '../wasm/makemore.mjs';
import { relaunchWithRelaxedSimd, opt, flag, nativeStepsPerSec } from './lib.mjs';

relaunchWithRelaxedSimd();

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const json = flag('--json');
const seconds = Number(opt('--seconds', 2));
const rounds = Number(opt('--rounds', 3));
const batches = opt('--batches', '32,256').split(',').map(Number);
const PRESETS = ['wavenet76k', 'wavenet76k-conv', 'wavenet-gated'];
const words = readFileSync(path.join(root, 'data/names.txt'));
const cli = process.env.MAKEMORE_CLI || path.join(root, 'build/makemore');
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';

/** @typedef {{name: string, rate: (preset: string, batch: number) => Promise<number|null>}} Engine */

/** @param {string[]} flags the CLI's engine flags @returns {Engine['rate']} steps/s */
const native = (flags) => async (preset, batch) => nativeStepsPerSec(cli, preset, batch, flags, seconds, 20);

/** @type {Map<string, import('../wasm/makemore.mjs').Makemore>} */
const modules = new Map();
/** @param {'relaxed'|'simd'} engine @param {number} threads @returns {Engine['rate']} */
const wasm = (engine, threads) => async (preset, batch) => {
  if (engine === 'relaxed' && !relaxedSimdSupported()) return null;
  const key = `${engine}/${threads}`;
  if (!modules.has(key)) modules.set(key, await loadMakemore({ engine, threads, wasmDir: new URL('../build-wasm/', import.meta.url) }));
  const mm = /** @type {import('../wasm/makemore.mjs').Makemore} */ (modules.get(key));
  const t = mm.createTrainer({ words, preset, batchSize: batch, seed: 1, reproducible: engine !== 'relaxed' });
  try {
    const time = (/** @type {number} */ steps) => { const t0 = performance.now(); t.run(steps); return steps / ((performance.now() - t0) / 1000); };
    time(5);
    return time(Math.max(10, Math.round(time(10) * seconds)));
  } finally { t.free(); }
};

/** @type {Engine[]} */
const ENGINES = [
  { name: 'native fast, 1 thread', rate: native(['--threads', '1']) },
  { name: 'native fast, 2 threads', rate: native(['--threads', '2']) },
  { name: 'native reproducible, 1 thread', rate: native(['--reproducible', '--threads', '1']) },
  { name: 'wasm relaxed fast, 1 thread', rate: wasm('relaxed', 1) },
  { name: 'wasm relaxed fast, 2 threads', rate: wasm('relaxed', 2) },
  { name: 'wasm SIMD reproducible', rate: wasm('simd', 1) },
];

/** @type {Map<string, number>} best examples/s per engine|preset|batch */
const best = new Map();
for (let r = 0; r < rounds; r++)
  for (const e of ENGINES)
    for (const b of batches)
      for (const p of PRESETS) {
        const sps = await e.rate(p, b);
        if (sps === null) continue;
        const k = `${e.name}|${p}|${b}`;
        best.set(k, Math.max(best.get(k) ?? 0, sps * b));
      }
for (const mm of modules.values()) await mm.close();

// The arithmetic ceiling of the conv form's gain: multiply-adds per example of wavenet76k (its 4 + 2 + 1
// tree nodes and the output layer) against the conv form's (a row per character of the batch's words,
// plus one shared padding row per batch), from names.txt's word lengths.
function macRatio(/** @type {number} */ batch) {
  const lens = words.toString('utf8').split('\n').map((l) => l.trim()).filter((l) => l).map((l) => [...l].length);
  const chars = lens.reduce((a, b) => a + b, 0), examples = chars + lens.length;
  const V = 27, E = 24, H = 128, rows = chars / examples + 1 / batch;
  const hier = 4 * 2 * E * H + 2 * 2 * H * H + 2 * H * H + H * V;
  return hier / (rows * (2 * E * H + 2 * 2 * H * H + H * V));
}

if (json) {
  for (const [k, v] of best) { const [engine, preset, batch] = k.split('|'); console.log(JSON.stringify({ engine, preset, batch: Number(batch), examples_per_sec: v })); }
} else {
  console.log(`CPU: ${cpu} (${os.cpus().length} logical cores); best of ${rounds} rounds of ~${seconds} s, presets in turns`);
  console.log('examples/s (steps/s x batch); in brackets the ratio to wavenet76k at the same batch, then to wavenet76k at 32');
  const head = ['engine'.padEnd(30), ...batches.flatMap((b) => PRESETS.map((p) => `${p}@${b}`.padStart(26)))].join(' ');
  console.log(head);
  for (const e of ENGINES) {
    const cells = batches.flatMap((b) => PRESETS.map((p) => {
      const v = best.get(`${e.name}|${p}|${b}`);
      const same = best.get(`${e.name}|wavenet76k|${b}`), lecture = best.get(`${e.name}|wavenet76k|32`);
      if (!v) return '-'.padStart(26);
      const ratio = p === 'wavenet76k' && b === 32 ? '' : ` (${same ? (v / same).toFixed(2) : '-'}, ${lecture ? (v / lecture).toFixed(2) : '-'})`;
      return `${Math.round(v)}${ratio}`.padStart(26);
    }));
    console.log([e.name.padEnd(30), ...cells].join(' '));
  }
  console.log(`the ceiling: wavenet76k needs ${batches.map((b) => `${macRatio(b).toFixed(2)}x at batch ${b}`).join(', ')} the multiply-adds per example of wavenet76k-conv`);
}
