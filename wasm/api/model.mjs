// api/model.mjs: Model, a model loaded from a model file (mm.loadModel) or made bare
// (mm.createModel) for sampling and model-level access, and what trainers and models
// share: sampling words, batches copied into wasm memory.
/** @import { Makemore } from './makemore-class.mjs' */
/** @import { Config, DataSettings, LayerInfo, ModelConfig, SampleOptions, TrainingState } from '../makemore.mjs' */
import { Owned, checkInt, splitSeed } from './base.mjs';
import { dataOf } from './settings.mjs';

/** A model loaded from a model file: samples words. */
export class Model extends Owned {
  /**
   * @param {Makemore} mm @param {number} h
   * @param {string|null} [settings] the core's JSON of the file's data settings and training state (null: the defaults)
   * @param {boolean} [reproducible] the reference kernels instead of the fast ones
   */
  constructor(mm, h, settings = null, reproducible = false) {
    super(mm, h, (p) => mm._x.mmw_model_free(p), h, reproducible);
    /** whether the model runs the reference kernels (bitwise every build's numbers) */
    this.reproducible = reproducible;
    const o = mm._settingsOut(settings ? JSON.parse(settings) : {});
    /** the settings written back by save(): the file's, so that it saves to the same bytes */
    this._settings = settings ?? JSON.stringify(mm._settingsIn(mm._defaults('data'), ['data'], ''));
    /** @type {DataSettings} the split's settings the file records (a plain file: its shuffles; the seed is 42) */
    this.data = settings ? dataOf(o) : /** @type {DataSettings} */ (mm._defaults('data'));
    /** @type {TrainingState|null} the training state, if the file was a checkpoint */
    this.training = 'step' in o ? /** @type {TrainingState} */ (o) : null;
    const info = mm._modelInfo(h);
    /** @type {ModelConfig} */
    this.config = info.config;
    /** @type {string[]} */
    this.vocab = info.vocab;
    /** @type {number} parameters of the model */
    this.numParams = mm._x.mmw_model_num_params(h);
  }
  /** the kernels it runs: 'relaxed-simd' or 'simd-fast' (the fast engine), 'simd' or 'scalar' (the reference) */
  get kernels() {
    return this._mm._str(this._mm._x.mmw_model_kernels(this.handle));
  }
  /** @param {SampleOptions} [opts] @returns {string[]} */
  sample(opts = {}) {
    const h = this.handle;
    return this._mm._sample(h, opts.seed === undefined ? this._ownRng(0n) : 0, opts); // 0: the CLI's default seed
  }
  /** @returns {Float32Array} a copy of all parameters, in the lecture's order */
  params() {
    const h = this.handle;
    return this._mm._f32(this._mm._x.mmw_model_params(h), this.numParams).slice();
  }
  /** @param {number} [batch] examples per batch (default 32) @returns {LayerInfo[]} its layers with output shapes and parameters */
  layers(batch = 32) {
    checkInt(batch, 'batch', 1);
    const h = this.handle;
    return this._mm._layersOut(this._mm._call(() => this._mm._x.mmw_model_layers(h, batch), (p) => p !== 0));
  }
  /** @returns {Uint8Array} the model file (with its training state, if it was loaded from a checkpoint: the same bytes) */
  save() {
    return this._mm._modelSave(this.handle, this._settings);
  }

  // ---- model-level access (tests, notebooks) ----
  /** BatchNorm running means and variances, in floats */
  get numBuffers() {
    return this._mm._x.mmw_model_num_buffers(this.handle);
  }
  /** @returns {Float32Array} a copy of the BatchNorm running statistics (see tensors()) */
  buffers() {
    const h = this.handle;
    return this._mm._f32(this._mm._x.mmw_model_buffers(h), this.numBuffers).slice();
  }
  /** Overwrites all parameters. @param {Float32Array} values (numParams,), the lecture's order */
  setParams(values) {
    const h = this.handle;
    if (!(values instanceof Float32Array)) throw new TypeError('setParams takes a Float32Array');
    if (values.length !== this.numParams)
      throw new TypeError(`setParams: ${values.length} values, the model has ${this.numParams} parameters`);
    this._mm._f32(this._mm._x.mmw_model_params(h), this.numParams).set(values);
  }
  /** Overwrites the BatchNorm running statistics. @param {Float32Array} values (numBuffers,) */
  setBuffers(values) {
    const h = this.handle;
    if (!(values instanceof Float32Array)) throw new TypeError('setBuffers takes a Float32Array');
    const n = this.numBuffers;
    if (values.length !== n) throw new TypeError(`setBuffers: ${values.length} values, the model has ${n} buffer values`);
    this._mm._f32(this._mm._x.mmw_model_buffers(h), n).set(values);
  }
  /**
   * The named tensors in the lecture's order ("layers.0.weight", ..., then BatchNorm
   * running_mean/running_var); offset and size index params() or, isBuffer, buffers().
   * @returns {{name: string, shape: number[], offset: number, size: number, isBuffer: boolean}[]}
   */
  tensors() {
    const h = this.handle;
    const mm = this._mm;
    const x = mm._x;
    const n = x.mmw_model_num_tensors(h);
    const out = [];
    for (let i = 0; i < n; i++) {
      const name = mm._str(mm._call(() => x.mmw_model_tensor_name(h, i), (p) => p !== 0));
      const ndim = mm._call(() => x.mmw_model_tensor_ndim(h, i), (d) => d >= 0);
      const shape = [];
      for (let d = 0; d < ndim; d++) shape.push(mm._call(() => x.mmw_model_tensor_dim(h, i, d), (v) => v >= 0));
      out.push({
        name,
        shape,
        offset: mm._call(() => x.mmw_model_tensor_offset(h, i), (v) => v >= 0),
        size: mm._call(() => x.mmw_model_tensor_size(h, i), (v) => v >= 0),
        isBuffer: mm._call(() => x.mmw_model_tensor_is_buffer(h, i), (v) => v >= 0) === 1,
      });
    }
    return out;
  }
  /**
   * Training-mode (batch statistics) forward and backward on one batch; the
   * parameters and running statistics are left unchanged.
   * @param {Uint16Array} X (B * blockSize) contexts @param {Uint16Array} Y (B) targets
   * @returns {{loss: number, logits: Float32Array, grads: Float32Array}} logits (B * vocabSize), grads (numParams), copies
   */
  forwardBackward(X, Y) {
    const h = this.handle;
    const mm = this._mm;
    const { B, xp, yp } = mm._batchIn('forwardBackward', this.config, X, Y);
    try {
      mm._rc(mm._x.mmw_model_forward_backward(h, xp, yp, B, mm._scratch));
      const loss = mm._f32(mm._scratch, 1)[0];
      const logits = mm._f32(mm._x.mmw_model_logits(h), B * this.config.vocabSize).slice();
      const grads = mm._f32(mm._x.mmw_model_grads(h), this.numParams).slice();
      return { loss, logits, grads };
    } finally {
      mm._x.mmw_free(yp);
      mm._x.mmw_free(xp);
    }
  }
  /**
   * One SGD step: forward, backward, params -= lr * grads, running statistics updated.
   * A non-finite step throws MakemoreError (code 4) and changes nothing.
   * @param {Uint16Array} X (B * blockSize) @param {Uint16Array} Y (B) @param {number} lr
   * @returns {number} the batch's loss before the update
   */
  sgdStep(X, Y, lr) {
    const h = this.handle;
    if (typeof lr !== 'number') throw new TypeError(`sgdStep: lr must be a number, got ${typeof lr}`);
    const mm = this._mm;
    const { B, xp, yp } = mm._batchIn('sgdStep', this.config, X, Y);
    try {
      mm._rc(mm._x.mmw_model_sgd_step(h, xp, yp, B, lr, mm._scratch));
      return mm._f32(mm._scratch, 1)[0];
    } finally {
      mm._x.mmw_free(yp);
      mm._x.mmw_free(xp);
    }
  }
  /**
   * Eval-mode logits (running statistics).
   * @param {Uint16Array} X (B * blockSize) contexts @returns {Float32Array} (B * vocabSize), a copy
   */
  evalLogits(X) {
    const h = this.handle;
    const mm = this._mm;
    const { B, xp } = mm._batchIn('evalLogits', this.config, X, null);
    try {
      const p = mm._call(() => mm._x.mmw_model_eval_logits(h, xp, B), (q) => q !== 0);
      return mm._f32(p, B * this.config.vocabSize).slice();
    } finally {
      mm._x.mmw_free(xp);
    }
  }
  // ---- end of model-level access ----
}

/**
 * Samples words (mm._sample: Trainer.sample and Model.sample).
 * @param {Makemore} mm @param {number} h model handle @param {number} rng generator handle @param {SampleOptions} o
 * @returns {string[]}
 */
export function sampleWords(mm, h, rng, o = {}) {
  const count = checkInt(o.count ?? 1, 'count');
  const temperature = Number(o.temperature ?? 1);
  const topK = checkInt(o.topK ?? 0, 'topK');
  const topP = Number(o.topP ?? 1);
  const maxLen = checkInt(o.maxLen ?? 256, 'maxLen', 1);
  const prefix = mm._enc.encode(String(o.prefix ?? ''));
  const cap = 4 * maxLen + prefix.length + 16;
  let own = 0;
  let pp = 0;
  let out = 0;
  try {
    if (o.seed !== undefined) {
      const [lo, hi] = splitSeed(o.seed);
      const [slo, shi] = splitSeed(o.stream ?? 0);
      own = rng = mm._call(() => mm._x.mmw_sample_rng_new(lo, hi, slo, shi), (r) => r !== 0);
    } else if (o.stream !== undefined) throw new TypeError('sample: stream needs a seed');
    pp = mm._copyIn(prefix);
    out = mm._malloc(cap);
    const words = [];
    for (let i = 0; i < count; i++) {
      mm._rc(mm._x.mmw_sample(h, rng, temperature, topK, topP, pp, maxLen, out, cap));
      words.push(mm._str(out));
    }
    return words;
  } finally {
    mm._x.mmw_free(out);
    mm._x.mmw_free(pp);
    if (own) mm._x.mmw_rng_free(own);
  }
}

/**
 * mm.createModel: a bare model with the lecture's initialisation.
 * @param {Makemore} mm @param {Config} config vocabSize required
 * @param {{seed?: number|bigint, maxBatch?: number, reproducible?: boolean}} opts
 * @returns {Model & {maxBatch: number}}
 */
export function newModel(mm, config, opts = {}) {
  if (!config || typeof config !== 'object') throw new TypeError('createModel takes a config object');
  if (!opts || typeof opts !== 'object') throw new TypeError('createModel: opts must be an object');
  if (typeof config.vocabSize !== 'number' || !Number.isInteger(config.vocabSize) || config.vocabSize < 2)
    throw new TypeError(`createModel: config.vocabSize must be an integer >= 2, got ${config.vocabSize}`);
  const maxBatch = opts.maxBatch ?? 64;
  if (typeof maxBatch !== 'number' || !Number.isInteger(maxBatch) || maxBatch < 1)
    throw new TypeError(`createModel: maxBatch must be a positive integer, got ${maxBatch}`);
  const [lo, hi] = splitSeed(opts.seed ?? 42);
  const json = JSON.stringify(mm._settingsIn(/** @type {Record<string, unknown>} */ (config), ['model'], 'config.'));
  const h = mm._withJson(json, (p, n) => mm._call(() => mm._x.mmw_model_new(p, n, lo, hi, maxBatch), (q) => q !== 0));
  const m = /** @type {Model & {maxBatch: number}} */ (new Model(mm, h, null, !!opts.reproducible));
  /** the largest batch this model takes */
  m.maxBatch = maxBatch;
  return m;
}

/**
 * Copies token arrays into fresh wasm memory (the caller frees both pointers).
 * @param {Makemore} mm @param {string} what caller's name @param {Config} config
 * @param {Uint16Array} X (B * blockSize) @param {Uint16Array|null} Y (B) or null
 * @returns {{B: number, xp: number, yp: number}}
 */
export function batchIn(mm, what, config, X, Y) {
  if (!(X instanceof Uint16Array)) throw new TypeError(`${what}: X must be a Uint16Array of tokens`);
  const T = config.blockSize;
  if (X.length === 0 || X.length % T !== 0)
    throw new TypeError(`${what}: X has ${X.length} tokens, not a positive multiple of blockSize ${T}`);
  const B = X.length / T;
  if (Y !== null) {
    if (!(Y instanceof Uint16Array)) throw new TypeError(`${what}: Y must be a Uint16Array of targets`);
    if (Y.length !== B) throw new TypeError(`${what}: Y has ${Y.length} targets, X has ${B} contexts`);
  }
  const xp = mm._malloc(2 * X.length);
  let yp = 0;
  try {
    if (Y !== null) yp = mm._malloc(2 * Math.max(B, 1));
  } catch (e) {
    mm._x.mmw_free(xp);
    throw e;
  }
  new Uint16Array(mm._x.memory.buffer, xp, X.length).set(X);
  if (Y !== null) new Uint16Array(mm._x.memory.buffer, yp, B).set(Y);
  return { B, xp, yp };
}
