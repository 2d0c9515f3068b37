// split.mjs: the word list and the lecture's train/val/test split, in plain JS.
//
// The core (src/data.c) splits words as the lecture does: random.seed(42),
// n x random.shuffle(words), then 80% / 10% / 10%. The JS API does not expose
// which words landed in which split, so this module repeats the computation
// (CPython's MT19937, init_by_array and _randbelow) to tell sampled names "in
// training set" from "new". worker.js checks the result against the trainer's
// split sizes and falls back to the whole word list if they ever disagree.

/**
 * Splits text into words as mm_words_parse does: one word per line, a leading
 * UTF-8 BOM dropped, spaces, tabs, CR, VT and FF trimmed at both ends, blank
 * lines skipped. Only call it on text the core accepted.
 * @param {string} text @returns {string[]}
 */
export function parseWordList(text) {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const out = [];
  for (const line of text.split('\n')) {
    const w = line.replace(/^[ \t\r\v\f]+|[ \t\r\v\f]+$/g, '');
    if (w) out.push(w);
  }
  return out;
}

/** CPython's random.Random, just enough of it: seed(int < 2^32) and shuffle. */
class PyRandom {
  /** @param {number} seed 0 <= seed < 2^32 */
  constructor(seed) {
    const mt = (this.mt = new Uint32Array(624));
    mt[0] = 19650218;
    for (let i = 1; i < 624; i++) {
      const p = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = Math.imul(1812433253, p) + i;
    }
    let i = 1;
    for (let k = 624; k; k--) {
      const p = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (mt[i] ^ Math.imul(p, 1664525)) + (seed >>> 0); // key[0] + j, j = 0
      i++;
      if (i >= 624) {
        mt[0] = mt[623];
        i = 1;
      }
    }
    for (let k = 623; k; k--) {
      const p = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (mt[i] ^ Math.imul(p, 1566083941)) - i;
      i++;
      if (i >= 624) {
        mt[0] = mt[623];
        i = 1;
      }
    }
    mt[0] = 0x80000000;
    this.mti = 624;
  }

  /** @returns {number} the next 32-bit output */
  u32() {
    const mt = this.mt;
    if (this.mti >= 624) {
      const mag = (/** @type {number} */ y) => (y & 1 ? 0x9908b0df : 0);
      let kk = 0;
      for (; kk < 624 - 397; kk++) {
        const y = (mt[kk] & 0x80000000) | (mt[kk + 1] & 0x7fffffff);
        mt[kk] = mt[kk + 397] ^ (y >>> 1) ^ mag(y);
      }
      for (; kk < 623; kk++) {
        const y = (mt[kk] & 0x80000000) | (mt[kk + 1] & 0x7fffffff);
        mt[kk] = mt[kk - 227] ^ (y >>> 1) ^ mag(y);
      }
      const y = (mt[623] & 0x80000000) | (mt[0] & 0x7fffffff);
      mt[623] = mt[396] ^ (y >>> 1) ^ mag(y);
      this.mti = 0;
    }
    let y = mt[this.mti++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** random._randbelow(n) for 1 <= n < 2^32 @param {number} n */
  randbelow(n) {
    const k = 32 - Math.clz32(n);
    let x;
    do x = k === 0 ? 0 : this.u32() >>> (32 - k);
    while (x >= n);
    return x;
  }

  /** random.shuffle @param {unknown[]} a */
  shuffle(a) {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.randbelow(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}

/**
 * The lecture's split of a word list (what the core's trainer uses).
 * @param {string[]} words in file order
 * @param {number} [shuffles] random.shuffle calls (the config's splitShuffles)
 * @param {number} [seed] random.seed (the core always uses 42)
 * @returns {{train: string[], val: string[], test: string[], examples: [number, number, number]}}
 *   examples: (context, target) pairs per split, one per character plus the end token
 */
export function lectureSplit(words, shuffles = 1, seed = 42) {
  const order = words.slice();
  const r = new PyRandom(seed);
  for (let s = 0; s < shuffles; s++) r.shuffle(order);
  const n = order.length;
  const n1 = Math.trunc(0.8 * n);
  const n2 = Math.trunc(0.9 * n);
  const parts = [order.slice(0, n1), order.slice(n1, n2), order.slice(n2)];
  const examples = /** @type {[number, number, number]} */ (
    parts.map((p) => p.reduce((s, w) => s + codePoints(w) + 1, 0))
  );
  return { train: parts[0], val: parts[1], test: parts[2], examples };
}

/** @param {string} s @returns {number} its length in code points */
export function codePoints(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}
