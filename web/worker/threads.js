// worker/threads.js: the helper threads of the trainer page's worker: started while a run
// trains or evaluates, stopped otherwise (web/worker/main.js subscribes syncThreads to the run's
// state, web/worker/state.js). Results are the same on any thread count, so a chunk may run
// while they start.
import { isWorking } from '../shared/run-state.js';
import { errText } from '../shared/errors.js';
import { ctx } from './state.js';

/** Threads asked for (0: the cores available). */
let wantThreads = 0;
/** setThreads calls, one after another */
let threadChain = Promise.resolve();
let cores = 1;

/** @param {number} n threads for training from now on (0: the cores available) */
export function setThreads(n) {
  wantThreads = Number(n) || 0;
  syncThreads();
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
    ctx.emit('engine', { label: mm.engineLabel, module: mm.engine, notes: mm.notes, threads: mm.threads, helpers: mm.helperCount });
  });
}
