#!/usr/bin/env node
// makemore-wasm: the native CLI (src/cli.c, build/makemore) over the WebAssembly core.
//   makemore-wasm train  [--preset NAME] [model options] [training options] [--json] [--losses] [--no-eval]
//                        [--save FILE] [--checkpoint FILE] [--resume FILE]
//   makemore-wasm info   [--preset NAME] [model options] [--data FILE] [--json]
//   makemore-wasm sample --model FILE [--count N] [sampling options] [--json]
//   makemore-wasm COMMAND --help
// The same subcommands, flags, defaults, text and JSON output as the native CLI:
// with --reproducible a seed gives the native CLI's numbers bitwise (losses,
// split, samples). What differs: steps_per_sec, and "engine" names the wasm
// kernels ('relaxed-simd', 'simd') where native says 'fma' or 'scalar'.
//
// Node 20 runs relaxed SIMD (the fast module) only under
// node --experimental-wasm-relaxed-simd, which a shebang cannot pass portably:
// `train` then runs itself again as a child with the flag (MAKEMORE_WASM_CHILD
// guards against a loop); a Node that cannot run it even so trains on the SIMD
// module, on one thread, and says so on stderr. `info` and `sample` need no
// relaxed SIMD (sample uses the reference kernels, as the native CLI does).
//
// train runs in chunks (at most 1000 steps or about 100 ms per wasm call), so
// Ctrl-C (SIGINT) stops between two chunks: with --checkpoint the checkpoint is
// written first, at the step reached (--resume continues exactly); exit code 130.
// On a terminal, stderr shows a progress bar (step, steps/s, time left).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { availableCores, loadMakemore, relaxedSimdSupported, simdSupported } from '../wasm/makemore.mjs';
/** @typedef {import('../wasm/makemore.mjs').Makemore} Makemore @typedef {import('../wasm/makemore.mjs').Trainer} Trainer */

const NAME = 'makemore-wasm';
const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';
const CHILD_ENV = 'MAKEMORE_WASM_CHILD';
const SAMPLE_SEED_XOR = 0x9e3779b97f4a7c15n; // the native CLI's sampler seed: seed ^ this
const DEFAULT_DATA = 'data/names.txt'; // relative to the current directory, as natively
const PACKAGE_DATA = new URL('../data/names.txt', import.meta.url);
const MAX_THREADS = 64; // MM_MAX_THREADS
const MAX_BATCH = 65536; // MM_MAX_BATCH
const MAX_VOCAB = 1024; // MM_MAX_VOCAB
const EXIT_FAIL = 1;
const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;
const CHUNK_SECONDS = 0.1; // a trainer.run or an evaluation part takes about this long
const MAX_CHUNK = 1000;

class UsageError extends Error {}
/** An error to report as "makemore-wasm: message" with exit code 1. */
class Failure extends Error {}

// ---------------------------------------------------------------- usage

const PRESETS_LINE = 'presets: mlp3 mlp8 wavenet22k-bnbug wavenet22k wavenet76k (default mlp3)\n';
const MODEL_OPTS =
  'model options: --block N --embd N --hidden N --consec K (0 = flat) --flat-layers N\n' +
  '               --bn fixed|per-position --shuffles N\n';
const SAMPLE_OPTS =
  "sampling options: --temperature T (1; 0 = greedy) --top-k K (0 = all tokens) --top-p P (1 = all)\n" +
  "                  --prefix P ('') --seed S (0)\n";
const USAGE = {
  train:
    `${NAME} train  [--preset NAME] [model options] [training options] [--json] [--losses] [--no-eval] [--save FILE]\n` +
    `${NAME} train  ... --checkpoint FILE   also write a checkpoint (model + training state; also on Ctrl-C)\n` +
    `${NAME} train  --resume FILE [--steps N] [--data FILE] ...   continue a checkpoint exactly\n` +
    "  trains on the word list, prints the loss every 10000 steps, the split's losses and --samples names\n",
  info:
    `${NAME} info   [--preset NAME] [model options] [--data FILE] [--json]\n` +
    "  the model's parameter count and the word list's split, without training\n",
  sample: `${NAME} sample --model FILE [--count N (20)] [sampling options] [--json]\n  names from a model file or checkpoint\n`,
};

/** @param {string|null} cmd a subcommand, or null for all @param {number} cores */
function usage(cmd, cores) {
  if (!cmd)
    return (
      `usage: ${NAME} train|info|sample [options]   (${NAME} COMMAND --help: its options)\n` +
      USAGE.train + USAGE.info + USAGE.sample + PRESETS_LINE + MODEL_OPTS + SAMPLE_OPTS
    );
  if (cmd === 'info') return USAGE.info + PRESETS_LINE + MODEL_OPTS;
  if (cmd === 'sample') return USAGE.sample + SAMPLE_OPTS;
  return (
    USAGE.train + PRESETS_LINE + MODEL_OPTS +
    'training options: --steps N (200000) --batch N (32) --lr X (0.1) --lr2 X (0.01)\n' +
    `                  --decay-step N (150000) --seed S (42) --data FILE (${DEFAULT_DATA}; if missing, the package's) --samples N (20)\n` +
    `engine options: --threads N (1..${MAX_THREADS}; default: the cores available, here ${cores})\n` +
    '                --reproducible (the reference kernels, no fused multiply-add: bitwise the numbers\n' +
    '                of every build, the native CLI\'s included; default: the fast engine, relaxed SIMD)\n' +
    '                --profile (time per operation of the step, printed at the end)\n' +
    SAMPLE_OPTS
  );
}

// ---------------------------------------------------------------- arguments

/** @param {string} o @param {string} v @param {number} lo @param {number} hi @param {string} [what] */
function wholeNumber(o, v, lo, hi, what) {
  const n = /^[+-]?\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= lo && n <= hi)) throw new UsageError(`${o} takes ${what ?? `a whole number from ${lo} to ${hi}`}, not '${v}'`);
  return n;
}

/**
 * A decimal number rounded to float32 once, as strtof does (Math.fround(Number(s)) rounds twice).
 * @param {string} s @returns {number} NaN if s is not a decimal number
 */
function parseF32(s) {
  const m = /^([+-]?)(?:(\d+)\.?(\d*)|\.(\d+))(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m) return NaN;
  const neg = m[1] === '-';
  const frac = m[3] ?? m[4] ?? '';
  const digits = ((m[2] ?? '') + frac).replace(/^0+/, '');
  if (!digits) return neg ? -0 : 0;
  const e10 = Number(m[5] ?? 0) - frac.length;
  if (e10 + digits.length > 40) return neg ? -Infinity : Infinity; // > 1e39 > FLT_MAX
  if (e10 + digits.length < -50) return neg ? -0 : 0; // < 1e-50, below half the smallest subnormal
  let num = BigInt(digits);
  let den = 1n;
  if (e10 >= 0) num *= 10n ** BigInt(e10);
  else den = 10n ** BigInt(-e10);
  // value = num / den; find e2 with 2^23 <= value / 2^e2 < 2^24 (or e2 = -149: subnormal)
  let e2 = num.toString(2).length - den.toString(2).length - 24;
  const scaled = (/** @type {number} */ e) => (e >= 0 ? [num, den << BigInt(e)] : [num << BigInt(-e), den]);
  for (;;) {
    const [a, b] = scaled(e2);
    if (a >= b << 24n) e2++;
    else if (a < b << 23n) e2--;
    else break;
  }
  if (e2 < -149) e2 = -149;
  const [a, b] = scaled(e2);
  let q = a / b;
  const r2 = 2n * (a - q * b);
  if (r2 > b || (r2 === b && (q & 1n) === 1n)) q++;
  const v = Number(q) * 2 ** e2; // exact: q <= 2^24
  const out = v > 3.4028234663852886e38 ? Infinity : v;
  return neg ? -out : out;
}

/** options without a value */
const FLAGS = { '--json': 'json', '--losses': 'losses', '--no-eval': 'noEval', '--reproducible': 'reproducible', '--profile': 'profile' };
/** the model options (they override the preset's) */
const MODEL_KEYS = {
  '--block': 'blockSize',
  '--embd': 'nEmbd',
  '--hidden': 'nHidden',
  '--consec': 'nConsec',
  '--flat-layers': 'nFlatLayers',
  '--bn': 'bnMode',
  '--shuffles': 'splitShuffles',
};
const VALUE_OPTS = new Set([
  '--preset', '--data', '--save', '--resume', '--checkpoint', '--model', '--prefix', '--steps', '--decay-step', '--batch',
  '--samples', '--count', '--top-k', '--top-p', '--threads', '--seed', '--lr', '--lr2', '--temperature', ...Object.keys(MODEL_KEYS),
]);

/**
 * The native CLI's options (every subcommand takes them all, as natively) and its defaults.
 * @param {string[]} argv the arguments after the subcommand @param {number} cores
 */
function parseArgs(argv, cores) {
  const a = {
    help: false, json: false, losses: false, noEval: false, reproducible: false, profile: false,
    preset: 'mlp3', model: /** @type {Record<string, number>} */ ({}),
    data: DEFAULT_DATA, dataGiven: false,
    save: /** @type {string|null} */ (null), resume: /** @type {string|null} */ (null),
    checkpoint: /** @type {string|null} */ (null), modelFile: /** @type {string|null} */ (null),
    prefix: '', samples: 20, count: 20, temperature: 1, topK: 0, topP: 1, threads: cores,
    steps: 200000, stepsGiven: false, batchSize: 32, lr: parseF32('0.1'), lrDecayed: parseF32('0.01'), decayStep: 150000,
    seed: 0n, seedGiven: false,
  };
  // --help anywhere an option may stand answers it, whatever else the line holds
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--help' || argv[i] === '-h') return { ...a, help: true };
    if (VALUE_OPTS.has(argv[i])) i++;
  }
  for (let i = 0; i < argv.length; i++) {
    const o = argv[i];
    if (Object.hasOwn(FLAGS, o)) {
      /** @type {any} */ (a)[FLAGS[/** @type {keyof typeof FLAGS} */ (o)]] = true;
      continue;
    }
    if (!VALUE_OPTS.has(o)) {
      throw new UsageError(o.startsWith('-') ? `unknown option ${o}` : `unexpected argument '${o}' (options start with --)`);
    }
    if (i + 1 >= argv.length) throw new UsageError(`option ${o} needs a value`);
    const v = argv[++i];
    if (Object.hasOwn(MODEL_KEYS, o)) {
      const key = MODEL_KEYS[/** @type {keyof typeof MODEL_KEYS} */ (o)];
      if (o === '--bn') {
        if (v !== 'fixed' && v !== 'per-position') throw new UsageError(`--bn takes fixed or per-position, not '${v}'`);
        a.model[key] = v === 'fixed' ? 0 : 1;
      } else a.model[key] = wholeNumber(o, v, 0, 1000000);
      continue;
    }
    switch (o) {
      case '--preset': a.preset = v; break;
      case '--data': a.data = v; a.dataGiven = true; break;
      case '--save': a.save = v; break;
      case '--resume': a.resume = v; break;
      case '--checkpoint': a.checkpoint = v; break;
      case '--model': a.modelFile = v; break;
      case '--prefix': a.prefix = v; break;
      case '--steps': a.steps = wholeNumber(o, v, 0, 1e9); a.stepsGiven = true; break;
      case '--decay-step': a.decayStep = wholeNumber(o, v, 0, 1e9); break;
      case '--batch': a.batchSize = wholeNumber(o, v, 2, MAX_BATCH); break;
      case '--samples': a.samples = wholeNumber(o, v, 0, 100000); break;
      case '--count': a.count = wholeNumber(o, v, 0, 100000); break;
      case '--threads': a.threads = wholeNumber(o, v, 1, MAX_THREADS); break;
      case '--top-k': a.topK = wholeNumber(o, v, 0, MAX_VOCAB, `a whole number from 0 (all tokens) to ${MAX_VOCAB}`); break;
      case '--seed':
        if (!/^\d+$/.test(v) || BigInt(v) >= 1n << 64n) throw new UsageError(`--seed takes a whole number from 0 to 18446744073709551615, not '${v}'`);
        a.seed = BigInt(v);
        a.seedGiven = true;
        break;
      default: {
        // --lr --lr2 --temperature --top-p: a float, as strtof reads it
        const f = parseF32(v);
        if (Number.isNaN(f)) throw new UsageError(`${o} takes a number, not '${v}'`);
        if (o === '--lr') a.lr = f;
        else if (o === '--lr2') a.lrDecayed = f;
        else if (o === '--top-p') {
          if (!(f > 0 && f <= 1)) throw new UsageError(`--top-p takes a number above 0 and at most 1, not '${v}'`);
          a.topP = f;
        } else {
          if (!(f >= 0 && f <= 1e6)) throw new UsageError(`--temperature takes a number from 0 to 1e6, not '${v}'`);
          a.temperature = f;
        }
      }
    }
  }
  return a;
}

/** @typedef {ReturnType<typeof parseArgs>} Args */

// ---------------------------------------------------------------- C's printf, exactly

const f64 = new DataView(new ArrayBuffer(8));
/** @param {number} x finite @returns {{neg: boolean, num: bigint, den: bigint}} |x| = num / den exactly */
function exact(x) {
  f64.setFloat64(0, x);
  const hi = f64.getUint32(0);
  const be = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(f64.getUint32(4));
  let e = be - 1075;
  if (be === 0) e = -1074;
  else mant |= 1n << 52n;
  return { neg: hi >>> 31 === 1, num: e >= 0 ? mant << BigInt(e) : mant, den: e >= 0 ? 1n : 1n << BigInt(-e) };
}
/** round(num/den * 10^d), ties to even (glibc's printf rounds the exact binary value so) */
function roundScaled(/** @type {bigint} */ num, /** @type {bigint} */ den, /** @type {number} */ d) {
  if (d >= 0) num *= 10n ** BigInt(d);
  else den *= 10n ** BigInt(-d);
  let q = num / den;
  const r2 = 2n * (num - q * den);
  if (r2 > den || (r2 === den && (q & 1n) === 1n)) q++;
  return q;
}
/** printf("%.*f", d, x) */
function fmtF(/** @type {number} */ x, /** @type {number} */ d) {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x < 0 ? '-inf' : 'inf';
  const { neg, num, den } = exact(x);
  let s = roundScaled(num, den, d).toString();
  if (d > 0) {
    s = s.padStart(d + 1, '0');
    s = `${s.slice(0, -d)}.${s.slice(-d)}`;
  }
  return (neg ? '-' : '') + s;
}
/** printf("%.*g", p, x) */
function fmtG(/** @type {number} */ x, /** @type {number} */ p) {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x < 0 ? '-inf' : 'inf';
  const { neg, num, den } = exact(x);
  const sign = neg ? '-' : '';
  if (num === 0n) return `${sign}0`;
  // e: 10^e <= |x| < 10^(e+1), exactly
  let e = Math.floor(Math.log10(Math.abs(x)));
  const atLeast = (/** @type {number} */ k) => (k >= 0 ? 10n ** BigInt(k) * den <= num : den <= num * 10n ** BigInt(-k));
  while (!atLeast(e)) e--;
  while (atLeast(e + 1)) e++;
  let q = roundScaled(num, den, p - 1 - e);
  if (q === 10n ** BigInt(p)) {
    q /= 10n;
    e++;
  }
  const digits = q.toString();
  let s;
  if (e < -4 || e >= p) {
    const rest = digits.slice(1).replace(/0+$/, '');
    s = `${digits[0]}${rest ? `.${rest}` : ''}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  } else {
    const f = p - 1 - e;
    let t = digits.padStart(f + 1, '0');
    if (f > 0) t = `${t.slice(0, -f)}.${t.slice(-f)}`.replace(/0+$/, '').replace(/\.$/, '');
    s = t;
  }
  return sign + s;
}
/** the native CLI's json_string: '"' and '\' escaped, bytes below 0x20 as \u00XX, the rest as is */
function jsonString(/** @type {string} */ s) {
  return `"${s.replace(/["\\\u0000-\u001f]/g, (c) => (c === '"' || c === '\\' ? `\\${c}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))}"`;
}

// ---------------------------------------------------------------- output

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

let progress = new Progress(false);
/** @param {string} s */
function out(s) {
  progress.clear();
  process.stdout.write(s);
}
/** @param {string} s */
function note(s) {
  progress.clear();
  process.stderr.write(`${NAME}: ${s}\n`);
}
const yieldToEvents = () => new Promise((resolve) => setImmediate(resolve));

// ---------------------------------------------------------------- the commands

/** @param {string} path @param {string} what for the message */
function readOrFail(path, what) {
  try {
    return readFileSync(path);
  } catch {
    throw new Failure(`cannot read ${what}${path}`);
  }
}

/** @param {Makemore} mm @param {Args} a */
function loadWords(mm, a) {
  let path = a.data;
  if (!a.dataGiven && !existsSync(path) && existsSync(PACKAGE_DATA)) path = fileURLToPath(PACKAGE_DATA);
  const bytes = readOrFail(path, 'the word list ');
  try {
    return mm.parseWords(bytes);
  } catch (e) {
    throw new Failure(`${path}: ${message(e)}`);
  }
}

/** @param {unknown} e */
const message = (e) => (e instanceof Error ? e.message : String(e));

/** The preset's configuration with the model options over it. @param {Makemore} mm @param {Args} a */
function modelConfig(mm, a) {
  let config;
  try {
    config = mm.presetConfig(a.preset);
  } catch (e) {
    throw new UsageError(message(e));
  }
  return { ...config, ...a.model };
}

/** @param {Args} a */
async function cmdInfo(a) {
  const mm = await loadMakemore({ threads: 1 });
  const config = modelConfig(mm, a);
  const words = loadWords(mm, a);
  let t;
  try {
    // a trainer of no steps: the core's configuration check, parameter count and split (seed 42, as natively)
    t = mm.createTrainer({ words, config, steps: 0, reproducible: true });
  } catch (e) {
    throw new Failure(message(e));
  }
  const [n0, n1, n2] = t.splitSizes;
  if (a.json)
    out(`{"preset":"${a.preset}","params":${t.numParams},"split":[${n0},${n1},${n2}],"words":${words.nWords},"vocab_size":${words.vocabSize},"max_len":${words.maxLen},"block_size":${t.config.blockSize}}\n`);
  else
    out(`${a.preset}: ${t.numParams} parameters; ${words.nWords} words, ${words.vocabSize} symbols, longest ${words.maxLen}; split ${n0} / ${n1} / ${n2} examples\n`);
  t.free();
  words.free();
  return 0;
}

/** @param {Args} a @param {number} count */
function sampleOptions(a, count) {
  return { count, temperature: a.temperature, topK: a.topK, topP: a.topP, prefix: a.prefix, seed: a.seed ^ SAMPLE_SEED_XOR };
}

/** @param {Args} a */
async function cmdSample(a) {
  if (!a.modelFile) throw new UsageError('sample needs --model FILE');
  const bytes = readOrFail(a.modelFile, '');
  const mm = await loadMakemore({ threads: 1 });
  let m;
  try {
    // the reference kernels, as the native CLI samples: the same names from a seed
    m = mm.loadModel(bytes, { reproducible: true });
  } catch (e) {
    throw new Failure(`${a.modelFile}: ${message(e)}`);
  }
  let names;
  try {
    names = m.sample(sampleOptions(a, a.count));
  } catch (e) {
    throw new Failure(message(e));
  }
  if (a.json) out(`[${names.map(jsonString).join(',')}]\n`);
  else out(names.map((n) => `${n}.\n`).join(''));
  m.free();
  return 0;
}

/** The module for training: relaxed SIMD on a.threads threads, else SIMD on one (said on stderr). @param {Args} a */
async function loadForTraining(a) {
  if (!relaxedSimdSupported()) {
    const engine = simdSupported() ? 'simd' : 'scalar';
    note(
      `this Node runs no relaxed SIMD${process.execArgv.includes(RELAXED_FLAG) ? ` even with ${RELAXED_FLAG}` : ''}: ` +
        `training on the ${engine} module, on one thread (slower; its numbers are the reproducible engine's)`,
    );
    return loadMakemore({ engine, threads: 1 });
  }
  const mm = await loadMakemore({ engine: 'relaxed', threads: a.threads });
  for (const n of mm.notes) note(n);
  return mm;
}

/** @param {Args} a */
async function cmdTrain(a) {
  // Ctrl-C: stop between two chunks (a second one a second later: at once, nothing saved)
  let interrupted = 0;
  process.on('SIGINT', () => {
    if (interrupted && performance.now() - interrupted > 1000) {
      note('interrupted again: exiting without saving');
      process.exit(EXIT_INTERRUPTED);
    }
    if (!interrupted) interrupted = performance.now();
  });
  const mm = await loadForTraining(a);
  const config = a.resume ? null : modelConfig(mm, a);
  const words = loadWords(mm, a);
  /** @type {Trainer} */
  let t;
  try {
    if (a.resume) {
      const bytes = readOrFail(a.resume, '');
      t = mm.resumeTrainer({ checkpoint: bytes, words, reproducible: a.reproducible });
      if (a.stepsGiven) t.setSchedule({ steps: a.steps });
    } else {
      t = mm.createTrainer({
        words, config: config ?? undefined, seed: a.seedGiven ? a.seed : 42, batchSize: a.batchSize, steps: a.steps,
        lr: a.lr, lrDecayed: a.lrDecayed, decayStep: a.decayStep, reproducible: a.reproducible,
      });
    }
  } catch (e) {
    throw new Failure(message(e));
  }
  words.free();
  const threads = mm.threads;
  const [n0, n1, n2] = t.splitSizes;
  const first = t.step;
  const total = t.state.steps;
  if (a.profile) t.profile(true);
  if (!a.json) out(`${t.numParams} parameters; split ${n0} / ${n1} / ${n2} examples; engine ${t.kernels}, ${threads} thread${threads === 1 ? '' : 's'}\n`);
  if (!a.json && first) out(`resuming at step ${first}\n`);
  progress = new Progress(!!process.stderr.isTTY);
  const losses = a.losses ? new Float32Array(Math.max(total - first, 0)) : null;
  const t0 = performance.now();
  let chunk = 16; // grows to about CHUNK_SECONDS of work
  let failed = false;
  for (let at = first; at < total && !interrupted; ) {
    const n = Math.min(chunk, total - at);
    const c0 = performance.now();
    let l;
    /** @type {unknown} */
    let err = null;
    try {
      l = t.run(n);
    } catch (e) {
      err = e;
      l = /** @type {any} */ (e)?.losses ?? new Float32Array(0);
    }
    const secs = (performance.now() - c0) / 1000;
    if (losses) losses.set(l, at - first);
    for (let s = Math.ceil(at / 10000) * 10000; s < at + l.length; s += 10000) {
      // the lecture prints every 10000th step
      const loss = l[s - at];
      out(a.json ? `{"step":${s},"loss":${fmtF(loss, 6)}}\n` : `${String(s).padStart(7)}/${String(total).padStart(7)}: ${fmtF(loss, 4)}\n`);
    }
    at += l.length;
    if (err) {
      note(message(err));
      failed = true;
      break;
    }
    if (l.length === 0) break;
    chunk = Math.max(1, Math.min(MAX_CHUNK, Math.round((n * CHUNK_SECONDS) / Math.max(secs, 1e-4))));
    progress.train(at, total, first, t0);
    await yieldToEvents(); // a SIGINT handler runs here
  }
  const secs = (performance.now() - t0) / 1000;
  const doneSteps = t.step - first;
  const prof = a.profile ? t.profile(false) : null;
  if (failed) return EXIT_FAIL;
  // eval-mode losses, in parts so that Ctrl-C is seen; an empty split (a very short word list) or --no-eval has none
  /** @type {(number|null)[]} */
  const evals = [null, null, null];
  for (const k of /** @type {const} */ ([0, 1, 2])) {
    if (a.noEval || interrupted) break;
    const split = ['train', 'val', 'test'][k];
    const size = t.splitSizes[k];
    try {
      if (size === 0) t.evaluate(k); // the core's message
      let sum = 0;
      let part = 4096;
      for (let start = 0; start < size && !interrupted; ) {
        const count = Math.min(part, size - start);
        const c0 = performance.now();
        sum = t.evaluatePart(k, start, count, sum);
        start += count;
        const s = (performance.now() - c0) / 1000;
        part = Math.max(256, Math.round((count * CHUNK_SECONDS) / Math.max(s, 1e-4)));
        progress.draw(`evaluating the ${split} loss: ${Math.floor((100 * start) / size)}%`);
        await yieldToEvents();
      }
      evals[k] = Math.fround(sum / size); // as the core's mm_trainer_eval divides
    } catch (e) {
      if (k === 0) {
        note(message(e));
        return EXIT_FAIL;
      }
      note(`no ${split} loss: ${message(e)}`);
    }
  }
  if (interrupted) {
    const step = t.step;
    if (a.checkpoint) {
      writeOrFail(a.checkpoint, t.save());
      note(`interrupted at step ${step} of ${total}: checkpoint written to ${a.checkpoint} (continue with --resume ${a.checkpoint})`);
    } else {
      note(`interrupted at step ${step} of ${total}: nothing saved (--checkpoint FILE saves the run on Ctrl-C)`);
    }
    if (a.save) note(`--save ${a.save} not written: the run did not finish`);
    return EXIT_INTERRUPTED;
  }
  progress.clear();
  const ls = evals.map((l) => (l === null ? (a.json ? 'null' : 'n/a') : fmtF(l, a.json ? 6 : 4)));
  const sps = secs > 0 ? doneSteps / secs : 0;
  let names;
  try {
    names = t.sample(sampleOptions(a, a.samples));
  } catch (e) {
    if (!a.json) out(`train ${ls[0]}\nval ${ls[1]}\ntest ${ls[2]}\n${fmtF(sps, 1)} steps/s\n`);
    throw new Failure(message(e));
  }
  if (a.json) {
    let s =
      `{"params":${t.numParams},"split":[${n0},${n1},${n2}],"steps":${t.step},"train_loss":${ls[0]},"val_loss":${ls[1]},` +
      `"test_loss":${ls[2]},"steps_per_sec":${fmtF(sps, 1)},"engine":${jsonString(t.kernels)},"threads":${threads},` +
      `"samples":[${names.map(jsonString).join(',')}]`;
    if (prof) // microseconds per step
      s += `,"profile":[${prof.map((p) => `{"phase":"${p.phase}","op":"${p.op}","us":${fmtF(doneSteps ? (1e6 * p.seconds) / doneSteps : 0, 3)}}`).join(',')}]`;
    if (losses) s += `,"losses":[${Array.from(losses.subarray(0, doneSteps), (x) => fmtG(x, 9)).join(',')}]`;
    out(`${s}}\n`);
  } else {
    let s = `train ${ls[0]}\nval ${ls[1]}\ntest ${ls[2]}\n${fmtF(sps, 1)} steps/s\n`;
    if (prof && doneSteps) {
      const sum = prof.reduce((acc, p) => acc + p.seconds, 0);
      s += 'time per step by operation (us):\n';
      for (const p of prof)
        s += `  ${p.phase.padEnd(8)} ${p.op.padEnd(14)} ${fmtF((1e6 * p.seconds) / doneSteps, 1).padStart(8)}  ${fmtF(sum > 0 ? (100 * p.seconds) / sum : 0, 1).padStart(5)}%\n`;
    }
    out(s + names.map((n) => `${n}.\n`).join(''));
  }
  if (a.save) writeOrFail(a.save, t.saveModel());
  if (a.checkpoint) writeOrFail(a.checkpoint, t.save());
  t.free();
  await mm.close();
  return 0;
}

/** @param {string} path @param {Uint8Array} bytes */
function writeOrFail(path, bytes) {
  try {
    writeFileSync(path, bytes);
  } catch {
    throw new Failure(`cannot write ${path}`);
  }
}

// ---------------------------------------------------------------- relaxed SIMD for Node 20

/**
 * Runs this script again with --experimental-wasm-relaxed-simd and gives its exit code.
 * SIGINT and SIGTERM are passed on to the child (a terminal's Ctrl-C reaches both:
 * the child takes a second SIGINT within a second as the same one), never acted on here.
 * @param {string[]} args
 * @returns {Promise<number|null>} null: the child could not start
 */
function rerunWithRelaxedSimd(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RELAXED_FLAG, fileURLToPath(import.meta.url), ...args], {
      stdio: 'inherit',
      env: { ...process.env, [CHILD_ENV]: '1' },
    });
    const pass = (/** @type {NodeJS.Signals} */ sig) => () => {
      try {
        child.kill(sig);
      } catch {
        /* gone already */
      }
    };
    const handlers = /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP']).map((s) => /** @type {const} */ ([s, pass(s)]));
    for (const [s, f] of handlers) process.on(s, f);
    child.on('error', () => resolve(null));
    child.on('exit', (code, signal) => {
      for (const [s, f] of handlers) process.off(s, f);
      resolve(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0));
    });
  });
}

// ---------------------------------------------------------------- main

/** @param {string[]} argv @returns {Promise<number>} the exit code */
async function main(argv) {
  const cores = await availableCores();
  const [cmd, ...rest] = argv;
  if (cmd === undefined) {
    process.stderr.write(usage(null, cores));
    return EXIT_USAGE;
  }
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    const sub = rest[0];
    out(usage(sub === 'train' || sub === 'info' || sub === 'sample' ? sub : null, cores));
    return 0;
  }
  if (cmd !== 'train' && cmd !== 'info' && cmd !== 'sample') {
    process.stderr.write(`${NAME}: unknown command '${cmd}'\n${usage(null, cores)}`);
    return EXIT_USAGE;
  }
  let a;
  try {
    a = parseArgs(rest, cores);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    note(`${e.message} (${NAME} ${cmd} --help lists the options)`);
    return EXIT_USAGE;
  }
  if (a.help) {
    out(usage(cmd, cores));
    return 0;
  }
  if (cmd === 'train' && !relaxedSimdSupported() && !process.execArgv.includes(RELAXED_FLAG) && !process.env[CHILD_ENV]) {
    const code = await rerunWithRelaxedSimd(argv);
    if (code !== null) return code;
    note(`could not run node ${RELAXED_FLAG}`); // then loadForTraining falls back and says so
  }
  try {
    return await (cmd === 'train' ? cmdTrain(a) : cmd === 'info' ? cmdInfo(a) : cmdSample(a));
  } catch (e) {
    if (e instanceof UsageError) {
      note(e.message);
      return EXIT_USAGE;
    }
    if (e instanceof Failure) {
      note(e.message);
      return EXIT_FAIL;
    }
    throw e;
  }
}

process.stdout.on('error', (e) => {
  if (/** @type {any} */ (e).code === 'EPIPE') process.exit(0); // | head
  throw e;
});
main(process.argv.slice(2)).then(
  (code) => {
    progress.clear();
    process.exit(code);
  },
  (e) => {
    progress.clear();
    process.stderr.write(`${NAME}: ${e instanceof Error ? e.stack : e}\n`);
    process.exit(EXIT_FAIL);
  },
);
