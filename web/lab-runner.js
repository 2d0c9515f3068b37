// lab-runner.js: the experiment runner, one module for the trainer page (web/lab-*.js) and
// Node (bench/sweep.mjs). No DOM, no WebAssembly: it takes the core's settings schema
// (mm.schema, or the page's InitResult.schema) as an argument.
//
//   const plans = expandSpec(spec, schema);          // a JSON spec in, the list of runs out
//   const records = await runQueue(plans, runOne);    // one after another (or `jobs` at a time)
//   tableRow(record)                                  // the table's columns (COLUMNS), for the page and Node
//   exportJson(records) / importJson(text)            // the versioned export, validated on import
//   exportCsv(records) / importCsv(text)
//
// A spec:
//   { "name": "widths",
//     "base": { "preset": "wavenet22k", "config": {"nEmbd": 10}, "schedule": {"steps": 2000, "lr": 0.1},
//               "seed": 42, "dataset": "names.txt" },
//     "runs": [ {"name": "...", "preset": "...", "config": {...}, "schedule": {...}, "seed": 1, "reference": {"train": 2.0, "val": 2.1}} ],
//     "grid": { "nEmbd": [10, 24], "nHidden": [64, 128], "seed": [42, 43] } }
// config: any of the schema's model or split (data) fields, by JS name; schedule: steps, batchSize,
// lr, lrDecayed, decayStep and valEvery (validation interval; default min(10000, steps / 10 rounded
// up to 1, 2, 5 x 10^k), as the page); a run given steps but no decayStep decays at the same fraction
// of the run as the schedule it starts from (the lecture's: 150000 of 200000). runs (default one, the base) times every combination of the
// grid's values (keys: config fields, schedule fields, seed or preset). Layers, last wins: the preset's
// settings (or the schema's defaults), base, the run's, the grid's.
//
// The loss curve as the lecture plots it: log10 of each step's loss, averaged over whole groups of
// curveGroup(steps) steps: 1000 for a run of 200,000 steps or more (the lecture's groups), fewer for
// shorter runs: the smallest of 1, 2, 5, 10, 20, 50, ... at least steps / 200 (about 200 points).
import { autoValEvery, niceStep } from './losses.js';

/** @typedef {import('../wasm/makemore.mjs').Schema} Schema */
/** @typedef {import('../wasm/makemore.mjs').SchemaField} SchemaField */
/** @typedef {{steps: number, batchSize: number, lr: number, lrDecayed: number, decayStep: number}} Schedule */
/** @typedef {{train: number, val: number}} Reference a published result to show beside ours (the lecture's) */

/**
 * One run to train, fully resolved.
 * @typedef {object} RunPlan
 * @property {number} index its place in the sweep (0..)
 * @property {string} name
 * @property {string} sweep the spec's name
 * @property {string} preset the preset it started from, or 'custom'
 * @property {string} what the configuration in words (describeConfig)
 * @property {Record<string, number>} config every model field but vocabSize (the word list's)
 * @property {Record<string, number>} data the split's settings
 * @property {Schedule} schedule
 * @property {string} seed decimal
 * @property {number} valEvery validation interval in steps; 0: none
 * @property {string} dataset the word list's name
 * @property {boolean} reproducible the reference engine
 * @property {Reference|null} reference
 */

/**
 * A finished run: what the run list, the chart, the table, the exports and bench/sweep.mjs show.
 * @typedef {object} RunRecord
 * @property {string} id unique
 * @property {string} name
 * @property {string} sweep the spec's name ('' for a run trained by hand)
 * @property {string} preset
 * @property {string} what the configuration in words: the preset and what differs from it
 * @property {Record<string, number>} config
 * @property {Record<string, number>} data
 * @property {Schedule} schedule
 * @property {string} seed
 * @property {number} valEvery
 * @property {string} dataset
 * @property {boolean} reproducible
 * @property {string} engine the kernels ('relaxed-simd', 'simd', 'scalar')
 * @property {number} threads
 * @property {number} params
 * @property {number} steps steps trained
 * @property {number|null} train final eval-mode loss of the split (null: not evaluated)
 * @property {number|null} val
 * @property {number|null} test
 * @property {number} stepsPerSec training steps over the seconds spent training (evaluations excluded)
 * @property {number} wallSec from the start to the end of its evaluation
 * @property {{group: number, y: number[]}} curve log10 loss averaged over whole groups of `group` steps
 * @property {{step: number, loss: number}[]} vals validation points (eval mode), the last at the end
 * @property {Reference|null} reference
 * @property {string} where 'page' or 'node'
 * @property {number} finishedAt ms since 1970
 * @property {string} [colour] its colour in the page's chart (given when the page keeps it)
 */

export const SPEC_KEYS = ['format', 'version', 'name', 'description', 'base', 'runs', 'grid'];
export const PART_KEYS = ['name', 'preset', 'config', 'schedule', 'seed', 'dataset', 'reproducible', 'reference'];
export const SCHEDULE_KEYS = ['steps', 'batchSize', 'lr', 'lrDecayed', 'decayStep', 'valEvery'];
/** The most runs one spec expands to (a typo in a grid should not queue a million runs). */
export const MAX_RUNS = 1000;
export const DEFAULT_DATASET = 'names.txt';

/** @param {number} steps @returns {number} the loss curve's group of steps (see the header) */
export const curveGroup = (steps) => Math.min(1000, niceStep(steps / 200));

class SpecError extends Error {}
/** @param {string} where @param {string} what @returns {never} */
function bad(where, what) {
  throw new SpecError(`${where}: ${what}`);
}

/** @param {unknown} v @returns {v is Record<string, unknown>} */
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

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
  if (!SCHEDULE_KEYS.includes(k)) bad(where, `not a schedule setting (expected ${SCHEDULE_KEYS.join(', ')})`);
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
  const keys = [...configFields(schema).map((f) => f.js), ...SCHEDULE_KEYS, 'seed', 'preset'];
  return Object.entries(g).map(([k, vs]) => {
    if (!keys.includes(k)) bad(`grid.${k}`, `not a setting to sweep (expected a model or split setting, ${SCHEDULE_KEYS.join(', ')}, seed or preset)`);
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
  else if (SCHEDULE_KEYS.includes(k)) p.schedule[k] = scheduleValue(schema, k, v, where);
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
  /** @type {Record<string, number>} */ const config = {};
  /** @type {Record<string, number>} */ const data = {};
  for (const f of configFields(schema)) {
    const from = p ? /** @type {Record<string, unknown>} */ (f.group === 'model' ? p.config : p.data)[f.js] : f.default;
    (f.group === 'model' ? config : data)[f.js] = Number(from ?? 0);
  }
  const training = p ? p.training : Object.fromEntries(schema.fields.filter((f) => f.group === 'training').map((f) => [f.js, f.default]));
  /** @type {Record<string, number>} */
  const schedule = { steps: Number(training.steps), batchSize: Number(training.batchSize), lr: Number(training.lr), lrDecayed: Number(training.lrDecayed), decayStep: Number(training.decayStep) };
  let valEvery = -1;
  const fraction = schedule.decayStep / Math.max(1, schedule.steps);
  let decaySet = false;
  for (const part of parts) {
    for (const [k, v] of Object.entries(part.config)) (k in config ? config : data)[k] = v;
    for (const [k, v] of Object.entries(part.schedule)) if (k === 'valEvery') valEvery = v; else schedule[k] = v;
    decaySet ||= 'decayStep' in part.schedule;
  }
  if (!decaySet) schedule.decayStep = Math.round(fraction * schedule.steps); // at the same fraction of the run
  return {
    index, name, sweep, preset: preset ?? 'custom', what: describeConfig(schema, preset ?? 'custom', config, data), config, data,
    schedule: /** @type {Schedule} */ (schedule),
    seed: last((q) => q.seed) ?? String(training.seed),
    valEvery: valEvery >= 0 ? valEvery : autoValEvery(schedule.steps),
    dataset: last((q) => q.dataset) ?? DEFAULT_DATASET,
    reproducible: last((q) => q.reproducible) ?? false,
    reference: last((q) => q.reference),
  };
}

/**
 * Every run's steps set to n, its decay step at the same fraction of the run (bench/sweep.mjs --steps).
 * @param {RunPlan[]} plans @param {number} n @returns {RunPlan[]}
 */
export function withSteps(plans, n) {
  return plans.map((p) => {
    const decayStep = Math.round((p.schedule.decayStep * n) / Math.max(1, p.schedule.steps));
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
    const ref = p ? /** @type {Record<string, unknown>} */ (f.group === 'model' ? p.config : p.data)[f.js] : f.default;
    if (v === undefined || Number(v) === Number(ref)) return [];
    return [`${f.js}=${f.type === 'enum' ? (f.values?.[v] ?? v) : v}`];
  });
  return [p ? p.name : 'custom', ...diffs].join(' ');
}

// ---------------------------------------------------------------- the curve

/** Builds a run's loss curve from its steps' losses as they come (see curveGroup). */
export class CurveBuilder {
  /** @param {number} steps the run's length (it sets the group) */
  constructor(steps) {
    this.group = curveGroup(steps);
    /** @type {number[]} */
    this.y = [];
    this.sum = 0;
    this.n = 0;
  }
  /** @param {ArrayLike<number>} losses the next steps' losses */
  append(losses) {
    for (let i = 0; i < losses.length; i++) {
      this.sum += Math.log10(losses[i]);
      if (++this.n === this.group) {
        this.y.push(this.sum / this.group);
        this.sum = 0;
        this.n = 0;
      }
    }
  }
  /** @returns {{group: number, y: number[]}} the whole groups so far */
  curve() {
    return { group: this.group, y: this.y.slice() };
  }
}

/**
 * A record of a finished run.
 * @param {RunPlan} plan
 * @param {{params: number, steps: number, engine: string, threads: number, losses: {train: number|null, val: number|null, test: number|null},
 *   trainSeconds: number, wallSec: number, curve: {group: number, y: number[]}, vals: {step: number, loss: number}[], where: string}} r
 * @returns {RunRecord}
 */
export function makeRecord(plan, r) {
  return {
    id: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    name: plan.name, sweep: plan.sweep, preset: plan.preset, what: plan.what, config: plan.config, data: plan.data,
    schedule: plan.schedule, seed: plan.seed, valEvery: plan.valEvery, dataset: plan.dataset, reproducible: plan.reproducible,
    engine: r.engine, threads: r.threads, params: r.params, steps: r.steps,
    train: r.losses.train, val: r.losses.val, test: r.losses.test,
    stepsPerSec: r.trainSeconds > 0 ? r.steps / r.trainSeconds : 0, wallSec: r.wallSec,
    curve: r.curve, vals: r.vals, reference: plan.reference, where: r.where, finishedAt: Date.now(),
  };
}

// ---------------------------------------------------------------- the queue

/**
 * Runs plans through runOne, `jobs` at a time (one after another by default), in order.
 * A run that throws is reported to onError and the queue goes on; stop() ends it after the runs under way.
 * runOne's second argument is the lane (0..jobs-1) that runs it: a lane runs one plan at a time.
 * @template R
 * @param {RunPlan[]} plans @param {(plan: RunPlan, lane: number) => Promise<R>} runOne
 * @param {{jobs?: number, onDone?: (r: R, plan: RunPlan) => void, onError?: (e: unknown, plan: RunPlan) => void, stopped?: () => boolean}} [o]
 * @returns {Promise<R[]>} the finished runs' results, in the plans' order
 */
export async function runQueue(plans, runOne, { jobs = 1, onDone, onError, stopped } = {}) {
  /** @type {(R|undefined)[]} */
  const out = new Array(plans.length);
  let next = 0;
  const lane = async (/** @type {unknown} */ _, /** @type {number} */ k) => {
    while (next < plans.length && !stopped?.()) {
      const plan = plans[next++];
      try {
        out[plan.index] = await runOne(plan, k);
        onDone?.(/** @type {R} */ (out[plan.index]), plan);
      } catch (e) {
        if (onError) onError(e, plan);
        else throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, plans.length)) }, lane));
  return /** @type {R[]} */ (out.filter((r) => r !== undefined));
}

// ---------------------------------------------------------------- the table

/**
 * The results table's columns (the page's table, the CSV, bench/sweep.mjs's JSON lines):
 * key, heading, the value (for sorting and JSON), and its text.
 * @typedef {{key: string, label: string, value: (r: RunRecord) => string|number|null, text?: (r: RunRecord) => string}} Column
 */
const loss = (/** @type {number|null} */ v) => (v === null || !Number.isFinite(v) ? '–' : v.toFixed(4));
/** @param {Schedule} s @returns {string} e.g. '200000 x 32, lr 0.1 -> 0.01 at 150000' (steps x batch size) */
export const scheduleText = (s) => `${s.steps} x ${s.batchSize}, lr ${s.lr} -> ${s.lrDecayed} at ${s.decayStep}`;
/** @type {Column[]} */
export const COLUMNS = [
  { key: 'id', label: 'id', value: (r) => r.id },
  { key: 'name', label: 'name', value: (r) => r.name },
  { key: 'config', label: 'preset / config', value: (r) => r.what },
  { key: 'schedule', label: 'schedule', value: (r) => scheduleText(r.schedule) },
  { key: 'seed', label: 'seed', value: (r) => r.seed },
  { key: 'dataset', label: 'data set', value: (r) => r.dataset },
  { key: 'params', label: 'params', value: (r) => r.params, text: (r) => r.params.toLocaleString('en-US') },
  { key: 'train', label: 'train', value: (r) => r.train, text: (r) => loss(r.train) },
  { key: 'val', label: 'val', value: (r) => r.val, text: (r) => loss(r.val) },
  { key: 'test', label: 'test', value: (r) => r.test, text: (r) => loss(r.test) },
  { key: 'lecture_train', label: 'lecture train', value: (r) => r.reference?.train ?? null, text: (r) => (r.reference ? r.reference.train.toFixed(3) : '') },
  { key: 'lecture_val', label: 'lecture val', value: (r) => r.reference?.val ?? null, text: (r) => (r.reference ? r.reference.val.toFixed(3) : '') },
  { key: 'steps_per_sec', label: 'steps/s', value: (r) => Math.round(r.stepsPerSec * 10) / 10, text: (r) => Math.round(r.stepsPerSec).toLocaleString('en-US') },
  { key: 'wall_s', label: 'wall s', value: (r) => Math.round(r.wallSec * 100) / 100, text: (r) => r.wallSec.toFixed(1) },
];

/** @param {RunRecord} r @returns {Record<string, string|number|null>} the table's columns by key */
export const tableRow = (r) => Object.fromEntries(COLUMNS.map((c) => [c.key, c.value(r)]));
/** @param {RunRecord} r @param {Column} c @returns {string} */
export const cellText = (r, c) => (c.text ? c.text(r) : String(c.value(r) ?? ''));

/**
 * Sorts records by a column (numbers numerically, nulls last, then text), stably.
 * @param {RunRecord[]} records @param {string} key @param {1|-1} dir @returns {RunRecord[]}
 */
export function sortRecords(records, key, dir) {
  const c = COLUMNS.find((k) => k.key === key) ?? COLUMNS[0];
  return records.map((r, i) => ({ r, i, v: c.value(r) })).sort((a, b) => {
    if (a.v === null || b.v === null) return a.v === b.v ? a.i - b.i : a.v === null ? 1 : -1;
    const d = typeof a.v === 'number' && typeof b.v === 'number' ? a.v - b.v : String(a.v).localeCompare(String(b.v), 'en', { numeric: true });
    return d !== 0 ? d * dir : a.i - b.i;
  }).map((x) => x.r);
}

// ---------------------------------------------------------------- export and import

export const EXPORT_FORMAT = 'makemore-wasm-runs';
export const EXPORT_VERSION = 1;

/** @param {RunRecord[]} records @returns {string} the JSON export (one file for any number of runs) */
export function exportJson(records) {
  return JSON.stringify({ format: EXPORT_FORMAT, version: EXPORT_VERSION, exported: new Date().toISOString(), count: records.length, runs: records }, null, 1) + '\n';
}

class ImportError extends Error {}
/** @param {string} what @returns {never} */
function refuse(what) {
  throw new ImportError(`not imported: ${what}`);
}

/** @type {Record<string, 'string'|'number'|'boolean'|'object'|'number|null'|'reference'>} a record's fields and their types */
const RECORD_FIELDS = {
  id: 'string', name: 'string', sweep: 'string', preset: 'string', what: 'string', config: 'object', data: 'object', schedule: 'object',
  seed: 'string', valEvery: 'number', dataset: 'string', reproducible: 'boolean', engine: 'string', threads: 'number', params: 'number',
  steps: 'number', train: 'number|null', val: 'number|null', test: 'number|null', stepsPerSec: 'number', wallSec: 'number',
  curve: 'object', vals: 'object', reference: 'reference', where: 'string', finishedAt: 'number',
};

/** @param {unknown} x @param {string} where @returns {RunRecord} a record checked field by field */
export function checkRecord(x, where) {
  if (!isObject(x)) return refuse(`${where} is not a run record`);
  for (const [k, type] of Object.entries(RECORD_FIELDS)) {
    const v = x[k];
    const ok = type === 'number|null' ? v === null || typeof v === 'number'
      : type === 'reference' ? v === null || (isObject(v) && typeof v.train === 'number' && typeof v.val === 'number')
      : type === 'object' ? isObject(v) || Array.isArray(v) : typeof v === type;
    if (!ok) refuse(`${where}.${k} is ${v === undefined ? 'missing' : `not a ${type}`}`);
  }
  const c = /** @type {any} */ (x.curve);
  if (!Number.isInteger(c.group) || c.group < 1 || !Array.isArray(c.y) || !c.y.every((/** @type {unknown} */ y) => typeof y === 'number'))
    refuse(`${where}.curve is not {group, y: [numbers]}`);
  if (!Array.isArray(x.vals) || !x.vals.every((v) => isObject(v) && typeof v.step === 'number' && typeof v.loss === 'number'))
    refuse(`${where}.vals is not a list of {step, loss}`);
  // what a finished run's parts say of each other (a file cut short inside a list breaks one of them)
  if (c.y.length !== Math.floor(/** @type {number} */ (x.steps) / c.group)) refuse(`${where}.curve has ${c.y.length} points, not one per ${c.group} of its ${x.steps} steps`);
  const last = x.vals.at(-1);
  if (/** @type {number} */ (x.valEvery) > 0 && x.val !== null && (!last || last.step !== x.steps || last.loss !== x.val))
    refuse(`${where}.vals does not end with the run's final val loss at step ${x.steps}`);
  const s = /** @type {any} */ (x.schedule);
  for (const k of ['steps', 'batchSize', 'lr', 'lrDecayed', 'decayStep']) if (typeof s[k] !== 'number') refuse(`${where}.schedule.${k} is not a number`);
  if (x.colour !== undefined && !(typeof x.colour === 'string' && /^#[0-9a-f]{6}$/i.test(x.colour))) delete x.colour; // the page gives it another
  return /** @type {RunRecord} */ (/** @type {unknown} */ (x));
}

/**
 * Reads a JSON export. Refuses (an Error saying why) anything else: not JSON (a truncated file
 * ends early), not a run export, another version, fewer runs than it says, a bad record.
 * @param {string} text @returns {RunRecord[]}
 */
export function importJson(text) {
  let x;
  try {
    x = JSON.parse(text);
  } catch (e) {
    return refuse(`the file is not JSON, or it is cut short (${e instanceof Error ? e.message : e})`);
  }
  if (!isObject(x) || x.format !== EXPORT_FORMAT) return refuse(`not a run export of makemore-wasm (no "format": "${EXPORT_FORMAT}")`);
  if (x.version !== EXPORT_VERSION) return refuse(`export version ${JSON.stringify(x.version)}; this page reads version ${EXPORT_VERSION}`);
  if (!Array.isArray(x.runs)) return refuse('the export has no list of runs');
  if (x.count !== x.runs.length) return refuse(`the export says ${x.count} runs but holds ${x.runs.length}: it is incomplete`);
  return x.runs.map((r, i) => checkRecord(r, `runs[${i}]`));
}

// CSV: the table's columns, then what makes the record whole again (config, data and schedule as JSON,
// the curve, the validation points), so a CSV imports back too.
const CSV_EXTRA = ['sweep', 'preset', 'config_json', 'data_json', 'schedule_json', 'val_every', 'reproducible', 'engine', 'threads', 'steps',
  'where', 'finished_at', 'curve_group', 'curve', 'vals'];

/** @param {unknown} v @returns {string} */
function csvCell(v) {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** @param {RunRecord[]} records @returns {string} */
export function exportCsv(records) {
  const head = [...COLUMNS.map((c) => c.key), ...CSV_EXTRA];
  const rows = records.map((r) => [
    ...COLUMNS.map((c) => (c.key === 'steps_per_sec' ? r.stepsPerSec : c.key === 'wall_s' ? r.wallSec : c.value(r))),
    r.sweep, r.preset, JSON.stringify(r.config), JSON.stringify(r.data), JSON.stringify(r.schedule), r.valEvery, r.reproducible, r.engine,
    r.threads, r.steps, r.where, r.finishedAt, r.curve.group, r.curve.y.join(' '), r.vals.map((v) => `${v.step}:${v.loss}`).join(' '),
  ]);
  return [head, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

/** @param {string} text @returns {string[][]} RFC 4180 rows */
function parseCsv(text) {
  /** @type {string[][]} */ const rows = [];
  /** @type {string[]} */ let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(cell); cell = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell); rows.push(row); row = []; cell = '';
    } else cell += ch;
  }
  if (quoted) refuse('the CSV ends inside a quoted cell: it is cut short');
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

/** @param {string} text a CSV of exportCsv @returns {RunRecord[]} */
export function importCsv(text) {
  const rows = parseCsv(text);
  const head = rows[0] ?? [];
  const want = [...COLUMNS.map((c) => c.key), ...CSV_EXTRA];
  if (want.some((k, i) => head[i] !== k)) refuse('not a run table of makemore-wasm (its header is not the export\'s)');
  return rows.slice(1).map((row, i) => {
    if (row.length !== want.length) refuse(`row ${i + 1} has ${row.length} cells, not ${want.length}: the file is cut short or not an export`);
    const c = Object.fromEntries(want.map((k, j) => [k, row[j]]));
    const num = (/** @type {string} */ s) => (s === '' ? null : Number(s));
    const json = (/** @type {string} */ k) => { try { return JSON.parse(c[k]); } catch { return refuse(`row ${i + 1}: ${k} is not JSON`); } };
    const record = {
      id: c.id, name: c.name, sweep: c.sweep, preset: c.preset, what: c.config, config: json('config_json'), data: json('data_json'),
      schedule: json('schedule_json'), seed: c.seed, valEvery: Number(c.val_every), dataset: c.dataset, reproducible: c.reproducible === 'true',
      engine: c.engine, threads: Number(c.threads), params: Number(c.params), steps: Number(c.steps),
      train: num(c.train), val: num(c.val), test: num(c.test), stepsPerSec: Number(c.steps_per_sec), wallSec: Number(c.wall_s),
      curve: { group: Number(c.curve_group), y: c.curve ? c.curve.split(' ').map(Number) : [] },
      vals: c.vals ? c.vals.split(' ').map((s) => { const [step, l] = s.split(':'); return { step: Number(step), loss: Number(l) }; }) : [],
      reference: c.lecture_train === '' ? null : { train: Number(c.lecture_train), val: Number(c.lecture_val) },
      where: c.where, finishedAt: Number(c.finished_at),
    };
    return checkRecord(record, `row ${i + 1}`);
  });
}
