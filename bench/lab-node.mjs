// bench/lab-node.mjs: the experiment runner's "run one" for Node (bench/sweep.mjs, tests): a RunPlan
// of web/lab/runner.js trained through the JS API as the trainer page's worker trains it (the same
// createTrainer settings, a validation point every valEvery steps and at the end, the final eval-mode
// losses of the splits summed in parts as the page and the CLIs do), and its RunRecord.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CurveBuilder, makeRecord } from '../web/lab/runner.js';
/** @typedef {import('../wasm/makemore.mjs').Makemore} Makemore @typedef {import('../wasm/makemore.mjs').Words} Words */
/** @typedef {import('../web/lab/runner.js').RunPlan} RunPlan @typedef {import('../web/lab/runner.js').RunRecord} RunRecord */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Steps per trainer.run call (fewer up to the next validation point). */
const CHUNK = 1000;

/**
 * A data set's word list: a path (absolute, or relative to dir), else a file of data/ by name.
 * @param {string} name @param {string} [dir] where the spec is @returns {{bytes: Uint8Array, file: string}}
 */
export function readDataset(name, dir = process.cwd()) {
  const tries = [path.resolve(dir, name), path.join(ROOT, 'data', name)];
  for (const file of tries) {
    try {
      return { bytes: readFileSync(file), file };
    } catch {
      // the next place
    }
  }
  throw new Error(`data set ${name}: no such file (looked at ${tries.join(', ')})`);
}

/** @param {string} s a u64 seed in decimal @returns {number|bigint} */
const seedOf = (s) => (BigInt(s) <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(s) : BigInt(s));

/**
 * The eval-mode loss of a split (bitwise the sum in parts that web/worker/eval.js makes: Trainer.evaluatePart).
 * @param {import('../wasm/makemore.mjs').Trainer} t @param {'train'|'val'|'test'} split @returns {number|null} null: an empty split
 */
function evalSplit(t, split) {
  return t.splitSizes[['train', 'val', 'test'].indexOf(split)] === 0 ? null : t.evaluate(split);
}

/**
 * Trains one plan to its end and evaluates it.
 * @param {Makemore} mm @param {Words} words the plan's data set @param {RunPlan} plan
 * @param {{onLosses?: (start: number, losses: Float32Array) => void}} [o] every chunk's losses (tests)
 * @returns {RunRecord}
 */
export function trainPlan(mm, words, plan, { onLosses } = {}) {
  const w0 = performance.now();
  const t = mm.createTrainer({ words, config: plan.config, ...plan.data, ...plan.schedule, seed: seedOf(plan.seed), reproducible: plan.reproducible });
  try {
    const steps = plan.schedule.steps;
    const curve = new CurveBuilder(steps);
    /** @type {{step: number, loss: number}[]} */
    const vals = [];
    let trainSeconds = 0;
    for (let at = 0; at < steps; ) {
      const nextVal = plan.valEvery > 0 ? (Math.floor(at / plan.valEvery) + 1) * plan.valEvery : Infinity;
      const c0 = performance.now();
      const l = t.run(Math.min(CHUNK, steps - at, nextVal - at));
      trainSeconds += (performance.now() - c0) / 1000;
      onLosses?.(at, l);
      curve.append(l);
      at += l.length;
      if (at === nextVal && at < steps) vals.push({ step: at, loss: /** @type {number} */ (evalSplit(t, 'val')) });
    }
    const losses = { val: evalSplit(t, 'val'), test: evalSplit(t, 'test'), train: evalSplit(t, 'train') };
    if (plan.valEvery > 0 && losses.val !== null) vals.push({ step: steps, loss: losses.val });
    return makeRecord(plan, {
      params: t.numParams, steps: t.step, engine: t.kernels, threads: mm.threads, losses, trainSeconds,
      wallSec: (performance.now() - w0) / 1000, curve: curve.curve(), vals, where: 'node',
    });
  } finally {
    t.free();
  }
}

/**
 * How a sweep runs: the module, threads per run, runs at a time.
 * @typedef {{engine: 'relaxed'|'simd'|'scalar'|null, threads: number, jobs: number, dir: string, wasmDir?: string}} SweepOptions
 *   dir: where relative data sets are; wasmDir: the .wasm folder (default the loader's, build-wasm/)
 */

/**
 * Loads the module and trains plans one after another in this thread, the word lists read once.
 * @param {SweepOptions} o @returns {Promise<{mm: Makemore, run: (plan: RunPlan) => RunRecord, close: () => Promise<void>}>}
 */
export async function openRunner(o) {
  const { loadMakemore, relaxedSimdSupported, simdSupported } = await import('../wasm/makemore.mjs');
  const engine = o.engine ?? (relaxedSimdSupported() ? 'relaxed' : simdSupported() ? 'simd' : 'scalar');
  const mm = await loadMakemore({ engine, threads: engine === 'relaxed' ? o.threads : 1, ...(o.wasmDir ? { wasmDir: o.wasmDir } : {}) });
  /** @type {Map<string, Words>} */
  const lists = new Map();
  return {
    mm,
    run(plan) {
      let words = lists.get(plan.dataset);
      if (!words) lists.set(plan.dataset, (words = mm.parseWords(readDataset(plan.dataset, o.dir).bytes)));
      return trainPlan(mm, words, plan);
    },
    async close() {
      for (const w of lists.values()) w.free();
      await mm.close();
    },
  };
}

/**
 * Trains plans, o.jobs at a time: one runner per job, each in a worker thread of its own
 * (bench/sweep-worker.mjs) when jobs > 1. Resolves with the records in the plans' order.
 * @param {RunPlan[]} plans @param {SweepOptions} o @param {(r: RunRecord) => void} [onRecord] each as it finishes
 * @param {(e: unknown, plan: RunPlan) => void} [onError] a run that failed (without it, the sweep fails)
 * @returns {Promise<RunRecord[]>}
 */
export async function runSweep(plans, o, onRecord, onError) {
  const { runQueue } = await import('../web/lab/runner.js');
  if (o.jobs <= 1) {
    const r = await openRunner(o);
    try {
      return await runQueue(plans, async (p) => r.run(p), { onDone: onRecord, onError });
    } finally {
      await r.close();
    }
  }
  const { Worker } = await import('node:worker_threads');
  const workers = Array.from({ length: Math.min(o.jobs, plans.length) }, () =>
    new Worker(new URL('./sweep-worker.mjs', import.meta.url), { workerData: o }));
  const free = workers.slice();
  /** @type {((w: import('node:worker_threads').Worker) => void)[]} */
  const waiting = [];
  const take = () => new Promise((/** @type {(w: import('node:worker_threads').Worker) => void} */ res) => { const w = free.pop(); if (w) res(w); else waiting.push(res); });
  const give = (/** @type {import('node:worker_threads').Worker} */ w) => { const n = waiting.shift(); if (n) n(w); else free.push(w); };
  /** @param {RunPlan} plan @returns {Promise<RunRecord>} */
  const runOne = async (plan) => {
    const w = await take();
    try {
      return await new Promise((res, rej) => {
        const onMsg = (/** @type {{record?: RunRecord, error?: string}} */ m) => { w.off('error', rej); if (m.error) rej(new Error(m.error)); else res(/** @type {RunRecord} */ (m.record)); };
        w.once('message', onMsg);
        w.once('error', rej);
        w.postMessage(plan);
      });
    } finally {
      give(w);
    }
  };
  try {
    return await runQueue(plans, runOne, { jobs: workers.length, onDone: onRecord, onError });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
