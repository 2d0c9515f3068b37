// lab-store.js: the lab's finished runs (web/lab-runner.js RunRecords) in IndexedDB, across reloads:
// the object store "runs" (key: the record's id) of the database "makemore-wasm-lab" (its own
// database, so the last model's store, web/model-store.js, keeps its version). Every function rejects
// with the IndexedDB error when storage is unavailable (private modes, quota).
const DB_NAME = 'makemore-wasm-lab';
const STORE = 'runs';

/** @typedef {import('./lab-runner.js').RunRecord} RunRecord */

/** @returns {Promise<IDBDatabase>} */
function openDb() {
  return new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') {
      reject(new Error('IndexedDB is not available here'));
      return;
    }
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'id' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('could not open IndexedDB'));
    req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
  });
}

/**
 * Runs f on the store in one transaction; resolves with its last request's result when the transaction completes.
 * @template T @param {IDBTransactionMode} mode @param {(s: IDBObjectStore) => IDBRequest<T>} f @returns {Promise<T>}
 */
async function withStore(mode, f) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = f(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error ?? req.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
  } finally {
    db.close();
  }
}

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
