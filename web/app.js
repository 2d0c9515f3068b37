// app.js: the trainer page. It never touches WebAssembly: web/worker/main.js owns the module
// and trains in chunks of ~50 ms; the page calls it and renders what it reports (the
// calls and events: web/shared/protocol.js, through web/shared/bridge.js). This file only wires the
// page's parts together: the worker's events to the parts that show them, and the start.
// The parts, by what they show (web/page/):
//   data.js      the word list              form.js      the settings form, Train
//   run.js       run controls, status       chart.js     the loss chart
//   samples.js   samples                    eval.js      the evaluation
//   progress.js  the progress line          files.js     model files and the model kept in this browser
//   diag-view.js the diagnostics (activation, gradient and update:data statistics)
//   model-view.js the model, drawn
// and the lab (web/lab/page.js: finished runs kept, overlaid, in a table; sweeps).
// What they share: web/page/state.js (the page's state; a part that changes it notifies the
// parts that show it), web/page/connection.js (the worker), web/page/dom.js (DOM helpers),
// web/page/frames.js (drawing on animation frames). No part imports web/page/run.js or this file.
import { errText } from './shared/errors.js';
import { setStatus, showError } from './page/dom.js';
import { state, setReady } from './page/state.js';
import { worker } from './page/connection.js';
import { loadNames, showData } from './page/data.js';
import { initForm, checkConfig } from './page/form.js';
import { onRun, onState, onProgress, showEngine, updateButtons } from './page/run.js';
import { renderProgress } from './page/progress.js';
import { onVal } from './page/chart.js';
import { onFinalEval, onEvalError, onEvalProgress } from './page/eval.js';
import { onStored, onStoreError, restoreModel } from './page/files.js';
import { initLab } from './lab/page.js';

worker.on('engine', showEngine);
worker.on('words', showData);
worker.on('run', onRun);
worker.on('state', onState);
worker.on('progress', onProgress);
worker.on('val', onVal);
worker.on('finalEval', onFinalEval);
worker.on('evalError', onEvalError);
worker.on('evalProgress', onEvalProgress);
worker.on('stored', onStored);
worker.on('storeError', onStoreError);
/** @type {Worker} */ (worker.port).addEventListener('error', (e) => setStatus(`The worker failed: ${e.message ?? 'unknown error'}`));

/**
 * Loads the module (?engine=relaxed|simd-threads|simd|scalar in the page's address picks it; default:
 * the fastest this browser runs). Throws if the page cannot start (web/boot.js shows why).
 */
async function start() {
  let r;
  try {
    r = await worker.call('init', { engine: new URLSearchParams(location.search).get('engine') });
  } catch (e) {
    showError('train-error', errText(e));
    throw e;
  }
  state.presets = r.presets;
  setReady(); // the buttons follow
  initForm(r);
  await initLab(r.schema, r.engine, r.cores);
  setStatus(state.dataInfo ? 'Ready.' : 'Loading names.txt…');
  checkConfig();
  restoreModel(); // the last model of this browser, if any
}

renderProgress();
updateButtons();
/** Resolves once the page is ready; rejects with why it could not start. */
export const started = start();
loadNames();
