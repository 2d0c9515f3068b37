// page-eval.js: the trainer page's Evaluation card: the mean loss of each split in eval
// mode, at the end of a run and on demand (Evaluate), with its progress.
import { $, fmt, view, worker, showError, setStatus, errText } from './page-shared.js';
import { updateButtons } from './page-run.js';

const SPLITS = /** @type {const} */ (['train', 'val', 'test']);
let busy = false;

/** @returns {boolean} an Evaluate call is on its way */
export const evalBusy = () => busy;

async function onEvaluate() {
  const run = view.run;
  if (!run || busy) return;
  busy = true;
  updateButtons();
  $('eval-meta').textContent = 'Evaluating…';
  try {
    showEval(await worker.call('evaluate'));
  } catch (e) {
    if (view.run && view.run.id !== run.id) return; // about a run that was replaced
    $('eval-meta').textContent = '';
    showError('eval-error', `Could not evaluate: ${errText(e)}`);
  } finally {
    busy = false;
    updateButtons();
  }
}

/** @param {import('./protocol.js').EvalResult} r */
export function showEval(r) {
  if (!view.run || r.runId !== view.run.id) return;
  showError('eval-error', null);
  for (const s of SPLITS) $(`e-${s}`).textContent = Number.isFinite(r.losses[s]) ? r.losses[s].toFixed(4) : '–';
  $('eval-meta').textContent = `After ${fmt(r.step)} steps.`;
}

/** The end-of-run evaluation began. */
export function evalStarted() {
  $('eval-meta').textContent = 'Evaluating…';
}

/** No losses (a new run, or none); sizes: the new run's split sizes in examples (omitted: kept). @param {[number, number, number]|null} [sizes] */
export function clearEval(sizes) {
  busy = false;
  SPLITS.forEach((s, i) => {
    if (sizes !== undefined) $(`n-${s}`).textContent = sizes ? fmt(sizes[i]) : '–';
    $(`e-${s}`).textContent = '–';
  });
  $('eval-meta').textContent = '';
  showError('eval-error', null);
}

/** @param {import('./protocol.js').FinalEvalEvent} m */
export function onFinalEval(m) {
  if (!view.run || m.runId !== view.run.id) return;
  showEval(m);
  view.run.final = { step: m.step, losses: m.losses };
}

/** @param {import('./protocol.js').EvalErrorEvent} m */
export function onEvalError(m) {
  if (view.run && m.runId !== view.run.id) return;
  showError('eval-error', `Could not evaluate: ${m.message}`);
}

/** @param {import('./protocol.js').EvalProgressEvent} m */
export function onEvalProgress(m) {
  if (!view.run || m.runId !== view.run.id || m.kind === 'val') return;
  const pct = m.total > 0 ? Math.floor((100 * m.done) / m.total) : 100;
  $('eval-meta').textContent = `Evaluating… ${m.split} ${pct}%`;
  if (m.kind === 'final' && view.state === 'evaluating') setStatus(`Finished ${fmt(view.stepsDone)} steps: evaluating the splits… ${m.split} ${pct}%`);
}

$('evaluate').addEventListener('click', onEvaluate);
