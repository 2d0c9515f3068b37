// browsers.test.mjs: the trainer page and the element in Firefox ESR and WebKitGTK (Safari's engine),
// as tests/page*.test.mjs do in Chromium (issue 24). Each engine (tests/browser/engines.mjs):
//   - the page loads and names the module it chose (Firefox: relaxed SIMD on 2 threads; WebKit: the strict
//     SIMD threaded module's fast engine, no relaxed op: WebKitGTK as Debian ships it makes a shared memory
//     but cannot send it to a Worker, so on one thread, and with its SharedArrayBuffer on, as Safari has it
//     on a cross-origin isolated page, on 2);
//   - 2000 steps of wavenet22k: on the reproducible engine bitwise the losses of Node on the same module;
//     on the fast engine the same (WebKit: its fast engine has no relaxed op: bitwise; Firefox: within 1e-4
//     of Node's relaxed module, whose relaxed multiply-add each engine may fuse or not);
//   - samples, and Pause stops the step counter;
//   - web/example.html's <name-generator> shows its ten names;
//   - a module the engine cannot run (?engine=relaxed where relaxed SIMD is off) ends in the reason, not
//     an endless "Loading"; WebKit also under LANG=C.UTF-8 (navigator.language "C").
// The page's losses are read by tests/browser/page-probe.js, put in the page by the server (WebKit's
// WebDriver has no init scripts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { ROOT, WASM_DIR, serve } from './browser/harness.mjs';
import { FIREFOX, MINIBROWSER, WEBKIT_DRIVER, launchFirefox, launchWebKit } from './browser/engines.mjs';
import { loadMakemore } from '../wasm/makemore.mjs';

const NAMES = readFileSync(path.join(ROOT, 'data/names.txt'));
const STEPS = 2000;
const noWasm = !existsSync(path.join(WASM_DIR, 'makemore-simd-threads.wasm')) && 'no build-wasm/ (npm run build)';
const noFirefox = noWasm || (!existsSync(FIREFOX) && `no Firefox at ${FIREFOX}`);
const noWebKit = noWasm || (!existsSync(WEBKIT_DRIVER) && `no WebKitWebDriver at ${WEBKIT_DRIVER}`) || (!existsSync(MINIBROWSER) && `no MiniBrowser at ${MINIBROWSER}`);

/** Node's losses of STEPS steps of wavenet22k, seed 42, on a module. @param {string} module @param {boolean} reproducible */
async function nodeBits(module, reproducible) {
  const mm = await loadMakemore({ engine: /** @type {any} */ (module), threads: 1, wasmDir: pathToFileURL(WASM_DIR + '/') });
  const t = mm.createTrainer({ words: NAMES, preset: 'wavenet22k', seed: 42, steps: STEPS, reproducible });
  const l = t.run(STEPS);
  t.free();
  await mm.close();
  return Array.from(new Uint32Array(l.buffer));
}
const f32 = (/** @type {number[]} */ bits) => Array.from(new Float32Array(new Uint32Array(bits).buffer));

/** The page's status once it leaves "Loading". @param {import('./browser/engines.mjs').Engine} b */
const startedStatus = (b) => b.waitFor(() => {
  const s = document.getElementById('status')?.textContent ?? '';
  return !/^Loading/.test(s) && document.getElementById('d-source')?.textContent === 'names.txt' || /could not start/.test(s) ? s : '';
}, { timeout: 60000 });

/**
 * Trains STEPS steps of wavenet22k, seed 42, in the page; the losses' bits.
 * @param {import('./browser/engines.mjs').Engine} b @param {boolean} reproducible
 */
async function trainInPage(b, reproducible) {
  await b.select('#preset', 'wavenet22k');
  for (const [id, v] of Object.entries({ steps: String(STEPS), batchSize: '32', seed: '42', valEvery: '0' })) await b.fill(`#${id}`, v);
  if (await b.eval(() => /** @type {HTMLInputElement} */ (document.getElementById('reproducible')).checked) !== reproducible) await b.click('#reproducible');
  const before = await b.eval(() => /** @type {any} */ (window).__mm.runId);
  await b.click('#train');
  const runId = await b.waitFor((was) => { const id = /** @type {any} */ (window).__mm.runId; return id !== was && id; }, { timeout: 30000 }, before);
  await b.waitFor((id) => { const st = /** @type {any} */ (window).__mm.state; return st?.runId === Number(id) && st.state === 'done'; }, { timeout: 120000 }, runId);
  return /** @type {number[]} */ (await b.eval((id) => /** @type {any} */ (window).__mm.runs[id], runId));
}

/**
 * The whole check in one engine.
 * @param {() => Promise<import('./browser/engines.mjs').Engine>} launch
 * @param {{module: string, threads: 1|2, fastBitwise: boolean}} want threads: 1, or 2 for 2 or more
 */
async function checkEngine(launch, want) {
  const server = await serve({ probe: true });
  const b = await launch();
  try {
    await b.goto(`${server.base}/web/`);
    assert.match(await startedStatus(b), /^(Ready|Loaded names\.txt)/);
    const engine = await b.waitFor(() => /** @type {any} */ (window).__mm.engine, { timeout: 10000 });
    assert.equal(engine.module, want.module, `${b.name} chose ${engine.module}: ${engine.notes.join('; ')}`);
    assert.match(await b.eval(() => document.getElementById('engine')?.textContent ?? ''), new RegExp(`makemore-${want.module}\\.wasm`));

    // the reproducible engine: bitwise Node's on the same module
    const repro = await trainInPage(b, true);
    assert.equal(repro.length, STEPS, await b.eval(() => JSON.stringify({ st: /** @type {any} */ (window).__mm.state, n: Object.entries(/** @type {any} */ (window).__mm.runs).map(([k, v]) => [k, v.length]), status: document.getElementById('status')?.textContent })));
    assert.deepEqual(repro, await nodeBits(want.module, true), `${b.name}: reproducible engine vs Node`);
    // the fast engine, on the threads the page chose
    const fast = await trainInPage(b, false);
    const node = await nodeBits(want.module, false);
    if (want.fastBitwise) assert.deepEqual(fast, node, `${b.name}: fast engine vs Node`);
    else {
      const [a, r] = [f32(fast), f32(node)];
      for (let i = 0; i < 50; i++) assert.ok(Math.abs(a[i] - r[i]) <= 1e-4 * r[i], `${b.name} step ${i}: ${a[i]} vs Node ${r[i]}`);
      assert.ok(Math.abs(a[STEPS - 1] - r[STEPS - 1]) < 0.05, 'the same training');
    }
    assert.notDeepEqual(fast, repro, 'the fast engine is another engine');

    // samples
    await b.click('#sample');
    const names = await b.waitFor(() => Array.from(document.querySelectorAll('#samples li'), (li) => li.textContent).filter(Boolean), { timeout: 20000 });
    assert.ok(names.length >= 5 && names.every((n) => /^([a-z]+|\(empty\))(new|in train)?/.test(n ?? '')), names.join(', '));

    // a long run pauses: the counter stops
    await b.fill('#steps', '200000');
    const was = await b.eval(() => /** @type {any} */ (window).__mm.runId);
    await b.click('#train');
    const longId = Number(await b.waitFor((w) => { const id = /** @type {any} */ (window).__mm.runId; return id !== w && id; }, { timeout: 30000 }, was));
    await b.waitFor(() => Number(document.getElementById('steps-done')?.textContent?.replace(/,/g, '')) > 500, { timeout: 30000 });
    // the threads it has: every thread the page measured (2 or more here: its helpers run) where it can have them, else 1
    // (with Threads left blank the run then trains on the faster of 1 and them, as measured on its first steps)
    const threadsLong = want.threads === 1
      ? await b.eval(() => /** @type {any} */ (window).__mm.engine?.threads)
      : await b.waitFor(() => { const h = /** @type {any} */ (window).__mm.engine?.helpers; return h >= 1 && h + 1; }, { timeout: 20000 });
    await b.click('#pause');
    const paused = await b.waitFor((id) => { const st = /** @type {any} */ (window).__mm.state; return st?.runId === id && st.state === 'paused' && st.step; }, { timeout: 20000 }, longId);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(Number(await b.eval(() => document.getElementById('steps-done')?.textContent?.replace(/,/g, ''))), paused, 'the counter stopped');
    assert.match(await b.eval(() => document.getElementById('status')?.textContent ?? ''), /^Paused at step/);
    if (want.threads === 1) assert.equal(threadsLong, 1, `${b.name}: one thread while training`);
    await b.click('#reset');

    // the element
    await b.goto(`${server.base}/web/example.html`);
    const shown = await b.waitFor(() => {
      const root = document.querySelector('name-generator')?.shadowRoot;
      const li = root ? Array.from(root.querySelectorAll('li'), (x) => x.textContent) : [];
      return li.length === 10 ? li : null;
    }, { timeout: 30000 });
    assert.equal(shown.length, 10);
    assert.deepEqual(b.errors, []);
    return `${b.name} ${b.version}: ${want.module} on ${threadsLong} thread(s); fast engine ${fast.every((x, i) => x === node[i]) ? 'bitwise' : 'not bitwise'} Node's`;
  } finally {
    await b.close();
    server.stop();
  }
}

/** A module the engine cannot run, forced with ?engine=: the reason on the page, no hang. @param {import('./browser/engines.mjs').Engine} b */
async function checkForcedFailure(b) {
  const server = await serve();
  try {
    await b.goto(`${server.base}/web/?engine=relaxed`);
    const s = await b.waitFor(() => (/could not start/.test(document.getElementById('status')?.textContent ?? '') ? document.getElementById('status')?.textContent : ''), { timeout: 60000 });
    assert.match(s, /The page could not start: could not load the WebAssembly module: the relaxed module cannot run here: this browser does not run relaxed SIMD/);
    assert.equal(await b.eval(() => /** @type {HTMLButtonElement} */ (document.getElementById('train')).disabled), true);
  } finally {
    await b.close();
    server.stop();
  }
}

test('Firefox ESR: the page (relaxed SIMD, 2 threads) trains as Node does, samples, pauses; the element; no relaxed SIMD: the reason, no hang', { skip: noFirefox, timeout: 600000 }, async (t) => {
  t.diagnostic(await checkEngine(() => launchFirefox(), { module: 'relaxed', threads: 2, fastBitwise: false }));
  await checkForcedFailure(await launchFirefox({ prefs: { 'javascript.options.wasm_relaxed_simd': false } }));
});

test('WebKitGTK: the page (strict SIMD, the fast engine; 1 thread, or 2 with SharedArrayBuffer) trains as Node does, samples, pauses; the element; ?engine=relaxed: the reason; LANG=C starts', { skip: noWebKit, timeout: 600000 }, async (t) => {
  t.diagnostic(await checkEngine(() => launchWebKit(), { module: 'simd-threads', threads: 1, fastBitwise: true }));
  t.diagnostic(await checkEngine(() => launchWebKit({ sab: true }), { module: 'simd-threads', threads: 2, fastBitwise: true }));
  await checkForcedFailure(await launchWebKit());
  // navigator.language "C" (LANG=C.UTF-8): the page starts
  const b = await launchWebKit({ lang: 'C.UTF-8' });
  const server = await serve();
  try {
    await b.goto(`${server.base}/web/example.html`);
    assert.equal(await b.eval(() => navigator.language), 'C', 'the browser says "C" (a page without the trainer\'s fix)');
    await b.goto(`${server.base}/web/`);
    assert.match(await startedStatus(b), /^(Ready|Loaded names\.txt)/);
  } finally {
    await b.close();
    server.stop();
  }
});
