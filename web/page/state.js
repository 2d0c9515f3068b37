// page/state.js: the trainer page's state: what the worker said (the word list, the presets,
// the current run and its state) and what the page is doing (a Train call on its way, an
// Evaluate call on its way). No DOM: the page's modules read it, change it, and say what
// changed with notify(topic); the modules that show it subscribe to the topics they show.
//   topic      what changed                                  who shows it
//   ready      the worker loaded its module                  the buttons
//   words      the word list in use (dataInfo)               the buttons, the form's check
//   run        the run, its state or its steps done          the buttons, the progress line
//   busy       a Train or Evaluate call started or ended     the buttons
//   schedule   the current run's schedule                    the buttons, the progress line, the chart
//   split      the form's check sized the split (split)      the Data card
//   form       the form's Steps (before a run)                the progress line
// A subscriber is called at once, in the order of subscribing; what one shows does not depend
// on another having run.

/** @typedef {import('../shared/protocol.js').RunInfo & {loadedStep: number, doneStep?: number}} PageRun the run as the worker described it; doneStep: the step it last finished at */
/** @typedef {'ready'|'words'|'run'|'busy'|'schedule'|'split'|'form'} Topic */

export const state = {
  /** the worker loaded its module */
  ready: false,
  /** @type {import('../shared/protocol.js').WordsInfo|null} the word list in use */
  dataInfo: null,
  /** @type {import('../shared/protocol.js').Preset[]} */
  presets: [],
  /** @type {PageRun|null} the current run, or null */
  run: null,
  /** @type {import('../shared/run-state.js').RunState} its state, as the worker sent it */
  runState: 'idle',
  /** a Train call is on its way */
  starting: false,
  /** an Evaluate call is on its way */
  evalBusy: false,
  stepsDone: 0,
  /** model, batch or seed changed in the form during a run (they need a new run) */
  settingsChanged: false,
  /** @type {{name: string, done: number, total: number}|null} a sweep of the lab on its way (web/lab/page.js): its runs done and planned */
  sweep: null,
  /** @type {NonNullable<import('../shared/protocol.js').CheckResult['split']>|null} the split of the word list with the form's shuffles (the last check's) */
  split: null,
};

/** @type {Map<Topic, (() => void)[]>} */
const subscribers = new Map();

/** @param {Topic[]} topics @param {() => void} fn called when any of them changes */
export function subscribe(topics, fn) {
  for (const t of topics) subscribers.set(t, [...(subscribers.get(t) ?? []), fn]);
}

/** @param {Topic} topic what changed: its subscribers show it now */
export function notify(topic) {
  for (const fn of subscribers.get(topic) ?? []) fn();
}

/** @type {() => void} */
let markReady = () => {};
/** Resolves once the worker loaded its module and the form shows its presets (web/app.js). */
export const whenReady = new Promise((resolve) => {
  markReady = () => resolve(undefined);
});
/** The worker loaded its module (and the form shows its presets). */
export function setReady() {
  state.ready = true;
  markReady();
  notify('ready');
}
