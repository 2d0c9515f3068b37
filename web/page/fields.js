// page/fields.js: the settings form's fields, made from the core's schema (mm.schema, which
// the worker sends at init): one input for each model, data and training field, with the
// schema's label, documentation, limits and default, in the schema's order. Reading them
// checks only their syntax (a whole number, a number): the limits are the core's, and
// the worker answers with the core's message when a value is outside them.

import { applies, familyReads } from '../../wasm/api/settings.mjs';

/** @typedef {import('../../wasm/makemore.mjs').SchemaField} SchemaField */
/** @typedef {'model'|'data'|'training'} FormGroup */
/** @typedef {Record<string, number|bigint>} Values a group's values by JS name */

/** The schema's groups the form shows (state fields are a run's, vocabSize the word list's). */
const GROUPS = ['model', 'data', 'training'];

/** @type {SchemaField[]} the fields in the form, in the schema's order */
let fields = [];
/** @type {import('../../wasm/makemore.mjs').Schema|null} the schema they come from (its families and optimizers) */
let schema = null;

/**
 * Whether field f is one of the settings of the chosen family (model) and optimizer (training): everyone's
 * data and training fields; a model field the family reads or owns; an optimizer's own field while it is chosen.
 * @param {SchemaField} f @param {{form: number, optimizer: number}} chosen the schema's indices
 */
export function appliesTo(f, chosen) {
  if (!schema) return true;
  const fam = schema.families[chosen.form];
  if (f.group === 'model') return !fam || familyReads(fam, f);
  return applies(schema.fields, f, chosen);
}

/** @param {number} form a family's index @returns {string} its name ('' if none) */
export const familyName = (form) => schema?.families[form]?.name ?? '';
/** @param {number} form a family's index @returns {string} its documentation ('' if none) */
export const familyDoc = (form) => schema?.families[form]?.doc ?? '';

/** @param {SchemaField} f @returns {string} its label as the form shows it, e.g. 'Block size' */
export const labelOf = (f) => f.label[0].toUpperCase() + f.label.slice(1);

/** @param {string} js @returns {SchemaField} the form's field of this JS name */
export function fieldOf(js) {
  const f = fields.find((g) => g.js === js);
  if (!f) throw new Error(`no setting ${js} in the form`);
  return f;
}

/** @param {string} js @returns {string|null} the group of the form's field of this JS name (null: not one) */
export const groupOf = (js) => fields.find((f) => f.js === js)?.group ?? null;

/** @param {FormGroup} group @returns {SchemaField[]} the form's fields of a group, in the schema's order */
export const groupFields = (group) => fields.filter((f) => f.group === group);

/** @param {SchemaField} f @returns {HTMLElement} its input (a select for an enum) */
function inputOf(f) {
  if (f.type === 'enum') {
    const sel = document.createElement('select');
    sel.replaceChildren(...(f.values ?? []).map((v, i) => Object.assign(document.createElement('option'), { value: String(i), textContent: v })));
    return sel;
  }
  const input = document.createElement('input');
  input.type = 'number';
  if (f.min !== undefined) input.min = String(f.min);
  if (f.max !== undefined) input.max = String(f.max);
  if (f.type === 'u64') input.min = '0';
  input.step = f.type === 'float' ? 'any' : '1';
  input.inputMode = f.type === 'float' ? 'decimal' : 'numeric';
  input.required = true;
  return input;
}

/** @param {SchemaField} f @returns {HTMLElement} a labelled field for the form's grid */
function fieldElement(f) {
  const div = document.createElement('div');
  div.className = 'field';
  const label = document.createElement('label');
  label.htmlFor = f.js;
  label.textContent = labelOf(f);
  label.title = f.doc;
  const input = inputOf(f);
  input.id = f.js;
  input.setAttribute('name', f.js);
  input.title = `${f.doc} (${f.expects})`;
  div.append(label, input);
  return div;
}

/**
 * Makes the form's fields: model and data fields in #model-fields (the Structure choice,
 * the page's own, before the hierarchical group size), training fields in
 * #training-fields before the page's own settings; each set to the schema's default.
 * @param {import('../../wasm/makemore.mjs').Schema} s
 */
export function buildFields(s) {
  schema = s;
  fields = s.fields.filter((f) => GROUPS.includes(f.group) && !f.fromData);
  const model = document.getElementById('model-fields');
  const training = document.getElementById('training-fields');
  const structure = document.getElementById('structure-field');
  const own = training?.firstElementChild ?? null;
  for (const f of fields) {
    const el = fieldElement(f);
    if (f.group === 'training') training?.insertBefore(el, own);
    else {
      if (f.js === 'nConsec' && structure) model?.append(structure);
      model?.append(el);
    }
    if (f.default !== null) setValue(f, f.default);
  }
  // a family's and an optimizer's documentation on its option
  for (const [js, docs] of /** @type {const} */ ([['form', s.families], ['optimizer', s.optimizers]]))
    document.getElementById(js)?.querySelectorAll('option').forEach((o, i) => { if (docs[i]) /** @type {HTMLOptionElement} */ (o).title = `${docs[i].label}: ${docs[i].doc}`; });
}

/**
 * The Batch size field says what it counts for the chosen family: whole words for makemore.py's models (the schema's
 * family `words`), else the schema's examples.
 * @param {number} form the chosen family's index
 */
export function showBatchUnit(form) {
  const f = fields.find((g) => g.js === 'batchSize');
  const label = /** @type {HTMLLabelElement|null} */ (document.querySelector('label[for="batchSize"]'));
  const input = document.getElementById('batchSize');
  if (!f || !label || !input) return;
  const words = !!schema?.families[form]?.words;
  const doc = words ? 'whole words per step, drawn at random from the training split, each with all its positions (makemore.py\'s batches); the loss is the mean over those positions' : f.doc;
  label.textContent = words ? `${labelOf(f)} (words)` : labelOf(f);
  label.title = doc;
  input.title = `${doc} (${f.expects})`;
}

/** @param {SchemaField} f @param {unknown} v */
function setValue(f, v) {
  /** @type {HTMLInputElement} */ (document.getElementById(f.js)).value = String(v);
}

/** @param {SchemaField} f @param {string} want @param {string} raw @returns {Error} */
const bad = (f, want, raw) => Object.assign(new Error(`${labelOf(f)} must be ${want}${raw ? `, not “${raw}”` : ''}`), { field: f.js });

/**
 * The form's field a message is about: an Error's own (readField's), else the field whose label, JS
 * or schema name the message names (the longest that matches: "decayed learning rate" before "learning rate").
 * @param {unknown} e an Error or a message @returns {string|null} the field's id
 */
export function fieldOfMessage(e) {
  const own = /** @type {{field?: unknown}} */ (e && typeof e === 'object' ? e : {}).field;
  if (typeof own === 'string') return own;
  const m = String(e instanceof Error ? e.message : e).toLowerCase();
  let best = null;
  let len = 0;
  for (const f of fields)
    for (const name of [f.label.toLowerCase(), f.js.toLowerCase(), f.name])
      if (name.length > len && new RegExp(`(^|[^a-z_])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^a-z_])`).test(m)) {
        best = f.js;
        len = name.length;
      }
  return best;
}

/** @param {SchemaField} f @returns {number|bigint} the field's value (throws an Error naming it if it is not one) */
export function readField(f) {
  const raw = String(/** @type {HTMLInputElement} */ (document.getElementById(f.js)).value).trim();
  if (f.type === 'enum') return Number(raw);
  if (f.type === 'float') {
    const v = Number(raw);
    if (raw === '' || !Number.isFinite(v)) throw bad(f, 'a number', raw);
    return v;
  }
  if (!/^\d+$/.test(raw)) throw bad(f, 'a whole number', raw);
  if (f.type === 'u64') {
    if (BigInt(raw) >= 1n << 64n) throw bad(f, f.expects, '');
    return BigInt(raw) <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(raw) : BigInt(raw);
  }
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw bad(f, f.expects, '');
  return n;
}

/**
 * @param {FormGroup} group @param {string[]} [skip] fields not read (the page sets them)
 * @returns {Values} the group's values in the form (throws an Error naming the first bad one)
 */
export function readGroup(group, skip = []) {
  return Object.fromEntries(groupFields(group).filter((f) => !skip.includes(f.js)).map((f) => [f.js, readField(f)]));
}

/** Sets a group's fields from an object holding them (by JS name; others are left). @param {FormGroup} group @param {Record<string, unknown>} values */
export function fillGroup(group, values) {
  for (const f of groupFields(group)) if (values[f.js] !== undefined && values[f.js] !== null) setValue(f, values[f.js]);
}

/**
 * @param {Record<string, unknown>} a a preset's settings (its family's and optimizer's) @param {Record<string, unknown>} b
 * @param {FormGroup} group @returns {boolean} b agrees with a on the group's fields that a holds
 */
export const sameGroup = (a, b, group) => groupFields(group).every((f) => !(f.js in a) || String(a[f.js]) === String(b[f.js]));
