// page/files.js: the trainer page's model files: Download (a safetensors checkpoint),
// Load (it replaces the run), and the last model the worker keeps in this browser.
import { transfer } from '../shared/bridge.js';
import { errText } from '../shared/errors.js';
import { $, fmt, showError, setStatus } from './dom.js';
import { state, subscribe } from './state.js';
import { worker } from './connection.js';

const MODEL_INFO = $('model-info').textContent;

async function onDownload() {
  if (!state.run) return;
  showError('model-error', null);
  let r;
  try {
    r = await worker.call('save');
  } catch (e) {
    showError('model-error', `Could not save the model: ${errText(e)}.`);
    return;
  }
  const url = URL.createObjectURL(new Blob([/** @type {Uint8Array<ArrayBuffer>} */ (r.bytes)], { type: 'application/octet-stream' }));
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

/** @param {string} name @param {unknown} e a model file that could not be loaded (the run is unchanged) */
function showLoadError(name, e) {
  const run = state.run;
  const keep = run ? ` The current ${run.kind === 'trainer' ? 'run' : 'model'} is unchanged.` : '';
  showError('model-error', `Could not load ${name}: ${errText(e)}.${keep}`);
  setStatus(`Could not load ${name}.`);
}

/** @param {File} file */
export async function loadModelFile(file) {
  showError('model-error', null);
  if (file.size > 1024 * 1024 * 1024) {
    showError('model-error', `${file.name} is ${fmt(file.size)} bytes; model files up to 1 GB are supported.`);
    return;
  }
  let bytes;
  try {
    bytes = await file.arrayBuffer();
  } catch (e) {
    showError('model-error', `Could not read ${file.name}: ${errText(e)}`);
    return;
  }
  setStatus(`Reading ${file.name}…`);
  const name = file.name || 'model file';
  try {
    await worker.call('loadModel', transfer({ bytes, name }, [bytes])); // then a 'run' event
  } catch (e) {
    showLoadError(name, e);
  }
}

/** The last model of this browser, if any (when the worker is ready). */
export function restoreModel() {
  worker.call('restore').catch((e) => showLoadError('the saved model', e));
}

/**
 * The status and model-file note for a loaded or restored model.
 * @param {import('./state.js').PageRun} r
 */
export function describeLoaded(r) {
  showError('model-error', null);
  const what = `${r.name} (${fmt(r.numParams)} parameters${r.source ? `, trained on ${r.source}` : ''})`;
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

/** No model (Reset). */
export function clearModelInfo() {
  showError('model-error', null);
  $('model-info').textContent = MODEL_INFO;
}

/** @param {number} ms since 1970 */
function when(ms) {
  const d = new Date(ms);
  const today = d.toDateString() === new Date().toDateString();
  return today ? `at ${d.toLocaleTimeString(undefined, { timeStyle: 'short' })}` : `on ${d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}`;
}

/** @type {import('../shared/protocol.js').StoredEvent|null} the model saved in this browser, if any */
let saved = null;

/** Restore it: offered while a model is saved in this browser and the page shows no run (after Reset). */
function showRestore() {
  $('restore-saved').hidden = !saved || !!state.run;
}

/** @param {import('../shared/protocol.js').StoredEvent} m */
export function onStored(m) {
  saved = m;
  $('store-info').textContent = `Saved in this browser ${when(m.savedAt)} (${m.name || 'model'}, step ${fmt(m.step)}); it is restored when the page opens.`;
  $('forget').hidden = false;
  showRestore();
  if (!state.run && $('status').textContent.startsWith('Reset:')) setStatus(resetText()); // Reset's save arrived
}

/** @returns {string} what Reset did, and what is saved in this browser (as the worker last said: a Reset's save follows) */
export function resetText() {
  const kept = saved
    ? ` The model stays saved in this browser (${saved.name || 'model'}, step ${fmt(saved.step)}): Restore it brings it back, Forget it deletes it.`
    : '';
  return `Reset: the run was cleared from the page.${kept} Press Train to start a new run.`;
}

/** @param {{message: string}} m */
export function onStoreError(m) {
  $('store-info').textContent = `Could not keep the model in this browser: ${m.message}`;
}

async function onForget() {
  try {
    await worker.call('forget');
  } catch (e) {
    onStoreError({ message: errText(e) });
    return;
  }
  saved = null;
  $('store-info').textContent = 'Nothing is saved in this browser now (the next pause or end of training saves again).';
  $('forget').hidden = true;
  showRestore();
}

$('download').addEventListener('click', onDownload);
$('model-input').addEventListener('change', () => {
  const f = $('model-input').files?.[0];
  if (f) loadModelFile(f);
  $('model-input').value = '';
});
$('forget').addEventListener('click', onForget);
$('restore-saved').addEventListener('click', async () => {
  setStatus('Restoring the model saved in this browser…');
  await worker.call('restore').catch((e) => showLoadError('the saved model', e));
  if (!state.run) setStatus(saved ? 'Could not restore the saved model.' : 'Nothing is saved in this browser to restore.');
});
subscribe(['run'], showRestore);
// Leaving or hiding the page: keep the run's progress (the worker saves only if it changed).
const persist = () => worker.call('persist').catch(() => {});
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') persist();
});
addEventListener('pagehide', persist);
