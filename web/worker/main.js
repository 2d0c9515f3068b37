// worker/main.js: the trainer page's module Worker. It owns the WebAssembly module (through
// wasm/makemore.mjs); the page only calls it and listens to its events, through
// web/shared/bridge.js. The calls and events are web/shared/protocol.js; the run's states are
// web/shared/run-state.js. This file loads the module and wires the calls to the modules that answer them:
//   web/worker/state.js    the module, the word list, the current run and its state
//   web/worker/data.js     the word list, configuration checks, sampling
//   web/worker/run.js      new runs, pause, resume, reset, Evaluate, the schedule
//   web/worker/loop.js     the work: training in chunks, evaluations in parts
//   web/worker/eval.js     validation points and evaluations
//   web/worker/threads.js  the helper threads (they follow the run's state)
//   web/worker/files.js    model files and the last model kept in this browser
// @ts-check (tsconfig.worker.json checks this file with lib webworker; the modules it imports are checked by tsconfig.json)
import { loadMakemore, availableCores } from '../../wasm/makemore.mjs';
import { measureCores } from './cores.js';
import { serve } from '../shared/bridge.js';
import { errText } from '../shared/errors.js';
import { ctx, setState, subscribe } from './state.js';
import { setThreads, setCores, syncThreads } from './threads.js';
import { loadWords, check, sample } from './data.js';
import { startRun, pause, resume, reset, setSchedule, setStatsEvery, evaluate } from './run.js';
import { saveFile, loadModelFile, restore, forget, persist } from './files.js';

/** @typedef {import('../shared/protocol.js').Calls} Calls */

/** @type {(v: void) => void} */
let moduleLoaded = () => {};
/** @type {(e: Error) => void} */
let moduleFailed = () => {};
/** Calls wait for the module (init loads it); they fail with its error if it cannot load. */
const ready = new Promise((resolve, reject) => {
  moduleLoaded = resolve;
  moduleFailed = reject;
});
ready.catch(() => {}); // answered to each call that waits for it

/**
 * A handler that runs once the module is loaded.
 * @template {(...args: any[]) => any} F @param {F} f @returns {(...args: Parameters<F>) => Promise<Awaited<ReturnType<F>>>}
 */
const afterInit = (f) => (...args) => ready.then(() => f(...args));

/** One thread until a run trains (see web/worker/threads.js); the fastest module the browser runs. @param {Parameters<Calls['init']>[0]} a */
async function init({ engine, store }) {
  if (ctx.state !== 'loading') throw new Error('the module is loaded already');
  ctx.store = store !== false;
  let mm;
  let cores;
  try {
    [mm, cores] = await Promise.all([loadMakemore({ threads: 1, engine: /** @type {any} */ (engine ?? 'auto') }), availableCores()]);
  } catch (e) {
    const err = new Error(`could not load the WebAssembly module: ${errText(e)}`);
    setState('unavailable');
    moduleFailed(err);
    throw err;
  }
  // measured only where threads can be had, and not in the lab's second lane (its runs take one thread)
  const m = mm.threadsAvailable && ctx.store ? await measureCores(cores) : { cores, measured: false };
  if (m.measured && m.cores < cores) mm.notes.push(`at most ${m.cores} threads: this browser says ${cores} cores, more than ${m.cores} gain too little`);
  ctx.mm = mm;
  setCores(m.cores);
  setState('idle');
  moduleLoaded();
  return { simd: mm.simd, engine: mm.engine, cores: m.cores, schema: mm.schema, presets: mm.presets };
}

/** @type {import('../shared/protocol.js').Handlers} */
const handlers = {
  init,
  loadWords: afterInit(loadWords),
  check: afterInit(check),
  train: afterInit(startRun),
  pause: afterInit(pause),
  resume: afterInit(resume),
  reset: afterInit(reset),
  setThreads: afterInit((/** @type {{threads: number}} */ { threads }) => setThreads(threads)),
  setSchedule: afterInit(setSchedule),
  setStatsEvery: afterInit(setStatsEvery),
  sample: afterInit(sample),
  evaluate: afterInit(evaluate),
  save: afterInit(saveFile),
  loadModel: afterInit((/** @type {import('../shared/protocol.js').LoadRequest} */ { bytes, name }) => loadModelFile(new Uint8Array(bytes), { origin: 'file', fileName: name })),
  restore: afterInit(restore),
  persist: afterInit(() => persist(ctx.run)),
  forget: afterInit(forget),
};
subscribe(syncThreads); // the helper threads follow the run's state
ctx.emit = serve(self, handlers);
