// page/form.js: the trainer page's settings form: the model (preset, architecture, the
// data's split, its parameter count checked by the worker as you type) and the training
// settings, whose fields come from the core's schema (web/page/fields.js); a schedule change
// applies to the current run; Train starts a new run with the form's settings.
import { autoValEvery } from '../shared/losses.js';
import { isActive, hasTrainer } from '../shared/run-state.js';
import { decayAtSameFraction } from '../../wasm/api/settings.mjs';
import { confirmNewRun } from './confirm.js';
import { errText } from '../shared/errors.js';
import { $, fmt, showError, setStatus } from './dom.js';
import { state, subscribe, notify } from './state.js';
import { worker } from './connection.js';
import { markField, clearField, clearFields } from './field-errors.js';
import { appliesTo, buildFields, familyName, fieldOf, fieldOfMessage, groupFields, groupOf, readField, readGroup, fillGroup, sameGroup, showBatchUnit, familyDoc } from './fields.js';
import { showFormModel } from './model-card.js';
import { statsEvery } from './diag-view.js';

/** The fields a run takes while it trains (trainer.setSchedule, and the validation interval). */
const LIVE = ['steps', 'lr', 'lrDecayed', 'decayStep', 'valEvery'];
/** @param {string} id @returns {boolean} a field that makes the model or its split (a preset sets them) */
const isArch = (id) => id === 'structure' || groupOf(id) === 'model' || groupOf(id) === 'data';
/** The model and training fields of the form (the schema's). */
const ALL = () => [...groupFields('model'), ...groupFields('training')];

// ---------------------------------------------------------------- reading the form
/** @param {string} id @param {string} label @param {number} [max] @returns {number} one of the page's own whole-number fields */
function pageInt(id, label, max = Number.MAX_SAFE_INTEGER) {
  const raw = String($(id).value).trim();
  const bad = (/** @type {string} */ m) => Object.assign(new Error(m), { field: id }); // the field is marked (field-errors.js)
  if (!/^\d+$/.test(raw)) throw bad(`${label} must be a whole number${raw ? `, not “${raw}”` : ''}`);
  const n = Number(raw);
  if (n > max) throw bad(`${label}: at most ${max}`);
  return n;
}

/** @returns {{form: number, optimizer: number}} the Model family and Optimizer fields (the schema's indices; 0 without them) */
const chosen = () => ({ form: Number($('form')?.value ?? 0), optimizer: Number($('optimizer')?.value ?? 0) });
/** @returns {boolean} the lecture's family is chosen: its Structure choice applies (flat, or hierarchical) */
const lectureFamily = () => familyName(chosen().form) === 'examples';

/**
 * The model and training fields the form's choices leave unused (shown disabled, not sent): another family's
 * or optimizer's own, a common setting the family does not read, and the Structure choice of the lecture's
 * family (a flat MLP has no group size: 0 is sent; a hierarchical model one hidden block per level: 1).
 * @returns {{unused: string[], fixed: Record<string, number>}}
 */
function unusedFields() {
  const c = chosen();
  const unused = ALL().filter((f) => !appliesTo(f, c)).map((f) => f.js);
  /** @type {Record<string, number>} */
  const fixed = {};
  if (lectureFamily()) Object.assign(fixed, $('structure').value === 'hier' ? { nFlatLayers: 1 } : { nConsec: 0 });
  return { unused, fixed };
}

/** @returns {import('../shared/protocol.js').CheckRequest['config']} the model configuration in the form (throws an Error with a message) */
function readConfig() {
  const { unused, fixed } = unusedFields();
  return /** @type {any} */ ({ ...readGroup('model', [...unused, ...Object.keys(fixed)]), ...fixed });
}

/** @returns {import('../shared/protocol.js').CheckRequest['data']} how the word list is split (throws an Error with a message) */
const readData = () => /** @type {any} */ (readGroup('data'));

/** @returns {import('../shared/protocol.js').Schedule} (throws an Error with a message) */
function readSchedule() {
  const [steps, lr, lrDecayed, decayStep] = ['steps', 'lr', 'lrDecayed', 'decayStep'].map((k) => Number(readField(fieldOf(k))));
  const valEvery = String($('valEvery').value).trim() === '' ? autoValEvery(steps) : pageInt('valEvery', 'Validate every');
  return { steps, lr, lrDecayed, decayStep, valEvery };
}

/** @returns {number} the Threads field: 0 (empty: the cores available) or 1..64 */
function readThreads() {
  if (String($('threads').value).trim() === '') return 0;
  const n = pageInt('threads', 'Threads', 64);
  if (n < 1) throw Object.assign(new Error('Threads must be at least 1'), { field: 'threads' });
  return n;
}

/** @returns {import('../shared/protocol.js').TrainRequest} a new run's settings (throws an Error with a message) */
export function readSettings() {
  const training = readGroup('training', unusedFields().unused);
  const { valEvery } = readSchedule();
  return { config: readConfig(), data: readData(), training, valEvery, threads: readThreads(), reproducible: $('reproducible').checked };
}

// ---------------------------------------------------------------- filling it
/** @param {Record<string, unknown>} config a model's configuration @param {Record<string, unknown>} data its split's settings */
function fillArch(config, data) {
  fillGroup('model', { ...config, nConsec: config.nConsec || 2, nFlatLayers: config.nFlatLayers || 1 });
  fillGroup('data', data);
  $('structure').value = config.nConsec ? 'hier' : 'flat';
  syncStructure();
}

// The fields the chosen family and optimizer leave unused, disabled; the Structure choice is the lecture family's.
function syncStructure() {
  if (!$('nConsec')) return; // the schema's fields come with the module
  const lecture = lectureFamily();
  if (!lecture) $('structure').value = 'hier';
  $('structure').disabled = !lecture;
  const { unused, fixed } = unusedFields();
  for (const f of ALL()) $(f.js).disabled = unused.includes(f.js) || f.js in fixed;
  showBatchUnit(chosen().form);
}

/** The chosen preset's documentation under its select (the core's); custom: the chosen family's. */
function showPresetDoc() {
  const p = state.presets.find((q) => q.name === $('preset').value);
  const { form } = chosen();
  $('preset-doc').textContent = p?.doc ? `${p.name}: ${p.doc}.` : familyDoc(form) ? `custom, of the ${familyName(form)} family: ${familyDoc(form)}.` : '';
}

function renderPresetOptions() {
  const sel = $('preset');
  const keep = sel.value;
  const opts = state.presets.map((p) => {
    const o = document.createElement('option');
    o.value = p.name;
    o.textContent = `${p.name} · ${fmt(p.numParams)} params`;
    return o;
  });
  const custom = document.createElement('option');
  custom.value = 'custom';
  custom.textContent = 'custom';
  sel.replaceChildren(...opts, custom);
  if (keep) sel.value = keep;
}

/** Matches the preset select to the form's configuration and split. */
function matchPreset() {
  let c;
  let d;
  try {
    c = readConfig();
    d = readData();
  } catch {
    $('preset').value = 'custom';
    return;
  }
  $('preset').value = state.presets.find((p) => sameGroup(p.config, c, 'model') && sameGroup(p.data, d, 'data'))?.name ?? 'custom';
  showPresetDoc();
}

/** The form at the start: the schema's fields at their defaults, then the wavenet76k preset. @param {import('../shared/protocol.js').InitResult} r */
export function initForm(r) {
  buildFields(r.schema);
  renderPresetOptions();
  const first = state.presets.find((p) => p.name === 'wavenet76k') ?? state.presets[0];
  $('preset').value = first.name;
  fillArch(first.config, first.data);
  showPresetDoc();
  updateValPlaceholder();
  notify('form');
}

/** Shows a loaded model's configuration, split and schedule in the form. @param {import('../shared/protocol.js').RunInfo} r */
export function fillForm(r) {
  fillArch(r.config, r.data);
  const t = r.training;
  if (t) {
    fillGroup('training', t);
    $('valEvery').value = r.valEvery === autoValEvery(t.steps) ? '' : r.valEvery;
  }
  updateValPlaceholder();
  matchPreset();
  if (t) { // a loaded run's own decay step stays when Steps changes, unless it is at its preset's fraction
    const p = presetSchedule();
    decayTyped = Number(t.decayStep) !== decayAtSameFraction(p.decayStep, p.steps, Number(t.steps), Number.MAX_SAFE_INTEGER);
  }
  checkConfig();
}

function updateValPlaceholder() {
  const s = Number($('steps').value);
  $('valEvery').placeholder = Number.isInteger(s) && s > 0 ? `auto (${fmt(autoValEvery(s))})` : 'auto';
}

// ---------------------------------------------------------------- checking the model
let checkSeq = 0;
/**
 * Asks the worker for the parameter count (and validity) of the form's configuration.
 * @returns {Promise<import('../shared/protocol.js').CheckResult|null>} null: not asked (no module yet, or the form is unreadable)
 */
export async function checkConfig() {
  if (!state.ready) return null;
  const seq = ++checkSeq;
  let config;
  let data;
  try {
    config = readConfig();
    data = readData();
  } catch (e) {
    showConfig(null, errText(e));
    showFormModel({ layers: null, batch: 0, problem: errText(e), unreadable: true });
    return null;
  }
  const r = await worker.call('check', { config, data, batch: readBatch() });
  if (seq !== checkSeq) return r; // a newer check is on its way
  showFormModel({ layers: r.layers, batch: r.batch, problem: r.layersProblem, settings: { ...config, ...data } });
  state.presets = r.presets;
  renderPresetOptions();
  matchPreset();
  showConfig(r.numParams, r.problem);
  if (r.split) {
    state.split = r.split;
    notify('split');
  }
  return r;
}

/** @returns {number|undefined} the form's batch size, for the model's shapes (undefined: unreadable, the worker's 32) */
function readBatch() {
  try {
    return Number(readField(fieldOf('batchSize')));
  } catch {
    return undefined;
  }
}

/** @param {number|null} n @param {string|null} problem */
function showConfig(n, problem) {
  $('params').textContent = n == null ? 'Parameters: –' : `Parameters: ${fmt(n)}${state.dataInfo ? ` (vocabulary of ${state.dataInfo.vocabSize})` : ''}`;
  showError('config-error', problem ? `Impossible model: ${problem}` : null);
}

// ---------------------------------------------------------------- a schedule for the current run
/** @type {ReturnType<typeof setTimeout>|0} */
let scheduleTimer = 0;
/** @param {number} ms */
function queueSchedule(ms) {
  clearTimeout(scheduleTimer);
  scheduleTimer = setTimeout(applySchedule, ms);
}

/** Sends the form's schedule to the current run (it takes effect at its next step). */
async function applySchedule() {
  clearTimeout(scheduleTimer);
  const run = state.run;
  if (!run || run.kind !== 'trainer' || !(isActive(state.runState) || state.runState === 'done')) return;
  let s;
  try {
    s = readSchedule();
  } catch (e) {
    refuseSchedule(e, run);
    return;
  }
  if (s.steps === run.steps && s.lr === run.lr && s.lrDecayed === run.lrDecayed && s.decayStep === run.decayStep && s.valEvery === run.valEvery) return;
  const done = state.stepsDone;
  if (state.runState === 'done' && s.steps <= done) {
    setStatus(`Done. Changed settings apply to a new run (press Train), or raise Steps above ${fmt(done)} to train this model further.`);
    return;
  }
  if (s.steps < done) {
    refuseSchedule(Object.assign(new Error(`Steps must be at least the ${fmt(done)} steps done`), { field: 'steps' }), run);
    return;
  }
  let m;
  try {
    m = await worker.call('setSchedule', s);
  } catch (e) {
    refuseSchedule(e, run);
    return;
  }
  if (state.run?.id !== m.runId) return;
  Object.assign(state.run, { steps: m.steps, lr: m.lr, lrDecayed: m.lrDecayed, decayStep: m.decayStep, valEvery: m.valEvery });
  showError('train-error', null);
  clearFields(LIVE);
  const drop = m.decayStep < m.steps && m.lr !== m.lrDecayed ? `, then ${m.lrDecayed} from step ${fmt(m.decayStep)}` : '';
  setStatus(`Schedule applied at step ${fmt(m.step)}: ${fmt(m.steps)} steps, learning rate ${m.lr}${drop}.`);
  notify('schedule');
}

/**
 * A schedule the run did not take: the reason at the field and beside Train, with what the run goes on with.
 * @param {unknown} e why @param {import('./state.js').PageRun} run
 */
function refuseSchedule(e, run) {
  const id = fieldOfMessage(e);
  const applied = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (run))[id ?? ''];
  const text = `Not applied: ${errText(e)}. The run goes on with ${typeof applied === 'number' ? `${id === 'steps' ? fmt(applied) : applied}` : 'its schedule'}.`;
  if (id) markField(id, text);
  showError('train-error', text);
}

/** A Train the page or the worker refused: the reason at the field it names and beside Train. @param {unknown} e */
function refuseTrain(e) {
  const id = fieldOfMessage(e);
  const goesOn = state.run && isActive(state.runState) ? ' The current run goes on.' : '';
  const text = `Not started: ${errText(e).replace(/\.$/, '')}.${goesOn}`;
  if (id) markField(id, `Not started: ${errText(e).replace(/\.$/, '')}.`);
  showError('train-error', text);
  setStatus(text);
}

// ---------------------------------------------------------------- a new run
/** Train: a new run with the form's settings. */
export async function onTrain() {
  showError('train-error', null);
  let settings;
  try {
    settings = { ...readSettings(), statsEvery: statsEvery() };
  } catch (e) {
    refuseTrain(e);
    return;
  }
  const r = await checkConfig();
  if (!r || r.problem) {
    refuseTrain(r?.problem ?? $('config-error').textContent);
    return;
  }
  state.starting = true;
  notify('busy');
  setStatus('Starting…');
  try {
    await worker.call('train', settings); // the 'run' event came first
    clearFields();
  } catch (e) {
    refuseTrain(e); // the current run, if any, goes on
  } finally {
    state.starting = false;
    notify('busy');
  }
}

// ---------------------------------------------------------------- the decay step follows Steps
/** the user typed a decay step of their own (a preset or a loaded model's schedule clears it) */
let decayTyped = false;

/** Steps changed: the decay step moves to the same fraction of the run as the preset's (the lecture: 150,000 of 200,000). */
function decayFollowsSteps() {
  const steps = Number($('steps').value);
  if (decayTyped || !Number.isInteger(steps) || steps < 1) return;
  // the form still shows a run that passed its decay: it keeps it (raising its Steps trains it further at the decayed
  // rate), as the CLIs' --resume; a preset chosen since (its own decay step in the field) follows Steps again
  const run = state.run;
  const showsRun = run && run.kind === 'trainer' && hasTrainer(state.runState) && Number($('decayStep').value) === run.decayStep;
  if (showsRun && state.stepsDone >= run.decayStep) return;
  const t = presetSchedule();
  $('decayStep').value = String(decayAtSameFraction(t.decayStep, t.steps, steps, Number(fieldOf('decayStep').max ?? Number.MAX_SAFE_INTEGER)));
}

/** @returns {{steps: number, decayStep: number}} the schedule of the form's preset (custom: the schema's defaults, the lecture's 150,000 of 200,000) */
function presetSchedule() {
  const p = state.presets.find((q) => q.name === $('preset').value);
  const t = p?.training;
  if (t && Number(t.steps) > 0) return { steps: Number(t.steps), decayStep: Number(t.decayStep) };
  return { steps: Number(fieldOf('steps').default), decayStep: Number(fieldOf('decayStep').default) };
}

// ---------------------------------------------------------------- typing in the form
/** @param {Event} e */
function onSettingsInput(e) {
  const target = /** @type {HTMLElement} */ (e.target);
  if (target.id === 'preset') {
    const p = state.presets.find((q) => q.name === $('preset').value);
    if (p) {
      fillArch(p.config, p.data);
      // its schedule and optimizer (the whole-word forms: batches of 256; bigram: AdamW); the seed stays the user's
      const { seed, ...training } = p.training;
      fillGroup('training', training);
      decayTyped = false;
      syncStructure();
      updateValPlaceholder();
    }
  } else if (isArch(target.id)) {
    syncStructure();
    matchPreset();
  } else if (target.id === 'optimizer') syncStructure();
  if (target.id === 'steps' || target.id === 'preset') {
    decayFollowsSteps();
    updateValPlaceholder();
    notify('form');
  }
  if (target.id === 'decayStep') decayTyped = true;
  showError('train-error', null);
  clearField(target.id);
  if (target.id === 'threads') { // applies at once, to any run (the numbers do not depend on it)
    try {
      worker.call('setThreads', { threads: readThreads() }).catch((err) => showError('train-error', errText(err)));
    } catch (err) {
      showError('train-error', errText(err));
    }
    return;
  }
  checkConfig();
  const run = state.run;
  if (!run || run.kind !== 'trainer' || state.runState === 'failed') return;
  if (LIVE.includes(target.id)) {
    // The schedule applies to the current run: typing settles for a moment, a committed value at once.
    queueSchedule(e.type === 'change' ? 0 : 700);
  } else if (isActive(state.runState)) {
    state.settingsChanged = true;
    setStatus('Model, batch size and seed changes need a new run: press Train (new run) to start one; the current run continues until then.');
  }
}

subscribe(['words'], checkConfig); // the parameter count and split sizes of the new word list
const form = $('settings');
form.addEventListener('input', onSettingsInput);
form.addEventListener('change', (/** @type {Event} */ e) => {
  if (/** @type {HTMLElement} */ (e.target).tagName === 'SELECT') return; // handled by input
  onSettingsInput(e);
});
// Enter in a schedule field applies it to the current run at once.
form.addEventListener('keydown', (/** @type {KeyboardEvent} */ e) => {
  if (e.key === 'Enter' && LIVE.includes(/** @type {HTMLElement} */ (e.target).id) && state.run && state.run.kind === 'trainer') {
    e.preventDefault();
    applySchedule();
  }
});
form.addEventListener('submit', (/** @type {Event} */ e) => {
  e.preventDefault();
  // Enter in a field: during a run it applies the schedule; only the Train button replaces a run.
  if (state.run && state.run.kind === 'trainer' && (isActive(state.runState) || state.runState === 'done') && !state.settingsChanged) applySchedule();
  else confirmNewRun().then((yes) => { if (yes) onTrain(); });
});
