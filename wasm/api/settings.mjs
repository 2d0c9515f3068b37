// api/settings.mjs: the core's settings schema (src/config.c; mm.schema) in this API's
// forms, and the conversion of settings between this API's objects (by JS name, typed
// values) and the core's JSON (by the model file's names, the values as text). The
// Makemore class (api/makemore-class.mjs) holds the fields and calls these.
/** @import { DataSettings, ModelConfig, Schema, SchemaField, TrainingSettings } from '../makemore.mjs' */
import { splitSeed } from './base.mjs';

/** @param {number} x a float32 value @returns {number} the shortest decimal that rounds to it (0.1, not 0.100000001) */
function shortestF32(x) {
  for (let p = 1; p < 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  return x;
}

/** @param {SchemaField} f @param {string} text a value as the core writes it @returns {any} the value in this API's form */
export function fromText(f, text) {
  switch (f.type) {
    case 'int': return Number(text);
    case 'enum': return /** @type {string[]} */ (f.values).indexOf(text);
    case 'float': return shortestF32(Math.fround(Number(text)));
    case 'u64': {
      const v = BigInt(text);
      return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    case 'int3': return JSON.parse(text);
    default: return text;
  }
}

/**
 * A value in this API's form as the core reads it (the core checks the limits).
 * @param {SchemaField} f @param {unknown} v @param {string} where for the message, e.g. 'config'
 */
export function toText(f, v, where) {
  const bad = (/** @type {string} */ want) => new TypeError(`${where}${f.js} must be ${want}, got ${v}`);
  switch (f.type) {
    case 'int':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw bad('a whole number');
      return String(v);
    case 'enum': {
      const names = /** @type {string[]} */ (f.values);
      if (typeof v === 'string' && names.includes(v)) return v;
      if (typeof v === 'number' && Number.isInteger(v)) return names[v] ?? String(v); // the core refuses a bad index
      throw bad(`${names.map((n) => `'${n}'`).join(' or ')} or its index`);
    }
    case 'float': {
      const x = Math.fround(Number(v));
      return Object.is(x, -0) ? '-0' : String(x); // the float32 exactly: strtof reads it back bit for bit
    }
    case 'u64': {
      const [lo, hi] = splitSeed(/** @type {number|bigint} */ (v)); // RangeError outside 0..2^64-1
      return String(BigInt(lo) | (BigInt(hi) << 32n));
    }
    case 'int3':
      if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => Number.isSafeInteger(x))) throw bad('three whole numbers');
      return `[${v.join(',')}]`;
    default:
      if (typeof v !== 'string') throw bad('a string');
      return v;
  }
}

/**
 * The core's schema (mmw_schema_json's JSON, parsed), its values in this API's forms.
 * @param {any} raw @returns {Schema}
 */
export function readSchema(raw) {
  /** @type {SchemaField[]} */
  const fields = raw.fields.map((/** @type {any} */ f) => ({ ...f, defaultText: f.default, default: f.default === null ? null : fromText(f, f.default) }));
  /** @param {Record<string, string>} o */
  const typed = (o) => settingsOut(fields, o);
  const presets = raw.presets.map((/** @type {any} */ p) => ({
    name: p.name,
    doc: p.doc,
    config: /** @type {ModelConfig} */ ({ vocabSize: 0, ...typed(p.model) }),
    data: /** @type {DataSettings} */ (typed(p.data)),
    training: /** @type {TrainingSettings} */ (typed(p.training)),
  }));
  const families = raw.families.map((/** @type {any} */ f) => ({ ...f, uses: f.uses.map((/** @type {string} */ n) => fields.find((q) => q.name === n)?.js ?? n) }));
  return { format: raw.format, fields, families, optimizers: raw.optimizers, presets };
}

/**
 * The family's or optimizer's name that a set of values chooses for field f's group (its selector's value, or
 * the selector's default), or null for a field of everyone's.
 * @param {SchemaField[]} fields @param {SchemaField} f @param {Record<string, unknown>} values
 */
export function chosenFor(fields, f, values) {
  if (!f.owner) return null;
  const sel = /** @type {SchemaField} */ (fields.find((q) => q.group === f.group && q.selector));
  const v = values[sel.js] ?? sel.default;
  return typeof v === 'number' ? /** @type {string[]} */ (sel.values)[v] : /** @type {string} */ (v);
}

/**
 * Whether field f is one of the settings the values choose: everyone's, or the own setting of the family or
 * optimizer they choose (their form, optimizer, or its default).
 * @param {SchemaField[]} fields @param {SchemaField} f @param {Record<string, unknown>} values
 */
export function applies(fields, f, values) {
  return !f.owner || chosenFor(fields, f, values) === f.owner;
}

/**
 * Whether value v of field f is its default, as the core reads both (a float as float32: 0.9 and
 * 0.8999999761581421 are one value). A value the field cannot take is not.
 * @param {SchemaField} f @param {unknown} v
 */
export function atDefault(f, v) {
  if (f.default === null) return false;
  try {
    return toText(f, v, '') === toText(f, f.default, '');
  } catch {
    return false;
  }
}

/**
 * Whether a model family reads model field f: the word list's and the selector, the common settings it
 * uses, and its own (the core's mm_field_applies for the model group).
 * @param {{name: string, uses: string[]}} fam a family of the schema @param {SchemaField} f
 */
export const familyReads = (fam, f) => f.fromData || f.selector || (f.owner ? f.owner === fam.name : fam.uses.includes(f.js));

/**
 * The defaults of a group's fields that apply to the default choices (the lecture's family, SGD), by JS name.
 * @param {SchemaField[]} fields @param {string} group @returns {Record<string, any>}
 */
export function defaults(fields, group) {
  return Object.fromEntries(fields.filter((f) => f.group === group && !f.fromData && applies(fields, f, {})).map((f) => [f.js, f.default]));
}

/**
 * over's settings over base's, as the core sets them: where over chooses another family or optimizer than
 * base (its form or optimizer), base's own settings of the one it had are dropped first (the core resets them).
 * @param {SchemaField[]} fields @param {Record<string, unknown>} base @param {Record<string, unknown>} over
 * @returns {Record<string, unknown>}
 */
export function overlay(fields, base, over) {
  const out = { ...base };
  for (const sel of fields.filter((f) => f.selector && over[f.js] !== undefined)) {
    const name = (/** @type {unknown} */ v) => (typeof v === 'number' ? /** @type {string[]} */ (sel.values)[v] : v);
    if (name(over[sel.js]) === name(base[sel.js] ?? sel.default)) continue;
    for (const f of fields) if (f.owner && f.group === sel.group && f.js in out) delete out[f.js];
  }
  return Object.assign(out, over);
}

/**
 * Settings in the core's text forms, by the core's names: the fields of groups that values names
 * (by JS name); another key is refused, with where it belongs if it is a setting of another group.
 * @param {SchemaField[]} fields the schema's
 * @param {Record<string, unknown>} values @param {string[]} groups @param {string} where the options' name, for messages
 * @returns {Record<string, string>} JSON.stringify it for the core
 */
export function settingsIn(fields, values, groups, where) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    const f = fields.find((q) => q.js === k);
    if (!f || !groups.includes(f.group)) {
      const home = f ? ` (a ${f.group} setting${f.group === 'data' || f.group === 'training' ? `: give it as an option of its own, ${k}` : ''})` : '';
      throw new TypeError(`${where}${k} is not a ${groups.join(' or ')} setting${home}; they are ${fields.filter((q) => groups.includes(q.group)).map((q) => q.js).join(', ')}`);
    }
    const text = toText(f, v, where);
    // another family's (or optimizer's) own setting: left out at its default, else refused by the core with its owner named
    if (!applies(fields, f, values) && atDefault(f, v)) continue;
    out[f.name] = text;
  }
  return out;
}

/**
 * @param {SchemaField[]} fields the schema's @param {Record<string, string>} o the core's JSON object of settings
 * @returns {Record<string, any>} by JS name, typed
 */
export function settingsOut(fields, o) {
  /** @type {Record<string, any>} */
  const out = {};
  for (const f of fields) if (Object.hasOwn(o, f.name)) out[f.js] = fromText(f, o[f.name]);
  return out;
}

/**
 * The decay step of a run of newSteps steps at the same fraction of it as decayStep is of steps (the lecture's
 * schedule: 150000 of 200000, so 4000 steps decay at 3000), rounded; at most max (the schema's limit). The rule of
 * createTrainer's steps given without decayStep and of resumeTrainer's new steps; the CLIs' (src/cli/cli.c's
 * decay_at_same_fraction) and the lab's (web/lab/spec.js) are the same.
 * @param {number} decayStep @param {number} steps @param {number} newSteps @param {number} max
 */
export const decayAtSameFraction = (decayStep, steps, newSteps, max) => Math.min(max, Math.round((decayStep * newSteps) / Math.max(1, steps)));

/** @param {Record<string, any>} o @returns {DataSettings} */
export const dataOf = (o) => ({ splitSeed: o.splitSeed, splitShuffles: o.splitShuffles });
