// lab/table.js: the experiment runner's results table (web/lab/runner.js): its columns, the cells'
// text, sorting. COLUMNS: every record's columns (bench/sweep.mjs's JSON lines and text table).
// tableColumns: the page's table and the CSV: the run's name, then the settings that differ between
// the runs shown (settingColumns: by the schema's labels, keyed by its snake_case names, e.g. n_embd,
// lr, steps, seed), then the results; what every run shown shares is said once (commonText).

/** @import { Schedule } from './spec.js' */
/** @import { RunRecord } from './record.js' */
/** @import { Schema, SchemaField } from '../../wasm/makemore.mjs' */

/**
 * The results table's columns (the page's table, the CSV, bench/sweep.mjs's JSON lines):
 * key, heading, the value (for sorting and JSON), and its text.
 * @typedef {{key: string, label: string, value: (r: RunRecord) => string|number|null, text?: (r: RunRecord) => string}} Column
 */
const loss = (/** @type {number|null} */ v) => (v === null || !Number.isFinite(v) ? '–' : v.toFixed(4));
/** @param {Schedule} s @returns {string} e.g. '200000 x 32, lr 0.1 -> 0.01 at 150000' (steps x batch size) */
export const scheduleText = (s) => `${s.steps} x ${s.batchSize}, lr ${s.lr} -> ${s.lrDecayed} at ${s.decayStep}`;
/** @type {Column[]} the results: what a run gave */
export const RESULT_COLUMNS = [
  { key: 'params', label: 'params', value: (r) => r.params, text: (r) => r.params.toLocaleString('en-US') },
  { key: 'train', label: 'train', value: (r) => r.train, text: (r) => loss(r.train) },
  { key: 'val', label: 'val', value: (r) => r.val, text: (r) => loss(r.val) },
  { key: 'test', label: 'test', value: (r) => r.test, text: (r) => loss(r.test) },
  { key: 'lecture_train', label: 'lecture train', value: (r) => r.reference?.train ?? null, text: (r) => (r.reference ? r.reference.train.toFixed(3) : '') },
  { key: 'lecture_val', label: 'lecture val', value: (r) => r.reference?.val ?? null, text: (r) => (r.reference ? r.reference.val.toFixed(3) : '') },
  { key: 'steps_per_sec', label: 'steps/s', value: (r) => Math.round(r.stepsPerSec * 10) / 10, text: (r) => Math.round(r.stepsPerSec).toLocaleString('en-US') },
  { key: 'wall_s', label: 'wall s', value: (r) => Math.round(r.wallSec * 100) / 100, text: (r) => r.wallSec.toFixed(1) },
];
/** @type {Column} the run's name (a sweep's: its preset and grid values, e.g. 'mlp3 nEmbd=8 nHidden=20') */
export const NAME_COLUMN = { key: 'name', label: 'run', value: (r) => r.name };
/** @type {Column[]} every record's columns */
export const COLUMNS = [
  { key: 'id', label: 'id', value: (r) => r.id },
  { ...NAME_COLUMN, label: 'name' },
  { key: 'config', label: 'preset / config', value: (r) => r.what },
  { key: 'schedule', label: 'schedule', value: (r) => scheduleText(r.schedule) },
  { key: 'seed', label: 'seed', value: (r) => r.seed },
  { key: 'dataset', label: 'data set', value: (r) => r.dataset },
  ...RESULT_COLUMNS,
];

/**
 * A run's settings that may differ between runs: the sweep, the preset, the model's, the split's and the
 * training settings (the schema's order), the seed, the data set. An enum's value by its name.
 * @param {Schema} schema @returns {Column[]}
 */
function settings(schema) {
  /** @param {SchemaField} f @returns {Column} */
  const field = (f) => {
    const from = f.group === 'model' ? 'config' : f.group === 'data' ? 'data' : 'schedule';
    return {
      key: f.name, label: f.label, value: (r) => {
        const v = /** @type {Record<string, number>} */ (r[from])[f.js];
        return v === undefined ? null : f.type === 'enum' ? (f.values?.[v] ?? v) : v;
      },
    };
  };
  return [
    { key: 'sweep', label: 'sweep', value: (r) => r.sweep || null },
    { key: 'preset', label: 'preset', value: (r) => r.preset },
    ...schema.fields.filter((f) => (f.group === 'model' || f.group === 'data' || f.group === 'training') && !f.fromData && f.js !== 'seed').map(field),
    { key: 'seed', label: 'seed', value: (r) => r.seed },
    { key: 'dataset', label: 'data set', value: (r) => r.dataset },
  ];
}

/** @param {Column} c @param {RunRecord[]} records @returns {boolean} the column has more than one value among them */
const differs = (c, records) => new Set(records.map((r) => String(c.value(r)))).size > 1;

/** @param {RunRecord[]} records @param {Schema} schema @returns {Column[]} the settings that differ between the runs */
export const settingColumns = (records, schema) => settings(schema).filter((c) => differs(c, records));

/**
 * The page's table and the CSV: the run's name, the settings that differ between the runs, the results
 * (the lecture's numbers if a run has them).
 * @param {RunRecord[]} records @param {Schema} schema @returns {Column[]}
 */
export function tableColumns(records, schema) {
  const lecture = records.some((r) => r.reference);
  return [NAME_COLUMN, ...settingColumns(records, schema), ...RESULT_COLUMNS.filter((c) => lecture || !c.key.startsWith('lecture'))];
}

/**
 * What every run shares, said once above the table: the model (the preset and what differs from it) or else
 * the preset, and the training settings, seed, data set and sweep the same in all,
 * e.g. 'mlp3 · steps 300 · batch size 32 · learning rate 0.1 · ... · seed 5 · data set names.txt'.
 * @param {RunRecord[]} records @param {Schema} schema @returns {string} '' for no runs
 */
export function commonText(records, schema) {
  if (!records.length) return '';
  const r = records[0];
  const modelOrData = new Set(schema.fields.filter((f) => f.group === 'model' || f.group === 'data').map((f) => f.name));
  const sameModel = !differs({ key: 'what', label: '', value: (x) => x.what }, records);
  const parts = settings(schema).filter((c) => !modelOrData.has(c.key) && !(sameModel && c.key === 'preset') && c.value(r) !== null && !differs(c, records))
    .map((c) => `${c.label} ${c.key === 'sweep' ? `“${r.sweep}”` : c.value(r)}`);
  return [...(sameModel ? [r.what] : []), ...parts].join(' · ');
}

/** @param {RunRecord} r @returns {Record<string, string|number|null>} the table's columns by key */
export const tableRow = (r) => Object.fromEntries(COLUMNS.map((c) => [c.key, c.value(r)]));
/** @param {RunRecord} r @param {Column} c @returns {string} */
export const cellText = (r, c) => (c.text ? c.text(r) : String(c.value(r) ?? ''));

/**
 * Sorts records by a column (numbers numerically, nulls last, then text), stably.
 * @param {RunRecord[]} records @param {string} key @param {1|-1} dir @param {Column[]} [columns] where the key is (default COLUMNS)
 * @returns {RunRecord[]}
 */
export function sortRecords(records, key, dir, columns = COLUMNS) {
  const c = columns.find((k) => k.key === key) ?? columns[0];
  return records.map((r, i) => ({ r, i, v: c.value(r) })).sort((a, b) => {
    if (a.v === null || b.v === null) return a.v === b.v ? a.i - b.i : a.v === null ? 1 : -1;
    const d = typeof a.v === 'number' && typeof b.v === 'number' ? a.v - b.v : String(a.v).localeCompare(String(b.v), 'en', { numeric: true });
    return d !== 0 ? d * dir : a.i - b.i;
  }).map((x) => x.r);
}
