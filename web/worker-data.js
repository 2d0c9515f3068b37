// worker-data.js: the trainer page's word list in the worker: parsing (the core's),
// the split sizes of a configuration, and sampled names marked by where they are in it.
import { parseWordList, lectureSplit, codePoints } from './split.mjs';
import { ctx, errText } from './worker-shared.js';
import { tryResume } from './worker-files.js';
import { announce } from './worker-run.js';

/** Splits of the current word list by shuffle count, computed on demand. @type {Map<number, ReturnType<typeof lectureSplit>>} */
let splitCache = new Map();

/** @param {number} shuffles */
function splitOf(shuffles) {
  if (!ctx.data) return null;
  let s = splitCache.get(shuffles);
  if (!s) {
    s = lectureSplit(ctx.data.list, shuffles);
    splitCache.set(shuffles, s);
  }
  return s;
}

/**
 * A word list replaces the current one ('words' event; on error it stays).
 * @param {import('./protocol.js').WordsRequest} a
 */
export function loadWords({ bytes, source }) {
  const u8 = new Uint8Array(bytes);
  const words = ctx.mm.parseWords(u8); // throws the core's error
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
  ctx.data?.words.free();
  ctx.data = { words, list, info };
  splitCache = new Map();
  ctx.emit('words', info);
  // A loaded checkpoint that could not continue may match this word list.
  const r = ctx.run;
  if (r && !r.trainer && r.checkpoint && tryResume(r)) announce(r);
}

/** @param {import('./protocol.js').CheckRequest} a @returns {import('./protocol.js').CheckResult} */
export function check({ config }) {
  const mm = ctx.mm;
  const vocabSize = ctx.data ? ctx.data.words.vocabSize : 27;
  const presets = mm.presets.map((p) => ({ name: p.name, config: p.config, numParams: mm.numParams({ ...p.config, vocabSize }) }));
  let numParams = null;
  let problem = null;
  try {
    numParams = mm.numParams({ ...config, vocabSize });
  } catch (e) {
    problem = errText(e);
  }
  const s = splitOf(config.splitShuffles ?? 1);
  const split = s ? { words: /** @type {[number, number, number]} */ ([s.train.length, s.val.length, s.test.length]), examples: s.examples } : null;
  return { presets, vocabSize, numParams, problem, split };
}

/**
 * Marks the words sampled names are compared with: by split (the trainer's), or the
 * whole word list (a model without its trainer, or a split that disagrees with the core's).
 * @param {import('./worker-shared.js').Run} r
 */
export function labelWords(r) {
  const t = r.trainer;
  const split = t ? splitOf(t.config.splitShuffles) : null;
  r.where = new Map();
  if (t && split && split.examples.every((n, i) => n === t.splitSizes[i])) {
    r.labels = 'split';
    for (const w of split.test) r.where.set(w, 'test');
    for (const w of split.val) r.where.set(w, 'val');
    for (const w of split.train) r.where.set(w, 'train'); // a word in several splits counts as seen
  } else {
    r.labels = 'list';
    for (const w of ctx.data?.list ?? []) r.where.set(w, 'list');
  }
  r.maxLen = Math.min(256, Math.max(32, 2 * (ctx.data?.info.maxLen ?? 16)));
}

/** Names from the current model, each marked by where it is in the word list. @param {import('./protocol.js').SampleRequest} m @returns {import('./protocol.js').SampleResult} */
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
    names: names.map((text) => ({ text, where: r.where.get(text) ?? 'new' })),
  };
}
