#!/usr/bin/env node
// bench/versus.mjs: training steps/s of this checkout against another (an earlier commit's, built),
// side by side in one run: each cell runs both checkouts' own CLIs in turns, round by round, and keeps
// each one's best. The CLIs are the stable interface between versions, so any two builds compare.
//   git worktree add /tmp/before <commit> && (cd /tmp/before && npm ci && npm run build)
//   node bench/versus.mjs /tmp/before [--rounds 5] [--presets wavenet76k] [--batches 32,512] [--seconds 2]
// Columns: native fast engine (build/makemore) on 1 and 2 threads, the native reproducible engine,
// and the relaxed-SIMD module under Node (bin/makemore-wasm.mjs) on 1 and 2 threads; each with
// this checkout's steps/s over the other's.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliStepsPerSec, opt } from './lib.mjs';

const here = fileURLToPath(new URL('..', import.meta.url));
const other = process.argv[2] && !process.argv[2].startsWith('--') ? path.resolve(process.argv[2]) : null;
if (!other || !existsSync(path.join(other, 'build/makemore'))) {
  console.error('usage: node bench/versus.mjs OTHER_CHECKOUT [--rounds R] [--presets a,b] [--batches 32,512] [--seconds S] (built: build/makemore, build-wasm/)');
  process.exit(2);
}
const rounds = Number(opt('--rounds', 5));
const presets = opt('--presets', 'wavenet76k').split(',');
const batches = opt('--batches', '32,512').split(',').map(Number);
const seconds = Number(opt('--seconds', 2));

/** @typedef {{name: string, args: string[], wasm: boolean}} Column */
/** @type {Column[]} */
const COLUMNS = [
  { name: 'native fast 1t', args: ['--threads', '1'], wasm: false },
  { name: 'native fast 2t', args: ['--threads', '2'], wasm: false },
  { name: 'native repro 1t', args: ['--threads', '1', '--reproducible'], wasm: false },
  { name: 'wasm relaxed 1t', args: ['--threads', '1'], wasm: true },
  { name: 'wasm relaxed 2t', args: ['--threads', '2'], wasm: true },
];

/**
 * One run of a checkout's CLI: its steps/s.
 * @param {string} dir @param {Column} col @param {string} preset @param {number} batch @param {number} steps
 */
function stepsPerSec(dir, col, preset, batch, steps) {
  const command = col.wasm ? [process.execPath, '--experimental-wasm-relaxed-simd', path.join(dir, 'bin/makemore-wasm.mjs')] : [path.join(dir, 'build/makemore')];
  return cliStepsPerSec(command, preset, batch, steps, ['--data', path.join(here, 'data/names.txt'), ...col.args]);
}

console.log(`steps/s, best of ${rounds} rounds taken in turns; ${os.cpus()[0]?.model}, ${os.cpus().length} cores`);
console.log(`this: ${here}\nother: ${other}`);
console.log(`${'preset'.padEnd(12)}${'batch'.padStart(6)}  ${COLUMNS.map((c) => `${c.name}: this / other (ratio)`.padEnd(40)).join('')}`);
for (const preset of presets)
  for (const batch of batches) {
    const cells = [];
    for (const col of COLUMNS) {
      const steps = Math.max(50, Math.round(stepsPerSec(here, col, preset, batch, 50) * seconds)); // sized by a probe
      let a = 0, b = 0;
      for (let r = 0; r < rounds; r++) {
        const first = r % 2 === 0; // alternate which goes first
        for (const mine of first ? [true, false] : [false, true]) {
          const s = stepsPerSec(mine ? here : other, col, preset, batch, steps);
          if (mine) a = Math.max(a, s);
          else b = Math.max(b, s);
        }
      }
      cells.push(`${a.toFixed(0)} / ${b.toFixed(0)} (${(a / b).toFixed(3)})`.padEnd(40));
    }
    console.log(`${preset.padEnd(12)}${String(batch).padStart(6)}  ${cells.join('')}`);
  }
