#!/usr/bin/env node
// bench/lab-lanes.mjs: in the real trainer page in Chromium, is the lab's sweep faster one run at a
// time in the page's Worker on 2 threads, or two at a time ("runs at a time" 2: the page's Worker and a
// second one, each on 1 thread)? The same sweeps through the lab's builder (seeds 1-4 of one preset, the
// page's default engine, validation every 10% of the steps, then each run's end-of-run evaluation), the
// two ways in turns for --rounds rounds; prints each sweep's wall time (from the click to "done"), its
// steps/s in all, each run's steps/s while training, the best of each way and their ratio, and the CPU.
//   node bench/lab-lanes.mjs [--rounds 2] [--small-steps 20000] [--large-steps 6000] [--large-runs 4] [--reproducible]
// Needs /usr/bin/chromium (or MM_CHROMIUM), playwright-core and build-wasm/ (or MM_WASM_DIR).
import { readFileSync } from 'node:fs';
import { launchChromium, probePage, serve } from '../tests/browser/harness.mjs';
import { opt, flag } from './lib.mjs';
import { importJson } from '../web/lab/runner.js';

const rounds = Number(opt('--rounds', 2));
const sweeps = /** @type {[string, number, number][]} */ ([
  ['mlp3', Number(opt('--small-steps', 20000)), 4],
  ['wavenet76k', Number(opt('--large-steps', 6000)), Number(opt('--large-runs', 4))],
]);
for (const [p, steps, runs] of sweeps) if (!(Number.isInteger(steps) && steps >= 10 && Number.isInteger(runs) && runs >= 2)) throw new Error(`${p}: steps (>= 10) and runs (>= 2) must be whole numbers`);
const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown CPU';

const server = await serve();
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true });
  await probePage(page);
  const errors = /** @type {string[]} */ ([]);
  page.on('pageerror', (/** @type {Error} */ e) => errors.push(String(e)));
  await page.goto(`${server.base}/web/`);
  await page.waitForFunction(() => document.getElementById('lab')?.dataset.ready === 'true' && document.getElementById('d-source')?.textContent === 'names.txt', null, { timeout: 30000 });
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const engineText = await page.locator('#engine').textContent();
  console.log(`${cpu}; Chromium ${browser.version()}, navigator.hardwareConcurrency ${cores}; ${engineText}`);
  console.log(`${flag('--reproducible') ? 'reproducible' : 'fast'} engine; each sweep: seeds 1-N of one preset, validation every 10% of the steps, then the end-of-run evaluation; wall time from the click to "done"`);
  let k = 0;
  for (const [preset, steps, runs] of sweeps) {
    /** @type {Record<string, number[]>} */
    const walls = { one: [], two: [] };
    for (let round = 0; round < rounds; round++) {
      for (const way of /** @type {const} */ (['one', 'two'])) {
        const name = `${preset}-${way}-${++k}`;
        await page.selectOption('#preset', preset);
        for (const [id, v] of [['steps', steps], ['decayStep', Math.round(steps * 0.75)], ['valEvery', Math.max(1, Math.round(steps / 10))], ['threads', way === 'one' ? 2 : 1]])
          await page.fill(`#${id}`, String(v));
        if (flag('--reproducible')) await page.check('#reproducible');
        await page.selectOption('#lab-lanes', way === 'one' ? '1' : '2');
        await page.selectOption('#lab-key1', '');
        await page.selectOption('#lab-key2', '');
        await page.fill('#lab-seeds', Array.from({ length: runs }, (_, i) => i + 1).join(', '));
        await page.fill('#lab-name', name);
        const t0 = Date.now();
        await page.click('#lab-run-sweep');
        await page.waitForFunction((n) => new RegExp(`Sweep “${n}” done|Sweep stopped`).test(document.getElementById('lab-status')?.textContent ?? ''), name, { timeout: 0 });
        const wall = (Date.now() - t0) / 1000;
        const status = await page.locator('#lab-status').textContent();
        if (!/done/.test(status ?? '')) throw new Error(`${status} ${await page.locator('#lab-error').textContent()}`);
        const [download] = await Promise.all([page.waitForEvent('download'), page.click('#lab-export-json')]);
        const recs = importJson(readFileSync(await download.path(), 'utf8')).filter((r) => r.sweep === name).sort((a, b) => a.seed.localeCompare(b.seed));
        walls[way].push(wall);
        const how = way === 'one' ? '1 at a time on 2 threads' : '2 at a time on 1 thread each';
        console.log(`  ${preset} ${steps} steps x ${runs}, ${how}: ${wall.toFixed(1)} s, ${((runs * steps) / wall).toFixed(0)} steps/s in all`
          + ` (each run ${recs.map((r) => `${r.stepsPerSec.toFixed(0)}`).join(', ')} steps/s while training, on ${[...new Set(recs.map((r) => r.threads))].join('/')} thread(s); val ${recs.map((r) => r.val?.toFixed(4)).join(', ')})`);
      }
    }
    const a = Math.min(...walls.one);
    const b = Math.min(...walls.two);
    console.log(`${preset}: best 1 at a time on 2 threads ${a.toFixed(1)} s, 2 at a time on 1 thread each ${b.toFixed(1)} s: ${b < a ? `two at a time ${(a / b).toFixed(2)}x faster` : `one at a time ${(b / a).toFixed(2)}x faster`}`);
  }
  if (errors.length) console.error(`page errors: ${errors.join('; ')}`);
} finally {
  await browser.close();
  server.stop();
}
