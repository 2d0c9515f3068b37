// page-run.js: the trainer page's run controls (Train, Pause, Resume, Reset), the status
// line and the progress line. The run's state is the worker's (web/run-state.js): this
// module renders the state it is sent.
import { isActive, canPause, canResume, hasModel, hasTrainer } from './run-state.js';
import { $, fmt, view, worker, showError, setStatus, setText, errText, moveFocus } from './page-shared.js';
import { readSettings, checkConfig, fillForm } from './page-form.js';
import { resetChart, addLosses, dirtyChart, invalidate, progressDrawn } from './page-chart.js';
import { autoSample, clearSamples, onSample } from './page-samples.js';
import { clearEval, showEval, evalStarted, evalBusy } from './page-eval.js';
import { describeLoaded, clearModelInfo } from './page-files.js';
import { statsEvery } from './diag-view.js';

/** recent (time, step) pairs for the steps/s estimate @type {[number, number][]} */
let rateHist = [];

// ---------------------------------------------------------------- buttons
export function updateButtons() {
  const s = view.state;
  const run = view.run;
  $('train').disabled = !(view.ready && !!view.dataInfo && !view.starting);
  $('train').textContent = run && isActive(s) ? 'Train (new run)' : 'Train';
  $('pause').disabled = !canPause(s);
  $('resume').disabled = !canResume(s);
  // A loaded checkpoint that has not trained here yet: offer to continue it.
  const cont = canResume(s) && !!run && run.origin !== 'new' && view.stepsDone === run.loadedStep;
  $('resume').textContent = cont ? 'Continue training' : 'Resume';
  $('resume').classList.toggle('primary', cont);
  const model = !!run && hasModel(s);
  $('reset').disabled = !model;
  $('sample').disabled = !model;
  $('download').disabled = !model;
  $('evaluate').disabled = !run || !hasTrainer(s) || evalBusy();
  $('model-input').disabled = !view.ready;
  $('model-input').labels?.[0]?.classList.toggle('disabled', !view.ready);
}

/** Train: a new run with the form's settings. */
export async function onTrain() {
  showError('train-error', null);
  let settings;
  try {
    settings = { ...readSettings(), statsEvery: statsEvery() };
  } catch (e) {
    showError('train-error', `Not started: ${errText(e)}.`);
    return;
  }
  const r = await checkConfig();
  if (!r || r.problem) {
    showError('train-error', `Not started: ${r?.problem ?? $('config-error').textContent}`);
    $('config-error').scrollIntoView?.({ block: 'nearest' });
    return;
  }
  view.starting = true;
  updateButtons();
  setStatus('Starting…');
  try {
    await worker.call('train', settings); // the 'run' event came first
  } catch (e) {
    showError('train-error', `Not started: ${errText(e)}`); // the current run, if any, goes on
    setStatus('Not started.');
  } finally {
    view.starting = false;
    updateButtons();
  }
}

// ---------------------------------------------------------------- the worker's events
/** A run to show: new, loaded from a model file or restored from this browser. @param {import('./protocol.js').RunInfo} r */
export function onRun(r) {
  const run = (view.run = { ...r, loadedStep: r.step, name: r.name === 'custom' ? 'custom model' : r.name });
  view.state = r.state;
  view.settingsChanged = false;
  view.stepsDone = r.step;
  resetChart(r.histStart, r.history, r.vals);
  rateHist = [[performance.now(), r.step]];
  clearEval(r.splitSizes);
  if (r.final) showEval({ ...r.final, runId: r.id });
  clearSamples();
  showError('train-error', null);
  if (r.origin === 'new') {
    setStatus(`Training ${run.name} (${fmt(r.numParams)} parameters) on ${r.source}…`);
  } else {
    describeLoaded(run);
    fillForm(r);
    onSample();
  }
  renderProgress();
  updateButtons();
}

/** @param {import('./protocol.js').StateEvent} m */
export function onState(m) {
  const run = view.run;
  if (m.runId === null) {
    if (m.state === 'idle' && run) resetView();
    return;
  }
  if (!run || m.runId !== run.id) return;
  view.state = m.state;
  view.stepsDone = m.step;
  if (m.state === 'training') rateHist = [[performance.now(), m.step]];
  if (!m.quiet) describeState(run, m);
  renderProgress();
  updateButtons();
}

/** The status line for a state the run moved to. @param {import('./page-shared.js').PageRun} run @param {import('./protocol.js').StateEvent} m */
function describeState(run, m) {
  if (m.state === 'training') {
    if (!view.settingsChanged) setStatus(`Training ${run.name} (${fmt(run.numParams)} parameters) on ${run.source}…`);
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

/** @param {import('./protocol.js').ProgressEvent} m */
export function onProgress(m) {
  if (!view.run || m.runId !== view.run.id) return;
  view.stepsDone = m.step;
  rateHist.push([performance.now(), m.step]);
  while (rateHist.length > 2 && performance.now() - rateHist[0][0] > 5000) rateHist.shift();
  addLosses(m.losses);
  if (view.state === 'training') autoSample();
}

/** Reset: the run was discarded. */
function resetView() {
  view.run = null;
  view.state = 'idle';
  view.stepsDone = 0;
  resetChart(0, null, []);
  clearModelInfo();
  clearSamples();
  clearEval();
  setStatus('Reset: the model was discarded. Press Train to start again.');
  renderProgress();
  updateButtons();
}

// ---------------------------------------------------------------- progress
/** @param {number} s seconds */
function duration(s) {
  if (!Number.isFinite(s)) return '–';
  s = Math.max(0, Math.round(s));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** The step counter, progress bar, rate, time left and learning rate (now; progress events wait for a frame). */
export function renderProgress() {
  progressDrawn();
  const run = view.run;
  const done = view.stepsDone;
  const total = run ? run.steps : 0;
  setText('steps-done', fmt(done));
  setText('steps-total', fmt(total));
  const bar = $('progress');
  if (bar.max !== Math.max(1, total)) bar.max = Math.max(1, total);
  if (bar.value !== done) bar.value = done;
  const rate = currentRate();
  const training = view.state === 'training';
  setText('rate', training && rate > 0 ? fmt(Math.round(rate)) : '–');
  setText('eta', training && rate > 0 ? duration((total - done) / rate) : view.state === 'done' ? '0 s' : '–');
  setText('lr-now', run && hasTrainer(view.state) ? String(done < run.decayStep ? run.lr : run.lrDecayed) : '–');
}

function currentRate() {
  if (rateHist.length < 2) return 0;
  const [t0, s0] = rateHist[0];
  const [t1, s1] = rateHist[rateHist.length - 1];
  return t1 > t0 ? ((s1 - s0) * 1000) / (t1 - t0) : 0;
}

// ---------------------------------------------------------------- wiring
/** @param {Promise<unknown>} p a call whose failure is shown under the form */
const shown = (p) => p.catch((e) => showError('train-error', errText(e)));

$('train').addEventListener('click', onTrain);
$('pause').addEventListener('click', () => {
  shown(worker.call('pause'));
  moveFocus($('pause'), $('resume'));
  $('pause').disabled = true;
  $('resume').disabled = false;
});
$('resume').addEventListener('click', () => {
  shown(worker.call('resume'));
  moveFocus($('resume'), $('pause'));
  $('resume').disabled = true;
  $('pause').disabled = false;
});
$('reset').addEventListener('click', () => shown(worker.call('reset')));
dirtyChart();
invalidate();
