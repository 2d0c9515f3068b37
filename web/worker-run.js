// worker-run.js: the trainer page's run in the worker: starting one, its state
// (web/run-state.js: changed here only, through setState and announce), training in
// chunks of ~CHUNK_MS, the schedule, the helper threads.
import { transition, start, isWorking } from './run-state.js';
import { ctx, CHUNK_MS, errText, stepOf, presetName } from './worker-shared.js';
import { labelWords } from './worker-data.js';
import { newJob, evalPart, answerJobs } from './worker-eval.js';
import { persist } from './worker-files.js';

/** Save the running model to IndexedDB this often (and on pause, at the end, when the page is hidden). */
const SAVE_EVERY_MS = 5 * 60 * 1000;
/** The loss history (kept for the chart of a restored run) is dropped beyond this many steps. */
const HISTORY_MAX = 1_000_000;

/** @typedef {import('./worker-shared.js').Run} Run */
/** @typedef {import('./run-state.js').RunState} RunState */

// ---------------------------------------------------------------- the work loop
let scheduled = false;
// A zero-delay macrotask: setTimeout(0) is clamped to 4 ms when nested.
const tick = new MessageChannel();
tick.port1.onmessage = () => {
  scheduled = false;
  work();
};
/** Asks for the next piece of work (a task of its own, so calls are answered in between). */
export function schedule() {
  if (scheduled) return;
  scheduled = true;
  tick.port2.postMessage(null);
}

/** The next piece of work: a part of an evaluation, or a chunk of training. */
function work() {
  const r = ctx.run;
  if (!r || !r.trainer) return;
  const working = isWorking(ctx.state);
  // Pending evaluations come first: they measure the model at their step. A
  // manual one (the Evaluate button) runs even while paused.
  const job = r.jobs.find((j) => j.kind === 'manual' || working);
  if (job) {
    evalPart(r, job);
    if (ctx.run === r) schedule();
    return;
  }
  if (!working) return;
  if (r.trainer.step >= r.steps) {
    beginFinal(r);
    schedule();
    return;
  }
  trainChunk(r);
  if (ctx.run === r && isWorking(ctx.state)) schedule();
}

/** The schedule ended: evaluate the splits, then the run is done. @param {Run} r */
function beginFinal(r) {
  if (!r.jobs.some((j) => j.kind === 'final')) r.jobs.push(newJob('final', r, ['val', 'test', 'train']));
  setState('evaluating');
}

/** @param {Run} r */
function trainChunk(r) {
  const t = /** @type {import('../wasm/makemore.mjs').Trainer} */ (r.trainer);
  const start = t.step;
  const n = Math.max(1, Math.min(r.chunk, r.steps - start, r.nextVal - start));
  const t0 = performance.now();
  let losses;
  let failure = null;
  try {
    losses = t.run(n);
  } catch (e) {
    failure = e;
    losses = /** @type {any} */ (e).losses ?? new Float32Array(0);
  }
  const ms = performance.now() - t0;
  if (losses.length > 0) {
    // Aim the next chunk at CHUNK_MS, changing by at most 2x at a time.
    const per = ms / losses.length;
    r.chunk = Math.max(1, Math.min(4096, Math.round(Math.min(r.chunk * 2, Math.max(r.chunk / 2, CHUNK_MS / Math.max(per, 1e-3))))));
    record(r, losses);
    r.dirty = true;
    const stats = t.takeStats();
    ctx.emit('progress', { runId: r.id, start, losses, step: t.step, ms, ...(stats.length ? { stats } : {}) }, [losses.buffer]);
  }
  if (failure) {
    r.failure = `training stopped at step ${t.step + 1}: ${errText(failure)}`;
    setState('failed');
    return;
  }
  const now = t.step;
  // A validation point (at the end of the schedule the final evaluation gives it).
  if (now >= r.nextVal && now < r.steps) r.jobs.push(newJob('val', r, ['val']));
  while (r.nextVal <= now) r.nextVal += r.valEvery;
  if (now >= r.steps) beginFinal(r);
  if (performance.now() - r.lastSave > SAVE_EVERY_MS) persist(r);
}

/** @param {Run} r @param {Float32Array} losses */
function record(r, losses) {
  const h = r.hist;
  if (!h) return;
  if (h.n + losses.length > HISTORY_MAX) {
    r.hist = null; // too long to keep: a restored run's chart starts where it was saved
    return;
  }
  if (h.n + losses.length > h.buf.length) {
    let cap = Math.max(1024, h.buf.length);
    while (h.n + losses.length > cap) cap *= 2;
    const b = new Float32Array(cap);
    b.set(h.buf.subarray(0, h.n));
    h.buf = b;
  }
  h.buf.set(losses, h.n);
  h.n += losses.length;
}

// ---------------------------------------------------------------- state and threads

/**
 * Moves the state (web/run-state.js allows the change, or this throws) and tells the page.
 * @param {RunState} next @param {{quiet?: boolean}} [o] quiet: the page keeps its status line
 */
export function setState(next, { quiet = false } = {}) {
  ctx.state = transition(ctx.state, next);
  syncThreads();
  const r = ctx.run;
  ctx.emit('state', { runId: r ? r.id : null, state: next, step: stepOf(r), message: r?.failure ?? undefined, quiet });
}

/** Threads asked for (0: the cores available). */
let wantThreads = 0;
/** setThreads calls, one after another */
let threadChain = Promise.resolve();

/** @param {number} n threads for training (0: the cores available) */
export function setThreads(n) {
  wantThreads = Number(n) || 0;
  syncThreads();
}

/**
 * Starts the helper threads while a run trains or evaluates, stops them otherwise
 * (results are the same on any thread count, so a chunk may run while they start).
 */
function syncThreads() {
  threadChain = threadChain.then(async () => {
    const mm = ctx.mm;
    const n = isWorking(ctx.state) ? wantThreads || cores : 1;
    try {
      if (n !== mm.threads) await mm.setThreads(n);
    } catch (e) {
      mm.notes.push(`one thread: the helper threads did not start (${errText(e)})`);
    }
    ctx.emit('engine', { label: mm.engineLabel, notes: mm.notes, threads: mm.threads, helpers: mm.helperCount });
  });
}
let cores = 1;
/** @param {number} n the cores available */
export function setCores(n) {
  cores = n;
}

// ---------------------------------------------------------------- runs

/** @param {Partial<Run>} fields @returns {Run} */
export function newRun(fields) {
  return {
    id: ++ctx.runIds,
    origin: 'new',
    fileName: null,
    savedAt: null,
    trainer: null,
    model: null,
    checkpoint: null,
    resumeError: null,
    meta: null,
    name: 'custom',
    source: ctx.data ? ctx.data.info.source : '',
    steps: 0,
    valEvery: 0,
    nextVal: Infinity,
    lastValStep: -1,
    failure: null,
    chunk: 16,
    evalPer: 0,
    jobs: [],
    hist: null,
    vals: [],
    final: null,
    labels: 'list',
    maxLen: 64,
    dirty: false,
    lastSave: performance.now(),
    ...fields,
  };
}

/** Sets what a run needs to train with r.trainer (made from the current word list). @param {Run} r @param {number} valEvery */
export function adoptTrainer(r, valEvery) {
  const t = /** @type {import('../wasm/makemore.mjs').Trainer} */ (r.trainer);
  const st = t.state;
  r.steps = st.steps;
  r.name = presetName(t.config, t.data);
  r.source = ctx.data ? ctx.data.info.source : r.source;
  setValEvery(r, valEvery, st.step);
  labelWords(r);
}

/** @param {Run} r @param {number} valEvery @param {number} step */
function setValEvery(r, valEvery, step) {
  r.valEvery = valEvery;
  r.nextVal = valEvery > 0 ? (Math.floor(step / valEvery) + 1) * valEvery : Infinity;
}

/** A new run replaces the current one (which goes on if this one cannot start). @param {import('./protocol.js').TrainRequest} s */
export function startRun(s) {
  const data = ctx.data;
  if (!data) throw new Error('no word list loaded');
  if ('threads' in s) wantThreads = Number(s.threads) || 0;
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

/** @param {Run} r @returns {RunState} the state a run starts in (new, loaded or resumed) */
function startState(r) {
  if (!r.trainer) return 'sample-only';
  if (r.origin === 'new') return 'training';
  return r.trainer.step >= r.steps ? 'done' : 'paused';
}

/** Makes r the run (new, loaded, or the current one that can now train) and tells the page. @param {Run} r */
export function announce(r) {
  ctx.state = (ctx.run === r ? transition : start)(ctx.state, startState(r));
  ctx.run = r;
  syncThreads();
  const t = r.trainer;
  const training = t ? t.state : (r.model?.training ?? null);
  const config = /** @type {import('../wasm/makemore.mjs').ModelConfig} */ (t ? t.config : r.model?.config);
  const step = stepOf(r);
  const h = r.hist && r.hist.start + r.hist.n === step ? r.hist : null;
  ctx.emit('run', {
    id: r.id,
    state: ctx.state,
    origin: r.origin,
    kind: t ? 'trainer' : 'model',
    fileName: r.fileName,
    savedAt: r.savedAt,
    name: r.name,
    config,
    data: /** @type {import('../wasm/makemore.mjs').DataSettings} */ (t ? t.data : r.model?.data),
    numParams: t ? t.numParams : (r.model?.numParams ?? 0),
    training: training ? { ...training, seed: String(training.seed) } : null,
    steps: training?.steps ?? 0,
    decayStep: training?.decayStep ?? 0,
    lr: training?.lr ?? 0,
    lrDecayed: training?.lrDecayed ?? 0,
    valEvery: r.valEvery,
    splitSizes: t ? t.splitSizes : (training?.splitSizes ?? null),
    labels: r.labels,
    source: r.source,
    step,
    histStart: h ? h.start : step,
    history: h ? h.buf.slice(0, h.n) : null,
    vals: h ? r.vals : r.vals.filter((v) => v.step >= step),
    final: r.final,
    resumeError: r.resumeError,
  });
}

/** Frees the current run; its pending evaluations are answered. */
export function stopRun() {
  const r = ctx.run;
  if (!r) return;
  answerJobs(r, 'the model was replaced');
  r.trainer?.free();
  r.model?.free();
  ctx.run = null;
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
  stopRun();
  setState('idle');
}

/** The current run's diagnostics every n steps from now on (0: off). @param {{n: number}} a */
export function setStatsEvery({ n }) {
  const r = ctx.run;
  if (!r || !r.trainer) throw new Error('no run to change');
  r.trainer.setStatsEvery(n);
  return { runId: r.id, statsEvery: n };
}

/** Changes the current run's schedule (it takes effect at its next step). @param {import('./protocol.js').Schedule} s @returns {import('./protocol.js').ScheduleResult} */
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
