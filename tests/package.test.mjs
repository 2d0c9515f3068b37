// package.test.mjs: the npm package as a user gets it. `npm pack` (package.json's files
// allowlist, the prepack check), `npm install --offline` of the tarball into a fresh empty
// project with an empty cache (scripts/pack-install.mjs), then from that project:
//   - the tarball: the three wasm modules, the API, the element, the trainer page, no tests/src/bench;
//   - the API imported by package name: 200 steps on every module, bitwise the repository's own
//     wasm/makemore.mjs (reproducible engine), the helper threads found inside the package;
//     sampling with topK;
//   - the CLI (node_modules/.bin/makemore-wasm) if bin/makemore-wasm.mjs exists;
//   - the element bundled by esbuild into a page that tells it where the wasm files are
//     (wasm-dir, generateNames' wasmDir, setWasmDir; loadMakemore's wasmDir and helperUrl), in
//     Chromium; and the package's own web/ pages served as a plain static copy.
// Needs build-wasm/ (the lead's build) and, for the browser part, /usr/bin/chromium.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, rmSync, readFileSync, writeFileSync, mkdirSync, copyFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, pack, installInto } from '../scripts/pack-install.mjs';
import { CHROMIUM, launchChromium } from './browser/harness.mjs';

const MODULES = ['makemore-relaxed.wasm', 'makemore-simd-threads.wasm', 'makemore-simd.wasm', 'makemore-scalar.wasm'];
const missing = MODULES.filter((f) => !existsSync(path.join(ROOT, 'build-wasm', f)));
const skip = missing.length ? `not built: build-wasm/${missing.join(', ')}` : false;
const RELAXED = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '-e', '1']).status === 0;
const NODE_FLAGS = RELAXED ? ['--experimental-wasm-relaxed-simd'] : [];

const work = mkdtempSync(path.join(tmpdir(), 'mm-package-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** @type {Promise<{tgz: string, entries: string[], project: string, pkgDir: string}>|null} */
let installed = null;
/** npm pack, then the tarball installed offline into a fresh project (once for every test). */
function setup() {
  installed ??= (async () => {
    const p = pack(path.join(work, 'pack'));
    const t = spawnSync('tar', ['-tzf', p.tgz], { encoding: 'utf8' });
    assert.equal(t.status, 0, t.stderr);
    const entries = t.stdout.split('\n').filter(Boolean).map((e) => e.replace(/^package\//, ''));
    const { project, pkgDir } = installInto(p.tgz, path.join(work, 'install'));
    return { tgz: p.tgz, entries, project, pkgDir };
  })();
  return installed;
}

/** Runs a module file in the project with Node. @param {string} project @param {string} file @param {string} code */
function runIn(project, file, code) {
  writeFileSync(path.join(project, file), code);
  const r = spawnSync(process.execPath, [...NODE_FLAGS, file], { cwd: project, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120000 });
  assert.equal(r.status, 0, `${file} failed:\n${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout);
}

/** @param {Float32Array} a @returns {number[]} the float32 bit patterns */
const bits = (a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const mean = (/** @type {number[]} */ a) => a.reduce((s, x) => s + x, 0) / a.length;
/** every symbol of names.txt (an independent reference for the vocabulary) */
const LETTERS = new Set(readFileSync(path.join(ROOT, 'data/names.txt'), 'utf8').replace(/\s/g, ''));
const inVocab = (/** @type {string} */ s) => [...s].every((c) => LETTERS.has(c));

test('npm pack: the tarball ships the modules, the API, the element and the pages, and nothing only the repository needs', { skip, timeout: 120000 }, async () => {
  const { entries, pkgDir } = await setup();
  for (const f of MODULES) assert.ok(entries.includes(`build-wasm/${f}`), `build-wasm/${f} in the tarball`);
  assert.deepEqual(entries.filter((e) => e.startsWith('build-wasm/')).sort(), MODULES.map((f) => `build-wasm/${f}`).sort(),
    'build-wasm/: the three modules only (no test or bench wasm, no CMake files)');
  for (const dir of ['tests/', 'src/', 'bench/', 'scripts/', '.ci/', 'build/', 'node_modules/'])
    assert.deepEqual(entries.filter((e) => e.startsWith(dir)), [], `nothing under ${dir}`);
  assert.deepEqual(entries.filter((e) => /\.(c|h|cmake|py|sh)$/.test(e) || e.endsWith('CMakeLists.txt')), [], 'no C sources, CMake or scripts');
  // what the API, the element, the trainer page and its worker load
  const must = ['package.json', 'README.md', 'wasm/makemore.mjs', 'wasm/helper.mjs', 'web/element/name-generator.js', 'web/index.html',
    'web/app.js', 'web/worker/main.js', 'web/style.css', 'web/example.html', 'web/vendor/uPlot.esm.js', 'web/vendor/uPlot.min.css',
    'web/vendor/uPlot.LICENSE', 'data/names.txt'];
  for (const f of must) assert.ok(entries.includes(f), `${f} in the tarball`);
  // every module of the JS API (wasm/api/, the entry imports them) and every web/ script of the repository (the page, the
  // worker, the lab and the element import them, from web/ and its folders shared/, page/, worker/, lab/, element/) ships,
  // with the lab's lecture (web/lab/lecture.json)
  for (const f of readdirSync(path.join(ROOT, 'wasm/api')).filter((n) => n.endsWith('.mjs'))) assert.ok(entries.includes(`wasm/api/${f}`), `wasm/api/${f}`);
  const scripts = readdirSync(path.join(ROOT, 'web'), { recursive: true }).map((n) => String(n).split(path.sep).join('/'))
    .filter((n) => /\.(m?js|json)$/.test(n) && !n.startsWith('vendor/') && !n.startsWith('models/'));
  for (const f of ['app.js', 'page/state.js', 'worker/main.js', 'worker/state.js', 'shared/bridge.js', 'lab/runner.js', 'lab/lecture.json', 'element/name-generator.js'])
    assert.ok(scripts.includes(f), `web/${f} is one of the repository's`);
  for (const f of scripts) assert.ok(entries.includes(`web/${f}`), `web/${f}`);
  assert.equal(entries.includes('web/models/names.safetensors'), existsSync(path.join(ROOT, 'web/models/names.safetensors')), 'the example model ships if it is built');
  assert.ok(entries.includes('bin/makemore-wasm.mjs'), 'the CLI ships');
  if (existsSync(path.join(ROOT, 'types'))) assert.ok(entries.some((e) => e.startsWith('types/')), 'the declarations ship');
  // the installed copies are the built ones, and the package pulls in nothing
  for (const f of MODULES)
    assert.ok(readFileSync(path.join(pkgDir, 'build-wasm', f)).equals(readFileSync(path.join(ROOT, 'build-wasm', f))), `installed ${f} = build-wasm/${f}`);
  const pj = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  assert.equal(pj.private, undefined, 'not private');
  assert.deepEqual(Object.keys(pj.dependencies ?? {}), [], 'no dependencies');
  assert.deepEqual(readdirSync(path.join(pkgDir, '..')).filter((n) => !n.startsWith('.')), ['makemore-wasm'], 'node_modules holds the package alone');
});

test('the API by package name: 200 steps on every module, bitwise the repository\'s run; the helper threads; topK sampling', { skip, timeout: 180000 }, async (t) => {
  const { project, pkgDir } = await setup();
  const engines = RELAXED ? ['relaxed', 'simd', 'scalar'] : ['simd', 'scalar'];
  const code = `
    import { loadMakemore } from 'makemore-wasm';
    import { readFileSync, writeFileSync } from 'node:fs';
    const pkg = new URL('./', import.meta.resolve('makemore-wasm/package.json'));
    const text = readFileSync(new URL('data/names.txt', pkg), 'utf8');
    const bits = (a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
    const out = { runs: [] };
    const auto = await loadMakemore();                     // the default: found next to the module
    out.auto = { engine: auto.engine, url: auto.wasmUrl, threads: auto.threads };
    await auto.close();
    for (const engine of ${JSON.stringify(engines)}) {
      const mm = await loadMakemore({ engine, threads: engine === 'relaxed' ? 2 : 1 });
      const t = mm.createTrainer({ words: text, preset: 'wavenet22k', seed: 42, reproducible: true });
      const losses = t.run(200);
      const run = { engine: mm.engine, url: mm.wasmUrl, threads: mm.threads, notes: mm.notes, numParams: t.numParams, bits: bits(losses) };
      try { t.sample({ count: 1, topK: -1 }); run.topK = false; } catch { run.topK = true; } // a bad topK is refused once topK exists
      if (run.topK) {
        run.top3 = t.sample({ count: 20, temperature: 1, topK: 3, seed: 5 });
        run.top1 = t.sample({ count: 5, temperature: 1, topK: 1, seed: 6 });
        run.greedy = t.sample({ count: 1, temperature: 0, seed: 6 })[0];
      }
      if (engine === 'simd') writeFileSync('model.safetensors', t.saveModel());
      out.runs.push(run);
      t.free();
      await mm.close();
    }
    console.log(JSON.stringify(out));
  `;
  const out = runIn(project, 'train.mjs', code);
  const pkgUrl = new URL('build-wasm/', `file://${pkgDir}/`).href;
  assert.ok(out.auto.url.startsWith(pkgUrl), `the default module is the package's: ${out.auto.url}`);
  assert.equal(out.auto.engine, engines[0]);

  // the reference: the same run from the repository's own wasm/makemore.mjs
  const { loadMakemore } = await import('../wasm/makemore.mjs');
  const mm = await loadMakemore({ threads: 1 });
  const text = readFileSync(path.join(ROOT, 'data/names.txt'), 'utf8');
  const ref = mm.createTrainer({ words: text, preset: 'wavenet22k', seed: 42, reproducible: true });
  const refLosses = ref.run(200);
  const refBits = bits(refLosses);
  const losses = Array.from(refLosses);
  assert.ok(losses.every(Number.isFinite), 'finite losses');
  assert.ok(Math.abs(losses[0] - Math.log(27)) < 0.3, `the first loss ${losses[0]} is near ln 27 (a near-uniform guess over 27 symbols)`);
  assert.ok(mean(losses.slice(150)) < mean(losses.slice(0, 50)) - 0.2, `decreasing: first 50 steps ${mean(losses.slice(0, 50))}, last 50 ${mean(losses.slice(150))}`);

  assert.deepEqual(out.runs.map((/** @type {any} */ r) => r.engine), engines);
  for (const r of out.runs) {
    assert.ok(r.url.startsWith(pkgUrl) && r.url.endsWith(`makemore-${r.engine}.wasm`), `${r.engine} from the package: ${r.url}`);
    assert.equal(r.numParams, 22397);
    assert.deepEqual(r.bits, refBits, `${r.engine}: 200 steps bitwise the repository's`);
  }
  const relaxed = out.runs.find((/** @type {any} */ r) => r.engine === 'relaxed');
  if (relaxed) assert.equal(relaxed.threads, 2, `helper threads from the package's wasm/helper.mjs (notes: ${relaxed.notes})`);

  assert.throws(() => ref.sample({ count: 1, topK: -1 }), /topK/, 'a bad topK is refused');
  await t.test('topK', () => {
    const top3 = ref.sample({ count: 20, temperature: 1, topK: 3, seed: 5 });
    const top1 = ref.sample({ count: 5, temperature: 1, topK: 1, seed: 6 });
    const greedy = ref.sample({ count: 1, temperature: 0, seed: 6 })[0];
    assert.ok(top3.every(inVocab) && top3.some((s) => s.length > 0), top3.join(' '));
    assert.deepEqual(top1, new Array(5).fill(greedy), 'topK 1 is the greedy name whatever the temperature');
    for (const r of out.runs) {
      assert.ok(r.topK, `${r.engine}: the package's API refuses a bad topK`);
      assert.deepEqual(r.top3, top3, `${r.engine}: topK 3 names are the repository's`);
      assert.deepEqual(r.top1, top1);
      assert.equal(r.greedy, greedy);
    }
  });
  ref.free();
  await mm.close();
});

test('the CLI: node_modules/.bin/makemore-wasm info and train', { skip, timeout: 180000 }, async () => {
  const { project } = await setup();
  const bin = path.join(project, 'node_modules/.bin/makemore-wasm');
  assert.ok(existsSync(bin), 'npm linked the CLI (package.json "bin")');
  /** @param {string[]} args */
  const run = (args) => {
    const r = spawnSync(bin, args, { cwd: project, encoding: 'utf8', timeout: 150000 });
    assert.equal(r.status, 0, `makemore-wasm ${args.join(' ')}:\n${r.stderr}${r.stdout}`);
    const lines = r.stdout.split('\n').filter((l) => l.trim());
    assert.ok(lines.length > 0, `makemore-wasm ${args.join(' ')} printed nothing`);
    return lines.map((l) => JSON.parse(l));
  };
  const info = run(['info', '--json']).at(-1);
  // the reference: the API, on the preset the CLI reports (the native CLI's default: mlp3)
  const { loadMakemore } = await import('../wasm/makemore.mjs');
  const mm = await loadMakemore({ threads: 1 });
  const ref = mm.createTrainer({ words: readFileSync(path.join(ROOT, 'data/names.txt'), 'utf8'), preset: info.preset ?? 'mlp3' });
  assert.equal(info.params, ref.numParams, JSON.stringify(info));
  assert.deepEqual(info.split, ref.splitSizes);
  ref.free();
  await mm.close();
  const train = run(['train', '--steps', '100', '--json']);
  const last = train.at(-1);
  assert.equal(last.steps, 100, JSON.stringify(last));
  assert.equal(last.params, info.params);
  for (const k of ['train_loss', 'val_loss', 'test_loss'])
    assert.ok(Number.isFinite(last[k]) && last[k] < Math.log(27), `${k} ${last[k]} is finite and below a uniform guess`);
  const steps = train.filter((o) => 'loss' in o && 'step' in o);
  for (const s of steps) assert.ok(Number.isFinite(s.loss), JSON.stringify(s));
});

/**
 * A static server of dir: COOP/COEP (cross-origin isolated, as scripts/serve.mjs), and a log.
 * @param {string} dir @returns {Promise<{base: string, log: {path: string, status: number}[], close: () => Promise<void>}>}
 */
function serveDir(dir) {
  const TYPES = /** @type {Record<string, string>} */ ({ '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript',
    '.css': 'text/css', '.wasm': 'application/wasm', '.txt': 'text/plain', '.json': 'application/json' });
  /** @type {{path: string, status: number}[]} */
  const log = [];
  const server = createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = path.join(dir, p);
    if (existsSync(file) && statSync(file).isDirectory()) file = path.join(file, 'index.html');
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cache-Control': 'no-store' };
    if (!file.startsWith(dir) || !existsSync(file)) {
      log.push({ path: p, status: 404 });
      res.writeHead(404, headers).end('not found');
      return;
    }
    log.push({ path: p, status: 200 });
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const a = /** @type {import('node:net').AddressInfo} */ (server.address());
    resolve({ base: `http://127.0.0.1:${a.port}`, log, close: () => new Promise((r) => server.close(() => r(undefined))) });
  }));
}

test('the element bundled by esbuild, told where the wasm files are; the package\'s pages as a static copy (Chromium)',
  { skip: skip || (!existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}`), timeout: 240000 }, async () => {
  const { project, pkgDir } = await setup();
  const model = path.join(project, 'model.safetensors'); // saved by the API test's run
  if (!existsSync(model)) runIn(project, 'model.mjs', `
    import { loadMakemore } from 'makemore-wasm';
    import { readFileSync, writeFileSync } from 'node:fs';
    const mm = await loadMakemore({ threads: 1 });
    const t = mm.createTrainer({ words: readFileSync('node_modules/makemore-wasm/data/names.txt', 'utf8'), preset: 'wavenet22k', seed: 42, reproducible: true });
    t.run(200);
    writeFileSync('model.safetensors', t.saveModel());
    console.log('{}');`);

  // the site: the bundle in app/, the wasm files (and the helper's modules: helper.mjs, makemore.mjs, api/) in static/wasm/
  const site = path.join(project, 'site');
  mkdirSync(path.join(site, 'static/wasm'), { recursive: true });
  for (const f of MODULES) copyFileSync(path.join(pkgDir, 'build-wasm', f), path.join(site, 'static/wasm', f));
  for (const f of ['helper.mjs', 'makemore.mjs']) copyFileSync(path.join(pkgDir, 'wasm', f), path.join(site, 'static/wasm', f));
  mkdirSync(path.join(site, 'static/wasm/api'));
  for (const f of readdirSync(path.join(pkgDir, 'wasm/api'))) copyFileSync(path.join(pkgDir, 'wasm/api', f), path.join(site, 'static/wasm/api', f));
  copyFileSync(model, path.join(site, 'model.safetensors'));
  copyFileSync(path.join(pkgDir, 'data/names.txt'), path.join(site, 'names.txt'));
  writeFileSync(path.join(project, 'entry.js'), `
    import { generateNames, setWasmDir } from 'makemore-wasm/element';
    import { loadMakemore } from 'makemore-wasm';
    window.mm = { generateNames, setWasmDir, loadMakemore };
  `);
  const esbuild = await import('esbuild');
  const built = await esbuild.build({ absWorkingDir: project, entryPoints: ['entry.js'], bundle: true, format: 'esm',
    platform: 'browser', outfile: 'site/app/bundle.js', logLevel: 'silent', metafile: true });
  assert.deepEqual(built.errors, []);
  const inputs = Object.keys(built.metafile.inputs);
  assert.ok(inputs.some((i) => i.includes('node_modules/makemore-wasm/web/element/name-generator.js')), `bundled from the package: ${inputs}`);
  assert.ok(!existsSync(path.join(project, 'build-wasm')), 'no wasm where the element would look by default (../../build-wasm/ from the bundle)');
  writeFileSync(path.join(site, 'index.html'), `<!doctype html><meta charset="utf-8"><title>bundle</title>
    <script type="module" src="app/bundle.js"></script>
    <name-generator id="attr" src="model.safetensors" wasm-dir="static/wasm/" count="8" temperature="0.8" seed="5"></name-generator>
    <name-generator id="nodir" src="model.safetensors" count="8" temperature="0.8" seed="5"></name-generator>`);

  // the reference: the repository's generateNames in Node on the same model bytes
  const { generateNames } = await import('../web/element/name-generator.js');
  const expected = await generateNames({ bytes: readFileSync(model), count: 8, temperature: 0.8, seed: 5 });
  assert.equal(expected.length, 8);
  assert.ok(expected.every(inVocab), expected.join(' '));
  const { loadMakemore } = await import('../wasm/makemore.mjs');
  const mmRef = await loadMakemore({ threads: 1 });
  const refT = mmRef.createTrainer({ words: readFileSync(path.join(ROOT, 'data/names.txt'), 'utf8'), preset: 'wavenet22k', seed: 42, reproducible: true });
  const refBits = bits(refT.run(30));
  refT.free();
  await mmRef.close();

  const server = await serveDir(project);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    /** @type {string[]} */
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${server.base}/site/`);
    const namesOf = (/** @type {string} */ sel) => page.evaluate((s) => /** @type {any} */ (document.querySelector(s)).names, sel);
    const errorOf = (/** @type {string} */ sel) => page.evaluate((s) => {
      const p = /** @type {any} */ (document.querySelector(s)).shadowRoot.querySelector('[part=error]');
      return p.hidden ? '' : p.textContent;
    }, sel);

    // wasm-dir: the names appear, and are the reference's (same model, same seed)
    await page.waitForFunction(() => /** @type {any} */ (document.querySelector('#attr')).names.length === 8, null, { timeout: 60000 });
    assert.deepEqual(await namesOf('#attr'), expected);
    // no wasm-dir, no setWasmDir: the default (../../build-wasm/ from the bundle, site/app/bundle.js) is not there, and it says so
    await page.waitForFunction(() => !(/** @type {any} */ (document.querySelector('#nodir')).shadowRoot.querySelector('[part=error]').hidden), null, { timeout: 30000 });
    assert.match(await errorOf('#nodir'), /could not load the WebAssembly core from http:\/\/127\.0\.0\.1:\d+\/build-wasm\/ \(set wasm-dir or call setWasmDir.*HTTP 404/);
    // generateNames' wasmDir, then setWasmDir for every element without wasm-dir
    const viaOption = await page.evaluate(() => /** @type {any} */ (window).mm.generateNames({ src: 'model.safetensors', wasmDir: 'static/wasm/', count: 8, temperature: 0.8, seed: 5 }));
    assert.deepEqual(viaOption, expected);
    const viaSetter = await page.evaluate(() => new Promise((resolve) => {
      const w = /** @type {any} */ (window);
      w.mm.setWasmDir('static/wasm/');
      const el = document.createElement('name-generator');
      el.addEventListener('names', (e) => resolve(/** @type {any} */ (e).detail.names));
      el.addEventListener('error', (e) => resolve({ error: /** @type {any} */ (e).detail.message }));
      for (const [k, v] of Object.entries({ src: 'model.safetensors', count: '8', temperature: '0.8', seed: '5' })) el.setAttribute(k, v);
      document.body.append(el);
    }));
    assert.deepEqual(viaSetter, expected, 'setWasmDir');

    // the API from the bundle on 2 threads: helperUrl names the helper (and the makemore.mjs and api/ it imports)
    const threaded = await page.evaluate(async () => {
      const w = /** @type {any} */ (window);
      const dir = new URL('static/wasm/', location.href);
      const text = await (await fetch('names.txt')).text();
      const m = await w.mm.loadMakemore({ wasmDir: dir, helperUrl: new URL('helper.mjs', dir), threads: 2 });
      const t = m.createTrainer({ words: text, preset: 'wavenet22k', seed: 42, reproducible: true });
      const l = t.run(30);
      const r = { engine: m.engine, threads: m.threads, notes: m.notes, bits: Array.from(new Uint32Array(l.buffer)) };
      t.free();
      await m.close();
      // without helperUrl the helper is looked for next to the bundle: one thread, and a note says why
      const m1 = await w.mm.loadMakemore({ wasmDir: dir, threads: 2 });
      const without = { threads: m1.threads, notes: m1.notes };
      await m1.close();
      return { ...r, without };
    });
    assert.equal(threaded.engine, 'relaxed', `Chromium runs the relaxed module (notes: ${threaded.notes})`);
    assert.equal(threaded.threads, 2, `helper threads from helperUrl (notes: ${threaded.notes})`);
    assert.deepEqual(threaded.bits, refBits, '30 steps in the bundle on 2 threads: bitwise the repository\'s');
    assert.equal(threaded.without.threads, 1);
    assert.match(threaded.without.notes.join(' '), /helper threads did not start/);
    const wasmFetched = server.log.filter((r) => r.path.endsWith('.wasm'));
    assert.ok(wasmFetched.length > 0 && wasmFetched.every((r) => r.path.startsWith('/site/static/wasm/') || r.status === 404), JSON.stringify(wasmFetched));

    // the package as a plain static copy: its example page and trainer page, unchanged
    const pkgWeb = `${server.base}/node_modules/makemore-wasm/web/`;
    if (existsSync(path.join(pkgDir, 'web/models/names.safetensors'))) {
      await page.goto(`${pkgWeb}example.html`);
      await page.waitForFunction(() => /** @type {any} */ (document.querySelector('name-generator')).names.length === 10, null, { timeout: 60000 });
      const shown = await namesOf('name-generator');
      assert.ok(shown.every(inVocab) && shown.some((/** @type {string} */ s) => s.length > 1), shown.join(' '));
    }
    const before = server.log.length;
    await page.goto(`${pkgWeb}index.html`);
    const nWords = readFileSync(path.join(ROOT, 'data/names.txt'), 'utf8').split('\n').filter((l) => l.trim()).length.toLocaleString('en-US');
    await page.waitForFunction((n) => document.getElementById('status')?.textContent?.startsWith(`Loaded names.txt: ${n} words.`) && document.getElementById('d-source')?.textContent === 'names.txt', nWords, { timeout: 60000 })
      .catch(async (e) => {
        const shown = await page.evaluate(() => ['status', 'd-source', 'data-error'].map((id) => `${id}: ${document.getElementById(id)?.textContent}`).join('; '));
        throw new Error(`the trainer page from the package did not get ready (${shown}; requests: ${JSON.stringify(server.log.slice(before))}): ${e.message}`);
      });
    await page.waitForFunction(() => /Engine: WebAssembly relaxed SIMD/.test(document.getElementById('engine')?.textContent ?? ''), null, { timeout: 30000 });
    const failed = server.log.slice(before).filter((r) => r.status !== 200 && !r.path.endsWith('favicon.ico'));
    assert.deepEqual(failed, [], 'the trainer page finds every file it loads in the package');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});
