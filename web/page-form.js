// page-form.js: the trainer page's settings form: the model (preset, architecture, its
// parameter count checked by the worker as you type) and the training settings; a
// schedule change applies to the current run.
import { autoValEvery } from './losses.js';
import { isActive } from './run-state.js';
import { $, fmt, view, worker, showError, setStatus, errText } from './page-shared.js';
import { showSplit } from './page-data.js';
import { onTrain, updateButtons, renderProgress } from './page-run.js';
import { dirtyChart } from './page-chart.js';

const MAX_STEPS = 10_000_000;
const ARCH = ['blockSize', 'nEmbd', 'nHidden', 'nConsec', 'nFlatLayers', 'bnMode', 'splitShuffles'];
const LABELS = /** @type {Record<string, string>} */ ({
  blockSize: 'Block size',
  nEmbd: 'Embedding size',
  nHidden: 'Hidden size',
  nConsec: 'Group size',
  nFlatLayers: 'Hidden layers',
  splitShuffles: 'Split shuffles',
  steps: 'Steps',
  batchSize: 'Batch size',
  decayStep: 'Decay step',
  valEvery: 'Validate every',
  threads: 'Threads',
  lr: 'Learning rate',
  lrDecayed: 'Decayed learning rate',
  seed: 'Seed',
});
/** The fields a run takes while it trains (trainer.setSchedule, and the validation interval). */
const LIVE = ['steps', 'lr', 'lrDecayed', 'decayStep', 'valEvery'];

// ---------------------------------------------------------------- reading the form
/** @param {string} name @param {number} [min] @returns {number} */
function intField(name, min = 0) {
  const raw = String($(name).value).trim();
  if (!/^\d+$/.test(raw)) throw new Error(`${LABELS[name]} must be a whole number${raw ? `, not “${raw}”` : ''}`);
  const n = Number(raw);
  if (n < min) throw new Error(`${LABELS[name]} must be at least ${min}`);
  if (n > 0x7fffffff) throw new Error(`${LABELS[name]} is too large`);
  return n;
}

/** @param {string} name @returns {number} a number field ≥ 0 */
function numField(name) {
  const raw = String($(name).value).trim();
  const v = Number(raw);
  if (raw === '' || !Number.isFinite(v) || v < 0) throw new Error(`${LABELS[name]} must be a number ≥ 0`);
  return v;
}

/** @returns {import('./protocol.js').CheckRequest['config']} the model configuration in the form (throws an Error with a message) */
function readConfig() {
  const hier = $('structure').value === 'hier';
  return {
    blockSize: intField('blockSize', 1),
    nEmbd: intField('nEmbd', 1),
    nHidden: intField('nHidden', 1),
    nConsec: hier ? intField('nConsec', 2) : 0,
    nFlatLayers: hier ? 1 : intField('nFlatLayers', 1),
    bnMode: Number($('bnMode').value),
    splitShuffles: intField('splitShuffles', 0),
  };
}

/** @returns {import('./protocol.js').Schedule} (throws an Error with a message) */
function readSchedule() {
  const steps = intField('steps', 1);
  if (steps > MAX_STEPS) throw new Error(`Steps: at most ${fmt(MAX_STEPS)}`);
  const lr = numField('lr');
  const lrDecayed = numField('lrDecayed');
  const decayStep = intField('decayStep', 0);
  const valRaw = String($('valEvery').value).trim();
  return { steps, lr, lrDecayed, decayStep, valEvery: valRaw === '' ? autoValEvery(steps) : intField('valEvery', 0) };
}

/** @returns {number} the Threads field: 0 (empty: the cores available) or 1..64 */
function readThreads() {
  if (String($('threads').value).trim() === '') return 0;
  const n = intField('threads', 1);
  if (n > 64) throw new Error('Threads: at most 64');
  return n;
}

/** @returns {import('./protocol.js').TrainRequest} a new run's settings (throws an Error with a message) */
export function readSettings() {
  const schedule = readSchedule();
  const batchSize = intField('batchSize', 1);
  const seedRaw = String($('seed').value).trim();
  if (!/^\d+$/.test(seedRaw) || BigInt(seedRaw) >= 1n << 64n) throw new Error('Seed must be a whole number from 0 to 2^64-1');
  const seed = BigInt(seedRaw) <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(seedRaw) : BigInt(seedRaw);
  return { ...schedule, batchSize, seed, threads: readThreads(), reproducible: $('reproducible').checked, config: readConfig() };
}

// ---------------------------------------------------------------- filling it
/** @param {import('../wasm/makemore.mjs').ModelConfig | import('./protocol.js').CheckRequest['config']} c */
function fillArch(c) {
  $('blockSize').value = c.blockSize;
  $('nEmbd').value = c.nEmbd;
  $('nHidden').value = c.nHidden;
  $('structure').value = c.nConsec ? 'hier' : 'flat';
  $('nConsec').value = c.nConsec || 2;
  $('nFlatLayers').value = c.nFlatLayers || 1;
  $('bnMode').value = String(c.bnMode);
  $('splitShuffles').value = c.splitShuffles;
  syncStructure();
}

function syncStructure() {
  const hier = $('structure').value === 'hier';
  $('nConsec').disabled = !hier;
  $('nFlatLayers').disabled = hier;
}

/** @param {any} a @param {any} b */
const sameConfig = (a, b) => ARCH.every((k) => Number(a[k]) === Number(b[k]));

function renderPresetOptions() {
  const sel = $('preset');
  const keep = sel.value;
  const opts = view.presets.map((p) => {
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

/** Matches the preset select to the form's configuration. */
function matchPreset() {
  let c;
  try {
    c = readConfig();
  } catch {
    $('preset').value = 'custom';
    return;
  }
  $('preset').value = view.presets.find((p) => sameConfig(p.config, c))?.name ?? 'custom';
}

/** The form at the start: the presets, wavenet76k and the core's training defaults. */
export function initForm() {
  const d = /** @type {NonNullable<typeof view.defaults>} */ (view.defaults);
  renderPresetOptions();
  const first = view.presets.find((p) => p.name === 'wavenet76k') ?? view.presets[0];
  $('preset').value = first.name;
  fillArch(first.config);
  $('steps').value = d.steps;
  $('batchSize').value = d.batchSize;
  $('lr').value = d.lr;
  $('lrDecayed').value = d.lrDecayed;
  $('decayStep').value = d.decayStep;
  $('seed').value = d.seed;
  updateValPlaceholder();
}

/** Shows a loaded model's configuration and schedule in the form. @param {import('./protocol.js').RunInfo} r */
export function fillForm(r) {
  fillArch(r.config);
  const t = r.training;
  if (t) {
    $('steps').value = t.steps;
    $('batchSize').value = t.batchSize;
    $('lr').value = t.lr;
    $('lrDecayed').value = t.lrDecayed;
    $('decayStep').value = t.decayStep;
    $('seed').value = t.seed;
    $('valEvery').value = r.valEvery === autoValEvery(t.steps) ? '' : r.valEvery;
  }
  updateValPlaceholder();
  matchPreset();
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
 * @returns {Promise<import('./protocol.js').CheckResult|null>} null: not asked (no module yet, or the form is unreadable)
 */
export async function checkConfig() {
  if (!view.ready) return null;
  const seq = ++checkSeq;
  let config;
  try {
    config = readConfig();
  } catch (e) {
    showConfig(null, errText(e));
    return null;
  }
  const r = await worker.call('check', { config });
  if (seq !== checkSeq) return r; // a newer check is on its way
  view.presets = r.presets;
  renderPresetOptions();
  matchPreset();
  showConfig(r.numParams, r.problem);
  if (r.split) showSplit(r.split);
  return r;
}

/** @param {number|null} n @param {string|null} problem */
function showConfig(n, problem) {
  $('params').textContent = n == null ? 'Parameters: –' : `Parameters: ${fmt(n)}${view.dataInfo ? ` (vocabulary of ${view.dataInfo.vocabSize})` : ''}`;
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
  const run = view.run;
  if (!run || run.kind !== 'trainer' || !(isActive(view.state) || view.state === 'done')) return;
  let s;
  try {
    s = readSchedule();
  } catch (e) {
    showError('train-error', `Not applied: ${errText(e)}.`);
    return;
  }
  if (s.steps === run.steps && s.lr === run.lr && s.lrDecayed === run.lrDecayed && s.decayStep === run.decayStep && s.valEvery === run.valEvery) return;
  const done = view.stepsDone;
  if (view.state === 'done' && s.steps <= done) {
    setStatus(`Done. Changed settings apply to a new run (press Train), or raise Steps above ${fmt(done)} to train this model further.`);
    return;
  }
  if (s.steps < done) {
    showError('train-error', `Not applied: Steps must be at least the ${fmt(done)} steps done.`);
    return;
  }
  let m;
  try {
    m = await worker.call('setSchedule', s);
  } catch (e) {
    showError('train-error', `Not applied: ${errText(e)}.`);
    return;
  }
  if (view.run?.id !== m.runId) return;
  Object.assign(view.run, { steps: m.steps, lr: m.lr, lrDecayed: m.lrDecayed, decayStep: m.decayStep, valEvery: m.valEvery });
  showError('train-error', null);
  const drop = m.decayStep < m.steps && m.lr !== m.lrDecayed ? `, then ${m.lrDecayed} from step ${fmt(m.decayStep)}` : '';
  setStatus(`Schedule applied at step ${fmt(m.step)}: ${fmt(m.steps)} steps, learning rate ${m.lr}${drop}.`);
  dirtyChart();
  renderProgress();
  updateButtons();
}

// ---------------------------------------------------------------- typing in the form
/** @param {Event} e */
function onSettingsInput(e) {
  const target = /** @type {HTMLElement} */ (e.target);
  if (target.id === 'preset') {
    const p = view.presets.find((q) => q.name === $('preset').value);
    if (p) fillArch(p.config);
  } else if (ARCH.includes(target.id) || target.id === 'structure') {
    syncStructure();
    matchPreset();
  }
  if (target.id === 'steps') updateValPlaceholder();
  showError('train-error', null);
  if (target.id === 'threads') { // applies at once, to any run (the numbers do not depend on it)
    try {
      worker.call('setThreads', { threads: readThreads() }).catch((err) => showError('train-error', errText(err)));
    } catch (err) {
      showError('train-error', errText(err));
    }
    return;
  }
  checkConfig();
  const run = view.run;
  if (!run || run.kind !== 'trainer' || view.state === 'failed') return;
  if (LIVE.includes(target.id)) {
    // The schedule applies to the current run: typing settles for a moment, a committed value at once.
    queueSchedule(e.type === 'change' ? 0 : 700);
  } else if (isActive(view.state)) {
    view.settingsChanged = true;
    setStatus('Model, batch size and seed changes need a new run: press Train (new run) to start one; the current run continues until then.');
  }
}

const form = $('settings');
form.addEventListener('input', onSettingsInput);
form.addEventListener('change', (/** @type {Event} */ e) => {
  if (/** @type {HTMLElement} */ (e.target).tagName === 'SELECT') return; // handled by input
  onSettingsInput(e);
});
// Enter in a schedule field applies it to the current run at once.
form.addEventListener('keydown', (/** @type {KeyboardEvent} */ e) => {
  if (e.key === 'Enter' && LIVE.includes(/** @type {HTMLElement} */ (e.target).id) && view.run && view.run.kind === 'trainer') {
    e.preventDefault();
    applySchedule();
  }
});
form.addEventListener('submit', (/** @type {Event} */ e) => {
  e.preventDefault();
  // Enter in a field: during a run it applies the schedule; only the Train button replaces a run.
  if (view.run && view.run.kind === 'trainer' && (isActive(view.state) || view.state === 'done') && !view.settingsChanged) applySchedule();
  else onTrain();
});
