// api/probe.mjs: the thread count a run measures (the Node CLI's default and the page's Threads left blank):
// the run's first steps alternate between the calling thread alone and the module's threads, each side timed in
// short chunks, and the run goes on with the faster. A default never slower than one thread (issue 22). The
// native CLI's twin is src/cli/probe.c (the same chunks and order). The numbers are bitwise the same whichever
// side trains a step (Trainer.onOneThread).

const ROUNDS = 4; // chunks timed on each side, in the order 0 1 1 0 0 1 1 0 (a drift of the machine's speed favours neither)

export class ThreadProbe {
  /**
   * @param {{onOneThread: (alone: boolean) => void}} trainer @param {number} threads the module's threads
   * @param {number} steps the run's steps to come (a run too short to measure, or 1 thread: nothing to measure)
   */
  constructor(trainer, threads, steps) {
    this.trainer = trainer;
    this.pool = threads;
    this.chunk = Math.min(32, Math.max(8, Math.floor(steps / 128))); // the warm-up and 8 timed chunks: 7% of the run at most
    /** the next timed chunk (0: the untimed warm-up) */
    this.at = 0;
    /** each side's fastest seconds per step: [one thread, the pool] */
    this.best = [Infinity, Infinity];
    /** the threads chosen (0 while measuring) */
    this.threads = threads <= 1 || steps < 16 * this.chunk ? threads : 0;
    this.side = 1;
  }

  /** @param {number} chunk the steps the caller would train now @returns {number} at most the chunk being measured */
  before(chunk) {
    if (this.threads) return chunk;
    this.side = this.at === 0 ? 1 : Math.floor((this.at + 1) / 2) % 2;
    this.trainer.onOneThread(this.side === 0);
    return Math.min(chunk, this.chunk);
  }

  /** @param {number} done the steps the chunk trained @param {number} seconds its time (inside wasm) */
  after(done, seconds) {
    if (this.threads || done <= 0) return;
    if (this.at > 0) this.best[this.side] = Math.min(this.best[this.side], seconds / done);
    if (++this.at <= 2 * ROUNDS) return;
    const pool = this.best[1] < this.best[0];
    this.threads = pool ? this.pool : 1;
    this.trainer.onOneThread(!pool);
  }

  /** @param {0|1} k 0: one thread, 1: the pool @returns {number} its steps/s as measured (0: not measured) */
  rate(k) {
    const b = this.best[k];
    return Number.isFinite(b) && b > 0 ? 1 / b : 0;
  }
}
