// worker/data.js: the trainer page's word list in the worker, as the core parsed and
// split it: what the page shows of it, the split sizes of a configuration, and sampled
// names marked by where the core says they are (a split of the trainer's, or the list).
import { errText } from '../shared/errors.js';
import { ctx, SPLITS, announce } from './state.js';
import { tryResume } from './files.js';

/** Split sizes of the current word list by split settings, computed on demand. @type {Map<string, import('../shared/protocol.js').CheckResult['split']>} */
let splitCache = new Map();

/** @param {import('../../wasm/makemore.mjs').DataSettings} d @returns {import('../shared/protocol.js').CheckResult['split']} */
function splitOf(d) {
  const data = ctx.data;
  if (!data) return null;
  const key = `${d.splitSeed}:${d.splitShuffles}`;
  let s = splitCache.get(key);
  if (!s) {
    const split = data.words.split({ shuffles: d.splitShuffles, seed: d.splitSeed });
    s = split.sizes;
    split.free();
    splitCache.set(key, s);
  }
  return s;
}

/** @param {import('../../wasm/makemore.mjs').WordSplit} split @returns {string[]} its words in the list's order */
function fileOrder(split) {
  const words = split.words();
  const at = split.indices();
  const list = new Array(SPLITS.reduce((n, s) => n + words[s].length, 0));
  for (const s of SPLITS) words[s].forEach((w, i) => (list[at[s][i]] = w));
  return list;
}

/**
 * A word list replaces the current one ('words' event; on error it stays).
 * @param {import('../shared/protocol.js').WordsRequest} a
 */
export function loadWords({ bytes, source }) {
  const words = ctx.mm.parseWords(new Uint8Array(bytes)); // throws the core's error
  let all;
  try {
    all = words.split(); // every word is in one of its splits
  } catch (e) {
    words.free();
    throw e;
  }
  const list = fileOrder(all);
  const info = {
    source,
    nWords: words.nWords,
    nTokens: words.nTokens,
    distinct: new Set(list).size,
    maxLen: words.maxLen,
    longest: list.find((w) => [...w].length === words.maxLen) ?? '',
    vocab: words.vocab,
    vocabSize: words.vocabSize,
  };
  ctx.data?.words.free();
  ctx.data?.all.free();
  ctx.data = { words, all, info };
  splitCache = new Map();
  ctx.emit('words', info);
  // A loaded checkpoint that could not continue may match this word list.
  const r = ctx.run;
  if (r && !r.trainer && r.checkpoint && tryResume(r)) announce(r);
}

/** @param {import('../shared/protocol.js').CheckRequest} a @returns {import('../shared/protocol.js').CheckResult} */
export function check({ config, data, batch: asked, vocabSize: own }) {
  const mm = ctx.mm;
  const batch = typeof asked === 'number' && Number.isInteger(asked) && asked >= 1 && asked <= 65536 ? asked : 32;
  /** @type {import('../shared/protocol.js').CheckResult['layers']} */
  let layers = null;
  const listVocab = ctx.data ? ctx.data.words.vocabSize : 27;
  const presets = mm.presets.map((p) => ({ ...p, numParams: mm.numParams({ ...p.config, vocabSize: listVocab }) }));
  const vocabSize = Number.isInteger(own) && /** @type {number} */ (own) > 0 ? /** @type {number} */ (own) : listVocab; // a run's model: its own
  let numParams = null;
  let problem = null;
  try {
    numParams = mm.numParams({ ...config, vocabSize });
    // the split settings within the schema's limits (the core's check, as a trainer's)
    for (const [k, v] of Object.entries(data)) mm.parseSetting(k, String(v));
  } catch (e) {
    problem = errText(e);
  }
  // the model's layers (whatever the split settings say): the core's message if the model is impossible
  let layersProblem = null;
  try {
    layers = mm.layers({ ...config, vocabSize }, batch);
  } catch (e) {
    layersProblem = errText(e);
  }
  return { presets, vocabSize, numParams: problem ? null : numParams, problem, split: problem ? null : splitOf(data), layers, batch, layersProblem };
}

/**
 * Where each name is, as the core says: a split of the run's trainer, the current word
 * list (a model without its trainer), or new.
 * @param {import('./state.js').Run} r @param {string[]} names @returns {import('../shared/protocol.js').Where[]}
 */
function whereAre(r, names) {
  if (r.trainer) return r.trainer.whereAre(names).map((w) => w ?? 'new');
  if (!ctx.data) return names.map(() => 'new');
  return ctx.data.all.whereAre(names).map((w) => (w ? 'list' : 'new'));
}

/** Names from the current model, each marked by where it is in the word list. @param {import('../shared/protocol.js').SampleRequest} m @returns {import('../shared/protocol.js').SampleResult} */
export function sample(m) {
  const r = ctx.run;
  const src = r?.trainer ?? r?.model;
  if (!r || !src) throw new Error('no model yet: press Train first');
  const names = src.sample({
    count: Math.max(1, Math.min(100, Math.trunc(Number(m.count) || 1))),
    temperature: Number(m.temperature),
    topK: Math.trunc(Number(m.topK ?? 0)),
    topP: Number(m.topP ?? 1),
    prefix: String(m.prefix ?? ''),
    maxLen: r.maxLen,
  });
  return {
    runId: r.id,
    step: r.trainer ? r.trainer.step : (r.model?.training?.step ?? null),
    names: whereAre(r, names).map((where, i) => ({ text: names[i], where })),
  };
}
