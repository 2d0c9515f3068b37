#!/usr/bin/env node
// bench/sweep-jobs.mjs: is a sweep faster two runs at a time (1 thread each) or one after another
// (all the cores each)? For a small model (mlp3) and a large one (wavenet76k), 4 runs of each
// (seeds 1-4), the two ways taken in turns for --rounds rounds; prints the sweep's wall time and its
// total steps/s (all runs' steps over the wall time), and the CPU.
//   node bench/sweep-jobs.mjs [--rounds 2] [--small-steps 30000] [--large-steps 8000] [--engine relaxed] [--reproducible]
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { relaunchWithRelaxedSimd, opt, flag } from './lib.mjs';
import { expandSpec } from '../web/lab/runner.js';
import { runSweep } from './lab-node.mjs';

relaunchWithRelaxedSimd();
const { loadMakemore } = await import('../wasm/makemore.mjs');
const rounds = Number(opt('--rounds', 2));
const engine = /** @type {any} */ (opt('--engine', null));
const cores = availableParallelism();
const mm = await loadMakemore({ engine: 'scalar', threads: 1 });
const schema = mm.schema;
await mm.close();
const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown CPU';
console.log(`${cpu}, ${cores} cores; ${engine ?? 'default'} module, ${flag('--reproducible') ? 'reproducible' : 'fast'} engine; 4 runs (seeds 1-4) per sweep, validation every 10% of the steps`);
for (const [preset, steps] of /** @type {[string, number][]} */ ([['mlp3', Number(opt('--small-steps', 30000))], ['wavenet76k', Number(opt('--large-steps', 8000))]])) {
  const plans = expandSpec({ name: preset, base: { preset, schedule: { steps }, reproducible: flag('--reproducible') }, grid: { seed: [1, 2, 3, 4] } }, schema);
  /** @type {Record<string, number[]>} */
  const walls = {};
  for (let round = 0; round < rounds; round++) {
    for (const [jobs, threads] of [[1, cores], [2, Math.max(1, cores / 2)]]) {
      const t0 = performance.now();
      const recs = await runSweep(plans, { engine, threads, jobs, dir: process.cwd() });
      const wall = (performance.now() - t0) / 1000;
      (walls[`${jobs}x${threads}`] ??= []).push(wall);
      console.log(`  ${preset} ${steps} steps x 4, ${jobs} at a time on ${threads} thread(s): ${wall.toFixed(1)} s, ${((4 * steps) / wall).toFixed(0)} steps/s in all`
        + ` (each run ${recs.map((r) => r.stepsPerSec.toFixed(0)).join(', ')} steps/s while training)`);
    }
  }
  const best = Object.fromEntries(Object.entries(walls).map(([k, v]) => [k, Math.min(...v)]));
  const [a, b] = Object.values(best);
  console.log(`${preset}: best one after another ${a.toFixed(1)} s, two at a time ${b.toFixed(1)} s: ${b < a ? `two at a time ${(a / b).toFixed(2)}x faster` : `one after another ${(b / a).toFixed(2)}x faster`}`);
}
