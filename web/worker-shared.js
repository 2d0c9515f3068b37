// worker-shared.js: what the trainer page's worker modules share (web/worker.js is the
// entry): the WebAssembly module, the event sender, the word list, the current run and
// its state (web/run-state.js; only web/worker-run.js changes it).

/** How long one wasm call (training chunk, evaluation part) should take, in ms. */
export const CHUNK_MS = 50;
export const SPLITS = /** @type {const} */ (['train', 'val', 'test']);

/**
 * The word list in use: the core's parsed copy, a split of it (the core's lookups of the
 * whole list), what the page shows of it.
 * @typedef {{words: import('../wasm/makemore.mjs').Words, all: import('../wasm/makemore.mjs').WordSplit, info: import('./protocol.js').WordsInfo}} WordData
 */

/**
 * An evaluation in parts: splits in order, each summed over parts of ~CHUNK_MS.
 * @typedef {object} EvalJob
 * @property {'val'|'final'|'manual'} kind val: a validation point; final: the end of a run; manual: the Evaluate button
 * @property {{resolve: (r: import('./protocol.js').EvalResult) => void, reject: (e: Error) => void}|null} answer the evaluate call's (manual)
 * @property {import('./protocol.js').Split[]} splits
 * @property {number} i the split being evaluated
 * @property {number} pos examples of it done
 * @property {number} total their summed loss
 * @property {Partial<import('./protocol.js').SplitLosses>} results
 * @property {number} step the trainer's step (training waits while a job is pending)
 */

/**
 * The current run: a trainer, or a loaded model that can only sample. Its state is ctx.state.
 * @typedef {object} Run
 * @property {number} id
 * @property {'new'|'file'|'restored'} origin
 * @property {string|null} fileName the model file's name (origin 'file')
 * @property {number|null} savedAt when it was saved (origin 'restored'), ms since 1970
 * @property {import('../wasm/makemore.mjs').Trainer|null} trainer
 * @property {import('../wasm/makemore.mjs').Model|null} model a loaded model without a trainer (sampling only)
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
 * @property {number} evalPer ms per evaluated example (measured)
 * @property {EvalJob[]} jobs
 * @property {{start: number, buf: Float32Array, n: number}|null} hist every step's loss since step start
 * @property {{step: number, loss: number}[]} vals
 * @property {{step: number, losses: import('./protocol.js').SplitLosses}|null} final the last end-of-run evaluation
 * @property {'split'|'list'} labels sampled names are marked by the trainer's split, or by the whole word list
 * @property {number} maxLen longest sample, in code points
 * @property {boolean} dirty changed since it was last stored
 * @property {number} lastSave performance.now() of the last store
 */

export const ctx = {
  /** @type {import('../wasm/makemore.mjs').Makemore} */
  mm: /** @type {any} */ (null),
  /** @type {import('./protocol.js').Emit} */
  emit: () => {},
  /** @type {WordData|null} */
  data: null,
  /** @type {Run|null} */
  run: null,
  /** @type {import('./run-state.js').RunState} */
  state: 'loading',
  /** runs made so far (the last one's id) */
  runIds: 0,
  /** the run is kept in IndexedDB (false: a lab lane's worker, InitRequest.store) */
  store: true,
};

/** @param {unknown} e @returns {string} */
export const errText = (e) => (e instanceof Error ? e.message : String(e));

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
