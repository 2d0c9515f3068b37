// page/progress.js: the trainer page's progress line: the step counter, the progress bar,
// the rate (steps/s), the time left and the learning rate now. Drawn at once when the run or
// its schedule changes (web/page/state.js topics run, schedule), and on frames at most every
// PROGRESS_MS while the worker reports steps (web/page/frames.js).
import { hasTrainer } from '../shared/run-state.js';
import { $, fmt, setText } from './dom.js';
import { state, subscribe } from './state.js';
import { addLayer, invalidate } from './frames.js';

const PROGRESS_MS = 250;

/** recent (time, step) pairs for the steps/s estimate @type {[number, number][]} */
let rateHist = [];
/** steps were reported since the line was drawn */
let dirty = false;
let lastDrawn = -Infinity;

/** The run starts (or trains again) at this step: the rate is measured from here. @param {number} step */
export function restartRate(step) {
  rateHist = [[performance.now(), step]];
}

/** The worker reported steps up to this one: the line follows on a frame. @param {number} step */
export function stepsReported(step) {
  rateHist.push([performance.now(), step]);
  while (rateHist.length > 2 && performance.now() - rateHist[0][0] > 5000) rateHist.shift();
  dirty = true;
  invalidate();
}

/** @param {number} s seconds */
function duration(s) {
  if (!Number.isFinite(s)) return '–';
  s = Math.max(0, Math.round(s));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** The step counter, progress bar, rate, time left and learning rate (now; reported steps wait for a frame). */
export function renderProgress() {
  dirty = false;
  lastDrawn = performance.now();
  const run = state.run;
  const done = state.stepsDone;
  const formSteps = Number($('steps')?.value);
  const total = run ? run.steps : Number.isSafeInteger(formSteps) && formSteps > 0 ? formSteps : 0; // before a run: the form's
  setText('steps-done', fmt(done));
  setText('steps-total', fmt(total));
  const bar = $('progress');
  if (bar.max !== Math.max(1, total)) bar.max = Math.max(1, total);
  if (bar.value !== done) bar.value = done;
  const rate = currentRate();
  const training = state.runState === 'training';
  setText('rate', training && rate > 0 ? fmt(Math.round(rate)) : '–');
  setText('eta', training && rate > 0 ? duration((total - done) / rate) : state.runState === 'done' ? '0 s' : '–');
  setText('lr-now', run && hasTrainer(state.runState) ? String(done < run.decayStep ? run.lr : run.lrDecayed) : '–');
}

function currentRate() {
  if (rateHist.length < 2) return 0;
  const [t0, s0] = rateHist[0];
  const [t1, s1] = rateHist[rateHist.length - 1];
  return t1 > t0 ? ((s1 - s0) * 1000) / (t1 - t0) : 0;
}

addLayer({ wait: (now) => (dirty ? lastDrawn + PROGRESS_MS - now : Infinity), draw: () => renderProgress() });
subscribe(['run', 'schedule', 'form'], renderProgress);
