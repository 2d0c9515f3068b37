// element.test.mjs: <name-generator> (web/element/name-generator.js), generateNames and
// web/shared/model-store.js in Chromium, on web/example.html served by scripts/serve.mjs.
// Needs /usr/bin/chromium (or MM_CHROMIUM), build-wasm/ and web/models/names.safetensors
// (scripts/train-example-model.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { loadMakemore } from '../wasm/makemore.mjs';
import { generateNames } from '../web/element/name-generator.js';
import { CHROMIUM, launchChromium, serve } from './browser/harness.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MODEL = path.join(ROOT, 'web/models/names.safetensors');
const skip = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}`
  : !existsSync(MODEL) ? `no ${MODEL}: run scripts/train-example-model.sh` : false;


test('generateNames in Node (bytes and file: URL)', { skip: !existsSync(MODEL) && `no ${MODEL}` }, async () => {
  const bytes = readFileSync(MODEL);
  const a = await generateNames({ bytes, count: 5, temperature: 0.8, seed: 3 });
  assert.equal(a.length, 5);
  assert.ok(a.every((s) => /^[a-z]*$/.test(s)), a.join(' '));
  assert.deepEqual(await generateNames({ src: pathToFileURL(MODEL), count: 5, temperature: 0.8, seed: 3 }), a);
  assert.ok((await generateNames({ bytes, count: 4, prefix: 'jo', seed: 1 })).every((s) => s.startsWith('jo')));
  const greedy = await generateNames({ bytes, count: 3, temperature: 0, seed: 1 });
  assert.deepEqual(await generateNames({ bytes, count: 3, topK: 1, seed: 2 }), greedy, 'top-k 1 is greedy');
  assert.notDeepEqual(await generateNames({ bytes, count: 5, topK: 5, topP: 0.9, seed: 3 }), a);
  await assert.rejects(generateNames({ bytes, topP: 0 }), /top-p/);
  await assert.rejects(generateNames({ bytes, count: -1 }), /count/);
  await assert.rejects(generateNames({ bytes: new Uint8Array(16) }), /model file/);
  await assert.rejects(generateNames({ count: 1 }), /src/);
});

test('<name-generator> in Chromium: renders, follows its attributes, shows errors without breaking the page', { skip, timeout: 120000 }, async () => {
  // a model whose names contain markup: it must come out as text
  const mm = await loadMakemore();
  const t = mm.createTrainer({ words: '<img src=x onerror=window.pwned=1>\n<b>bold</b>\n<i>x</i>\n', preset: 'mlp3', steps: 30, batchSize: 8 });
  t.run(30);
  const markup = Array.from(t.saveModel());
  t.free();

  const server = await serve();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    /** @type {string[]} */
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${server.base}/web/example.html`);
    const names = (/** @type {string} */ sel) =>
      page.evaluate((s) => /** @type {any} */ (document.querySelector(s)).names, sel);
    const errorText = (/** @type {string} */ sel) =>
      page.evaluate((s) => {
        const p = /** @type {any} */ (document.querySelector(s)).shadowRoot.querySelector('[part=error]');
        return p.hidden ? '' : p.textContent;
      }, sel);
    /** Runs f in the page and waits for the element's next "names" or "error" event. */
    const change = (/** @type {string} */ sel, /** @type {string} */ js) =>
      page.evaluate(([s, code]) => new Promise((resolve) => {
        const el = /** @type {any} */ (document.querySelector(s));
        const done = (/** @type {any} */ e) => {
          el.removeEventListener('names', done);
          el.removeEventListener('error', done);
          resolve(e.type === 'names' ? e.detail.names : { error: e.detail.message });
        };
        el.addEventListener('names', done);
        el.addEventListener('error', done);
        new Function('el', code)(el);
      }), [sel, js]);

    // renders 10 names
    await page.waitForFunction(() => /** @type {any} */ (document.querySelector('#gen')).names.length === 10, null, { timeout: 60000 });
    const first = await names('#gen');
    // its first render has a random seed, and this model ends a name at once about 3 times in 10000
    // (`makemore sample --model web/models/names.safetensors --temperature 0.8`): an empty name is a sample too
    assert.ok(first.every((s) => /^[a-z]*$/.test(s)) && first.some((s) => s.length > 0), JSON.stringify(first));

    // attributes: seed makes it reproducible; count, prefix, temperature change the output
    const a = await change('#gen', "el.setAttribute('seed', '7')");
    assert.equal(a.length, 10);
    assert.notDeepEqual(await change('#gen', "el.setAttribute('seed', '8')"), a, 'another seed, other names');
    assert.deepEqual(await change('#gen', "el.setAttribute('seed', '7')"), a, 'same attributes, same names');
    assert.equal((await change('#gen', "el.setAttribute('count', '4')")).length, 4);
    const pre = await change('#gen', "el.setAttribute('prefix', 'ma')");
    assert.ok(pre.length === 4 && pre.every((/** @type {string} */ s) => s.startsWith('ma')), pre.join(' '));
    const greedy = await change('#gen', "el.setAttribute('temperature', '0')");
    assert.ok(greedy.every((/** @type {string} */ s) => s === greedy[0]), 'temperature 0 is greedy: one name');
    assert.deepEqual(await change('#gen', "el.setAttribute('temperature', '1'); el.setAttribute('top-k', '1')"), greedy, 'top-k 1 is greedy');
    assert.notDeepEqual(await change('#gen', "el.setAttribute('top-k', '3')"), greedy);
    // several changes in one task render once, with all of them
    const both = await change('#gen', "el.removeAttribute('top-k'); el.setAttribute('prefix', ''); el.setAttribute('temperature', '0.8'); el.setAttribute('count', '10')");
    assert.deepEqual(both, a);
    // "More names" shows the next batch
    const more = await change('#gen', "el.shadowRoot.querySelector('[part=more]').click()");
    assert.equal(more.length, 10);
    assert.notDeepEqual(more, a);
    // a bad attribute shows an error inside the element; fixing it recovers
    assert.match((await change('#gen', "el.setAttribute('temperature', 'hot')")).error, /temperature must be a number/);
    assert.match(await errorText('#gen'), /Could not generate names: temperature/);
    assert.equal((await names('#gen')).length, 0);
    assert.match((await change('#gen', "el.setAttribute('temperature', '1'); el.setAttribute('top-p', '1.5')")).error, /top-p must be a number above 0/);
    assert.match((await change('#gen', "el.removeAttribute('top-p'); el.setAttribute('prefix', 'Z')")).error, /'Z' is not in the model's vocabulary/);
    assert.equal((await change('#gen', "el.setAttribute('prefix', '')")).length, 10);

    // bad sources: a missing file, a file that is not a model, no src
    await page.evaluate(() => {
      document.body.insertAdjacentHTML('beforeend', `
        <name-generator id="missing" src="models/nope.safetensors"></name-generator>
        <name-generator id="notmodel" src="../data/names.txt"></name-generator>
        <name-generator id="nosrc"></name-generator>
        <button id="host-button" onclick="this.dataset.clicks = (+(this.dataset.clicks || 0) + 1)">host</button>`);
    });
    for (const [sel, re] of /** @type {[string, RegExp][]} */ ([['#missing', /HTTP 404/], ['#notmodel', /not a model file/], ['#nosrc', /no src attribute/]])) {
      await page.waitForFunction((s) => !(/** @type {any} */ (document.querySelector(s)).shadowRoot.querySelector('[part=error]').hidden), sel, { timeout: 30000 });
      assert.match(await errorText(sel), re, sel);
    }
    // the host page still works: its own button, and the good generator next to the bad ones
    await page.click('#host-button');
    await page.click('#host-button');
    assert.equal(await page.getAttribute('#host-button', 'data-clicks'), '2');
    assert.equal((await change('#gen', "el.more()")).length, 10);

    // markup in names stays text
    const markupNames = await page.evaluate(async (bytes) => {
      const url = URL.createObjectURL(new Blob([new Uint8Array(bytes)]));
      const el = document.createElement('name-generator');
      const got = new Promise((r) => el.addEventListener('names', (e) => r(/** @type {any} */ (e).detail.names)));
      el.setAttribute('count', '20');
      el.setAttribute('temperature', '0.5');
      el.setAttribute('seed', '1');
      el.setAttribute('src', url);
      document.body.append(el);
      const names = await got;
      return { names, elements: el.shadowRoot?.querySelectorAll('img, b, i').length, pwned: /** @type {any} */ (window).pwned };
    }, markup);
    assert.ok(markupNames.names.some((/** @type {string} */ s) => s.includes('<')), markupNames.names.join(' '));
    assert.equal(markupNames.elements, 0, 'no element made from a name');
    assert.equal(markupNames.pwned, undefined);

    // generateNames in the page
    const g = await page.evaluate(async () => {
      const { generateNames: gen } = await import('/web/element/name-generator.js');
      const x = await gen({ src: 'models/names.safetensors', count: 3, seed: 5 });
      const y = await gen({ src: '/web/models/names.safetensors', count: 3, seed: 5 });
      return { x, y };
    });
    assert.equal(g.x.length, 3);
    assert.deepEqual(g.x, g.y);

    // web/shared/model-store.js: save, load, clear in IndexedDB
    const store = await page.evaluate(async () => {
      const s = await import('/web/shared/model-store.js');
      const bytes = new Uint8Array(await (await fetch('models/names.safetensors')).arrayBuffer());
      await s.clearModels();
      const none = await s.loadLastModel();
      await s.saveModel(bytes, { preset: 'wavenet22k', step: 20000 });
      await s.saveModel(bytes.subarray(0, 100), { preset: 'older' }); // replaced by the next save
      await s.saveModel(bytes, { preset: 'wavenet22k', step: 20000 });
      const last = await s.loadLastModel();
      const same = !!last && last.bytes.length === bytes.length && last.bytes.every((v, i) => v === bytes[i]);
      await s.clearModels();
      return { none, same, meta: last?.meta, date: last?.savedAt instanceof Date, after: await s.loadLastModel() };
    });
    assert.deepEqual(store, { none: null, same: true, meta: { preset: 'wavenet22k', step: 20000 }, date: true, after: null });

    assert.deepEqual(errors, [], 'no uncaught errors in the page');
  } finally {
    await browser.close();
    server.stop();
  }
});
