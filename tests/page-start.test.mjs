// page-start.test.mjs: the trainer page's start-up cannot hang (issue 24). In Chromium:
//   - a navigator.language that Intl refuses (WebKitGTK under LANG=C says "C") once left the page at
//     "Loading the WebAssembly module…" for ever (the vendored uPlot throws at import): it starts;
//   - a page module that fails to load, a WebAssembly module that cannot be fetched, and a worker
//     script that fails, end in a message that names the failure, never in an endless "Loading".
// (tests/browsers.test.mjs does the same in Firefox and WebKit, with a module WebKit cannot run.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CHROMIUM, WASM_DIR, launchChromium, serve } from './browser/harness.mjs';

const skip = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : !existsSync(path.join(WASM_DIR, 'makemore-simd.wasm')) ? 'no build-wasm/' : false;

/** The status line once it leaves "Loading…" (or what it says after `ms`). @param {any} page */
async function statusAfterStart(page, ms = 30000) {
  await page.waitForFunction(() => {
    const s = document.getElementById('status')?.textContent ?? '';
    return !s.startsWith('Loading the WebAssembly') && !s.startsWith('Loading names');
  }, null, { timeout: ms }).catch(() => {});
  return page.locator('#status').textContent();
}

const SYNTAX_ERROR = { status: 200, contentType: 'text/javascript', body: 'export const = ;' };
const NOT_FOUND = { status: 404, contentType: 'text/plain', body: 'not found' };

/**
 * A new page of the trainer whose requests matching `which` get `answer` instead.
 * @param {any} browser @param {string} base @param {(u: URL) => boolean} which
 * @param {{status: number, contentType: string, body: string}} answer
 */
async function startBroken(browser, base, which, answer) {
  const page = await browser.newPage();
  await page.route(which, (/** @type {any} */ r) => r.fulfill(answer));
  await page.goto(`${base}/web/`);
  return page;
}

test('start-up: a language tag Intl refuses, a page module that fails, a module that cannot be fetched: each a message, no hang', { skip, timeout: 120000 }, async () => {
  const server = await serve();
  const browser = await launchChromium();
  try {
    // 1. navigator.language "C" (WebKitGTK under LANG=C.UTF-8)
    let page = await browser.newPage();
    await page.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'language', { get: () => 'C', configurable: true });
      Object.defineProperty(Navigator.prototype, 'languages', { get: () => ['C'], configurable: true });
    });
    /** @type {string[]} */ const warnings = [];
    page.on('console', (/** @type {any} */ m) => m.type() === 'warning' && warnings.push(m.text()));
    await page.goto(`${server.base}/web/`);
    assert.match(await statusAfterStart(page), /^(Ready\.|Loaded names\.txt)/);
    await page.waitForFunction(() => document.documentElement.dataset.ready === '1', null, { timeout: 10000 });
    assert.match(await page.evaluate(() => navigator.language), /^[a-z]{2,3}(-|$)/, 'a language tag Intl takes');
    assert.ok(warnings.some((w) => /navigator.language "C" is not a language tag/.test(w)), warnings.join('\n'));
    assert.equal(await page.locator('#chart .uplot').count(), 1, 'the loss chart (uPlot) was made');
    await page.close();

    // 2. a page module that does not load (the loss chart's, as a syntax error)
    page = await startBroken(browser, server.base, (u) => u.pathname.endsWith('/web/page/chart.js'), SYNTAX_ERROR);
    const s2 = await statusAfterStart(page);
    assert.match(s2, /^The page could not start: .*(SyntaxError|Unexpected|token)/i, s2);
    assert.equal(await page.locator('#status').getAttribute('role'), 'alert');
    await page.close();

    // 3. the module the worker picked cannot be fetched (404)
    page = await startBroken(browser, server.base, (u) => /\/build-wasm\/makemore-[a-z-]+\.wasm$/.test(u.pathname), NOT_FOUND);
    const s3 = await statusAfterStart(page);
    assert.match(s3, /^The page could not start: could not load the WebAssembly module: could not fetch .*makemore-relaxed\.wasm: HTTP 404; nor the simd module: could not fetch .*makemore-simd\.wasm: HTTP 404/, s3);
    assert.equal(await page.locator('#train').isDisabled(), true, 'nothing to train with');
    await page.close();

    // 4. the worker's own script does not load (it never answers: the call is failed, not left waiting)
    page = await startBroken(browser, server.base, (u) => u.pathname.endsWith('/web/worker/main.js'), SYNTAX_ERROR);
    const s4 = await statusAfterStart(page);
    assert.match(s4, /^The page could not start: the worker's script did not load or start/, s4);
    await page.close();
  } finally {
    await browser.close();
    server.stop();
  }
});
