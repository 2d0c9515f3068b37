// lab.test.mjs: the trainer page's lab (web/lab/) in Chromium: a sweep of three small runs
// (the builder: hidden size 20, 40, 60 over the form's mlp3 settings, 300 steps, reproducible engine)
// finishes; three curves, three run-list entries and three table rows (hidden size a column) appear, and the first run's
// losses are bitwise those of the same plan trained by the Node runner (bench/lab-node.mjs) on the
// SIMD module; the table sorts by a column; a reload keeps the runs (IndexedDB); export JSON, delete a run (gone
// from the chart, the table and IndexedDB), import the export: the same table; a file that is not an
// export, and the export cut short, are refused with a message and the runs stay; a run trained with
// Train is kept too. Two runs at a time (a second Worker, each lane on one thread): the same sweep gives
// bitwise the records of one at a time (and so the Node runner's), the run list, table and chart fill,
// and the second worker is gone when the sweep ends; stopping a sweep of two lanes ends it after the runs
// under way and terminates the second worker (Playwright's page.workers()).
// Needs /usr/bin/chromium (or MM_CHROMIUM) and build-wasm/ (or MM_WASM_DIR).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { CHROMIUM, ROOT, WASM_DIR, launchChromium, probePage, serve } from './browser/harness.mjs';

const skip = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : !existsSync(path.join(WASM_DIR, 'makemore-simd.wasm')) ? `no ${WASM_DIR}/makemore-simd.wasm` : false;

describe('the lab in Chromium', { skip, timeout: 240000 }, () => {
  /** @type {any} */ let browser;
  /** @type {any} */ let page;
  /** @type {{base: string, stop: () => void}} */ let server;
  /** @type {string[]} */ const errors = [];

  /** @returns {Promise<string[][]>} the results table's cells, row by row */
  const table = () => page.$$eval('#lab-table-body tr', (trs) => trs.map((tr) => Array.from(tr.children, (td) => td.textContent ?? '')));
  const column = async (/** @type {string} */ key) => page.$$eval(`#lab-table-body td[data-key="${key}"]`, (tds) => tds.map((td) => td.textContent ?? ''));
  /** The lab chart's series (after the x axis): [label, non-null points, shown]. */
  const chart = () => page.evaluate(() => {
    const u = /** @type {any} */ (window).__mm.plots.find((/** @type {any} */ p) => p.root.parentElement?.id === 'lab-chart');
    return u.series.slice(1).map((/** @type {any} */ s, /** @type {number} */ i) => [s.label, u.data[i + 1].filter((/** @type {any} */ y) => y != null).length, s.show]);
  });
  /** @returns {Promise<string[]>} the ids of the runs in IndexedDB */
  const stored = () => page.evaluate(() => new Promise((resolve, reject) => {
    const req = indexedDB.open('makemore-wasm-lab', 1);
    req.onsuccess = () => {
      const g = req.result.transaction('runs').objectStore('runs').getAllKeys();
      g.onsuccess = () => { resolve(g.result.map(String).sort()); req.result.close(); };
      g.onerror = () => reject(g.error);
    };
    req.onerror = () => reject(req.error);
  }));
  const ready = async () => {
    await page.waitForFunction(() => document.getElementById('lab')?.dataset.ready === 'true' && document.getElementById('d-source')?.textContent === 'names.txt', null, { timeout: 20000 });
  };

  before(async () => {
    server = await serve();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true });
    await probePage(page);
    page.on('pageerror', (/** @type {Error} */ e) => errors.push(String(e)));
    page.on('console', (/** @type {any} */ m) => m.type() === 'error' && errors.push(m.text()));
  });
  after(async () => {
    await browser?.close();
    server?.stop();
  });

  /** @type {string[][]} */ let rows = [];
  /** @type {string} */ let exported = '';

  test('a sweep of three runs: three curves, list entries and table rows; the numbers are the Node runner\'s', async () => {
    await page.goto(`${server.base}/web/?engine=simd`);
    await ready();
    assert.deepEqual(await table(), []);
    await page.selectOption('#preset', 'mlp3');
    for (const [id, v] of [['steps', '300'], ['decayStep', '225'], ['valEvery', '100'], ['seed', '5']]) await page.fill(`#${id}`, v);
    await page.check('#reproducible');
    assert.equal(await page.inputValue('#lab-lanes'), '2', 'two runs at a time by default on 2 cores or more'); // this machine has 2
    await page.selectOption('#lab-lanes', '1');
    await page.selectOption('#lab-key1', 'nHidden');
    await page.fill('#lab-values1', '20, 40, 60');
    await page.fill('#lab-name', 'widths');
    await page.click('#lab-run-sweep');
    await page.waitForFunction(() => /Sweep “widths” done: 3 runs/.test(document.getElementById('lab-status')?.textContent ?? ''), null, { timeout: 60000 });
    rows = await table();
    assert.equal(rows.length, 3);
    assert.deepEqual(await column('name'), ['mlp3 nHidden=20', 'mlp3 nHidden=40', 'mlp3 nHidden=60']);
    // the swept setting is a column; what the runs share is said above the table
    assert.deepEqual(await page.$$eval('#lab-table-head th', (ths) => ths.map((th) => th.textContent)), ['run', 'hidden size', 'params', 'train', 'val', 'test', 'steps/s', 'wall s']);
    assert.deepEqual(await column('n_hidden'), ['20', '40', '60']);
    assert.equal(await page.locator('#lab-table-common').textContent(),
      'Every run: sweep “widths” · preset mlp3 · steps 300 · batch size 32 · learning rate 0.1 · decayed learning rate 0.01 · decay step 225 · optimizer sgd · seed 5 · data set names.txt.');
    assert.equal(await page.locator('#lab-runs li').count(), 3);
    const colours = await page.$$eval('#lab-runs .swatch', (s) => s.map((e) => /** @type {HTMLElement} */ (e).style.background));
    assert.equal(new Set(colours).size, 3);
    // the chart: a curve (300 steps: groups of 2, 150 points) and validation points (100, 200, 300) per run
    assert.deepEqual(await chart(), [['mlp3 nHidden=20', 150, true], ['mlp3 nHidden=20 val', 3, true], ['mlp3 nHidden=40', 150, true],
      ['mlp3 nHidden=40 val', 3, true], ['mlp3 nHidden=60', 150, true], ['mlp3 nHidden=60 val', 3, true]]);
    // the export holds the exact numbers: those of the same plans through the Node runner (SIMD module, reproducible)
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#lab-export-json')]);
    exported = readFileSync(await download.path(), 'utf8');
    const runs = JSON.parse(exported).runs;
    assert.equal(runs.length, 3);
    const { loadMakemore } = await import(pathToFileURL(path.join(ROOT, 'wasm/makemore.mjs')).href);
    const { expandSpec } = await import(pathToFileURL(path.join(ROOT, 'web/lab/runner.js')).href);
    const { trainPlan } = await import(pathToFileURL(path.join(ROOT, 'bench/lab-node.mjs')).href);
    const mm = await loadMakemore({ engine: 'simd', threads: 1, wasmDir: pathToFileURL(WASM_DIR + '/').href });
    const words = mm.parseWords(readFileSync(path.join(ROOT, 'data/names.txt')));
    const plans = expandSpec({ base: { preset: 'mlp3', schedule: { steps: 300, decayStep: 225, valEvery: 100 }, seed: 5, reproducible: true }, grid: { nHidden: [20, 40, 60] } }, mm.schema);
    for (const [i, plan] of plans.entries()) {
      const r = trainPlan(mm, words, plan);
      const x = runs[i];
      assert.deepEqual([x.params, x.train, x.val, x.test, x.vals, x.config, x.schedule, x.seed],
        [r.params, r.train, r.val, r.test, r.vals, r.config, r.schedule, r.seed], plan.name);
      // the curve: the same losses, but Chromium's Math.log10 may differ from this Node's by an ulp
      assert.equal(x.curve.group, r.curve.group);
      assert.equal(x.curve.y.length, r.curve.y.length);
      x.curve.y.forEach((/** @type {number} */ y, /** @type {number} */ k) => assert.ok(Math.abs(y - r.curve.y[k]) < 1e-12, `${plan.name} curve[${k}]`));
      assert.equal(x.where, 'page');
    }
    words.free();
    await mm.close();
    assert.deepEqual(errors, []);
  });

  test('the table sorts by any column (again: the other way)', async () => {
    const vals = await column('val');
    await page.click('#lab-table-head button[data-key="val"]');
    assert.deepEqual(await column('val'), [...vals].sort());
    await page.click('#lab-table-head button[data-key="val"]');
    assert.deepEqual(await column('val'), [...vals].sort().reverse());
    assert.equal(await page.locator('#lab-table-head th:has(button[data-key="val"])').getAttribute('aria-sort'), 'descending');
    await page.click('#lab-table-head button[data-key="params"]');
    // mlp3 of hidden size h: C 27x10, W1 30xh, BatchNorm 2h, W2 hx27 and its bias 27
    assert.deepEqual(await column('params'), [20, 40, 60].map((h) => (297 + 59 * h).toLocaleString('en-US')));
  });

  test('a reload keeps the runs', async () => {
    await page.reload();
    await ready();
    assert.deepEqual(await table(), rows);
    assert.equal((await chart()).length, 6);
    assert.equal((await stored()).length, 3);
  });

  test('a run hidden from the chart, then deleted: gone from the chart, the table and IndexedDB', async () => {
    const ids = await page.$$eval('#lab-runs li', (lis) => lis.map((li) => /** @type {HTMLElement} */ (li).dataset.id));
    await page.locator('#lab-runs li').nth(0).locator('input[type=checkbox]').uncheck();
    assert.deepEqual((await chart()).map((s) => s[0]), ['mlp3 nHidden=40', 'mlp3 nHidden=40 val', 'mlp3 nHidden=60', 'mlp3 nHidden=60 val']);
    await page.locator('#lab-runs li').nth(0).locator('input[type=checkbox]').check();
    await page.click('#lab-runs li:nth-child(2) button');
    assert.deepEqual((await chart()).map((s) => s[0]), ['mlp3 nHidden=20', 'mlp3 nHidden=20 val', 'mlp3 nHidden=60', 'mlp3 nHidden=60 val']);
    assert.deepEqual(await table(), [rows[0], rows[2]]);
    await page.waitForFunction(async (n) => {
      const count = await new Promise((resolve) => {
        const req = indexedDB.open('makemore-wasm-lab', 1);
        req.onsuccess = () => { const g = req.result.transaction('runs').objectStore('runs').count(); g.onsuccess = () => { resolve(g.result); req.result.close(); }; };
      });
      return count === n;
    }, 2, { timeout: 5000 });
    assert.deepEqual(await stored(), [ids[0], ids[2]].sort());
    await page.reload();
    await ready();
    assert.deepEqual(await table(), [rows[0], rows[2]]);
  });

  test('import of the export: the same table again', async () => {
    await page.locator('#lab-import').setInputFiles({ name: 'runs.json', mimeType: 'application/json', buffer: Buffer.from(exported) });
    await page.waitForFunction(() => /Imported 3 runs from runs\.json/.test(document.getElementById('lab-status')?.textContent ?? ''), null, { timeout: 5000 });
    assert.deepEqual(await table(), rows);
    assert.equal((await chart()).length, 6);
    assert.equal((await stored()).length, 3);
  });

  test('a file that is not an export, or an export cut short, is refused with a message; the runs stay', async () => {
    for (const [name, body, re] of [['notes.json', '{"hello": "world"}', /notes\.json: not imported: not a run export of makemore-wasm/],
      ['cut.json', exported.slice(0, Math.floor(exported.length * 0.6)), /cut\.json: not imported: the file is not JSON, or it is cut short/],
      ['words.txt', 'emma\nolivia\n', /words\.txt: not imported: the file is not JSON/]]) {
      await page.locator('#lab-import').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(/** @type {string} */ (body)) });
      await page.waitForFunction((n) => (document.getElementById('lab-error')?.textContent ?? '').startsWith(n), name, { timeout: 5000 });
      assert.match(await page.locator('#lab-error').textContent(), /** @type {RegExp} */ (re));
      assert.match(await page.locator('#lab-error').textContent(), /The runs here are unchanged\.$/);
      assert.equal(await page.locator('#lab-error').isVisible(), true);
      assert.deepEqual(await table(), rows);
      assert.equal((await stored()).length, 3);
    }
    assert.deepEqual(errors, []);
  });

  test('a run trained by hand (Train) is kept too', async () => {
    await page.selectOption('#preset', 'mlp3'); // the reload restored the last run's model into the form (nHidden 60)
    await page.fill('#steps', '200');
    await page.fill('#decayStep', '150');
    await page.click('#train');
    await page.waitForFunction(() => document.querySelectorAll('#lab-table-body tr').length === 4, null, { timeout: 30000 });
    // its row: the settings that now differ between the runs (the sweep's, its hidden size, steps and decay) are columns
    const last = await page.$$eval('#lab-table-body tr:last-child td', (tds) => Object.fromEntries(tds.map((td) => [/** @type {HTMLElement} */ (td).dataset.key, td.textContent])));
    assert.deepEqual([last.name, last.sweep, last.n_hidden, last.steps, last.decay_step, last.params], ['mlp3', '', '200', '200', '150', '12,097']);
    assert.equal(last.val, (await page.locator('#e-val').textContent()), 'the Evaluation card\'s val loss');
    assert.equal((await stored()).length, 4);
    assert.deepEqual(errors, []);
  });

  /** Fills the builder for a sweep of mlp3 runs over hidden sizes (reproducible engine, seed 5). @param {string} name @param {string} values @param {number} steps @param {string} lanes */
  const sweep = async (name, values, steps, lanes) => {
    await page.selectOption('#preset', 'mlp3');
    for (const [id, v] of [['steps', String(steps)], ['decayStep', String(steps * 3 / 4)], ['valEvery', String(steps / 3)], ['seed', '5']]) await page.fill(`#${id}`, v);
    await page.check('#reproducible');
    await page.selectOption('#lab-lanes', lanes);
    await page.selectOption('#lab-key1', 'nHidden');
    await page.fill('#lab-values1', values);
    await page.fill('#lab-name', name);
    await page.click('#lab-run-sweep');
  };
  /** @param {number} n waits until the page has n workers (a terminated one is gone) */
  const workers = (n) => new Promise((resolve, reject) => {
    const t0 = Date.now();
    const poll = () => (page.workers().length === n ? resolve(n) : Date.now() - t0 > 10000 ? reject(new Error(`${page.workers().length} workers, not ${n}`)) : setTimeout(poll, 50));
    poll();
  });

  test('two runs at a time: a second worker, bitwise the records of one at a time; it is terminated at the end', async () => {
    const before = (await table()).length;
    let made = 0;
    const count = () => { made++; };
    page.on('worker', count);
    assert.equal(page.workers().length, 1);
    await sweep('lanes', '20, 40, 60', 300, '2');
    await page.waitForFunction(() => /training .+ and .+…/.test(document.getElementById('lab-status')?.textContent ?? ''), null, { timeout: 30000 });
    assert.equal(page.workers().length, 2, 'two lanes train at once');
    await page.waitForFunction(() => /Sweep “lanes” done: 3 runs/.test(document.getElementById('lab-status')?.textContent ?? ''), null, { timeout: 60000 });
    await workers(1);
    page.off('worker', count);
    assert.equal(made, 1, 'one second worker for the sweep');
    assert.equal((await table()).length, before + 3);
    assert.equal(await page.locator('#lab-runs li').count(), before + 3);
    const series = await chart();
    for (const h of [20, 40, 60]) assert.equal(series.filter((s) => s[0] === `mlp3 nHidden=${h}` && s[1] === 150).length, 2, `both sweeps' nHidden=${h} curves`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#lab-export-json')]);
    const all = JSON.parse(readFileSync(await download.path(), 'utf8')).runs;
    const one = JSON.parse(exported).runs;
    const two = all.filter((/** @type {any} */ r) => r.sweep === 'lanes');
    assert.equal(two.length, 3);
    for (const x of one) {
      const y = two.find((/** @type {any} */ r) => r.name === x.name);
      assert.ok(y, x.name);
      // bitwise: the same losses, validation points and curve (both computed in this Chromium)
      assert.deepEqual([y.params, y.train, y.val, y.test, y.vals, y.curve, y.config, y.data, y.schedule, y.seed, y.steps, y.engine],
        [x.params, x.train, x.val, x.test, x.vals, x.curve, x.config, x.data, x.schedule, x.seed, x.steps, x.engine], x.name);
      assert.equal(y.threads, 1, 'each lane on one thread');
    }
    assert.deepEqual(errors, []);
  });

  test('stopping a sweep on two lanes: the runs under way end and are kept, the second worker is terminated', async () => {
    const before = (await table()).length;
    await sweep('stopped', '20, 40, 60, 80, 100, 120', 3000, '2');
    await page.waitForFunction(() => /training .+ and .+…/.test(document.getElementById('lab-status')?.textContent ?? ''), null, { timeout: 30000 });
    assert.equal(page.workers().length, 2);
    await page.click('#lab-stop');
    await page.waitForFunction(() => /Sweep stopped after \d+ of 6 runs\.$/.test(document.getElementById('lab-status')?.textContent ?? ''), null, { timeout: 60000 });
    const n = Number((/after (\d+) of/.exec(await page.locator('#lab-status').textContent() ?? '') ?? [])[1]);
    assert.ok(n >= 2 && n < 6, `${n} runs kept`);
    await workers(1);
    assert.equal((await table()).length, before + n);
    assert.equal((await stored()).length, before + n);
    assert.equal(await page.locator('#lab-stop').isDisabled(), true);
    assert.equal(await page.locator('#lab-lanes').isDisabled(), false);
    assert.deepEqual(errors, []);
  });
});
