// page/run.js: the trainer page's run: the worker's events about it (a run announced, its
// state, its progress) shown by the page's cards, the run controls (Train, Pause, Resume,
// Reset), the status line and the engine line. The run's state is the worker's
// (web/shared/run-state.js): this module puts what the worker sends in the page's state
// (web/page/state.js) and tells the cards; the buttons follow the state.
import { isActive, canPause, canResume, hasModel, hasTrainer } from '../shared/run-state.js';
import { errText } from '../shared/errors.js';
import { $, fmt, showError, setStatus, moveFocus } from './dom.js';
import { state, subscribe, notify } from './state.js';
import { worker } from './connection.js';
import { onTrain, fillForm } from './form.js';
import { resetChart, addLosses } from './chart.js';
import { restartRate, stepsReported } from './progress.js';
import { autoSample, clearSamples, onSample } from './samples.js';
import { clearEval, showEval, evalStarted } from './eval.js';
import { describeLoaded, clearModelInfo, resetText } from './files.js';
import { confirmNewRun } from './confirm.js';

// ---------------------------------------------------------------- buttons
/** A run control had the focus and was disabled with no other to take it (Train while a run starts). */
let focusPending = false;

/**
 * Keeps keyboard focus on the run controls when the one that had it is disabled: the enabled one
 * for what comes next (Pause while training, Resume when paused, else Train).
 * @param {Element|null} had the focused element before the buttons changed
 */
function keepFocus(had) {
  const controls = ['pause', 'resume', 'train'].map((id) => /** @type {HTMLButtonElement} */ ($(id)));
  const lost = (had instanceof HTMLButtonElement && controls.includes(had) && had.disabled) || (focusPending && document.activeElement === document.body);
  if (!lost) {
    focusPending = false;
    return;
  }
  const next = controls.find((b) => !b.disabled);
  if (next) next.focus();
  focusPending = !next;
}

export function updateButtons() {
  const had = document.activeElement;
  const s = state.runState;
  const run = state.run;
  $('train').disabled = !(state.ready && !!state.dataInfo && !state.starting);
  $('train').textContent = run && isActive(s) ? 'Train (new run)' : 'Train';
  $('pause').disabled = !canPause(s);
  $('resume').disabled = !canResume(s);
  // A loaded checkpoint that has not trained here yet: offer to continue it.
  const cont = canResume(s) && !!run && run.origin !== 'new' && state.stepsDone === run.loadedStep;
  $('resume').textContent = cont ? 'Continue training' : 'Resume';
  $('resume').classList.toggle('primary', cont);
  const model = !!run && hasModel(s);
  $('reset').disabled = !model;
  $('sample').disabled = !model;
  $('download').disabled = !model;
  $('evaluate').disabled = !run || !hasTrainer(s) || state.evalBusy;
  $('model-input').disabled = !state.ready;
  $('model-input').labels?.[0]?.classList.toggle('disabled', !state.ready);
  keepFocus(had);
}

// ---------------------------------------------------------------- the worker's events
/** A run to show: new, loaded from a model file or restored from this browser. @param {import('../shared/protocol.js').RunInfo} r */
export function onRun(r) {
  const run = (state.run = { ...r, loadedStep: r.step, name: r.name === 'custom' ? 'custom model' : r.name });
  state.runState = r.state;
  state.settingsChanged = false;
  state.stepsDone = r.step;
  resetChart(r.histStart, r.history, r.vals);
  restartRate(r.step);
  clearEval(r.splitSizes);
  if (r.final) showEval({ ...r.final, runId: r.id });
  clearSamples();
  showError('train-error', null);
  if (r.origin === 'new') {
    setStatus(trainingText(run));
  } else {
    describeLoaded(run);
    fillForm(r);
    onSample();
  }
  notify('run');
}

/** @param {import('./state.js').PageRun} run @returns {string} "Training wavenet76k (…) on names.txt: 4,000 steps, learning rate 0.1, 0.01 from step 3,000…" */
function trainingText(run) {
  const drop = run.decayStep < run.steps && run.lr !== run.lrDecayed ? `, ${run.lrDecayed} from step ${fmt(run.decayStep)}` : '';
  return `Training ${run.name} (${fmt(run.numParams)} parameters) on ${run.source}: ${fmt(run.steps)} steps, learning rate ${run.lr}${drop}…`;
}

/** @param {import('../shared/protocol.js').StateEvent} m */
export function onState(m) {
  const run = state.run;
  if (m.runId === null) {
    if (m.state === 'idle' && run) resetView();
    return;
  }
  if (!run || m.runId !== run.id) return;
  state.runState = m.state;
  state.stepsDone = m.step;
  if (m.state === 'done') run.doneStep = m.step;
  if (m.state === 'training') restartRate(m.step);
  if (!m.quiet) describeState(run, m);
  notify('run');
}

/** The status line for a state the run moved to. @param {import('./state.js').PageRun} run @param {import('../shared/protocol.js').StateEvent} m */
function describeState(run, m) {
  if (m.state === 'training') {
    if (!state.settingsChanged) setStatus(trainingText(run));
  } else if (m.state === 'evaluating') {
    setStatus(`Finished ${fmt(m.step)} steps: evaluating the splits…`);
    evalStarted();
  } else if (m.state === 'paused') {
    setStatus(m.step >= run.steps ? `Paused at step ${fmt(m.step)}, during the end-of-run evaluation: Resume finishes it.` : `Paused at step ${fmt(m.step)}.`);
  } else if (m.state === 'done') {
    const f = run.final && run.final.step === m.step ? run.final.losses : null;
    const loss = (/** @type {number} */ v) => (Number.isFinite(v) ? v.toFixed(4) : '–');
    setStatus(`Done: ${fmt(m.step)} steps.${f ? ` Loss: train ${loss(f.train)}, val ${loss(f.val)}, test ${loss(f.test)}.` : ''}`);
    onSample();
  } else if (m.state === 'failed') {
    setStatus(m.message ?? 'Training stopped.');
    showError('train-error', m.message ?? null);
  }
}

/** @param {import('../shared/protocol.js').ProgressEvent} m */
export function onProgress(m) {
  if (!state.run || m.runId !== state.run.id) return;
  state.stepsDone = m.step;
  stepsReported(m.step);
  addLosses(m.losses);
  if (state.runState === 'training') autoSample();
}

/** Reset: the run was discarded. */
function resetView() {
  state.run = null;
  state.runState = 'idle';
  state.stepsDone = 0;
  resetChart(0, null, []);
  clearModelInfo();
  clearSamples();
  clearEval();
  setStatus(resetText());
  notify('run');
}

/**
 * "Engine: WebAssembly relaxed SIMD (fused multiply-add), 2 threads (makemore-relaxed.wasm), in a Worker." and why not faster.
 * @param {import('../shared/protocol.js').EngineEvent} m
 */
export function showEngine(m) {
  $('engine').textContent = `Engine: WebAssembly ${m.label} (makemore-${m.module}.wasm), in a Worker${m.threads === 1 ? ' (more threads while training)' : ''}.` +
    (m.notes.length ? ` ${m.notes.map((s) => s[0].toUpperCase() + s.slice(1)).join('. ')}.` : '');
}

// ---------------------------------------------------------------- wiring
/** @param {Promise<unknown>} p a call whose failure is shown under the form */
const shown = (p) => p.catch((e) => showError('train-error', errText(e)));

$('train').addEventListener('click', () => confirmNewRun().then((yes) => { if (yes) onTrain(); }));
$('pause').addEventListener('click', () => {
  shown(worker.call('pause'));
  $('resume').disabled = false;
  moveFocus($('pause'), $('resume'));
  $('pause').disabled = true;
});
$('resume').addEventListener('click', () => {
  shown(worker.call('resume'));
  $('pause').disabled = false;
  moveFocus($('resume'), $('pause'));
  $('resume').disabled = true;
});
$('reset').addEventListener('click', () => shown(worker.call('reset')));
subscribe(['ready', 'words', 'run', 'busy', 'schedule'], updateButtons);
