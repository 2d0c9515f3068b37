#!/usr/bin/env node
// bench/diag-cost.mjs: the cost of the training diagnostics (Trainer.setStatsEvery, the CLIs' --stats-every)
// every 100 steps, as a fraction of training time: wavenet76k at batch 32, side by side in one run, with the
// statistics off and on, on the wasm modules under Node (the SIMD module's reproducible engine on 1 thread, the
// relaxed-SIMD module's fast engine on 1 and 2 threads) and the native CLI (reproducible and fast engines).
//   node bench/diag-cost.mjs [--every N] [--steps S] [--rounds R] [--native-steps S] [--native-rounds R] [--preset NAME] [--batch B]
// wasm: one trainer per engine; segments of S steps (default N = 100: one statistics step each when on, as
// they start at multiples of N) take turns off, on, off, on, ... (R of each, default 40, after a warm-up),
// and each side's time is the median of its segments: short segments in close turns see the same load on a
// shared machine. "on" includes everything a caller pays: the statistics pass in the core, their JSON, and
// takeStats()'s parse into objects. Then single steps: a statistics step against the plain step after it,
// in turns; their difference over the time of N steps off is the cost with the noise of two single steps,
// not of two segments (on a loaded machine the segments' medians move by several percent).
// Native: the CLI's steps/s of a --json run of --native-steps (1000), off and --stats-every N (which also
// prints each as a JSON line), in turns, medians of --native-rounds (15); process start and data loading
// are outside its steps/s. And native in process (bench/diag_cost.c, built as build/diag_cost; MM_DIAG_COST):
// the wasm measurement's segments and single steps on the core's C API, the JSON made as the CLI does.
// cost = time on / time off - 1 (target < 5%).
// MM_WASM_DIR: the .wasm folder (default build-wasm/); MM_NATIVE_CLI: the native CLI (default build/makemore).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { loadMakemore } from '../wasm/makemore.mjs';
import { relaunchWithRelaxedSimd, opt } from './lib.mjs';

relaunchWithRelaxedSimd();

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const every = Number(opt('--every', 100));
const steps = Number(opt('--steps', every)); // wasm segments: one statistics step each when on
const rounds = Number(opt('--rounds', 40));
const nativeSteps = Number(opt('--native-steps', 1000));
const nativeRounds = Number(opt('--native-rounds', 15));
const preset = String(opt('--preset', 'wavenet76k'));
const batch = Number(opt('--batch', 32));
const wasmDir = pathToFileURL(path.resolve(root, process.env.MM_WASM_DIR ?? 'build-wasm') + '/');
const cli = path.resolve(root, process.env.MM_NATIVE_CLI ?? 'build/makemore');
const inProcess = path.resolve(root, process.env.MM_DIAG_COST ?? 'build/diag_cost');
const names = readFileSync(path.join(root, 'data/names.txt'), 'utf8');
const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
const cpu = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? 'unknown CPU';
const cores = (cpuinfo.match(/^processor\s*:/gm) ?? []).length;

const median = (/** @type {number[]} */ a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** @typedef {{off: number, on: number, stats: number, statStep?: number, plainStep?: number}} Cost ms per segment (and per single step) */
/** @param {'relaxed'|'simd'} engine @param {number} threads @param {boolean} reproducible @returns {Promise<Cost>} */
async function wasm(engine, threads, reproducible) {
  const mm = await loadMakemore({ engine, threads, wasmDir });
  const words = mm.parseWords(names);
  const t = mm.createTrainer({ words, preset, batchSize: batch, steps: 10_000_000, reproducible });
  /** @param {number} n */
  const segment = (n) => {
    t.setStatsEvery(n);
    const t0 = performance.now();
    t.run(steps);
    const ms = performance.now() - t0;
    return { ms, taken: t.takeStats().length };
  };
  segment(0); // warm-up
  const off = [], on = [];
  let stats = 0;
  for (let r = 0; r < rounds; r++) {
    off.push(segment(0).ms);
    const s = segment(every);
    on.push(s.ms);
    stats += s.taken;
  }
  // single steps: a statistics step against the plain step after it, in turns (robust on a loaded machine)
  t.setStatsEvery(every);
  const statStep = [], plainStep = [];
  for (let r = 0; r < rounds; r++) {
    t.run(Math.ceil(t.step / every) * every - t.step); // up to the next statistics step
    let t0 = performance.now();
    t.run(1);
    statStep.push(performance.now() - t0);
    t0 = performance.now();
    t.run(1);
    plainStep.push(performance.now() - t0);
    t.takeStats();
  }
  t.free();
  words.free();
  await mm.close();
  return { off: median(off), on: median(on), stats: stats / rounds, statStep: median(statStep), plainStep: median(plainStep) };
}

/** @param {string[]} engine the CLI's flags @returns {Cost|null} */
function native(engine) {
  if (!existsSync(cli)) return null;
  /** @param {number} n */
  const run = (n) => {
    const args = ['train', '--preset', preset, '--batch', String(batch), '--steps', String(nativeSteps), '--samples', '0', '--no-eval', '--json',
      '--stats-every', String(n), ...engine];
    const r = spawnSync(cli, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`native: ${r.stderr}`);
    const lines = r.stdout.trim().split('\n');
    const last = JSON.parse(/** @type {string} */ (lines.pop()));
    return { ms: (1000 * nativeSteps) / last.steps_per_sec, taken: lines.filter((l) => l.startsWith('{"stats"')).length };
  };
  run(0);
  const off = [], on = [];
  let stats = 0;
  for (let r = 0; r < nativeRounds; r++) {
    off.push(run(0).ms);
    const s = run(every);
    on.push(s.ms);
    stats += s.taken;
  }
  return { off: median(off), on: median(on), stats: stats / nativeRounds };
}

console.log(`${preset} at batch ${batch}: training time with the diagnostics every ${every} steps vs off; ${cpu}, ${cores} cores`);
console.log(`wasm: segments of ${steps} steps, off and on in turns, medians of ${rounds} each (node ${process.version}); native: runs of ${nativeSteps} steps, medians of ${nativeRounds}`);
console.log(`single steps (wasm): a statistics step and the plain step after it, in turns, medians of ${rounds};`);
console.log(`  step cost = (statistics step - plain step) / (ms off per ${every} steps): the fraction of training time they add`);
console.log('engine                                  |  ms off |   ms on | stats/segment |   cost | ms plain step | ms stats step | step cost');
/** @param {string} name @param {Cost|null} r */
const row = (name, r) => {
  if (!r) { console.log(`${name.padEnd(40)}|  (not built: ${cli}, ${inProcess})`); return; }
  const cost = r.on / r.off - 1;
  const single = r.statStep !== undefined && r.plainStep !== undefined
    ? ` | ${r.plainStep.toFixed(3).padStart(13)} | ${r.statStep.toFixed(3).padStart(13)} | ${(100 * (r.statStep - r.plainStep) / ((r.off * every) / steps)).toFixed(2).padStart(8)}%`
    : ' |             – |             – |        –';
  console.log(`${name.padEnd(40)}| ${r.off.toFixed(1).padStart(7)} | ${r.on.toFixed(1).padStart(7)} | ${r.stats.toFixed(0).padStart(13)} | ${(100 * cost).toFixed(2).padStart(5)}%${single}`);
};
row('wasm simd, reproducible, 1 thread', await wasm('simd', 1, true));
row('wasm relaxed simd, fast, 1 thread', await wasm('relaxed', 1, false));
row('wasm relaxed simd, fast, 2 threads', await wasm('relaxed', 2, false));
/** @returns {Map<string, Cost>|null} bench/diag_cost.c's rows by 'engine threads' */
function nativeInProcess() {
  if (!existsSync(inProcess)) return null;
  const r = spawnSync(inProcess, ['--preset', preset, '--batch', String(batch), '--every', String(every), '--rounds', String(rounds),
    '--data', path.join(root, 'data/names.txt')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`diag_cost: ${r.stderr}`);
  return new Map(r.stdout.trim().split('\n').map((l) => {
    const [engine, threads, off, on, plainStep, statStep] = l.split(' ');
    return [`${engine} ${threads}`, { off: Number(off), on: Number(on), stats: 1, plainStep: Number(plainStep), statStep: Number(statStep) }];
  }));
}
const inproc = nativeInProcess();
row('native in process, reproducible, 1 thr', inproc?.get('reproducible 1') ?? null);
row('native in process, fast (FMA), 1 thread', inproc?.get('fast 1') ?? null);
row('native in process, fast (FMA), 2 threads', inproc?.get('fast 2') ?? null);
row('native CLI, reproducible, 1 thread', native(['--reproducible', '--threads', '1']));
row('native CLI, fast (FMA), 2 threads', native(['--threads', '2']));
