// split.test.mjs: the split the core keeps, through the JS API (Trainer.split,
// splitWords, whereIs/whereAre, Words.split), against Python's own random module:
// tests/fixtures/split_names.json (tests/split_reference.py) has, for names.txt
// with 1 and 2 shuffles, each split's sizes, first and last words and the
// SHA-256 of all its words.
//
//   node --experimental-wasm-relaxed-simd --test tests/split.test.mjs
// MM_WASM_DIR: folder of the .wasm modules (default build-wasm/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { loadMakemore, relaxedSimdSupported, MakemoreError } from '../wasm/makemore.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WASM_DIR = path.resolve(ROOT, process.env.MM_WASM_DIR ?? 'build-wasm');
const NAMES = readFileSync(path.join(ROOT, 'data/names.txt'));
/** @type {{words: number, splits: ({shuffles: number} & Record<'train'|'val'|'test', {words: number, examples: number, first: string[], last: string[], sha256: string}>)[]}} */
const REF = JSON.parse(readFileSync(path.join(ROOT, 'tests/fixtures/split_names.json'), 'utf8'));
const SPLITS = /** @type {const} */ (['train', 'val', 'test']);
const missing = !existsSync(path.join(WASM_DIR, 'makemore-scalar.wasm')) && `no ${WASM_DIR}/makemore-scalar.wasm`;
const ENGINES = /** @type {const} */ (['scalar', 'simd', ...(relaxedSimdSupported() ? ['relaxed'] : [])]);

/** @param {'scalar'|'simd'|'relaxed'} engine */
const load = (engine) => loadMakemore({ engine, wasmDir: pathToFileURL(WASM_DIR + '/'), threads: 1 });
const sha256 = (/** @type {string[]} */ words) => createHash('sha256').update(words.map((w) => w + '\n').join('')).digest('hex');

/**
 * Checks a split's words against the Python reference.
 * @param {Record<'train'|'val'|'test', string[]>} got @param {(typeof REF.splits)[number]} ref @param {string} what
 */
function checkWords(got, ref, what) {
  for (const k of SPLITS) {
    const w = got[k];
    assert.equal(w.length, ref[k].words, `${what} ${k}: words`);
    assert.deepEqual(w.slice(0, 3), ref[k].first, `${what} ${k}: first words`);
    assert.deepEqual(w.slice(-3), ref[k].last, `${what} ${k}: last words`);
    assert.equal(w.reduce((s, x) => s + [...x].length + 1, 0), ref[k].examples, `${what} ${k}: examples`);
    assert.equal(sha256(w), ref[k].sha256, `${what} ${k}: all its words, in order (SHA-256)`);
  }
}

for (const engine of ENGINES) {
  test(`${engine}: a trainer's split is Python's (1 and 2 shuffles), and a resumed trainer's`, { skip: missing }, async () => {
    const mm = await load(engine);
    assert.equal(mm.engine, engine);
    const words = mm.parseWords(NAMES);
    for (const [preset, ref] of [['mlp3', REF.splits[0]], ['wavenet22k', REF.splits[1]]]) {
      const t = mm.createTrainer({ words, preset: /** @type {string} */ (preset), steps: 3, reproducible: true });
      assert.equal(t.data.splitShuffles, ref.shuffles);
      const sw = t.splitWords();
      checkWords(sw, ref, `${preset} trainer`);
      assert.deepEqual(t.split.sizes, { words: SPLITS.map((k) => ref[k].words), examples: t.splitSizes });
      assert.deepEqual(t.splitSizes, SPLITS.map((k) => ref[k].examples));
      // the indices name the list's lines (names.txt: one plain word per line)
      const lines = NAMES.toString('utf8').split('\n').filter((l) => l);
      const idx = t.split.indices();
      for (const k of SPLITS) assert.deepEqual(Array.from(idx[k], (i) => lines[i]), sw[k], `${preset} ${k}: indices`);
      t.run(3);
      const r = mm.resumeTrainer({ checkpoint: t.save(), words, reproducible: true });
      checkWords(r.splitWords(), ref, `${preset} resumed`);
      r.free();
      t.free();
    }
    words.free();
  });
}

test('whereIs / whereAre: the first split holding each word (train, val, test), null for a new one', { skip: missing }, async () => {
  const mm = await load('simd');
  const t = mm.createTrainer({ words: NAMES, preset: 'wavenet22k', steps: 2000 });
  const sw = t.splitWords();
  checkWords(sw, REF.splits[1], 'wavenet22k'); // the reference below is Python's split
  /** @type {Map<string, 'train'|'val'|'test'>} */
  const where = new Map();
  for (const k of SPLITS) for (const w of sw[k]) if (!where.has(w)) where.set(w, k);
  const unique = [...where.keys()];
  assert.equal(unique.length, 29494, 'names.txt has 29494 distinct words');
  assert.deepEqual(t.whereAre(unique), unique.map((w) => where.get(w)));
  const repeated = unique.filter((w) => SPLITS.filter((k) => sw[k].includes(w)).length > 1);
  assert.ok(repeated.length > 0, 'some words are in two splits');
  for (const w of repeated.slice(0, 20)) assert.equal(t.whereIs(w), SPLITS.find((k) => sw[k].includes(w)), w);
  assert.equal(t.whereIs('cathy'), 'train');
  assert.equal(t.whereIs(REF.splits[1].val.first[1]), where.get(REF.splits[1].val.first[1]));
  // near misses and words that cannot be in the list
  const misses = ['emm', 'emmaa', 'Emma', ' emma', 'émile', 'a.b', '', 'em\nma', 'x'.repeat(300)];
  for (const w of misses) assert.equal(where.has(w), false, w);
  assert.deepEqual(t.whereAre(misses), misses.map(() => null));
  assert.deepEqual(t.whereAre([]), []);
  // sampled names marked from the core's answer
  t.run(2000);
  const names = t.sample({ count: 100, seed: 7 });
  const marks = t.whereAre(names);
  assert.deepEqual(marks, names.map((w) => where.get(w) ?? null));
  assert.ok(marks.some((k) => k === null) && marks.some((k) => k !== null), `both seen and new names: ${marks}`);
  assert.throws(() => t.whereAre(/** @type {any} */ ('emma')), TypeError);
  const split = t.split;
  t.free();
  assert.throws(() => split.whereIs('emma'), /used after free/);
  assert.throws(() => t.splitWords(), /used after free/);
});

test('Words.split: the split without a trainer; its settings checked by the core', { skip: missing }, async () => {
  const mm = await load('scalar');
  const words = mm.parseWords(NAMES);
  for (const ref of REF.splits) {
    const s = words.split({ shuffles: ref.shuffles });
    checkWords(s.words(), ref, `Words.split ${ref.shuffles}`);
    assert.deepEqual(s.sizes, { words: SPLITS.map((k) => ref[k].words), examples: SPLITS.map((k) => ref[k].examples) });
    assert.equal(s.whereIs(ref.test.last[2]), 'test');
    s.free();
    assert.throws(() => s.words(), /used after free/);
  }
  // another seed: Python's random.seed(7); x = list(range(10)); random.shuffle(x) gives [8, 3, 1, 4, 7, 0, 9, 6, 2, 5]
  const ten = mm.parseWords('a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n');
  const s7 = ten.split({ seed: 7 });
  assert.deepEqual(s7.indices(), { train: Int32Array.from([8, 3, 1, 4, 7, 0, 9, 6]), val: Int32Array.from([2]), test: Int32Array.from([5]) });
  assert.deepEqual(s7.words(), { train: ['i', 'd', 'b', 'e', 'h', 'a', 'j', 'g'], val: ['c'], test: ['f'] });
  s7.free();
  ten.free();
  assert.throws(() => words.split({ shuffles: 101 }), (e) => e instanceof MakemoreError && /split shuffles 101 is outside 0\.\.100/.test(e.message));
  assert.throws(() => words.split({ seed: -1 }), RangeError);
  assert.throws(() => words.split({ seed: 2 ** 32 }), RangeError);
  words.free();
});
