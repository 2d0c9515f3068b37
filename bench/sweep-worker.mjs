// bench/sweep-worker.mjs: one lane of bench/sweep.mjs --jobs N (a worker thread): its own module on
// workerData.threads threads; trains each plan it is sent and answers with the record (or {error}).
import { parentPort, workerData } from 'node:worker_threads';
import { openRunner } from './lab-node.mjs';

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
const runner = await openRunner(workerData);
port.on('message', (/** @type {import('../web/lab/runner.js').RunPlan} */ plan) => {
  try {
    port.postMessage({ record: runner.run(plan) });
  } catch (e) {
    port.postMessage({ error: e instanceof Error ? e.message : String(e) });
  }
});
