// shared/run-state.js: the states of the trainer page's run and the transitions between them,
// in one place. The worker owns the state (web/worker/run.js moves it, only through
// transition() and start()) and sends every change to the page ('state' and 'run' events of
// web/shared/protocol.js); the page renders the state it was sent, asking the questions below.
// A run changes state by transition() (the table below), or is replaced by another by start().

/**
 * - loading:     the worker loads the WebAssembly module
 * - unavailable: it could not (the page cannot train)
 * - idle:        no run (at the start, after Reset)
 * - training:    the run trains (validation points included)
 * - evaluating:  the schedule is done; the end-of-run evaluation of the splits runs
 * - paused:      stopped by Pause, or a checkpoint loaded and not continued yet; Resume
 *                goes on (with the end-of-run evaluation if the schedule is done)
 * - done:        the schedule and its end-of-run evaluation are done (a longer schedule
 *                makes it paused again)
 * - failed:      training stopped for good (an error of the core)
 * - sample-only: a model file without a trainer: it samples (a checkpoint of another
 *                word list, or one without training state)
 * @typedef {'loading'|'unavailable'|'idle'|'training'|'evaluating'|'paused'|'done'|'failed'|'sample-only'} RunState
 */

/** @type {RunState[]} the states a run starts in: a new run, a checkpoint (at its end: done) or a model file */
const START = ['training', 'paused', 'done', 'sample-only'];

/** @type {Record<RunState, RunState[]>} state -> the states the run (or the worker) may change to */
const TRANSITIONS = {
  loading: ['idle', 'unavailable'],
  unavailable: [],
  idle: [],
  training: ['paused', 'evaluating', 'failed', 'idle'],
  // training: a longer schedule; done: the splits are evaluated (or their evaluation failed)
  evaluating: ['paused', 'training', 'done', 'idle'],
  // evaluating: Resume at the end of the schedule
  paused: ['training', 'evaluating', 'idle'],
  // paused: a longer schedule
  done: ['paused', 'idle'],
  failed: ['idle'],
  // paused, done: the word list of a loaded checkpoint arrived, and it trains again
  'sample-only': ['paused', 'done', 'idle'],
};

/** @type {RunState[]} */
export const STATES = /** @type {RunState[]} */ (Object.keys(TRANSITIONS));

/** @param {RunState} from @param {RunState} to @returns {boolean} staying in a state is always allowed */
export function canTransition(from, to) {
  return from === to || TRANSITIONS[from].includes(to);
}

/** @param {RunState} s @returns {boolean} a run can start (the module is loaded) */
export const canStart = (s) => s !== 'loading' && s !== 'unavailable';

/** @param {string} to */
function known(to) {
  if (!(to in TRANSITIONS)) throw new Error(`not a run state: ${to}`);
}

/**
 * The state after from -> to within a run (or Reset); throws on a change the machine does not allow.
 * @param {RunState} from @param {RunState} to @returns {RunState} to
 */
export function transition(from, to) {
  known(to);
  if (!canTransition(from, to)) throw new Error(`run state ${from} cannot change to ${to}`);
  return to;
}

/**
 * The state of a run that replaces the current one (or none): a new run starts training, a
 * checkpoint paused (done at its end), a model file without training state sample-only.
 * @param {RunState} from @param {RunState} to @returns {RunState} to
 */
export function start(from, to) {
  known(to);
  if (!canStart(from)) throw new Error(`no run can start while the module is ${from}`);
  if (!START.includes(to)) throw new Error(`a run cannot start ${to}`);
  return to;
}

/** @param {RunState} s @returns {boolean} the worker trains or evaluates (its helper threads run) */
export const isWorking = (s) => s === 'training' || s === 'evaluating';
/** @param {RunState} s @returns {boolean} the run can still train, or is finishing its evaluation */
export const isActive = (s) => s === 'training' || s === 'evaluating' || s === 'paused';
/** @param {RunState} s @returns {boolean} Pause applies */
export const canPause = isWorking;
/** @param {RunState} s @returns {boolean} Resume applies */
export const canResume = (s) => s === 'paused';
/** @param {RunState} s @returns {boolean} the run has a trainer (Evaluate, a schedule) */
export const hasTrainer = (s) => isActive(s) || s === 'done' || s === 'failed';
/** @param {RunState} s @returns {boolean} there is a model (sample, download, Reset) */
export const hasModel = (s) => hasTrainer(s) || s === 'sample-only';
