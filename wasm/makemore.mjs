// makemore.mjs: the JavaScript API of makemore-wasm.
//
// One plain ES module that runs unchanged in Node 20, a Web Worker and a page.
// It loads the fastest standalone WebAssembly module the engine runs and wraps
// the flat C ABI of wasm/exports.c in a few classes. The modules (build-wasm/):
//   makemore-relaxed.wasm  relaxed SIMD (fused multiply-add) and threads on a
//                          shared memory (wasm/fast.cmake): needs relaxed SIMD
//                          (Node: --experimental-wasm-relaxed-simd) and shared
//                          memory (a page: cross-origin isolated)
//   makemore-simd.wasm     wasm SIMD, one thread (wasm/wasm.cmake)
//   makemore-scalar.wasm   plain wasm, one thread
// Every module has the reproducible engine (bitwise the native numbers); the
// relaxed one adds the fast engine, the default of its trainers (options
// reproducible: true for the other). Threads never change a result.
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
// mm.loadModel(bytes) reads either for sampling, and
// mm.resumeTrainer({ checkpoint: bytes, words }) continues training exactly.
//
// Objects own wasm memory: call free() when done (a FinalizationRegistry frees
// forgotten ones eventually). Errors of the core throw MakemoreError with the
// core's message. Typed arrays returned by this API are copies, never views of
// wasm memory, so they stay valid whatever happens to the module's memory.

/** SIMD feature probe: a module whose one function uses i8x16.splat and i8x16.popcnt. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);
/** Relaxed SIMD probe: () -> v128 returning f32x4.relaxed_madd of three v128.const zeros. */
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0,
  ...[0, 1, 2].flatMap(() => [253, 12, ...new Array(16).fill(0)]),
  253, 133, 2, 11,
]);

/** The modules, fastest first. */
const ENGINES = /** @type {const} */ (['relaxed', 'simd', 'scalar']);
/** Bytes of stack for each helper thread's instance. */
const HELPER_STACK = 256 * 1024;
/** Pages (64 KiB) of the shared memory: the fast module's --initial-memory and --max-memory. */
const SHARED_PAGES = { initial: 256, maximum: 32768 };

const SPLITS = ['train', 'val', 'test'];
const MM_EFORMAT = 5;

export const BN_FIXED = 0;
export const BN_PER_POSITION = 1;

// The settings (a model's configuration, the data settings, the training parameters and
// a training state) are the core's schema (src/config.c; mm.schema): names, types,
// limits, defaults and documentation come from the module; the typedefs below mirror
// its fields for type checking (tests/schema.test.mjs holds them to the schema).

/**
 * A model configuration (the schema's model fields). vocabSize comes from the data and
 * may be omitted; a field left out takes the schema's default.
 * @typedef {object} Config
 * @property {number} [vocabSize]
 * @property {number} blockSize   context length
 * @property {number} nEmbd       embedding size
 * @property {number} nHidden     hidden width
 * @property {number} [nConsec]   0: flat MLP; k >= 2: hierarchical (WaveNet), groups of k (default 0)
 * @property {number} [nFlatLayers] flat form: hidden blocks (default 1)
 * @property {number|'fixed'|'per-position'} [bnMode] BatchNorm statistics: 0 'fixed' (default), 1 'per-position' (the lecture's bug)
 * @property {number} [residual]  1: a flat model's hidden blocks after the first add their input (default 0)
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
 * @property {string} doc
 */

/**
 * The core's settings schema (mm.schema).
 * @typedef {object} Schema
 * @property {string} format the model file format
 * @property {SchemaField[]} fields
 * @property {{name: string, config: ModelConfig, data: DataSettings}[]} presets the presets' model and data settings (vocabSize 0)
 */

/**
 * A configuration as the core reports it (a model's, a preset's): every field set, bnMode a number.
 * @typedef {Required<Omit<Config, 'bnMode'>> & {bnMode: number}} ModelConfig
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
 * @property {string} [preset]       'mlp3', 'mlp8', 'wavenet22k-bnbug', 'wavenet22k', 'wavenet76k'
 * @property {Partial<Config>} [config] a configuration, or overrides of the preset's
 * @property {number} [splitSeed]    random.seed of the split (default: the preset's, 42)
 * @property {number} [splitShuffles] random.shuffle calls of the split (default: the preset's, else 1)
 * @property {number|bigint} [seed]  init and batch seed (default 42)
 * @property {number} [batchSize]    default 32
 * @property {number} [steps]        total steps (default 200000)
 * @property {number} [lr]           default 0.1
 * @property {number} [lrDecayed]    default 0.01
 * @property {number} [decayStep]    lrDecayed from this step on (default 150000)
 * @property {Model} [from]          start from this model's weights (same configuration and vocabulary)
 * @property {boolean} [reproducible] the reference kernels (no fused multiply-add: bitwise the native and
 *   every module's numbers) instead of the fast ones (the default; the same where the module has no FMA)
 */

/** An error reported by the core; code is its MM_* code. */
export class MakemoreError extends Error {
  /** @param {string} message @param {number} code */
  constructor(message, code) {
    super(message);
    this.name = 'MakemoreError';
    this.code = code;
  }
}

/** @returns {boolean} whether this engine runs WebAssembly SIMD (simd128). */
export function simdSupported() {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/** @returns {boolean} whether this engine runs relaxed SIMD (Node 20: node --experimental-wasm-relaxed-simd). */
export function relaxedSimdSupported() {
  try {
    return WebAssembly.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

/**
 * Why this context cannot have a shared WebAssembly memory (threads), or null if it can.
 * @returns {string|null}
 */
export function sharedMemoryUnavailable() {
  if (typeof SharedArrayBuffer === 'undefined' || /** @type {any} */ (globalThis).crossOriginIsolated === false)
    return 'the page is not cross-origin isolated (it needs the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return null;
  } catch (e) {
    return `this engine has no shared WebAssembly memory (${e})`;
  }
}

/** @returns {Promise<number>} the cores available to this context (at most 64) */
export async function availableCores() {
  let n = 1;
  if (isNode) {
    const os = /** @type {typeof import('node:os')} */ (await importNode('node:os'));
    n = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
  } else if (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) {
    n = navigator.hardwareConcurrency;
  }
  return Math.max(1, Math.min(64, n | 0));
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;
/**
 * import() of a Node built-in, opaque to bundlers: a bundle for the browser must not
 * try to resolve node:fs and the like (these paths only run in Node).
 * @param {string} name @returns {Promise<any>}
 */
const importNode = (name) => import(/* webpackIgnore: true */ /* @vite-ignore */ name);

/**
 * A URL relative to this module (import.meta.url: in a bundle, the bundle's URL).
 * @param {string|URL} u @param {string} what the option it came from, for the error
 */
function fromHere(u, what) {
  try {
    return new URL(u, import.meta.url);
  } catch {
    throw new TypeError(`${what} "${u}" is not a URL, or is relative and this module has no URL to resolve it against (import.meta.url is ${import.meta.url}; bundled as a non-ES module?): give an absolute URL`);
  }
}

/** @param {URL} url @returns {Promise<BufferSource>} */
async function readBytes(url) {
  if (isNode && url.protocol === 'file:') {
    const fs = /** @type {typeof import('node:fs/promises')} */ (await importNode('node:fs/promises'));
    try {
      return /** @type {BufferSource} */ (/** @type {unknown} */ (await fs.readFile(url)));
    } catch (e) {
      if (/** @type {any} */ (e)?.code !== 'ENOENT') throw e;
      throw Object.assign(new Error(`no WebAssembly module at ${decodeURIComponent(url.pathname)} (ENOENT: build it with npm run build, or point wasmDir / wasmUrl at the .wasm files)`), { code: 'ENOENT' });
    }
  }
  const r = await fetch(url);
  if (!r.ok) throw new Error(`could not fetch ${url}: HTTP ${r.status}`);
  return r.arrayBuffer();
}

/**
 * Imports for a standalone module (Emscripten's or clang's): the memory it
 * imports (shared, for threads), memory-growth notice, a clock, and WASI
 * stubs (the core never prints or reads files; anything that tries gets ENOSYS).
 * Exported for wasm/helper.mjs only.
 * @param {WebAssembly.Module} module @param {() => WebAssembly.Memory} memory
 */
export function _wasmImports(module, memory) {
  /** @type {Record<string, Record<string, Function>>} */
  const imports = {};
  const ENOSYS = 52;
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind === 'memory' && imp.module === 'env' && imp.name === 'memory') {
      (imports.env ??= {}).memory = /** @type {any} */ (memory());
      continue;
    }
    if (imp.kind !== 'function') throw new Error(`makemore wasm: unexpected import ${imp.module}.${imp.name} (${imp.kind})`);
    const ns = (imports[imp.module] ??= {});
    let fn;
    if (imp.module === 'env' && imp.name === 'emscripten_notify_memory_growth') {
      fn = () => {}; // views are made afresh on each use
    } else if (imp.module === 'wasi_snapshot_preview1') {
      switch (imp.name) {
        case 'proc_exit':
          fn = (/** @type {number} */ code) => {
            throw new Error(`makemore wasm called exit(${code})`);
          };
          break;
        case 'environ_sizes_get':
        case 'args_sizes_get':
          fn = (/** @type {number} */ a, /** @type {number} */ b) => {
            const v = new DataView(memory().buffer);
            v.setUint32(a, 0, true);
            v.setUint32(b, 0, true);
            return 0;
          };
          break;
        case 'environ_get':
        case 'args_get':
          fn = () => 0;
          break;
        case 'clock_time_get': // (id, precision: i64, out: *u64) -> errno; the core times its steps with it
          fn = (/** @type {number} */ _id, /** @type {bigint} */ _precision, /** @type {number} */ out) => {
            new DataView(memory().buffer).setBigUint64(out, BigInt(Math.round(performance.now() * 1e6)), true);
            return 0;
          };
          break;
        default:
          fn = () => ENOSYS;
      }
    } else {
      fn = () => {
        throw new Error(`makemore wasm: missing import ${imp.module}.${imp.name}`);
      };
    }
    ns[imp.name] = fn;
  }
  return imports;
}

/** @param {number|bigint} seed @returns {[number, number]} low and high 32 bits */
function splitSeed(seed) {
  const s = BigInt(seed);
  if (s < 0n || s >= 1n << 64n) throw new RangeError(`seed ${seed} is outside 0..2^64-1`);
  return [Number(s & 0xffffffffn), Number(s >> 32n)];
}

/** @param {SchemaField} f @param {string} text a value as the core writes it @returns {any} the value in this API's form */
function fromText(f, text) {
  switch (f.type) {
    case 'int': return Number(text);
    case 'enum': return /** @type {string[]} */ (f.values).indexOf(text);
    case 'float': return shortestF32(Math.fround(Number(text)));
    case 'u64': {
      const v = BigInt(text);
      return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    case 'int3': return JSON.parse(text);
    default: return text;
  }
}

/**
 * A value in this API's form as the core reads it (the core checks the limits).
 * @param {SchemaField} f @param {unknown} v @param {string} where for the message, e.g. 'config'
 */
function toText(f, v, where) {
  const bad = (/** @type {string} */ want) => new TypeError(`${where}${f.js} must be ${want}, got ${v}`);
  switch (f.type) {
    case 'int':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw bad('a whole number');
      return String(v);
    case 'enum': {
      const names = /** @type {string[]} */ (f.values);
      if (typeof v === 'string' && names.includes(v)) return v;
      if (typeof v === 'number' && Number.isInteger(v)) return names[v] ?? String(v); // the core refuses a bad index
      throw bad(`${names.map((n) => `'${n}'`).join(' or ')} or its index`);
    }
    case 'float': {
      const x = Math.fround(Number(v));
      return Object.is(x, -0) ? '-0' : String(x); // the float32 exactly: strtof reads it back bit for bit
    }
    case 'u64': {
      const [lo, hi] = splitSeed(/** @type {number|bigint} */ (v)); // RangeError outside 0..2^64-1
      return String(BigInt(lo) | (BigInt(hi) << 32n));
    }
    case 'int3':
      if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => Number.isSafeInteger(x))) throw bad('three whole numbers');
      return `[${v.join(',')}]`;
    default:
      if (typeof v !== 'string') throw bad('a string');
      return v;
  }
}

/** @param {unknown} n @param {string} what @param {number} [min] */
function checkInt(n, what, min = 0) {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > 0x7fffffff)
    throw new RangeError(`${what} must be an integer in ${min}..2147483647, got ${n}`);
  return n;
}

const registry =
  typeof FinalizationRegistry !== 'undefined'
    ? new FinalizationRegistry((/** @type {() => void} */ free) => free())
    : null;

/**
 * Loads the makemore WebAssembly module.
 * @param {object} [opts]
 * @param {'auto'|'relaxed'|'simd'|'scalar'} [opts.engine] which module: 'auto' (default) the fastest this
 *   engine runs: 'relaxed' (relaxed SIMD and threads; needs shared memory: a cross-origin isolated
 *   page, or Node), else 'simd', else 'scalar'. mm.notes says why a faster one was not taken.
 * @param {'auto'|boolean} [opts.simd] the older choice: true is engine 'simd', false 'scalar'
 * @param {'auto'|number} [opts.threads] threads of the relaxed module, the caller's included (1..64;
 *   default 'auto': the cores available). The other modules have one.
 * @param {string|URL} [opts.wasmDir] folder of the .wasm modules
 *   (default ../build-wasm/; relative URLs resolve against this module: in a bundle, against the bundle)
 * @param {string|URL} [opts.wasmUrl] one .wasm to load, whatever the engine (it must match opts.engine / opts.simd)
 * @param {string|URL} [opts.helperUrl] wasm/helper.mjs, the helper threads' module (default: next to this
 *   module; a bundle must give it, with wasm/makemore.mjs beside it: helper.mjs imports ./makemore.mjs)
 * @param {ArrayBuffer|ArrayBufferView} [opts.wasmBytes] the .wasm bytes themselves
 * @returns {Promise<Makemore>}
 */
export async function loadMakemore(opts = {}) {
  if (!opts || typeof opts !== 'object') throw new TypeError('loadMakemore takes an options object');
  const notes = [];
  let engine = opts.engine ?? 'auto';
  if (!['auto', ...ENGINES].includes(engine)) throw new TypeError(`engine must be 'auto', 'relaxed', 'simd' or 'scalar', got ${engine}`);
  const want = opts.simd ?? 'auto';
  if (want !== 'auto' && want !== true && want !== false) throw new TypeError(`simd must be 'auto', true or false`);
  if (want !== 'auto') {
    if (engine !== 'auto' && (engine === 'scalar') === want) throw new TypeError(`engine '${engine}' contradicts simd: ${want}`);
    if (engine === 'auto') engine = want ? 'simd' : 'scalar';
  }
  const threadsOpt = opts.threads ?? 'auto';
  if (threadsOpt !== 'auto') checkThreads(threadsOpt);
  const shareWhy = sharedMemoryUnavailable();
  if (engine === 'auto' && !opts.wasmBytes && !opts.wasmUrl) {
    if (!relaxedSimdSupported()) notes.push('no relaxed SIMD in this engine (Node: run node --experimental-wasm-relaxed-simd)');
    else if (shareWhy) notes.push(`no threads: ${shareWhy}`);
    engine = relaxedSimdSupported() && !shareWhy ? 'relaxed' : simdSupported() ? 'simd' : 'scalar';
    if (engine === 'scalar') notes.push('no WebAssembly SIMD in this engine');
  }
  if (engine === 'relaxed' && !relaxedSimdSupported())
    throw new Error('this WebAssembly engine does not support relaxed SIMD (Node 20: node --experimental-wasm-relaxed-simd)');
  if (engine === 'relaxed' && shareWhy) throw new Error(`the relaxed module needs a shared memory: ${shareWhy}`);
  if (engine === 'simd' && !simdSupported()) throw new Error('this WebAssembly engine does not support SIMD (simd: true)');
  let bytes = opts.wasmBytes;
  let url = null;
  if (!bytes) {
    if (opts.wasmUrl) {
      url = fromHere(opts.wasmUrl, 'wasmUrl');
    } else {
      let dir = String(opts.wasmDir ?? '../build-wasm/');
      if (!dir.endsWith('/')) dir += '/';
      url = new URL(`makemore-${engine === 'auto' ? (simdSupported() ? 'simd' : 'scalar') : engine}.wasm`, fromHere(dir, 'wasmDir'));
    }
    bytes = await readBytes(url);
  }
  const module = await WebAssembly.compile(/** @type {BufferSource} */ (bytes));
  const shared = WebAssembly.Module.imports(module).some((i) => i.kind === 'memory');
  if (engine === 'auto') engine = shared ? 'relaxed' : simdSupported() && want !== false ? 'simd' : 'scalar';
  /** @type {WebAssembly.Memory|undefined} */
  let memory;
  if (shared) {
    if (shareWhy) throw new Error(`this module needs a shared memory: ${shareWhy}`);
    try {
      memory = new WebAssembly.Memory({ ...SHARED_PAGES, shared: true });
    } catch {
      memory = new WebAssembly.Memory({ initial: SHARED_PAGES.initial, maximum: SHARED_PAGES.maximum / 2, shared: true });
    }
  }
  const instance = await WebAssembly.instantiate(module, _wasmImports(module, () => /** @type {any} */ (memory)));
  if (!shared) memory = /** @type {WebAssembly.Memory} */ (instance.exports.memory);
  const init = /** @type {Function|undefined} */ (instance.exports._initialize);
  if (init) init();
  const wasmExports = /** @type {WasmExports} */ (/** @type {unknown} */ ({ ...instance.exports, memory }));
  const mm = new Makemore(wasmExports, engine !== 'scalar', url ? String(url) : null);
  mm.engine = /** @type {'relaxed'|'simd'|'scalar'} */ (engine);
  mm.notes = notes;
  mm._module = module;
  if (opts.helperUrl !== undefined) mm._helperUrl = fromHere(opts.helperUrl, 'helperUrl');
  const threads = threadsOpt === 'auto' ? await availableCores() : threadsOpt;
  if (threads > 1 && !shared && threadsOpt !== 'auto') notes.push(`one thread: the ${engine} module has no threads (asked for ${threads})`);
  if (shared && threads > 1) {
    try {
      await mm.setThreads(threads);
    } catch (e) {
      notes.push(`one thread: the helper threads did not start (${e instanceof Error ? e.message : e})`);
    }
  }
  return mm;
}

/** @param {unknown} n @returns {number} */
function checkThreads(n) {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 64)
    throw new RangeError(`threads must be a whole number from 1 to 64 (or 'auto'), got ${n}`);
  return n;
}

/**
 * A helper thread: a Worker (Node: worker_threads) running wasm/helper.mjs.
 * @param {URL|null} helperUrl loadMakemore's helperUrl (null: helper.mjs next to this module)
 * @returns {Promise<{post: (m: any) => void, on: (f: (m: any) => void) => void, terminate: () => void, unref: () => void}>}
 */
async function spawnHelper(helperUrl) {
  const url = helperUrl ?? fromHere('./helper.mjs', 'helperUrl');
  if (isNode) {
    const { Worker: NodeWorker } = /** @type {typeof import('node:worker_threads')} */ (await importNode('node:worker_threads'));
    const w = new NodeWorker(url, { execArgv: [] }); // not the parent's options (--input-type and the like fail there)
    return {
      post: (m) => w.postMessage(m),
      on: (f) => {
        w.on('message', f);
        w.on('error', (e) => f({ type: 'error', message: String(e) }));
        w.on('exit', () => f({ type: 'exit' }));
      },
      unref: () => w.unref(), // once it runs: a helper never keeps Node alive (a 'message' listener refs it)
      terminate: () => void w.terminate(),
    };
  }
  const w = new Worker(url, { type: 'module' });
  return {
    post: (m) => w.postMessage(m),
    on: (f) => {
      w.addEventListener('message', (e) => f(e.data));
      w.addEventListener('error', (e) => f({ type: 'error', message: e.message || 'the helper worker failed to start' }));
    },
    terminate: () => w.terminate(),
    unref: () => {},
  };
}

/**
 * A module instance's exports (the flat C ABI of wasm/exports.c: numbers in, a number out) and its memory.
 * @typedef {Record<string, (...args: number[]) => number> & {memory: WebAssembly.Memory}} WasmExports
 */

/** The loaded module: makes word lists, trainers and models. */
export class Makemore {
  /** @param {WasmExports} x the instance's exports and its memory @param {boolean} simd @param {string|null} url */
  constructor(x, simd, url) {
    this._x = x;
    /** whether this is a SIMD build (relaxed or not) */
    this.simd = simd;
    /** @type {'relaxed'|'simd'|'scalar'} which module */
    this.engine = simd ? 'simd' : 'scalar';
    /** @type {string[]} why a faster module or more threads were not taken */
    this.notes = [];
    /** where the .wasm came from (null if given as bytes) */
    this.wasmUrl = url;
    /** @type {WebAssembly.Module|null} */
    this._module = null;
    /** @type {URL|null} loadMakemore's helperUrl */
    this._helperUrl = null;
    this._pool = 0;
    /** @type {{h: Awaited<ReturnType<typeof spawnHelper>>, stack: number, exited: Promise<void>}[]} */
    this._helpers = [];
    /** live models (a trainer's included) by handle: reproducible or not; their engine follows the pool @type {Map<number, boolean>} */
    this._live = new Map();
    this._enc = new TextEncoder();
    this._dec = new TextDecoder();
    // Out-parameters of single calls (never kept across a call that allocates).
    this._scratch = this._call(() => x.mmw_malloc(64), (p) => p !== 0);
    /** @type {SchemaField[]} */
    this._fields = [];
    /** @type {Schema} the core's settings: every field's names, type, limits, default and documentation, and the presets */
    this.schema = this._schema();
    /** @type {{name: string, config: ModelConfig, data: DataSettings, numParams: number}[]} presets; numParams for names.txt's 27 symbols */
    this.presets = this.schema.presets.map((p) => ({ ...p, numParams: this.numParams({ ...p.config, vocabSize: 27 }) }));
    /** the core's default training parameters (the schema's training defaults) */
    this.trainDefaults = /** @type {{batchSize: number, steps: number, lr: number, lrDecayed: number, decayStep: number, seed: number}} */ (
      this._defaults('training'));
  }

  /** threads the kernels run on, the caller's included */
  get threads() {
    return 1 + this._helpers.length;
  }
  /** live helper workers */
  get helperCount() {
    return this._helpers.length;
  }
  /** e.g. "relaxed SIMD (fused multiply-add), 2 threads" */
  get engineLabel() {
    const name = { relaxed: 'relaxed SIMD (fused multiply-add)', simd: 'SIMD', scalar: 'scalar' }[this.engine];
    return `${name}, ${this.threads} thread${this.threads === 1 ? '' : 's'}`;
  }

  /**
   * Runs the kernels on n threads (the caller's included): starts or stops helper
   * workers. Only the relaxed module has threads; others stay at 1 (see notes).
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
        const h = await spawnHelper(this._helperUrl);
        /** @type {(v: any) => void} */
        let ready = () => {};
        /** @type {(v: any) => void} */
        let exited = () => {};
        const readyP = new Promise((res, rej) => {
          ready = (m) => (m.type === 'ready' ? res(undefined) : rej(new Error(`helper thread ${i}: ${m.message ?? m.type}`)));
        });
        const exitedP = new Promise((res) => (exited = res));
        let started = false;
        h.on((m) => {
          if (!started) {
            started = true;
            ready(m);
          }
          if (m.type === 'exit' || m.type === 'error') exited(undefined);
        });
        helpers.push({ h, stack, exited: exitedP, ready: readyP });
        h.post({ module: this._module, memory: x.memory, pool, index: i, stackTop: (stack + HELPER_STACK) & ~15 });
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
    this._rc(this._x.mmw_model_set_engine(h, reproducible ? 0 : 1, this._pool));
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
    const raw = JSON.parse(this._takeStr(this._call(() => this._x.mmw_schema_json(), (p) => p !== 0)));
    /** @type {SchemaField[]} */
    const fields = raw.fields.map((/** @type {any} */ f) => ({ ...f, defaultText: f.default, default: f.default === null ? null : fromText(f, f.default) }));
    this._fields = fields;
    /** @param {Record<string, string>} o */
    const typed = (o) => this._settingsOut(o);
    const presets = raw.presets.map((/** @type {any} */ p) => ({
      name: p.name,
      config: /** @type {ModelConfig} */ ({ vocabSize: 0, ...typed(p.model) }),
      data: /** @type {DataSettings} */ (typed(p.data)),
    }));
    return { format: raw.format, fields, presets };
  }
  /** @param {string} group @returns {Record<string, any>} the defaults of a group's fields, by JS name */
  _defaults(group) {
    return Object.fromEntries(this._fields.filter((f) => f.group === group && !f.fromData).map((f) => [f.js, f.default]));
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
    /** @type {Record<string, string>} */
    const out = {};
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) continue;
      const f = this._fields.find((q) => q.js === k);
      if (!f || !groups.includes(f.group)) {
        const home = f ? ` (a ${f.group} setting${f.group === 'data' || f.group === 'training' ? `: give it as an option of its own, ${k}` : ''})` : '';
        throw new TypeError(`${where}${k} is not a ${groups.join(' or ')} setting${home}; they are ${this._fields.filter((q) => groups.includes(q.group)).map((q) => q.js).join(', ')}`);
      }
      out[f.name] = toText(f, v, where);
    }
    return out;
  }
  /** @param {Record<string, string>} o the core's JSON object of settings @returns {Record<string, any>} by JS name, typed */
  _settingsOut(o) {
    /** @type {Record<string, any>} */
    const out = {};
    for (const f of this._fields) if (Object.hasOwn(o, f.name)) out[f.js] = fromText(f, o[f.name]);
    return out;
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

  /** @param {string} name @returns {{name: string, config: ModelConfig, data: DataSettings}} a preset (vocabSize 0) */
  _preset(name) {
    const p = this.schema.presets.find((q) => q.name === name);
    if (!p)
      throw new MakemoreError(`unknown preset '${name}' (presets: ${this.schema.presets.map((q) => q.name).join(', ')})`, 1);
    return { name: p.name, config: { ...p.config }, data: { ...p.data } };
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
    if (!opts || typeof opts !== 'object') throw new TypeError('createTrainer takes an options object');
    if (opts.preset === undefined && !opts.config) throw new TypeError('createTrainer needs a preset or a config');
    const preset = opts.preset !== undefined ? this._preset(opts.preset) : null;
    /** @type {Record<string, unknown>} */
    const config = { ...(preset?.config ?? {}), ...(opts.config ?? {}) };
    delete config.vocabSize; // the words'
    /** @type {Record<string, unknown>} the data and training options, over the preset's data settings */
    const options = { ...(preset?.data ?? {}) };
    for (const f of this._fields)
      if ((f.group === 'data' || f.group === 'training') && /** @type {any} */ (opts)[f.js] !== undefined) options[f.js] = /** @type {any} */ (opts)[f.js];
    const text = { ...this._settingsIn(config, ['model'], 'config.'), ...this._settingsIn(options, ['data', 'training'], '') };
    const seed = BigInt(text.seed ?? /** @type {SchemaField} */ (this._fields.find((f) => f.name === 'seed')).defaultText);
    const ownWords = !(opts.words instanceof Words);
    if (ownWords && typeof opts.words !== 'string' && !(opts.words instanceof Uint8Array))
      throw new TypeError('createTrainer: words must be a Words, a string or a Uint8Array');
    const words = ownWords ? this.parseWords(/** @type {string|Uint8Array} */ (opts.words)) : /** @type {Words} */ (opts.words);
    try {
      const h = this._withJson(JSON.stringify(text), (p, n) => this._call(() => this._x.mmw_trainer_new(words.handle, p, n), (t) => t !== 0));
      const t = new Trainer(this, h, seed, !!opts.reproducible);
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
      if (ownWords) words.free();
    }
  }

  /**
   * A model file (safetensors: Trainer.save(), saveModel(), the CLI's --save, or
   * tests/torch_roundtrip.py) for sampling. A checkpoint's training state is kept
   * in model.training (null for a plain model file).
   * @param {ArrayBuffer|ArrayBufferView} bytes
   * @param {{reproducible?: boolean}} [opts] reproducible: the reference kernels (the same names from a seed in every build)
   * @returns {Model}
   */
  loadModel(bytes, opts = {}) {
    const u8 = toU8(bytes);
    const p = this._copyIn(u8);
    try {
      const h = this._call(() => this._x.mmw_model_load_state(p, u8.length, 64, this._scratch), (q) => q !== 0);
      const settings = this._takeStr(this._i32(this._scratch, 1)[0]);
      return new Model(this, h, settings, !!opts?.reproducible);
    } finally {
      this._x.mmw_free(p);
    }
  }

  /**
   * A trainer that continues a checkpoint (Trainer.save()) exactly where it
   * stopped: running it gives bitwise the losses the saved trainer would have.
   * words must be the word list it was trained on (checked: vocabulary, split, hash).
   * @param {{checkpoint: ArrayBuffer|ArrayBufferView, words: Words|string|Uint8Array, reproducible?: boolean}} opts
   * @returns {Trainer}
   */
  resumeTrainer(opts) {
    if (!opts || typeof opts !== 'object' || !opts.checkpoint) throw new TypeError('resumeTrainer takes { checkpoint, words }');
    const u8 = toU8(opts.checkpoint);
    const ownWords = !(opts.words instanceof Words);
    if (ownWords && typeof opts.words !== 'string' && !(opts.words instanceof Uint8Array))
      throw new TypeError('resumeTrainer: words must be a Words, a string or a Uint8Array');
    const words = ownWords ? this.parseWords(/** @type {string|Uint8Array} */ (opts.words)) : /** @type {Words} */ (opts.words);
    const p = this._copyIn(u8);
    try {
      const h = this._call(() => this._x.mmw_checkpoint_load(p, u8.length, words.handle), (t) => t !== 0);
      const t = new Trainer(this, h, 0n, !!opts.reproducible);
      t._seed = BigInt(t.state.seed);
      return t;
    } finally {
      this._x.mmw_free(p);
      if (ownWords) words.free();
    }
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
    const count = checkInt(o.count ?? 1, 'count');
    const temperature = Number(o.temperature ?? 1);
    const topK = checkInt(o.topK ?? 0, 'topK');
    const topP = Number(o.topP ?? 1);
    const maxLen = checkInt(o.maxLen ?? 256, 'maxLen', 1);
    const prefix = this._enc.encode(String(o.prefix ?? ''));
    const cap = 4 * maxLen + prefix.length + 16;
    let own = 0;
    let pp = 0;
    let out = 0;
    try {
      if (o.seed !== undefined) {
        const [lo, hi] = splitSeed(o.seed);
        const [slo, shi] = splitSeed(o.stream ?? 0);
        own = rng = this._call(() => this._x.mmw_sample_rng_new(lo, hi, slo, shi), (r) => r !== 0);
      } else if (o.stream !== undefined) throw new TypeError('sample: stream needs a seed');
      pp = this._copyIn(prefix);
      out = this._malloc(cap);
      const words = [];
      for (let i = 0; i < count; i++) {
        this._rc(this._x.mmw_sample(h, rng, temperature, topK, topP, pp, maxLen, out, cap));
        words.push(this._str(out));
      }
      return words;
    } finally {
      this._x.mmw_free(out);
      this._x.mmw_free(pp);
      if (own) this._x.mmw_rng_free(own);
    }
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
    if (!config || typeof config !== 'object') throw new TypeError('createModel takes a config object');
    if (!opts || typeof opts !== 'object') throw new TypeError('createModel: opts must be an object');
    if (typeof config.vocabSize !== 'number' || !Number.isInteger(config.vocabSize) || config.vocabSize < 2)
      throw new TypeError(`createModel: config.vocabSize must be an integer >= 2, got ${config.vocabSize}`);
    const maxBatch = opts.maxBatch ?? 64;
    if (typeof maxBatch !== 'number' || !Number.isInteger(maxBatch) || maxBatch < 1)
      throw new TypeError(`createModel: maxBatch must be a positive integer, got ${maxBatch}`);
    const [lo, hi] = splitSeed(opts.seed ?? 42);
    const json = JSON.stringify(this._settingsIn(/** @type {Record<string, unknown>} */ (config), ['model'], 'config.'));
    const h = this._withJson(json, (p, n) => this._call(() => this._x.mmw_model_new(p, n, lo, hi, maxBatch), (q) => q !== 0));
    const m = /** @type {Model & {maxBatch: number}} */ (new Model(this, h, null, !!opts.reproducible));
    /** the largest batch this model takes */
    m.maxBatch = maxBatch;
    return m;
  }
  /**
   * Copies token arrays into fresh wasm memory (the caller frees both pointers).
   * @param {string} what caller's name @param {Config} config
   * @param {Uint16Array} X (B * blockSize) @param {Uint16Array|null} Y (B) or null
   * @returns {{B: number, xp: number, yp: number}}
   */
  _batchIn(what, config, X, Y) {
    if (!(X instanceof Uint16Array)) throw new TypeError(`${what}: X must be a Uint16Array of tokens`);
    const T = config.blockSize;
    if (X.length === 0 || X.length % T !== 0)
      throw new TypeError(`${what}: X has ${X.length} tokens, not a positive multiple of blockSize ${T}`);
    const B = X.length / T;
    if (Y !== null) {
      if (!(Y instanceof Uint16Array)) throw new TypeError(`${what}: Y must be a Uint16Array of targets`);
      if (Y.length !== B) throw new TypeError(`${what}: Y has ${Y.length} targets, X has ${B} contexts`);
    }
    const xp = this._malloc(2 * X.length);
    let yp = 0;
    try {
      if (Y !== null) yp = this._malloc(2 * Math.max(B, 1));
    } catch (e) {
      this._x.mmw_free(xp);
      throw e;
    }
    new Uint16Array(this._x.memory.buffer, xp, X.length).set(X);
    if (Y !== null) new Uint16Array(this._x.memory.buffer, yp, B).set(Y);
    return { B, xp, yp };
  }
  // ---- end of model-level access ----
}

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
 * @property {number} splitSeed   random.seed of the split
 * @property {number} splitShuffles random.shuffle calls of the split
 * @property {[number, number, number]} splitSizes examples in train, val, test
 * @property {string} dataHash    'fnv1a64:<16 hex digits>' of the split's targets
 */

/** @param {Record<string, any>} o @returns {DataSettings} */
const dataOf = (o) => ({ splitSeed: o.splitSeed, splitShuffles: o.splitShuffles });

/** @param {ArrayBuffer|ArrayBufferView} bytes @returns {Uint8Array} */
function toU8(bytes) {
  if (bytes instanceof Uint8Array) return bytes;
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  throw new TypeError('a model file must be a Uint8Array, another typed array or an ArrayBuffer');
}

/** @param {number} x a float32 value @returns {number} the shortest decimal that rounds to it (0.1, not 0.100000001) */
function shortestF32(x) {
  for (let p = 1; p < 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  return x;
}

/** @param {Uint32Array} cps @returns {string[]} token 0 is '.' */
function vocabStrings(cps) {
  return Array.from(cps, (c, i) => (i === 0 ? '.' : String.fromCodePoint(c)));
}

/** Base of the classes that own a wasm object. */
class Owned {
  /**
   * @param {Makemore} mm @param {number} h @param {(h: number) => void} freeFn
   * @param {number} [modelHandle] the object's model, whose engine follows mm's threads
   * @param {boolean} [reproducible] that model's engine: the reference kernels, or the fast ones (default)
   */
  constructor(mm, h, freeFn, modelHandle = 0, reproducible = false) {
    this._mm = mm;
    this._h = h;
    /** the object's own sampling generator, made on first use; shared with the finalizer (which must not hold `this`) */
    this._own = { rng: 0 };
    const own = this._own;
    this._free = () => {
      if (own.rng) mm._x.mmw_rng_free(own.rng);
      own.rng = 0;
      if (modelHandle) mm._live.delete(modelHandle);
      freeFn(h);
    };
    if (modelHandle) mm._track(modelHandle, reproducible);
    this._token = {};
    registry?.register(this, this._free, this._token);
  }
  /** the wasm handle; throws once freed */
  get handle() {
    if (!this._h) throw new Error(`${this.constructor.name} used after free()`);
    return this._h;
  }
  /** @param {bigint} seed @returns {number} the object's own generator, seeded on first use by the sampling rule (stream 0) */
  _ownRng(seed) {
    if (!this._own.rng) {
      const [lo, hi] = splitSeed(seed & 0xffffffffffffffffn);
      this._own.rng = this._mm._call(() => this._mm._x.mmw_sample_rng_new(lo, hi, 0, 0), (r) => r !== 0);
    }
    return this._own.rng;
  }
  /** Frees the wasm memory; later use throws. Calling it twice is harmless. */
  free() {
    if (!this._h) return;
    registry?.unregister(this._token);
    this._free();
    this._h = 0;
  }
}

/** A parsed word list. */
export class Words extends Owned {
  /** @param {Makemore} mm @param {number} h */
  constructor(mm, h) {
    super(mm, h, (p) => mm._x.mmw_words_free(p));
    const x = mm._x;
    /** words in the list */
    this.nWords = x.mmw_words_n_words(h);
    /** code points in all words */
    this.nTokens = x.mmw_words_n_tokens(h);
    /** longest word, in code points */
    this.maxLen = x.mmw_words_max_len(h);
    /** distinct symbols + 1 (the end token) */
    this.vocabSize = x.mmw_words_vocab_size(h);
    /** @type {string[]} each token's text; token 0 is the end token '.' */
    this.vocab = vocabStrings(mm._u32(x.mmw_words_codepoints(h), this.vocabSize));
  }
  /**
   * The lecture's split of this list (random.seed(seed), shuffles x random.shuffle,
   * 80/10/10 by words), as a trainer with these settings splits it, without the trainer.
   * @param {{shuffles?: number, seed?: number}} [opts] shuffles: random.shuffle calls (default 1; a
   *   trainer's data.splitShuffles); seed: random.seed, 0..2^32-1 (default 42)
   * @returns {WordSplit} free() it when done (it does not depend on this Words)
   */
  split(opts = {}) {
    const h = this.handle;
    const shuffles = checkInt(opts.shuffles ?? 1, 'shuffles');
    const seed = opts.seed ?? 42;
    if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
      throw new RangeError(`split seed must be an integer in 0..4294967295, got ${seed}`);
    const mm = this._mm;
    return new WordSplit(mm, mm._call(() => mm._x.mmw_splits_new(h, seed, shuffles), (q) => q !== 0));
  }
}

/** @typedef {'train'|'val'|'test'} SplitName */

/**
 * Which word went to train, val and test, as the core keeps it: Words.split()
 * makes one of its own (free() it), trainer.split is the trainer's (it lives as
 * long as the trainer). Word lookups are the core's (a hash index of the words).
 */
export class WordSplit extends Owned {
  /** @param {Makemore} mm @param {number} h the core's split @param {Trainer|null} [owner] the trainer it belongs to */
  constructor(mm, h, owner = null) {
    super(mm, h, owner ? () => {} : (p) => mm._x.mmw_splits_free(p));
    this._owner = owner;
    const x = mm._x;
    const count = (/** @type {string} */ f) => /** @type {[number, number, number]} */ ([0, 1, 2].map((k) => mm._call(() => x[f](h, k), (n) => n >= 0)));
    /** words and examples (one per symbol and end token) in train, val and test */
    this.sizes = { words: count('mmw_splits_n_words'), examples: count('mmw_splits_n_examples') };
    /** @type {Record<SplitName, string[]>|null} */
    this._words = null;
  }
  /** the wasm handle; throws once freed (or once its trainer is) */
  get handle() {
    if (this._owner) this._owner.handle;
    return super.handle;
  }
  /** @returns {Record<SplitName, string[]>} each split's words in split (shuffled) order; a repeated word appears as often as in the list */
  words() {
    const h = this.handle;
    if (!this._words) {
      const mm = this._mm;
      const w = /** @type {Record<SplitName, string[]>} */ ({});
      SPLITS.forEach((name, k) => {
        const p = mm._call(() => mm._x.mmw_splits_text(h, k, mm._scratch), (q) => q !== 0);
        const list = mm._dec.decode(mm._bytesOut(p)).split('\n');
        list.pop(); // after the last word's newline
        w[/** @type {SplitName} */ (name)] = list;
      });
      this._words = w;
    }
    const w = this._words;
    return { train: w.train.slice(), val: w.val.slice(), test: w.test.slice() };
  }
  /** @returns {Record<SplitName, Int32Array>} each split's words as indices into the parsed list (0-based, file order) */
  indices() {
    const h = this.handle;
    const mm = this._mm;
    const out = /** @type {Record<SplitName, Int32Array>} */ ({});
    SPLITS.forEach((name, k) => {
      const p = mm._call(() => mm._x.mmw_splits_word_indices(h, k), (q) => q !== 0);
      out[/** @type {SplitName} */ (name)] = mm._i32(p, this.sizes.words[k]).slice();
    });
    return out;
  }
  /**
   * Which split holds a word, compared exactly (no trimming). A word the list
   * repeats may be in several: then the first of train, val, test.
   * @param {string} word @returns {SplitName|null} null: in none (a new word)
   */
  whereIs(word) {
    return this.whereAre([word])[0];
  }
  /** whereIs for many words in one call. @param {string[]} words @returns {(SplitName|null)[]} */
  whereAre(words) {
    if (!Array.isArray(words)) throw new TypeError('whereAre takes an array of words');
    const h = this.handle;
    if (words.length === 0) return [];
    const mm = this._mm;
    // one word per line; a word with a newline is in no split (it could not be a line of the list): an empty line
    const text = words.map((w) => (String(w).includes('\n') ? '' : String(w))).join('\n');
    const bytes = mm._enc.encode(text);
    const p = mm._copyIn(bytes);
    let out = 0;
    try {
      out = mm._malloc(words.length);
      const n = mm._call(() => mm._x.mmw_splits_find_lines(h, p, bytes.length, out, words.length), (r) => r === words.length);
      return Array.from(new Int8Array(mm._x.memory.buffer, out, n), (k) => (k < 0 ? null : /** @type {SplitName} */ (SPLITS[k])));
    } finally {
      mm._x.mmw_free(out);
      mm._x.mmw_free(p);
    }
  }
}

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
  /** the kernels it runs: 'relaxed-simd', 'simd' or 'scalar' */
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
  }
  /** steps done so far */
  get step() {
    return this._mm._x.mmw_trainer_step(this.handle);
  }
  /** the kernels it runs: 'relaxed-simd', 'simd' or 'scalar' */
  get kernels() {
    this.handle;
    return this._mm._str(this._mm._x.mmw_model_kernels(this._model));
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
   * Runs n SGD steps in one wasm call (fewer if the trainer's total steps are reached).
   * On a non-finite step it throws; error.losses holds the losses of the steps that ran.
   * @param {number} n @returns {Float32Array} each step's loss
   */
  run(n) {
    const h = this.handle;
    checkInt(n, 'n');
    const mm = this._mm;
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
