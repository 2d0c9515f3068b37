// browser.test.mjs: wasm/makemore.mjs runs unchanged in Chromium, in a page and a
// module Worker, served by scripts/serve.mjs, and gives the losses Node gives.
// Needs /usr/bin/chromium (scripts/setup.sh installs it) or MM_CHROMIUM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { loadMakemore } from '../wasm/makemore.mjs';
import { CHROMIUM, launchChromium, serve } from './browser/harness.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WASM_DIR = path.resolve(ROOT, process.env.MM_WASM_DIR ?? 'build-wasm');


test('makemore.mjs in Chromium: page and Worker, relaxed (2 threads) and scalar', { skip: !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}`, timeout: 120000 }, async () => {
  // The Node reference: 5 steps of wavenet76k, seed 1.
  const mm = await loadMakemore({ wasmUrl: pathToFileURL(path.join(WASM_DIR, 'makemore-simd.wasm')) });
  const { readFile } = await import('node:fs/promises');
  const t = mm.createTrainer({ words: await readFile(path.join(ROOT, 'data/names.txt'), 'utf8'), preset: 'wavenet76k', seed: 1, steps: 5 });
  const want = Array.from(new Uint32Array(t.run(5).buffer));
  t.free();
  // the fast engine's losses from the relaxed module on 2 threads (V8 fuses relaxed_madd in Node and Chromium alike)
  const fm = await loadMakemore({ engine: 'relaxed', threads: 2, wasmDir: pathToFileURL(WASM_DIR + '/') });
  const ft = fm.createTrainer({ words: await readFile(path.join(ROOT, 'data/names.txt'), 'utf8'), preset: 'wavenet76k', seed: 1, steps: 5 });
  const wantFast = Array.from(new Uint32Array(ft.run(5).buffer));
  ft.free();
  await fm.close();

  const server = await serve();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const resp = await page.goto(`${server.base}/tests/browser/smoke.html`);
    assert.equal(resp?.headers()['cross-origin-embedder-policy'], 'require-corp');
    await page.waitForFunction(() => /** @type {any} */ (window).smokeResult, null, { timeout: 100000 });
    const r = await page.evaluate(() => /** @type {any} */ (window).smokeResult);
    assert.equal(r.error, undefined, r.error);
    assert.deepEqual(errors, []);
    assert.equal(r.crossOriginIsolated, true);
    assert.equal(r.page.simd, true);
    assert.equal(r.pageScalar.simd, false);
    assert.equal(r.worker.simd, true);
    // cross-origin isolated: the relaxed module on 2 threads, in the page and in a Worker
    for (const k of ['page', 'worker']) {
      assert.equal(r[k].engine, 'relaxed', k);
      assert.equal(r[k].threads, 2, k);
      assert.equal(r[k].kernels, 'relaxed-simd', k);
      assert.deepEqual(r[k].fastBits, wantFast, `${k}: the fast engine bitwise as in Node`);
    }
    assert.equal(r.pageScalar.engine, 'scalar');
    for (const k of ['page', 'pageScalar', 'worker']) {
      assert.deepEqual(r[k].splitSizes, [182473, 22827, 22846], k);
      assert.deepEqual(r[k].bits, want, `${k}: losses bitwise equal to Node's`);
      assert.equal(r[k].sameSamples, true, k);
      assert.deepEqual(r[k].samples, r.page.samples, k);
    }
  } finally {
    await browser.close();
    server.stop();
  }
});
