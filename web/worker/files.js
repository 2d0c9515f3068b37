// worker/files.js: model files in the trainer page's worker: saving the current model as
// a file, loading one (it replaces the run), and the last model kept in this browser
// (IndexedDB, web/shared/model-store.js).
import { autoValEvery } from '../shared/losses.js';
import { saveModel, loadLastModel, clearModels } from '../shared/model-store.js';
import { transfer } from '../shared/bridge.js';
import { errText } from '../shared/errors.js';
import { ctx, stepOf, presetName, newRun, labelWords, adoptTrainer, announce, stopRun } from './state.js';

/** @typedef {import('./state.js').Run} Run */

/** @returns {import('../shared/protocol.js').SaveResult} the current model as a file (a checkpoint if it can train) */
export function saveFile() {
  const r = ctx.run;
  if (!r || (!r.trainer && !r.model)) throw new Error('no model yet: press Train or load a model file');
  const bytes = r.trainer ? r.trainer.save() : /** @type {any} */ (r.model).save();
  const training = !!r.trainer || !!r.model?.training;
  const step = stepOf(r);
  const fileName = `makemore-${r.name.replace(/[^A-Za-z0-9_.-]/g, '_')}${training ? `-step${step}` : ''}.safetensors`;
  return transfer({ runId: r.id, bytes, fileName, step }, [bytes.buffer]);
}

/**
 * Reads a model file; it replaces the current run unless it is bad (then it throws,
 * and the current run goes on).
 * @param {Uint8Array} bytes @param {{origin: 'file'|'restored', fileName?: string, savedAt?: number, meta?: any}} o
 */
export function loadModelFile(bytes, o) {
  const model = ctx.mm.loadModel(bytes);
  stopRun();
  const meta = o.meta ?? null;
  const r = newRun({
    origin: o.origin,
    fileName: o.fileName ?? meta?.fileName ?? null,
    savedAt: o.savedAt ?? null,
    model,
    checkpoint: model.training ? bytes : null,
    meta,
    name: presetName(model.config, model.data),
    source: meta?.source ?? '',
    dirty: o.origin === 'file', // a loaded file becomes the last model of this browser
  });
  // Labels for samples of a model without its trainer: the current word list.
  labelWords(r);
  const tr = model.training;
  if (tr) {
    r.valEvery = Number.isInteger(meta?.valEvery) ? meta.valEvery : autoValEvery(tr.steps);
    if (meta?.final && meta.final.step === tr.step) r.final = meta.final;
    if (Array.isArray(meta?.vals)) r.vals = meta.vals.filter((/** @type {any} */ v) => v.step <= tr.step);
    r.lastValStep = r.vals.length ? r.vals[r.vals.length - 1].step : -1;
    const h = meta?.history;
    if (h && h.losses instanceof Float32Array && h.start + h.losses.length === tr.step) r.hist = { start: h.start, buf: h.losses, n: h.losses.length };
    tryResume(r);
  }
  announce(r);
  persist(r);
}

/** Makes a loaded checkpoint's trainer from the current word list, if it is the one it was trained on. @param {Run} r */
export function tryResume(r) {
  if (!r.checkpoint) return false;
  if (!ctx.data) {
    r.resumeError = 'no word list is loaded';
    return false;
  }
  try {
    r.trainer = ctx.mm.resumeTrainer({ checkpoint: r.checkpoint, words: ctx.data.words });
  } catch (e) {
    r.resumeError = errText(e);
    return false;
  }
  r.resumeError = null;
  r.checkpoint = null;
  r.model?.free();
  r.model = null;
  const step = r.trainer.step;
  if (!r.hist) r.hist = { start: step, buf: new Float32Array(1024), n: 0 };
  adoptTrainer(r, r.valEvery);
  return true;
}

/** @type {Promise<unknown>} the last save on its way: Restore and Forget come after it */
let saving = Promise.resolve();

/** Stores the run in IndexedDB if it changed since it was last stored. @param {Run|null} r */
export function persist(r) {
  if (!ctx.store || !r || !r.dirty || (!r.trainer && !r.model)) return;
  let bytes;
  try {
    bytes = r.trainer ? r.trainer.save() : /** @type {any} */ (r.model).save();
  } catch (e) {
    ctx.emit('storeError', { message: errText(e) });
    return;
  }
  r.dirty = false;
  r.forgotten = false;
  r.lastSave = performance.now();
  const step = stepOf(r);
  const h = r.hist && r.hist.start + r.hist.n === step ? r.hist : null;
  const meta = {
    name: r.name,
    fileName: r.fileName,
    source: r.source,
    step,
    steps: r.trainer ? r.steps : (r.model?.training?.steps ?? 0),
    valEvery: r.valEvery,
    history: h ? { start: h.start, losses: h.buf.slice(0, h.n) } : null,
    vals: r.vals.slice(),
    final: r.final,
  };
  const id = r.id;
  saving = saveModel(bytes, meta).then(
    () => ctx.emit('stored', { runId: id, step, name: r.name, savedAt: Date.now() }),
    (e) => ctx.emit('storeError', { message: errText(e) }),
  );
}

/** The last model saved in this browser replaces the run, unless the page started or loaded one meanwhile. */
export async function restore() {
  const ids = ctx.runIds;
  let last;
  try {
    await saving; // a Reset's save first
    last = await loadLastModel();
  } catch (e) {
    ctx.emit('storeError', { message: errText(e) });
    return;
  }
  if (!last) return;
  const meta = /** @type {any} */ (last.meta);
  ctx.emit('stored', { step: meta.step ?? 0, name: meta.name ?? '', savedAt: last.savedAt.getTime() });
  if (ctx.runIds !== ids) return; // the user started or loaded something meanwhile
  loadModelFile(last.bytes, { origin: 'restored', savedAt: last.savedAt.getTime(), meta });
}

/** Deletes the model saved in this browser. */
export async function forget() {
  await saving; // a save on its way would bring it back
  await clearModels();
  if (ctx.run) {
    ctx.run.dirty = true; // a later pause or end stores it again
    ctx.run.forgotten = true; // not Reset: it clears the page and keeps nothing more
  }
}
