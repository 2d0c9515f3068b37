// api/makemore-class.mjs: the Makemore class, the loaded module (loadMakemore in
// wasm/makemore.mjs makes it): a wrapper of the flat C ABI of wasm/exports.c (memory
// views, calls and the core's errors), its threads, its settings schema, and the
// factories of word lists, trainers and models (api/words.mjs, trainer.mjs, model.mjs).
/** @import { Config, DataSettings, LayerInfo, ModelConfig, Schema, SchemaField, ResumeOptions, SampleOptions, TrainerOptions, TrainingSettings, WasmExports } from '../makemore.mjs' */
/** @import { Helper } from './threads.mjs' */
import { MakemoreError, checkInt, splitSeed, toU8, vocabStrings } from './base.mjs';
import { defaults, familyReads, fromText, readSchema, settingsIn, settingsOut } from './settings.mjs';
import { HELPER_STACK, checkThreads, spawnHelper, watchHelper } from './threads.mjs';
import { Words } from './words.mjs';
import { Model, batchIn, newModel, sampleWords } from './model.mjs';
import { Trainer, newTrainer, continueTrainer } from './trainer.mjs';

/** The loaded module: makes word lists, trainers and models. */
export class Makemore {
  /** @param {WasmExports} x the instance's exports and its memory @param {boolean} simd @param {string|null} url */
  constructor(x, simd, url) {
    this._x = x;
    /** whether this is a SIMD build (relaxed or strict) */
    this.simd = simd;
    /** @type {import('../makemore.mjs').ModuleName} which module */
    this.engine = simd ? 'simd' : 'scalar';
    /** @type {string[]} why a faster module or more threads were not taken */
    this.notes = [];
    /** @type {string|null} why a threaded module stays on one thread here (its memory cannot reach a Worker) */
    this._noThreads = null;
    /** where the .wasm came from (null if given as bytes) */
    this.wasmUrl = url;
    /** @type {WebAssembly.Module|null} */
    this._module = null;
    /** @type {URL|null} loadMakemore's helperUrl */
    this._helperUrl = null;
    /** @type {string|undefined} what the default helperUrl is relative to: loadMakemore's import.meta.url */
    this._base = undefined;
    this._pool = 0;
    /** @type {Helper[]} */
    this._helpers = [];
    /** live models (a trainer's included) by handle: reproducible or not; their engine follows the pool @type {Map<number, boolean>} */
    this._live = new Map();
    /** @type {Set<number>} models told to run on the calling thread alone (Trainer.onOneThread) */
    this._alone = new Set();
    this._enc = new TextEncoder();
    this._dec = new TextDecoder();
    // Out-parameters of single calls (never kept across a call that allocates).
    this._scratch = this._call(() => x.mmw_malloc(64), (p) => p !== 0);
    /** @type {SchemaField[]} */
    this._fields = [];
    /** @type {Schema} the core's settings: every field's names, type, limits, default and documentation, and the presets */
    this.schema = this._schema();
    /** @type {{name: string, doc: string, config: ModelConfig, data: DataSettings, training: TrainingSettings, numParams: number}[]} presets; numParams for names.txt's 27 symbols */
    this.presets = this.schema.presets.map((p) => ({ ...p, numParams: this.numParams({ ...p.config, vocabSize: 27 }) }));
    /** the core's default training parameters (the schema's training defaults) */
    this.trainDefaults = /** @type {{batchSize: number, steps: number, lr: number, lrDecayed: number, decayStep: number, seed: number}} */ (
      this._defaults('training'));
  }

  /** threads the kernels run on, the caller's included */
  get threads() {
    return 1 + this._helpers.length;
  }
  /** whether this module can run on more than one thread here (a threaded module whose memory reaches a Worker) */
  get threadsAvailable() {
    return !this._noThreads && !!(this._module && this._x.mmw_threads_supported && this._x.mmw_threads_supported());
  }
  /** live helper workers */
  get helperCount() {
    return this._helpers.length;
  }
  /** e.g. "relaxed SIMD (fused multiply-add), 2 threads" */
  get engineLabel() {
    const name = { relaxed: 'relaxed SIMD (fused multiply-add)', 'simd-threads': 'SIMD', simd: 'SIMD', scalar: 'scalar' }[this.engine];
    return `${name}, ${this.threads} thread${this.threads === 1 ? '' : 's'}`;
  }

  /**
   * Runs the kernels on n threads (the caller's included): starts or stops helper
   * workers. Only the threaded modules (relaxed, simd-threads) have threads; others stay at 1 (see notes).
   * Results are bitwise the same for any n.
   * @param {number} n 1..64
   */
  async setThreads(n) {
    checkThreads(n);
    const x = this._x;
    if (n > 1 && !(this._module && x.mmw_threads_supported && x.mmw_threads_supported())) {
      n = 1;
      if (!this.notes.some((s) => s.startsWith('one thread'))) this.notes.push(`one thread: the ${this.engine} module has no threads`);
    }
    if (n > 1 && this._noThreads) n = 1; // said in notes when it loaded
    if (n === this.threads) return;
    await this.close();
    if (n === 1) return;
    const pool = this._call(() => x.mmw_pool_new(n), (p) => p !== 0);
    // a browser's main thread cannot wait on memory (Atomics.wait): there the caller only spins
    const mainThread = typeof window !== 'undefined' && typeof document !== 'undefined';
    x.mmw_pool_set_caller_sleeps(pool, mainThread ? 0 : 1);
    const helpers = [];
    try {
      for (let i = 1; i < n; i++) {
        const stack = this._malloc(HELPER_STACK);
        const k = watchHelper(await spawnHelper(this._helperUrl, this._base), stack, i);
        helpers.push(k);
        k.h.post({ module: this._module, memory: x.memory, pool, index: i, stackTop: (stack + HELPER_STACK) & ~15 });
      }
      await Promise.all(helpers.map((k) => k.ready));
      for (const k of helpers) k.h.unref();
    } catch (e) {
      x.mmw_pool_stop(pool);
      for (const k of helpers) k.h.terminate();
      throw e;
    }
    this._pool = pool;
    this._helpers = helpers;
    for (const [h, r] of this._live) this._applyEngine(h, r);
  }

  /**
   * Stops the helper threads (the kernels then run on the caller's alone). The module stays usable.
   * @returns {Promise<boolean>} whether every helper returned (false: one had to be terminated)
   */
  async close() {
    const x = this._x;
    const pool = this._pool;
    if (!pool) return true;
    const helpers = this._helpers;
    this._pool = 0;
    this._helpers = [];
    for (const [h, r] of this._live) this._applyEngine(h, r);
    x.mmw_pool_stop(pool);
    const timeout = new Promise((res) => setTimeout(res, 2000, 'timeout'));
    const all = await Promise.race([Promise.all(helpers.map((k) => k.exited)), timeout]);
    for (const k of helpers) k.h.terminate();
    // a helper that did not return may still be on its stack: leave its memory be
    if (all !== 'timeout' && x.mmw_pool_running(pool) === 0) {
      for (const k of helpers) x.mmw_free(k.stack);
      x.mmw_pool_free(pool);
      return true;
    }
    return false;
  }

  /** @param {number} h model handle @param {boolean} reproducible */
  _applyEngine(h, reproducible) {
    this._rc(this._x.mmw_model_set_engine(h, reproducible ? 0 : 1, this._alone.has(h) ? 0 : this._pool));
  }
  /** Gives a new model (a trainer's) its engine and the pool, now and when the pool changes. @param {number} h @param {boolean} reproducible */
  _track(h, reproducible) {
    this._live.set(h, reproducible);
    this._applyEngine(h, reproducible);
  }

  /** bytes of wasm memory now (it grows, never shrinks) */
  get memoryBytes() {
    return this._x.memory.buffer.byteLength;
  }

  // ---- memory helpers: every view is made afresh, memory may have grown since the last call
  _u8() {
    return new Uint8Array(this._x.memory.buffer);
  }
  /** @param {number} ptr @param {number} n */
  _i32(ptr, n) {
    return new Int32Array(this._x.memory.buffer, ptr, n);
  }
  /** @param {number} ptr @param {number} n */
  _u32(ptr, n) {
    return new Uint32Array(this._x.memory.buffer, ptr, n);
  }
  /** @param {number} ptr @param {number} n */
  _f32(ptr, n) {
    return new Float32Array(this._x.memory.buffer, ptr, n);
  }
  /** @param {number} ptr a NUL-terminated UTF-8 string */
  _str(ptr) {
    const u8 = this._u8();
    let end = ptr;
    while (u8[end] !== 0) end++;
    return this._dec.decode(u8.slice(ptr, end)); // a copy: TextDecoder refuses views of shared memory
  }
  /** @param {number} n */
  _malloc(n) {
    return this._call(() => this._x.mmw_malloc(n), (p) => p !== 0);
  }
  /** Copies bytes (plus a NUL) into fresh wasm memory; the caller frees. @param {Uint8Array} bytes */
  _copyIn(bytes) {
    const p = this._malloc(bytes.length + 1);
    const u8 = this._u8();
    u8.set(bytes, p);
    u8[p + bytes.length] = 0;
    return p;
  }
  /**
   * Calls f; unless ok(result), throws the core's last error.
   * @param {() => number} f @param {(r: number) => boolean} ok @returns {number}
   */
  _call(f, ok) {
    const r = f();
    if (!ok(r)) this._throw();
    return r;
  }
  /** @returns {never} */
  _throw() {
    const msg = this._str(this._x.mmw_last_error()) || 'makemore: unknown error';
    throw new MakemoreError(msg, this._x.mmw_last_error_code());
  }
  /** @param {number} rc a return code: 0, or throws the core's last error */
  _rc(rc) {
    if (rc !== 0) this._throw();
  }
  /** @returns {Schema} the core's schema, its values in this API's forms */
  _schema() {
    const schema = readSchema(JSON.parse(this._takeStr(this._call(() => this._x.mmw_schema_json(), (p) => p !== 0))));
    this._fields = schema.fields;
    return schema;
  }
  /** @param {string} group @returns {Record<string, any>} the defaults of a group's fields, by JS name */
  _defaults(group) {
    return defaults(this._fields, group);
  }
  /** A malloc'd NUL-terminated string out of wasm memory, freed. @param {number} p */
  _takeStr(p) {
    try {
      return this._str(p);
    } finally {
      this._x.mmw_free(p);
    }
  }
  /**
   * Settings in the core's text forms, by the core's names: the fields of groups that values names
   * (by JS name); another key is refused, with where it belongs if it is a setting of another group.
   * @param {Record<string, unknown>} values @param {string[]} groups @param {string} where the options' name, for messages
   * @returns {Record<string, string>} JSON.stringify it for the core
   */
  _settingsIn(values, groups, where) {
    return settingsIn(this._fields, values, groups, where);
  }
  /** @param {Record<string, string>} o the core's JSON object of settings @returns {Record<string, any>} by JS name, typed */
  _settingsOut(o) {
    return settingsOut(this._fields, o);
  }
  /**
   * Calls f with JSON text copied into wasm memory (pointer, byte length).
   * @template T @param {string} json @param {(p: number, n: number) => T} f @returns {T}
   */
  _withJson(json, f) {
    const bytes = this._enc.encode(json);
    const p = this._copyIn(bytes);
    try {
      return f(p, bytes.length);
    } finally {
      this._x.mmw_free(p);
    }
  }

  /**
   * The core's one sampling seed rule (mm_sample_seed in src/makemore.h): the seed of the
   * generator that draws names with seed S, stream k (sample({seed, stream}) uses it).
   * @param {number|bigint} seed @param {number|bigint} [stream] default 0 @returns {bigint} 0..2^64-1
   */
  sampleSeed(seed, stream = 0) {
    const [lo, hi] = splitSeed(seed);
    const [slo, shi] = splitSeed(stream);
    this._x.mmw_sample_seed(lo, hi, slo, shi, this._scratch);
    const u = this._u32(this._scratch, 2);
    return BigInt(u[0]) | (BigInt(u[1]) << 32n);
  }

  /**
   * One setting from its text, read and checked by the core as it reads every setting
   * (the command lines' flags): e.g. parseSetting('lr', '0.05') is the float32 nearest 0.05.
   * Throws MakemoreError (code 1) with the core's message naming the field.
   * @param {string} name the schema's name ('block_size') or JS name ('blockSize') @param {string} text
   * @returns {number|bigint|string|number[]} the value in this API's form (as in config, data and state objects)
   */
  parseSetting(name, text) {
    const f = this._fields.find((q) => q.name === name || q.js === name);
    if (!f) throw new MakemoreError(`unknown setting '${name}'`, 1);
    const n = this._copyIn(this._enc.encode(f.name));
    const t = this._copyIn(this._enc.encode(String(text)));
    try {
      return fromText(f, this._takeStr(this._call(() => this._x.mmw_setting_parse(n, t), (p) => p !== 0)));
    } finally {
      this._x.mmw_free(t);
      this._x.mmw_free(n);
    }
  }

  /**
   * The model settings a family uses (vocabSize, form, the common ones it reads, its own), in the schema's order.
   * @param {string|number} form a family's name or index (mm.schema.families) @returns {SchemaField[]}
   */
  familyFields(form) {
    const fam = typeof form === 'number' ? this.schema.families[form] : this.schema.families.find((f) => f.name === form);
    if (!fam) throw new MakemoreError(`unknown model family '${form}' (families: ${this.schema.families.map((f) => f.name).join(', ')})`, 1);
    return this._fields.filter((f) => f.group === 'model' && familyReads(fam, f));
  }
  /** @param {string} name @returns {{name: string, config: ModelConfig, data: DataSettings, training: TrainingSettings}} a preset (vocabSize 0) */
  _preset(name) {
    const p = this.schema.presets.find((q) => q.name === name);
    if (!p)
      throw new MakemoreError(`unknown preset '${name}' (presets: ${this.schema.presets.map((q) => q.name).join(', ')})`, 1);
    return { name: p.name, config: { ...p.config }, data: { ...p.data }, training: { ...p.training } };
  }
  /** @param {string} name @returns {ModelConfig} a preset's configuration (vocabSize 0) */
  presetConfig(name) {
    return this._preset(name).config;
  }

  /**
   * @param {Config} config (vocabSize required; settings of other groups in it are ignored) @returns {number}
   *   its parameter count; throws if invalid
   */
  numParams(config) {
    if (!config || typeof config !== 'object') throw new TypeError('numParams takes a config object');
    const group = (/** @type {string} */ k) => this._fields.find((f) => f.js === k)?.group ?? 'model'; // an unknown key: refused below
    const model = Object.fromEntries(Object.entries(config).filter(([k]) => group(k) === 'model'));
    const json = JSON.stringify(this._settingsIn(model, ['model'], 'config.'));
    return this._withJson(json, (p, n) => this._call(() => this._x.mmw_config_check(p, n), (r) => r >= 0));
  }

  /**
   * The layers of a configuration's model, without making it (the lecture's
   * `for layer in model.layers: print(layer.__class__.__name__, tuple(layer.out.shape))`, with parameters).
   * @param {Config} config (vocabSize required; settings of other groups in it are ignored)
   * @param {number} [batch] examples per batch the shapes are for (default 32)
   * @returns {LayerInfo[]} throws the core's message if the configuration is impossible
   */
  layers(config, batch = 32) {
    if (!config || typeof config !== 'object') throw new TypeError('layers takes a config object');
    checkInt(batch, 'batch', 1);
    const group = (/** @type {string} */ k) => this._fields.find((f) => f.js === k)?.group ?? 'model';
    const model = Object.fromEntries(Object.entries(config).filter(([k]) => group(k) === 'model'));
    const json = JSON.stringify(this._settingsIn(model, ['model'], 'config.'));
    return this._layersOut(this._withJson(json, (p, n) => this._call(() => this._x.mmw_config_layers(p, n, batch), (r) => r !== 0)));
  }
  /** @param {number} p the core's malloc'd JSON of a layer list @returns {LayerInfo[]} */
  _layersOut(p) {
    /** @type {(Omit<LayerInfo, 'inputs'> & {inputs: number[]})[]} */
    const raw = JSON.parse(this._takeStr(p));
    return raw.map((l) => ({ ...l, inputs: l.inputs.map((i) => (i < 0 ? 'tokens' : i)) }));
  }

  /** @param {string|Uint8Array} text a word list, one word per line (UTF-8 bytes or a string) @returns {Words} */
  parseWords(text) {
    const bytes = typeof text === 'string' ? this._enc.encode(text) : text;
    if (!(bytes instanceof Uint8Array)) throw new TypeError('parseWords takes a string or a Uint8Array');
    const p = this._copyIn(bytes);
    try {
      return new Words(this, this._call(() => this._x.mmw_words_parse(p, bytes.length), (h) => h !== 0));
    } finally {
      this._x.mmw_free(p);
    }
  }

  /** @param {TrainerOptions} opts @returns {Trainer} */
  createTrainer(opts) {
    return newTrainer(this, opts);
  }

  /**
   * A model file (safetensors: Trainer.save(), saveModel(), the CLI's --save, or
   * tests/torch_roundtrip.py) for sampling. A checkpoint's training state is kept
   * in model.training (null for a plain model file).
   * @param {ArrayBuffer|ArrayBufferView} bytes
   * @param {{reproducible?: boolean, form?: Config['form']}} [opts] reproducible: the reference
   *   kernels (the same names from a seed in every build); form: the model made in that form from the file's
   *   tensors (the schema's form field, a name or its index): a wavenet76k file loads as 'conv' (wavenet76k-conv,
   *   bitwise the same eval logits), and back; a file that does not fit the form is refused, naming its own
   * @returns {Model}
   */
  loadModel(bytes, opts = {}) {
    const u8 = toU8(bytes);
    const form = opts?.form === undefined ? null : this._formIndex(opts.form);
    const p = this._copyIn(u8);
    const x = this._x;
    try {
      const load = () => (form === null ? x.mmw_model_load_state(p, u8.length, 64, this._scratch) : x.mmw_model_load_form(p, u8.length, form, 64, this._scratch));
      const h = this._call(load, (q) => q !== 0);
      const settings = this._takeStr(this._i32(this._scratch, 1)[0]);
      return new Model(this, h, settings, !!opts?.reproducible);
    } finally {
      this._x.mmw_free(p);
    }
  }

  /** @param {unknown} form loadModel's form: a name of the schema's form field or its index @returns {number} the index */
  _formIndex(form) {
    if (typeof form === 'string') return /** @type {number} */ (this.parseSetting('form', form)); // the core's message for a bad name
    if (typeof form !== 'number' || !Number.isInteger(form)) throw new TypeError(`form must be a form's name or index, got ${form}`);
    return form; // the core refuses a bad index
  }

  /**
   * A trainer that continues a checkpoint (Trainer.save()) exactly where it
   * stopped: running it gives bitwise the losses the saved trainer would have.
   * words must be the word list it was trained on (checked: vocabulary, split, hash). steps: a new total (a
   * decay step not reached yet moves to the same fraction of it); decayStep: a new decay step.
   * @param {ResumeOptions} opts
   * @returns {Trainer}
   */
  resumeTrainer(opts) {
    return continueTrainer(this, opts);
  }

  // ---- shared by Trainer and Model
  /**
   * @param {number} h model handle
   * @param {string} settings the core's JSON of the data settings to write with it, and of a training state (a checkpoint)
   */
  _modelSave(h, settings) {
    const lenp = this._scratch;
    const p = this._withJson(settings, (q, n) => this._call(() => this._x.mmw_model_save(h, q, n, lenp), (r) => r !== 0));
    return this._bytesOut(p);
  }
  /** Copies malloc'd bytes (length in the scratch int) out of wasm memory and frees them. @param {number} p */
  _bytesOut(p) {
    const n = this._i32(this._scratch, 1)[0];
    const out = this._u8().slice(p, p + n);
    this._x.mmw_free(p);
    return out;
  }
  /** @param {number} h model handle */
  _modelInfo(h) {
    const json = this._takeStr(this._call(() => this._x.mmw_model_config(h), (p) => p !== 0));
    const config = /** @type {ModelConfig} */ (this._settingsOut(JSON.parse(json)));
    const cps = this._u32(this._x.mmw_model_codepoints(h), config.vocabSize);
    return { config, vocab: vocabStrings(cps) };
  }
  /** @param {number} h model handle @param {number} rng generator handle @param {SampleOptions} o */
  _sample(h, rng, o = {}) {
    return sampleWords(this, h, rng, o);
  }

  // ---- model-level access (tests, notebooks) ----
  /**
   * A bare model with the lecture's initialisation, not tied to a word list:
   * forward/backward, SGD steps and eval-mode logits on batches you give it
   * (Model.forwardBackward, sgdStep, evalLogits). Tokens are named '.', 'a', ...
   * @param {Config} config vocabSize required
   * @param {object} [opts]
   * @param {number|bigint} [opts.seed] init seed (default 42)
   * @param {number} [opts.maxBatch] the largest batch the model takes (default 64)
   * @param {boolean} [opts.reproducible] the reference kernels instead of the fast ones
   * @returns {Model & {maxBatch: number}} maxBatch: the largest batch it takes
   */
  createModel(config, opts = {}) {
    return newModel(this, config, opts);
  }
  /**
   * Copies token arrays into fresh wasm memory (the caller frees both pointers).
   * @param {string} what caller's name @param {Config} config
   * @param {Uint16Array} X (B * blockSize) @param {Uint16Array|null} Y (B) or null
   * @returns {{B: number, xp: number, yp: number}}
   */
  _batchIn(what, config, X, Y) {
    return batchIn(this, what, config, X, Y);
  }
  // ---- end of model-level access ----
}
