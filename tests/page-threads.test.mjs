// page-threads.test.mjs: the trainer page's engine and threads in Chromium (issue 8).
//   - cross-origin isolated: the relaxed module, "relaxed SIMD ... 2 threads" while training;
//     3000 steps of wavenet76k give bitwise the same losses on 2 threads and on 1;
//   - Pause and Reset stop the helper threads (no workers left but the page's own);
//   - without cross-origin isolation (the relaxed module on one thread: its memory is made, not
//     sent), and with ?engine=simd (the one-thread build, what an engine without shared memory
//     gets), the page still trains and says which engine it runs.
// The losses and the helper threads come from the worker's progress and engine events, read
// off the page's Worker by tests/browser/page-probe.js (harness.mjs's probePage); nothing in web/ is test-only.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { CHROMIUM, launchChromium, probePage, serve } from './browser/harness.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RELAXED = path.join(ROOT, 'build-wasm/makemore-relaxed.wasm');
const skip = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : !existsSync(RELAXED) ? 'no build-wasm/makemore-relaxed.wasm' : false;

describe('trainer page: engines and threads', { skip, timeout: 240000 }, () => {
  /** @type {any} */ let browser;
  /** @type {{base: string, stop: () => void}} */ let server;

  before(async () => {
    server = await serve();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    server?.stop();
  });

  /** A page with the probe; strip: serve it without the cross-origin isolation headers. */
  async function open(query = '', strip = false) {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (/** @type {Error} */ e) => errors.push(String(e)));
    await probePage(page);
    if (strip)
      await page.route('**/*', async (/** @type {any} */ route) => {
        const resp = await route.fetch();
        const headers = { ...resp.headers() };
        delete headers['cross-origin-opener-policy'];
        delete headers['cross-origin-embedder-policy'];
        await route.fulfill({ response: resp, headers });
      });
    await page.goto(`${server.base}/web/${query}`);
    await page.waitForFunction(() => /Engine: /.test(document.getElementById('engine')?.textContent ?? ''), null, { timeout: 30000 });
    await page.waitForFunction(() => document.getElementById('d-source')?.textContent === 'names.txt', null, { timeout: 30000 });
    return { page, errors };
  }

  /** Trains `steps` steps of wavenet76k, seed 1, on `threads` threads; returns the loss bits and the helpers seen. */
  async function train(/** @type {any} */ page, steps, threads) {
    await page.locator('#preset').selectOption('wavenet76k');
    for (const [id, v] of Object.entries({ steps: String(steps), batchSize: '32', seed: '1', threads: String(threads), valEvery: '0' }))
      await page.locator(`#${id}`).fill(v);
    const before = await page.evaluate(() => /** @type {any} */ (window).__mm.runId);
    await page.click('#train');
    await page.waitForFunction((b) => /** @type {any} */ (window).__mm.runId !== b, before, { timeout: 20000 });
    const runId = await page.evaluate(() => /** @type {any} */ (window).__mm.runId);
    let helpers = 0;
    for (;;) { // the helpers seen while it trains
      helpers = Math.max(helpers, Number(await page.evaluate(() => /** @type {any} */ (window).__mm.engine?.helpers ?? 0)));
      const n = await page.evaluate((id) => /** @type {any} */ (window).__mm.runs[id]?.length ?? 0, runId);
      if (n >= steps) break;
      await page.waitForTimeout(50);
    }
    const bits = await page.evaluate((id) => /** @type {any} */ (window).__mm.runs[id], runId);
    return { bits, helpers };
  }

  const helperWorkers = (/** @type {any} */ page) => page.workers().filter((/** @type {any} */ w) => /helper\.mjs/.test(w.url())).length;

  test('cross-origin isolated: relaxed SIMD on 2 threads, bitwise the losses of 1 thread; Pause and Reset stop the helpers', async () => {
    const { page, errors } = await open();
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    const two = await train(page, 3000, 2);
    assert.equal(two.helpers, 1, 'one helper thread ran while training');
    assert.match(await page.locator('#engine').textContent(), /relaxed SIMD \(fused multiply-add\)/);
    await page.waitForFunction(() => /^Done/.test(document.getElementById('status')?.textContent ?? ''), null, { timeout: 60000 });
    await page.waitForFunction(() => /** @type {any} */ (window).__mm.engine?.helpers === 0, null, { timeout: 10000 });
    assert.equal(helperWorkers(page), 0, 'no helper worker left after the run ended');

    const one = await train(page, 3000, 1);
    assert.equal(one.helpers, 0);
    assert.equal(one.bits.length, 3000);
    assert.deepEqual(one.bits, two.bits, '1 thread and 2 threads: bitwise the same 3000 losses');
    await page.waitForFunction(() => /^Done/.test(document.getElementById('status')?.textContent ?? ''), null, { timeout: 60000 }); // (a run still evaluating would go on with the next Steps)

    // Pause stops the helpers; Resume starts them again; Reset stops them
    const long = train(page, 200000, 2);
    await page.waitForFunction(() => /** @type {any} */ (window).__mm.engine?.helpers === 1, null, { timeout: 20000 });
    assert.equal(helperWorkers(page), 1);
    await page.click('#pause');
    await page.waitForFunction(() => /** @type {any} */ (window).__mm.engine?.helpers === 0, null, { timeout: 10000 });
    assert.equal(helperWorkers(page), 0, 'Pause stopped the helper');
    await page.click('#resume');
    await page.waitForFunction(() => /** @type {any} */ (window).__mm.engine?.helpers === 1, null, { timeout: 20000 });
    await page.click('#reset');
    await page.waitForFunction(() => /** @type {any} */ (window).__mm.engine?.helpers === 0, null, { timeout: 10000 });
    assert.equal(helperWorkers(page), 0, 'Reset stopped the helper');
    long.catch(() => {});
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('Threads left blank: the run trains on the faster of 1 and 2 threads as measured on its first steps, bitwise the 1-thread losses', async () => {
    const { page, errors } = await open();
    await page.evaluate(() => { // every engine event from now on
      const w = /** @type {any} */ (window);
      w.__engines = [];
      setInterval(() => { const e = w.__mm.engine; if (e && w.__engines.at(-1) !== e) w.__engines.push(e); }, 5);
    });
    const auto = await train(page, 3000, /** @type {any} */ (''));
    await page.waitForFunction(() => /^Done/.test(document.getElementById('status')?.textContent ?? ''), null, { timeout: 60000 });
    const chose = await page.evaluate(() => /** @type {any} */ (window).__engines.find((/** @type {any} */ e) => e.notes.some((/** @type {string} */ n) => n.startsWith('measured on'))));
    assert.ok(chose, 'an engine event says what was measured');
    const note = chose.notes.find((/** @type {string} */ n) => n.startsWith('measured on'));
    const m = /\((\d+) steps\/s on 1, (\d+) on 2\)/.exec(note);
    assert.ok(m, note);
    assert.equal(chose.threads, Number(m[2]) > Number(m[1]) ? 2 : 1, note);
    assert.match(chose.label, new RegExp(`, ${chose.threads} threads?$`));
    const one = await train(page, 3000, 1);
    assert.deepEqual(auto.bits, one.bits, 'the measured run: bitwise the 1-thread losses');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('without cross-origin isolation: the relaxed module on one thread (its memory is made, not sent), and the page says why', async () => {
    const { page, errors } = await open('', true);
    assert.equal(await page.evaluate(() => crossOriginIsolated), false);
    const text = await page.locator('#engine').textContent();
    assert.match(text, /Engine: WebAssembly relaxed SIMD \(fused multiply-add\), 1 thread \(makemore-relaxed\.wasm\)/);
    assert.match(text, /One thread: the page is not cross-origin isolated/);
    const r = await train(page, 300, 2);
    assert.equal(r.bits.length, 300);
    assert.equal(r.helpers, 0);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('?engine=simd (the one-thread build, as where no shared memory is made) trains and says so', async () => {
    const { page, errors } = await open('?engine=simd');
    assert.match(await page.locator('#engine').textContent(), /Engine: WebAssembly SIMD, 1 thread/);
    const r = await train(page, 300, 2);
    assert.equal(r.bits.length, 300);
    assert.match(await page.locator('#engine').textContent(), /one thread: the simd module has no threads/i);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
