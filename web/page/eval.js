// page/eval.js: the trainer page's Evaluation card: the mean loss of each split in eval
// mode, at the end of a run and on demand (Evaluate), with its progress.
import { errText } from '../shared/errors.js';
import { $, fmt, showError, setStatus } from './dom.js';
import { state, notify } from './state.js';
import { worker } from './connection.js';

const SPLITS = /** @type {const} */ (['train', 'val', 'test']);

async function onEvaluate() {
  const run = state.run;
  if (!run || state.evalBusy) return;
  state.evalBusy = true;
  notify('busy');
  $('eval-meta').textContent = 'Evaluating…';
  try {
    showEval(await worker.call('evaluate'));
  } catch (e) {
    if (state.run && state.run.id !== run.id) return; // about a run that was replaced
    $('eval-meta').textContent = '';
    showError('eval-error', `Could not evaluate: ${errText(e)}`);
  } finally {
    state.evalBusy = false;
    notify('busy');
  }
}

/** @param {import('../shared/protocol.js').EvalResult} r */
export function showEval(r) {
  if (!state.run || r.runId !== state.run.id) return;
  showError('eval-error', null);
  for (const s of SPLITS) $(`e-${s}`).textContent = Number.isFinite(r.losses[s]) ? r.losses[s].toFixed(4) : '–';
  $('eval-meta').textContent = `After ${fmt(r.step)} steps.`;
}

/** The end-of-run evaluation began. */
export function evalStarted() {
  $('eval-meta').textContent = 'Evaluating…';
}

/**
 * No losses (a new run, or none); sizes: the new run's split sizes in examples (omitted: kept).
 * An Evaluate call on its way is forgotten (the caller notifies 'run'). @param {[number, number, number]|null} [sizes]
 */
export function clearEval(sizes) {
  state.evalBusy = false;
  SPLITS.forEach((s, i) => {
    if (sizes !== undefined) $(`n-${s}`).textContent = sizes ? fmt(sizes[i]) : '–';
    $(`e-${s}`).textContent = '–';
  });
  $('eval-meta').textContent = '';
  showError('eval-error', null);
}

/** @param {import('../shared/protocol.js').FinalEvalEvent} m */
export function onFinalEval(m) {
  if (!state.run || m.runId !== state.run.id) return;
  showEval(m);
  state.run.final = { step: m.step, losses: m.losses };
}

/** @param {import('../shared/protocol.js').EvalErrorEvent} m */
export function onEvalError(m) {
  if (state.run && m.runId !== state.run.id) return;
  showError('eval-error', `Could not evaluate: ${m.message}`);
}

/** @param {import('../shared/protocol.js').EvalProgressEvent} m */
export function onEvalProgress(m) {
  if (!state.run || m.runId !== state.run.id || m.kind === 'val') return;
  const pct = m.total > 0 ? Math.floor((100 * m.done) / m.total) : 100;
  $('eval-meta').textContent = `Evaluating… ${m.split} ${pct}%`;
  if (m.kind === 'final' && state.runState === 'evaluating') setStatus(`Finished ${fmt(state.stepsDone)} steps: evaluating the splits… ${m.split} ${pct}%`);
}

$('evaluate').addEventListener('click', onEvaluate);
