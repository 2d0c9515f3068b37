// shared/idb.js: one object store of an IndexedDB database, opened per transaction (web/shared/model-store.js,
// web/lab/store.js). Every call rejects with the IndexedDB error when storage is unavailable
// (private modes, quota, another tab blocking an upgrade), so callers can show it and go on.

/**
 * @param {string} dbName @param {string} store @param {string} [keyPath] the records' key (else keys are given)
 * @returns {<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<T>) => Promise<T>} runs f on the
 *   store in one transaction; resolves with its last request's result when the transaction completes
 */
export function objectStore(dbName, store, keyPath) {
  /** @returns {Promise<IDBDatabase>} */
  const open = () => new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') {
      reject(new Error('IndexedDB is not available here'));
      return;
    }
    const req = indexedDB.open(dbName, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(store, keyPath ? { keyPath } : undefined);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('could not open IndexedDB'));
    req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
  });
  return async (mode, f) => {
    const db = await open();
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction(store, mode);
        const req = f(tx.objectStore(store));
        tx.oncomplete = () => resolve(req.result);
        tx.onerror = () => reject(tx.error ?? req.error ?? new Error('IndexedDB transaction failed'));
        tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
      });
    } finally {
      db.close();
    }
  };
}
