// makemore.mjs: the JavaScript API of makemore-wasm.
//
// One plain ES module that runs unchanged in Node 20, a Web Worker and a page.
// It loads the fastest standalone WebAssembly module the engine runs and wraps
// the flat C ABI of wasm/exports.c in a few classes. The modules (build-wasm/), in
// the order loadMakemore tries them:
//   makemore-relaxed.wasm       relaxed SIMD (fused multiply-add) and threads on a
//                               shared memory (wasm/fast.cmake): needs relaxed SIMD
//                               (Node 20: --experimental-wasm-relaxed-simd) and a shared
//                               memory (a page: cross-origin isolated)
//   makemore-simd-threads.wasm  strict SIMD (no relaxed op: Safari accepts it) and threads
//   makemore-simd.wasm          strict SIMD, one thread (wasm/wasm.cmake)
//   makemore-scalar.wasm        plain wasm, one thread
// Every module has the reproducible engine (bitwise the native numbers), and all but the
// scalar one a fast engine, the default of its trainers (options reproducible: true for the
// other): the fast passes (src/fast/) and fused multiply-adds where relaxed SIMD has them.
// Threads never change a result.
//
//   const mm = await loadMakemore();                 // SIMD build when the engine has SIMD
//   const words = mm.parseWords(text);               // one word per line
//   const t = mm.createTrainer({ words, preset: 'wavenet76k', seed: 42 });
//   const losses = t.run(1000);                      // Float32Array(1000), one wasm call
//   t.evaluate('val'); t.sample({ count: 10 }); const bytes = t.save();
//   t.free(); words.free();
//
// Model files are safetensors (see src/makemore.h): trainer.save() writes a
// checkpoint (model + training state), trainer.saveModel() the model alone;
// mm.loadModel(bytes) reads either for sampling (mm.loadModel(bytes, { form: 'conv' }):
// made in another form, a wavenet76k file as wavenet76k-conv), and
// mm.resumeTrainer({ checkpoint: bytes, words }) continues training exactly.
// mm.layers(config, batch) (and trainer.layers(batch), model.layers(batch)) lists the
// model's layers as the lecture prints them: kind, output shape for the batch, parameters.
//
// Objects own wasm memory: call free() when done (a FinalizationRegistry frees
// forgotten ones eventually). Errors of the core throw MakemoreError with the
// core's message. Typed arrays returned by this API are copies, never views of
// wasm memory, so they stay valid whatever happens to the module's memory.
//
// The code (wasm/api/, this module the entry: loadMakemore and the types of the
// options and results):
//   api/env.mjs            feature probes, cores, shared memory; the module's bytes and imports
//   api/threads.mjs        the threaded modules' helper threads (wasm/helper.mjs)
//   api/base.mjs           MakemoreError, argument checks, Owned (the objects that own wasm memory)
//   api/settings.mjs       the core's settings schema and the conversion of settings
//   api/makemore-class.mjs Makemore: the flat C ABI wrapped; makes the objects below
//   api/words.mjs          Words, WordSplit
//   api/trainer.mjs        Trainer
//   api/model.mjs          Model (a loaded or bare model), sampling, batches

import { MakemoreError } from './api/base.mjs';
import { _wasmImports, availableCores, fromHere, isNode, readBytes, relaxedSimdSupported, sharedMemory, sharedMemoryUnavailable, sharedMemoryUnmade, simdSupported } from './api/env.mjs';
import { Makemore } from './api/makemore-class.mjs';
import { Model } from './api/model.mjs';
import { checkThreads } from './api/threads.mjs';
import { Trainer } from './api/trainer.mjs';
import { WordSplit, Words } from './api/words.mjs';

export { Makemore, MakemoreError, Model, Trainer, WordSplit, Words };
export { _wasmImports, availableCores, relaxedSimdSupported, sharedMemoryUnavailable, simdSupported };

/** A module (build-wasm/makemore-<name>.wasm). @typedef {'relaxed'|'simd-threads'|'simd'|'scalar'} ModuleName */
/** The modules, fastest first. */
const ENGINES = /** @type {const} */ (['relaxed', 'simd-threads', 'simd', 'scalar']);

export const BN_FIXED = 0;
export const BN_PER_POSITION = 1;

// The settings (a model's configuration, the data settings, the training parameters and
// a training state) are the core's schema (src/settings/, and each family's and optimizer's
// own rows; mm.schema): names, types, limits, defaults and documentation come from the
// module; the typedefs below mirror its fields for type checking (tests/schema.test.mjs
// holds them to the schema). A model is of one family (form); a family's own settings
// (nFlatLayers, bnMode, residual: the lecture's "examples"; nBlocks, dilationCycle, nSkip,
// gatedNorm: "gated") apply while it is chosen. An object given to the API may hold
// another family's settings at their defaults (they are left out); the API's objects
// hold the settings their family uses. The optimizer's own settings likewise.

/**
 * A model configuration (the schema's model fields). vocabSize comes from the data and
 * may be omitted; a field left out takes the schema's default.
 * @typedef {object} Config
 * @property {number} [vocabSize]
 * @property {number} blockSize   context length
 * @property {number} nEmbd       embedding size
 * @property {number} nHidden     hidden width
 * @property {number} [nConsec]   0: flat MLP; k >= 2: hierarchical (WaveNet), groups of k (default 0); conv, gated: kernel size
 * @property {number|'examples'|'conv'|'gated'|'bigram'|'mlp'|'bow'|'rnn'} [form] the model family: 0 'examples' (default: the
 *   lecture's models, one example at a time), 1 'conv' (the hierarchical model as dilated causal convolutions over whole words),
 *   2 'gated' (gated residual blocks with skip connections), 3 'bigram' (makemore.py's table of logits, block size 1),
 *   4 'mlp', 5 'bow', 6 'rnn' (makemore.py's MLP, bag of words and RNN: batches of whole words, blockSize at least the
 *   longest word + 1)
 * @property {number} [nFlatLayers] examples, flat: hidden blocks (default 1)
 * @property {number|'fixed'|'per-position'} [bnMode] examples: BatchNorm statistics: 0 'fixed' (default), 1 'per-position' (the lecture's bug)
 * @property {number} [residual]  examples: 1: a flat model's hidden blocks after the first add their input (default 0)
 * @property {number} [nBlocks]   gated: residual blocks, dilations 1, k, k^2, ... (default 0)
 * @property {number} [dilationCycle] gated: the dilations start again at 1 after this many blocks (default 0: never)
 * @property {number} [nSkip]     gated: width of the skip connections and of the output head (default 0)
 * @property {number|'batchnorm'|'none'} [gatedNorm] gated: 0 'batchnorm' after each dilated convolution (default), 1 'none' (a bias instead)
 * @property {number|'rnn'|'gru'|'lstm'} [cellType] rnn: the cell, 0 'rnn' (default), 1 'gru', 2 'lstm'
 */

/**
 * How a trainer splits its word list (the schema's data fields; not the model's).
 * @typedef {object} DataSettings
 * @property {number} splitSeed     random.seed of the split (default 42)
 * @property {number} splitShuffles random.shuffle calls that make the split (default 1; the lecture's 8-context models: 2)
 */

/**
 * A field of the core's settings schema (mm.schema.fields, in the model file's key order).
 * @typedef {object} SchemaField
 * @property {string} name        snake_case: the model file's metadata key, e.g. 'block_size'
 * @property {string} js          camelCase: this API's, e.g. 'blockSize'
 * @property {string|null} flag   the command lines' option, e.g. '--block'
 * @property {string} label       a short name, for messages and forms
 * @property {'model'|'data'|'training'|'state'} group
 * @property {'int'|'enum'|'float'|'u64'|'int3'|'hash'} type
 * @property {number} [min]       limits (int, int3, float)
 * @property {number} [max]
 * @property {number|string|bigint|null} default the default (null: none: from the data, or a state's)
 * @property {string|null} defaultText the default as the core writes it
 * @property {string[]} [values]  an enum's names (its value is the index)
 * @property {string} expects     what it takes, e.g. 'a whole number in 1..256'
 * @property {boolean} fromData   set from the word list (vocabSize)
 * @property {boolean} optional   a model file may lack it
 * @property {boolean} checkpointOnly written with the training state only
 * @property {boolean} selector   it chooses whose own settings apply (form: a family; optimizer: an optimizer)
 * @property {string|null} owner  the family's or optimizer's name whose own setting it is (null: everyone's)
 * @property {string} doc
 */

/**
 * A model family of the schema (mm.schema.families).
 * @typedef {object} SchemaFamily
 * @property {string} name      the form value: 'examples', 'conv', 'gated', 'bigram', 'mlp', 'bow', 'rnn'
 * @property {string} label
 * @property {string} doc
 * @property {boolean} sequence its layers run on every position of whole words, and it trains on whole words
 * @property {boolean} words    makemore.py's batches: batchSize counts whole words (each with all its positions, the loss
 *   their mean), and blockSize must hold the longest word and its end (mlp, bow, rnn)
 * @property {string[]} uses    the JS names of the common model settings it reads (its own: fields whose owner it is)
 */

/**
 * A preset's training settings (the lecture's schedule and SGD; the whole-word forms: batches of 256 for as many
 * examples; bigram: makemore.py's AdamW). The optimizer's own settings are there when it is chosen.
 * @typedef {object} TrainingSettings
 * @property {number} batchSize
 * @property {number} steps
 * @property {number} lr
 * @property {number} lrDecayed
 * @property {number} decayStep
 * @property {number|bigint} seed
 * @property {number} optimizer 0 'sgd', 1 'adamw' (the schema's index)
 * @property {number} [beta1]   adamw: decay of the gradient's running average (0.9)
 * @property {number} [beta2]   adamw: of the squared gradient's (0.99)
 * @property {number} [eps]     adamw: added to the denominator (1e-8)
 * @property {number} [weightDecay] adamw: decoupled weight decay (0.01)
 */

/**
 * The core's settings schema (mm.schema).
 * @typedef {object} Schema
 * @property {string} format the model file format
 * @property {SchemaField[]} fields
 * @property {SchemaFamily[]} families the model families (the form field's values)
 * @property {{name: string, label: string, doc: string}[]} optimizers the optimizers (the optimizer field's values)
 * @property {{name: string, doc: string, config: ModelConfig, data: DataSettings, training: TrainingSettings}[]} presets
 *   the presets' model, data and training settings (vocabSize 0)
 */

/**
 * A configuration as the core reports it (a model's, a preset's): the settings its family uses, the enums
 * (bnMode, form, gatedNorm, cellType) as numbers.
 * @typedef {Required<Pick<Config, 'vocabSize'|'blockSize'|'nEmbd'|'nHidden'|'nConsec'>> & {form: number, nFlatLayers?: number,
 *   bnMode?: number, residual?: number, nBlocks?: number, dilationCycle?: number, nSkip?: number, gatedNorm?: number,
 *   cellType?: number}} ModelConfig
 */

/**
 * One layer of a model, as the lecture prints `layer.__class__.__name__, tuple(layer.out.shape)` (mm.layers,
 * Model.layers, Trainer.layers; the core's mm_layer_info).
 * @typedef {object} LayerInfo
 * @property {number} index       its place in the list (model.layers[index])
 * @property {'Embedding'|'FlattenConsecutive'|'Linear'|'BatchNorm1d'|'Tanh'|'Add'|'Conv1d'|'Gate'|'ReLU'|'CausalBoW'|'RNNCell'|'GRUCell'|'LSTMCell'|string} kind
 *   the lecture's class name (makemore.py's for its models)
 * @property {string} prefix      its tensors' names start so: 'layers.<n>' (the conv form keeps the lecture's n); makemore.py's
 *   models: its modules' names ('wte', 'cell', 'lm_head', ...)
 * @property {(number|'tokens')[]} inputs the earlier layers it reads (an Add: two), or 'tokens' (the Embedding)
 * @property {number[]} shape     its output for a batch: [B, T, C], or [B, C] when T is 1 (the lecture squeezes it);
 *   a conv or gated form's layers: [B, blockSize, C] over every position (perPosition)
 * @property {boolean} perPosition a conv or gated form's layer, run on every position of whole words
 * @property {number} params      its parameters (BatchNorm running statistics not counted)
 * @property {number} kernel      Conv1d: kernel size (else 0)
 * @property {number} dilation    Conv1d: dilation (else 0)
 * @property {number} factor      FlattenConsecutive: consecutive positions joined (else 0)
 */

/**
 * @typedef {object} SampleOptions
 * @property {number} [count]        words to sample (default 1)
 * @property {number} [temperature]  softmax temperature (default 1; 0: greedy)
 * @property {number} [topK]         sample among the k most likely tokens only (default 0: all)
 * @property {number} [topP]         then among the smallest most-likely set holding this share of the
 *   probability (nucleus sampling; 0 < topP <= 1, default 1: all)
 * @property {string} [prefix]       start of every word (default '')
 * @property {number|bigint} [seed]  a fresh generator for these names, seeded by the core's one rule
 *   (mm_sample_seed(seed, stream), src/makemore.h): seed S gives the names of the CLI's --seed S;
 *   omitted: the object's own generator continues (a trainer's starts from its training seed, a
 *   loaded model's from 0, as the CLI's sample does by default)
 * @property {number|bigint} [stream] with seed: which of several batches drawn from one seed (default 0;
 *   the element's k-th batch is stream k)
 * @property {number} [maxLen]       longest word in code points (default 256)
 */

/**
 * @typedef {object} TrainerOptions
 * @property {Words|string|Uint8Array} words a parsed word list, or the text of one (string or UTF-8 bytes)
 * @property {string} [preset]       'mlp3', 'mlp8', 'wavenet22k-bnbug', 'wavenet22k', 'wavenet76k', 'wavenet76k-conv', 'wavenet-gated',
 *   'bigram', 'mlp', 'bow', 'rnn', 'gru', 'lstm' (mm.presets)
 * @property {Partial<Config>} [config] a configuration, or overrides of the preset's
 * @property {number} [splitSeed]    random.seed of the split (default: the preset's, 42)
 * @property {number} [splitShuffles] random.shuffle calls of the split (default: the preset's, else 1)
 * @property {number|bigint} [seed]  init and batch seed (default 42)
 * @property {number} [batchSize]    default: the preset's, else 32 (the whole-word presets: 256)
 * @property {number} [steps]        total steps (default: the preset's, else 200000; the whole-word presets: 25000)
 * @property {number} [lr]           default 0.1
 * @property {number} [lrDecayed]    default 0.01
 * @property {number} [decayStep]    lrDecayed from this step on (default: the preset's, else 150000; with steps given,
 *   at the same fraction of the run as the preset's: round(steps * decayStep / steps of the preset), 4000 steps: 3000)
 * @property {'sgd'|'adamw'|number} [optimizer] default: the preset's, else 'sgd' (the lecture's)
 * @property {number} [beta1]        adamw (default 0.9)
 * @property {number} [beta2]        adamw (default 0.99)
 * @property {number} [eps]          adamw (default 1e-8)
 * @property {number} [weightDecay]  adamw (default 0.01)
 * @property {Model} [from]          start from this model's weights (same configuration and vocabulary)
 * @property {boolean} [reproducible] the reference kernels (no fused multiply-add: bitwise the native and
 *   every module's numbers) instead of the fast engine (the default; the scalar module has only the reference)
 */


/**
 * mm.resumeTrainer's options.
 * @typedef {object} ResumeOptions
 * @property {ArrayBuffer|ArrayBufferView} checkpoint Trainer.save()'s bytes (or the CLI's --checkpoint file)
 * @property {Words|string|Uint8Array} words the word list it was trained on
 * @property {boolean} [reproducible] the reference kernels
 * @property {number} [steps]     a new total of steps; a decay step the run has not reached moves to the same fraction
 *   of it (one it has passed stays)
 * @property {number} [decayStep] a new decay step (kept as given)
 */

/**
 * A checkpoint's training state: the schema's training, data and state fields.
 * @typedef {object} TrainingState
 * @property {number} step        steps done
 * @property {number} steps       total steps of the schedule
 * @property {number} batchSize
 * @property {number} lr
 * @property {number} lrDecayed
 * @property {number} decayStep
 * @property {number|bigint} seed  init and batch seed (a bigint above 2^53)
 * @property {number|bigint} batchRng the batch generator's state
 * @property {number} optimizer   0 'sgd', 1 'adamw'
 * @property {number} [beta1]     adamw's own settings (when it is the optimizer)
 * @property {number} [beta2]
 * @property {number} [eps]
 * @property {number} [weightDecay]
 * @property {number} [optimizerStep] the optimizer's updates so far (AdamW's bias correction)
 * @property {number} splitSeed   random.seed of the split
 * @property {number} splitShuffles random.shuffle calls of the split
 * @property {[number, number, number]} splitSizes examples in train, val, test
 * @property {string} dataHash    'fnv1a64:<16 hex digits>' of the split's targets
 */

/** @typedef {'train'|'val'|'test'} SplitName */

/**
 * A histogram of a tensor's values: counts in 100 bins of equal width over [lo, hi] (torch.histogram's default;
 * the last bin holds hi).
 * @typedef {object} StatsHist
 * @property {number|null} lo the least value (null when the range is not finite: a value overflowed to inf or NaN)
 * @property {number|null} hi the largest value (likewise)
 * @property {number[]} counts
 */
/**
 * The training diagnostics of one step (makemore part 3; Trainer.setStatsEvery, Trainer.takeStats; the CLIs'
 * --stats-every). std is torch's unbiased one; a value that does not exist (the std of one value, the log10 of 0)
 * is null. The parameters' statistics are taken after the step's update, as the lecture's update:data.
 * @typedef {object} Stats
 * @property {number} step  the step (0-based) they belong to
 * @property {number} lr    its learning rate
 * @property {{index: number, kind: string, name: string, shape: number[],
 *   out: {mean: number|null, std: number|null, saturated: number|null, hist: StatsHist},
 *   grad: {mean: number|null, std: number|null, hist: StatsHist}|null,
 *   gates?: {name: string, saturated: number|null}[]}[]} layers every layer: kind, its lecture class;
 *   name 'layers.<n>'; shape of its output at this step ([B, T, C], [B, C], or a conv or gated form's [rows, C]);
 *   out.saturated: a Tanh's or RNNCell's fraction of |t| > 0.97 (null for the other kinds); grad: of dloss/dout;
 *   gates: a GRUCell's z, r, hbar or an LSTMCell's i, f, g, o, each its fraction saturated (|tanh| > 0.97, a sigmoid
 *   below 0.015 or above 0.985)
 * @property {{name: string, shape: number[], dataMean: number|null, dataStd: number|null, gradMean: number|null,
 *   gradStd: number|null, gradToData: number|null, updateToData: number|null}[]} params every parameter tensor:
 *   gradToData = gradStd / dataStd, updateToData = log10(lr * gradStd / dataStd)
 */

/**
 * A module instance's exports (the flat C ABI of wasm/exports.c: numbers in, a number out) and its memory.
 * @typedef {Record<string, (...args: number[]) => number> & {memory: WebAssembly.Memory}} WasmExports
 */

/**
 * Loads the makemore WebAssembly module.
 * @param {object} [opts]
 * @param {'auto'|'relaxed'|'simd-threads'|'simd'|'scalar'} [opts.engine] which module: 'auto' (default) the fastest this engine runs:
 *   'relaxed' (relaxed SIMD and threads), else 'simd-threads' (strict SIMD and threads), both where a
 *   shared memory can be made (their threads also need it to reach a Worker: a cross-origin isolated
 *   page, or Node; else one thread), else 'simd', else 'scalar'. mm.notes says why a faster one, or
 *   more threads, were not taken.
 * @param {'auto'|boolean} [opts.simd] the older choice: true is engine 'simd', false 'scalar'
 * @param {'auto'|number} [opts.threads] threads of a threaded module, the caller's included (1..64;
 *   default 'auto': the cores available). The other modules have one.
 * @param {string|URL} [opts.wasmDir] folder of the .wasm modules
 *   (default ../build-wasm/; relative URLs resolve against this module: in a bundle, against the bundle)
 * @param {string|URL} [opts.wasmUrl] one .wasm to load, whatever the engine (it must match opts.engine / opts.simd)
 * @param {string|URL} [opts.helperUrl] wasm/helper.mjs, the helper threads' module (default: next to this
 *   module; a bundle must give it, with wasm/makemore.mjs and wasm/api/ beside it: helper.mjs imports ./makemore.mjs)
 * @param {ArrayBuffer|ArrayBufferView} [opts.wasmBytes] the .wasm bytes themselves
 * @returns {Promise<Makemore>}
 */
export async function loadMakemore(opts = {}) {
  if (!opts || typeof opts !== 'object') throw new TypeError('loadMakemore takes an options object');
  /** @type {string[]} */
  const notes = [];
  const { threadsOpt, ...asked } = engineOptions(opts);
  const unmade = sharedMemoryUnmade();
  const noThreads = sharedMemoryUnavailable();
  const engine = pickEngine(asked.engine, opts, notes, unmade);
  let loaded;
  try {
    loaded = await loadModule(opts, engine, unmade);
  } catch (e) {
    // a threaded module the loader chose by itself that does not load (missing from a host, or its
    // shared memory refused at full size): the one-thread SIMD module instead, said in notes
    if (asked.engine !== 'auto' || opts.wasmBytes || opts.wasmUrl || (engine !== 'relaxed' && engine !== 'simd-threads')) throw e;
    const why = e instanceof Error ? e.message : String(e);
    notes.push(`the ${engine} module did not load (${why}): the simd module, one thread`);
    try {
      loaded = await loadModule(opts, 'simd', unmade);
    } catch (e2) {
      throw new Error(`${why}; nor the simd module: ${e2 instanceof Error ? e2.message : e2}`);
    }
  }
  const { x, url, module, shared } = loaded;
  const name = /** @type {ModuleName} */ (moduleName(x));
  const mm = new Makemore(x, name !== 'scalar', url ? String(url) : null);
  mm.engine = name;
  mm.notes = notes;
  if (shared && noThreads) {
    mm._noThreads = noThreads;
    notes.push(`one thread: ${noThreads}`);
  }
  mm._module = module;
  mm._base = import.meta.url;
  if (opts.helperUrl !== undefined) mm._helperUrl = fromHere(opts.helperUrl, 'helperUrl', import.meta.url);
  const threads = threadsOpt === 'auto' ? await availableCores() : threadsOpt;
  if (threads > 1 && !shared && threadsOpt !== 'auto') notes.push(`one thread: the ${name} module has no threads (asked for ${threads})`);
  if (shared && threads > 1 && !noThreads) {
    try {
      await mm.setThreads(threads);
    } catch (e) {
      notes.push(`one thread: the helper threads did not start (${e instanceof Error ? e.message : e})`);
    }
  }
  return mm;
}

/**
 * loadMakemore's engine, simd and threads options, checked: the engine asked for ('auto' if
 * none), simd: true or false as engine 'simd' or 'scalar'.
 * @param {NonNullable<Parameters<typeof loadMakemore>[0]>} opts
 * @returns {{engine: 'auto'|ModuleName, threadsOpt: 'auto'|number}}
 */
function engineOptions(opts) {
  let engine = opts.engine ?? 'auto';
  if (!['auto', ...ENGINES].includes(engine)) throw new TypeError(`engine must be 'auto', ${ENGINES.map((e) => `'${e}'`).join(', ')}, got ${engine}`);
  const want = opts.simd ?? 'auto';
  if (want !== 'auto' && want !== true && want !== false) throw new TypeError(`simd must be 'auto', true or false`);
  if (want !== 'auto') {
    if (engine !== 'auto' && (engine === 'scalar') === want) throw new TypeError(`engine '${engine}' contradicts simd: ${want}`);
    if (engine === 'auto') engine = want ? 'simd' : 'scalar';
  }
  const threadsOpt = opts.threads ?? 'auto';
  if (threadsOpt !== 'auto') checkThreads(threadsOpt);
  return { engine, threadsOpt };
}

/**
 * The module to load: 'auto' becomes the fastest this engine runs, unless the module is given
 * (wasmBytes, wasmUrl: then it decides); notes say why a faster one was not taken. A threaded
 * module is taken wherever a shared memory can be made, threads or not (on one thread it is as
 * fast as the one-thread build, and faster in WebKit: clang-19's code). Throws if this engine
 * cannot run the one asked for, saying why.
 * @param {'auto'|ModuleName} engine @param {NonNullable<Parameters<typeof loadMakemore>[0]>} opts
 * @param {string[]} notes @param {string|null} unmade sharedMemoryUnmade()
 * @returns {'auto'|ModuleName}
 */
function pickEngine(engine, opts, notes, unmade) {
  const simd = simdSupported(), relaxed = relaxedSimdSupported();
  const noRelaxed = isNode
    ? 'no relaxed SIMD in this engine (Node 20: run node --experimental-wasm-relaxed-simd)'
    : 'this browser does not run relaxed SIMD';
  if (engine === 'auto' && !opts.wasmBytes && !opts.wasmUrl) {
    if (!simd) notes.push('no WebAssembly SIMD in this engine');
    else if (!relaxed) notes.push(noRelaxed);
    if (simd && unmade) notes.push(`one thread: ${unmade}`);
    engine = !simd ? 'scalar' : unmade ? 'simd' : relaxed ? 'relaxed' : 'simd-threads';
  }
  if (engine === 'relaxed' && !relaxed) throw new Error(`the relaxed module cannot run here: ${noRelaxed}`);
  if (engine !== 'scalar' && engine !== 'auto' && !simd) throw new Error(`the ${engine} module cannot run here: this WebAssembly engine does not support SIMD`);
  if ((engine === 'relaxed' || engine === 'simd-threads') && unmade) throw new Error(`the ${engine} module needs a shared memory: ${unmade}`);
  return engine;
}

/**
 * The module's bytes (wasmBytes, or read from wasmUrl or the engine's file in wasmDir) and where they came from.
 * @param {NonNullable<Parameters<typeof loadMakemore>[0]>} opts @param {'auto'|ModuleName} engine
 * @returns {Promise<{bytes: ArrayBuffer|ArrayBufferView|BufferSource, url: URL|null}>}
 */
async function moduleBytes(opts, engine) {
  if (opts.wasmBytes) return { bytes: opts.wasmBytes, url: null };
  let url;
  if (opts.wasmUrl) {
    url = fromHere(opts.wasmUrl, 'wasmUrl', import.meta.url);
  } else {
    let dir = String(opts.wasmDir ?? '../build-wasm/');
    if (!dir.endsWith('/')) dir += '/';
    // never 'auto' here: pickEngine resolves it when neither wasmBytes nor wasmUrl is given
    url = new URL(`makemore-${engine}.wasm`, fromHere(dir, 'wasmDir', import.meta.url));
  }
  return { bytes: await readBytes(url), url };
}

/**
 * Fetches, compiles and instantiates one module (a threaded one on a fresh shared memory).
 * @param {NonNullable<Parameters<typeof loadMakemore>[0]>} opts @param {'auto'|ModuleName} engine
 * @param {string|null} unmade sharedMemoryUnmade()
 */
async function loadModule(opts, engine, unmade) {
  const { bytes, url } = await moduleBytes(opts, engine);
  const module = await WebAssembly.compile(/** @type {BufferSource} */ (bytes));
  const shared = WebAssembly.Module.imports(module).some((i) => i.kind === 'memory');
  if (shared && unmade) throw new Error(`this module needs a shared memory: ${unmade}`);
  return { x: await instantiate(module, shared), url, module, shared };
}

/** @param {WasmExports} x @returns {string} the module's own name of itself (exports.c's mmw_module_name) */
function moduleName(x) {
  if (typeof x.mmw_module_name !== 'function') throw new Error('this .wasm is not a makemore-wasm module of this version (it has no mmw_module_name): build it again with npm run build');
  const p = x.mmw_module_name();
  const u8 = new Uint8Array(x.memory.buffer);
  let end = p;
  while (u8[end]) end++;
  return String.fromCharCode(...u8.subarray(p, end));
}

/**
 * Instantiates a compiled module on its memory (a fresh shared one if it imports one) and runs its initialiser.
 * @param {WebAssembly.Module} module @param {boolean} shared whether it imports its memory (a threaded module)
 * @returns {Promise<WasmExports>} its exports and its memory
 */
async function instantiate(module, shared) {
  /** @type {WebAssembly.Memory|undefined} */
  let memory = shared ? sharedMemory() : undefined;
  const instance = await WebAssembly.instantiate(module, _wasmImports(module, () => /** @type {any} */ (memory)));
  if (!shared) memory = /** @type {WebAssembly.Memory} */ (instance.exports.memory);
  const init = /** @type {Function|undefined} */ (instance.exports._initialize);
  if (init) init();
  return /** @type {WasmExports} */ (/** @type {unknown} */ ({ ...instance.exports, memory }));
}
