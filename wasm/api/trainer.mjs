// api/trainer.mjs: Trainer, one model trained on one word list (mm.createTrainer,
// mm.resumeTrainer), and how those two make one.
/** @import { Makemore } from './makemore-class.mjs' */
/** @import { Model } from './model.mjs' */
/** @import { DataSettings, LayerInfo, ModelConfig, ResumeOptions, SampleOptions, SchemaField, SplitName, TrainerOptions, TrainingState } from '../makemore.mjs' */
import { Owned, SPLITS, checkInt, toU8 } from './base.mjs';
import { dataOf, decayAtSameFraction, defaults, overlay } from './settings.mjs';
import { WordSplit, Words } from './words.mjs';

/** @typedef {import('../makemore.mjs').Stats} Stats */
/** The most steps one wasm call of run() takes (4 bytes of loss each: 256 MiB). */
const MAX_RUN = 1 << 26;

/** Trains one model on one word list. */
export class Trainer extends Owned {
  /** @param {Makemore} mm @param {number} h @param {bigint} seed @param {boolean} [reproducible] the reference kernels */
  constructor(mm, h, seed, reproducible = false) {
    super(mm, h, (p) => mm._x.mmw_trainer_free(p), mm._x.mmw_trainer_model(h), reproducible);
    const x = mm._x;
    /** whether the trainer runs the reference kernels (bitwise every build's numbers) */
    this.reproducible = reproducible;
    this._model = x.mmw_trainer_model(h);
    const info = mm._modelInfo(this._model);
    /** @type {ModelConfig} */
    this.config = info.config;
    /** @type {string[]} */
    this.vocab = info.vocab;
    /** parameters of the model */
    this.numParams = x.mmw_model_num_params(this._model);
    /** @type {[number, number, number]} examples in the train, val and test splits */
    this.splitSizes = /** @type {[number, number, number]} */ ([0, 1, 2].map((i) => x.mmw_trainer_split_size(h, i)));
    this._seed = seed;
    /** @type {WordSplit|null} */
    this._split = null;
    /** setStatsEvery's interval (0: off) */
    this._statsEvery = 0;
    /** @type {Stats[]} the statistics computed and not yet taken */
    this._taken = [];
  }
  /** @param {number} [batch] examples per batch (default 32) @returns {LayerInfo[]} its model's layers with output shapes and parameters */
  layers(batch = 32) {
    checkInt(batch, 'batch', 1);
    this.handle;
    const mm = this._mm;
    return mm._layersOut(mm._call(() => mm._x.mmw_model_layers(this._model, batch), (p) => p !== 0));
  }
  /** steps done so far */
  get step() {
    return this._mm._x.mmw_trainer_step(this.handle);
  }
  /** the kernels it runs: 'relaxed-simd' or 'simd-fast' (the fast engine), 'simd' or 'scalar' (the reference) */
  get kernels() {
    this.handle;
    return this._mm._str(this._mm._x.mmw_model_kernels(this._model));
  }
  /**
   * Trains on the calling thread alone (true) or on the module's threads (false, the default), from the next step:
   * the numbers are bitwise the same either way (the kernels split outputs, never sums). What a thread probe
   * (wasm/api/probe.mjs) switches to weigh one thread against the pool.
   * @param {boolean} alone
   */
  onOneThread(alone) {
    this.handle;
    const mm = this._mm;
    if (alone) mm._alone.add(this._model);
    else mm._alone.delete(this._model);
    mm._applyEngine(this._model, this.reproducible);
  }

  /**
   * Time per operation of the training step: returns what was measured since the
   * last call (seconds per operation, summed over the steps run), then measures
   * on (enable) or not. Off by default, and then it costs nothing.
   * @param {boolean} enable @returns {{phase: string, op: string, seconds: number}[]}
   */
  profile(enable) {
    this.handle;
    const mm = this._mm;
    const x = mm._x;
    const n = x.mmw_profile_n();
    const p = mm._malloc(8 * n);
    try {
      x.mmw_model_profile(this._model, enable ? 1 : 0, p);
      const v = new Float64Array(x.memory.buffer, p, n).slice();
      return Array.from(v, (seconds, i) => ({ phase: mm._str(x.mmw_profile_phase(i)), op: mm._str(x.mmw_profile_name(i)), seconds }));
    } finally {
      x.mmw_free(p);
    }
  }
  /**
   * Training diagnostics every n steps (makemore part 3: per-layer activation and gradient statistics, Tanh
   * saturation, histograms, grad:data and update:data ratios): at each step s with s % n === 0 (the first one
   * included), kept until takeStats(). 0 turns them off (the default: then run(n) is one wasm call and costs
   * nothing more). The numbers of the training run do not change.
   * @param {number} n a whole number of steps >= 0
   */
  setStatsEvery(n) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0x7fffffff)
      throw new RangeError(`setStatsEvery: n must be a whole number of steps >= 0 (0 turns the statistics off), got ${n}`);
    const mm = this._mm;
    mm._rc(mm._x.mmw_trainer_set_stats_every(this.handle, n));
    this._statsEvery = n;
  }
  /** the interval of setStatsEvery (0: off) */
  get statsEvery() {
    return this._statsEvery;
  }
  /** @returns {Stats[]} every statistics computed since the last call, oldest first */
  takeStats() {
    const out = this._taken;
    this._taken = [];
    return out;
  }
  /**
   * Runs n SGD steps in one wasm call (fewer if the trainer's total steps are reached); with
   * setStatsEvery(k > 0), in calls that end at each statistics step, whose Stats it keeps for takeStats().
   * On a non-finite step it throws; error.losses holds the losses of the steps that ran.
   * @param {number} n @returns {Float32Array} each step's loss
   */
  run(n) {
    checkInt(n, 'n');
    const every = this._statsEvery;
    if (every === 0) return this._run(n);
    /** @type {Float32Array[]} */
    const parts = [];
    const joined = () => {
      const all = new Float32Array(parts.reduce((k, p) => k + p.length, 0));
      parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
      return all;
    };
    for (let left = n; left > 0; ) {
      const at = this.step;
      const chunk = Math.min(left, Math.ceil(at / every) * every - at + 1); // ends at the next statistics step
      let losses;
      try {
        losses = this._run(chunk);
      } catch (e) {
        const err = /** @type {any} */ (e);
        if (err.losses) parts.push(err.losses); // a failed step's; another error (out of memory) has none
        err.losses = joined(); // with the earlier calls' steps
        throw e;
      }
      parts.push(losses);
      const mm = this._mm;
      const s = mm._x.mmw_trainer_stats_step(this.handle);
      if (s >= at && s < at + losses.length) this._taken.push(JSON.parse(mm._str(mm._call(() => mm._x.mmw_trainer_stats_json(this.handle), (p) => p !== 0))));
      if (losses.length < chunk) break; // the schedule's end
      left -= chunk;
    }
    return joined();
  }
  /** @param {number} n @returns {Float32Array} n steps' losses, one wasm call */
  _run(n) {
    const h = this.handle;
    const mm = this._mm;
    if (n > MAX_RUN) { // the losses' buffer: only for the steps the schedule has left, and at most MAX_RUN of them
      n = Math.min(n, Math.max(0, this.state.steps - this.step));
      if (n > MAX_RUN) throw new RangeError(`run(n): at most ${MAX_RUN} steps in one call (their losses are kept in wasm memory), ${n} asked`);
    }
    const lp = mm._malloc(4 * Math.max(n, 1));
    try {
      const rc = mm._x.mmw_trainer_run(h, n, lp, mm._scratch);
      const done = mm._i32(mm._scratch, 1)[0];
      const losses = mm._f32(lp, done).slice();
      if (rc !== 0) {
        try {
          mm._throw();
        } catch (e) {
          /** @type {any} */ (e).losses = losses;
          throw e;
        }
      }
      return losses;
    } finally {
      mm._x.mmw_free(lp);
    }
  }
  /** @param {'train'|'val'|'test'|0|1|2} split @returns {number} mean loss in eval mode */
  evaluate(split) {
    const h = this.handle;
    const i = typeof split === 'number' ? split : SPLITS.indexOf(split);
    if (!(i >= 0 && i <= 2)) throw new RangeError(`split must be 'train', 'val' or 'test', got ${split}`);
    const mm = this._mm;
    mm._rc(mm._x.mmw_trainer_eval(h, i, mm._scratch));
    return mm._f32(mm._scratch, 1)[0];
  }
  /**
   * Evaluation in parts, so a worker can stay responsive: adds the eval-mode losses
   * of examples [start, start+count) of a split to total and returns the sum.
   * Parts covering the split in order give total / splitSize === evaluate(split) (as float32).
   * @param {'train'|'val'|'test'|0|1|2} split @param {number} start @param {number} count
   * @param {number} [total] the sum so far (default 0) @returns {number}
   */
  evaluatePart(split, start, count, total = 0) {
    const h = this.handle;
    const i = typeof split === 'number' ? split : SPLITS.indexOf(split);
    if (!(i >= 0 && i <= 2)) throw new RangeError(`split must be 'train', 'val' or 'test', got ${split}`);
    checkInt(start, 'start');
    checkInt(count, 'count');
    const mm = this._mm;
    new Float64Array(mm._x.memory.buffer, mm._scratch, 1)[0] = Number(total);
    mm._rc(mm._x.mmw_trainer_eval_range(h, i, start, count, mm._scratch));
    return new Float64Array(mm._x.memory.buffer, mm._scratch, 1)[0];
  }
  /**
   * Changes the schedule of this run from the next step on; batch size and seed stay.
   * @param {{steps?: number, lr?: number, lrDecayed?: number, decayStep?: number}} s omitted fields keep their values
   */
  setSchedule(s) {
    const { steps, lr, lrDecayed, decayStep } = { ...this.state, ...s };
    const mm = this._mm;
    mm._rc(mm._x.mmw_trainer_set_schedule(this.handle, Number(steps), Number(lr), Number(lrDecayed), Number(decayStep)));
  }
  /** @param {SampleOptions} [opts] @returns {string[]} */
  sample(opts = {}) {
    this.handle;
    return this._mm._sample(this._model, opts.seed === undefined ? this._ownRng(this._seed) : 0, opts); // as the CLI's train
  }
  /** @returns {WordSplit} which word went to train, val and test in this trainer's split (the trainer's own: no free()) */
  get split() {
    const h = this.handle;
    const mm = this._mm;
    if (!this._split) this._split = new WordSplit(mm, mm._call(() => mm._x.mmw_trainer_splits(h), (p) => p !== 0), this);
    return this._split;
  }
  /** @returns {Record<SplitName, string[]>} each split's words, in split order (see WordSplit.words) */
  splitWords() {
    return this.split.words();
  }
  /** @param {string} word @returns {SplitName|null} the split that holds it, null if none (see WordSplit.whereIs) */
  whereIs(word) {
    return this.split.whereIs(word);
  }
  /** @param {string[]} words @returns {(SplitName|null)[]} whereIs of each */
  whereAre(words) {
    return this.split.whereAre(words);
  }
  /** @returns {Float32Array} a copy of all parameters, in the lecture's order */
  params() {
    this.handle;
    return this._mm._f32(this._mm._x.mmw_model_params(this._model), this.numParams).slice();
  }
  /**
   * A checkpoint: the model file with the training state (schedule, step, batch
   * generator, split), for mm.resumeTrainer; mm.loadModel reads it too.
   * @returns {Uint8Array}
   */
  save() {
    const h = this.handle;
    const mm = this._mm;
    return mm._bytesOut(mm._call(() => mm._x.mmw_checkpoint_save(h, mm._scratch), (q) => q !== 0));
  }
  /** @returns {Uint8Array} the model file alone (no training state; its data settings): smaller, for sampling and sharing */
  saveModel() {
    const h = this.handle;
    const mm = this._mm;
    return mm._modelSave(this._model, mm._takeStr(mm._call(() => mm._x.mmw_trainer_data(h), (p) => p !== 0)));
  }
  /** @returns {DataSettings} how this trainer split its word list */
  get data() {
    return dataOf(this.state);
  }
  /** @returns {TrainingState} the training state a checkpoint would carry now */
  get state() {
    const h = this.handle;
    const mm = this._mm;
    const json = mm._takeStr(mm._call(() => mm._x.mmw_trainer_get_state(h), (p) => p !== 0));
    return /** @type {TrainingState} */ (mm._settingsOut(JSON.parse(json)));
  }
  /** Continues from a loaded model: copies its parameters and running statistics. @param {Model} model */
  loadWeights(model) {
    this.handle;
    this._mm._rc(this._mm._x.mmw_model_copy_weights(this._model, model.handle));
  }
}

/**
 * A word list option as a Words: parsed if given as text (then owned: the caller frees it).
 * @param {Makemore} mm @param {unknown} w @param {string} what the caller, for the message
 * @returns {{words: Words, own: boolean}}
 */
function wordsArg(mm, w, what) {
  const own = !(w instanceof Words);
  if (own && typeof w !== 'string' && !(w instanceof Uint8Array)) throw new TypeError(`${what}: words must be a Words, a string or a Uint8Array`);
  return { words: own ? mm.parseWords(/** @type {string|Uint8Array} */ (w)) : /** @type {Words} */ (w), own };
}

/**
 * createTrainer's settings: the preset's, the config's and the options' in the core's text
 * forms, and the seed.
 * @param {Makemore} mm @param {TrainerOptions} opts @returns {{text: Record<string, string>, seed: bigint}}
 */
function trainerSettings(mm, opts) {
  const own = ['words', 'preset', 'config', 'from', 'reproducible'];
  for (const k of Object.keys(opts)) {
    if (own.includes(k)) continue;
    const f = mm._fields.find((q) => q.js === k);
    if (f?.group === 'model') throw new TypeError(`createTrainer: ${k} is a model setting: give it in config (config.${k})`);
    if (f && f.group !== 'data' && f.group !== 'training') throw new TypeError(`createTrainer: ${k} is a ${f.group} setting, not an option`);
    if (!f)
      throw new TypeError(`createTrainer: unknown option ${k} (options: ${[...own, ...mm._fields.filter((q) => q.group === 'data' || q.group === 'training').map((q) => q.js)].join(', ')})`);
  }
  const preset = opts.preset !== undefined ? mm._preset(opts.preset) : null;
  /** @type {Record<string, unknown>} */
  const config = overlay(mm._fields, preset?.config ?? {}, /** @type {Record<string, unknown>} */ (opts.config ?? {}));
  delete config.vocabSize; // the words'
  /** @type {Record<string, unknown>} the data and training options given */
  const given = {};
  for (const f of mm._fields)
    if ((f.group === 'data' || f.group === 'training') && /** @type {any} */ (opts)[f.js] !== undefined) given[f.js] = /** @type {any} */ (opts)[f.js];
  // steps without a decay step: the decay at the same fraction of the run as the preset's (else the defaults')
  if (Number.isSafeInteger(given.steps) && given.decayStep === undefined) {
    const base = preset?.training ?? defaults(mm._fields, 'training');
    given.decayStep = decayAtSameFraction(base.decayStep, base.steps, /** @type {number} */ (given.steps), maxDecayStep(mm));
  }
  /** @type {Record<string, unknown>} over the preset's data and training settings */
  const options = overlay(mm._fields, { ...(preset?.data ?? {}), ...(preset?.training ?? {}) }, given);
  const text = { ...mm._settingsIn(config, ['model'], 'config.'), ...mm._settingsIn(options, ['data', 'training'], '') };
  const seed = BigInt(text.seed ?? /** @type {SchemaField} */ (mm._fields.find((f) => f.name === 'seed')).defaultText);
  return { text, seed };
}

/** @param {Makemore} mm @returns {number} the schema's largest decay step */
const maxDecayStep = (mm) => /** @type {number} */ (/** @type {SchemaField} */ (mm._fields.find((f) => f.js === 'decayStep')).max);

/**
 * A resumed run's schedule with resumeTrainer's steps and decayStep: a new total moves a decay the run has not
 * reached to the same fraction of it (one it has passed stays: the rate does not go back up); a decayStep given is kept.
 * @param {Makemore} mm @param {TrainingState} st the checkpoint's @param {{steps?: number, decayStep?: number}} o
 * @returns {{steps: number, decayStep: number}}
 */
function resumedSchedule(mm, st, o) {
  const steps = o.steps === undefined ? st.steps : checkInt(o.steps, 'steps');
  if (o.decayStep !== undefined) return { steps, decayStep: checkInt(o.decayStep, 'decayStep') };
  const moves = o.steps !== undefined && st.step < st.decayStep;
  return { steps, decayStep: moves ? decayAtSameFraction(st.decayStep, st.steps, steps, maxDecayStep(mm)) : st.decayStep };
}

/** mm.createTrainer. @param {Makemore} mm @param {TrainerOptions} opts @returns {Trainer} */
export function newTrainer(mm, opts) {
  if (!opts || typeof opts !== 'object') throw new TypeError('createTrainer takes an options object');
  if (opts.preset === undefined && !opts.config) throw new TypeError('createTrainer needs a preset or a config');
  const { text, seed } = trainerSettings(mm, opts);
  const { words, own } = wordsArg(mm, opts.words, 'createTrainer');
  try {
    const h = mm._withJson(JSON.stringify(text), (p, n) => mm._call(() => mm._x.mmw_trainer_new(words.handle, p, n), (t) => t !== 0));
    const t = new Trainer(mm, h, seed, !!opts.reproducible);
    if (opts.from) {
      try {
        t.loadWeights(opts.from);
      } catch (e) {
        t.free();
        throw e;
      }
    }
    return t;
  } finally {
    if (own) words.free();
  }
}

/**
 * mm.resumeTrainer.
 * @param {Makemore} mm @param {ResumeOptions} opts
 * @returns {Trainer}
 */
export function continueTrainer(mm, opts) {
  if (!opts || typeof opts !== 'object' || !opts.checkpoint) throw new TypeError('resumeTrainer takes { checkpoint, words }');
  const u8 = toU8(opts.checkpoint);
  const { words, own } = wordsArg(mm, opts.words, 'resumeTrainer');
  const p = mm._copyIn(u8);
  try {
    const h = mm._call(() => mm._x.mmw_checkpoint_load(p, u8.length, words.handle), (t) => t !== 0);
    const t = new Trainer(mm, h, 0n, !!opts.reproducible);
    t._seed = BigInt(t.state.seed);
    if (opts.steps !== undefined || opts.decayStep !== undefined) {
      try {
        t.setSchedule(resumedSchedule(mm, t.state, opts));
      } catch (e) {
        t.free();
        throw e;
      }
    }
    return t;
  } finally {
    mm._x.mmw_free(p);
    if (own) words.free();
  }
}
