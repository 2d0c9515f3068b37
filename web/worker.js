// worker.js: the trainer page's module Worker. It owns the WebAssembly module
// (through wasm/makemore.mjs); the page only exchanges messages with it.
//
// Everything slow is cut into pieces of ~50 ms (training chunks, parts of an
// evaluation), each a task of its own, so messages (pause, reset, a new
// schedule) are handled within a fraction of a second.
//
// Page -> worker ({type, ...}):
//   data     {bytes: ArrayBuffer, source}        parse a word list; on error the previous one stays
//   check    {id, config}                        parameter count and split sizes of a configuration
//   train    {settings}                          a new run (replaces the current one) and start it
//   pause | resume | reset
//   schedule {schedule: {steps, lr, lrDecayed, decayStep, valEvery}}  change the current run's schedule
//   sample   {id, count, temperature, topK, topP, prefix}  names from the current model
//   evaluate {id}                                train/val/test loss in eval mode
//   save     {id}                                the current model as a file (a checkpoint if it can train)
//   load     {bytes: ArrayBuffer, name}          a model file replaces the current run; on error it stays
//   restore                                      the last model saved in this browser (IndexedDB), if any
//   persist                                      save the current run to IndexedDB now if it changed
//   forget                                       delete the model saved in this browser
// Worker -> page:
//   threads  {threads: number|0}                 threads for training (0: the cores available)
//   ready    {simd, engine, defaults, presets}   | fatal {message}
//   engine   {label, notes, threads, helpers}    the module and its threads: helpers run only while
//                                                a run trains or evaluates (Pause, Reset and the end stop them)
//   data     {info}  | data-error {source, message}
//   check    {id, numParams?, error?, presets, split}
//   started  {run}   | train-error {message}    a run to show (new, loaded from a file, restored)
//   load-error {name, message}
//   progress {runId, start, losses: Float32Array (transferred), step, ms}
//   val      {runId, step, loss}
//   state    {runId, state: 'running'|'evaluating'|'paused'|'done'|'stopped'|'model', step, message?, quiet?}
//   schedule {runId, step, steps, lr, lrDecayed, decayStep, valEvery} | schedule-error {message}
//   eval-progress {runId, kind: 'val'|'final'|'manual', split, done, total}
//   samples  {id, runId, step, names: [{text, where}]} | sample-error {id, message}
//   eval     {id?, runId, step, losses: {train, val, test}, final?} | eval-error {id?, message}
//   saved    {id, bytes: Uint8Array (transferred), fileName, step} | save-error {id, message}
//   stored   {runId?, step, name, savedAt} | store-error {message} | forgotten {}
//   reset    {}
// @ts-check (tsconfig.worker.json checks this file with lib webworker; the modules it imports are checked by tsconfig.json)
import { loadMakemore, availableCores } from '../wasm/makemore.mjs';
import { parseWordList, lectureSplit, codePoints } from './split.mjs';
import { autoValEvery } from './losses.js';
import { saveModel, loadLastModel, clearModels } from './model-store.js';

/** How long one wasm call (training chunk, evaluation part) should take, in ms. */
const CHUNK_MS = 50;
/** Save the running model to IndexedDB this often (and on pause, at the end, when the page is hidden). */
const SAVE_EVERY_MS = 5 * 60 * 1000;
/** The loss history (kept for the chart of a restored run) is dropped beyond this many steps. */
const HISTORY_MAX = 1_000_000;
const SPLITS = /** @type {const} */ (['train', 'val', 'test']);
const ARCH = ['blockSize', 'nEmbd', 'nHidden', 'nConsec', 'nFlatLayers', 'bnMode', 'splitShuffles'];

/** @type {import('../wasm/makemore.mjs').Makemore} */
let mm;
/** The word list in use: the core's parsed copy and the words as strings. */
let data = /** @type {null|{words: import('../wasm/makemore.mjs').Words, list: string[], info: any}} */ (null);
/** Splits of the current word list by shuffle count, computed on demand. @type {Map<number, ReturnType<typeof lectureSplit>>} */
let splitCache = new Map();

/**
 * An evaluation in parts: splits in order, each summed over parts of ~CHUNK_MS.
 * @typedef {object} EvalJob
 * @property {'val'|'final'|'manual'} kind val: a validation point; final: the end of a run; manual: the Evaluate button
 * @property {number} [id] the request's id (manual)
 * @property {string[]} splits
 * @property {number} i the split being evaluated
 * @property {number} pos examples of it done
 * @property {number} total their summed loss
 * @property {Record<string, number>} results
 * @property {number} step the trainer's step (training waits while a job is pending)
 */

/**
 * The current run: a trainer, or a loaded model that can only sample.
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
 * @property {boolean} running
 * @property {string|null} stopped why training stopped for good
 * @property {number} chunk steps per wasm call, adapted to CHUNK_MS
 * @property {number} evalPer ms per evaluated example (measured)
 * @property {EvalJob[]} jobs
 * @property {{start: number, buf: Float32Array, n: number}|null} hist every step's loss since step start
 * @property {{step: number, loss: number}[]} vals
 * @property {{step: number, losses: Record<string, number>}|null} final the last end-of-run evaluation
 * @property {Map<string, string>} where word -> 'train' | 'val' | 'test' | 'list'
 * @property {'split'|'list'} labels
 * @property {number} maxLen longest sample, in code points
 * @property {boolean} dirty changed since it was last stored
 * @property {number} lastSave performance.now() of the last store
 */
/** @type {Run|null} */
let run = null;
let runIds = 0;
let scheduled = false;

const post = (/** @type {any} */ msg, /** @type {Transferable[]} */ transfer = []) => self.postMessage(msg, transfer);
const errText = (/** @type {unknown} */ e) => (e instanceof Error ? e.message : String(e));

// A zero-delay macrotask: setTimeout(0) is clamped to 4 ms when nested.
const tick = new MessageChannel();
tick.port1.onmessage = () => {
  scheduled = false;
  work();
};
function schedule() {
  if (scheduled) return;
  scheduled = true;
  tick.port2.postMessage(null);
}

/** @param {number} shuffles */
function splitOf(shuffles) {
  if (!data) return null;
  let s = splitCache.get(shuffles);
  if (!s) {
    s = lectureSplit(data.list, shuffles);
    splitCache.set(shuffles, s);
  }
  return s;
}

/** @param {any} config @returns {string} the preset with this configuration, or 'custom' */
function presetName(config) {
  const p = mm.presets.find((q) => ARCH.every((k) => Number(/** @type {any} */ (q.config)[k]) === Number(config[k])));
  return p ? p.name : 'custom';
}

// ---------------------------------------------------------------- data

/** @param {ArrayBuffer} bytes @param {string} source */
function loadData(bytes, source) {
  const u8 = new Uint8Array(bytes);
  let words;
  try {
    words = mm.parseWords(u8);
  } catch (e) {
    post({ type: 'data-error', source, message: errText(e) });
    return;
  }
  const list = parseWordList(new TextDecoder().decode(u8));
  let longest = '';
  let longestLen = 0;
  for (const w of list) {
    const n = codePoints(w);
    if (n > longestLen) {
      longest = w;
      longestLen = n;
    }
  }
  const info = {
    source,
    nWords: words.nWords,
    nTokens: words.nTokens,
    distinct: new Set(list).size,
    maxLen: words.maxLen,
    longest,
    vocab: words.vocab,
    vocabSize: words.vocabSize,
  };
  if (list.length !== words.nWords) console.warn('worker: word count differs from the core', list.length, words.nWords);
  data?.words.free();
  data = { words, list, info };
  splitCache = new Map();
  post({ type: 'data', info });
  // A loaded checkpoint that could not continue may match this word list.
  if (run && !run.trainer && run.checkpoint && tryResume(run)) announce(run);
}

/** @param {number} id @param {import('../wasm/makemore.mjs').Config} config */
function check(id, config) {
  const vocabSize = data ? data.words.vocabSize : 27;
  const presets = mm.presets.map((p) => ({ name: p.name, config: p.config, numParams: mm.numParams({ ...p.config, vocabSize }) }));
  /** @type {any} */
  const out = { type: 'check', id, presets, vocabSize };
  try {
    out.numParams = mm.numParams({ ...config, vocabSize });
  } catch (e) {
    out.error = errText(e);
  }
  const s = splitOf(/** @type {any} */ (config).splitShuffles ?? 1);
  if (s) out.split = { words: [s.train.length, s.val.length, s.test.length], examples: s.examples };
  post(out);
}

// ---------------------------------------------------------------- runs

/** @param {Partial<Run>} fields @returns {Run} */
function newRun(fields) {
  return {
    id: ++runIds,
    origin: 'new',
    fileName: null,
    savedAt: null,
    trainer: null,
    model: null,
    checkpoint: null,
    resumeError: null,
    meta: null,
    name: 'custom',
    source: data ? data.info.source : '',
    steps: 0,
    valEvery: 0,
    nextVal: Infinity,
    lastValStep: -1,
    running: false,
    stopped: null,
    chunk: 16,
    evalPer: 0,
    jobs: [],
    hist: null,
    vals: [],
    final: null,
    where: new Map(),
    labels: 'list',
    maxLen: 64,
    dirty: false,
    lastSave: performance.now(),
    ...fields,
  };
}

/** Sets what a run needs to train with r.trainer (made from the current word list). @param {Run} r @param {number} valEvery */
function adoptTrainer(r, valEvery) {
  const t = /** @type {import('../wasm/makemore.mjs').Trainer} */ (r.trainer);
  const st = t.state;
  r.steps = st.steps;
  r.name = presetName(t.config);
  r.source = data ? data.info.source : r.source;
  setValEvery(r, valEvery, st.step);
  // Which split each word landed in, to label samples; checked against the core's split.
  const split = splitOf(t.config.splitShuffles);
  r.where = new Map();
  if (split && split.examples.every((n, i) => n === t.splitSizes[i])) {
    r.labels = 'split';
    for (const w of split.test) r.where.set(w, 'test');
    for (const w of split.val) r.where.set(w, 'val');
    for (const w of split.train) r.where.set(w, 'train'); // a word in several splits counts as seen
  } else {
    r.labels = 'list';
    for (const w of data?.list ?? []) r.where.set(w, 'list');
  }
  r.maxLen = Math.min(256, Math.max(32, 2 * (data?.info.maxLen ?? 16)));
}

/** @param {Run} r @param {number} valEvery @param {number} step */
function setValEvery(r, valEvery, step) {
  r.valEvery = valEvery;
  r.nextVal = valEvery > 0 ? (Math.floor(step / valEvery) + 1) * valEvery : Infinity;
}

/** @param {any} s the page's settings */
function startRun(s) {
  if (!data) {
    post({ type: 'train-error', message: 'no word list loaded' });
    return;
  }
  let trainer;
  try {
    trainer = mm.createTrainer({
      words: data.words,
      config: s.config,
      steps: s.steps,
      batchSize: s.batchSize,
      lr: s.lr,
      lrDecayed: s.lrDecayed,
      decayStep: s.decayStep,
      seed: s.seed,
      reproducible: !!s.reproducible,
    });
  } catch (e) {
    post({ type: 'train-error', message: errText(e) });
    return; // the current run, if any, goes on
  }
  persist(run); // keep the run being replaced, if it changed since it was stored
  stopRun();
  const r = newRun({ origin: 'new', trainer, running: true, dirty: true, hist: { start: 0, buf: new Float32Array(1024), n: 0 } });
  adoptTrainer(r, s.valEvery);
  run = r;
  announce(r);
  schedule();
}

/** Tells the page about a run (new, loaded or resumed), then its state. @param {Run} r @param {boolean} [quiet] */
function announce(r, quiet = r.origin !== 'new') {
  const t = r.trainer;
  const training = t ? t.state : (r.model?.training ?? null);
  const config = t ? t.config : r.model?.config;
  const step = t ? t.step : (training?.step ?? 0);
  const h = r.hist && r.hist.start + r.hist.n === step ? r.hist : null;
  post({
    type: 'started',
    run: {
      id: r.id,
      origin: r.origin,
      kind: t ? 'trainer' : 'model',
      fileName: r.fileName,
      savedAt: r.savedAt,
      name: r.name,
      config,
      numParams: t ? t.numParams : r.model?.numParams,
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
    },
  });
  postState(undefined, quiet);
}

/** Frees the current run; pending evaluations of it are answered. */
function stopRun() {
  if (!run) return;
  for (const j of run.jobs) if (j.kind === 'manual') post({ type: 'eval-error', id: j.id, runId: run.id, message: 'the model was replaced' });
  run.trainer?.free();
  run.model?.free();
  run = null;
}

/** @param {Run} r */
function stateOf(r) {
  if (!r.trainer) return 'model';
  if (r.stopped) return 'stopped';
  const finalPending = r.jobs.some((j) => j.kind === 'final');
  const atEnd = r.trainer.step >= r.steps;
  if (!r.running) return atEnd && !finalPending ? 'done' : 'paused';
  return atEnd || finalPending ? 'evaluating' : 'running';
}

/** Threads asked for (0: the cores available). */
let wantThreads = 0;
let cores = 1;
/** setThreads calls, one after another */
let threadChain = Promise.resolve();

/**
 * Starts the helper threads while a run trains or evaluates, stops them otherwise
 * (results are the same on any thread count, so a chunk may run while they start).
 */
function syncThreads() {
  threadChain = threadChain.then(async () => {
    const st = run ? stateOf(run) : 'none';
    const n = st === 'running' || st === 'evaluating' ? wantThreads || cores : 1;
    try {
      if (n !== mm.threads) await mm.setThreads(n);
    } catch (e) {
      mm.notes.push(`one thread: the helper threads did not start (${errText(e)})`);
    }
    post({ type: 'engine', label: mm.engineLabel, notes: mm.notes, threads: mm.threads, helpers: mm.helperCount });
  });
}

/** @param {string} [message] @param {boolean} [quiet] the page keeps its status line */
function postState(message, quiet = false) {
  const r = run;
  if (!r) return;
  syncThreads();
  const step = r.trainer ? r.trainer.step : (r.model?.training?.step ?? 0);
  post({ type: 'state', runId: r.id, state: stateOf(r), step, message: message ?? r.stopped ?? undefined, quiet });
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

/** The next piece of work: a part of an evaluation, or a chunk of training. */
function work() {
  const r = run;
  if (!r || !r.trainer) return;
  // Pending evaluations come first: they measure the model at their step. A
  // manual one (the Evaluate button) runs even while paused.
  const job = r.jobs.find((j) => j.kind === 'manual' || r.running);
  if (job) {
    evalPart(r, job);
    if (run === r) schedule();
    return;
  }
  if (!r.running) return;
  if (r.trainer.step >= r.steps) {
    // The schedule ended: evaluate the splits, then the run is done.
    r.jobs.push(newJob('final', r, ['val', 'test', 'train']));
    postState();
    schedule();
    return;
  }
  trainChunk(r);
  if (run === r && r.running) schedule();
}

/** @param {'val'|'final'|'manual'} kind @param {Run} r @param {string[]} splits @param {number} [id] @returns {EvalJob} */
function newJob(kind, r, splits, id) {
  return { kind, id, splits, i: 0, pos: 0, total: 0, results: {}, step: /** @type {any} */ (r.trainer).step };
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
    post({ type: 'progress', runId: r.id, start, losses, step: t.step, ms }, [losses.buffer]);
  }
  if (failure) {
    r.running = false;
    r.stopped = `training stopped at step ${t.step + 1}: ${errText(failure)}`;
    postState();
    return;
  }
  const now = t.step;
  // A validation point (at the end of the schedule the final evaluation gives it).
  if (now >= r.nextVal && now < r.steps) r.jobs.push(newJob('val', r, ['val']));
  while (r.nextVal <= now) r.nextVal += r.valEvery;
  if (performance.now() - r.lastSave > SAVE_EVERY_MS) persist(r);
}

/** One part (~CHUNK_MS) of an evaluation job. @param {Run} r @param {EvalJob} job */
function evalPart(r, job) {
  const t = /** @type {import('../wasm/makemore.mjs').Trainer} */ (r.trainer);
  const split = job.splits[job.i];
  const n = t.splitSizes[SPLITS.indexOf(/** @type {any} */ (split))];
  // Aim at CHUNK_MS; the first part of a run measures the speed.
  const want = r.evalPer > 0 ? Math.round(CHUNK_MS / r.evalPer) : 256;
  const count = Math.max(1, Math.min(n - job.pos, want, 1 << 20));
  if (n > 0) {
    const t0 = performance.now();
    try {
      job.total = t.evaluatePart(/** @type {any} */ (split), job.pos, count, job.total);
    } catch (e) {
      r.jobs.splice(r.jobs.indexOf(job), 1);
      failJob(r, job, errText(e));
      return;
    }
    const per = (performance.now() - t0) / count;
    r.evalPer = r.evalPer > 0 ? Math.max(r.evalPer / 2, Math.min(r.evalPer * 2, per)) : per;
    job.pos += count;
  }
  post({ type: 'eval-progress', runId: r.id, kind: job.kind, split, done: job.pos, total: n });
  if (job.pos < n) return;
  job.results[split] = n > 0 ? Math.fround(job.total / n) : NaN;
  job.i++;
  job.pos = 0;
  job.total = 0;
  if (split === 'val' && job.kind !== 'manual') valPoint(r, job.step, job.results.val);
  if (job.i < job.splits.length) return;
  r.jobs.splice(r.jobs.indexOf(job), 1);
  if (job.kind === 'manual') {
    post({ type: 'eval', id: job.id, runId: r.id, step: job.step, losses: job.results });
  } else if (job.kind === 'final') {
    r.final = { step: job.step, losses: job.results };
    post({ type: 'eval', runId: r.id, step: job.step, losses: job.results, final: true });
    r.running = false;
    r.dirty = true;
    postState();
    persist(r);
  }
}

/** @param {Run} r @param {number} step @param {number} loss */
function valPoint(r, step, loss) {
  if (r.valEvery <= 0 || r.lastValStep === step) return;
  r.lastValStep = step;
  r.vals.push({ step, loss });
  post({ type: 'val', runId: r.id, step, loss });
}

/** @param {Run} r @param {EvalJob} job @param {string} message */
function failJob(r, job, message) {
  if (job.kind === 'manual') post({ type: 'eval-error', id: job.id, runId: r.id, message });
  else if (job.kind === 'val') post({ type: 'val', runId: r.id, step: job.step, loss: NaN, message });
  else {
    post({ type: 'eval-error', runId: r.id, message });
    r.running = false;
    postState();
  }
}

/** @param {any} s {steps, lr, lrDecayed, decayStep, valEvery} */
function setSchedule(s) {
  const r = run;
  if (!r || !r.trainer) {
    post({ type: 'schedule-error', message: 'no run to change' });
    return;
  }
  if (r.stopped) {
    post({ type: 'schedule-error', runId: r.id, message: 'this run stopped; start a new one' });
    return;
  }
  const t = r.trainer;
  const step = t.step;
  if (!(Number(s.steps) >= step)) {
    post({ type: 'schedule-error', runId: r.id, message: `steps must be at least the ${step.toLocaleString('en-US')} steps done` });
    return;
  }
  try {
    t.setSchedule({ steps: s.steps, lr: s.lr, lrDecayed: s.lrDecayed, decayStep: s.decayStep });
  } catch (e) {
    post({ type: 'schedule-error', runId: r.id, message: errText(e) });
    return;
  }
  const st = t.state;
  r.steps = st.steps;
  if (Number.isInteger(s.valEvery) && s.valEvery >= 0 && s.valEvery !== r.valEvery) setValEvery(r, s.valEvery, step);
  r.dirty = true;
  // A longer schedule: the end-of-run evaluation (pending or done) is for a run that goes on.
  if (step < r.steps) {
    const fin = r.jobs.find((j) => j.kind === 'final');
    if (fin) {
      r.jobs.splice(r.jobs.indexOf(fin), 1);
      if (fin.results.val === undefined && r.valEvery > 0 && step % r.valEvery === 0) r.jobs.unshift(newJob('val', r, ['val']));
    }
  }
  post({ type: 'schedule', runId: r.id, step, steps: st.steps, lr: st.lr, lrDecayed: st.lrDecayed, decayStep: st.decayStep, valEvery: r.valEvery });
  postState(undefined, true);
  if (r.running) schedule();
}

// ---------------------------------------------------------------- model files

/** @param {number} id */
function saveFile(id) {
  const r = run;
  if (!r || (!r.trainer && !r.model)) {
    post({ type: 'save-error', id, message: 'no model yet: press Train or load a model file' });
    return;
  }
  try {
    const bytes = r.trainer ? r.trainer.save() : /** @type {any} */ (r.model).save();
    const training = !!r.trainer || !!r.model?.training;
    const step = r.trainer ? r.trainer.step : (r.model?.training?.step ?? 0);
    const fileName = `makemore-${r.name.replace(/[^A-Za-z0-9_.-]/g, '_')}${training ? `-step${step}` : ''}.safetensors`;
    post({ type: 'saved', id, runId: r.id, bytes, fileName, step }, [bytes.buffer]);
  } catch (e) {
    post({ type: 'save-error', id, message: errText(e) });
  }
}

/**
 * Reads a model file; it replaces the current run unless it is bad (then an
 * error, and the current run goes on).
 * @param {Uint8Array} bytes @param {{origin: 'file'|'restored', fileName?: string, savedAt?: number, meta?: any}} o
 */
function loadModelFile(bytes, o) {
  let model;
  try {
    model = mm.loadModel(bytes);
  } catch (e) {
    post({ type: 'load-error', name: o.fileName ?? 'the saved model', message: errText(e) });
    return;
  }
  stopRun();
  const meta = o.meta ?? null;
  const r = newRun({
    origin: o.origin,
    fileName: o.fileName ?? meta?.fileName ?? null,
    savedAt: o.savedAt ?? null,
    model,
    checkpoint: model.training ? bytes : null,
    meta,
    name: presetName(model.config),
    source: meta?.source ?? '',
    dirty: o.origin === 'file', // a loaded file becomes the last model of this browser
  });
  // Labels for samples of a model without its trainer: the current word list.
  for (const w of data?.list ?? []) r.where.set(w, 'list');
  r.maxLen = Math.min(256, Math.max(32, 2 * (data?.info.maxLen ?? 16)));
  if (model.training) {
    r.valEvery = Number.isInteger(meta?.valEvery) ? meta.valEvery : autoValEvery(model.training.steps);
    if (meta?.final && meta.final.step === model.training.step) r.final = meta.final;
    if (Array.isArray(meta?.vals)) r.vals = meta.vals.filter((/** @type {any} */ v) => v.step <= /** @type {import('../wasm/makemore.mjs').TrainingState} */ (model.training).step);
    r.lastValStep = r.vals.length ? r.vals[r.vals.length - 1].step : -1;
    const h = meta?.history;
    if (h && h.losses instanceof Float32Array && h.start + h.losses.length === model.training.step)
      r.hist = { start: h.start, buf: h.losses, n: h.losses.length };
    tryResume(r);
  }
  run = r;
  announce(r);
  persist(r);
}

/** Makes a loaded checkpoint's trainer from the current word list, if it is the one it was trained on. @param {Run} r */
function tryResume(r) {
  if (!r.checkpoint) return false;
  if (!data) {
    r.resumeError = 'no word list is loaded';
    return false;
  }
  try {
    r.trainer = mm.resumeTrainer({ checkpoint: r.checkpoint, words: data.words });
  } catch (e) {
    r.resumeError = errText(e);
    return false;
  }
  r.resumeError = null;
  r.checkpoint = null;
  r.model?.free();
  r.model = null;
  const step = r.trainer.step;
  if (!r.hist) r.hist = { start: step, buf: new Float32Array(1024), n: 0 };
  adoptTrainer(r, r.valEvery);
  return true;
}

/** Stores the run in IndexedDB if it changed since it was last stored. @param {Run|null} r */
function persist(r) {
  if (!r || !r.dirty || (!r.trainer && !r.model)) return;
  let bytes;
  try {
    bytes = r.trainer ? r.trainer.save() : /** @type {any} */ (r.model).save();
  } catch (e) {
    post({ type: 'store-error', message: errText(e) });
    return;
  }
  r.dirty = false;
  r.lastSave = performance.now();
  const step = r.trainer ? r.trainer.step : (r.model?.training?.step ?? 0);
  const h = r.hist && r.hist.start + r.hist.n === step ? r.hist : null;
  const meta = {
    name: r.name,
    fileName: r.fileName,
    source: r.source,
    step,
    steps: r.trainer ? r.steps : (r.model?.training?.steps ?? 0),
    valEvery: r.valEvery,
    history: h ? { start: h.start, losses: h.buf.slice(0, h.n) } : null,
    vals: r.vals.slice(),
    final: r.final,
  };
  const id = r.id;
  saveModel(bytes, meta).then(
    () => post({ type: 'stored', runId: id, step, name: r.name, savedAt: Date.now() }),
    (e) => post({ type: 'store-error', message: errText(e) }),
  );
}

async function restore() {
  const ids = runIds;
  let last;
  try {
    last = await loadLastModel();
  } catch (e) {
    post({ type: 'store-error', message: errText(e) });
    return;
  }
  if (!last) return;
  post({ type: 'stored', step: /** @type {any} */ (last.meta).step ?? 0, name: /** @type {any} */ (last.meta).name ?? '', savedAt: last.savedAt.getTime() });
  if (runIds !== ids) return; // the user started or loaded something meanwhile
  loadModelFile(last.bytes, { origin: 'restored', savedAt: last.savedAt.getTime(), meta: last.meta });
}

// ---------------------------------------------------------------- sampling and evaluation

/** @param {number} id */
function evaluate(id) {
  if (!run || !run.trainer) {
    post({ type: 'eval-error', id, message: run ? 'a model file without its trainer cannot be evaluated: load its word list' : 'no model yet: press Train first' });
    return;
  }
  run.jobs.unshift(newJob('manual', run, ['train', 'val', 'test'], id));
  schedule();
}

/** @param {any} m */
function sample(m) {
  const r = run;
  const src = r?.trainer ?? r?.model;
  if (!r || !src) {
    post({ type: 'sample-error', id: m.id, message: 'no model yet: press Train first' });
    return;
  }
  try {
    const names = src.sample({
      count: Math.max(1, Math.min(100, Math.trunc(Number(m.count) || 1))),
      temperature: Number(m.temperature),
      topK: Math.trunc(Number(m.topK ?? 0)),
      topP: Number(m.topP ?? 1),
      prefix: String(m.prefix ?? ''),
      maxLen: r.maxLen,
    });
    post({
      type: 'samples',
      id: m.id,
      runId: r.id,
      step: r.trainer ? r.trainer.step : (r.model?.training?.step ?? null),
      names: names.map((text) => ({ text, where: r.where.get(text) ?? 'new' })),
    });
  } catch (e) {
    post({ type: 'sample-error', id: m.id, message: errText(e) });
  }
}

// ---------------------------------------------------------------- messages

/** @type {any[]} messages that arrived before the module loaded */
let queue = [];

function handle(/** @type {any} */ m) {
  switch (m.type) {
    case 'data':
      return loadData(m.bytes, m.source);
    case 'check':
      return check(m.id, m.config);
    case 'train':
      if (m.settings && 'threads' in m.settings) wantThreads = Number(m.settings.threads) || 0;
      return startRun(m.settings);
    case 'pause':
      if (run && run.trainer && run.running) {
        run.running = false;
        postState();
        persist(run);
      }
      return;
    case 'resume':
      if (run && run.trainer && !run.running && !run.stopped && stateOf(run) === 'paused') {
        run.running = true;
        postState();
        schedule();
      }
      return;
    case 'reset':
      stopRun();
      syncThreads();
      post({ type: 'reset' });
      return;
    case 'threads':
      wantThreads = Number(m.threads) || 0;
      syncThreads();
      return;
    case 'schedule':
      return setSchedule(m.schedule);
    case 'sample':
      return sample(m);
    case 'evaluate':
      return evaluate(m.id);
    case 'save':
      return saveFile(m.id);
    case 'load':
      return loadModelFile(new Uint8Array(m.bytes), { origin: 'file', fileName: m.name });
    case 'restore':
      restore();
      return;
    case 'persist':
      return persist(run);
    case 'forget':
      clearModels().then(
        () => {
          if (run) run.dirty = true; // a later pause or end stores it again
          post({ type: 'forgotten' });
        },
        (e) => post({ type: 'store-error', message: errText(e) }),
      );
      return;
  }
}

self.onmessage = (e) => {
  if (queue) queue.push(e.data);
  else handle(e.data);
};

// One thread until a run trains (syncThreads); the relaxed module where the browser has it.
const engineParam = new URL(self.location.href).searchParams.get('engine'); // the page's ?engine=
Promise.all([loadMakemore({ threads: 1, engine: /** @type {any} */ (engineParam ?? 'auto') }), availableCores()])
  .then(([module, n]) => {
    mm = module;
    cores = n;
    post({ type: 'ready', simd: mm.simd, engine: mm.engine, defaults: mm.trainDefaults, presets: mm.presets });
    post({ type: 'engine', label: mm.engineLabel, notes: mm.notes, threads: mm.threads, helpers: mm.helperCount, cores });
    const q = queue;
    queue = /** @type {any} */ (null);
    for (const m of q) handle(m);
  })
  .catch((e) => post({ type: 'fatal', message: `could not load the WebAssembly module: ${errText(e)}` }));
