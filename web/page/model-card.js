// page/model-card.js: the "Model, drawn" card: while a run is on (or a model is loaded) it shows
// that model, labelled; the form's model is a labelled preview, shown when there is no run or
// when the user asks for it (a toggle appears when the form describes another model). The
// drawing itself is web/page/model-view.js's; the run's layers are the worker's check of its
// configuration.
import { $, fmt, setText } from './dom.js';
import { state, subscribe } from './state.js';
import { worker } from './connection.js';
import { showModel } from './model-view.js';

/**
 * @typedef {{layers: import('../../wasm/makemore.mjs').LayerInfo[]|null, batch: number, problem: string|null, unreadable?: boolean,
 *   settings?: Record<string, unknown>}} Shown settings: the form's model and split settings it was drawn from
 */

/** @type {Shown|null} the form's model, as its last check drew it */
let formModel = null;
/** @type {{runId: number, shown: Shown}|null} the current run's model */
let runModel = null;
/** the user chose to see the form's model while a run is on */
let preview = false;

/** @returns {number} a drawn model's parameters (-1: none) @param {Shown|null} m */
const paramsOf = (m) => (m?.layers && !m.problem ? m.layers.reduce((s, l) => s + l.params, 0) : -1);

function render() {
  const run = state.run;
  const theRun = run && runModel && runModel.runId === run.id ? runModel.shown : null;
  const showRun = !!theRun && !preview;
  const m = showRun ? theRun : formModel;
  if (m) showModel(m);
  const differs = !!theRun && !!run && !!formModel && !sameModel(formModel.settings, { ...run.config, ...run.data });
  const toggle = $('mv-toggle');
  toggle.hidden = !theRun;
  setText('mv-toggle', showRun ? "Show the form's model (preview)" : 'Show the model of the run');
  if (showRun && run) {
    setText('mv-which', `The model of the current run: ${run.name} (${fmt(run.numParams)} parameters).` +
      (differs ? ` The form describes another model (${paramsOf(formModel) >= 0 ? `${fmt(paramsOf(formModel))} parameters` : 'not valid'}): Train (new run) trains it.` : ''));
  } else {
    setText('mv-which', theRun ? "Preview: the form's model, not the one training now." : "Preview: the form's model (press Train to train it).");
  }
}

/**
 * @param {Record<string, unknown>|undefined} form the form's model and split settings @param {Record<string, unknown>} run the run's
 * @returns {boolean} the run has every setting the form gives (an unreadable form: not the same)
 */
const sameModel = (form, run) => !!form && Object.entries(form).every(([k, v]) => !(k in run) || String(run[k]) === String(v));

/** The form's model checked (web/page/form.js). @param {Shown} m */
export function showFormModel(m) {
  formModel = m;
  render();
}

/** A new run (or loaded model): its layers from the worker, then the card shows it. */
async function onRunChanged() {
  const run = state.run;
  if (!run) {
    runModel = null;
    preview = false;
    render();
    return;
  }
  if (runModel?.runId === run.id) return;
  preview = false;
  const batch = run.training?.batchSize ?? 32;
  try {
    const r = await worker.call('check', { config: /** @type {any} */ (run.config), data: run.data, batch, vocabSize: Number(run.config.vocabSize) || undefined });
    if (state.run?.id !== run.id) return;
    runModel = { runId: run.id, shown: { layers: r.layers, batch: r.batch, problem: r.layersProblem } };
  } catch {
    runModel = null; // the word list changed: the form's model stays shown
  }
  render();
}

$('mv-toggle').addEventListener('click', () => {
  preview = !preview;
  render();
});
subscribe(['run'], () => void onRunChanged());
