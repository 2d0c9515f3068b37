// worker/state.js: the trainer page's worker's state (web/worker/main.js is the entry): the
// WebAssembly module, the event sender, the word list, the current run and its state
// (web/shared/run-state.js). The run's state changes here only (setState, announce); the helper
// threads follow it (subscribe: web/worker/threads.js, wired by web/worker/main.js).
import { transition, start } from '../shared/run-state.js';

/** @typedef {import('../shared/run-state.js').RunState} RunState */

/** How long one wasm call (training chunk, evaluation part) should take, in ms. */
export const CHUNK_MS = 50;
export const SPLITS = /** @type {const} */ (['train', 'val', 'test']);

/**
 * The word list in use: the core's parsed copy, a split of it (the core's lookups of the
 * whole list), what the page shows of it.
 * @typedef {{words: import('../../wasm/makemore.mjs').Words, all: import('../../wasm/makemore.mjs').WordSplit, info: import('../shared/protocol.js').WordsInfo}} WordData
 */

/**
 * An evaluation in parts: splits in order, each summed over parts of ~CHUNK_MS.
 * @typedef {object} EvalJob
 * @property {'val'|'final'|'manual'} kind val: a validation point; final: the end of a run; manual: the Evaluate button
 * @property {{resolve: (r: import('../shared/protocol.js').EvalResult) => void, reject: (e: Error) => void}|null} answer the evaluate call's (manual)
 * @property {import('../shared/protocol.js').Split[]} splits
 * @property {number} i the split being evaluated
 * @property {number} pos examples of it done
 * @property {number} total their summed loss
 * @property {Partial<import('../shared/protocol.js').SplitLosses>} results
 * @property {number} step the trainer's step (training waits while a job is pending)
 */

/**
 * The current run: a trainer, or a loaded model that can only sample. Its state is ctx.state.
 * @typedef {object} Run
 * @property {number} id
 * @property {'new'|'file'|'restored'} origin
 * @property {string|null} fileName the model file's name (origin 'file')
 * @property {number|null} savedAt when it was saved (origin 'restored'), ms since 1970
 * @property {import('../../wasm/makemore.mjs').Trainer|null} trainer
 * @property {import('../../wasm/makemore.mjs').Model|null} model a loaded model without a trainer (sampling only)
 * @property {Uint8Array|null} checkpoint a loaded checkpoint not yet resumed (retried when the word list changes)
 * @property {string|null} resumeError why the loaded checkpoint cannot continue training
 * @property {any} meta what was stored with a restored model
 * @property {string} name preset name or 'custom'
 * @property {string} source the word list's name
 * @property {number} steps the schedule's total steps (cached from the trainer)
 * @property {number} valEvery 0: never
 * @property {number} nextVal
 * @property {number} lastValStep
 * @property {string|null} failure why training stopped for good (state failed)
 * @property {number} chunk steps per wasm call, adapted to CHUNK_MS
 * @property {boolean} [probed] its probe was made (once a run)
 * @property {import('../../wasm/api/probe.mjs').ThreadProbe|null} [probe] Threads left blank: the faster of 1 and the helpers, measured on its first steps (web/worker/threads.js)
 * @property {number} evalPer ms per evaluated example (measured)
 * @property {EvalJob[]} jobs
 * @property {{start: number, buf: Float32Array, n: number}|null} hist every step's loss since step start
 * @property {{step: number, loss: number}[]} vals
 * @property {{step: number, losses: import('../shared/protocol.js').SplitLosses}|null} final the last end-of-run evaluation
 * @property {'split'|'list'} labels sampled names are marked by the trainer's split, or by the whole word list
 * @property {number} maxLen longest sample, in code points
 * @property {boolean} dirty changed since it was last stored
 * @property {boolean} [forgotten] Forget deleted its saved copy since (Reset then keeps nothing)
 * @property {number} lastSave performance.now() of the last store
 */

export const ctx = {
  /** @type {import('../../wasm/makemore.mjs').Makemore} */
  mm: /** @type {any} */ (null),
  /** @type {import('../shared/protocol.js').Emit} */
  emit: () => {},
  /** @type {WordData|null} */
  data: null,
  /** @type {Run|null} */
  run: null,
  /** @type {RunState} */
  state: 'loading',
  /** runs made so far (the last one's id) */
  runIds: 0,
  /** the run is kept in IndexedDB (false: a lab lane's worker, InitRequest.store) */
  store: true,
};

/** @param {Run|null} r @returns {number} the step of its trainer or model (0: none) */
export const stepOf = (r) => (r ? (r.trainer ? r.trainer.step : (r.model?.training?.step ?? 0)) : 0);

/**
 * @param {Record<string, any>} config a model's @param {Record<string, any>} data its split's settings
 * @returns {string} the preset with this configuration and split (the schema's model and data fields), or 'custom'
 */
export function presetName(config, data) {
  const fields = ctx.mm.schema.fields.filter((f) => (f.group === 'model' || f.group === 'data') && !f.fromData);
  /** @param {{config: Record<string, any>, data: Record<string, any>}} p */
  const same = (p) => fields.every((f) => String((f.group === 'model' ? p.config : p.data)[f.js]) === String((f.group === 'model' ? config : data)[f.js]));
  return ctx.mm.presets.find(same)?.name ?? 'custom';
}

// ---------------------------------------------------------------- a run's fields

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

/**
 * How sampled names are marked: by the trainer's split, or (a model without its
 * trainer) by the whole word list.
 * @param {Run} r
 */
export function labelWords(r) {
  r.labels = r.trainer ? 'split' : 'list';
  r.maxLen = Math.min(256, Math.max(32, 2 * (ctx.data?.info.maxLen ?? 16)));
}

/** Sets what a run needs to train with r.trainer (made from the current word list). @param {Run} r @param {number} valEvery */
export function adoptTrainer(r, valEvery) {
  const t = /** @type {import('../../wasm/makemore.mjs').Trainer} */ (r.trainer);
  const st = t.state;
  r.steps = st.steps;
  r.name = presetName(t.config, t.data);
  r.source = ctx.data ? ctx.data.info.source : r.source;
  setValEvery(r, valEvery, st.step);
  labelWords(r);
}

/** @param {Run} r @param {number} valEvery @param {number} step */
export function setValEvery(r, valEvery, step) {
  r.valEvery = valEvery;
  r.nextVal = valEvery > 0 ? (Math.floor(step / valEvery) + 1) * valEvery : Infinity;
}

// ---------------------------------------------------------------- the run's state

/** @type {(() => void)[]} */
const subscribers = [];
/** @param {() => void} fn called after each change of the run's state (or of the run), before the page is told */
export function subscribe(fn) {
  subscribers.push(fn);
}
const notify = () => subscribers.forEach((fn) => fn());

/**
 * Moves the state (web/shared/run-state.js allows the change, or this throws) and tells the page.
 * @param {RunState} next @param {{quiet?: boolean}} [o] quiet: the page keeps its status line
 */
export function setState(next, { quiet = false } = {}) {
  ctx.state = transition(ctx.state, next);
  notify();
  const r = ctx.run;
  ctx.emit('state', { runId: r ? r.id : null, state: next, step: stepOf(r), message: r?.failure ?? undefined, quiet });
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
  notify();
  const t = r.trainer;
  const training = t ? t.state : (r.model?.training ?? null);
  const config = /** @type {import('../../wasm/makemore.mjs').ModelConfig} */ (t ? t.config : r.model?.config);
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
    data: /** @type {import('../../wasm/makemore.mjs').DataSettings} */ (t ? t.data : r.model?.data),
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

/** Frees the current run; the evaluate calls still waiting on it are answered. */
export function stopRun() {
  const r = ctx.run;
  if (!r) return;
  for (const j of r.jobs) j.answer?.reject(new Error('the model was replaced'));
  r.trainer?.free();
  r.model?.free();
  ctx.run = null;
}
