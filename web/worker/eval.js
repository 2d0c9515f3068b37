// worker/eval.js: evaluations in the trainer page's worker, in parts of ~CHUNK_MS: the
// validation points, the end-of-run evaluation of the splits, and the Evaluate button's
// (web/worker/run.js queues it; web/worker/loop.js runs the parts).
import { errText } from '../shared/errors.js';
import { ctx, CHUNK_MS, SPLITS, setState } from './state.js';
import { persist } from './files.js';

/** @typedef {import('./state.js').Run} Run */
/** @typedef {import('./state.js').EvalJob} EvalJob */

/**
 * @param {EvalJob['kind']} kind @param {Run} r @param {EvalJob['splits']} splits
 * @param {EvalJob['answer']} [answer] the evaluate call's @returns {EvalJob}
 */
export function newJob(kind, r, splits, answer = null) {
  return { kind, answer, splits, i: 0, pos: 0, total: 0, results: {}, step: /** @type {any} */ (r.trainer).step };
}

/** One part (~CHUNK_MS) of an evaluation job. @param {Run} r @param {EvalJob} job */
export function evalPart(r, job) {
  const t = /** @type {import('../../wasm/makemore.mjs').Trainer} */ (r.trainer);
  const split = job.splits[job.i];
  const n = t.splitSizes[SPLITS.indexOf(split)];
  // Aim at CHUNK_MS; the first part of a run measures the speed.
  const want = r.evalPer > 0 ? Math.round(CHUNK_MS / r.evalPer) : 256;
  const count = Math.max(1, Math.min(n - job.pos, want, 1 << 20));
  if (n > 0) {
    const t0 = performance.now();
    try {
      job.total = t.evaluatePart(split, job.pos, count, job.total);
    } catch (e) {
      r.jobs.splice(r.jobs.indexOf(job), 1);
      failJob(r, job, errText(e));
      return;
    }
    const per = (performance.now() - t0) / count;
    r.evalPer = r.evalPer > 0 ? Math.max(r.evalPer / 2, Math.min(r.evalPer * 2, per)) : per;
    job.pos += count;
  }
  ctx.emit('evalProgress', { runId: r.id, kind: job.kind, split, done: job.pos, total: n });
  if (job.pos < n) return;
  job.results[split] = n > 0 ? Math.fround(job.total / n) : NaN;
  job.i++;
  job.pos = 0;
  job.total = 0;
  if (split === 'val' && job.kind !== 'manual') valPoint(r, job.step, /** @type {number} */ (job.results.val));
  if (job.i < job.splits.length) return;
  r.jobs.splice(r.jobs.indexOf(job), 1);
  const losses = /** @type {import('../shared/protocol.js').SplitLosses} */ (job.results);
  if (job.kind === 'manual') {
    job.answer?.resolve({ runId: r.id, step: job.step, losses });
  } else if (job.kind === 'final') {
    r.final = { step: job.step, losses };
    ctx.emit('finalEval', { runId: r.id, step: job.step, losses });
    r.dirty = true;
    setState('done');
    persist(r);
  }
}

/** @param {Run} r @param {number} step @param {number} loss */
function valPoint(r, step, loss) {
  if (r.valEvery <= 0 || r.lastValStep === step) return;
  r.lastValStep = step;
  r.vals.push({ step, loss });
  ctx.emit('val', { runId: r.id, step, loss });
}

/** @param {Run} r @param {EvalJob} job @param {string} message */
function failJob(r, job, message) {
  if (job.kind === 'manual') job.answer?.reject(new Error(message));
  else if (job.kind === 'val') ctx.emit('val', { runId: r.id, step: job.step, loss: NaN, message });
  else {
    ctx.emit('evalError', { runId: r.id, message });
    setState('done');
  }
}
