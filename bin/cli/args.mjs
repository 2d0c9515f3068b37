// The command line of bin/makemore-wasm.mjs: usage texts, options and their defaults (those of the
// native CLI, src/cli.c), exit codes, and the two errors a command throws to end with a message.
import { fmtG, parseF32 } from './printf.mjs';
import { applies, chosenFor } from '../../wasm/api/settings.mjs';

export const NAME = 'makemore-wasm';
export const DEFAULT_DATA = 'data/names.txt'; // relative to the current directory, as natively
export const MAX_THREADS = 64; // MM_MAX_THREADS
const MAX_VOCAB = 1024; // MM_MAX_VOCAB
export const EXIT_FAIL = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** A bad command line: reported as "makemore-wasm: message" with exit code 2. */
export class UsageError extends Error {}
/** An error to report as "makemore-wasm: message" with exit code 1. */
export class Failure extends Error {}

// ---------------------------------------------------------------- usage

/** @param {Schema} schema @returns {string} the presets line of the usage, from the core's list (src/cli.c, presets_line) */
const presetsLine = (schema) => `presets: ${schema.presets.map((p) => p.name).join(' ')} (default mlp3)\n`;
const FORM_OPT = 'model file option (info, sample): --form FAMILY  load the file as that family (a wavenet76k file as conv)\n';
const SAMPLE_OPTS =
  "sampling options: --temperature T (1; 0 = greedy) --top-k K (0 or -1 = all tokens) --top-p P (1 = all)\n" +
  "                  --prefix P ('') --seed S (0)\n";
/** makemore.py's options, named as it names them (src/cli/cli.c writes the same lines) */
const PY_OPTS =
  "makemore.py's options (its names of ours): -i, --input-file FILE (the word list)  --max-steps N (the steps)\n" +
  "  -b, --batch-size N (the batch size)  -l, --learning-rate X (the learning rate)  -w X (AdamW's weight decay)\n" +
  "  --type bigram|mlp|bow|rnn|gru|PRESET (makemore.py's Bigram, MLP, BoW, RNN, GRU: the presets of those names; lstm\n" +
  "  (the LSTM in its frame) or any preset's name; makemore.py's transformer is not here yet)\n" +
  "  -o, --work-dir DIR  the model (DIR/model.safetensors, a checkpoint) and the run's output (DIR/log.txt) go there\n" +
  "  --resume (no FILE: DIR's model, continued)  --sample-only (names from DIR's model, no training)\n";
const PY_INFO_OPTS =
  "makemore.py's options: -i, --input-file FILE (the word list)  --type bigram|mlp|PRESET (the model)\n" +
  "  -o, --work-dir DIR (its model.safetensors, as --model)\n";
const PY_SAMPLE_OPTS =
  "makemore.py's options: -o, --work-dir DIR (its model.safetensors, as --model)  -i, --input-file FILE (as --data)\n";
/** the groups of settings with options, and their titles (src/cli.c's GROUP_TITLES) */
const GROUP_TITLES = /** @type {const} */ ({
  model: "model options (over the preset's; these defaults are mlp3's):",
  data: "data options (how the word list is split; over the preset's):",
  training: 'training options:',
});
/** @typedef {import('../../wasm/makemore.mjs').Schema} Schema @typedef {import('../../wasm/makemore.mjs').SchemaField} SchemaField */

/** @param {SchemaField} f what its value looks like in a usage line */
const placeholder = (f) => (f.type === 'enum' ? /** @type {string[]} */ (f.values).join('|') : f.type === 'float' ? 'X' : f.type === 'u64' ? 'S' : 'N');

/**
 * The options of a group's settings, one a line, from the core's schema: the native CLI's lines (src/cli.c, field_lines).
 * @param {Schema} schema @param {keyof typeof GROUP_TITLES} group
 */
export function fieldLines(schema, group) {
  let s = `${GROUP_TITLES[group]}\n`;
  for (const f of schema.fields) {
    if (f.group !== group || !f.flag) continue;
    const range = f.type === 'int' ? `; ${f.min}..${f.max}` : f.type === 'float' ? `; ${fmtG(/** @type {number} */ (f.min), 6)}..${fmtG(/** @type {number} */ (f.max), 6)}` : '';
    s += `  ${`${f.flag} ${placeholder(f)}`.padEnd(30)} ${f.doc} (${f.defaultText}${range})\n`;
  }
  return s;
}

const TRAIN_HEAD =
  `${NAME} train  [--preset NAME] [model, data and training options] [--json] [--losses] [--no-eval] [--save FILE]\n` +
  `${NAME} train  ... --checkpoint FILE   also write a checkpoint (model + training state; also on Ctrl-C)\n` +
  `${NAME} train  --resume FILE [--steps N] [--data FILE] ...   continue a checkpoint exactly\n` +
  "  trains on the word list, prints the loss 10 to 25 times a run (every 10000 steps at most: more in a longer run), the split's\n" +
  '  losses and --samples names, each marked as in the training split, in another split, or new\n' +
  "  --steps without a decay step: the decay at the same fraction of the run as the preset's (4000: at 3000);\n" +
  '  with --resume, a new total moves a decay not reached yet so (give the decay step to keep it)\n';
const INFO_HEAD =
  `${NAME} info   [--preset NAME] [model and data options] [--data FILE] [--json]\n` +
  "  the model's parameter count and the word list's split, without training\n" +
  `${NAME} info   --model FILE [--form NAME] [--json]\n` +
  "  a model file's parameter count and configuration\n";
const SAMPLE_HEAD =
  `${NAME} sample --model FILE [--form NAME] [--count N (20)] [sampling options] [--data FILE] [--json]\n` +
  "  names from a model file or checkpoint, marked as in the training split, another split, or new: the split\n" +
  "  the file's data settings make of the word list (--data; none if the default one is missing; --json: not marked)\n";

/** @param {string|null} cmd a subcommand, or null for all @param {number} cores @param {Schema} schema the core's (mm.schema) */
export function usage(cmd, cores, schema) {
  const settings = fieldLines(schema, 'model') + fieldLines(schema, 'data') + fieldLines(schema, 'training');
  const presets = presetsLine(schema);
  if (cmd === 'info') return INFO_HEAD + presets + fieldLines(schema, 'model') + fieldLines(schema, 'data') + FORM_OPT + PY_INFO_OPTS;
  if (cmd === 'sample') return SAMPLE_HEAD + SAMPLE_OPTS + FORM_OPT + PY_SAMPLE_OPTS;
  if (cmd === 'train')
    return (
      TRAIN_HEAD + presets + settings +
      `run options: --data FILE (${DEFAULT_DATA}; if missing, the package's) --samples N (20)\n` +
      `engine options: --threads N (1..${MAX_THREADS}; default: the faster of 1 and the cores available, here ${cores}, measured on a run's first steps)\n` +
      '                --reproducible (the reference kernels, no fused multiply-add: bitwise the numbers\n' +
      '                of every build, the native CLI\'s included; default: the fast engine, relaxed SIMD)\n' +
      '                --profile (time per operation of the step, printed at the end)\n' +
      'diagnostics: --stats-every N (0 = off) per-layer statistics every N steps (makemore part 3): with --json\n' +
      '             a {"stats":{...}} line each (see README), else the Tanh layers\' mean, std, saturation\n' +
      SAMPLE_OPTS +
      PY_OPTS
    );
  return (
    `usage: ${NAME} train|info|sample [options]   (${NAME} COMMAND --help: its options)\n` +
    `  or, as makemore.py: ${NAME} -i FILE -o DIR [--max-steps N] [--type TYPE] [--resume] [--sample-only] [options]\n` +
    '  (no subcommand: train, or with --sample-only sample; the work dir DIR is out/ unless -o says)\n' +
    TRAIN_HEAD + INFO_HEAD + SAMPLE_HEAD + presets + settings + SAMPLE_OPTS + FORM_OPT + PY_OPTS
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
const FLAGS = {
  '--json': 'json', '--losses': 'losses', '--no-eval': 'noEval', '--reproducible': 'reproducible', '--profile': 'profile', '--sample-only': 'sampleOnly',
};
/** the options with a value that are not settings (the settings' are the schema's flags) */
const VALUE_OPTS = new Set([
  '--preset', '--data', '--save', '--resume', '--checkpoint', '--model', '--prefix', '--samples', '--count', '--top-k', '--top-p',
  '--threads', '--temperature', '--stats-every', '--type', '--work-dir',
]);
/** the files a work dir (-o DIR, makemore.py's) holds: the model (a checkpoint: --resume continues it) and the run's log */
export const MODEL_FILE = 'model.safetensors';
export const LOG_FILE = 'log.txt';
/** @param {string} dir @param {string} name @returns {string} dir/name, as the native CLI joins them */
export const inWorkDir = (dir, name) => (dir.endsWith('/') ? dir + name : `${dir}/${name}`);
/** makemore.py's names of our options (a message names the option as given); src/cli/cli.c's ALIASES */
const ALIASES = /** @type {Record<string, string>} */ ({
  '-i': '--data', '--input-file': '--data', '-o': '--work-dir', '--max-steps': '--steps', '--batch-size': '--batch', '-b': '--batch',
  '--learning-rate': '--lr', '-l': '--lr', '-w': '--weight-decay',
});
/** makemore.py's --type names: the preset that is the same model, or the class not here yet */
const PY_TYPES = /** @type {Record<string, {preset?: string, cls?: string}>} */ ({
  bigram: { preset: 'bigram' }, mlp: { preset: 'mlp' }, transformer: { cls: 'Transformer' }, rnn: { preset: 'rnn' }, gru: { preset: 'gru' }, bow: { preset: 'bow' },
});

/**
 * --type: makemore.py's model type as our preset (a preset's own name too); a type not here is refused, naming what is.
 * @param {string} v @param {Schema} schema @returns {string} the preset
 */
export function typePreset(v, schema) {
  const names = schema.presets.map((p) => p.name);
  const py = Object.hasOwn(PY_TYPES, v) ? PY_TYPES[v] : null;
  if (py?.preset) return py.preset;
  if (names.includes(v)) return v;
  throw new UsageError(
    `--type ${v}: ${py?.cls ? `makemore.py's ${py.cls} is not here yet` : 'not a type'}; the types here: makemore.py's bigram, mlp, ` +
      `bow, rnn, gru, or a preset: ${names.join(' ')}`,
  );
}

/** The defaults of every option that is not a setting (the native CLI's). @param {number} cores */
function defaults(cores) {
  return {
    help: false, json: false, losses: false, noEval: false, reproducible: false, profile: false,
    preset: 'mlp3', presetGiven: false, presetFlag: '--preset',
    /** @type {Record<string, any>} the model settings given (they override the preset's), by JS name */
    model: {},
    /** @type {Record<string, any>} the data and training settings given, by JS name (createTrainer's options) */
    options: {},
    data: DEFAULT_DATA, dataGiven: false,
    save: /** @type {string|null} */ (null), resume: /** @type {string|null} */ (null),
    checkpoint: /** @type {string|null} */ (null), modelFile: /** @type {string|null} */ (null),
    /** -o DIR (makemore.py's work dir): the model and the log of the run go there; --resume and --sample-only read its model */
    workDir: /** @type {string|null} */ (null),
    sampleOnly: false, // --sample-only: names from the model, no training (makemore.py's)
    resumeHere: false, // --resume without a FILE: the work dir's model
    prefix: '', samples: 20, count: 20, temperature: 1, topK: 0, topP: 1, threads: cores,
    threadsGiven: false, // --threads N: exactly N; else the faster of 1 and the cores, measured (wasm/api/probe.mjs)
    statsEvery: 0, // --stats-every N: the training diagnostics every N steps (0: off)
    /** @type {number|bigint} the sampling seed: --seed, else 0 (as natively) */
    seed: 0n,
  };
}

/** @typedef {ReturnType<typeof defaults>} Args */

/**
 * The native CLI's options (every subcommand takes them all, as natively) and its defaults; the
 * settings' options are the core's schema's flags, read and checked by the core as natively.
 * @param {string[]} argv the arguments after the subcommand @param {number} cores
 * @param {import('../../wasm/makemore.mjs').Makemore} mm a loaded module (its schema and its reading of settings)
 * @param {boolean} [py] makemore.py's command line (no subcommand): the work dir is out/ unless -o says
 * @returns {Args}
 */
export function parseArgs(argv, cores, mm, py = false) {
  const a = defaults(cores);
  if (py) a.workDir = 'out';
  /** --resume with no FILE after it (the end, or another option): the work dir's model */
  const bare = (/** @type {number} */ i) => argv[i] === '--resume' && (i + 1 >= argv.length || argv[i + 1].startsWith('-'));
  const flags = new Map(mm.schema.fields.filter((f) => f.flag && f.group !== 'state').map((f) => [/** @type {string} */ (f.flag), f]));
  const canonical = (/** @type {string} */ o) => (Object.hasOwn(ALIASES, o) ? ALIASES[o] : o);
  // --help anywhere an option may stand answers it, whatever else the line holds
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--help' || argv[i] === '-h') return { ...a, help: true };
    if ((VALUE_OPTS.has(canonical(argv[i])) || flags.has(canonical(argv[i]))) && !bare(i)) i++;
  }
  for (let i = 0; i < argv.length; i++) {
    const given = argv[i];
    const o = canonical(given);
    if (Object.hasOwn(FLAGS, o) || bare(i)) {
      /** @type {any} */ (a)[bare(i) ? 'resumeHere' : FLAGS[/** @type {keyof typeof FLAGS} */ (o)]] = true;
      continue;
    }
    if (!VALUE_OPTS.has(o) && !flags.has(o)) {
      throw new UsageError(o.startsWith('-') ? `unknown option ${o}` : `unexpected argument '${o}' (options start with --)`);
    }
    if (i + 1 >= argv.length) throw new UsageError(`option ${given} needs a value`);
    const f = flags.get(o);
    if (f) setSetting(a, f, argv[++i], mm, given);
    else if (o === '--type') Object.assign(a, { preset: typePreset(argv[++i], mm.schema), presetGiven: true, presetFlag: '--type' });
    else setValue(a, o, argv[++i]);
  }
  useWorkDir(a);
  if (a.resume) checkResume(a, mm);
  else checkOwners(a, mm);
  return a;
}

/**
 * -o DIR: --resume without a FILE continues DIR's model; sample, --sample-only and info read it (unless --model says).
 * @param {Args} a
 */
function useWorkDir(a) {
  if (a.resumeHere) {
    if (!a.workDir) throw new UsageError("--resume without a FILE continues the work dir's model: give -o DIR (or --resume FILE)");
    a.resume = inWorkDir(a.workDir, MODEL_FILE);
  }
  if (a.workDir && !a.modelFile) a.modelFile = inWorkDir(a.workDir, MODEL_FILE);
}

/**
 * A resumed checkpoint continues with its own settings: any given but --steps and --decay-step is refused, as natively.
 * @param {Args} a @param {import('../../wasm/makemore.mjs').Makemore} mm
 */
function checkResume(a, mm) {
  const flags = [
    ...(a.presetGiven ? [a.presetFlag] : []),
    ...mm.schema.fields
      .filter((f) => f.name !== 'steps' && f.name !== 'decay_step' && (f.group === 'model' ? a.model : a.options)[f.js] !== undefined)
      .map((f) => f.flag),
  ];
  if (flags.length)
    throw new UsageError(`${flags[0]} with --resume: a checkpoint continues with its own settings (only --steps and --decay-step may be given)`);
}

/**
 * A family's or an optimizer's own setting given while another is chosen (by --form or --optimizer, else the
 * preset's) is refused as the native CLI refuses it, naming whose it is.
 * @param {Args} a @param {import('../../wasm/makemore.mjs').Makemore} mm
 */
function checkOwners(a, mm) {
  const preset = mm.schema.presets.find((p) => p.name === a.preset);
  for (const f of mm.schema.fields) {
    const given = f.group === 'model' ? a.model : a.options;
    if (!f.owner || given[f.js] === undefined) continue;
    const values = { ...(f.group === 'model' ? preset?.config : preset?.training), ...given }; // the preset's choice, or the given one
    if (applies(mm.schema.fields, f, values)) continue;
    const what = f.group === 'model' ? 'family' : 'optimizer';
    const sel = /** @type {SchemaField} */ (mm.schema.fields.find((q) => q.group === f.group && q.selector));
    throw new UsageError(`${f.flag}: ${f.label} is a setting of the ${f.owner} ${what}, not of the ${chosenFor(mm.schema.fields, f, values)} ${what} (set ${sel.name} first)`);
  }
}

/**
 * A setting's option: its text as the core reads it, within the schema's limits.
 * @param {Args} a @param {SchemaField} f @param {string} v @param {import('../../wasm/makemore.mjs').Makemore} mm
 * @param {string} given the option as given (makemore.py's name of it, or ours), for the message
 */
function setSetting(a, f, v, mm, given) {
  let value;
  try {
    value = mm.parseSetting(f.name, v);
  } catch {
    throw new UsageError(`${given} takes ${f.expects}, not '${v}'`);
  }
  (f.group === 'model' ? a.model : a.options)[f.js] = value;
  if (f.name === 'seed') a.seed = /** @type {number|bigint} */ (value); // --seed: the sampling seed too
}

/** Sets option o (one of VALUE_OPTS) to v, checked. @param {Args} a @param {string} o @param {string} v */
function setValue(a, o, v) {
  switch (o) {
    case '--preset': a.preset = v; a.presetGiven = true; break;
    case '--data': a.data = v; a.dataGiven = true; break;
    case '--save': a.save = v; break;
    case '--resume': a.resume = v; break;
    case '--checkpoint': a.checkpoint = v; break;
    case '--work-dir': a.workDir = v; break;
    case '--model': a.modelFile = v; break;
    case '--prefix': a.prefix = v; break;
    case '--samples': a.samples = wholeNumber(o, v, 0, 100000); break;
    case '--count': a.count = wholeNumber(o, v, 0, 100000); break;
    case '--threads': a.threads = wholeNumber(o, v, 1, MAX_THREADS); a.threadsGiven = true; break;
    case '--stats-every': a.statsEvery = wholeNumber(o, v, 0, 2147483647, 'a whole number of steps from 0 (off) to 2147483647'); break;
    case '--top-k': a.topK = v === '-1' ? 0 : wholeNumber(o, v, 0, MAX_VOCAB, `a whole number from 0 (all tokens; -1 too) to ${MAX_VOCAB}`); break;
    default: setFloat(a, o, v);
  }
}

/** --temperature --top-p: a float, as strtof reads it. @param {Args} a @param {string} o @param {string} v */
function setFloat(a, o, v) {
  const f = parseF32(v);
  if (Number.isNaN(f)) throw new UsageError(`${o} takes a number, not '${v}'`);
  if (o === '--top-p') {
    if (!(f > 0 && f <= 1)) throw new UsageError(`--top-p takes a number above 0 and at most 1, not '${v}'`);
    a.topP = f;
  } else {
    if (!(f >= 0 && f <= 1e6)) throw new UsageError(`--temperature takes a number from 0 to 1e6, not '${v}'`);
    a.temperature = f;
  }
}
