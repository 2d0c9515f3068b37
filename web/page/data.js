// page/data.js: the trainer page's Data card: the word list (names.txt, a file, pasted
// or dropped words; a dropped .safetensors is a model file), and what the worker says
// of it.
import { transfer } from '../shared/bridge.js';
import { errText } from '../shared/errors.js';
import { $, fmt, showError, setStatus } from './dom.js';
import { state, subscribe, notify, whenReady } from './state.js';
import { worker } from './connection.js';
import { loadModelFile } from './files.js';

/** The word list in use, as the worker got it (a copy: the lab's second lane loads it too, web/lab/page.js). @type {{bytes: ArrayBuffer, source: string}|null} */
let sent = null;
/** @returns {{bytes: ArrayBuffer, source: string}|null} the bytes of the word list in use (a fresh copy) and its name */
export const wordBytes = () => (sent ? { bytes: sent.bytes.slice(0), source: sent.source } : null);

/** @param {ArrayBuffer} bytes @param {string} source */
async function sendData(bytes, source) {
  const info = state.dataInfo;
  if (bytes.byteLength > 64 * 1024 * 1024) {
    showError('data-error', `${source} is ${fmt(bytes.byteLength)} bytes; word lists up to 64 MB are supported.${info ? ` Still using ${info.source}.` : ''}`);
    return;
  }
  $('d-source').textContent = `reading ${source}…`;
  await whenReady; // the form is ready for what the worker says of the words
  const copy = bytes.slice(0);
  try {
    await worker.call('loadWords', transfer({ bytes, source }, [bytes])); // then a 'words' event: showData
    sent = { bytes: copy, source };
  } catch (e) {
    const now = state.dataInfo;
    const keep = now ? ` Still using ${now.source} (${fmt(now.nWords)} words).` : '';
    showError('data-error', `Could not use ${source}: ${errText(e)}.${keep}`);
    $('d-source').textContent = now ? now.source : 'none';
    setStatus(`Could not use ${source}.`);
  }
}

export async function loadNames() {
  try {
    const r = await fetch('../data/names.txt');
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    sendData(await r.arrayBuffer(), 'names.txt');
  } catch (e) {
    showError('data-error', `Could not fetch names.txt (${errText(e)}): choose a file or paste words.`);
    $('d-source').textContent = state.dataInfo ? state.dataInfo.source : 'none';
  }
}

/** @param {File} file a word list, or a model file (by its name) */
async function loadFile(file) {
  if (/\.safetensors$/i.test(file.name)) return loadModelFile(file);
  try {
    sendData(await file.arrayBuffer(), file.name || 'file');
  } catch (e) {
    showError('data-error', `Could not read ${file.name}: ${errText(e)}`);
  }
}

/** A character of the vocabulary, visible even if it is white space. @param {string} c */
function visibleChar(c) {
  if (c === ' ') return '␠';
  if (c === '\t') return '⇥';
  return c;
}

/** The word list now in use (the worker's 'words' event). @param {import('../shared/protocol.js').WordsInfo} info */
export function showData(info) {
  state.dataInfo = info;
  showError('data-error', null);
  $('d-source').textContent = info.source;
  $('d-words').textContent = `${fmt(info.nWords)}${info.distinct !== info.nWords ? ` (${fmt(info.distinct)} distinct)` : ''}`;
  $('d-longest').textContent = `${info.maxLen} characters: ${info.longest}`;
  const shown = info.vocab.slice(0, 300).map((c, i) => {
    const s = document.createElement('span');
    s.className = i === 0 ? 'tok end' : 'tok';
    s.textContent = visibleChar(c);
    if (i === 0) s.title = 'end token';
    return s;
  });
  const more = info.vocab.length > 300 ? [document.createTextNode(` … ${fmt(info.vocab.length - 300)} more`)] : [];
  $('d-vocab').replaceChildren(...shown, ...more);
  $('vocab-label').textContent = `Vocabulary: ${info.vocabSize} tokens (the end token “.” and ${info.vocabSize - 1} characters)`;
  const note = state.run ? ' It applies to the next run: press Train.' : ' Press Train to start, or change the settings first.';
  setStatus(`Loaded ${info.source}: ${fmt(info.nWords)} words.${note}`);
  notify('words');
}

/** The split of the word list with the form's shuffles. @param {NonNullable<import('../shared/protocol.js').CheckResult['split']>} split */
function showSplit(split) {
  const [a, b, c] = split.words;
  const [x, y, z] = split.examples;
  $('d-split').textContent = `train ${fmt(a)} · val ${fmt(b)} · test ${fmt(c)} words (${fmt(x)} · ${fmt(y)} · ${fmt(z)} examples)`;
}

subscribe(['split'], () => {
  if (state.split) showSplit(state.split);
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
