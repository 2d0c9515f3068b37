// page/samples.js: the trainer page's Samples card: names from the current model, on
// demand and every few seconds while it trains, each marked by where it is in the word
// list (train, val, test split) or new.
import { errText } from '../shared/errors.js';
import { $, fmt, showError } from './dom.js';
import { state } from './state.js';
import { worker } from './connection.js';

const AUTO_SAMPLE_MS = 3000;
const WHERE = /** @type {Record<import('../shared/protocol.js').Where, string>} */ ({
  train: 'in training set',
  val: 'in val split',
  test: 'in test split',
  list: 'in word list',
  new: 'new',
});
let sampleBusy = false;
let lastAutoSample = 0;

/** Samples with the card's settings (shows why not if they are out of range). */
export async function onSample() {
  const run = state.run;
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
    const r = await worker.call('sample', { count, temperature, topK, topP, prefix: $('s-prefix').value });
    if (!state.run || r.runId !== state.run.id) return;
    showError('sample-error', null);
    renderSamples(r, temperature, topK, topP);
  } catch (e) {
    showError('sample-error', `Could not sample: ${errText(e)}`);
  } finally {
    sampleBusy = false;
  }
}

/** While training: samples every AUTO_SAMPLE_MS if the box is ticked. */
export function autoSample() {
  if (!$('s-auto').checked || performance.now() - lastAutoSample <= AUTO_SAMPLE_MS) return;
  lastAutoSample = performance.now();
  onSample();
}

/** A new run (or none): no samples yet; the first automatic ones after ~0.8 s. */
export function clearSamples() {
  lastAutoSample = performance.now() - AUTO_SAMPLE_MS + 800;
  $('samples').replaceChildren();
  $('samples-meta').textContent = '';
  showError('sample-error', null);
}

/** @param {import('../shared/protocol.js').SampleResult} r @param {number} temperature @param {number} topK @param {number} topP */
function renderSamples(r, temperature, topK, topP) {
  const items = r.names.map((n) => {
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
  const fresh = r.names.filter((n) => n.where === 'new').length;
  const at = r.step == null ? 'From the loaded model' : `At step ${fmt(r.step)}`;
  $('samples-meta').textContent = `${at}, temperature ${temperature}${topK ? `, top-k ${topK}` : ''}${topP < 1 ? `, top-p ${topP}` : ''}: ${fresh} of ${r.names.length} new${state.run?.labels === 'list' ? ' (compared with the whole word list)' : ''}.`;
}

$('sample').addEventListener('click', onSample);
$('s-prefix').addEventListener('keydown', (/** @type {KeyboardEvent} */ e) => {
  if (e.key === 'Enter') onSample();
});

// The sampling settings survive a reload (this browser's localStorage; none where it is refused).
const KEPT = ['s-count', 's-temp', 's-topk', 's-topp', 's-prefix', 's-auto'];
const KEY = 'makemore-wasm.sampling';
function keepSampling() {
  const v = Object.fromEntries(KEPT.map((id) => [id, $(id).type === 'checkbox' ? $(id).checked : $(id).value]));
  try {
    localStorage.setItem(KEY, JSON.stringify(v));
  } catch {
    // storage refused (a private window's quota, a sandbox): the settings last for this page only
  }
}
function restoreSampling() {
  let v;
  try {
    v = JSON.parse(localStorage.getItem(KEY) ?? 'null');
  } catch {
    return;
  }
  if (!v || typeof v !== 'object') return;
  for (const id of KEPT) {
    const x = v[id];
    if ($(id).type === 'checkbox') {
      if (typeof x === 'boolean') $(id).checked = x;
    } else if (typeof x === 'string') $(id).value = x;
  }
}
restoreSampling();
for (const id of KEPT) $(id).addEventListener('change', keepSampling);
