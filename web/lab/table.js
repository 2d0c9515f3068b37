// lab/table.js: the experiment runner's results table (web/lab/runner.js): its columns, for the
// page's table, the CSV and bench/sweep.mjs's JSON lines; the cells' text; sorting.

/** @import { Schedule } from './spec.js' */
/** @import { RunRecord } from './record.js' */

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
