// lab/store.js: the lab's finished runs (web/lab/runner.js RunRecords) in IndexedDB, across reloads:
// the object store "runs" (key: the record's id) of the database "makemore-wasm-lab" (its own
// database, so the last model's store, web/shared/model-store.js, keeps its version). Every function rejects
// with the IndexedDB error when storage is unavailable (private modes, quota).
import { objectStore } from '../shared/idb.js';

const DB_NAME = 'makemore-wasm-lab';
const STORE = 'runs';

/** @typedef {import('./runner.js').RunRecord} RunRecord */

const withStore = objectStore(DB_NAME, STORE, 'id');

/** @returns {Promise<RunRecord[]>} every stored run, oldest first */
export async function listRuns() {
  const all = /** @type {RunRecord[]} */ (await withStore('readonly', (s) => s.getAll()));
  return all.sort((a, b) => a.finishedAt - b.finishedAt || a.id.localeCompare(b.id));
}

/** Stores runs (a record of the same id is replaced), all in one transaction. @param {RunRecord[]} records */
export async function putRuns(records) {
  if (!records.length) return;
  await withStore('readwrite', (s) => {
    /** @type {IDBRequest<IDBValidKey>} */ let last = s.put(records[0]);
    for (const r of records.slice(1)) last = s.put(r);
    return last;
  });
}

/** @param {string} id @returns {Promise<void>} */
export async function deleteRun(id) {
  await withStore('readwrite', (s) => s.delete(id));
}
