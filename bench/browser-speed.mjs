#!/usr/bin/env node
// bench/browser-speed.mjs: training speed of the trainer page itself (web/), in
// headless Chromium, driven through its own controls (preset, batch size, Train)
// and read from its step counter; served like scripts/serve.mjs (COOP/COEP).
//   node bench/browser-speed.mjs [--seconds 15] [--warmup 5] [--batches 32,512] [--threads N] [--preset NAME] [--json]
//   node bench/browser-speed.mjs --trace 180 [--every 5] [--batches 32] [--json]
//       steps/s over time during one run, with the main thread's busy time
//   node bench/browser-speed.mjs --full [--every 60] [--json]
//       the lecture's whole run (wavenet76k, the page's default schedule, batch 32,
//       periodic validation), from pressing Train to the final evaluation
// The window mode also runs the same module under Node (after the page, same
// warm-up and window) for the page / Node ratio.
// Besides the step counter, an init script (this file's, not the page's) listens to
// the worker's progress events for the time spent inside wasm (their `ms`), and
// the DevTools Performance domain gives the main thread's task time.
// Needs /usr/bin/chromium (or MM_CHROMIUM), build-wasm/, npm's playwright-core.
import { readFileSync, readdirSync } from 'node:fs';
import { launchChromium, serve } from '../tests/browser/harness.mjs';
import { loadMakemore, relaxedSimdSupported } from '../wasm/makemore.mjs';
import { relaunchWithRelaxedSimd } from './lib.mjs';

relaunchWithRelaxedSimd(); // the Node column runs the page's module, the relaxed one

const args = process.argv.slice(2);
/** @template T @param {string} name @param {T} def @returns {string|T} the argument after name, or def */
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const json = args.includes('--json');
const full = args.includes('--full');
const seconds = Number(opt('--seconds', 15));
const warmup = Number(opt('--warmup', 5));
const trace = Number(opt('--trace', 0));
const every = Number(opt('--every', full ? 60 : 5));
const batches = opt('--batches', trace ? '32' : '32,512').split(',').map(Number);
const preset = opt('--preset', 'wavenet76k');
const threads = Number(opt('--threads', 0)); // 0: the page's default (the cores available)
const log = (/** @type {unknown[]} */ ...a) => { if (!json) console.log(...a); };
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));
const cpu = (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m) ?? [])[1] ?? 'unknown';
const cores = (readFileSync('/proc/cpuinfo', 'utf8').match(/^processor\s*:/gm) ?? []).length;

// CPU time in ms (100 Hz ticks): the whole machine's busy time, and this process's tree (the browser).
function cpuNow() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const stat = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const x = readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ');
      stat.set(Number(d), { ppid: Number(x[1]), ms: (Number(x[11]) + Number(x[12])) * 10 });
    } catch {}
  }
  const mine = (/** @type {number} */ pid) => { for (let p = pid; p > 1; p = stat.get(p)?.ppid ?? 0) if (p === process.pid) return true; return false; };
  let own = 0;
  for (const [pid, v] of stat) if (mine(pid)) own += v.ms;
  return { busy: (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) * 10, own };
}

// Runs in the page before app.js: counts what the worker reports (no change to the page).
function probe() {
  const st = (/** @type {any} */ (window).mmBench = { wasmMs: 0, steps: 0, msgs: 0, longTaskMs: 0, runs: 0 });
  const W = window.Worker;
  window.Worker = class extends W {
    /** @param {ConstructorParameters<typeof Worker>} a */
    constructor(...a) {
      super(...a);
      this.addEventListener('message', (e) => {
        const { event, data: m } = e.data ?? {}; // web/shared/bridge.js's events: {event, data}
        if (event === 'progress') { st.wasmMs += m.ms; st.steps += m.losses.length; st.msgs++; }
        else if (event === 'run') st.runs++;
      });
    }
  };
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) st.longTaskMs += e.duration; }).observe({ type: 'longtask' });
  } catch {}
}

const server = await serve();
const browser = await launchChromium();
/** @type {Result[]} */
const results = [];
try {
  for (const batch of full ? [32] : batches) results.push(await measure(batch));
} finally {
  await browser.close();
  server.stop();
}
report();

/**
 * One run's measurements: the form's values, page errors, and rate()'s fields (a window), or intervals
 * (--trace, --full), minutes, final losses and status (--full).
 * @typedef {{batch: number, form: {[field: string]: string}, errors: string[], intervals?: any[], minutes?: number,
 *   final?: {[split: string]: number}, status?: string|null, [field: string]: any}} Result
 */

/** A fresh page (fresh IndexedDB), one run at this batch size. @param {number} batch @returns {Promise<Result>} */
async function measure(batch) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  /** @type {string[]} */
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.addInitScript(probe);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(`${server.base}/web/`);
  await page.waitForFunction(() => document.getElementById('d-source')?.textContent === 'names.txt', null, { timeout: 60000 });
  await page.waitForFunction((p) => [.../** @type {NodeListOf<HTMLOptionElement>} */ (document.querySelectorAll('#preset option'))].some((o) => o.value === p), preset);
  await page.selectOption('#preset', preset);
  if (!full) await page.fill('#batchSize', String(batch));
  if (threads) await page.fill('#threads', String(threads));
  const form = await page.evaluate(() => Object.fromEntries(['steps', 'batchSize', 'lr', 'lrDecayed', 'decayStep'].map((k) => [k, /** @type {HTMLInputElement} */ (document.getElementById(k)).value])));
  await page.click('#train');
  const t0 = Date.now();
  await page.waitForFunction(() => /** @type {any} */ (window).mmBench.runs > 0, null, { timeout: 60000 });

  // One reading: wall time, the page's step counter, wasm time and main-thread task time so far.
  const read = async () => {
    const [p, m] = await Promise.all([
      page.evaluate(() => ({ step: Number(/** @type {HTMLElement} */ (document.getElementById('steps-done')).textContent.replace(/,/g, '')), .../** @type {any} */ (window).mmBench })),
      cdp.send('Performance.getMetrics'),
    ]);
    const metric = (/** @type {string} */ n) => m.metrics.find((x) => x.name === n)?.value ?? 0;
    return { t: Date.now(), ...p, ...cpuNow(), taskMs: metric('TaskDuration') * 1000, scriptMs: metric('ScriptDuration') * 1000 };
  };
  /** @typedef {Awaited<ReturnType<typeof read>>} Reading */
  const rate = (/** @type {Reading} */ a, /** @type {Reading} */ b) => {
    const s = (b.t - a.t) / 1000;
    return {
      fromStep: a.step, toStep: b.step, seconds: +s.toFixed(1),
      stepsPerSec: Math.round((b.step - a.step) / s),
      wasmStepsPerSec: b.wasmMs > a.wasmMs ? Math.round(((b.steps - a.steps) * 1000) / (b.wasmMs - a.wasmMs)) : null, // inside the wasm calls only
      wasmShare: +((b.wasmMs - a.wasmMs) / (b.t - a.t)).toFixed(3), // of the worker's wall time
      mainMsPerSec: Math.round((b.taskMs - a.taskMs) / s), // main-thread task time per second
      scriptMsPerSec: Math.round((b.scriptMs - a.scriptMs) / s),
      msgsPerSec: Math.round((b.msgs - a.msgs) / s),
      ownCores: +((b.own - a.own) / (b.t - a.t)).toFixed(2), // this benchmark's browser (and node)
      otherCores: +((b.busy - a.busy - (b.own - a.own)) / (b.t - a.t)).toFixed(2), // everything else on the machine
    };
  };
  /** @type {Result} */
  const res = { batch, form, errors };
  if (full) {
    res.intervals = [];
    let prev = await read();
    for (;;) {
      const done = await page.waitForFunction(() => /^Done: .*Loss: train/.test(document.getElementById('status')?.textContent ?? ''), null,
        { timeout: every * 1000 }).then(() => true, () => false);
      if (done) break;
      const cur = await read();
      const r = rate(prev, cur);
      res.intervals.push(r);
      log(`  ${fmt(cur.step).padStart(7)} steps  ${((cur.t - t0) / 60000).toFixed(1).padStart(5)} min  ${r.stepsPerSec} steps/s  (other load ${r.otherCores} cores)`);
      prev = cur;
    }
    res.minutes = +((Date.now() - t0) / 60000).toFixed(2);
    res.final = await page.evaluate(() => Object.fromEntries(['train', 'val', 'test'].map((s) => [s, Number(/** @type {HTMLElement} */ (document.getElementById(`e-${s}`)).textContent)])));
    res.status = await page.locator('#status').textContent();
  } else if (trace) {
    await sleep(1000);
    res.intervals = [];
    let prev = await read();
    while (Date.now() - t0 < trace * 1000) {
      await sleep(every * 1000);
      const cur = await read();
      const r = rate(prev, cur);
      res.intervals.push({ at: +((cur.t - t0) / 1000).toFixed(0), ...r });
      log(`  ${String(res.intervals.at(-1).at).padStart(4)} s ${fmt(cur.step).padStart(8)} steps ${String(r.stepsPerSec).padStart(5)} steps/s` +
        `  wasm ${r.wasmStepsPerSec} steps/s (${(100 * r.wasmShare).toFixed(0)}% of the time)  main thread ${r.mainMsPerSec} ms/s (script ${r.scriptMsPerSec})` +
        `  cores: browser ${r.ownCores}, others ${r.otherCores}`);
      prev = cur;
    }
  } else {
    await sleep(warmup * 1000);
    const a = await read();
    await sleep(seconds * 1000);
    Object.assign(res, rate(a, await read()));
  }
  await context.close();
  if (!full && !trace) res.nodeStepsPerSec = await nodeRate(batch);
  return res;
}

/**
 * The same module (the fastest: relaxed SIMD, the page's thread count) under Node, in this
 * process after the page closed, with the same warm-up and window: steps/s.
 * @param {number} batch @returns {Promise<number|null>}
 */
async function nodeRate(batch) {
  if (!relaxedSimdSupported()) return null;
  const mm = await loadMakemore({ engine: 'relaxed', threads: threads || cores, wasmDir: new URL('../build-wasm/', import.meta.url) });
  const t = mm.createTrainer({ words: readFileSync(new URL('../data/names.txt', import.meta.url)), preset, batchSize: batch, seed: 42 });
  try {
    const until = (/** @type {number} */ ms) => { const t0 = performance.now(); let n = 0; while (performance.now() - t0 < ms) { t.run(20); n += 20; } return n / ((performance.now() - t0) / 1000); };
    until(warmup * 1000);
    return Math.round(until(seconds * 1000));
  } finally {
    t.free();
    await mm.close();
  }
}

/** @param {number} n */
function fmt(n) { return n.toLocaleString('en-US'); }

function report() {
  const head = { cpu, cores, preset, chromium: browser.version(), date: new Date().toISOString() };
  if (json) return console.log(JSON.stringify({ ...head, mode: full ? 'full' : trace ? 'trace' : 'window', seconds, warmup, results }, null, 1));
  console.log(`CPU: ${cpu} (${cores} logical cores), Chromium ${head.chromium}`);
  for (const r of results) if (r.errors.length) console.log(`page errors at batch ${r.batch}: ${r.errors.join('; ')}`);
  if (full) {
    const r = /** @type {Required<Result>} */ (results[0]); // --full sets every field
    console.log(`${preset}, ${fmt(Number(r.form.steps))} steps, batch ${r.form.batchSize}, lr ${r.form.lr} -> ${r.form.lrDecayed} at ${fmt(Number(r.form.decayStep))}:`);
    console.log(`  ${r.minutes} min from Train to the final evaluation; loss train ${r.final.train.toFixed(4)}, val ${r.final.val.toFixed(4)}, test ${r.final.test.toFixed(4)} (lecture: 1.768 / 1.990)`);
    return;
  }
  if (trace) {
    const iv = /** @type {any[]} */ (results[0].intervals); // --trace sets them
    const third = Math.max(1, Math.floor(iv.length / 3));
    const mean = (/** @type {{stepsPerSec: number}[]} */ a) => Math.round(a.reduce((s, x) => s + x.stepsPerSec, 0) / a.length);
    console.log(`first third ${mean(iv.slice(0, third))} steps/s, last third ${mean(iv.slice(-third))} steps/s`);
    return;
  }
  console.log(`${preset}, after ${warmup} s of warm-up, over ${seconds} s:`);
  console.log(`batch  steps/s  examples/s  wasm-only steps/s  main thread ms/s  other load (cores)  Node steps/s  page / Node${threads ? ` (${threads} threads)` : ''}`);
  for (const r of results)
    console.log(`${String(r.batch).padStart(5)}  ${String(r.stepsPerSec).padStart(7)}  ${String(r.stepsPerSec * r.batch).padStart(10)}  ${String(r.wasmStepsPerSec).padStart(17)}  ${String(r.mainMsPerSec).padStart(16)}  ${String(r.otherCores).padStart(18)}`
      + `  ${String(r.nodeStepsPerSec ?? '-').padStart(12)}  ${r.nodeStepsPerSec ? (r.stepsPerSec / r.nodeStepsPerSec).toFixed(2).padStart(11) : '-'}`);
}
