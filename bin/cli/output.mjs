// What the Node CLI writes: out (stdout), note ("makemore-wasm: ..." on stderr), and the progress bar
// a terminal's stderr shows during train; out and note clear the bar first.
import { writeSync } from 'node:fs';
import { NAME } from './args.mjs';

/** A progress bar on a terminal's stderr, redrawn at most 10 times a second. */
class Progress {
  /** @param {boolean} on */
  constructor(on) {
    this.on = on;
    this.shown = false;
    this.last = 0;
  }
  /** @param {string} text @param {boolean} [force] */
  draw(text, force = false) {
    if (!this.on) return;
    const now = performance.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    const cols = process.stderr.columns || 80;
    process.stderr.write(`\r${text.slice(0, cols - 1)}\x1b[K`);
    this.shown = true;
  }
  /** @param {number} step @param {number} total @param {number} first @param {number} t0 ms */
  train(step, total, first, t0) {
    if (!this.on) return;
    const secs = (performance.now() - t0) / 1000;
    const rate = secs > 0 ? (step - first) / secs : 0;
    const left = rate > 0 ? formatDuration((total - step) / rate) : '?';
    const frac = total > 0 ? step / total : 1;
    const tail = ` ${String(step).padStart(String(total).length)}/${total} ${(100 * frac).toFixed(0).padStart(3)}%  ${rate.toFixed(0)} steps/s  ${left} left`;
    const width = Math.max(10, Math.min(40, (process.stderr.columns || 80) - tail.length - 3));
    const full = Math.round(frac * width);
    this.draw(`[${'#'.repeat(full)}${'.'.repeat(width - full)}]${tail}`);
  }
  clear() {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}

/** @param {number} s seconds */
function formatDuration(s) {
  s = Math.round(s);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** The bar train draws (on a terminal): a live binding, replaced by startProgress. */
export let progress = new Progress(false);
/** A new progress bar, shown if on. @param {boolean} on */
export function startProgress(on) {
  progress = new Progress(on);
}
/** the log of the run (-o DIR's log.txt): a file descriptor out() writes to as well, or null */
let logFd = /** @type {number|null} */ (null);
/** @param {number|null} fd what out() also writes to from now on (null: nothing) */
export function setLog(fd) {
  logFd = fd;
}
/** @param {string} s */
export function out(s) {
  progress.clear();
  process.stdout.write(s);
  if (logFd !== null) writeSync(logFd, s);
}
/** @param {string} s */
export function note(s) {
  progress.clear();
  process.stderr.write(`${NAME}: ${s}\n`);
}
/**
 * Steps between two progress lines of a run of `steps` steps: the largest of 1, 2, 5 x 10^k that gives at least
 * 10 lines (so 10 to 25 lines a run: 2000 steps every 200), at most 10000 (the lecture's print); src/cli/cli.c's progress_every.
 * @param {number} steps
 */
export function progressEvery(steps) {
  let every = 1;
  for (let m = 1; m <= 10000; m *= 10)
    for (const f of [1, 2, 5]) if (f * m * 10 <= steps && f * m <= 10000) every = f * m;
  return every;
}

/** the marks of sampled names in text output, by where the split holds them */
const MARKS = { train: 'in train', val: 'in val', test: 'in test' };
/**
 * Names as text, one a line ("emma."); with where (trainer.whereAre's), each marked, the marks in one column
 * ("emma.      in train", "kaelynn.   new"), as the native CLI writes them.
 * @param {string[]} names @param {(import('../../wasm/makemore.mjs').SplitName|null)[]|null} where
 */
export function namesText(names, where) {
  if (!where) return names.map((n) => `${n}.\n`).join('');
  const width = Math.max(0, ...names.map((n) => [...n].length)); // code points, as C counts them
  return names.map((n, i) => {
    const w = where[i];
    return `${n}.${' '.repeat(width - [...n].length)}  ${w ? MARKS[w] : 'new'}\n`;
  }).join('');
}
/** @param {(string|null)[]} where @returns {string} the JSON array of where each name is: "train", "val", "test" or "new" */
export const whereJson = (where) => `[${where.map((w) => `"${w ?? 'new'}"`).join(',')}]`;

/** Lets pending events run (a SIGINT handler, for one) before the next chunk of work. */
export const yieldToEvents = () => new Promise((resolve) => setImmediate(resolve));

/** An error's message (any thrown value as a string). @param {unknown} e */
export const message = (e) => (e instanceof Error ? e.message : String(e));
