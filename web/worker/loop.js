// worker/loop.js: the work loop of the trainer page's worker: the current run's next piece
// of work, each a task of its own so that calls are answered in between: a part of an
// evaluation (web/worker/eval.js) or a chunk of training of ~CHUNK_MS, whose losses go to
// the page; the end of the schedule begins the end-of-run evaluation.
import { isWorking } from '../shared/run-state.js';
import { errText } from '../shared/errors.js';
import { ctx, CHUNK_MS, setState } from './state.js';
import { newJob, evalPart } from './eval.js';
import { persist } from './files.js';
import { probeOf, emitEngine } from './threads.js';

/** Save the running model to IndexedDB this often (and on pause, at the end, when the page is hidden). */
const SAVE_EVERY_MS = 5 * 60 * 1000;
/** The loss history (kept for the chart of a restored run) is dropped beyond this many steps. */
const HISTORY_MAX = 1_000_000;

/** @typedef {import('./state.js').Run} Run */

let scheduled = false;
// A zero-delay macrotask: setTimeout(0) is clamped to 4 ms when nested.
const tick = new MessageChannel();
tick.port1.onmessage = () => {
  scheduled = false;
  work();
};
/** Asks for the next piece of work (a task of its own, so calls are answered in between). */
export function schedule() {
  if (scheduled) return;
  scheduled = true;
  tick.port2.postMessage(null);
}

/** The next piece of work: a part of an evaluation, or a chunk of training. */
function work() {
  const r = ctx.run;
  if (!r || !r.trainer) return;
  const working = isWorking(ctx.state);
  // Pending evaluations come first: they measure the model at their step. A
  // manual one (the Evaluate button) runs even while paused.
  const job = r.jobs.find((j) => j.kind === 'manual' || working);
  if (job) {
    evalPart(r, job);
    if (ctx.run === r) schedule();
    return;
  }
  if (!working) return;
  if (r.trainer.step >= r.steps) {
    beginFinal(r);
    schedule();
    return;
  }
  trainChunk(r);
  if (ctx.run === r && isWorking(ctx.state)) schedule();
}

/** The schedule ended: evaluate the splits, then the run is done. @param {Run} r */
export function beginFinal(r) {
  if (!r.jobs.some((j) => j.kind === 'final')) r.jobs.push(newJob('final', r, ['val', 'test', 'train']));
  setState('evaluating');
}

/** @param {Run} r */
function trainChunk(r) {
  const t = /** @type {import('../../wasm/makemore.mjs').Trainer} */ (r.trainer);
  const start = t.step;
  const probe = probeOf(r);
  const wanted = Math.max(1, Math.min(r.chunk, r.steps - start, r.nextVal - start));
  const n = probe ? probe.before(wanted) : wanted;
  const t0 = performance.now();
  let losses;
  let failure = null;
  try {
    losses = t.run(n);
  } catch (e) {
    failure = e;
    losses = /** @type {any} */ (e).losses ?? new Float32Array(0);
  }
  const ms = performance.now() - t0;
  if (probe && !probe.threads) {
    probe.after(losses.length, ms / 1000);
    if (probe.threads) emitEngine();
  }
  if (losses.length > 0) {
    // Aim the next chunk at CHUNK_MS, changing by at most 2x at a time (not from a probe's short chunk).
    const per = ms / losses.length;
    if (n === wanted) r.chunk = Math.max(1, Math.min(4096, Math.round(Math.min(r.chunk * 2, Math.max(r.chunk / 2, CHUNK_MS / Math.max(per, 1e-3))))));
    record(r, losses);
    r.dirty = true;
    const stats = t.takeStats();
    ctx.emit('progress', { runId: r.id, start, losses, step: t.step, ms, ...(stats.length ? { stats } : {}) }, [losses.buffer]);
  }
  if (failure) {
    r.failure = `training stopped at step ${t.step + 1}: ${errText(failure)}`;
    setState('failed');
    return;
  }
  const now = t.step;
  // A validation point (at the end of the schedule the final evaluation gives it).
  if (now >= r.nextVal && now < r.steps) r.jobs.push(newJob('val', r, ['val']));
  while (r.nextVal <= now) r.nextVal += r.valEvery;
  if (now >= r.steps) beginFinal(r);
  if (performance.now() - r.lastSave > SAVE_EVERY_MS) persist(r);
}

/** @param {Run} r @param {Float32Array} losses */
function record(r, losses) {
  const h = r.hist;
  if (!h) return;
  if (h.n + losses.length > HISTORY_MAX) {
    r.hist = null; // too long to keep: a restored run's chart starts where it was saved
    return;
  }
  if (h.n + losses.length > h.buf.length) {
    let cap = Math.max(1024, h.buf.length);
    while (h.n + losses.length > cap) cap *= 2;
    const b = new Float32Array(cap);
    b.set(h.buf.subarray(0, h.n));
    h.buf = b;
  }
  h.buf.set(losses, h.n);
  h.n += losses.length;
}
