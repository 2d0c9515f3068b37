#!/usr/bin/env node
// bench/lab-screenshot.mjs: drives the real trainer page in Chromium to run the lab's "Reproduce the
// lecture" (its five configurations, web/lab/lecture.json; default the lecture's 200000 steps each,
// on the page's default engine: relaxed SIMD; the lab's "runs at a time", default 2 on 2 cores or more:
// two Workers on 1 thread each; --lanes 1: one after another on the cores available), then saves a
// screenshot of the lab card with the five runs overlaid and the table filled, and prints the table
// (as bench/sweep.mjs --table, from the page's JSON export).
//   node bench/lab-screenshot.mjs [--steps N] [--lanes 1|2] [--reproducible] [--out docs/lab.png]
// Needs /usr/bin/chromium (or MM_CHROMIUM), playwright-core and build-wasm/.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { launchChromium, probePage, serve, ROOT } from '../tests/browser/harness.mjs';
import { opt, flag } from './lib.mjs';
import { importJson } from '../web/lab/runner.js';
import { tableText } from './sweep.mjs';

const steps = Number(opt('--steps', 200000));
const out = path.resolve(opt('--out', path.join(ROOT, 'docs', 'lab.png')));
if (!Number.isInteger(steps) || steps < 1) throw new Error(`--steps ${steps}: a whole number >= 1`);

const server = await serve();
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, acceptDownloads: true });
  await probePage(page);
  const errors = /** @type {string[]} */ ([]);
  page.on('pageerror', (/** @type {Error} */ e) => errors.push(String(e)));
  await page.goto(`${server.base}/web/`);
  await page.waitForFunction(() => document.getElementById('lab')?.dataset.ready === 'true' && document.getElementById('d-source')?.textContent === 'names.txt', null, { timeout: 30000 });
  if (flag('--reproducible')) await page.check('#reproducible');
  const lanes = opt('--lanes', null);
  if (lanes !== null) await page.selectOption('#lab-lanes', lanes);
  await page.fill('#lab-lecture-steps', String(steps));
  const t0 = Date.now();
  await page.click('#lab-lecture');
  const timer = setInterval(async () => {
    const s = await page.locator('#lab-status').textContent().catch(() => '');
    console.error(`${((Date.now() - t0) / 1000).toFixed(0)} s: ${s} (${await page.locator('#steps-done').textContent().catch(() => '?')} steps)`);
  }, 30000);
  try {
    await page.waitForFunction(() => /Sweep “lecture” (done|stopped)/.test(document.getElementById('lab-status')?.textContent ?? ''), null, { timeout: 0 });
  } finally {
    clearInterval(timer);
  }
  const status = await page.locator('#lab-status').textContent();
  const problem = await page.locator('#lab-error').textContent();
  if (!/done: 5 runs/.test(status ?? '')) throw new Error(`${status} ${problem}`);
  await page.locator('#lab').scrollIntoViewIfNeeded();
  await page.waitForTimeout(500);
  mkdirSync(path.dirname(out), { recursive: true });
  await page.locator('#lab').screenshot({ path: out });
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#lab-export-json')]);
  const records = importJson(readFileSync(await download.path(), 'utf8')).filter((r) => r.sweep === 'lecture').slice(-5);
  console.log(`"Reproduce the lecture" in the page: ${steps} steps each, ${records[0]?.engine}, ${records[0]?.threads} thread(s), ${await page.inputValue('#lab-lanes')} at a time; ${((Date.now() - t0) / 1000).toFixed(0)} s in all`);
  console.log(tableText(records));
  console.log(`screenshot: ${path.relative(process.cwd(), out)}`);
  if (errors.length) console.error(`page errors: ${errors.join('; ')}`);
} finally {
  await browser.close();
  server.stop();
}
