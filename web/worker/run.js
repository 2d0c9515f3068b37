// worker/run.js: the calls about the trainer page's run in the worker: a new run, pause,
// resume, reset, the Evaluate button, the schedule and the statistics' interval. The run's
// state is web/worker/state.js's (setState, announce); the work is web/worker/loop.js's.
import { isWorking } from '../shared/run-state.js';
import { ctx, newRun, adoptTrainer, setValEvery, setState, announce, stopRun } from './state.js';
import { threadsForNextRun } from './threads.js';
import { schedule, beginFinal } from './loop.js';
import { newJob } from './eval.js';
import { persist } from './files.js';

/** @typedef {import('../shared/protocol.js').EvalResult} EvalResult */

/** A new run replaces the current one (which goes on if this one cannot start). @param {import('../shared/protocol.js').TrainRequest} s */
export function startRun(s) {
  const data = ctx.data;
  if (!data) throw new Error('no word list loaded');
  if ('threads' in s) threadsForNextRun(s.threads);
  // the schema's settings: the model's, the split's, the training's (steps, batchSize, lr, ...)
  const trainer = ctx.mm.createTrainer({ words: data.words, config: s.config, ...s.data, ...s.training, reproducible: !!s.reproducible });
  try {
    if (s.statsEvery) trainer.setStatsEvery(s.statsEvery);
  } catch (e) {
    trainer.free();
    throw e;
  }
  persist(ctx.run); // keep the run being replaced, if it changed since it was stored
  stopRun();
  const r = newRun({ origin: 'new', trainer, dirty: true, hist: { start: 0, buf: new Float32Array(1024), n: 0 } });
  adoptTrainer(r, s.valEvery);
  announce(r);
  schedule();
}

export function pause() {
  if (!ctx.run?.trainer || !isWorking(ctx.state)) return;
  setState('paused');
  persist(ctx.run);
}

export function resume() {
  const r = ctx.run;
  if (!r?.trainer || ctx.state !== 'paused') return;
  if (r.trainer.step >= r.steps) beginFinal(r); // the end-of-run evaluation (again, or the rest of it)
  else setState('training');
  schedule();
}

export function reset() {
  if (!ctx.run?.forgotten) persist(ctx.run); // the model stays in this browser (Restore it, or Forget it): Reset clears the page, loses nothing
  stopRun();
  setState('idle');
}

/** The Evaluate button: the splits' losses now, even while paused. @returns {Promise<EvalResult>} */
export function evaluate() {
  const r = ctx.run;
  if (!r || !r.trainer) throw new Error(r ? 'a model file without its trainer cannot be evaluated: load its word list' : 'no model yet: press Train first');
  return new Promise((resolve, reject) => {
    r.jobs.unshift(newJob('manual', r, ['train', 'val', 'test'], { resolve, reject }));
    schedule();
  });
}

/** The current run's diagnostics every n steps from now on (0: off). @param {{n: number}} a */
export function setStatsEvery({ n }) {
  const r = ctx.run;
  if (!r || !r.trainer) throw new Error('no run to change');
  r.trainer.setStatsEvery(n);
  return { runId: r.id, statsEvery: n };
}

/** Changes the current run's schedule (it takes effect at its next step). @param {import('../shared/protocol.js').Schedule} s @returns {import('../shared/protocol.js').ScheduleResult} */
export function setSchedule(s) {
  const r = ctx.run;
  if (!r || !r.trainer) throw new Error('no run to change');
  if (ctx.state === 'failed') throw new Error('this run stopped; start a new one');
  const t = r.trainer;
  const step = t.step;
  if (!(Number(s.steps) >= step)) throw new Error(`steps must be at least the ${step.toLocaleString('en-US')} steps done`);
  t.setSchedule({ steps: s.steps, lr: s.lr, lrDecayed: s.lrDecayed, decayStep: s.decayStep });
  const st = t.state;
  r.steps = st.steps;
  if (Number.isInteger(s.valEvery) && s.valEvery >= 0 && s.valEvery !== r.valEvery) setValEvery(r, s.valEvery, step);
  r.dirty = true;
  if (step < r.steps) {
    // A longer schedule: the end-of-run evaluation (pending or done) is for a run that goes on.
    const fin = r.jobs.find((j) => j.kind === 'final');
    if (fin) {
      r.jobs.splice(r.jobs.indexOf(fin), 1);
      if (fin.results.val === undefined && r.valEvery > 0 && step % r.valEvery === 0) r.jobs.unshift(newJob('val', r, ['val']));
    }
    const next = ctx.state === 'evaluating' ? 'training' : ctx.state === 'done' ? 'paused' : ctx.state;
    setState(next, { quiet: true });
  } else if (ctx.state === 'training') {
    beginFinal(r); // a schedule that ends at this step
  } else {
    setState(ctx.state, { quiet: true });
  }
  if (isWorking(ctx.state)) schedule();
  return { runId: r.id, step, steps: st.steps, lr: st.lr, lrDecayed: st.lrDecayed, decayStep: st.decayStep, valEvery: r.valEvery };
}
