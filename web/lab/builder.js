// lab/builder.js: the lab's sweep builder (web/lab/page.js runs what it gives): the runs of "Run sweep"
// (one or two settings with comma-separated values, optional seeds, over the form's settings), of
// "Reproduce the lecture" (web/lab/lecture.json) and of "makemore.py's models" (web/lab/makemore.json: every
// family at its preset, on the page's word list), all at the builder's "Steps per run" (blank: the form's
// Steps; makemore.py's models: each preset's own), each run's learning-rate decay at the same fraction of it
// (web/lab/spec.js withSteps);
// and the line under the buttons saying, before a sweep starts and as the fields change, how many runs
// and steps each button trains and for about how long: at the steps/s of the last run measured in this
// page (its training steps over the time inside wasm, as a record's stepsPerSec), else of the last
// finished run kept, over the runs at a time; unknown until a run has been measured.
import { $, fmt } from '../page/dom.js';
import { state, subscribe } from '../page/state.js';
import { readSettings } from '../page/form.js';
import { errText } from '../shared/errors.js';
import { describeConfig, expandSpec, withSteps } from './runner.js';
import { lab } from './view.js';

/** @typedef {import('./runner.js').RunPlan} RunPlan @typedef {import('../../wasm/makemore.mjs').Schema} Schema */

/** @type {Schema|null} */
let schema = null;
/** @type {Map<string, unknown>} the built-in sweeps (lecture.json, makemore.json), once fetched */
const builtIn = new Map();
/** the run measured last in this page: its name, steps trained and time inside wasm @type {{name: string, steps: number, ms: number}|null} */
let measured = null;

/** @param {string} file a built-in sweep beside this module @returns {Promise<unknown>} its spec (fetched once) */
async function builtInJson(file) {
  if (builtIn.has(file)) return builtIn.get(file);
  const res = await fetch(new URL(`./${file}`, import.meta.url));
  if (!res.ok) throw new Error(`${file}: HTTP ${res.status}`);
  builtIn.set(file, await res.json());
  renderPlan();
  return builtIn.get(file);
}
/** @returns {Promise<unknown>} lecture.json (fetched once) */
export const lectureJson = () => builtInJson('lecture.json');
/** @returns {Promise<unknown>} makemore.json (fetched once) */
export const makemoreJson = () => builtInJson('makemore.json');

/** @param {string} text comma-separated values @param {string} what @returns {(number|string)[]} */
function listOf(text, what) {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (!items.length) throw new Error(`${what}: give comma-separated values`);
  return items.map((s) => (/^-?[\d.]+(e-?\d+)?$/i.test(s) ? Number(s) : s));
}

/** @returns {number|null} "Steps per run" (null: blank, the form's Steps); throws if it is not a step count */
export function stepsPerRun() {
  const text = String($('lab-lecture-steps').value).trim();
  if (!text) return null;
  const f = schema?.fields.find((g) => g.js === 'steps');
  const n = Number(text);
  if (!Number.isInteger(n) || n < (f?.min ?? 1) || (f?.max !== undefined && n > f.max)) throw new Error(`Steps per run: ${f?.expects ?? 'a whole number >= 1'}`);
  return n;
}

/** @returns {number} the steps each run trains: "Steps per run", or the form's Steps (throws if either is not valid) */
function runSteps() {
  return stepsPerRun() ?? Number(readSettings().training.steps);
}

/** The builder's spec: the form's settings as the base, the chosen settings' values as the grid. @returns {unknown} */
function builderSpec() {
  const s = readSettings();
  const { seed, ...training } = /** @type {Record<string, number>} */ (s.training);
  /** @type {Record<string, unknown[]>} */
  const grid = {};
  for (const k of ['1', '2']) {
    const key = $(`lab-key${k}`).value;
    if (key) grid[key] = listOf($(`lab-values${k}`).value, `values of ${key}`);
  }
  const seeds = $('lab-seeds').value.trim();
  if (seeds) grid.seed = listOf(seeds, 'seeds');
  if (!Object.keys(grid).length) throw new Error('choose a setting and its values, or seeds');
  const preset = $('preset').value;
  /** @type {Record<string, number>} */
  const schedule = { ...training, valEvery: s.valEvery };
  if ('steps' in grid) {
    // each swept step count decays at the preset's fraction of it, and validates at its own interval (expandSpec)
    if (!('decayStep' in grid)) delete schedule.decayStep;
    if (String($('valEvery').value).trim() === '') delete schedule.valEvery;
  }
  return {
    name: $('lab-name').value.trim() || 'sweep',
    base: { ...(preset !== 'custom' ? { preset } : {}), config: { ...s.config, ...s.data }, schedule,
      seed: String(seed), dataset: state.dataInfo?.source ?? 'names.txt', reproducible: s.reproducible },
    grid,
  };
}

/**
 * The plans at n steps a run (its decay at the same fraction, unless the decay step is what is swept); a sweep
 * over the steps keeps its own.
 * @param {RunPlan[]} plans @param {number} n @param {Record<string, unknown>} grid the swept settings
 */
function atSteps(plans, n, grid) {
  if ('steps' in grid) return plans;
  return plans.map((p) => {
    if (p.schedule.steps === n) return p;
    const [q] = withSteps([p], n);
    return 'decayStep' in grid ? { ...q, schedule: { ...q.schedule, decayStep: p.schedule.decayStep } } : q; // the swept value as given
  });
}

/** @returns {RunPlan[]} Run sweep's runs (throws an Error saying what is wrong) */
export function sweepPlans() {
  const spec = /** @type {{grid: Record<string, unknown>}} */ (builderSpec());
  return atSteps(expandSpec(spec, /** @type {Schema} */ (schema)), runSteps(), spec.grid);
}

/** @param {unknown} spec lecture.json @returns {RunPlan[]} Reproduce the lecture's runs (throws an Error saying what is wrong) */
export function lecturePlans(spec) {
  const reproducible = !!$('reproducible').checked; // the form's engine choice
  return atSteps(expandSpec(spec, /** @type {Schema} */ (schema)), runSteps(), {}).map((p) => ({ ...p, reproducible }));
}

/**
 * @param {unknown} spec makemore.json @returns {RunPlan[]} makemore.py's models' runs: each preset's steps, or "Steps per run";
 * on the page's word list (makemore.py's --input-file); the form's engine (throws an Error saying what is wrong)
 */
export function makemorePlans(spec) {
  const reproducible = !!$('reproducible').checked;
  const s = /** @type {Schema} */ (schema);
  const plans = expandSpec(spec, s);
  const n = stepsPerRun();
  const dataset = state.dataInfo?.source;
  const maxLen = state.dataInfo?.maxLen;
  // makemore.py's block: the page's list's longest word and its end (names.txt: the presets' 16)
  const block = (/** @type {RunPlan} */ p) => {
    if (!maxLen || !s.families[p.config.form ?? 0]?.words) return p;
    const config = { ...p.config, blockSize: maxLen + 1 };
    return { ...p, config, what: describeConfig(s, p.preset, config, p.data) };
  };
  return (n === null ? plans : atSteps(plans, n, {})).map((p) => ({ ...block(p), reproducible, dataset: dataset ?? p.dataset }));
}

/** The run a lane trains measured its steps so far: the estimates use its rate. @param {string} name @param {number} steps @param {number} ms inside wasm */
export function noteRate(name, steps, ms) {
  measured = { name, steps, ms };
  if (performance.now() - drawnAt > 1000) refresh();
}

/** @returns {{rate: number, of: string}|null} steps/s of the run measured last in this page, else of the last finished run kept */
function lastRate() {
  if (measured && measured.ms >= 50) return { rate: (measured.steps * 1000) / measured.ms, of: measured.name };
  const r = lab.runs.filter((x) => x.stepsPerSec > 0).reduce((/** @type {import('./runner.js').RunRecord|null} */ a, x) => (!a || x.finishedAt >= a.finishedAt ? x : a), null);
  return r ? { rate: r.stepsPerSec, of: r.name } : null;
}

/** @param {number} s seconds @returns {string} */
export function duration(s) {
  s = Math.max(1, Math.round(s));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/**
 * What a button trains, in words: "4 runs, 1,200 steps (300 a run, decay at 225), about 2 s at 1,300 steps/s ..."
 * @param {RunPlan[]} plans @param {{rate: number, of: string}|null} rate @param {number} lanes runs at a time
 * @returns {string}
 */
export function planText(plans, rate, lanes) {
  const total = plans.reduce((n, p) => n + p.schedule.steps, 0);
  const steps = new Set(plans.map((p) => p.schedule.steps));
  const decay = new Set(plans.map((p) => p.schedule.decayStep));
  const one = plans[0].schedule;
  const drop = one.decayStep < one.steps && one.lr !== one.lrDecayed ? `decay at ${fmt(one.decayStep)}` : 'no decay';
  const each = steps.size === 1 ? ` (${fmt(one.steps)} a run${decay.size === 1 ? `, ${drop}` : ''})` : '';
  const n = Math.min(lanes, plans.length);
  const time = rate
    ? `about ${duration(total / rate.rate / n)} of training at ${fmt(Math.round(rate.rate))} steps/s a run${n > 1 ? `, ${n} at a time` : ''} (as ${rate.of} trained; other models train at other speeds)`
    : 'time unknown until a run has been measured';
  return `${plans.length} run${plans.length === 1 ? '' : 's'}, ${fmt(total)} steps${each}: ${time}.`;
}

let drawnAt = -Infinity;
let pending = false;

/** Redraws the line soon (once for many changes). */
export function refresh() {
  if (pending) return;
  pending = true;
  setTimeout(renderPlan, 0);
}

/** The placeholder of "Steps per run" (the form's Steps) and the line under the buttons, now. */
export function renderPlan() {
  pending = false;
  drawnAt = performance.now();
  if (!schema) return;
  let formSteps = '';
  try {
    formSteps = fmt(Number(readSettings().training.steps));
  } catch {
    // the form says what is wrong
  }
  $('lab-lecture-steps').placeholder = formSteps ? `${formSteps} (form)` : "the form's Steps";
  const lecture = builtIn.get('lecture.json'), makemore = builtIn.get('makemore.json');
  const rate = lastRate();
  const lanes = Number($('lab-lanes').value) || 1;
  /** @param {() => RunPlan[]} plans @returns {string} */
  const line = (plans) => {
    try {
      return planText(plans(), rate, lanes);
    } catch (e) {
      return `${errText(e).replace(/\.$/, '')}.`;
    }
  };
  /** @param {string} text */
  const span = (text) => Object.assign(document.createElement('span'), { textContent: text });
  $('lab-plan').replaceChildren(span(`Run sweep: ${line(sweepPlans)}`), ' ',
    span(`Reproduce the lecture: ${lecture ? line(() => lecturePlans(lecture)) : 'its runs are being read.'}`), ' ',
    span(`makemore.py's models: ${makemore ? line(() => makemorePlans(makemore)) : 'its runs are being read.'}`));
}

/** The builder after the module loaded: its setting choices from the schema, the line kept up to date. @param {Schema} s */
export function initBuilder(s) {
  schema = s;
  const keys = s.fields.filter((f) => (f.group === 'model' || f.group === 'data' || f.group === 'training') && !f.fromData && f.js !== 'seed');
  for (const k of ['1', '2']) {
    const sel = $(`lab-key${k}`);
    const none = Object.assign(document.createElement('option'), { value: '', textContent: '—' });
    sel.replaceChildren(none, ...keys.map((f) => Object.assign(document.createElement('option'), { value: f.js, textContent: `${f.label} (${f.js})` })));
  }
  lectureJson().catch(() => {}); // said when the button is pressed
  makemoreJson().catch(() => {});
  renderPlan();
}

// any field of the form or the builder changed (a preset fills the form in its own change handler, before this)
for (const type of ['input', 'change']) document.addEventListener(type, refresh);
subscribe(['ready', 'words', 'schedule'], refresh);
