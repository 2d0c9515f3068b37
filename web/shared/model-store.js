// shared/model-store.js: the last model file in IndexedDB, for the trainer page.
//
//   import { saveModel, loadLastModel, clearModels } from './model-store.js';
//   await saveModel(trainer.save(), { preset: 'wavenet22k', step: trainer.step });
//   const last = await loadLastModel();   // null, or { bytes: Uint8Array, meta, savedAt: Date }
//   if (last) model = mm.loadModel(last.bytes);   // or mm.resumeTrainer({ checkpoint: last.bytes, words })
//
// One record ("last") in the object store "models" of the database "makemore-wasm";
// saving replaces it. meta is any structured-cloneable object (plain data). Every
// function rejects with the IndexedDB error when storage is unavailable (private
// modes, quota), so callers can show it and go on.
import { objectStore } from './idb.js';

const DB_NAME = 'makemore-wasm';
const STORE = 'models';
const KEY = 'last';

const withStore = objectStore(DB_NAME, STORE);

/**
 * Stores a model file (or checkpoint) as the last model, replacing the previous one.
 * @param {Uint8Array} bytes @param {object} [meta] plain data shown with it (preset, step, losses, ...)
 * @returns {Promise<void>}
 */
export async function saveModel(bytes, meta = {}) {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('saveModel takes the model file as a Uint8Array');
  const record = { bytes: bytes.slice(), meta, savedAt: Date.now() };
  await withStore('readwrite', (s) => s.put(record, KEY));
}

/** @returns {Promise<{bytes: Uint8Array, meta: object, savedAt: Date} | null>} the last model saved, or null */
export async function loadLastModel() {
  const r = await withStore('readonly', (s) => s.get(KEY));
  if (!r || !(r.bytes instanceof Uint8Array)) return null;
  return { bytes: r.bytes, meta: r.meta ?? {}, savedAt: new Date(r.savedAt) };
}

/** Forgets the stored model. @returns {Promise<void>} */
export async function clearModels() {
  await withStore('readwrite', (s) => s.clear());
}
