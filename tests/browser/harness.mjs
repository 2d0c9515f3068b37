// harness.mjs: what the Chromium tests share: Debian's Chromium driven by
// playwright-core (no browser download), and scripts/serve.mjs on a free port.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CHROMIUM = process.env.MM_CHROMIUM ?? '/usr/bin/chromium';
// Headless, and no background connections: this machine's network is closed.
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

/** @returns {Promise<import('playwright-core').Browser>} */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Starts scripts/serve.mjs on a free port. @returns {Promise<{base: string, stop: () => void}>} */
export function serve() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts/serve.mjs')], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/localhost:(\d+)\//);
      if (m) resolve({ base: `http://127.0.0.1:${m[1]}`, stop: () => child.kill() });
    });
    child.on('exit', (code) => reject(new Error(`serve.mjs exited (${code}): ${out}`)));
  });
}

// What the trainer page's tests read of it, injected by probePage (web/ has nothing for tests):
// window.__mm in the page, before its scripts run.
//   stall      the main thread's stall meter: the largest lateness of a 20 ms timer (maxGap) and the
//              longest "longtask" (maxLongTask) since stall.reset()
//   runId      the id of the last run the worker announced (its 'run' event), as a string; '0' before
//   runs[id]   every training loss of that run the worker reported ('progress' events), as uint32 bits
//   engine     the worker's last 'engine' event ({label, notes, threads, helpers})
//   chart()    the Loss card's chart's data as last drawn: {steps, train, val} (log10 loss; train and val
//              without the gaps of the merged x axis), trainSteps (the steps of the train points), and
//              drawnAt (performance.now() of that drawing, -1 if never)
// The worker's events are read off the page's Worker ({event, data} messages: web/shared/bridge.js); the
// chart is the uPlot instance the page makes, seen through web/vendor/uPlot.esm.js served wrapped.
function pageProbe() {
  const mm = /** @type {any} */ ({ runId: '0', runs: {}, engine: null, plots: [] });
  /** @type {any} */ (window).__mm = mm;
  const stall = (mm.stall = { maxGap: 0, maxLongTask: 0, reset() { this.maxGap = 0; this.maxLongTask = 0; } });
  const PERIOD = 20;
  let due = performance.now() + PERIOD;
  const tick = () => {
    const now = performance.now();
    stall.maxGap = Math.max(stall.maxGap, now - due);
    due = now + PERIOD;
    setTimeout(tick, PERIOD);
  };
  setTimeout(tick, PERIOD);
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) stall.maxLongTask = Math.max(stall.maxLongTask, e.duration);
    }).observe({ type: 'longtask', buffered: false });
  } catch {
    // no longtask support: the timer alone measures
  }
  const W = window.Worker;
  /** @type {any} */ (window).Worker = class extends W {
    constructor(/** @type {any} */ url, /** @type {any} */ opts) {
      super(url, opts);
      this.addEventListener('message', (e) => {
        const { event, data } = e.data ?? {};
        if (event === 'run') mm.runId = String(data.id);
        else if (event === 'engine') mm.engine = data;
        else if (event === 'progress')
          (mm.runs[data.runId] ??= []).push(...Array.from(new Uint32Array(data.losses.buffer, data.losses.byteOffset, data.losses.length)));
      });
    }
  };
  mm.chart = () => {
    const u = mm.plots.filter((/** @type {any} */ p) => p.root.parentElement?.id === 'chart').at(-1); // the Loss card's (not the lab's)
    if (!u) return { steps: [], train: [], val: [], trainSteps: [], drawnAt: -1 };
    const [x, t, v] = /** @type {[number[], (number|null)[], (number|null)[]]} */ (u.data);
    const at = (/** @type {(number|null)[]} */ ys) => Array.from(x).filter((_, i) => ys[i] != null);
    return { steps: Array.from(x), train: t.filter((y) => y != null), val: v.filter((y) => y != null), trainSteps: at(t), drawnAt: u.drawnAt ?? -1 };
  };
}

// web/vendor/uPlot.esm.js as the page gets it from probePage: the real one, each instance kept in
// window.__mm.plots, with the time of its last setData.
const UPLOT_WRAPPER = `import uPlot from './uPlot.esm.js?unwrapped';
function Probed(opts, data, then) {
  const u = new uPlot(opts, data, then);
  const setData = u.setData;
  u.drawnAt = -1;
  u.setData = (...a) => { const r = setData(...a); u.drawnAt = performance.now(); return r; };
  window.__mm?.plots.push(u);
  return u;
}
Object.setPrototypeOf(Probed, uPlot);
export default Probed;
`;

/** MM_WASM_DIR: the folder of the .wasm modules the page gets (default: the served build-wasm/). */
export const WASM_DIR = path.resolve(ROOT, process.env.MM_WASM_DIR ?? 'build-wasm');

/**
 * Serves the page build-wasm/makemore-*.wasm from WASM_DIR when MM_WASM_DIR names another folder.
 * @param {import('playwright-core').Page} page
 */
export async function routeWasm(page) {
  if (WASM_DIR === path.join(ROOT, 'build-wasm')) return;
  await page.route((url) => /\/build-wasm\/makemore-[a-z]+\.wasm$/.test(url.pathname), (route) =>
    route.fulfill({
      status: 200, contentType: 'application/wasm', body: readFileSync(path.join(WASM_DIR, path.basename(new URL(route.request().url()).pathname))),
      headers: { 'Cross-Origin-Resource-Policy': 'same-origin', 'Cache-Control': 'no-cache' },
    }));
}

/** Injects window.__mm (see pageProbe) into a page of the trainer; its .wasm from WASM_DIR (routeWasm). @param {import('playwright-core').Page} page */
export async function probePage(page) {
  await routeWasm(page);
  await page.addInitScript(pageProbe);
  await page.route((url) => url.pathname.endsWith('/web/vendor/uPlot.esm.js') && !url.search, (route) =>
    route.fulfill({ status: 200, contentType: 'text/javascript', body: UPLOT_WRAPPER }));
}

/**
 * A new 1280x1000 page of the trainer (probed: probePage) at base, loaded with names.txt; its
 * uncaught errors and console errors are collected in the returned list.
 * @param {import('playwright-core').Browser} browser @param {string} base the server's address
 * @returns {Promise<{page: import('playwright-core').Page, errors: string[]}>}
 */
export async function openTrainer(browser, base) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await probePage(page);
  /** @type {string[]} */
  const errors = [];
  page.on('pageerror', (/** @type {Error} */ e) => errors.push(String(e)));
  page.on('console', (/** @type {any} */ m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${base}/web/`);
  await page.waitForFunction(() => document.getElementById('d-source')?.textContent === 'names.txt', null, { timeout: 30000 });
  return { page, errors };
}
