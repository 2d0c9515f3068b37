// app.js: the trainer page. It never touches WebAssembly: web/worker.js owns the module
// and trains in chunks of ~50 ms; the page calls it and renders what it reports (the
// calls and events: web/protocol.js, through web/bridge.js). Its parts, by what they show:
//   web/page-data.js     the word list          web/page-form.js   the settings form
//   web/page-run.js      run controls, status   web/page-chart.js  the loss chart
//   web/page-samples.js  samples                web/page-eval.js   the evaluation
//   web/page-files.js    model files and the model kept in this browser
//   web/diag-view.js     the diagnostics (activation, gradient and update:data statistics; from page-run.js)
//   web/lab-page.js      the lab: finished runs kept, overlaid, in a table; sweeps
// (web/page-shared.js: the worker, the view of the run, DOM helpers.)
import { $, view, worker, setReady, showError, setStatus, errText } from './page-shared.js';
import { loadNames, showData } from './page-data.js';
import { initForm, checkConfig } from './page-form.js';
import { onRun, onState, onProgress, updateButtons, renderProgress } from './page-run.js';
import { addVal } from './page-chart.js';
import { onFinalEval, onEvalError, onEvalProgress } from './page-eval.js';
import { onStored, onStoreError, restoreModel } from './page-files.js';
import { initLab } from './lab-page.js';

/**
 * "Engine: relaxed SIMD (fused multiply-add), 2 threads, in a Worker." and why not faster.
 * @param {import('./protocol.js').EngineEvent} m
 */
function showEngine(m) {
  $('engine').textContent = `Engine: WebAssembly ${m.label}, in a Worker${m.threads === 1 ? ' (more threads while training)' : ''}.` +
    (m.notes.length ? ` ${m.notes.map((s) => s[0].toUpperCase() + s.slice(1)).join('. ')}.` : '');
}

worker.on('engine', showEngine);
worker.on('words', showData);
worker.on('run', onRun);
worker.on('state', onState);
worker.on('progress', onProgress);
worker.on('val', (m) => {
  if (view.run && m.runId === view.run.id) addVal(m.step, m.loss);
});
worker.on('finalEval', onFinalEval);
worker.on('evalError', onEvalError);
worker.on('evalProgress', onEvalProgress);
worker.on('stored', onStored);
worker.on('storeError', onStoreError);
/** @type {Worker} */ (worker.port).addEventListener('error', (e) => setStatus(`The worker failed: ${e.message ?? 'unknown error'}`));

/** Loads the module (?engine=relaxed|simd|scalar in the page's address picks it; default: the fastest this browser runs). */
async function start() {
  let r;
  try {
    r = await worker.call('init', { engine: new URLSearchParams(location.search).get('engine') });
  } catch (e) {
    setStatus(errText(e));
    showError('train-error', errText(e));
    return;
  }
  view.presets = r.presets;
  setReady();
  initForm(r);
  initLab(r.schema, r.engine);
  setStatus(view.dataInfo ? 'Ready.' : 'Loading names.txt…');
  updateButtons();
  checkConfig();
  restoreModel(); // the last model of this browser, if any
}

renderProgress();
updateButtons();
start();
loadNames();
