// helper.mjs: one helper thread of a threaded module's pool (relaxed, simd-threads) (src/pool.c).
//
// A Worker (in Node a worker_threads Worker) started by the JS API (Makemore.setThreads,
// wasm/api/threads.mjs). It is sent {module, memory, pool, index, stackTop}: it
// instantiates the module on the shared memory, moves its stack pointer to its own
// stack (malloc'd by the main instance), says 'ready', and runs mmw_pool_helper, which
// takes tasks until the pool is stopped; then it says 'exit' and ends. It never calls the
// module's initialiser or libc: the main instance did and owns the heap.
// @ts-check (tsconfig.worker.json checks this file with lib webworker; makemore.mjs is checked by tsconfig.json)
import { _wasmImports } from './makemore.mjs';

const isNode = typeof process !== 'undefined' && !!process.versions?.node;
const port = isNode ? (await import('node:worker_threads')).parentPort : null;
/** @param {any} m */
const post = (m) => (port ? port.postMessage(m) : self.postMessage(m));

/** @param {{module: WebAssembly.Module, memory: WebAssembly.Memory, pool: number, index: number, stackTop: number}} msg */
async function run(msg) {
  try {
    const instance = await WebAssembly.instantiate(msg.module, _wasmImports(msg.module, () => msg.memory));
    const x = /** @type {any} */ (instance.exports);
    x.__stack_pointer.value = msg.stackTop;
    post({ type: 'ready' });
    x.mmw_pool_helper(msg.pool, msg.index);
    post({ type: 'exit' });
  } catch (e) {
    post({ type: 'error', message: String(e) });
  }
  if (port) port.close();
  else self.close();
}

if (port) port.once('message', run);
else self.addEventListener('message', (e) => run(/** @type {MessageEvent} */ (e).data), { once: true });
