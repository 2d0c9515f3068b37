// api/words.mjs: Words, a parsed word list (mm.parseWords), and WordSplit, which word
// went to train, val and test (words.split(), trainer.split).
/** @import { Makemore } from './makemore-class.mjs' */
/** @import { Trainer } from './trainer.mjs' */
/** @import { SplitName } from '../makemore.mjs' */
import { Owned, SPLITS, checkInt, vocabStrings } from './base.mjs';

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
