// lab/spec.js: the experiment runner's spec (web/lab/runner.js): a JSON spec in, the list of runs
// out (expandSpec), each setting checked against the core's settings schema; withSteps,
// describeConfig. No DOM, no WebAssembly.
//
// A spec:
//   { "name": "widths",
//     "base": { "preset": "wavenet22k", "config": {"nEmbd": 10}, "schedule": {"steps": 2000, "lr": 0.1},
//               "seed": 42, "dataset": "names.txt" },
//     "runs": [ {"name": "...", "preset": "...", "config": {...}, "schedule": {...}, "seed": 1, "reference": {"train": 2.0, "val": 2.1}} ],
//     "grid": { "nEmbd": [10, 24], "nHidden": [64, 128], "seed": [42, 43] } }
// config: any of the schema's model or split (data) fields, by JS name (a family's own ones while it is
// chosen: form); schedule: the schema's training fields but seed (steps, batchSize, lr, lrDecayed,
// decayStep, the optimizer and its own settings: beta1, ...) and valEvery (validation interval; default
// min(10000, steps / 10 rounded up to 1, 2, 5 x 10^k), as the page); a run given steps but no decayStep decays at the same fraction
// of the run as the schedule it starts from (the lecture's: 150000 of 200000). runs (default one, the base) times every combination of the
// grid's values (keys: config fields, schedule fields, seed or preset). Layers, last wins: the preset's
// settings (or the schema's defaults), base, the run's, the grid's; a layer that chooses another family or
// optimizer drops the settings of the one before (overlay, as the core resets them).
import { autoValEvery } from '../shared/losses.js';
import { applies, atDefault, chosenFor, decayAtSameFraction, overlay } from '../../wasm/api/settings.mjs';

/** @typedef {import('../../wasm/makemore.mjs').Schema} Schema */
/** @typedef {import('../../wasm/makemore.mjs').SchemaField} SchemaField */
/** @typedef {{steps: number, batchSize: number, lr: number, lrDecayed: number, decayStep: number, optimizer?: number}} Schedule the training settings but the seed (and the optimizer's own: beta1, ...) */
/** @typedef {{train: number, val: number}} Reference a published result to show beside ours (the lecture's) */

/**
 * One run to train, fully resolved.
 * @typedef {object} RunPlan
 * @property {number} index its place in the sweep (0..)
 * @property {string} name
 * @property {string} sweep the spec's name
 * @property {string} preset the preset it started from, or 'custom'
 * @property {string} what the configuration in words (describeConfig)
 * @property {Record<string, number>} config the model fields its family uses, but vocabSize (the word list's)
 * @property {Record<string, number>} data the split's settings
 * @property {Schedule} schedule
 * @property {string} seed decimal
 * @property {number} valEvery validation interval in steps; 0: none
 * @property {string} dataset the word list's name
 * @property {boolean} reproducible the reference engine
 * @property {Reference|null} reference
 */

export const SPEC_KEYS = ['format', 'version', 'name', 'description', 'base', 'runs', 'grid'];
export const PART_KEYS = ['name', 'preset', 'config', 'schedule', 'seed', 'dataset', 'reproducible', 'reference'];
/** @param {Schema} schema @returns {string[]} the keys a schedule takes: the training fields but seed, and valEvery */
export const scheduleKeys = (schema) => [...schema.fields.filter((f) => f.group === 'training' && f.js !== 'seed').map((f) => f.js), 'valEvery'];
/** The most runs one spec expands to (a typo in a grid should not queue a million runs). */
export const MAX_RUNS = 1000;
export const DEFAULT_DATASET = 'names.txt';

class SpecError extends Error {}
/** @param {string} where @param {string} what @returns {never} */
function bad(where, what) {
  throw new SpecError(`${where}: ${what}`);
}

/** @param {unknown} v @returns {v is Record<string, unknown>} */
export const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** @param {Schema} schema @returns {SchemaField[]} the fields a spec's config may set */
const configFields = (schema) => schema.fields.filter((f) => (f.group === 'model' || f.group === 'data') && !f.fromData);

/**
 * A field's value checked against the schema (an enum by name or index).
 * @param {SchemaField} f @param {unknown} v @param {string} where @returns {number}
 */
function fieldValue(f, v, where) {
  if (f.type === 'enum') {
    const values = f.values ?? [];
    if (typeof v === 'string' && values.includes(v)) return values.indexOf(v);
    if (Number.isInteger(v) && /** @type {number} */ (v) >= 0 && /** @type {number} */ (v) < values.length) return /** @type {number} */ (v);
    return bad(where, `${JSON.stringify(v)} is not one of ${values.join(', ')} (${f.label})`);
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) return bad(where, `${JSON.stringify(v)} is not a number (${f.label}: ${f.expects})`);
  if (f.type === 'int' && !Number.isInteger(v)) return bad(where, `${v} is not a whole number (${f.label}: ${f.expects})`);
  if ((f.min !== undefined && v < f.min) || (f.max !== undefined && v > f.max)) return bad(where, `${v} is out of range (${f.label}: ${f.expects})`);
  return v;
}

/** @param {unknown} v @param {string} where @returns {string} a u64 seed in decimal */
function seedValue(v, where) {
  const ok = (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) || (typeof v === 'string' && /^\d{1,20}$/.test(v) && BigInt(v) < 1n << 64n);
  if (!ok) bad(where, `${JSON.stringify(v)} is not a seed (a whole number in 0..18446744073709551615)`);
  return String(BigInt(/** @type {number|string} */ (v)));
}

/** @param {unknown} v @param {string} where @returns {Reference} */
function referenceValue(v, where) {
  if (!isObject(v)) return bad(where, 'must be an object {"train": number, "val": number}');
  for (const k of Object.keys(v)) if (k !== 'train' && k !== 'val') bad(`${where}.${k}`, 'unknown key (expected train, val)');
  for (const k of ['train', 'val']) if (typeof v[k] !== 'number' || !Number.isFinite(v[k])) bad(`${where}.${k}`, 'must be a number');
  return { train: /** @type {number} */ (v.train), val: /** @type {number} */ (v.val) };
}

/**
 * A run's settings before the grid: layered over what it starts from.
 * @typedef {{preset: string|null, name: string|null, config: Record<string, number>, schedule: Record<string, number>, seed: string|null,
 *   dataset: string|null, reproducible: boolean|null, reference: Reference|null}} Part
 */

/**
 * Checks one part (the base or a run) of a spec.
 * @param {Schema} schema @param {unknown} p @param {string} where @returns {Part}
 */
function readPart(schema, p, where) {
  if (!isObject(p)) return bad(where, 'must be an object');
  for (const k of Object.keys(p)) if (!PART_KEYS.includes(k)) bad(`${where}.${k}`, `unknown key (expected ${PART_KEYS.join(', ')})`);
  /** @type {Part} */
  const out = { preset: null, name: null, config: {}, schedule: {}, seed: null, dataset: null, reproducible: null, reference: null };
  if (p.preset !== undefined) out.preset = presetValue(schema, p.preset, `${where}.preset`);
  if (p.name !== undefined) out.name = typeof p.name === 'string' ? p.name : bad(`${where}.name`, 'must be a string');
  if (p.dataset !== undefined) out.dataset = typeof p.dataset === 'string' && p.dataset ? p.dataset : bad(`${where}.dataset`, 'must be a file name');
  if (p.reproducible !== undefined) out.reproducible = typeof p.reproducible === 'boolean' ? p.reproducible : bad(`${where}.reproducible`, 'must be true or false');
  if (p.seed !== undefined) out.seed = seedValue(p.seed, `${where}.seed`);
  if (p.reference !== undefined) out.reference = referenceValue(p.reference, `${where}.reference`);
  if (p.config !== undefined) {
    if (!isObject(p.config)) bad(`${where}.config`, 'must be an object of model and split settings');
    const fields = configFields(schema);
    for (const [k, v] of Object.entries(/** @type {Record<string, unknown>} */ (p.config))) {
      const f = fields.find((g) => g.js === k) ?? bad(`${where}.config.${k}`, `not a model or split setting (expected one of ${fields.map((g) => g.js).join(', ')})`);
      out.config[k] = fieldValue(f, v, `${where}.config.${k}`);
    }
  }
  if (p.schedule !== undefined) {
    if (!isObject(p.schedule)) bad(`${where}.schedule`, 'must be an object');
    for (const [k, v] of Object.entries(/** @type {Record<string, unknown>} */ (p.schedule))) out.schedule[k] = scheduleValue(schema, k, v, `${where}.schedule.${k}`);
  }
  return out;
}

/** @param {Schema} schema @param {string} k @param {unknown} v @param {string} where @returns {number} */
function scheduleValue(schema, k, v, where) {
  if (!scheduleKeys(schema).includes(k)) bad(where, `not a schedule setting (expected ${scheduleKeys(schema).join(', ')})`);
  if (k === 'valEvery') return Number.isInteger(v) && /** @type {number} */ (v) >= 0 ? /** @type {number} */ (v) : bad(where, `${JSON.stringify(v)} is not a whole number >= 0 (validation interval in steps; 0: none)`);
  return fieldValue(/** @type {SchemaField} */ (schema.fields.find((f) => f.js === k)), v, where);
}

/** @param {Schema} schema @param {unknown} v @param {string} where @returns {string} */
function presetValue(schema, v, where) {
  if (typeof v === 'string' && schema.presets.some((p) => p.name === v)) return v;
  return bad(where, `${JSON.stringify(v)} is not a preset (${schema.presets.map((p) => p.name).join(', ')})`);
}

/**
 * The grid: key -> the values it takes.
 * @param {Schema} schema @param {unknown} g @returns {[string, unknown[]][]}
 */
function readGrid(schema, g) {
  if (g === undefined) return [];
  if (!isObject(g)) return bad('grid', 'must be an object: setting -> list of values');
  const keys = [...configFields(schema).map((f) => f.js), ...scheduleKeys(schema), 'seed', 'preset'];
  return Object.entries(g).map(([k, vs]) => {
    if (!keys.includes(k)) bad(`grid.${k}`, `not a setting to sweep (expected a model or split setting, ${scheduleKeys(schema).join(', ')}, seed or preset)`);
    if (!Array.isArray(vs) || vs.length === 0) bad(`grid.${k}`, 'must be a non-empty list of values');
    /** @type {unknown[]} */ (vs).forEach((v, i) => gridPart(schema, k, v, `grid.${k}[${i}]`)); // checked here, applied later
    return [k, vs];
  });
}

/** A grid value as a part of its own. @param {Schema} schema @param {string} k @param {unknown} v @param {string} where @returns {Part} */
function gridPart(schema, k, v, where) {
  /** @type {Part} */
  const p = { preset: null, name: null, config: {}, schedule: {}, seed: null, dataset: null, reproducible: null, reference: null };
  if (k === 'seed') p.seed = seedValue(v, where);
  else if (k === 'preset') p.preset = presetValue(schema, v, where);
  else if (scheduleKeys(schema).includes(k)) p.schedule[k] = scheduleValue(schema, k, v, where);
  else p.config[k] = fieldValue(/** @type {SchemaField} */ (configFields(schema).find((f) => f.js === k)), v, where);
  return p;
}

/**
 * The spec's runs, resolved: a preset's (or the schema's default) settings under base, run and grid.
 * Throws an Error naming the bad key (e.g. "grid.nEmbed: not a setting to sweep ...").
 * @param {unknown} spec parsed JSON @param {Schema} schema @returns {RunPlan[]}
 */
export function expandSpec(spec, schema) {
  if (!isObject(spec)) bad('spec', 'must be a JSON object');
  for (const k of Object.keys(spec)) if (!SPEC_KEYS.includes(k)) bad(`spec.${k}`, `unknown key (expected ${SPEC_KEYS.join(', ')})`);
  if (spec.name !== undefined && typeof spec.name !== 'string') bad('spec.name', 'must be a string');
  const sweep = /** @type {string} */ (spec.name ?? 'sweep');
  const base = readPart(schema, spec.base ?? {}, 'base');
  if (spec.runs !== undefined && (!Array.isArray(spec.runs) || spec.runs.length === 0)) bad('runs', 'must be a non-empty list');
  const runs = /** @type {unknown[]} */ (spec.runs ?? [{}]).map((r, i) => readPart(schema, r, `runs[${i}]`));
  const grid = readGrid(schema, spec.grid);
  const total = runs.length * grid.reduce((n, [, vs]) => n * vs.length, 1);
  if (total > MAX_RUNS) bad('grid', `${total} runs: at most ${MAX_RUNS} in one sweep`);
  /** @type {RunPlan[]} */
  const plans = [];
  for (const run of runs) {
    for (const combo of combinations(grid)) {
      const parts = [base, run, ...combo.map(([k, v]) => gridPart(schema, k, v, `grid.${k}`))];
      const label = combo.map(([k, v]) => `${k}=${v}`).join(' ');
      plans.push(resolve(schema, parts, plans.length, sweep, [run.name ?? run.preset ?? base.name ?? base.preset ?? sweep, label].filter(Boolean).join(' ')));
    }
  }
  return plans;
}

/** @param {[string, unknown[]][]} grid @returns {[string, unknown][][]} every combination, the first key slowest */
function combinations(grid) {
  /** @type {[string, unknown][][]} */
  let out = [[]];
  for (const [k, vs] of grid) out = out.flatMap((c) => vs.map((v) => /** @type {[string, unknown][]} */ ([...c, [k, v]])));
  return out;
}

/**
 * @param {Schema} schema @param {Part[]} parts base, run, grid values: later ones win
 * @param {number} index @param {string} sweep @param {string} name @returns {RunPlan}
 */
function resolve(schema, parts, index, sweep, name) {
  const last = (/** @type {(p: Part) => any} */ get) => parts.reduce((acc, p) => get(p) ?? acc, null);
  const preset = last((p) => p.preset);
  const p = preset ? schema.presets.find((q) => q.name === preset) : null;
  /** @param {string} group @returns {Record<string, number>} the defaults of the default family's or optimizer's group */
  const defaults = (group) => Object.fromEntries(schema.fields.filter((f) => f.group === group && !f.fromData && !f.owner).map((f) => [f.js, Number(f.default)]));
  /** @param {Record<string, unknown>} o @returns {Record<string, number>} */
  const numbers = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Number(v)]));
  // the preset's settings (its family's and optimizer's), or the schema's defaults
  let config = numbers(p ? p.config : defaults('model'));
  delete config.vocabSize;
  /** @type {Record<string, number>} */ const data = numbers(p ? p.data : defaults('data'));
  let schedule = numbers(p ? p.training : defaults('training'));
  const seed0 = String(schedule.seed);
  delete schedule.seed;
  let valEvery = -1;
  const { steps: steps0, decayStep: decay0 } = schedule;
  let decaySet = false;
  const isModel = (/** @type {string} */ k) => schema.fields.some((f) => f.js === k && f.group === 'model');
  for (const part of parts) {
    const entries = Object.entries(part.config);
    config = /** @type {Record<string, number>} */ (overlay(schema.fields, config, Object.fromEntries(entries.filter(([k]) => isModel(k)))));
    for (const [k, v] of entries) if (!isModel(k)) data[k] = v;
    const { valEvery: ve, ...training } = part.schedule;
    if (ve !== undefined) valEvery = ve;
    schedule = /** @type {Record<string, number>} */ (overlay(schema.fields, schedule, training));
    decaySet ||= 'decayStep' in part.schedule;
  }
  if (!decaySet) schedule.decayStep = decayAtSameFraction(decay0, steps0, schedule.steps, Number.MAX_SAFE_INTEGER); // at the same fraction of the run
  owned(schema, config, 'model', name);
  owned(schema, schedule, 'training', name);
  return {
    index, name, sweep, preset: preset ?? 'custom', what: describeConfig(schema, preset ?? 'custom', config, data), config, data,
    schedule: /** @type {Schedule} */ (schedule),
    seed: last((q) => q.seed) ?? seed0,
    valEvery: valEvery >= 0 ? valEvery : autoValEvery(schedule.steps),
    dataset: last((q) => q.dataset) ?? DEFAULT_DATASET,
    reproducible: last((q) => q.reproducible) ?? false,
    reference: last((q) => q.reference),
  };
}

/**
 * A family's or optimizer's own settings in a run that chose another are refused (their defaults are left out).
 * @param {Schema} schema @param {Record<string, number>} values @param {string} group @param {string} run its name
 */
function owned(schema, values, group, run) {
  for (const f of schema.fields) {
    if (f.group !== group || !(f.js in values) || applies(schema.fields, f, values)) continue;
    if (atDefault(f, values[f.js])) { delete values[f.js]; continue; }
    bad(`${run}: ${f.js}`, `${f.label} is a setting of the ${f.owner} ${group === 'model' ? 'family' : 'optimizer'}, not of this run's ${chosenFor(schema.fields, f, values)}`);
  }
}

/**
 * Every run's steps set to n, its decay step at the same fraction of the run (bench/sweep.mjs --steps).
 * @param {RunPlan[]} plans @param {number} n @returns {RunPlan[]}
 */
export function withSteps(plans, n) {
  return plans.map((p) => {
    const decayStep = decayAtSameFraction(p.schedule.decayStep, p.schedule.steps, n, Number.MAX_SAFE_INTEGER);
    return { ...p, schedule: { ...p.schedule, steps: n, decayStep }, valEvery: Math.min(p.valEvery, autoValEvery(n)) };
  });
}

/**
 * The configuration in words: the preset, then the settings that differ from it.
 * @param {Schema} schema @param {string} preset @param {Record<string, number>} config @param {Record<string, number>} data
 */
export function describeConfig(schema, preset, config, data) {
  const p = schema.presets.find((q) => q.name === preset);
  const diffs = configFields(schema).flatMap((f) => {
    const v = (f.group === 'model' ? config : data)[f.js];
    const ref = p ? /** @type {Record<string, unknown>} */ (f.group === 'model' ? p.config : p.data)[f.js] ?? f.default : f.default;
    if (v === undefined || Number(v) === Number(ref)) return [];
    return [`${f.js}=${f.type === 'enum' ? (f.values?.[v] ?? v) : v}`];
  });
  return [p ? p.name : 'custom', ...diffs].join(' ');
}
