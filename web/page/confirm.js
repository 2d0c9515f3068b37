// page/confirm.js: Train (new run) asks before it throws work away. A run that has trained steps
// and is not done, or a sweep of the lab on its way, would stop: the dialog says what is lost
// (the run's steps, the sweep's remaining runs) and how to keep it; "Keep training" is the default.
import { isActive } from '../shared/run-state.js';
import { $, fmt } from './dom.js';
import { state } from './state.js';

/** @returns {string|null} what a new run would throw away, or null: nothing (no run, or it is done) */
export function whatIsLost() {
  const run = state.run;
  const parts = [];
  // a model file's own steps are in the file; a run's new steps, or a model restored from this browser, are not
  const fromFile = run?.origin === 'file' && state.stepsDone === run.loadedStep;
  // a finished run (its Steps perhaps raised since, no step trained since) is not asked about: its numbers are in the
  // lab, and its model was offered for download; the new run's first save replaces it in this browser
  const finished = run?.doneStep === state.stepsDone;
  if (run && run.kind === 'trainer' && isActive(state.runState) && state.stepsDone > 0 && !fromFile && !finished)
    parts.push(`The current run (${run.name}, step ${fmt(state.stepsDone)} of ${fmt(run.steps)}) stops, and a new run replaces the model kept in this browser: Download model first to keep it.`);
  const sw = state.sweep;
  if (sw) parts.push(`The sweep “${sw.name}” stops after ${fmt(sw.done)} of its ${fmt(sw.total)} runs; the finished runs stay in the lab.`);
  return parts.length ? parts.join(' ') : null;
}

/** @returns {Promise<boolean>} whether to start a new run: at once if nothing is lost, else the user's answer */
export function confirmNewRun() {
  const lost = whatIsLost();
  if (!lost) return Promise.resolve(true);
  const dialog = /** @type {HTMLDialogElement} */ ($('confirm-new'));
  $('confirm-new-text').textContent = lost;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'new');
      $('train').focus();
    }, { once: true });
    dialog.returnValue = '';
    dialog.showModal();
    $('confirm-keep').focus();
  });
}
