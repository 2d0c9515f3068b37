// page-connection.js: the trainer page's worker (web/worker.js, its own module Worker),
// called through web/bridge.js: worker.call(name, args) and worker.on(event, handler)
// (the calls and events: web/protocol.js).
import { connect } from './bridge.js';

/** @type {import('./protocol.js').WorkerBridge} */
export const worker = connect(new Worker(new URL('./worker.js', import.meta.url), { type: 'module' }));
