// worker.js: the trainer page's module Worker. It owns the WebAssembly module
// (through wasm/makemore.mjs); the page only exchanges messages with it.
//
// Page -> worker ({type, ...}):
//   data     {bytes: ArrayBuffer, source}        parse a word list; on error the previous one stays
//   check    {id, config}                        parameter count and split sizes of a configuration
//   train    {settings}                          a new run (replaces the current one) and start it
//   pause | resume | reset
//   sample   {id, count, temperature, prefix}    names from the current model
//   evaluate {id}                                train/val/test loss in eval mode
// Worker -> page:
//   ready    {simd}                              | fatal {message}
//   data     {info}  | data-error {source, message}
//   check    {id, numParams?, error?, presets, split}
//   started  {run}   | train-error {message}
//   progress {runId, start, losses: Float32Array (transferred), step, ms}
//   val      {runId, step, loss}
//   state    {runId, state: 'running'|'paused'|'done'|'stopped', step, message?}
//   samples  {id, runId, step, names: [{text, where}]} | sample-error {id, message}
//   eval     {id, runId, step, losses: {train, val, test}} | eval-error {id, message}
//   reset    {}
import { loadMakemore } from '../wasm/makemore.mjs';
import { parseWordList, lectureSplit, codePoints } from './split.mjs';

/** How long one wasm call of training should take, in ms: short enough to react to messages. */
const CHUNK_MS = 50;

/** @type {import('../wasm/makemore.mjs').Makemore} */
let mm;
/** The word list in use: the core's parsed copy and the words as strings. */
let data = /** @type {null|{words: import('../wasm/makemore.mjs').Words, list: string[], info: object}} */ (null);
/** Splits of the current word list by shuffle count, computed on demand. */
let splitCache = new Map();

/**
 * @typedef {object} Run
 * @property {number} id
 * @property {import('../wasm/makemore.mjs').Trainer} trainer
 * @property {number} steps
 * @property {number} valEvery 0: never
 * @property {number} nextVal
 * @property {boolean} running
 * @property {number} chunk steps per wasm call, adapted to CHUNK_MS
 * @property {Map<string, string>} where word -> 'train' | 'val' | 'test' (or 'list')
 * @property {number} maxLen longest sample, in code points
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
  step();
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
}

/** @param {number} id @param {object} config */
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
    });
  } catch (e) {
    post({ type: 'train-error', message: errText(e) });
    return; // the current run, if any, goes on
  }
  stopRun();
  // Which split each word landed in, to label samples; checked against the core's split.
  const split = splitOf(trainer.config.splitShuffles);
  const where = new Map();
  let labels = 'split';
  if (split && split.examples.every((n, i) => n === trainer.splitSizes[i])) {
    for (const w of split.test) where.set(w, 'test');
    for (const w of split.val) where.set(w, 'val');
    for (const w of split.train) where.set(w, 'train'); // a word in several splits counts as seen
  } else {
    labels = 'list';
    for (const w of data.list) where.set(w, 'list');
  }
  run = {
    id: ++runIds,
    trainer,
    steps: s.steps,
    valEvery: s.valEvery,
    nextVal: s.valEvery > 0 ? s.valEvery : Infinity,
    running: true,
    chunk: 16,
    where,
    maxLen: Math.min(256, Math.max(32, 2 * data.info.maxLen)),
  };
  post({
    type: 'started',
    run: {
      id: run.id,
      steps: s.steps,
      decayStep: s.decayStep,
      lr: s.lr,
      lrDecayed: s.lrDecayed,
      valEvery: s.valEvery,
      config: trainer.config,
      numParams: trainer.numParams,
      splitSizes: trainer.splitSizes,
      labels,
      source: data.info.source,
    },
  });
  postState();
  schedule();
}

function stopRun() {
  if (!run) return;
  run.trainer.free();
  run = null;
}

/** @param {string} [message] */
function postState(message) {
  if (!run) return;
  const step = run.trainer.step;
  const state = step >= run.steps ? 'done' : run.running ? 'running' : 'paused';
  post({ type: 'state', runId: run.id, state, step, message });
}

/** One chunk of training, then yield to the message queue. */
function step() {
  const r = run;
  if (!r || !r.running) return;
  const t = r.trainer;
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
    post({ type: 'progress', runId: r.id, start, losses, step: t.step, ms }, [losses.buffer]);
  }
  if (failure) {
    r.running = false;
    post({ type: 'state', runId: r.id, state: 'stopped', step: t.step, message: `training stopped at step ${t.step + 1}: ${errText(failure)}` });
    return;
  }
  const now = t.step;
  if (now >= r.nextVal || (now >= r.steps && r.valEvery > 0 && now % r.valEvery !== 0)) {
    try {
      post({ type: 'val', runId: r.id, step: now, loss: t.evaluate('val') });
    } catch (e) {
      post({ type: 'val', runId: r.id, step: now, loss: NaN, message: errText(e) });
    }
    while (r.nextVal <= now) r.nextVal += r.valEvery;
  }
  if (now >= r.steps) {
    r.running = false;
    postState();
    evaluate(0);
    return;
  }
  schedule();
}

/** @param {number} id */
function evaluate(id) {
  if (!run) {
    post({ type: 'eval-error', id, message: 'no model yet: press Train first' });
    return;
  }
  try {
    const t = run.trainer;
    const losses = { train: t.evaluate('train'), val: t.evaluate('val'), test: t.evaluate('test') };
    post({ type: 'eval', id, runId: run.id, step: t.step, losses });
  } catch (e) {
    post({ type: 'eval-error', id, message: errText(e) });
  }
}

/** @param {any} m */
function sample(m) {
  if (!run) {
    post({ type: 'sample-error', id: m.id, message: 'no model yet: press Train first' });
    return;
  }
  try {
    const names = run.trainer.sample({
      count: Math.max(1, Math.min(100, Math.trunc(Number(m.count) || 1))),
      temperature: Number(m.temperature),
      prefix: String(m.prefix ?? ''),
      maxLen: run.maxLen,
    });
    const where = run.where;
    post({
      type: 'samples',
      id: m.id,
      runId: run.id,
      step: run.trainer.step,
      names: names.map((text) => ({ text, where: where.get(text) ?? 'new' })),
    });
  } catch (e) {
    post({ type: 'sample-error', id: m.id, message: errText(e) });
  }
}

/** @type {any[]} messages that arrived before the module loaded */
let queue = [];

function handle(/** @type {any} */ m) {
  switch (m.type) {
    case 'data':
      return loadData(m.bytes, m.source);
    case 'check':
      return check(m.id, m.config);
    case 'train':
      return startRun(m.settings);
    case 'pause':
      if (run && run.running) {
        run.running = false;
        postState();
      }
      return;
    case 'resume':
      if (run && !run.running && run.trainer.step < run.steps) {
        run.running = true;
        postState();
        schedule();
      }
      return;
    case 'reset':
      stopRun();
      post({ type: 'reset' });
      return;
    case 'sample':
      return sample(m);
    case 'evaluate':
      return evaluate(m.id);
  }
}

self.onmessage = (e) => {
  if (queue) queue.push(e.data);
  else handle(e.data);
};

loadMakemore()
  .then((module) => {
    mm = module;
    post({ type: 'ready', simd: mm.simd, defaults: mm.trainDefaults, presets: mm.presets });
    const q = queue;
    queue = /** @type {any} */ (null);
    for (const m of q) handle(m);
  })
  .catch((e) => post({ type: 'fatal', message: `could not load the WebAssembly module: ${errText(e)}` }));
