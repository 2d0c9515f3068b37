#!/usr/bin/env node
// bench/engines-speed.mjs: the trainer page's training speed in each browser engine, side by side in
// one run (issue 24): Chromium, Firefox ESR and WebKitGTK (Safari's engine), each the module it picks by
// itself, plus three WebKit references: "today" (?engine=simd with the reproducible engine: the strict
// SIMD module's reference kernels on one thread, what WebKit ran before the strict fast engine), "simd"
// (?engine=simd: the one-thread build's fast engine, emscripten's code, where WebKit picks the threaded
// build on one thread, clang-19's) and "+SAB" (WebKitGTK with its SharedArrayBuffer on,
// JSC_useSharedArrayBuffer=1, as Safari has it under COOP/COEP: the strict module's threads). wavenet76k at batch 32 through the page's own controls
// (validation off: training steps only), read from its step counter: steps over a window after a
// warm-up, every contender once per round in turn (one browser open at a time), the best of the rounds.
//   node bench/engines-speed.mjs [--rounds 3] [--seconds 15] [--warmup 5] [--only chromium,webkit]
// Needs what tests/browsers.test.mjs needs (scripts/setup.sh installs it) and build-wasm/.
import { readFileSync } from 'node:fs';
import { launchChromium, serve } from '../tests/browser/harness.mjs';
import { launchFirefox, launchWebKit, wrapChromium } from '../tests/browser/engines.mjs';
import { opt } from './lib.mjs';

const rounds = Number(opt('--rounds', 3));
const seconds = Number(opt('--seconds', 15));
const warmup = Number(opt('--warmup', 5));
const only = String(opt('--only', '')).split(',').filter(Boolean);
const cpu = (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m) ?? [])[1] ?? 'unknown';
const cores = (readFileSync('/proc/cpuinfo', 'utf8').match(/^processor\s*:/gm) ?? []).length;
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/** @typedef {import('../tests/browser/engines.mjs').Engine} Engine */
/** @type {{name: string, query: string, reproducible: boolean, launch: () => Promise<Engine>}[]} */
const CONTENDERS = [
  { name: 'chromium', query: '', reproducible: false, launch: async () => wrapChromium(await launchChromium()) },
  { name: 'firefox', query: '', reproducible: false, launch: () => launchFirefox() },
  { name: 'webkit', query: '', reproducible: false, launch: () => launchWebKit() },
  { name: 'webkit today', query: '?engine=simd', reproducible: true, launch: () => launchWebKit() },
  { name: 'webkit simd', query: '?engine=simd', reproducible: false, launch: () => launchWebKit() },
  { name: 'webkit +SAB', query: '', reproducible: false, launch: () => launchWebKit({ sab: true }) },
].filter((c) => !only.length || only.some((o) => c.name.startsWith(o)));

const num = (/** @type {unknown} */ s) => Number(String(s).replace(/,/g, ''));

/**
 * One measurement: a fresh run of 200,000 steps, warm-up, then the window; paused after. Steps/s by the
 * page's counter over wall time, and inside wasm (the worker's progress events' time: page-probe.js).
 * @param {Engine} b @param {boolean} reproducible
 */
async function measure(b, reproducible) {
  await b.select('#preset', 'wavenet76k');
  await b.fill('#steps', '200000');
  await b.fill('#batchSize', '32');
  await b.fill('#valEvery', '0');
  if ((await b.eval(() => /** @type {HTMLInputElement} */ (document.getElementById('reproducible')).checked)) !== reproducible) await b.click('#reproducible');
  await b.click('#train');
  await b.waitFor(() => /^Training/.test(document.getElementById('status')?.textContent ?? '') || Number(document.getElementById('steps-done')?.textContent?.replace(/,/g, '')) > 0, { timeout: 30000 });
  await sleep(warmup * 1000);
  const read = () => b.eval(() => ({ steps: document.getElementById('steps-done')?.textContent, wasm: { .../** @type {any} */ (window).__mm.wasm } }));
  const a = await read();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const c = await read();
  const t1 = performance.now();
  await b.click('#pause');
  const sps = (num(c.steps) - num(a.steps)) / ((t1 - t0) / 1000);
  return { sps, wasmSps: (c.wasm.steps - a.wasm.steps) / ((c.wasm.ms - a.wasm.ms) / 1000) };
}

const server = await serve({ probe: true }); // tests/browser/page-probe.js: the time inside wasm
/** @type {{name: string, version: string, line: string, best: number, all: number[], wasm: number}[]} */
const res = CONTENDERS.map((c) => ({ name: c.name, version: '', line: '', best: 0, all: [], wasm: 0 }));
try {
  // one browser at a time (launched, measured, closed), so no other one takes a core
  for (let r = 0; r < rounds; r++) {
    for (const [i, c] of CONTENDERS.entries()) {
      const o = res[i];
      const b = await c.launch();
      try {
        await b.goto(`${server.base}/web/${c.query}`);
        await b.waitFor(() => document.documentElement.dataset.ready === '1' && document.getElementById('d-source')?.textContent === 'names.txt', { timeout: 60000 });
        const { sps, wasmSps } = await measure(b, c.reproducible);
        o.all.push(sps);
        if (sps > o.best) o.wasm = wasmSps;
        o.best = Math.max(o.best, sps);
        o.version = b.version;
        o.line = String(await b.eval(() => document.getElementById('engine')?.textContent ?? ''));
        process.stderr.write(`round ${r + 1}: ${o.name} ${sps.toFixed(0)} steps/s\n`);
      } finally {
        await b.close();
      }
    }
  }
} finally {
  server.stop();
}
const open = res;

console.log(`CPU: ${cpu} (${cores} logical cores); ${open.map((o) => `${o.name} ${o.version}`).join(', ')}`);
console.log(`wavenet76k, batch 32, the trainer page (validation off), best of ${rounds} rounds of ${seconds} s after ${warmup} s, contenders in turn:`);
for (const o of open)
  console.log(`  ${o.name.padEnd(13)} ${o.best.toFixed(0).padStart(5)} steps/s  (rounds: ${o.all.map((x) => x.toFixed(0)).join(', ')}; inside wasm ${o.wasm.toFixed(0)})  ${o.line.replace(/^Engine: WebAssembly /, '').replace(/, in a Worker.*?\.( |$)/, '; ')}`);
const best = (/** @type {string} */ n) => open.find((o) => o.name === n)?.best;
/** @param {string} a @param {string} b @param {string} what */
const ratio = (a, b, what) => { const x = best(a), y = best(b); if (x && y) console.log(`  ${what}: ${(x / y).toFixed(2)}x`); };
ratio('webkit', 'webkit today', 'WebKit (its own pick) / WebKit today');
ratio('webkit', 'webkit simd', 'WebKit (its own pick: the threaded build on one thread) / the one-thread build');
ratio('webkit +SAB', 'webkit today', 'WebKit with SharedArrayBuffer (as Safari) / WebKit today');
ratio('firefox', 'chromium', 'Firefox / Chromium');
