#!/usr/bin/env node
// bench/reproduce.mjs: trains the lecture's five configurations with the native
// CLI for the full 200000 steps and prints them beside the lecture's numbers.
//   node bench/reproduce.mjs [--steps N] [--jobs J] [--seed S] [--json] [--fast] [--threads N] [--presets a,b]
// By default the reproducible engine on one thread (bitwise bench/reproduce-result.txt);
// --fast: the fast engine (FMA) on --threads threads (default 2 / jobs).
// Needs the native build (cmake -S . -B build && cmake --build build).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = process.env.MAKEMORE_CLI || path.join(root, 'build', 'makemore');
const LECTURE = [
  { preset: 'mlp3', what: '3-char MLP 12K', params: 12097, train: 2.058, val: 2.105 },
  { preset: 'mlp8', what: '8-char MLP 22K', params: 22097, train: 1.915, val: 2.034 },
  { preset: 'wavenet22k-bnbug', what: 'hierarchical 22K, pre-fix BN', params: 22397, train: 1.937, val: 2.026 },
  { preset: 'wavenet22k', what: 'hierarchical 22K, fixed BN', params: 22397, train: 1.911, val: 2.019 },
  { preset: 'wavenet76k', what: 'hierarchical 76K', params: 76579, train: 1.768, val: 1.990 },
];
/** @typedef {typeof LECTURE[number]} Row */
/** @typedef {{params: number, train_loss: number, val_loss: number, test_loss: number, steps_per_sec: number}} TrainResult the CLI's last --json line (the fields read here) */

const args = process.argv.slice(2);
/** @template T @param {string} name @param {T} def @returns {string|T} the argument after name, or def */
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const steps = Number(opt('--steps', 200000));
const jobs = Number(opt('--jobs', 1));
const seed = opt('--seed', '42');
const json = args.includes('--json');
const fast = args.includes('--fast');
const threads = opt('--threads', String(Math.max(1, Math.floor(2 / jobs))));
const only = opt('--presets', null)?.split(',');
const engineArgs = fast ? ['--threads', threads] : ['--reproducible', '--threads', '1'];

/** @param {Row} row @returns {Promise<Row & {result: TrainResult}>} */
function run(row) {
  return new Promise((resolve, reject) => {
    const p = spawn(cli, ['train', '--preset', row.preset, '--steps', String(steps), '--seed', seed, '--json', '--samples', '5', ...engineArgs]);
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${row.preset}: exit ${code}: ${err.trim()}`));
      const lines = out.trim().split('\n').map((l) => JSON.parse(l));
      resolve({ ...row, result: lines[lines.length - 1] });
    });
  });
}

/** @type {(Row & {result: TrainResult})[]} */
const results = [];
const queue = LECTURE.filter((r) => !only || only.includes(r.preset));
await Promise.all(Array.from({ length: jobs }, async () => {
  while (queue.length) results.push(await run(/** @type {Row} */ (queue.shift())));
}));
results.sort((a, b) => LECTURE.indexOf(/** @type {Row} */ (LECTURE.find((r) => r.preset === a.preset))) - LECTURE.indexOf(/** @type {Row} */ (LECTURE.find((r) => r.preset === b.preset))));

let ok = true;
if (!json) {
  console.log(`${steps} steps, batch 32, seed ${seed}${jobs > 1 ? `, ${jobs} runs at a time` : ''}, ${fast ? `fast engine, ${threads} thread(s)` : 'reproducible engine'}`);
  console.log('configuration                  params | lecture train  val | ours train    val  (val diff) | steps/s');
}
for (const r of results) {
  const x = r.result;
  const dv = x.val_loss - r.val;
  const within = Math.abs(dv) <= 0.03;
  ok &&= within && x.params === r.params;
  if (json) console.log(JSON.stringify({ preset: r.preset, params: x.params, lecture_train: r.train, lecture_val: r.val,
    train_loss: x.train_loss, val_loss: x.val_loss, test_loss: x.test_loss, steps_per_sec: x.steps_per_sec, within_0_03: within }));
  else console.log(`${r.what.padEnd(30)} ${String(x.params).padStart(6)} | ${r.train.toFixed(3).padStart(12)} ${r.val.toFixed(3).padStart(6)} |`
    + ` ${x.train_loss.toFixed(3).padStart(9)} ${x.val_loss.toFixed(3).padStart(6)}  (${dv >= 0 ? '+' : ''}${dv.toFixed(3)}) ${within ? 'ok ' : 'OFF'} | ${x.steps_per_sec.toFixed(0).padStart(7)}`);
}
if (!json) console.log(ok ? 'every val loss within 0.03 of the lecture' : 'SOME ROW IS OFF');
process.exitCode = ok ? 0 : 1;
