#!/usr/bin/env node
// bench/zoo-page.mjs: what each family reaches in the trainer page in equal wall time.
// For each preset, a fresh page (headless Chromium, served like scripts/serve.mjs), the
// preset chosen in its form, Threads left blank (the page measures its default), Train
// pressed; the worker's validation points (every --val-every steps) are recorded with
// their wall time; after --minutes the run is paused and Evaluate gives the val loss
// at that moment. The lecture's wavenet76k keeps its own schedule (200,000 steps, decay
// at 150,000): it finishes inside the window and its final evaluation is its number.
// makemore.py's models (constant learning rate) get Steps far past the window.
//   node bench/zoo-page.mjs [--minutes 5] [--presets wavenet76k,bigram,mlp,bow,rnn,gru,lstm] [--val-every 5000] [--json]
// Prints the table (params, steps in the window, steps/s, val at the window's end) and
// writes the curves (val over wall time) to bench/zoo-page-curves.json.
// Needs /usr/bin/chromium (or MM_CHROMIUM), build-wasm/, npm's playwright-core.
import { readFileSync, writeFileSync } from 'node:fs';
import { launchChromium, serve } from '../tests/browser/harness.mjs';

const args = process.argv.slice(2);
/** @template T @param {string} name @param {T} def @returns {string|T} */
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const minutes = Number(opt('--minutes', 5));
const presets = String(opt('--presets', 'wavenet76k,bigram,mlp,bow,rnn,gru,lstm')).split(',');
const valEvery = Number(opt('--val-every', 5000));
const json = args.includes('--json');
const cpu = (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m) ?? [])[1] ?? 'unknown';
const cores = (readFileSync('/proc/cpuinfo', 'utf8').match(/^processor\s*:/gm) ?? []).length;
const log = (/** @type {unknown[]} */ ...a) => { if (!json) console.log(...a); };

// Runs in the page before app.js: the worker's validation points, with the time they arrived.
function probe() {
  /** @type {{vals: {s: number, step: number, val: number}[], runs: number, t0: number}} */
  const st = { vals: [], runs: 0, t0: 0 };
  /** @type {any} */ (window).mmZoo = st;
  const W = window.Worker;
  window.Worker = class extends W {
    /** @param {ConstructorParameters<typeof Worker>} a */
    constructor(...a) {
      super(...a);
      this.addEventListener('message', (e) => {
        const { event, data: m } = e.data ?? {};
        if (event === 'run') { st.runs++; st.t0 = performance.now(); }
        else if (event === 'val' && Number.isFinite(m.loss)) st.vals.push({ s: (performance.now() - st.t0) / 1000, step: m.step, val: m.loss });
      });
    }
  };
}

/** @typedef {{preset: string, params: number, steps: number, seconds: number, stepsPerSec: number, val: number, finished: boolean,
 *   curve: {s: number, step: number, val: number}[], errors: string[]}} Row */

/** @param {import('playwright-core').Browser} browser @param {string} base @param {string} preset @returns {Promise<Row>} */
async function measure(browser, base, preset) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  /** @type {string[]} */
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.addInitScript(probe);
  await page.goto(`${base}/web/`);
  await page.waitForFunction(() => document.getElementById('d-source')?.textContent === 'names.txt', null, { timeout: 60000 });
  await page.waitForFunction((p) => [.../** @type {NodeListOf<HTMLOptionElement>} */ (document.querySelectorAll('#preset option'))].some((o) => o.value === p), preset);
  await page.selectOption('#preset', preset);
  const lecture = preset.startsWith('wavenet');
  if (!lecture) await page.fill('#steps', '10000000'); // the window ends the run: a constant learning rate throughout
  await page.fill('#valEvery', String(valEvery));
  const params = Number(((await page.locator('#params').textContent() ?? '').match(/Parameters: ([\d,]+)/)?.[1] ?? '0').replace(/,/g, ''));
  await page.click('#train');
  await page.waitForFunction(() => /** @type {any} */ (window).mmZoo.runs > 0, null, { timeout: 60000 });
  const t0 = Date.now();
  const doneRe = /^Done: .*Loss: train/;
  const finished = await page.waitForFunction((re) => new RegExp(re).test(document.getElementById('status')?.textContent ?? ''),
    doneRe.source, { timeout: minutes * 60000, polling: 500 }).then(() => true, () => false);
  const seconds = (Date.now() - t0) / 1000;
  if (!finished) await page.click('#pause');
  const steps = Number((await page.locator('#steps-done').textContent() ?? '0').replace(/,/g, ''));
  if (!finished) {
    await page.waitForFunction(() => !(/** @type {HTMLButtonElement} */ (document.getElementById('evaluate'))).disabled, null, { timeout: 60000 });
    await page.locator('#e-val').evaluate((e) => { e.textContent = ''; });
    await page.click('#evaluate');
  }
  await page.waitForFunction(() => Number.isFinite(parseFloat(document.getElementById('e-val')?.textContent ?? '')), null, { timeout: 120000 });
  const val = Number(await page.locator('#e-val').textContent());
  const curve = await page.evaluate(() => /** @type {any} */ (window).mmZoo.vals);
  await context.close();
  return { preset, params, steps, seconds: +seconds.toFixed(1), stepsPerSec: Math.round(steps / seconds), val, finished, curve, errors };
}

const server = await serve();
const browser = await launchChromium();
/** @type {Row[]} */
const rows = [];
try {
  for (const p of presets) {
    const r = await measure(browser, server.base, p);
    rows.push(r);
    log(`${p}: ${r.steps} steps in ${r.seconds} s (${r.stepsPerSec} steps/s), val ${r.val.toFixed(4)}${r.finished ? ' (its whole run)' : ''}` +
      `${r.errors.length ? `; page errors: ${r.errors.join('; ')}` : ''}`);
  }
} finally {
  await browser.close();
  server.stop();
}
const head = { cpu, cores, chromium: browser.version(), minutes, valEvery, date: new Date().toISOString() };
writeFileSync(new URL('./zoo-page-curves.json', import.meta.url), JSON.stringify({ ...head, rows }, null, 1) + '\n');
if (json) console.log(JSON.stringify({ ...head, rows: rows.map(({ curve, ...r }) => r) }, null, 1));
else {
  console.log(`\nCPU: ${cpu} (${cores} logical cores), Chromium ${head.chromium}; ${minutes} min a preset in the page, Threads blank`);
  console.log('preset       params   steps in the window   steps/s   val at its end');
  for (const r of rows)
    console.log(`${r.preset.padEnd(11)}${String(r.params).padStart(8)}   ${String(r.steps).padStart(19)}   ${String(r.stepsPerSec).padStart(7)}   ${r.val.toFixed(4)}${r.finished ? ` (whole run, ${r.seconds} s)` : ''}`);
}
