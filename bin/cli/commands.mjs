// The Node CLI's info and sample commands, and what train shares with them: reading the word list
// and files, the model's configuration, the sampling options.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadMakemore } from '../../wasm/makemore.mjs';
import { Failure, UsageError } from './args.mjs';
import { message, namesText, note, out, whereJson } from './output.mjs';
import { fmtF, jsonString } from './printf.mjs';
/** @typedef {import('../../wasm/makemore.mjs').Makemore} Makemore @typedef {import('./args.mjs').Args} Args */

const PACKAGE_DATA = new URL('../../data/names.txt', import.meta.url);

/** @param {string} path @param {string} what for the message */
export function readOrFail(path, what) {
  try {
    return readFileSync(path);
  } catch {
    throw new Failure(`cannot read ${what}${path}`);
  }
}

/** @param {string} path @param {Uint8Array} bytes */
export function writeOrFail(path, bytes) {
  try {
    writeFileSync(path, bytes);
  } catch {
    throw new Failure(`cannot write ${path}`);
  }
}

/** @param {number} n bytes @returns {string} as the native CLI writes a file's size: bytes, KiB or MiB with one decimal */
export const sizeText = (n) => (n < 1024 ? `${n} bytes` : n < 1 << 20 ? `${fmtF(n / 1024, 1)} KiB` : `${fmtF(n / (1 << 20), 1)} MiB`);

/**
 * Writes a file and says so: "model written to m.safetensors (47.6 KiB)", on stdout (with --json, on stderr).
 * @param {Args} a @param {string} what @param {string} path @param {Uint8Array} bytes
 */
export function writeAndSay(a, what, path, bytes) {
  writeOrFail(path, bytes);
  const line = `${what} written to ${path} (${sizeText(bytes.length)})`;
  if (a.json) note(line);
  else out(`${line}\n`);
}

/** The word list: --data, or data/names.txt here, else the package's. @param {Makemore} mm @param {Args} a */
export function loadWords(mm, a) {
  let path = a.data;
  if (!a.dataGiven && !existsSync(path) && existsSync(PACKAGE_DATA)) path = fileURLToPath(PACKAGE_DATA);
  const bytes = readOrFail(path, 'the word list ');
  try {
    return mm.parseWords(bytes);
  } catch (e) {
    throw new Failure(`${path}: ${message(e)}`);
  }
}

/**
 * createTrainer's preset and the settings given over it: the model options as its config, and
 * the data options (with training, the training options too). An unknown preset is a usage error.
 * @param {Makemore} mm @param {Args} a @param {boolean} training
 */
export function trainerSettings(mm, a, training) {
  try {
    mm.presetConfig(a.preset);
  } catch (e) {
    throw new UsageError(message(e));
  }
  const groups = training ? ['data', 'training'] : ['data'];
  const options = Object.fromEntries(
    Object.entries(a.options).filter(([k]) => groups.includes(mm.schema.fields.find((f) => f.js === k)?.group ?? '')),
  );
  return { preset: a.preset, config: a.model, ...options };
}

/** @param {Args} a @param {number} count @returns the sampling options: --seed S seeds as the native CLI does (the core's one rule, stream 0) */
export function sampleOptions(a, count) {
  return { count, temperature: a.temperature, topK: a.topK, topP: a.topP, prefix: a.prefix, seed: a.seed };
}

/**
 * The model file of --model, made in the form --form names if given (loadModel's form: a wavenet76k
 * file as conv), on the reference kernels as the native CLI samples. @param {Args} a @param {string} cmd
 */
async function loadModelFile(a, cmd) {
  if (!a.modelFile) throw new UsageError(`${cmd} needs --model FILE`);
  const bytes = readOrFail(a.modelFile, '');
  const mm = await loadMakemore({ threads: 1 });
  try {
    return { mm, model: mm.loadModel(bytes, { reproducible: true, form: a.model.form }) };
  } catch (e) {
    throw new Failure(`${a.modelFile}: ${message(e)}`);
  }
}

/** info --model FILE: its parameter count and configuration (every model field its family uses, as the file writes it). @param {Args} a */
async function infoModel(a) {
  const { mm, model: m } = await loadModelFile(a, 'info');
  const config = /** @type {Record<string, number>} */ (/** @type {unknown} */ (m.config));
  const fields = mm.schema.fields.filter((f) => f.group === 'model' && f.js in config); // its family's

  const text = fields.map((f) => [f.name, f.type === 'enum' ? /** @type {string[]} */ (f.values)[config[f.js]] : String(config[f.js])]);
  if (a.json) out(`{"model":${jsonString(a.modelFile ?? '')},"params":${m.numParams},"config":{${text.map(([k, v]) => `"${k}":"${v}"`).join(',')}}}\n`);
  else out(`${a.modelFile}: ${m.numParams} parameters; ${text.map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
  m.free();
  return 0;
}

/** @param {Args} a */
export async function cmdInfo(a) {
  if (a.modelFile) return infoModel(a);
  const mm = await loadMakemore({ threads: 1 });
  const settings = trainerSettings(mm, a, false);
  const words = loadWords(mm, a);
  let t;
  try {
    // a trainer of no steps: the core's configuration check, parameter count and split (the data options', as natively)
    t = mm.createTrainer({ words, ...settings, steps: 0, reproducible: true });
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

/**
 * Where each name is in the split a model's data settings make of the word list (--data, else the default one if it
 * can be read: else null, no marks).
 * @param {Makemore} mm @param {Args} a @param {import('../../wasm/makemore.mjs').Model} m @param {string[]} names
 */
function whereInList(mm, a, m, names) {
  let words;
  try {
    words = loadWords(mm, a);
  } catch (e) {
    if (a.dataGiven) throw e;
    return null;
  }
  if (JSON.stringify(words.vocab) !== JSON.stringify(m.vocab)) {
    note(`names not marked: ${a.data} has another vocabulary than the model (--data names the word list it was trained on)`);
    words.free();
    return null;
  }
  try {
    const split = words.split({ shuffles: m.data.splitShuffles, seed: m.data.splitSeed });
    try {
      return split.whereAre(names);
    } finally {
      split.free();
    }
  } catch (e) {
    throw new Failure(`${a.data}: ${message(e)}`);
  } finally {
    words.free();
  }
}

/** sample: names from a model file; as text, marked by where the word list's split holds them (JSON: a plain array). @param {Args} a */
export async function cmdSample(a) {
  const { mm, model: m } = await loadModelFile(a, 'sample'); // the reference kernels: the native CLI's names from a seed
  let names;
  try {
    names = m.sample(sampleOptions(a, a.count));
  } catch (e) {
    throw new Failure(message(e));
  }
  if (a.json && a.sampleOnly) { // --sample-only --json: the names and where each is (null: no word list); sample --json: the names alone
    const where = whereInList(mm, a, m, names);
    out(`{"model":${jsonString(a.modelFile ?? '')},"samples":[${names.map(jsonString).join(',')}],"where":${where ? whereJson(where) : 'null'}}\n`);
  } else if (a.json) out(`[${names.map(jsonString).join(',')}]\n`);
  else out(namesText(names, whereInList(mm, a, m, names)));
  m.free();
  return 0;
}
