// shared/losses.js: the training-loss series as the lecture plots it: log10 of each
// step's loss, averaged over groups of steps (1000 for the lecture's 200k
// steps; smaller groups early in a run so points appear at once).

/** The smallest of 1, 2, 5, 10, 20, 50, ... that is >= x. @param {number} x */
export function niceStep(x) {
  if (!(x > 1)) return 1;
  let p = 1;
  for (;;) {
    for (const m of [1, 2, 5]) if (m * p >= x) return m * p;
    p *= 10;
  }
}

/**
 * The automatic validation interval: ~10 points in a short run, at most every
 * 10000 steps (the lecture evaluates rarely; each costs training time).
 * @param {number} steps
 */
export function autoValEvery(steps) {
  return Math.min(10000, niceStep(steps / 10));
}

export class LossSeries {
  constructor() {
    /** prefix sums of log10(loss): cum[i] = sum of steps 0..i-1 */
    this.cum = new Float64Array(1024);
    this.n = 0;
  }
  clear() {
    this.n = 0;
  }
  /** @param {Float32Array} losses the next steps' losses */
  append(losses) {
    if (this.n + losses.length + 1 > this.cum.length) {
      let cap = this.cum.length;
      while (this.n + losses.length + 1 > cap) cap *= 2;
      const c = new Float64Array(cap);
      c.set(this.cum.subarray(0, this.n + 1));
      this.cum = c;
    }
    let s = this.cum[this.n];
    for (let i = 0; i < losses.length; i++) {
      s += Math.log10(losses[i]);
      this.cum[this.n + i + 1] = s;
    }
    this.n += losses.length;
  }
  /**
   * Means over whole groups of `group` steps, group being the smallest of 1, 2, 5,
   * 10, ... that gives at most maxPoints points (300 points: groups of 1000 for
   * 200k steps, like the lecture's plot).
   * @param {number} maxPoints
   * @returns {{xs: number[], ys: number[], group: number}} xs: the middle step of each group
   */
  groups(maxPoints) {
    const group = niceStep(this.n / maxPoints);
    const k = Math.floor(this.n / group);
    const xs = new Array(k);
    const ys = new Array(k);
    for (let i = 0; i < k; i++) {
      xs[i] = (i + 0.5) * group;
      ys[i] = (this.cum[(i + 1) * group] - this.cum[i * group]) / group;
    }
    return { xs, ys, group };
  }
}
