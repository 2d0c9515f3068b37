// lab/export.js: the experiment runner's export and import (web/lab/runner.js): the versioned JSON
// export and the CSV (the run's id, the page's table's columns: the swept settings among them, then
// what makes a record whole again), each checked record by record on import.
import { isObject } from './spec.js';
import { tableColumns } from './table.js';

/** @import { RunRecord } from './record.js' */
/** @import { Schema } from '../../wasm/makemore.mjs' */

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

// CSV: the run's id, the page's table's columns (web/lab/table.js tableColumns: the name, the settings
// that differ between the runs by the schema's snake_case names, e.g. n_embd, n_hidden, lr, seed, the
// results), then what makes the record whole again (config, data and schedule as JSON, the curve, the
// validation points), so a CSV imports back too; the import reads the columns by their names.
const CSV_RECORD = ['sweep', 'preset', 'config', 'seed', 'dataset', 'config_json', 'data_json', 'schedule_json', 'val_every', 'reproducible', 'engine',
  'threads', 'steps_trained', 'where', 'finished_at', 'curve_group', 'curve', 'vals'];
/** the columns an import needs (the lecture's numbers are there if a run has them) */
const CSV_NEEDS = ['id', 'name', 'params', 'train', 'val', 'test', 'steps_per_sec', 'wall_s', ...CSV_RECORD];

/** @param {unknown} v @returns {string} */
function csvCell(v) {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** @param {RunRecord[]} records @param {Schema} schema (the settings' names) @returns {string} */
export function exportCsv(records, schema) {
  const cols = tableColumns(records, schema);
  const keys = new Set(cols.map((c) => c.key));
  /** @type {Record<string, (r: RunRecord) => unknown>} */
  const whole = {
    sweep: (r) => r.sweep, preset: (r) => r.preset, config: (r) => r.what, seed: (r) => r.seed, dataset: (r) => r.dataset,
    config_json: (r) => JSON.stringify(r.config), data_json: (r) => JSON.stringify(r.data), schedule_json: (r) => JSON.stringify(r.schedule),
    val_every: (r) => r.valEvery, reproducible: (r) => r.reproducible, engine: (r) => r.engine, threads: (r) => r.threads, steps_trained: (r) => r.steps,
    where: (r) => r.where, finished_at: (r) => r.finishedAt, curve_group: (r) => r.curve.group, curve: (r) => r.curve.y.join(' '),
    vals: (r) => r.vals.map((v) => `${v.step}:${v.loss}`).join(' '),
  };
  const extra = CSV_RECORD.filter((k) => !keys.has(k)); // a swept seed, preset, data set or sweep is a column already
  const head = ['id', ...cols.map((c) => c.key), ...extra];
  const rows = records.map((r) => [
    r.id,
    // a swept seed, preset, data set or sweep as the record has it; the rate and the time exactly
    ...cols.map((c) => (whole[c.key] ? whole[c.key](r) : c.key === 'steps_per_sec' ? r.stepsPerSec : c.key === 'wall_s' ? r.wallSec : c.value(r))),
    ...extra.map((k) => whole[k](r)),
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
  const lacks = CSV_NEEDS.filter((k) => !head.includes(k));
  if (lacks.length) refuse(`not a run table of makemore-wasm (its header lacks ${lacks.join(', ')})`);
  return rows.slice(1).map((row, i) => {
    if (row.length !== head.length) refuse(`row ${i + 1} has ${row.length} cells, not ${head.length}: the file is cut short or not an export`);
    const c = Object.fromEntries(head.map((k, j) => [k, row[j]]));
    const num = (/** @type {string} */ s) => (s === '' ? null : Number(s));
    const json = (/** @type {string} */ k) => { try { return JSON.parse(c[k]); } catch { return refuse(`row ${i + 1}: ${k} is not JSON`); } };
    const record = {
      id: c.id, name: c.name, sweep: c.sweep, preset: c.preset, what: c.config, config: json('config_json'), data: json('data_json'),
      schedule: json('schedule_json'), seed: c.seed, valEvery: Number(c.val_every), dataset: c.dataset, reproducible: c.reproducible === 'true',
      engine: c.engine, threads: Number(c.threads), params: Number(c.params), steps: Number(c.steps_trained),
      train: num(c.train), val: num(c.val), test: num(c.test), stepsPerSec: Number(c.steps_per_sec), wallSec: Number(c.wall_s),
      curve: { group: Number(c.curve_group), y: c.curve ? c.curve.split(' ').map(Number) : [] },
      vals: c.vals ? c.vals.split(' ').map((s) => { const [step, l] = s.split(':'); return { step: Number(step), loss: Number(l) }; }) : [],
      reference: !c.lecture_train ? null : { train: Number(c.lecture_train), val: Number(c.lecture_val) },
      where: c.where, finishedAt: Number(c.finished_at),
    };
    return checkRecord(record, `row ${i + 1}`);
  });
}
