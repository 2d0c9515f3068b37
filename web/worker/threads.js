// worker/threads.js: the helper threads of the trainer page's worker: started while a run
// trains or evaluates, stopped otherwise (web/worker/main.js subscribes syncThreads to the run's
// state, web/worker/state.js). Results are the same on any thread count, so a chunk may run
// while they start.
import { isWorking } from '../shared/run-state.js';
import { errText } from '../shared/errors.js';
import { ThreadProbe } from '../../wasm/api/probe.mjs';
import { ctx } from './state.js';

/** Threads asked for (0: the cores available). */
let wantThreads = 0;
/** setThreads calls, one after another */
let threadChain = Promise.resolve();
let cores = 1;

/** @param {number} n threads for training from now on (0: the cores available) */
export function setThreads(n) {
  wantThreads = Number(n) || 0;
  const r = ctx.run;
  if (r?.probe) { // a count chosen by hand: the run on the module's threads (a run measures once: blank again keeps them all)
    r.probe = null;
    r.trainer?.onOneThread(false);
  }
  syncThreads();
}

/**
 * The thread probe of a run that trains with Threads left blank on more than one thread: made once its helpers are
 * up (its first steps then alternate between one thread and them; the faster trains the rest). Null otherwise.
 * @param {import('./state.js').Run} r @returns {ThreadProbe|null}
 */
export function probeOf(r) {
  const mm = ctx.mm;
  if (!r.probe && !wantThreads && mm.threads > 1 && r.trainer && !r.probed) {
    r.probe = new ThreadProbe(r.trainer, mm.threads, r.steps - r.trainer.step);
    r.probed = true;
  }
  return r.probe ?? null;
}

/** Tells the page the engine and its threads (its 'engine' event): those a run's probe chose, and what it measured. */
export function emitEngine() {
  const mm = ctx.mm;
  const p = ctx.run?.probe;
  const chose = p && p.threads && mm.threads > 1 ? p.threads : 0;
  const label = chose ? mm.engineLabel.replace(/\d+ threads?$/, chose === 1 ? '1 thread' : `${chose} threads`) : mm.engineLabel;
  const notes = chose && p
    ? [...mm.notes, `measured on this run's first steps: ${chose === 1 ? '1 thread' : `${chose} threads`} trains faster (${Math.round(p.rate(0))} steps/s on 1, ${Math.round(p.rate(1))} on ${p.pool})`]
    : mm.notes;
  ctx.emit('engine', { label, module: mm.engine, notes, threads: chose || mm.threads, helpers: mm.helperCount });
}

/** @param {number} n threads for the next run (0: the cores available): they start with it */
export function threadsForNextRun(n) {
  wantThreads = Number(n) || 0;
}

/** @param {number} n the cores available */
export function setCores(n) {
  cores = n;
}

/** The threads the run's state wants: started or stopped after the calls before; the page is told (its 'engine' event). */
export function syncThreads() {
  threadChain = threadChain.then(async () => {
    const mm = ctx.mm;
    const n = isWorking(ctx.state) ? wantThreads || cores : 1;
    try {
      if (n !== mm.threads) await mm.setThreads(n);
    } catch (e) {
      mm.notes.push(`one thread: the helper threads did not start (${errText(e)})`);
    }
    emitEngine();
  });
}
