// page-newcomer.test.mjs: what a newcomer meets in the trainer page (issue 23), in Chromium:
// the main actions first in the Tab order and focus kept on a control; the decay step that
// follows a shorter run; Train (new run) asks before it throws a run away; a refused setting
// marked at its field and beside Train; Reset that keeps the saved model (Restore it); "Model,
// drawn" showing the running model, the form's as a labelled preview, 12 px labels at least; the
// step counter before a run; sampling settings that survive a reload; axe-core with no
// violations at load, during a run and after it; the page at phone width (390x844).
// Needs /usr/bin/chromium (or MM_CHROMIUM), build-wasm/ and node_modules/axe-core.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CHROMIUM, ROOT, WASM_DIR, launchChromium, openTrainer, serve } from './browser/harness.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const skip = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : !existsSync(path.join(WASM_DIR, 'makemore-simd.wasm')) ? 'no build-wasm/' : false;
const RESULTS = path.join(ROOT, 'test-results');

/** @typedef {import('playwright-core').Page} Page */

/** @param {Page} page @param {string} [root] a selector (default: the whole page) @returns {Promise<string[]>} axe-core's violations, "id: targets" */
async function axeViolations(page, root) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const v = await page.evaluate(async (sel) => {
    const r = await /** @type {any} */ (window).axe.run(sel ? document.querySelector(sel) : document);
    return r.violations.map((/** @type {any} */ x) => `${x.id}: ${x.nodes.map((/** @type {any} */ n) => n.target.join(' ')).join(', ')}`);
  }, root ?? null);
  return v;
}

/** @param {Page} page @param {string} id @returns {Promise<string>} */
const textOf = (page, id) => page.evaluate((i) => document.getElementById(i)?.textContent ?? '', id);
/** @param {Page} page @param {number} n */
const waitSteps = (page, n) => page.waitForFunction((k) => Number(document.getElementById('steps-done')?.textContent?.replace(/,/g, '')) >= k, n, { timeout: 30000 });
/** @param {Page} page @param {RegExp} re @param {string} [id] */
const waitText = (page, re, id = 'status') =>
  page.waitForFunction(([src, flags, el]) => new RegExp(src, flags).test(document.getElementById(el)?.textContent ?? ''), [re.source, re.flags, id], { timeout: 30000 });
/** @param {Page} page @returns {Promise<string>} the run the worker announced last */
const runId = (page) => page.evaluate(() => /** @type {any} */ (window).__mm.runId);
/** @param {Page} page @returns {Promise<string>} the id of the focused element ('BODY' when none) */
const focused = (page) => page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName || '');

describe('a newcomer in the trainer page (Chromium)', { skip, timeout: 240000 }, () => {
  /** @type {import('playwright-core').Browser} */ let browser;
  /** @type {{base: string, stop: () => void}} */ let server;
  /** @type {Page} */ let page;
  /** @type {string[]} */ let errors;

  before(async () => {
    mkdirSync(RESULTS, { recursive: true });
    server = await serve();
    browser = await launchChromium();
    ({ page, errors } = await openTrainer(browser, server.base));
    await page.waitForFunction(() => !(/** @type {HTMLButtonElement} */ (document.getElementById('train'))).disabled);
  });
  after(async () => {
    await browser?.close();
    server?.stop();
  });

  test('at load: Train is among the first Tab stops, the counter shows the form\'s steps, help and the lecture are linked, no axe violation', async () => {
    assert.equal(await textOf(page, 'steps-total'), '200,000');
    assert.ok(await page.locator('a[href*="youtube.com/watch"]').count(), 'a link to the lecture');
    assert.match(await textOf(page, 'help'), /Train/);
    await page.evaluate(() => /** @type {HTMLElement} */ (document.activeElement)?.blur());
    const stops = [];
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      stops.push(await focused(page));
    }
    assert.ok(stops.slice(0, 3).includes('train'), `Tab stops: ${stops.join(', ')}`);
    assert.deepEqual(await axeViolations(page), []);
  });

  test('a shorter run drops the learning rate at the same fraction; a typed decay step stays', async () => {
    await page.fill('#steps', '4000');
    assert.equal(await page.inputValue('#decayStep'), '3000');
    await page.fill('#decayStep', '100');
    await page.fill('#steps', '5000');
    assert.equal(await page.inputValue('#decayStep'), '100', 'typed by the user: kept');
    await page.selectOption('#preset', 'wavenet76k');
    await page.fill('#steps', '400');
    assert.equal(await page.inputValue('#decayStep'), '300');
    await page.fill('#diag-every', '100');
    await page.locator('#diag-every').dispatchEvent('change');
    assert.equal(await textOf(page, 'steps-total'), '400', 'the counter follows the form before a run');
    const before = await runId(page);
    await page.evaluate(() => { // every status line from now on (the run's first one lasts only while it trains)
      const w = /** @type {any} */ (window);
      w.__statuses = [];
      const el = /** @type {HTMLElement} */ (document.getElementById('status'));
      new MutationObserver(() => w.__statuses.push(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true });
    });
    await page.focus('#train');
    await page.keyboard.press('Enter');
    await page.waitForFunction((b) => /** @type {any} */ (window).__mm.runId !== b, before);
    await page.waitForFunction(() => /** @type {any} */ (window).__statuses.some((/** @type {string} */ t) => /400 steps, learning rate 0\.1, 0\.01 from step 300/.test(t)));
    // focus stays on a control: Pause while it trains
    await page.waitForFunction(() => document.activeElement?.id === 'pause' || /^Done/.test(document.getElementById('status')?.textContent ?? ''));
    await waitText(page, /^Done: 400 steps/);
    assert.equal(await textOf(page, 'lr-now'), '0.01', 'the decayed rate at the end of a 400-step run');
    assert.ok(['train', 'pause', 'resume'].includes(await focused(page)), `focus on ${await focused(page)}`);
    assert.deepEqual(await axeViolations(page), [], 'after a run');
    // the Tanh histograms' axis: from -1 to 1, ticks at round values
    const axis = await page.evaluate(() => {
      const u = /** @type {any} */ (window).__mm.plots.filter((/** @type {any} */ p) => p.root.parentElement?.id === 'diag-act').at(-1);
      return { min: u.scales.x.min, max: u.scales.x.max, ticks: u.axes[0]._splits };
    });
    assert.deepEqual([axis.min, axis.max], [-1, 1]);
    for (const t of axis.ticks) assert.ok(Math.abs(t * 10 - Math.round(t * 10)) < 1e-9, `tick ${t}`);
  });

  test('Resume and Pause by keyboard keep the focus on a control; axe during a run', async () => {
    await page.fill('#steps', '200000'); // the done run goes on to 200,000 steps (paused until Resume)
    await page.locator('#steps').press('Enter');
    await waitText(page, /^Schedule applied at step 400: 200,000 steps, learning rate 0\.1, then 0\.01 from step 300\./);
    assert.equal(await page.inputValue('#decayStep'), '300', 'a decay the run passed stays where it was');
    await page.focus('#resume');
    await page.keyboard.press('Enter'); // Resume
    await waitSteps(page, 700);
    assert.equal(await focused(page), 'pause');
    assert.equal(await textOf(page, 'lr-now'), '0.01', 'it trains on at the decayed rate');
    assert.deepEqual(await axeViolations(page), [], 'during a run');
    await page.keyboard.press('Enter'); // Pause
    await page.waitForFunction(() => /^Paused/.test(document.getElementById('status')?.textContent ?? ''));
    assert.equal(await focused(page), 'resume');
    await page.keyboard.press('Enter'); // Resume
    await page.waitForFunction(() => /^Training/.test(document.getElementById('status')?.textContent ?? ''));
    assert.equal(await focused(page), 'pause');
  });

  test('Train (new run) asks first and says what is lost; Keep training keeps the run', async () => {
    const id = await runId(page);
    await page.click('#train');
    const dialog = page.locator('#confirm-new');
    await dialog.waitFor({ state: 'visible' });
    assert.match(await textOf(page, 'confirm-new-text'), /The current run \(wavenet76k, step [\d,]+ of 200,000\) stops/);
    assert.equal(await focused(page), 'confirm-keep', 'the safe answer has the focus');
    await page.click('#confirm-keep');
    await dialog.waitFor({ state: 'hidden' });
    const at = Number((await textOf(page, 'steps-done')).replace(/,/g, ''));
    await waitSteps(page, at + 200);
    assert.equal(await runId(page), id, 'the same run goes on');
    await page.click('#train');
    await page.click('#confirm-discard');
    await page.waitForFunction((b) => /** @type {any} */ (window).__mm.runId !== b, id);
  });

  test('a refused setting is marked at its field and beside Train, with what applies', async () => {
    await waitSteps(page, 500);
    await page.fill('#steps', '10');
    await page.locator('#steps').press('Enter');
    await page.waitForFunction(() => document.getElementById('steps')?.getAttribute('aria-invalid') === 'true');
    const msg = await textOf(page, 'steps-problem');
    assert.match(msg, /Not applied: Steps must be at least the [\d,]+ steps done\. The run goes on with 200,000\./);
    assert.equal(await page.getAttribute('#steps', 'aria-describedby'), 'steps-problem');
    assert.equal(await textOf(page, 'train-error'), msg, 'beside Train too');
    assert.ok(await page.isVisible('#train-error'));
    await page.fill('#steps', '200000');
    await page.locator('#steps').press('Enter');
    await page.waitForFunction(() => !document.getElementById('steps')?.hasAttribute('aria-invalid'));
    // a refused Train: the field the core names
    await page.click('#pause');
    await waitText(page, /^Paused/);
    await page.fill('#batchSize', '1');
    await page.click('#train');
    await page.click('#confirm-discard');
    await page.waitForFunction(() => document.getElementById('batchSize')?.getAttribute('aria-invalid') === 'true');
    assert.match(await textOf(page, 'batchSize-problem'), /Not started: .*batch size 1/i);
    assert.match(await textOf(page, 'status'), /Not started: .*batch size 1.*The current run goes on\./i);
    assert.match(await textOf(page, 'train-error'), /batch size 1/i);
    await page.fill('#batchSize', '32');
    assert.equal(await page.getAttribute('#batchSize', 'aria-invalid'), null, 'editing the field clears its mark');
  });

  test('"Model, drawn" shows the running model, the form\'s as a labelled preview; labels of 12 px at least', async () => {
    const run = await page.evaluate(() => /** @type {any} */ (window).__mm.runId);
    assert.ok(run);
    await page.fill('#nEmbd', '10');
    await page.waitForFunction(() => /another model/.test(document.getElementById('mv-which')?.textContent ?? ''));
    assert.match(await textOf(page, 'mv-which'), /The model of the current run: wavenet76k \(76,579 parameters\)/);
    assert.equal(await textOf(page, 'mv-total'), '76,579');
    await page.click('#mv-toggle');
    assert.match(await textOf(page, 'mv-which'), /^Preview: the form's model/);
    assert.notEqual(await textOf(page, 'mv-total'), '76,579');
    await page.click('#mv-toggle');
    assert.equal(await textOf(page, 'mv-total'), '76,579');
    const smallest = await page.evaluate(() => Math.min(...[...document.querySelectorAll('#mv-tree text')].map((t) =>
      parseFloat(getComputedStyle(t).fontSize) * (/** @type {SVGGraphicsElement} */ (t).getScreenCTM()?.a ?? 0))));
    assert.ok(smallest >= 12, `smallest label ${smallest.toFixed(1)} px`);
    await page.selectOption('#preset', 'wavenet76k');
  });

  test('Reset clears the page and keeps the saved model: Restore it brings it back', async () => {
    // the run was saved when it paused; it trains on, and Reset comes between two saves
    const paused = Number((await textOf(page, 'steps-done')).replace(/,/g, ''));
    await page.click('#resume');
    await waitSteps(page, paused + 300);
    await page.click('#reset');
    await waitText(page, /^Reset: the run was cleared from the page\. The model stays saved in this browser/);
    await page.locator('#restore-saved').waitFor({ state: 'visible' });
    await page.click('#restore-saved');
    await waitText(page, /^Restored model/);
    const restored = Number((await textOf(page, 'steps-done')).replace(/,/g, ''));
    assert.ok(restored >= paused + 300, `restored at step ${restored}: the steps trained before Reset are kept (paused at ${paused})`);
    assert.match(await textOf(page, 'store-info'), new RegExp(`step ${restored.toLocaleString('en-US')}\\)`));
    assert.ok(await page.isHidden('#restore-saved'));
    // Forget it, then Reset: nothing is saved again, and the page says so
    await page.click('#forget');
    await waitText(page, /^Nothing is saved in this browser now/, 'store-info');
    await page.click('#reset');
    await waitText(page, /^Reset: the run was cleared from the page\. Press Train to start a new run\.$/);
    await page.waitForTimeout(500);
    assert.ok(await page.isHidden('#restore-saved'), 'nothing to restore');
    assert.match(await textOf(page, 'store-info'), /^Nothing is saved in this browser now/);
  });

  test('the sampling settings survive a reload', async () => {
    await page.fill('#s-temp', '0.7');
    await page.fill('#s-count', '5');
    await page.locator('#s-count').dispatchEvent('change');
    await page.locator('#s-temp').dispatchEvent('change');
    await page.reload();
    await page.waitForFunction(() => document.getElementById('d-source')?.textContent === 'names.txt');
    assert.equal(await page.inputValue('#s-temp'), '0.7');
    assert.equal(await page.inputValue('#s-count'), '5');
    assert.deepEqual(errors, []);
  });

  test('Train (new run) during a sweep says the sweep stops; Keep training keeps it', async () => {
    await page.selectOption('#preset', 'mlp3');
    await page.selectOption('#lab-key1', 'nEmbd');
    await page.fill('#lab-values1', '8, 10');
    await page.fill('#lab-lecture-steps', '200000');
    await page.selectOption('#lab-lanes', '1');
    await page.click('#lab-run-sweep');
    await waitSteps(page, 200);
    await page.click('#train');
    await page.locator('#confirm-new').waitFor({ state: 'visible' });
    assert.match(await textOf(page, 'confirm-new-text'), /The sweep “[^”]+” stops after 0 of its 2 runs/);
    await page.click('#confirm-keep');
    const at = Number((await textOf(page, 'steps-done')).replace(/,/g, ''));
    await waitSteps(page, at + 200);
    assert.ok(await page.isEnabled('#lab-stop'), 'the sweep goes on');
    await page.click('#lab-stop'); // the sweep stops when this run ends: Reset ends it
    await page.click('#reset');
    await page.waitForFunction(() => /Sweep stopped/.test(document.getElementById('lab-status')?.textContent ?? ''));
    await page.selectOption('#preset', 'wavenet76k');
  });

  test('"Model, drawn" of a loaded model trained on another vocabulary: its own parameters, not the word list\'s', async () => {
    const { loadMakemore } = await import('../wasm/makemore.mjs');
    const mm = await loadMakemore({ engine: 'simd', threads: 1, wasmDir: new URL(`file://${WASM_DIR}/`) });
    const t = mm.createTrainer({ words: 'abc\nbca\ncab\nacb\nbac\ncba\n', preset: 'mlp3', steps: 5 });
    t.run(5);
    const bytes = t.saveModel();
    const params = t.numParams; // vocabulary 4 ('.', a, b, c): fewer than names.txt's 27 would give
    t.free();
    await page.locator('#model-input').setInputFiles({ name: 'abc.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });
    await waitText(page, /^Loaded /);
    await page.waitForFunction(() => /^The model of the current run/.test(document.getElementById('mv-which')?.textContent ?? ''));
    assert.equal(await textOf(page, 'mv-total'), params.toLocaleString('en-US'));
    await page.click('#load-names'); // the word list back, for what follows
    await page.waitForFunction(() => document.getElementById('d-source')?.textContent === 'names.txt');
  });

  test('at phone width (390x844): data, preset and Train in the first two screens; nothing overflows but in a scroll container', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await phone.goto(`${server.base}/web/`);
    await phone.waitForFunction(() => document.getElementById('d-source')?.textContent === 'names.txt' && !document.getElementById('mv-content')?.hidden);
    const ys = await phone.evaluate(() => Object.fromEntries(['train', 'load-names', 'paste', 'preset'].map((id) => [id, document.getElementById(id)?.getBoundingClientRect().bottom ?? 1e9])));
    for (const [id, y] of Object.entries(ys)) assert.ok(y <= 2 * 844, `${id} ends at y ${Math.round(y)}`);
    const over = await phone.evaluate(() => {
      const inScroller = (/** @type {Element} */ e) => {
        for (let a = e.parentElement; a && a !== document.body; a = a.parentElement)
          if (/(auto|scroll|hidden)/.test(getComputedStyle(a).overflowX) && a.getBoundingClientRect().right <= innerWidth + 0.5) return true;
        return false;
      };
      return [...document.querySelectorAll('body *')].filter((e) => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && (r.right > innerWidth + 0.5 || r.left < -0.5) && !inScroller(e);
      }).map((e) => `${e.tagName}#${e.id}.${e.className}`);
    });
    assert.deepEqual(over, []);
    assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= innerWidth));
    assert.ok(await phone.isVisible('#mv-scroll-hint'), 'the layer table says it scrolls sideways');
    assert.deepEqual(await axeViolations(phone), []);
    await phone.close();
  });
});
