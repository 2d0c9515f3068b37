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

/**
 * Starts scripts/serve.mjs on a free port; probe: with tests/browser/page-probe.js first in every HTML page
 * (for browsers a test cannot give an init script: WebKit over WebDriver).
 * @param {{probe?: boolean}} [o] @returns {Promise<{base: string, stop: () => void}>}
 */
export function serve({ probe = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts/serve.mjs')], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...(probe ? { MM_INJECT_SCRIPT: '/tests/browser/page-probe.js' } : {}) },
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

// What the trainer page's tests read of it: tests/browser/page-probe.js (window.__mm).
export const PAGE_PROBE = path.join(ROOT, 'tests/browser/page-probe.js');

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
  await page.route((url) => /\/build-wasm\/makemore-[a-z-]+\.wasm$/.test(url.pathname), (route) =>
    route.fulfill({
      status: 200, contentType: 'application/wasm', body: readFileSync(path.join(WASM_DIR, path.basename(new URL(route.request().url()).pathname))),
      headers: { 'Cross-Origin-Resource-Policy': 'same-origin', 'Cache-Control': 'no-cache' },
    }));
}

/** Injects window.__mm (see pageProbe) into a page of the trainer; its .wasm from WASM_DIR (routeWasm). @param {import('playwright-core').Page} page */
export async function probePage(page) {
  await routeWasm(page);
  await page.addInitScript({ path: PAGE_PROBE });
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
