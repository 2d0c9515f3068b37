// element/name-generator.js: an embeddable generator of names from a makemore-wasm model file.
//
//   <script type="module" src="web/element/name-generator.js"></script>
//   <name-generator src="models/names.safetensors" count="10" temperature="0.8" prefix="" seed=""></name-generator>
//
// The element loads the WebAssembly core (wasm/makemore.mjs with wasm/api/, and build-wasm/*.wasm,
// found relative to this module, or where wasm-dir says) and the model file (src, relative to the page),
// shows `count` sampled names and a "More names" button. Changing an attribute
// re-renders. A bad src or attribute shows a message inside the element; nothing
// is thrown at the host page. Names are shown as text only (textContent).
//   src          model file URL (required): a safetensors file from makemore-wasm
//   count        names per batch, 0..1000 (default 10)
//   temperature  softmax temperature, 0 (greedy) .. 100 (default 1)
//   top-k        sample among the k likeliest characters only, 0..1024 (default 0: all)
//   top-p        then among the likeliest holding this share of the probability, (0, 1] (default 1: all)
//   prefix       every name starts with it (characters of the model's vocabulary)
//   seed         a whole number: the same attributes give the same names (the first batch those of
//                the CLI's `makemore sample --seed S`, batch k drawn as the core's sampling seed
//                rule's stream k: mm_sample_seed in src/makemore.h); empty: random
//   wasm-dir     the folder of the .wasm files (makemore-relaxed/-simd/-scalar.wasm), relative
//                to the page; default: ../../build-wasm/ relative to this module (web/element/),
//                where the repository and the npm package have them. A bundler (esbuild, Vite, webpack)
//                moves this module into its bundle and copies no .wasm: copy
//                node_modules/makemore-wasm/build-wasm/*.wasm to your site and name that
//                folder here, or once for every element with setWasmDir(url).
// It fires a "names" event (detail: { names }) after each render, and "error"
// (detail: { message }) when it shows an error. Style it with ::part(list),
// ::part(name), ::part(error), ::part(more).
//
// Without the element: generateNames({ src | bytes, count, temperature, topK, topP, prefix, seed, wasmDir })
// resolves to an array of names (also in Node, with bytes or a file: URL).
// setWasmDir(url): the folder of the .wasm files for every element and call that names none.
import { loadMakemore } from '../../wasm/makemore.mjs';

const MASK64 = (1n << 64n) - 1n;

/** the base of relative URLs: the page, or this module outside a page */
const baseUrl = () => (typeof document !== 'undefined' ? document.baseURI : import.meta.url);

/** @param {string|URL} dir @returns {URL} a folder URL (relative: to the page, or to this module outside a page) */
function folderUrl(dir) {
  let s = String(dir);
  if (!s.endsWith('/')) s += '/';
  try {
    return new URL(s, baseUrl());
  } catch {
    throw new TypeError(`wasm-dir "${dir}" is not a URL`);
  }
}

/** @type {URL|null} setWasmDir's folder */
let defaultWasmDir = null;

/**
 * Where the .wasm files are for every <name-generator> without a wasm-dir attribute and every
 * generateNames call without wasmDir (default: ../../build-wasm/ relative to this module).
 * @param {string|URL} dir a folder URL, relative to the page (outside a page: to this module)
 */
export function setWasmDir(dir) {
  defaultWasmDir = folderUrl(dir);
}

/** @param {string|URL|null|undefined} dir a wasm-dir attribute or wasmDir option @returns {URL} */
function wasmDirOf(dir) {
  if (dir !== undefined && dir !== null && dir !== '') return folderUrl(dir);
  if (defaultWasmDir) return defaultWasmDir;
  if (typeof import.meta.url !== 'string') // a non-ES bundle: nothing to find the files relative to
    throw new Error('no wasm-dir: this script has no import.meta.url to find build-wasm/ from; set the wasm-dir attribute or call setWasmDir(url)');
  return new URL('../../build-wasm/', import.meta.url);
}

/** @type {Map<string, Promise<import('../../wasm/makemore.mjs').Makemore>>} the WebAssembly core, loaded once per folder */
const makemores = new Map();
/** @param {URL} dir the folder of the .wasm files */
function getMakemore(dir) {
  let p = makemores.get(dir.href);
  if (!p) {
    p = loadMakemore({ wasmDir: dir, threads: 1 }).catch((e) => { // sampling needs no threads
      makemores.delete(dir.href); // let a later call try again
      throw new Error(`could not load the WebAssembly core from ${dir.href} (set wasm-dir or call setWasmDir where build-wasm/*.wasm are): ${e instanceof Error ? e.message : e}`);
    });
    makemores.set(dir.href, p);
  }
  return p;
}

/** @type {Map<string, Promise<import('../../wasm/makemore.mjs').Model>>} model files by wasm folder and absolute URL */
const models = new Map();

/** @param {URL} url @returns {Promise<Uint8Array>} */
async function fetchBytes(url) {
  if (url.protocol === 'file:' && typeof process !== 'undefined' && process.versions?.node) {
    const name = 'node:fs/promises'; // not a literal: a bundle for the browser must not try to resolve it
    const fs = /** @type {typeof import('node:fs/promises')} */ (await import(/* webpackIgnore: true */ /* @vite-ignore */ name));
    return new Uint8Array(await fs.readFile(url));
  }
  const r = await fetch(url);
  if (!r.ok) throw new Error(`could not fetch ${url.href}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** @param {URL} url a model file, loaded once and kept @param {URL} dir the folder of the .wasm files */
function getModel(url, dir) {
  const key = `${dir.href} ${url.href}`;
  let p = models.get(key);
  if (!p) {
    p = Promise.all([getMakemore(dir), fetchBytes(url)]).then(([mm, bytes]) => mm.loadModel(bytes, { reproducible: true }));
    p.catch(() => models.delete(key)); // a failure is not cached
    models.set(key, p);
  }
  return p;
}

/** @returns {bigint} a random 64-bit seed */
function randomSeed() {
  const a = new Uint32Array(2);
  globalThis.crypto.getRandomValues(a);
  return (BigInt(a[0]) << 32n) | BigInt(a[1]);
}

/**
 * Checks and normalises the options (the element's attributes or generateNames' arguments).
 * @param {{count?: unknown, temperature?: unknown, topK?: unknown, topP?: unknown, prefix?: unknown, seed?: unknown}} o
 * @returns {{count: number, temperature: number, topK: number, topP: number, prefix: string, seed: bigint|null}}
 */
function options(o) {
  const count = o.count === undefined || o.count === null || o.count === '' ? 10 : Number(o.count);
  if (!Number.isInteger(count) || count < 0 || count > 1000) throw new RangeError(`count must be a whole number from 0 to 1000, not "${o.count}"`);
  const temperature = o.temperature === undefined || o.temperature === null || o.temperature === '' ? 1 : Number(o.temperature);
  if (!(temperature >= 0 && temperature <= 100)) throw new RangeError(`temperature must be a number from 0 to 100, not "${o.temperature}"`);
  const topK = o.topK === undefined || o.topK === null || o.topK === '' ? 0 : Number(o.topK);
  if (!Number.isInteger(topK) || topK < 0 || topK > 1024) throw new RangeError(`top-k must be a whole number from 0 (all) to 1024, not "${o.topK}"`);
  const topP = o.topP === undefined || o.topP === null || o.topP === '' ? 1 : Number(o.topP);
  if (!(topP > 0 && topP <= 1)) throw new RangeError(`top-p must be a number above 0 and at most 1, not "${o.topP}"`);
  const prefix = o.prefix === undefined || o.prefix === null ? '' : String(o.prefix);
  if ([...prefix].length > 64) throw new RangeError('prefix is longer than 64 characters');
  let seed = null;
  if (o.seed !== undefined && o.seed !== null && o.seed !== '') {
    const s = String(o.seed).trim();
    if (!/^\d{1,20}$/.test(s) || BigInt(s) > MASK64) throw new RangeError(`seed must be a whole number from 0 to 2^64-1, not "${o.seed}"`);
    seed = BigInt(s);
  }
  return { count, temperature, topK, topP, prefix, seed };
}

/**
 * Names sampled from a model file.
 * @param {object} opts
 * @param {string|URL} [opts.src]     model file URL (relative to the page, or to this module outside a page)
 * @param {ArrayBuffer|ArrayBufferView} [opts.bytes] or the model file itself
 * @param {number} [opts.count]       default 10
 * @param {number} [opts.temperature] default 1
 * @param {number} [opts.topK]        default 0 (all characters)
 * @param {number} [opts.topP]        default 1 (all characters)
 * @param {string} [opts.prefix]      default ''
 * @param {number|bigint|string} [opts.seed] default: random
 * @param {string|URL} [opts.wasmDir] the folder of the .wasm files (as the wasm-dir attribute; default: setWasmDir's, or ../../build-wasm/ relative to this module)
 * @returns {Promise<string[]>}
 */
export async function generateNames(opts = {}) {
  const o = options(opts);
  const dir = wasmDirOf(opts.wasmDir);
  const seed = o.seed ?? randomSeed();
  // the core's sampling seed rule, stream 0: the names of the CLI's --seed
  const sampleOpts = { count: o.count, temperature: o.temperature, topK: o.topK, topP: o.topP, prefix: o.prefix, seed, stream: 0 };
  if (opts.bytes) {
    const mm = await getMakemore(dir);
    const model = mm.loadModel(opts.bytes, { reproducible: true });
    try {
      return model.sample(sampleOpts);
    } finally {
      model.free();
    }
  }
  if (!opts.src) throw new TypeError('generateNames needs src (a model file URL) or bytes');
  const model = await getModel(new URL(String(opts.src), baseUrl()), dir);
  return model.sample(sampleOpts);
}

const STYLE = `
:host { display: block; }
:host([hidden]) { display: none; }
ol { list-style: none; margin: 0 0 0.6em; padding: 0; min-height: 1.2em; }
li { padding: 0.1em 0; }
ol[aria-busy="true"] { opacity: 0.5; }
.error { color: #b3261e; margin: 0 0 0.6em; }
.error[hidden] { display: none; }
button { font: inherit; cursor: pointer; }
`;

const Base = /** @type {typeof HTMLElement} */ (typeof HTMLElement !== 'undefined' ? HTMLElement : class {});

/** <name-generator>: see the top of this file. */
export class NameGenerator extends Base {
  static get observedAttributes() {
    return ['src', 'count', 'temperature', 'top-k', 'top-p', 'prefix', 'seed', 'wasm-dir'];
  }

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent = STYLE;
    this._list = document.createElement('ol');
    this._list.setAttribute('part', 'list');
    this._list.setAttribute('aria-live', 'polite');
    this._error = document.createElement('p');
    this._error.className = 'error';
    this._error.setAttribute('part', 'error');
    this._error.setAttribute('role', 'alert');
    this._error.hidden = true;
    this._button = document.createElement('button');
    this._button.type = 'button';
    this._button.textContent = 'More names';
    this._button.setAttribute('part', 'more');
    this._button.addEventListener('click', () => {
      this._batch++;
      this._schedule();
    });
    root.append(style, this._list, this._error, this._button);
    this._batch = 0;
    this._token = 0;
    this._scheduled = false;
    /** the base seed when the seed attribute is empty: random, kept for the element's life */
    this._randomBase = randomSeed();
  }

  connectedCallback() {
    this._schedule();
  }

  attributeChangedCallback(/** @type {string} */ _name, /** @type {string|null} */ oldValue, /** @type {string|null} */ newValue) {
    if (oldValue === newValue) return;
    this._batch = 0;
    if (this.isConnected) this._schedule();
  }

  /** the names shown now */
  get names() {
    return Array.from(this._list.children, (li) => li.textContent ?? '');
  }

  /** Shows the next batch of names. */
  more() {
    this._batch++;
    this._schedule();
  }

  /** Several attribute changes in one task render once. */
  _schedule() {
    if (this._scheduled) return;
    this._scheduled = true;
    queueMicrotask(() => {
      this._scheduled = false;
      this._render().catch(() => {}); // _render reports its own errors
    });
  }

  async _render() {
    const token = ++this._token;
    this._list.setAttribute('aria-busy', 'true');
    this._button.disabled = true;
    try {
      const src = this.getAttribute('src');
      if (!src) throw new Error('no src attribute: set it to the URL of a model file');
      const o = options({
        count: this.getAttribute('count'),
        temperature: this.getAttribute('temperature'),
        topK: this.getAttribute('top-k'),
        topP: this.getAttribute('top-p'),
        prefix: this.getAttribute('prefix'),
        seed: this.getAttribute('seed'),
      });
      const model = await getModel(new URL(src, document.baseURI), wasmDirOf(this.getAttribute('wasm-dir')));
      if (token !== this._token) return; // a newer render took over
      const names = model.sample({
        count: o.count,
        temperature: o.temperature,
        topK: o.topK,
        topP: o.topP,
        prefix: o.prefix,
        seed: o.seed ?? this._randomBase,
        stream: this._batch, // batch k of one seed: the core's sampling seed rule's stream k
      });
      this._list.replaceChildren(
        ...names.map((n) => {
          const li = document.createElement('li');
          li.setAttribute('part', 'name');
          li.textContent = n;
          return li;
        }),
      );
      this._error.hidden = true;
      this._error.textContent = '';
      this._button.disabled = false;
      this.dispatchEvent(new CustomEvent('names', { detail: { names } }));
    } catch (e) {
      if (token !== this._token) return;
      const message = `Could not generate names: ${e instanceof Error ? e.message : String(e)}`;
      this._list.replaceChildren();
      this._error.textContent = message;
      this._error.hidden = false;
      this._button.disabled = false; // "More names" retries
      this.dispatchEvent(new CustomEvent('error', { detail: { message } }));
    } finally {
      if (token === this._token) this._list.removeAttribute('aria-busy');
    }
  }
}

if (typeof customElements !== 'undefined' && !customElements.get('name-generator')) {
  customElements.define('name-generator', NameGenerator);
}
