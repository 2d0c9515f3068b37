#!/usr/bin/env node
// bench/sweep.mjs: the experiment runner from Node (web/lab/runner.js, as the trainer page's lab):
// a JSON spec in, one JSON line per finished run out, with the page's table columns (web/lab/runner.js
// COLUMNS) then the loss curve and the validation points; a run that fails prints {"name", "error"} and the
// others go on (exit status 1).
//   node bench/sweep.mjs spec.json [--jobs N] [--engine relaxed|simd|scalar] [--threads N] [--reproducible]
//                        [--steps N] [--table] [--out runs.json]
// --jobs: runs at a time, each in a worker thread on --threads threads (default: the cores / jobs);
//   default 2 where there are 2 cores or more (on this 2-core machine two runs of 1 thread at once beat
//   one after another on 2 threads: bench/sweep-result.txt); the numbers do not depend on it. --engine: the module (default the fastest Node runs; relaxed needs
//   --experimental-wasm-relaxed-simd, added by a relaunch). --reproducible: every run on the reference
//   engine (bitwise the native CLI's --reproducible). --steps N: every run N steps, its learning-rate
//   decay at the same fraction. --table: a text table on stderr at the end. --out: the runs as a JSON
//   export the page imports (Import JSON). MM_WASM_DIR: the .wasm folder (default build-wasm/).
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { relaunchWithRelaxedSimd, opt, flag } from './lib.mjs';
import { COLUMNS, cellText, expandSpec, exportJson, tableRow, withSteps } from '../web/lab/runner.js';
import { runSweep } from './lab-node.mjs';
/** @typedef {import('../web/lab/runner.js').RunRecord} RunRecord @typedef {import('../web/lab/runner.js').RunPlan} RunPlan */

/** MM_WASM_DIR: the .wasm folder (default the loader's: build-wasm/). */
const wasmDir = process.env.MM_WASM_DIR ? pathToFileURL(path.resolve(process.env.MM_WASM_DIR) + '/').href : undefined;

/**
 * The runs a sweep makes at a time by default: two (on one thread each) where there are two cores or
 * more. On this 2-core machine a sweep two runs at a time finished 1.48x (wavenet76k) and 2.12x (mlp3)
 * sooner than one after another on 2 threads each (bench/sweep-result.txt: a second thread speeds one
 * run at batch 32 up far less than 2x); more than two at a time was not measured.
 */
export const DEFAULT_JOBS = Math.min(2, availableParallelism());

/** @param {RunRecord} r @returns {string} the JSON line of a finished run */
export const recordLine = (r) => JSON.stringify({ ...tableRow(r), curve_group: r.curve.group, curve: r.curve.y, vals: r.vals });

/** @param {RunRecord[]} records @returns {string} the page's table as text */
export function tableText(records) {
  const cols = COLUMNS.filter((c) => c.key !== 'id' && (c.key.startsWith('lecture') ? records.some((r) => r.reference) : true));
  const cells = [cols.map((c) => c.label), ...records.map((r) => cols.map((c) => cellText(r, c)))];
  const w = cols.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return cells.map((row) => row.map((s, i) => (i < 4 ? s.padEnd(w[i]) : s.padStart(w[i]))).join('  ')).join('\n');
}

/**
 * The spec file's runs with the command line's overrides.
 * @param {string} file @param {{steps?: number, reproducible?: boolean}} o @returns {Promise<RunPlan[]>}
 */
export async function plansOf(file, o) {
  const { loadMakemore } = await import('../wasm/makemore.mjs');
  const mm = await loadMakemore({ engine: 'scalar', threads: 1, ...(wasmDir ? { wasmDir } : {}) }); // the schema only
  let spec;
  try {
    spec = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: ${e instanceof Error ? e.message : e}`);
  }
  let plans = expandSpec(spec, mm.schema);
  await mm.close();
  if (o.steps !== undefined) plans = withSteps(plans, o.steps);
  if (o.reproducible) plans = plans.map((p) => ({ ...p, reproducible: true }));
  return plans;
}

/** @param {string} name @param {string|null} v @returns {number|undefined} */
function intOpt(name, v) {
  if (v === null) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new Error(`${name} ${v}: a whole number >= 1`);
  return Number(v);
}

async function main() {
  const file = process.argv[2];
  if (!file || file.startsWith('--')) throw new Error('usage: node bench/sweep.mjs spec.json [--jobs N] [--engine relaxed|simd|scalar] [--threads N] [--reproducible] [--steps N] [--table] [--out FILE]');
  const engine = /** @type {any} */ (opt('--engine', null));
  if (engine !== null && !['relaxed', 'simd', 'scalar'].includes(engine)) throw new Error(`--engine ${engine}: relaxed, simd or scalar`);
  const jobs = intOpt('--jobs', opt('--jobs', null)) ?? DEFAULT_JOBS;
  const threads = intOpt('--threads', opt('--threads', null)) ?? Math.max(1, Math.floor(availableParallelism() / jobs));
  const plans = await plansOf(file, { steps: intOpt('--steps', opt('--steps', null)), reproducible: flag('--reproducible') });
  let failed = 0;
  const records = await runSweep(plans, { engine, threads, jobs, dir: path.dirname(path.resolve(file)), wasmDir }, (r) => console.log(recordLine(r)), (e, plan) => {
    failed++; // a line of its own, and the others go on
    console.log(JSON.stringify({ name: plan.name, error: e instanceof Error ? e.message : String(e) }));
  });
  if (failed) process.exitCode = 1;
  if (flag('--table')) console.error(tableText(records));
  const out = opt('--out', null);
  if (out) writeFileSync(out, exportJson(records));
}

if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  relaunchWithRelaxedSimd();
  main().catch((e) => {
    console.error(`sweep: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  });
}
