// app.js: the trainer page. It never touches WebAssembly: worker.js owns the
// module and trains in chunks of ~50 ms; this file renders what it reports.
// Text from word lists, samples and model files is only ever set with textContent.
import uPlot from './vendor/uPlot.esm.js';
import { LossSeries, niceStep, autoValEvery } from './losses.js';

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));
const fmt = (/** @type {number} */ n) => n.toLocaleString('en-US');
const MAX_STEPS = 10_000_000;
const AUTO_SAMPLE_MS = 3000;

// ---------------------------------------------------------------- main-thread stall meter
// Exposed for tests/page.test.mjs: the largest lateness of a 20 ms timer and the
// longest "longtask" seen since the last reset().
const stall = {
  maxGap: 0,
  maxLongTask: 0,
  reset() {
    this.maxGap = 0;
    this.maxLongTask = 0;
  },
};
/** @type {any} */ (window).mmStall = stall;
{
  const PERIOD = 20;
  let due = performance.now() + PERIOD;
  const tickStall = () => {
    const now = performance.now();
    stall.maxGap = Math.max(stall.maxGap, now - due);
    due = now + PERIOD;
    setTimeout(tickStall, PERIOD);
  };
  setTimeout(tickStall, PERIOD);
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) stall.maxLongTask = Math.max(stall.maxLongTask, e.duration);
    }).observe({ type: 'longtask', buffered: false });
  } catch {
    // no longtask support: the timer alone measures
  }
}

// ---------------------------------------------------------------- state
// ?engine=relaxed|simd|scalar in the page's address picks the module (default: the fastest this browser runs).
const workerUrl = new URL('./worker.js', import.meta.url);
const engineParam = new URLSearchParams(location.search).get('engine');
if (engineParam) workerUrl.searchParams.set('engine', engineParam);
const worker = new Worker(workerUrl, { type: 'module' });
let ready = false;
/** @type {any} */ let dataInfo = null;
/** @type {{name: string, config: any, numParams: number}[]} */ let presets = [];
/** @type {any} */ let defaults = null;
/** the current run as the worker described it, or null */
/** @type {any} */ let run = null;
/** 'idle' | 'starting' | 'running' | 'paused' | 'done' | 'stopped' */
let state = 'idle';
let stateBeforeStart = 'idle';
let stepsDone = 0;
/** the step where the chart's loss history starts (a model loaded without its history starts later) */
let histStart = 0;
const losses = new LossSeries();
/** @type {{step: number, loss: number}[]} */ let vals = [];
/** recent (time, step) pairs for the steps/s estimate */
/** @type {[number, number][]} */ let rateHist = [];
let settingsChanged = false;
let evalBusy = false;
let lastAutoSample = 0;
let ids = 0;
/** @type {Map<number, (m: any) => void>} */ const pending = new Map();

const post = (/** @type {any} */ msg, /** @type {Transferable[]} */ transfer = []) => worker.postMessage(msg, transfer);
const MODEL_INFO = $('model-info').textContent;
/** Sends a message that the worker answers with the same id. @returns {Promise<any>} */
function request(/** @type {any} */ msg) {
  const id = ++ids;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    post({ ...msg, id });
  });
}

// ---------------------------------------------------------------- small helpers
/** @param {string} id @param {string|null} text shows (or hides, for null) an error paragraph */
function showError(id, text) {
  const el = $(id);
  el.hidden = !text;
  el.textContent = text ?? '';
}

/** @param {string} text */
function setStatus(text) {
  $('status').textContent = text;
}

/** @param {number} s seconds */
function duration(s) {
  if (!Number.isFinite(s)) return '–';
  s = Math.max(0, Math.round(s));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** A character of the vocabulary, visible even if it is white space. @param {string} c */
function visibleChar(c) {
  if (c === ' ') return '␠';
  if (c === '\t') return '⇥';
  return c;
}

// ---------------------------------------------------------------- engine

/**
 * "Engine: relaxed SIMD (fused multiply-add), 2 threads, in a Worker." and why not faster.
 * @param {{label: string, notes: string[], threads: number, helpers: number}} m
 */
function showEngine(m) {
  const el = $('engine');
  el.textContent = `Engine: WebAssembly ${m.label}, in a Worker${m.threads === 1 ? ' (more threads while training)' : ''}.` +
    (m.notes.length ? ` ${m.notes.map((s) => s[0].toUpperCase() + s.slice(1)).join('. ')}.` : '');
  el.dataset.threads = String(m.threads);
  el.dataset.helpers = String(m.helpers);
}

// ---------------------------------------------------------------- settings form
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

/** @param {string} name @param {number} [min] @returns {number} */
function intField(name, min = 0) {
  const raw = String($(name).value).trim();
  if (!/^\d+$/.test(raw)) throw new Error(`${LABELS[name]} must be a whole number${raw ? `, not “${raw}”` : ''}`);
  const n = Number(raw);
  if (n < min) throw new Error(`${LABELS[name]} must be at least ${min}`);
  if (n > 0x7fffffff) throw new Error(`${LABELS[name]} is too large`);
  return n;
}

/** @returns {any} the model configuration in the form (throws an Error with a message) */
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

/** @param {string} name @returns {number} a number field ≥ 0 */
function numField(name) {
  const raw = String($(name).value).trim();
  const v = Number(raw);
  if (raw === '' || !Number.isFinite(v) || v < 0) throw new Error(`${LABELS[name]} must be a number ≥ 0`);
  return v;
}

/** The fields a run takes while it trains (trainer.setSchedule, and the validation interval). */
const LIVE = ['steps', 'lr', 'lrDecayed', 'decayStep', 'valEvery'];

/** @returns {{steps: number, lr: number, lrDecayed: number, decayStep: number, valEvery: number}} (throws an Error with a message) */
function readSchedule() {
  const steps = intField('steps', 1);
  if (steps > MAX_STEPS) throw new Error(`Steps: at most ${fmt(MAX_STEPS)}`);
  const lr = numField('lr');
  const lrDecayed = numField('lrDecayed');
  const decayStep = intField('decayStep', 0);
  const valRaw = String($('valEvery').value).trim();
  return { steps, lr, lrDecayed, decayStep, valEvery: valRaw === '' ? autoValEvery(steps) : intField('valEvery', 0) };
}

/** @returns {any} training settings (throws an Error with a message) */
function readTraining() {
  const { steps, lr, lrDecayed, decayStep, valEvery } = readSchedule();
  const batchSize = intField('batchSize', 1);
  const seedRaw = String($('seed').value).trim();
  if (!/^\d+$/.test(seedRaw) || BigInt(seedRaw) >= 1n << 64n) throw new Error('Seed must be a whole number from 0 to 2^64-1');
  const seed = BigInt(seedRaw) <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(seedRaw) : BigInt(seedRaw);
  return { steps, batchSize, lr, lrDecayed, decayStep, seed, valEvery, threads: readThreads(), reproducible: $('reproducible').checked };
}

/** @returns {number} the Threads field: 0 (empty: the cores available) or 1..64 */
function readThreads() {
  if (String($('threads').value).trim() === '') return 0;
  const n = intField('threads', 1);
  if (n > 64) throw new Error('Threads: at most 64');
  return n;
}


/** @param {any} c */
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
  const opts = presets.map((p) => {
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
  $('preset').value = presets.find((p) => sameConfig(p.config, c))?.name ?? 'custom';
}

let checkSeq = 0;
/** Asks the worker for the parameter count (and validity) of the form's configuration. */
async function checkConfig() {
  if (!ready) return null;
  const seq = ++checkSeq;
  let config;
  try {
    config = readConfig();
  } catch (e) {
    showConfig(null, /** @type {Error} */ (e).message);
    return null;
  }
  const r = await request({ type: 'check', config });
  if (seq !== checkSeq) return r; // a newer check is on its way
  if (r.presets) {
    presets = r.presets;
    renderPresetOptions();
    matchPreset();
  }
  showConfig(r.error ? null : r.numParams, r.error ?? null);
  if (r.split) {
    const [a, b, c] = r.split.words;
    const [x, y, z] = r.split.examples;
    $('d-split').textContent = `train ${fmt(a)} · val ${fmt(b)} · test ${fmt(c)} words (${fmt(x)} · ${fmt(y)} · ${fmt(z)} examples)`;
  }
  return r;
}

/** @param {number|null} n @param {string|null} error */
function showConfig(n, error) {
  $('params').textContent = n == null ? 'Parameters: –' : `Parameters: ${fmt(n)}${dataInfo ? ` (vocabulary of ${dataInfo.vocabSize})` : ''}`;
  showError('config-error', error ? `Impossible model: ${error}` : null);
}

function onSettingsInput(/** @type {Event} */ e) {
  const target = /** @type {HTMLElement} */ (e.target);
  if (target.id === 'preset') {
    const p = presets.find((q) => q.name === $('preset').value);
    if (p) fillArch(p.config);
  } else if (ARCH.includes(target.id) || target.id === 'structure') {
    syncStructure();
    matchPreset();
  }
  if (target.id === 'steps') updateValPlaceholder();
  showError('train-error', null);
  if (target.id === 'threads') { // applies at once, to any run (the numbers do not depend on it)
    try {
      post({ type: 'threads', threads: readThreads() });
    } catch (err) {
      showError('train-error', /** @type {Error} */ (err).message);
    }
    return;
  }
  checkConfig();
  if (!run || run.kind !== 'trainer' || state === 'stopped') return;
  if (LIVE.includes(target.id)) {
    // The schedule applies to the current run: typing settles for a moment, a committed value at once.
    queueSchedule(e.type === 'change' ? 0 : 700);
  } else if (isActive()) {
    settingsChanged = true;
    setStatus('Model, batch size and seed changes need a new run: press Train (new run) to start one; the current run continues until then.');
  }
}

/** whether the run can still train (or is finishing its evaluation) */
const isActive = () => state === 'running' || state === 'paused' || state === 'evaluating';

/** @type {ReturnType<typeof setTimeout>|0} */
let scheduleTimer = 0;
/** @param {number} ms */
function queueSchedule(ms) {
  clearTimeout(scheduleTimer);
  scheduleTimer = setTimeout(applySchedule, ms);
}

/** Sends the form's schedule to the current run (it takes effect at its next step). */
function applySchedule() {
  clearTimeout(scheduleTimer);
  if (!run || run.kind !== 'trainer' || !(isActive() || state === 'done')) return;
  let s;
  try {
    s = readSchedule();
  } catch (e) {
    showError('train-error', `Not applied: ${/** @type {Error} */ (e).message}.`);
    return;
  }
  if (s.steps === run.steps && s.lr === run.lr && s.lrDecayed === run.lrDecayed && s.decayStep === run.decayStep && s.valEvery === run.valEvery) return;
  if (state === 'done' && s.steps <= stepsDone) {
    setStatus(`Done. Changed settings apply to a new run (press Train), or raise Steps above ${fmt(stepsDone)} to train this model further.`);
    return;
  }
  if (s.steps < stepsDone) {
    showError('train-error', `Not applied: Steps must be at least the ${fmt(stepsDone)} steps done.`);
    return;
  }
  post({ type: 'schedule', schedule: s });
}

function updateValPlaceholder() {
  const s = Number($('steps').value);
  $('valEvery').placeholder = Number.isInteger(s) && s > 0 ? `auto (${fmt(autoValEvery(s))})` : 'auto';
}

// ---------------------------------------------------------------- data
/** @param {ArrayBuffer} bytes @param {string} source */
function sendData(bytes, source) {
  if (bytes.byteLength > 64 * 1024 * 1024) {
    showError('data-error', `${source} is ${fmt(bytes.byteLength)} bytes; word lists up to 64 MB are supported.${dataInfo ? ` Still using ${dataInfo.source}.` : ''}`);
    return;
  }
  $('d-source').textContent = `reading ${source}…`;
  post({ type: 'data', bytes, source }, [bytes]);
}

async function loadNames() {
  try {
    const r = await fetch('../data/names.txt');
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    sendData(await r.arrayBuffer(), 'names.txt');
  } catch (e) {
    showError('data-error', `Could not fetch names.txt (${/** @type {Error} */ (e).message}): choose a file or paste words.`);
    $('d-source').textContent = dataInfo ? dataInfo.source : 'none';
  }
}

/** @param {File} file a word list, or a model file (by its name) */
async function loadFile(file) {
  if (/\.safetensors$/i.test(file.name)) return loadModelFile(file);
  try {
    sendData(await file.arrayBuffer(), file.name || 'file');
  } catch (e) {
    showError('data-error', `Could not read ${file.name}: ${/** @type {Error} */ (e).message}`);
  }
}

/** @param {any} info */
function showData(info) {
  dataInfo = info;
  showError('data-error', null);
  $('d-source').textContent = info.source;
  $('d-words').textContent = `${fmt(info.nWords)}${info.distinct !== info.nWords ? ` (${fmt(info.distinct)} distinct)` : ''}`;
  $('d-longest').textContent = `${info.maxLen} characters: ${info.longest}`;
  const vocab = $('d-vocab');
  const shown = info.vocab.slice(0, 300).map((/** @type {string} */ c, /** @type {number} */ i) => {
    const s = document.createElement('span');
    s.className = i === 0 ? 'tok end' : 'tok';
    s.textContent = visibleChar(c);
    if (i === 0) s.title = 'end token';
    return s;
  });
  const more = info.vocab.length > 300 ? [document.createTextNode(` … ${fmt(info.vocab.length - 300)} more`)] : [];
  vocab.replaceChildren(...shown, ...more);
  $('vocab-label').textContent = `Vocabulary: ${info.vocabSize} tokens (the end token “.” and ${info.vocabSize - 1} characters)`;
  const note = run ? ' It applies to the next run: press Train.' : ' Press Train to start, or change the settings first.';
  setStatus(`Loaded ${info.source}: ${fmt(info.nWords)} words.${note}`);
  updateButtons();
  checkConfig();
}

// ---------------------------------------------------------------- chart
let plot = /** @type {uPlot|null} */ (null);
/** Points of the training series (groups of steps, see LossSeries.groups). */
const CHART_POINTS = 200;
// The page draws on animation frames at fixed rates, however long the run and
// however often the worker reports (~20 progress messages a second): the step
// counter at most every PROGRESS_MS, the chart at most every CHART_MS and only
// when it changed (a group of steps completed, a validation point, a new run or
// schedule). The main thread shares the machine's cores with training.
const PROGRESS_MS = 250;
const CHART_MS = 500;
let chartDirty = false;
let lastChart = -Infinity;
let progressDirty = false;
let lastProgress = -Infinity;
/** the training groups drawn, as chartKey() gave it, and how many */
let chartShape = '';
let drawnPoints = 0;
/** which training groups the chart shows: it changes when a group of steps completes */
const chartKey = () => {
  const group = niceStep(losses.n / CHART_POINTS);
  return `${histStart}:${group}:${Math.floor(losses.n / group)}`;
};

/** The chart has something new to show. */
function dirtyChart() {
  chartDirty = true;
  invalidate();
}

/** Sets an element's text only if it differs (an unchanged text costs no layout). @param {string} id @param {string} text */
function setText(id, text) {
  const el = $(id);
  if (el.textContent !== text) el.textContent = text;
}

function makeChart() {
  const el = $('chart');
  const width = Math.max(200, el.clientWidth);
  /** @param {number|null} v */
  const show = (v) => (v == null ? '–' : `${v.toFixed(3)} (loss ${(10 ** v).toFixed(3)})`);
  plot = new uPlot(
    {
      width,
      height: chartHeight(width),
      scales: { x: { time: false, range: (u, min, max) => [histStart, Math.max(max ?? 1, histStart + 1)] } },
      axes: [
        { label: 'step', size: 40, incrs: NICE_INCRS, values: (u, ticks) => ticks.map((t) => (t >= 10000 ? `${t / 1000}k` : String(t))) },
        { label: 'log10 loss', size: 56 },
      ],
      series: [
        { label: 'step', value: (u, v) => (v == null ? '–' : fmt(Math.round(v))) },
        { label: 'train', stroke: '#2563eb', width: 1.5, spanGaps: true, points: { show: false }, value: (u, v) => show(v) },
        { label: 'val', stroke: '#dc2626', width: 2, spanGaps: true, points: { show: true, size: 6, fill: '#dc2626' }, value: (u, v) => show(v) },
      ],
      legend: { live: true },
      hooks: { draw: [drawLrMarker] },
    },
    [[], [], []],
    el,
  );
  new ResizeObserver(() => {
    const w = Math.max(200, el.clientWidth);
    if (plot && Math.abs(w - plot.width) > 1) plot.setSize({ width: w, height: chartHeight(w) });
  }).observe(el);
}

/** Whole-number tick spacings for the step axis. */
const NICE_INCRS = Array.from({ length: 8 }, (_, e) => [1, 2, 5].map((m) => m * 10 ** e)).flat();

/** @param {number} width */
const chartHeight = (width) => Math.round(Math.min(360, Math.max(200, width * 0.45)));

/** Dashed vertical line where the learning rate drops. @param {uPlot} u */
function drawLrMarker(u) {
  if (!run || !(run.decayStep > 0 && run.decayStep < run.steps) || run.lr === run.lrDecayed) return;
  const max = u.scales.x.max ?? 0;
  if (run.decayStep > max || run.decayStep < (u.scales.x.min ?? 0)) return;
  const x = Math.round(u.valToPos(run.decayStep, 'x', true));
  const ctx = u.ctx;
  const dpr = devicePixelRatio || 1;
  ctx.save();
  ctx.strokeStyle = '#7c3aed';
  ctx.lineWidth = 1.5 * dpr;
  ctx.setLineDash([5 * dpr, 4 * dpr]);
  ctx.beginPath();
  ctx.moveTo(x, u.bbox.top);
  ctx.lineTo(x, u.bbox.top + u.bbox.height);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = '#7c3aed';
  ctx.font = `${12 * dpr}px system-ui, sans-serif`;
  const label = `lr ${run.lr} → ${run.lrDecayed}`;
  const w = ctx.measureText(label).width;
  const right = x + 4 * dpr + w < u.bbox.left + u.bbox.width;
  ctx.textAlign = right ? 'left' : 'right';
  ctx.fillText(label, right ? x + 4 * dpr : x - 4 * dpr, u.bbox.top + 14 * dpr);
  ctx.restore();
}

function renderChart() {
  if (!plot) return;
  chartShape = chartKey();
  const { xs, ys, group } = losses.groups(CHART_POINTS);
  // Merge the training groups and the validation points on one x axis.
  /** @type {number[]} */ const X = [];
  /** @type {(number|null)[]} */ const T = [];
  /** @type {(number|null)[]} */ const V = [];
  let i = 0;
  let j = 0;
  while (i < xs.length || j < vals.length) {
    const xa = i < xs.length ? histStart + xs[i] : Infinity;
    const xb = j < vals.length ? vals[j].step : Infinity;
    if (xa < xb) {
      X.push(xa);
      T.push(ys[i++]);
      V.push(null);
    } else if (xb < xa) {
      X.push(xb);
      T.push(null);
      V.push(Math.log10(vals[j++].loss));
    } else {
      X.push(xa);
      T.push(ys[i++]);
      V.push(Math.log10(vals[j++].loss));
    }
  }
  plot.setData([X, T, V]);
  $('chart-empty').hidden = X.length > 0;
  setText('chart-empty',
    run && run.origin !== 'new' ? 'No loss history came with this model: Continue training plots it from here.' : 'Press Train: the loss appears here within a second.');
  drawnPoints = xs.length;
  $('chart').dataset.points = String(xs.length);
  $('chart').dataset.covered = String(xs.length * group);
  $('chart').dataset.valPoints = String(vals.length);
  const drop =
    run && run.decayStep > 0 && run.decayStep < run.steps && run.lr !== run.lrDecayed
      ? ` The dashed line marks the learning-rate drop (${run.lr} → ${run.lrDecayed}) at step ${fmt(run.decayStep)}.`
      : '';
  const valText = !run ? 'every – steps' : run.valEvery > 0 ? `every ${fmt(run.valEvery)} steps` : 'none in this run';
  const from = histStart > 0 ? ` From step ${fmt(histStart)}, where the model was loaded.` : '';
  setText('chart-hint', `log10 of the training loss, mean over groups of ${fmt(group)} step${group > 1 ? 's' : ''}, and the validation loss (eval mode, ${valText}).${drop}${from}`);
  const last = vals.length ? vals[vals.length - 1] : null;
  setText('last-loss',
    (ys.length ? `Last train group: ${(10 ** ys[ys.length - 1]).toFixed(4)}` : '') +
    (last ? ` · val at step ${fmt(last.step)}: ${last.loss.toFixed(4)}` : ''));
}

let frameQueued = false;
/** @type {ReturnType<typeof setTimeout>|0} */
let wakeTimer = 0;
/** Asks for a frame that draws what changed (unless one is asked for, or a timer waits for its interval). */
function invalidate() {
  if (frameQueued || wakeTimer) return;
  frameQueued = true;
  requestAnimationFrame(frame);
}

function frame() {
  frameQueued = false;
  const now = performance.now();
  if (progressDirty && now - lastProgress >= PROGRESS_MS) renderProgress();
  // A chart without training points (a new run's first steps, a reset) is drawn at once.
  const chartAt = drawnPoints === 0 || losses.n === 0 ? now : lastChart + CHART_MS;
  if (chartDirty && now >= chartAt) {
    chartDirty = false;
    lastChart = now;
    renderChart();
  }
  // What waits for its interval gets a frame when the interval is over.
  const wait = Math.min(progressDirty ? lastProgress + PROGRESS_MS - now : Infinity, chartDirty ? chartAt - now : Infinity);
  if (wait < Infinity)
    wakeTimer = setTimeout(() => {
      wakeTimer = 0;
      invalidate();
    }, Math.max(0, wait));
}

// ---------------------------------------------------------------- progress
/** The step counter, progress bar, rate, time left and learning rate (now; progress messages wait for a frame). */
function renderProgress() {
  progressDirty = false;
  lastProgress = performance.now();
  const total = run ? run.steps : 0;
  setText('steps-done', fmt(stepsDone));
  setText('steps-total', fmt(total));
  const bar = $('progress');
  if (bar.max !== Math.max(1, total)) bar.max = Math.max(1, total);
  if (bar.value !== stepsDone) bar.value = stepsDone;
  const rate = currentRate();
  setText('rate', state === 'running' && rate > 0 ? fmt(Math.round(rate)) : '–');
  setText('eta', state === 'running' && rate > 0 ? duration((total - stepsDone) / rate) : state === 'done' ? '0 s' : '–');
  setText('lr-now', run && run.kind === 'trainer' ? String(stepsDone < run.decayStep ? run.lr : run.lrDecayed) : '–');
}

function currentRate() {
  if (rateHist.length < 2) return 0;
  const [t0, s0] = rateHist[0];
  const [t1, s1] = rateHist[rateHist.length - 1];
  return t1 > t0 ? ((s1 - s0) * 1000) / (t1 - t0) : 0;
}

// ---------------------------------------------------------------- buttons
function updateButtons() {
  const canTrain = ready && !!dataInfo && state !== 'starting';
  $('train').disabled = !canTrain;
  $('train').textContent = run && isActive() ? 'Train (new run)' : 'Train';
  $('pause').disabled = !(state === 'running' || state === 'evaluating');
  $('resume').disabled = state !== 'paused';
  // A loaded checkpoint that has not trained here yet: offer to continue it.
  const cont = state === 'paused' && !!run && run.origin !== 'new' && stepsDone === run.loadedStep;
  $('resume').textContent = cont ? 'Continue training' : 'Resume';
  $('resume').classList.toggle('primary', cont);
  $('reset').disabled = !run;
  $('sample').disabled = !run;
  $('evaluate').disabled = !run || run.kind !== 'trainer' || evalBusy;
  $('download').disabled = !run;
  $('model-input').disabled = !ready;
  $('model-input').labels?.[0]?.classList.toggle('disabled', !ready);
}

/** @param {HTMLElement} from @param {HTMLElement} to keeps keyboard focus when a button disables itself */
function moveFocus(from, to) {
  if (document.activeElement === from) to.focus();
}

async function onTrain() {
  showError('train-error', null);
  let settings;
  try {
    settings = { ...readTraining(), config: readConfig() };
  } catch (e) {
    showError('train-error', `Not started: ${/** @type {Error} */ (e).message}.`);
    return;
  }
  const r = await checkConfig();
  if (!r || r.error) {
    showError('train-error', `Not started: ${r?.error ?? $('config-error').textContent}`);
    $('config-error').scrollIntoView?.({ block: 'nearest' });
    return;
  }
  stateBeforeStart = state;
  state = 'starting';
  updateButtons();
  setStatus('Starting…');
  post({ type: 'train', settings });
}

/** A run to show: new, loaded from a model file or restored from this browser (then the worker's state follows). */
function onStarted(/** @type {any} */ r) {
  run = r;
  document.body.dataset.runId = String(r.id); // lets tests tell runs apart
  settingsChanged = false;
  evalBusy = false;
  state = r.kind === 'model' ? 'model' : r.origin === 'new' ? 'running' : 'paused';
  stepsDone = r.step;
  run.loadedStep = r.step;
  histStart = r.histStart;
  losses.clear();
  if (r.history) losses.append(r.history);
  vals = r.vals.slice();
  rateHist = [[performance.now(), r.step]];
  lastAutoSample = performance.now() - AUTO_SAMPLE_MS + 800; // first samples after ~0.8 s
  run.name = r.name === 'custom' ? 'custom model' : r.name;
  for (const [i, s] of ['train', 'val', 'test'].entries()) {
    $(`n-${s}`).textContent = r.splitSizes ? fmt(r.splitSizes[i]) : '–';
    $(`e-${s}`).textContent = '–';
  }
  $('eval-meta').textContent = '';
  if (r.final) showEval({ ...r.final, runId: r.id });
  $('samples').replaceChildren();
  $('samples-meta').textContent = '';
  showError('sample-error', null);
  showError('eval-error', null);
  showError('train-error', null);
  if (r.origin === 'new') {
    setStatus(`Training ${run.name} (${fmt(r.numParams)} parameters) on ${r.source}…`);
  } else {
    showError('model-error', null);
    describeLoaded(r);
    fillForm(r);
    onSample();
  }
  renderProgress();
  dirtyChart();
  updateButtons();
}

/** The status and model-file note for a loaded or restored model. @param {any} r */
function describeLoaded(r) {
  const what = `${run.name} (${fmt(r.numParams)} parameters${r.source ? `, trained on ${r.source}` : ''})`;
  const at = r.training ? `step ${fmt(r.training.step)} of ${fmt(r.training.steps)}` : '';
  const date = r.savedAt ? new Date(r.savedAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '';
  const head =
    r.origin === 'restored'
      ? `Restored model from ${date}, ${at || 'step –'}: ${what}.`
      : `Loaded ${r.training ? 'checkpoint' : 'model'} ${r.fileName}: ${what}${at ? `, at ${at}` : ''}.`;
  // The model-file note says where the model came from (it stays while the run goes on).
  let note =
    r.origin === 'restored'
      ? `From this browser: saved ${date}${r.fileName ? ` (first loaded from ${r.fileName})` : ''}.`
      : `From ${r.fileName}: ${r.training ? `a checkpoint at step ${fmt(r.training.step)}` : 'a model file without training state'}.`;
  let tail;
  if (r.kind === 'trainer') {
    tail = r.step < r.steps ? ' Press Continue training to go on from here, or sample from it.' : ' Its schedule is complete: sample from it, or raise Steps to train it further.';
  } else if (r.training) {
    tail = ' Sampling works; to continue training, load the word list it was trained on.';
    note += ` Continue training needs the word list it was trained on: ${r.resumeError}.`;
  } else {
    tail = ' A model file without training state: sampling only.';
  }
  $('model-info').textContent = note;
  setStatus(head + tail);
}

/** Shows a loaded model's configuration and schedule in the form. @param {any} r */
function fillForm(r) {
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

// ---------------------------------------------------------------- samples and evaluation
const WHERE = /** @type {Record<string, string>} */ ({
  train: 'in training set',
  val: 'in val split',
  test: 'in test split',
  list: 'in word list',
  new: 'new',
});
let sampleBusy = false;

async function onSample() {
  if (!run || sampleBusy) return;
  const count = Number($('s-count').value);
  const temperature = Number($('s-temp').value);
  const topK = Number($('s-topk').value || 0);
  const topP = Number($('s-topp').value || 1);
  if (!Number.isInteger(count) || count < 1 || count > 100) return showError('sample-error', 'Count must be a whole number from 1 to 100.');
  if (!(temperature >= 0 && temperature <= 1e6)) return showError('sample-error', 'Temperature must be a number ≥ 0 (0: always the likeliest character).');
  if (!Number.isInteger(topK) || topK < 0 || topK > 1024) return showError('sample-error', 'Top-k must be a whole number from 0 (all characters) to 1024.');
  if (!(topP > 0 && topP <= 1)) return showError('sample-error', 'Top-p must be a number above 0 and at most 1 (1: all characters).');
  sampleBusy = true;
  try {
    const r = await request({ type: 'sample', count, temperature, topK, topP, prefix: $('s-prefix').value });
    if (r.type === 'sample-error') return showError('sample-error', `Could not sample: ${r.message}`);
    if (!run || r.runId !== run.id) return;
    showError('sample-error', null);
    renderSamples(r, temperature, topK, topP);
  } finally {
    sampleBusy = false;
  }
}

/** @param {any} r @param {number} temperature @param {number} topK @param {number} topP */
function renderSamples(r, temperature, topK, topP) {
  const items = r.names.map((/** @type {{text: string, where: string}} */ n) => {
    const li = document.createElement('li');
    li.className = n.where === 'new' ? 'new' : 'seen';
    const name = document.createElement('span');
    name.className = n.text ? 'name' : 'name empty';
    name.textContent = n.text || '(empty)';
    const tag = document.createElement('span');
    tag.className = `tag ${n.where}`;
    tag.textContent = WHERE[n.where] ?? n.where;
    li.append(name, tag);
    return li;
  });
  $('samples').replaceChildren(...items);
  const fresh = r.names.filter((/** @type {any} */ n) => n.where === 'new').length;
  const at = r.step == null ? 'From the loaded model' : `At step ${fmt(r.step)}`;
  $('samples-meta').textContent = `${at}, temperature ${temperature}${topK ? `, top-k ${topK}` : ''}${topP < 1 ? `, top-p ${topP}` : ''}: ${fresh} of ${r.names.length} new${run?.labels === 'list' ? ' (compared with the whole word list)' : ''}.`;
}

async function onEvaluate() {
  if (!run || evalBusy) return;
  evalBusy = true;
  updateButtons();
  $('eval-meta').textContent = 'Evaluating…';
  const r = await request({ type: 'evaluate' });
  evalBusy = false;
  updateButtons();
  if (r.type === 'eval-error') {
    if (run && r.runId && r.runId !== run.id) return; // about a run that was replaced
    $('eval-meta').textContent = '';
    return showError('eval-error', `Could not evaluate: ${r.message}`);
  }
  showEval(r);
}

/** @param {any} r */
function showEval(r) {
  if (!run || r.runId !== run.id) return;
  showError('eval-error', null);
  for (const s of ['train', 'val', 'test']) $(`e-${s}`).textContent = Number.isFinite(r.losses[s]) ? r.losses[s].toFixed(4) : '–';
  $('eval-meta').textContent = `After ${fmt(r.step)} steps.`;
}

// ---------------------------------------------------------------- model files
async function onDownload() {
  if (!run) return;
  showError('model-error', null);
  const r = await request({ type: 'save' });
  if (r.type === 'save-error') return showError('model-error', `Could not save the model: ${r.message}.`);
  const url = URL.createObjectURL(new Blob([r.bytes], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = r.fileName;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  $('model-info').textContent = `Downloaded ${r.fileName} (${fmt(r.bytes.byteLength)} bytes, at step ${fmt(r.step)}). Load it here later to sample from it or continue training.`;
}

/** @param {File} file */
async function loadModelFile(file) {
  showError('model-error', null);
  if (file.size > 1024 * 1024 * 1024) {
    showError('model-error', `${file.name} is ${fmt(file.size)} bytes; model files up to 1 GB are supported.`);
    return;
  }
  let bytes;
  try {
    bytes = await file.arrayBuffer();
  } catch (e) {
    showError('model-error', `Could not read ${file.name}: ${/** @type {Error} */ (e).message}`);
    return;
  }
  setStatus(`Reading ${file.name}…`);
  post({ type: 'load', bytes, name: file.name || 'model file' }, [bytes]);
}

/** @param {number} ms since 1970 */
function when(ms) {
  const d = new Date(ms);
  const today = d.toDateString() === new Date().toDateString();
  return today ? `at ${d.toLocaleTimeString(undefined, { timeStyle: 'short' })}` : `on ${d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}`;
}

// ---------------------------------------------------------------- worker messages
worker.onmessage = (e) => {
  const m = e.data;
  if (m.id && pending.has(m.id)) {
    const resolve = /** @type {(m: any) => void} */ (pending.get(m.id));
    pending.delete(m.id);
    resolve(m);
    return;
  }
  switch (m.type) {
    case 'ready':
      ready = true;
      presets = m.presets;
      defaults = m.defaults;
      renderPresetOptions();
      initForm();
      setStatus(dataInfo ? 'Ready.' : 'Loading names.txt…');
      updateButtons();
      checkConfig();
      post({ type: 'restore' }); // the last model of this browser, if any
      break;
    case 'engine':
      showEngine(m);
      break;
    case 'fatal':
      setStatus(m.message);
      showError('train-error', m.message);
      break;
    case 'data':
      showData(m.info);
      break;
    case 'data-error': {
      const keep = dataInfo ? ` Still using ${dataInfo.source} (${fmt(dataInfo.nWords)} words).` : '';
      showError('data-error', `Could not use ${m.source}: ${m.message}.${keep}`);
      $('d-source').textContent = dataInfo ? dataInfo.source : 'none';
      setStatus(`Could not use ${m.source}.`);
      break;
    }
    case 'started':
      onStarted(m.run);
      break;
    case 'train-error':
      state = stateBeforeStart; // the worker keeps the current run when a new one fails
      showError('train-error', `Not started: ${m.message}`);
      setStatus('Not started.');
      updateButtons();
      break;
    case 'progress':
      if (!run || m.runId !== run.id) return;
      losses.append(m.losses);
      stepsDone = m.step;
      rateHist.push([performance.now(), m.step]);
      while (rateHist.length > 2 && performance.now() - rateHist[0][0] > 5000) rateHist.shift();
      if (chartKey() !== chartShape) chartDirty = true;
      progressDirty = true;
      invalidate();
      if ($('s-auto').checked && state === 'running' && performance.now() - lastAutoSample > AUTO_SAMPLE_MS) {
        lastAutoSample = performance.now();
        onSample();
      }
      break;
    case 'val':
      if (!run || m.runId !== run.id) return;
      if (Number.isFinite(m.loss)) vals.push({ step: m.step, loss: m.loss });
      dirtyChart();
      break;
    case 'state':
      if (!run || m.runId !== run.id) return;
      state = m.state;
      stepsDone = m.step;
      if (state === 'running') rateHist = [[performance.now(), m.step]];
      if (!m.quiet) {
        if (state === 'running') {
          if (!settingsChanged) setStatus(`Training ${run.name} (${fmt(run.numParams)} parameters) on ${run.source}…`);
        } else if (state === 'evaluating') {
          setStatus(`Finished ${fmt(m.step)} steps: evaluating the splits…`);
          $('eval-meta').textContent = 'Evaluating…';
        } else if (state === 'paused') {
          setStatus(m.step >= run.steps ? `Paused at step ${fmt(m.step)}, during the end-of-run evaluation: Resume finishes it.` : `Paused at step ${fmt(m.step)}.`);
        } else if (state === 'done') {
          const f = run.final && run.final.step === m.step ? run.final.losses : null;
          const loss = (/** @type {number} */ v) => (Number.isFinite(v) ? v.toFixed(4) : '–');
          setStatus(`Done: ${fmt(m.step)} steps.${f ? ` Loss: train ${loss(f.train)}, val ${loss(f.val)}, test ${loss(f.test)}.` : ''}`);
          onSample();
        } else if (state === 'stopped') {
          setStatus(m.message);
          showError('train-error', m.message);
        }
      }
      renderProgress();
      updateButtons();
      break;
    case 'eval':
      if (!run || m.runId !== run.id) return;
      showEval(m);
      if (m.final) run.final = { step: m.step, losses: m.losses };
      break;
    case 'eval-progress': {
      if (!run || m.runId !== run.id || m.kind === 'val') return;
      const pct = m.total > 0 ? Math.floor((100 * m.done) / m.total) : 100;
      $('eval-meta').textContent = `Evaluating… ${m.split} ${pct}%`;
      if (m.kind === 'final' && state === 'evaluating') setStatus(`Finished ${fmt(stepsDone)} steps: evaluating the splits… ${m.split} ${pct}%`);
      break;
    }
    case 'eval-error':
      if (run && m.runId && m.runId !== run.id) return;
      showError('eval-error', `Could not evaluate: ${m.message}`);
      break;
    case 'schedule': {
      if (!run || m.runId !== run.id) return;
      Object.assign(run, { steps: m.steps, lr: m.lr, lrDecayed: m.lrDecayed, decayStep: m.decayStep, valEvery: m.valEvery });
      showError('train-error', null);
      const drop = m.decayStep < m.steps && m.lr !== m.lrDecayed ? `, then ${m.lrDecayed} from step ${fmt(m.decayStep)}` : '';
      setStatus(`Schedule applied at step ${fmt(m.step)}: ${fmt(m.steps)} steps, learning rate ${m.lr}${drop}.`);
      dirtyChart();
      renderProgress();
      updateButtons();
      break;
    }
    case 'schedule-error':
      showError('train-error', `Not applied: ${m.message}.`);
      break;
    case 'load-error': {
      const keep = run ? ` The current ${run.kind === 'trainer' ? 'run' : 'model'} is unchanged.` : '';
      showError('model-error', `Could not load ${m.name}: ${m.message}.${keep}`);
      setStatus(`Could not load ${m.name}.`);
      break;
    }
    case 'stored':
      $('store-info').textContent = `Saved in this browser ${when(m.savedAt)} (${m.name || 'model'}, step ${fmt(m.step)}); it is restored when the page opens.`;
      $('forget').hidden = false;
      break;
    case 'store-error':
      $('store-info').textContent = `Could not keep the model in this browser: ${m.message}`;
      break;
    case 'forgotten':
      $('store-info').textContent = 'Nothing is saved in this browser now (the next pause or end of training saves again).';
      $('forget').hidden = true;
      break;
    case 'reset':
      run = null;
      state = 'idle';
      stepsDone = 0;
      histStart = 0;
      evalBusy = false;
      losses.clear();
      vals = [];
      dirtyChart();
      showError('model-error', null);
      $('model-info').textContent = MODEL_INFO;
      $('samples').replaceChildren();
      $('samples-meta').textContent = '';
      for (const s of ['train', 'val', 'test']) $(`e-${s}`).textContent = '–';
      $('eval-meta').textContent = '';
      setStatus('Reset: the model was discarded. Press Train to start again.');
      renderProgress();
      updateButtons();
      break;
  }
};
worker.onerror = (e) => {
  setStatus(`The worker failed: ${e.message ?? 'unknown error'}`);
};

// ---------------------------------------------------------------- wiring
function initForm() {
  const d = defaults;
  const first = presets.find((p) => p.name === 'wavenet76k') ?? presets[0];
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

$('settings').addEventListener('input', onSettingsInput);
$('settings').addEventListener('change', (/** @type {Event} */ e) => {
  if (/** @type {HTMLElement} */ (e.target).tagName === 'SELECT') return; // handled by input
  onSettingsInput(e);
});
// Enter in a schedule field applies it to the current run at once.
$('settings').addEventListener('keydown', (/** @type {KeyboardEvent} */ e) => {
  if (e.key === 'Enter' && LIVE.includes(/** @type {HTMLElement} */ (e.target).id) && run && run.kind === 'trainer') {
    e.preventDefault();
    applySchedule();
  }
});
$('settings').addEventListener('submit', (/** @type {Event} */ e) => {
  e.preventDefault();
  // Enter in a field: during a run it applies the schedule; only the Train button replaces a run.
  if (run && run.kind === 'trainer' && (isActive() || state === 'done') && !settingsChanged) applySchedule();
  else onTrain();
});
$('train').addEventListener('click', onTrain);
$('pause').addEventListener('click', () => {
  post({ type: 'pause' });
  moveFocus($('pause'), $('resume'));
  $('pause').disabled = true;
  $('resume').disabled = false;
});
$('resume').addEventListener('click', () => {
  post({ type: 'resume' });
  moveFocus($('resume'), $('pause'));
  $('resume').disabled = true;
  $('pause').disabled = false;
});
$('reset').addEventListener('click', () => post({ type: 'reset' }));
$('sample').addEventListener('click', onSample);
$('download').addEventListener('click', onDownload);
$('model-input').addEventListener('change', () => {
  const f = $('model-input').files?.[0];
  if (f) loadModelFile(f);
  $('model-input').value = '';
});
$('forget').addEventListener('click', () => post({ type: 'forget' }));
// Leaving or hiding the page: keep the run's progress (the worker saves only if it changed).
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') post({ type: 'persist' });
});
addEventListener('pagehide', () => post({ type: 'persist' }));
$('evaluate').addEventListener('click', onEvaluate);
$('s-prefix').addEventListener('keydown', (/** @type {KeyboardEvent} */ e) => {
  if (e.key === 'Enter') onSample();
});
$('load-names').addEventListener('click', loadNames);
$('file-input').addEventListener('change', () => {
  const f = $('file-input').files?.[0];
  if (f) loadFile(f);
  $('file-input').value = '';
});
$('use-paste').addEventListener('click', () => {
  const text = $('paste').value;
  sendData(new TextEncoder().encode(text).buffer, 'pasted words');
});

// Drop a file (or dragged text) anywhere on the page.
let dragDepth = 0;
document.addEventListener('dragenter', (e) => {
  if (!e.dataTransfer?.types.includes('Files')) return;
  dragDepth++;
  $('drop-overlay').hidden = false;
});
document.addEventListener('dragleave', () => {
  if (dragDepth > 0 && --dragDepth === 0) $('drop-overlay').hidden = true;
});
document.addEventListener('dragover', (e) => {
  if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
});
document.addEventListener('drop', (e) => {
  dragDepth = 0;
  $('drop-overlay').hidden = true;
  const f = e.dataTransfer?.files?.[0];
  if (!f) return;
  e.preventDefault();
  loadFile(f);
});

makeChart();
invalidate();
// For tests/page.test.mjs: the plotted values (log10 loss), freshly rendered.
/** @type {any} */ (window).mmPage = {
  chartData() {
    renderChart();
    const d = /** @type {[number[], (number|null)[], (number|null)[]]} */ (/** @type {uPlot} */ (plot).data); // renderChart's X, T, V
    return { steps: Array.from(d[0]), train: d[1].filter((v) => v != null), val: d[2].filter((v) => v != null) };
  },
};
renderProgress();
updateButtons();
loadNames();
