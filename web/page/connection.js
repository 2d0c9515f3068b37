// page/connection.js: the trainer page's worker (web/worker/main.js, its own module Worker),
// called through web/shared/bridge.js: worker.call(name, args) and worker.on(event, handler)
// (the calls and events: web/shared/protocol.js).
import { connect } from '../shared/bridge.js';

/** @type {import('../shared/protocol.js').WorkerBridge} */
export const worker = connect(new Worker(new URL('../worker/main.js', import.meta.url), { type: 'module' }));
