// web-bridge.test.mjs: the trainer page's worker bridge (web/shared/bridge.js) over a MessageChannel
// in Node, and its run state machine (web/shared/run-state.js) against the tables written here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, serve, transfer } from '../web/shared/bridge.js';
import { STATES, canTransition, transition, start, isWorking, isActive, canPause, canResume, hasTrainer, hasModel } from '../web/shared/run-state.js';

const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/** A bridge whose worker side is `handlers` on the other port of a channel. @param {any} handlers */
function pair(handlers) {
  const { port1, port2 } = new MessageChannel();
  const emit = serve(/** @type {any} */ (port2), handlers);
  const bridge = /** @type {any} */ (connect(/** @type {any} */ (port1)));
  port1.start();
  port2.start();
  return { bridge, emit, close: () => (port1.close(), port2.close()) };
}

test('bridge: results, errors as Errors with the worker message, unknown calls, ids, transfers, event order', async () => {
  /** @type {any} */
  let emit = null;
  /** @type {Uint8Array|null} */ let got = null;
  const { bridge, emit: e, close } = pair({
    add: (/** @type {number} */ a, /** @type {number} */ b) => a + b,
    later: async (/** @type {number} */ ms, /** @type {string} */ v) => (await sleep(ms), v),
    fail: () => {
      throw new Error('no word list loaded');
    },
    failLater: async () => {
      await sleep(1);
      throw new RangeError('steps must be at least 5');
    },
    take: (/** @type {{bytes: ArrayBuffer}} */ { bytes }) => {
      got = new Uint8Array(bytes);
      const out = new Uint8Array([7, 8, 9]);
      return transfer({ out }, [out.buffer]);
    },
    tell: (/** @type {number} */ n) => {
      for (let i = 0; i < n; i++) emit('tick', { i });
      return 'told';
    },
  });
  emit = e;
  try {
    assert.equal(await bridge.call('add', 2, 3), 5);
    // answers go to their callers whatever order they finish in
    assert.deepEqual(await Promise.all([bridge.call('later', 30, 'slow'), bridge.call('later', 1, 'fast'), bridge.call('add', 1, 1)]), ['slow', 'fast', 2]);
    for (const [name, message] of [['fail', 'no word list loaded'], ['failLater', 'steps must be at least 5'], ['nope', 'unknown call nope']]) {
      const err = await bridge.call(name).then(() => null, (/** @type {unknown} */ x) => x);
      assert.ok(err instanceof Error, `${name} rejects with an Error`);
      assert.equal(/** @type {Error} */ (err).message, message);
    }
    // transfer(): the buffer moves (detached on the sending side), both ways
    const bytes = new Uint8Array([1, 2, 3, 4]).buffer;
    const r = await bridge.call('take', transfer({ bytes }, [bytes]));
    assert.equal(bytes.byteLength, 0, 'the page side gave its buffer away');
    assert.deepEqual(Array.from(/** @type {any} */ (got)), [1, 2, 3, 4]);
    assert.deepEqual(Array.from(r.out), [7, 8, 9]);
    // events of a call arrive before its result, in order
    /** @type {string[]} */
    const seen = [];
    bridge.on('tick', (/** @type {{i: number}} */ d) => seen.push(`tick ${d.i}`));
    const told = bridge.call('tell', 3).then((/** @type {string} */ v) => seen.push(v));
    await told;
    assert.deepEqual(seen, ['tick 0', 'tick 1', 'tick 2', 'told']);
  } finally {
    close();
  }
});

test('run states: the allowed transitions and only those; what a new run may start in', () => {
  assert.deepEqual([...STATES].sort(), ['done', 'evaluating', 'failed', 'idle', 'loading', 'paused', 'sample-only', 'training', 'unavailable']);
  /** @type {Record<string, string[]>} within a run (and Reset: idle) */
  const allowed = {
    loading: ['idle', 'unavailable'],
    unavailable: [],
    idle: [],
    training: ['paused', 'evaluating', 'failed', 'idle'],
    evaluating: ['paused', 'training', 'done', 'idle'],
    paused: ['training', 'evaluating', 'idle'],
    done: ['paused', 'idle'],
    failed: ['idle'],
    'sample-only': ['paused', 'done', 'idle'],
  };
  for (const from of STATES)
    for (const to of STATES) {
      const ok = from === to || allowed[from].includes(to);
      assert.equal(canTransition(from, to), ok, `${from} -> ${to}`);
      if (ok) assert.equal(transition(from, to), to);
      else assert.throws(() => transition(from, to), new Error(`run state ${from} cannot change to ${to}`));
      // a run replacing the current one (or none): once the module is loaded, in one of four states
      const starts = from !== 'loading' && from !== 'unavailable' && ['training', 'paused', 'done', 'sample-only'].includes(to);
      if (starts) assert.equal(start(from, to), to);
      else assert.throws(() => start(from, to), from === 'loading' || from === 'unavailable' ? /no run can start while the module is/ : new Error(`a run cannot start ${to}`));
    }
  assert.throws(() => transition('idle', /** @type {any} */ ('running')), /not a run state: running/);
});

test("run states: the page's questions", () => {
  /** @type {Record<string, [boolean, boolean, boolean, boolean, boolean, boolean]>} working, active, pause, resume, trainer, model */
  const want = {
    loading: [false, false, false, false, false, false],
    unavailable: [false, false, false, false, false, false],
    idle: [false, false, false, false, false, false],
    training: [true, true, true, false, true, true],
    evaluating: [true, true, true, false, true, true],
    paused: [false, true, false, true, true, true],
    done: [false, false, false, false, true, true],
    failed: [false, false, false, false, true, true],
    'sample-only': [false, false, false, false, false, true],
  };
  for (const s of STATES) assert.deepEqual([isWorking(s), isActive(s), canPause(s), canResume(s), hasTrainer(s), hasModel(s)], want[s], s);
});
