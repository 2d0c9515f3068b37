// page-shared.js: what the trainer page's modules share (web/app.js is the entry): the
// worker (web/worker.js, called through web/bridge.js), the view of the run as the
// worker described it, and small DOM helpers. Text from word lists, samples and model
// files is only ever set with textContent.
import { connect } from './bridge.js';

/** @typedef {import('./protocol.js').RunInfo & {loadedStep: number}} PageRun the run as the worker described it */

/** @type {import('./protocol.js').WorkerBridge} */
export const worker = connect(new Worker(new URL('./worker.js', import.meta.url), { type: 'module' }));

/** @type {() => void} */
let markReady = () => {};
/** Resolves once the worker loaded its module and the form shows its presets (web/app.js). */
export const whenReady = new Promise((resolve) => {
  markReady = () => resolve(undefined);
});
export const setReady = () => {
  view.ready = true;
  markReady();
};

export const view = {
  /** the worker loaded its module */
  ready: false,
  /** @type {import('./protocol.js').WordsInfo|null} the word list in use */
  dataInfo: null,
  /** @type {import('./protocol.js').Preset[]} */
  presets: [],
  /** @type {PageRun|null} the current run, or null */
  run: null,
  /** @type {import('./run-state.js').RunState} its state, as the worker sent it */
  state: 'idle',
  /** a Train call is on its way */
  starting: false,
  stepsDone: 0,
  /** model, batch or seed changed in the form during a run (they need a new run) */
  settingsChanged: false,
};

/** @param {string} id @returns {any} the element */
export const $ = (id) => /** @type {any} */ (document.getElementById(id));
/** @param {number} n */
export const fmt = (n) => n.toLocaleString('en-US');

/** @param {string} id @param {string|null} text shows (or hides, for null) an error paragraph */
export function showError(id, text) {
  const el = $(id);
  el.hidden = !text;
  el.textContent = text ?? '';
}

/** @param {string} text */
export function setStatus(text) {
  $('status').textContent = text;
}

/** Sets an element's text only if it differs (an unchanged text costs no layout). @param {string} id @param {string} text */
export function setText(id, text) {
  const el = $(id);
  if (el.textContent !== text) el.textContent = text;
}

/** @param {unknown} e @returns {string} */
export const errText = (e) => (e instanceof Error ? e.message : String(e));

/** @param {HTMLElement} from @param {HTMLElement} to keeps keyboard focus when a button disables itself */
export function moveFocus(from, to) {
  if (document.activeElement === from) to.focus();
}
