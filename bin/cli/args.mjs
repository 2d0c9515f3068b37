// The command line of bin/makemore-wasm.mjs: usage texts, options and their defaults (those of the
// native CLI, src/cli.c), exit codes, and the two errors a command throws to end with a message.
import { parseF32 } from './printf.mjs';

export const NAME = 'makemore-wasm';
export const DEFAULT_DATA = 'data/names.txt'; // relative to the current directory, as natively
export const MAX_THREADS = 64; // MM_MAX_THREADS
const MAX_BATCH = 65536; // MM_MAX_BATCH
const MAX_VOCAB = 1024; // MM_MAX_VOCAB
export const EXIT_FAIL = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** A bad command line: reported as "makemore-wasm: message" with exit code 2. */
export class UsageError extends Error {}
/** An error to report as "makemore-wasm: message" with exit code 1. */
export class Failure extends Error {}

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
export function usage(cmd, cores) {
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

/** The defaults of every option (the native CLI's). @param {number} cores */
function defaults(cores) {
  return {
    help: false, json: false, losses: false, noEval: false, reproducible: false, profile: false,
    preset: 'mlp3', model: /** @type {Record<string, number>} */ ({}),
    data: DEFAULT_DATA, dataGiven: false,
    save: /** @type {string|null} */ (null), resume: /** @type {string|null} */ (null),
    checkpoint: /** @type {string|null} */ (null), modelFile: /** @type {string|null} */ (null),
    prefix: '', samples: 20, count: 20, temperature: 1, topK: 0, topP: 1, threads: cores,
    steps: 200000, stepsGiven: false, batchSize: 32, lr: parseF32('0.1'), lrDecayed: parseF32('0.01'), decayStep: 150000,
    seed: 0n, seedGiven: false,
  };
}

/** @typedef {ReturnType<typeof defaults>} Args */

/**
 * The native CLI's options (every subcommand takes them all, as natively) and its defaults.
 * @param {string[]} argv the arguments after the subcommand @param {number} cores @returns {Args}
 */
export function parseArgs(argv, cores) {
  const a = defaults(cores);
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
    setValue(a, o, argv[++i]);
  }
  return a;
}

/** Sets option o (one of VALUE_OPTS) to v, checked. @param {Args} a @param {string} o @param {string} v */
function setValue(a, o, v) {
  if (Object.hasOwn(MODEL_KEYS, o)) {
    const key = MODEL_KEYS[/** @type {keyof typeof MODEL_KEYS} */ (o)];
    if (o === '--bn') {
      if (v !== 'fixed' && v !== 'per-position') throw new UsageError(`--bn takes fixed or per-position, not '${v}'`);
      a.model[key] = v === 'fixed' ? 0 : 1;
    } else a.model[key] = wholeNumber(o, v, 0, 1000000);
    return;
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
    default: setFloat(a, o, v);
  }
}

/** --lr --lr2 --temperature --top-p: a float, as strtof reads it. @param {Args} a @param {string} o @param {string} v */
function setFloat(a, o, v) {
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
