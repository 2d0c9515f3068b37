// lab/page.js: the trainer page's lab. Every run the page trains from its start (by hand with Train,
// or from a sweep) and finishes (its end-of-run evaluation done) is kept as a record
// (web/lab/runner.js RunRecord) in IndexedDB (web/lab/store.js), shown in the run list, the overlay
// chart and the results table (web/lab/view.js). A sweep (the builder, web/lab/builder.js: one or two
// settings with comma-separated values, optional seeds, over the form's settings; or the built-in
// "Reproduce the lecture", web/lab/lecture.json; or "makemore.py's models", web/lab/makemore.json: every family at its
// preset on the page's word list; all at the builder's steps per run) is expanded by
// web/lab/runner.js and queued on lanes: lane 1 is the
// page's Worker (its run is the trainer's: the loss chart, the status), lane 2 a second Worker (the
// same web/worker/main.js behind its own bridge, made for the sweep and terminated when it ends or is
// stopped; it keeps nothing in IndexedDB). "Runs at a time" chooses 1 or 2 lanes; 2 by default where
// there are 2 cores or more (as the worker measures them: web/worker/cores.js), each lane on one thread: two runs at a time on one thread each
// finished a sweep sooner than one after another on two threads (bench/sweep-result.txt in Node:
// 1.48x for wavenet76k, 2.12x for mlp3 on 2 cores; in Chromium, bench/lab-lanes-result.txt: 1.39x and
// 2.76x on the quietest of three runs). A
// lane's numbers are the same on any lane and thread count. Each lane records its own run from its
// worker's events (run, progress, val, finalEval, state); one replaced or reset before its end is
// not kept. Export JSON and CSV, import JSON; delete a run.
import { connect, transfer } from '../shared/bridge.js';
import { errText } from '../shared/errors.js';
import { $, showError } from '../page/dom.js';
import { state } from '../page/state.js';
import { worker } from '../page/connection.js';
import { wordBytes } from '../page/data.js';
import { CurveBuilder, describeConfig, exportCsv, exportJson, importJson, makeRecord, runQueue } from './runner.js';
import { initBuilder, lectureJson, lecturePlans, makemoreJson, makemorePlans, noteRate, refresh, sweepPlans } from './builder.js';
import { deleteRun, listRuns, putRuns } from './store.js';
import { lab, makeLabChart, nextColour, renderLab } from './view.js';

/** @typedef {import('./runner.js').RunPlan} RunPlan @typedef {import('./runner.js').RunRecord} RunRecord */
/** @typedef {import('../../wasm/makemore.mjs').Schema} Schema */
/** @typedef {import('../shared/protocol.js').WorkerBridge} WorkerBridge */

/** @type {Schema|null} the core's settings (init) */
let schema = null;
/** @type {string|null} the module the page's worker loaded (InitResult.engine): a second lane loads the same */
let engineName = null;

/**
 * The run a lane is recording: its plan, curve, validation points and timing (steps trained, ms inside wasm).
 * @typedef {{runId: number, plan: RunPlan, curve: CurveBuilder, vals: {step: number, loss: number}[], steps: number, ms: number, t0: number,
 *   params: number, final: import('../shared/protocol.js').SplitLosses|null, done: (r: RunRecord|null, why?: string) => void}} Recording
 */
/**
 * A lane: a worker that trains one run at a time, and what it is recording.
 * @typedef {object} Lane
 * @property {number} n 1: the page's worker; 2: the sweep's second worker
 * @property {WorkerBridge} bridge
 * @property {Worker|null} own the Worker this lane made (terminated with it); null for the page's
 * @property {Recording|null} rec the run being recorded
 * @property {{plan: RunPlan, done: Recording['done']}|null} pending a sweep's run on its way to the worker: the 'run' event that answers it takes its plan
 * @property {{label: string, threads: number}} engine the engine's label and threads (the worker's last 'engine' event)
 * @property {string} source the word list it has
 */

/** @param {number} n @param {WorkerBridge} bridge @param {Worker|null} own @returns {Lane} a lane listening to its worker */
function makeLane(n, bridge, own) {
  /** @type {Lane} */
  const lane = { n, bridge, own, rec: null, pending: null, engine: { label: '', threads: 1 }, source: '' };
  listen(lane);
  return lane;
}

/** The page's worker. */
const lane1 = makeLane(1, worker, null);
/** the sweep's second lane, while it runs @type {Lane|null} */
let lane2 = null;
/** a sweep is queued */
let sweeping = false;
let stopAsked = false;

// ---------------------------------------------------------------- recording runs
/** @param {import('../shared/protocol.js').RunInfo} r @returns {RunPlan} a run trained by hand, as a plan */
function planOfRun(r) {
  const { vocabSize, ...config } = /** @type {Record<string, number>} */ (/** @type {unknown} */ (r.config));
  const data = /** @type {Record<string, number>} */ (/** @type {unknown} */ (r.data));
  const t = /** @type {NonNullable<typeof r.training>} */ (r.training);
  const preset = r.name;
  return {
    index: 0, name: preset === 'custom' ? 'custom model' : preset, sweep: '', preset, config, data,
    what: schema ? describeConfig(schema, preset, config, data) : preset,
    schedule: { steps: t.steps, batchSize: t.batchSize, lr: t.lr, lrDecayed: t.lrDecayed, decayStep: t.decayStep },
    seed: String(t.seed), valEvery: r.valEvery, dataset: r.source, reproducible: !!$('reproducible').checked, reference: null,
  };
}

/** A lane's run ends unrecorded. @param {Lane} lane @param {string} why */
function drop(lane, why) {
  const rec = lane.rec;
  lane.rec = null;
  rec?.done(null, why);
}

/** Records a lane's runs from its worker's events. @param {Lane} lane */
function listen(lane) {
  const w = lane.bridge;
  w.on('engine', (m) => { lane.engine = { label: m.label.replace(/, \d+ threads?$/, ''), threads: m.threads }; });
  w.on('run', (r) => {
    if (lane.rec) drop(lane, 'it was replaced by another run');
    const p = lane.pending;
    lane.pending = null;
    if (r.origin !== 'new' || r.kind !== 'trainer' || !r.training) return;
    if (!p && lane.n !== 1) return; // only the page's worker trains by hand
    const plan = p ? p.plan : planOfRun(r);
    lane.rec = { runId: r.id, plan, curve: new CurveBuilder(plan.schedule.steps), vals: [], steps: 0, ms: 0, t0: performance.now(), params: r.numParams, final: null,
      done: p ? p.done : () => {} };
  });
  w.on('progress', (m) => {
    const rec = lane.rec;
    if (!rec || m.runId !== rec.runId) return;
    rec.curve.append(m.losses);
    rec.steps += m.losses.length;
    rec.ms += m.ms;
    noteRate(rec.plan.name, rec.steps, rec.ms);
  });
  w.on('val', (m) => {
    const rec = lane.rec;
    if (rec && m.runId === rec.runId && Number.isFinite(m.loss)) rec.vals.push({ step: m.step, loss: m.loss });
  });
  w.on('finalEval', (m) => {
    if (lane.rec && m.runId === lane.rec.runId) lane.rec.final = m.losses;
  });
  w.on('state', (m) => {
    const rec = lane.rec;
    if (!rec || (m.runId !== null && m.runId !== rec.runId)) return;
    if (m.state === 'done') finish(lane, rec, m.step);
    else if (m.state === 'failed' || m.state === 'idle') drop(lane, m.state === 'failed' ? (m.message ?? 'training failed') : 'it was reset');
  });
}

/**
 * A lane's run finished: its record is kept, shown and stored.
 * @param {Lane} lane @param {Recording} r @param {number} step the steps it trained
 */
function finish(lane, r, step) {
  lane.rec = null;
  // a schedule changed by hand while training (the page's run): the record has the run's own (as the page last heard it)
  const run = lane.n === 1 && state.run && state.run.id === r.runId ? state.run : null;
  const plan = run ? { ...r.plan, schedule: { ...r.plan.schedule, steps: run.steps, lr: run.lr, lrDecayed: run.lrDecayed, decayStep: run.decayStep }, valEvery: run.valEvery } : r.plan;
  const f = r.final;
  const num = (/** @type {number|undefined} */ v) => (v === undefined || !Number.isFinite(v) ? null : v);
  const record = makeRecord(plan, {
    params: r.params, steps: step, engine: lane.engine.label, threads: lane.engine.threads,
    losses: { train: num(f?.train), val: num(f?.val), test: num(f?.test) }, trainSeconds: r.ms / 1000,
    wallSec: (performance.now() - r.t0) / 1000, curve: r.curve.curve(), vals: r.vals, where: 'page',
  });
  addRecords([record]).then(() => r.done(record), (e) => r.done(record, errText(e)));
}

/**
 * Keeps records: colours for those without, shown at once, stored in IndexedDB (rejects if storing failed: they stay shown).
 * @param {RunRecord[]} records
 */
async function addRecords(records) {
  for (const r of records) {
    if (!r.colour) r.colour = nextColour(lab.runs);
    const i = lab.runs.findIndex((x) => x.id === r.id);
    if (i >= 0) lab.runs[i] = r;
    else lab.runs.push(r);
  }
  lab.runs.sort((a, b) => a.finishedAt - b.finishedAt || a.id.localeCompare(b.id)); // as listRuns gives them
  renderLab();
  refresh();
  try {
    await putRuns(records);
  } catch (e) {
    showError('lab-error', `Not kept in this browser: ${errText(e)}`);
    throw e;
  }
}

// ---------------------------------------------------------------- lanes and sweeps
/** @param {number} cores as the worker measures them @returns {number} runs at a time by default: 2 where there are 2 cores or more (faster: see the header) */
export const defaultLanes = (cores) => (cores >= 2 ? 2 : 1);

/**
 * The sweep's second lane: a Worker of its own with the page's module and word list (it keeps nothing in IndexedDB).
 * @returns {Promise<Lane>}
 */
async function openLane2() {
  const words = wordBytes();
  if (!words) throw new Error('no word list for the second lane');
  const w = new Worker(new URL('../worker/main.js', import.meta.url), { type: 'module' });
  /** @type {WorkerBridge} */
  const bridge = connect(w);
  const lane = makeLane(2, bridge, w);
  w.addEventListener('error', (e) => {
    const why = `the second worker failed (${e.message || 'unknown error'})`;
    const p = lane.pending;
    lane.pending = null;
    p?.done(null, why);
    drop(lane, why);
  });
  try {
    await bridge.call('init', { engine: engineName, store: false });
    await bridge.call('loadWords', transfer({ bytes: words.bytes, source: words.source }, [words.bytes]));
  } catch (e) {
    w.terminate();
    throw new Error(`the second lane did not start: ${errText(e)}`);
  }
  lane.source = words.source;
  return lane;
}

/** Ends the second lane: its worker is terminated (a run under way on it is dropped). */
function closeLane2() {
  const lane = lane2;
  lane2 = null;
  if (!lane) return;
  lane.own?.terminate();
  const p = lane.pending;
  lane.pending = null;
  p?.done(null, 'the sweep ended');
  drop(lane, 'the sweep ended');
}

/**
 * One run of a sweep, through a lane's worker.
 * @param {Lane} lane @param {RunPlan} plan @param {number} threads 0: the cores available @returns {Promise<RunRecord>}
 */
function runOne(lane, plan, threads) {
  const source = lane.n === 1 ? state.dataInfo?.source : lane.source;
  if (plan.dataset !== source) return Promise.reject(new Error(`the sweep is for the data set ${plan.dataset}, and the page has ${source ?? 'none'} loaded`));
  return new Promise((resolve, reject) => {
    lane.pending = { plan, done: (r, why) => (r ? resolve(r) : reject(new Error(`${plan.name} did not finish: ${why}`))) };
    const seed = BigInt(plan.seed) <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(plan.seed) : BigInt(plan.seed);
    lane.bridge.call('train', { config: /** @type {any} */ (plan.config), data: /** @type {any} */ (plan.data), training: { ...plan.schedule, seed },
      valEvery: plan.valEvery, threads, reproducible: plan.reproducible })
      .catch((e) => {
        lane.pending = null;
        reject(new Error(`${plan.name} did not start: ${errText(e)}`));
      });
  });
}

/**
 * Queues a sweep's runs on the lanes ("runs at a time"); a run that fails or is replaced stops the sweep (the runs under way end).
 * @param {RunPlan[]} plans
 */
async function runSweep(plans) {
  if (sweeping) throw new Error('a sweep is running: stop it first');
  sweeping = true;
  stopAsked = false;
  syncButtons();
  const formThreads = Number($('threads').value) || 0;
  let lanesUsed = 1;
  let n = 0;
  /** @type {string|null} */
  let failure = null;
  /** @type {Set<string>} the runs under way */
  const busy = new Set();
  const say = () => {
    state.sweep = { name: plans[0].sweep, done: n, total: plans.length }; // Train (new run) says what it would stop (web/page/confirm.js)
    setLabStatus(`Sweep “${plans[0].sweep}”: ${n} of ${plans.length} done${busy.size ? `, training ${[...busy].join(' and ')}` : ''}…`);
  };
  try {
    const want = Math.min(Number($('lab-lanes').value) || 1, plans.length);
    const lanes = [lane1];
    if (want >= 2) {
      setLabStatus(`Sweep “${plans[0].sweep}”: starting the second worker…`);
      try {
        lane2 = await openLane2();
        lanes.push(lane2);
        lanesUsed = 2;
      } catch (e) {
        showError('lab-error', `One run at a time: ${errText(e)}`); // the sweep goes on in the page's worker
      }
    }
    // two lanes: one thread each (faster, see the header); one: the form's threads
    const threads = lanes.length > 1 ? 1 : formThreads;
    say();
    await runQueue(plans, async (plan, k) => {
      busy.add(plan.name);
      say();
      try {
        return await runOne(lanes[k], plan, threads);
      } finally {
        busy.delete(plan.name);
      }
    }, {
      jobs: lanes.length,
      onDone: () => { n++; say(); },
      onError: (e) => { failure ??= errText(e); stopAsked = true; },
      stopped: () => stopAsked,
    });
  } catch (e) {
    failure ??= errText(e);
  } finally {
    closeLane2();
    sweeping = false;
    state.sweep = null;
    syncButtons();
    if (lanesUsed > 1 && formThreads !== 1) worker.call('setThreads', { threads: formThreads }).catch(() => {}); // the form's threads again
  }
  setLabStatus(failure ? `Sweep stopped after ${n} of ${plans.length} runs: ${failure}.` : stopAsked ? `Sweep stopped after ${n} of ${plans.length} runs.` : `Sweep “${plans[0].sweep}” done: ${n} runs.`);
}

/** @param {string} text */
function setLabStatus(text) {
  $('lab-status').textContent = text;
}

function syncButtons() {
  for (const id of ['lab-run-sweep', 'lab-lecture', 'lab-makemore']) $(id).disabled = sweeping || !schema;
  $('lab-stop').disabled = !sweeping;
  $('lab-lanes').disabled = sweeping;
}

async function onRunSweep() {
  showError('lab-error', null);
  let plans;
  try {
    plans = sweepPlans();
  } catch (e) {
    showError('lab-error', `Not started: ${errText(e)}`);
    return;
  }
  runSweep(plans).catch((e) => showError('lab-error', errText(e)));
}

async function onLecture() {
  showError('lab-error', null);
  try {
    const plans = lecturePlans(await lectureJson());
    if (state.dataInfo?.source !== 'names.txt') throw new Error(`the lecture trains on names.txt: press “Use names.txt” first (the page has ${state.dataInfo?.source ?? 'none'})`);
    await runSweep(plans);
  } catch (e) {
    showError('lab-error', errText(e));
  }
}

async function onMakemore() {
  showError('lab-error', null);
  try {
    await runSweep(makemorePlans(await makemoreJson()));
  } catch (e) {
    showError('lab-error', errText(e));
  }
}

// ---------------------------------------------------------------- export, import, delete
/** @param {string} text @param {string} name @param {string} type */
function download(text, name, type) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

/** @param {File} file */
async function onImport(file) {
  showError('lab-error', null);
  let records;
  try {
    records = importJson(await file.text());
  } catch (e) {
    showError('lab-error', `${file.name}: ${errText(e)}. The runs here are unchanged.`);
    return;
  }
  try {
    await addRecords(records);
    setLabStatus(`Imported ${records.length} run${records.length === 1 ? '' : 's'} from ${file.name}.`);
  } catch {
    // said in lab-error
  }
}

/** @param {string} id */
async function onDelete(id) {
  lab.runs = lab.runs.filter((r) => r.id !== id);
  lab.hidden.delete(id);
  renderLab();
  try {
    await deleteRun(id);
  } catch (e) {
    showError('lab-error', `Not deleted in this browser: ${errText(e)}`);
  }
}

// ---------------------------------------------------------------- start
/**
 * The lab after the module loaded: the builder's choices from the schema, the stored runs.
 * @param {Schema} s @param {string} [engine] the module the page's worker loaded (InitResult.engine)
 * @param {number} [cores] the cores it uses (InitResult.cores)
 */
export async function initLab(s, engine, cores = 1) {
  schema = s;
  lab.schema = s;
  engineName = engine ?? null;
  $('lab-lanes').value = String(defaultLanes(cores));
  initBuilder(s);
  syncButtons();
  try {
    lab.runs = await listRuns();
    for (const r of lab.runs) r.colour ??= nextColour(lab.runs.filter((x) => x.colour));
  } catch (e) {
    showError('lab-error', `The runs kept in this browser could not be read: ${errText(e)}`);
  }
  renderLab();
  refresh();
  $('lab').dataset.ready = 'true';
}

makeLabChart($('lab-chart'));
lab.onDelete = (id) => { onDelete(id); };
$('lab-run-sweep').addEventListener('click', onRunSweep);
$('lab-lecture').addEventListener('click', onLecture);
$('lab-makemore').addEventListener('click', onMakemore);
$('lab-stop').addEventListener('click', () => {
  stopAsked = true;
  setLabStatus(lane2 ? 'The sweep stops when the runs under way end.' : 'The sweep stops when this run ends.');
});
$('lab-export-json').addEventListener('click', () => download(exportJson(lab.runs), 'makemore-runs.json', 'application/json'));
$('lab-export-csv').addEventListener('click', () => download(exportCsv(lab.runs, /** @type {Schema} */ (schema)), 'makemore-runs.csv', 'text/csv'));
$('lab-import').addEventListener('change', () => {
  const input = /** @type {HTMLInputElement} */ ($('lab-import'));
  const f = input.files?.[0];
  input.value = '';
  if (f) onImport(f);
});
syncButtons();
