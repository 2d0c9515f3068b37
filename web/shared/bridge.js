// shared/bridge.js: typed calls and events between a page and its Worker, used on both sides
// (the trainer page: web/app.js and web/worker/main.js; its API is web/shared/protocol.js).
//
//   page:   const worker = connect(new Worker(url, { type: 'module' }));
//           const info = await worker.call('init', { engine });   // the result, or it throws
//           worker.on('progress', (p) => ...);                     // the worker's events
//   worker: const emit = serve(self, { init: async ({ engine }) => ..., ... });
//           emit('progress', { ... }, [losses.buffer]);
//
// Every call has an id and gets back its result or an error: the handler's return
// value (or what its promise resolves to), or an Error with the message of what it
// threw. Events (progress, state, ...) have no id and no answer. Calls, results and
// events are structured clones; wrap one in transfer(value, [buffers]) to move buffers
// instead of copying them. Results and events arrive in the order the worker sent them.
//
// On the wire: page -> worker {id, call, args}; worker -> page {id, result} | {id, error}
// | {event, data}.

import { errText } from './errors.js';

/** @type {WeakMap<object, Transferable[]>} values to send with their buffers moved */
const transfers = new WeakMap();

/**
 * Marks a call's argument, a result or an event to be sent with these buffers transferred.
 * @template {object} T @param {T} value @param {Transferable[]} list @returns {T} value
 */
export function transfer(value, list) {
  transfers.set(value, list);
  return value;
}

/** @param {unknown} v @returns {Transferable[]} */
const transferOf = (v) => (v !== null && typeof v === 'object' && transfers.get(v)) || [];

/**
 * The calls a worker answers, as functions: name -> (argument) => result.
 * @typedef {Record<string, (...args: any[]) => any>} CallMap
 */

/**
 * What a worker implements for calls C: each may also return a promise of its result.
 * @template {CallMap} C
 * @typedef {{[K in keyof C]: (...args: Parameters<C[K]>) => Awaited<ReturnType<C[K]>> | Promise<Awaited<ReturnType<C[K]>>>}} Handlers
 */

/**
 * Sends an event of E to the page.
 * @template {Record<string, any>} E
 * @typedef {<K extends keyof E & string>(name: K, data: E[K], transferList?: Transferable[]) => void} Emit
 */

/**
 * The page's side: calls of C, events of E.
 * @template {CallMap} C
 * @template {Record<string, any>} E
 */
export class Bridge {
  /** @param {Pick<Worker, 'postMessage'|'addEventListener'>} port the Worker */
  constructor(port) {
    this.port = port;
    this.ids = 0;
    /** @type {Map<number, {resolve: (v: any) => void, reject: (e: Error) => void}>} */
    this.pending = new Map();
    /** @type {Map<string, ((data: any) => void)[]>} */
    this.listeners = new Map();
    /** whether the worker has sent anything yet */
    this.heard = false;
    port.addEventListener('message', (e) => {
      this.heard = true;
      this.receive(/** @type {MessageEvent} */ (e).data);
    });
    // An error before the worker's first message: its script did not load or threw while it was
    // evaluated, and nothing will ever answer (later errors are the handlers', which answer themselves).
    port.addEventListener('error', (e) => {
      if (this.heard) return;
      const why = /** @type {ErrorEvent} */ (e).message || 'the browser gave no reason';
      for (const p of this.pending.values()) p.reject(new Error(`the worker's script did not load or start (${why})`));
      this.pending.clear();
    });
  }

  /**
   * Calls the worker.
   * @template {keyof C & string} K
   * @param {K} name @param {Parameters<C[K]>} args
   * @returns {Promise<Awaited<ReturnType<C[K]>>>} its result; rejects with an Error of the worker's message
   */
  call(name, ...args) {
    const id = ++this.ids;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.port.postMessage({ id, call: name, args }, args.flatMap(transferOf));
    });
  }

  /**
   * Listens to an event of the worker.
   * @template {keyof E & string} K @param {K} name @param {(data: E[K]) => void} fn
   */
  on(name, fn) {
    const list = this.listeners.get(name) ?? [];
    list.push(fn);
    this.listeners.set(name, list);
  }

  /** @param {any} m a message of the worker */
  receive(m) {
    if (m && typeof m.event === 'string') {
      for (const fn of this.listeners.get(m.event) ?? []) fn(m.data);
      return;
    }
    const p = m && this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if ('error' in m) p.reject(new Error(m.error));
    else p.resolve(m.result);
  }
}

/**
 * The page's side of a Worker.
 * @template {CallMap} C @template {Record<string, any>} E
 * @param {Pick<Worker, 'postMessage'|'addEventListener'>} worker @returns {Bridge<C, E>}
 */
export function connect(worker) {
  return new Bridge(worker);
}

/**
 * The worker's side: answers the page's calls with handlers; returns the function
 * that sends events.
 * @template {CallMap} C
 * @param {{postMessage: (m: any, transfer: Transferable[]) => void, addEventListener: (type: 'message', fn: (e: MessageEvent) => void) => void}} scope the worker's global scope
 * @param {Handlers<C>} handlers
 * @returns {Emit<any>}
 */
export function serve(scope, handlers) {
  /** @param {any} m @param {Transferable[]} list */
  const send = (m, list) => {
    try {
      scope.postMessage(m, list);
    } catch (e) {
      // not cloneable: the call gets the error instead of no answer
      if ('id' in m) scope.postMessage({ id: m.id, error: `could not send the result: ${errText(e)}` }, []);
      else throw e;
    }
  };
  scope.addEventListener('message', (e) => {
    const m = e.data;
    if (!m || typeof m.id !== 'number' || typeof m.call !== 'string') return;
    const { id } = m;
    const h = Object.hasOwn(handlers, m.call) ? /** @type {(...a: any[]) => any} */ (handlers[m.call]) : null;
    if (!h) {
      send({ id, error: `unknown call ${m.call}` }, []);
      return;
    }
    let out;
    try {
      out = h(...(Array.isArray(m.args) ? m.args : []));
    } catch (err) {
      send({ id, error: errText(err) }, []);
      return;
    }
    if (out instanceof Promise)
      out.then(
        (result) => send({ id, result }, transferOf(result)),
        (err) => send({ id, error: errText(err) }, []),
      );
    else send({ id, result: out }, transferOf(out));
  });
  return (name, data, transferList = []) => send({ event: name, data }, transferList);
}
