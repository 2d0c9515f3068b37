// api/threads.mjs: a threaded module's helper threads (src/pool.c's pool): Workers (Node:
// worker_threads) running wasm/helper.mjs on the shared memory. Makemore.setThreads and
// close (api/makemore-class.mjs) start and stop them.
import { fromHere, importNode, isNode } from './env.mjs';

/** Bytes of stack for each helper thread's instance. */
export const HELPER_STACK = 256 * 1024;

/** @param {unknown} n @returns {number} */
export function checkThreads(n) {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 64)
    throw new RangeError(`threads must be a whole number from 1 to 64 (or 'auto'), got ${n}`);
  return n;
}

/**
 * A helper thread's Worker, as Node's and the browser's have it in common.
 * @typedef {{post: (m: any) => void, on: (f: (m: any) => void) => void, terminate: () => void, unref: () => void}} HelperWorker
 */

/**
 * A started helper thread: its Worker, its stack (malloc'd in the module's memory), and
 * whether it said 'ready' and when it ended.
 * @typedef {{h: HelperWorker, stack: number, exited: Promise<void>, ready: Promise<void>}} Helper
 */

/**
 * A helper thread: a Worker (Node: worker_threads) running wasm/helper.mjs.
 * @param {URL|null} helperUrl loadMakemore's helperUrl (null: helper.mjs next to the API's entry module)
 * @param {string|undefined} base the entry module's URL (wasm/makemore.mjs, or the bundle)
 * @returns {Promise<HelperWorker>}
 */
export async function spawnHelper(helperUrl, base) {
  const url = helperUrl ?? fromHere('./helper.mjs', 'helperUrl', base);
  if (isNode) {
    const { Worker: NodeWorker } = /** @type {typeof import('node:worker_threads')} */ (await importNode('node:worker_threads'));
    const w = new NodeWorker(url, { execArgv: [] }); // not the parent's options (--input-type and the like fail there)
    return {
      post: (m) => w.postMessage(m),
      on: (f) => {
        w.on('message', f);
        w.on('error', (e) => f({ type: 'error', message: String(e) }));
        w.on('exit', () => f({ type: 'exit' }));
      },
      unref: () => w.unref(), // once it runs: a helper never keeps Node alive (a 'message' listener refs it)
      terminate: () => void w.terminate(),
    };
  }
  const w = new Worker(url, { type: 'module' });
  return {
    post: (m) => w.postMessage(m),
    on: (f) => {
      w.addEventListener('message', (e) => f(e.data));
      w.addEventListener('error', (e) => f({ type: 'error', message: e.message || 'the helper worker failed to start' }));
    },
    terminate: () => w.terminate(),
    unref: () => {},
  };
}

/**
 * Listens to helper thread i: ready resolves on its first message if that is 'ready' (else
 * rejects with what it said), exited when it ends or fails.
 * @param {HelperWorker} h @param {number} stack its stack @param {number} i its index in the pool
 * @returns {Helper}
 */
export function watchHelper(h, stack, i) {
  /** @type {(v: any) => void} */
  let ready = () => {};
  /** @type {(v: any) => void} */
  let exited = () => {};
  /** @type {Promise<void>} */
  const readyP = new Promise((res, rej) => {
    ready = (m) => (m.type === 'ready' ? res(undefined) : rej(new Error(`helper thread ${i}: ${m.message ?? m.type}`)));
  });
  /** @type {Promise<void>} */
  const exitedP = new Promise((res) => (exited = res));
  let started = false;
  h.on((m) => {
    if (!started) {
      started = true;
      ready(m);
    }
    if (m.type === 'exit' || m.type === 'error') exited(undefined);
  });
  return { h, stack, exited: exitedP, ready: readyP };
}
