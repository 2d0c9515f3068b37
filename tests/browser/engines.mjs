// engines.mjs: two more browser engines for the browser tests, behind one small interface (Engine):
// Debian's Firefox ESR driven by puppeteer-core over WebDriver BiDi (no browser download), and WebKitGTK
// (Safari's engine) through WebKitWebDriver and its MiniBrowser under Xvfb, spoken to in W3C WebDriver
// over HTTP with Node's fetch. wrapChromium gives harness.mjs's Chromium the same interface.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const FIREFOX = process.env.MM_FIREFOX ?? '/usr/bin/firefox-esr';
export const WEBKIT_DRIVER = process.env.MM_WEBKIT_DRIVER ?? '/usr/bin/WebKitWebDriver';
const MULTIARCH = /** @type {Record<string, string>} */ ({ x64: 'x86_64', arm64: 'aarch64' })[process.arch] ?? process.arch;
// MiniBrowser comes with libwebkit2gtk-4.1-0 (a dependency of webkit2gtk-driver).
export const MINIBROWSER = process.env.MM_MINIBROWSER ?? `/usr/lib/${MULTIARCH}-linux-gnu/webkit2gtk-4.1/MiniBrowser`;

// Over puppeteer's own profile prefs (no updates, safebrowsing, telemetry...): a release build ignores
// services.settings.server and polls firefox.settings.services.mozilla.com for Remote Settings, unless
// MOZ_DISABLE_NONLOCAL_CONNECTIONS=1 (FIREFOX_ENV), which also refuses every non-local connection.
// This machine's network is closed.
export const FIREFOX_PREFS = { 'services.settings.server': 'data:,#remote-settings-dummy/v1' };
export const FIREFOX_ENV = { MOZ_DISABLE_NONLOCAL_CONNECTIONS: '1' };

const LOAD_TIMEOUT = 60000;
// A page function's longest run (eval; not waitFor's polls): puppeteer's protocolTimeout default, the same for WebKit.
const SCRIPT_TIMEOUT = 180000;
const VIEWPORT = { width: 1280, height: 1000 }; // as harness.mjs's openTrainer

/** @typedef {{timeout?: number, interval?: number}} WaitOptions timeout in ms (default 30000), interval between polls (default 100) */
/** @template T @typedef {Exclude<T, false | 0 | 0n | '' | null | undefined>} Truthy */

/**
 * One page of a browser, the same for every engine. Page functions are sent as their source
 * (fn.toString()): they see nothing of the test's scope; their arguments and result go as JSON.
 * @typedef {object} Engine
 * @property {'chromium'|'firefox'|'webkit'} name
 * @property {string} version the browser's version (WebKit: WebKitGTK's)
 * @property {(url: string) => Promise<void>} goto loads url; resolves after its load event
 * @property {<A extends unknown[], R>(fn: (...args: A) => R, ...args: A) => Promise<Awaited<R>>} eval
 *   runs fn(...args) in the page; a Promise it returns is awaited
 * @property {<A extends unknown[], R>(fn: (...args: A) => R, opts: WaitOptions, ...args: A) => Promise<Truthy<Awaited<R>>>} waitFor
 *   evaluates fn(...args) until its value is truthy and resolves to that; on timeout throws an Error
 *   naming fn and its last value (or error)
 * @property {(selector: string) => Promise<void>} click a real (trusted) click in the middle of the element
 * @property {(selector: string, value: string) => Promise<void>} fill sets an input's value, fires input and change
 * @property {(selector: string, value: string) => Promise<void>} select picks the option of a <select> by value, fires input and change
 * @property {string[]} errors the page's uncaught errors and console.error messages, as they come (Chromium,
 *   Firefox). WebKit: always empty: WebDriver classic has no events, and MiniBrowser's console-to-stdout
 *   setting is off in the ephemeral session it uses for automation
 * @property {() => Promise<void>} close ends the browser (and its driver and X server)
 */

// Selectors (click, fill, select) are CSS, and `a >>> b` finds b inside the open shadow root of a
// (e.g. 'name-generator >>> button'), as no engine's CSS reaches into one.
/** In the page: the element selector names. @param {string} selector @returns {Element} */
function pageFind(selector) {
  /** @type {ParentNode} */
  let root = document;
  /** @type {Element|null} */
  let el = null;
  for (const part of selector.split('>>>')) {
    el = root.querySelector(part.trim());
    if (!el) throw new Error(`no element matches ${JSON.stringify(selector)}`);
    root = el.shadowRoot ?? el;
  }
  return /** @type {Element} */ (el);
}

/** In the page. @param {typeof pageFind} find @param {string} selector @param {string} value */
function pageFill(find, selector, value) {
  const el = /** @type {HTMLInputElement} */ (find(selector));
  if (!('value' in el)) throw new Error(`${selector} has no value to fill`);
  el.focus();
  el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  el.dispatchEvent(new Event('change', { bubbles: true }));
}

/** In the page. @param {typeof pageFind} find @param {string} selector @param {string} value */
function pageSelect(find, selector, value) {
  const el = find(selector);
  if (!(el instanceof HTMLSelectElement)) throw new Error(`${selector} is not a <select>`);
  if (![...el.options].some((o) => o.value === value)) throw new Error(`${selector} has no option ${JSON.stringify(value)}`);
  el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  el.dispatchEvent(new Event('change', { bubbles: true }));
}

/** The expression that calls fn(...args) in the page. @param {Function|string} fn @param {unknown[]} args */
const call = (fn, args) => `(${fn})(...${JSON.stringify(args)})`;
const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));
const message = (/** @type {unknown} */ e) => (e instanceof Error ? e.message : String(e));
const brief = (/** @type {string} */ s) => (s.length > 200 ? s.slice(0, 200) + '…' : s);

/**
 * waitFor's loop, for every engine: sequential polls, never two evaluations at once.
 * @param {(expr: string) => Promise<any>} run @param {Function} fn @param {WaitOptions} opts @param {unknown[]} args
 * @returns {Promise<any>}
 */
async function poll(run, fn, { timeout = 30000, interval = 100 } = {}, args) {
  const expr = call(fn, args);
  const end = Date.now() + timeout;
  /** @type {unknown} */
  let last;
  /** @type {unknown} */
  let error = null;
  for (;;) {
    try {
      last = await run(expr);
      error = null;
      if (last) return last;
    } catch (e) {
      error = e; // e.g. the page is between documents: poll on, and tell if it lasts
    }
    if (Date.now() >= end) {
      const seen = error ? `error: ${message(error)}` : `value: ${JSON.stringify(last) ?? String(last)}`;
      throw new Error(`waitFor: not truthy after ${timeout} ms: ${brief(String(fn))}${args.length ? ` with ${brief(JSON.stringify(args))}` : ''}; last ${seen}`);
    }
    await sleep(interval);
  }
}

/**
 * An Engine from an engine's primitives: run evaluates an expression in the page (awaiting a Promise),
 * click clicks the element an expression evaluates to.
 * @param {{name: Engine['name'], version: string, errors: string[], run: (expr: string) => Promise<any>,
 *   goto: (url: string) => Promise<void>, click: (expr: string) => Promise<void>, close: () => Promise<void>}} e
 * @returns {Engine}
 */
function makeEngine(e) {
  const find = (/** @type {string} */ selector) => call(pageFind, [selector]);
  return {
    name: e.name,
    version: e.version,
    errors: e.errors,
    goto: e.goto,
    eval: (fn, ...args) => e.run(call(fn, args)),
    waitFor: (fn, opts, ...args) => poll(e.run, fn, opts, args),
    click: (selector) => e.click(find(selector)),
    fill: async (selector, value) => void (await e.run(`(${pageFill})(${pageFind}, ${JSON.stringify(selector)}, ${JSON.stringify(value)})`)),
    select: async (selector, value) => void (await e.run(`(${pageSelect})(${pageFind}, ${JSON.stringify(selector)}, ${JSON.stringify(value)})`)),
    close: e.close,
  };
}

/**
 * makeEngine's run, goto and click on a puppeteer or playwright page (the two have these calls in common).
 * @param {{evaluate: (expr: string) => Promise<any>, goto: (url: string, o: {waitUntil: 'load', timeout: number}) => Promise<unknown>,
 *   evaluateHandle: (expr: string) => Promise<{asElement: () => {click: () => Promise<void>}|null, dispose: () => Promise<void>}>}} page
 */
function pagePrimitives(page) {
  return {
    run: (/** @type {string} */ expr) => page.evaluate(expr),
    goto: async (/** @type {string} */ url) => void (await page.goto(url, { waitUntil: 'load', timeout: LOAD_TIMEOUT })),
    click: async (/** @type {string} */ expr) => {
      const handle = await page.evaluateHandle(expr);
      try {
        const el = handle.asElement();
        if (!el) throw new Error('not an element');
        await el.click();
      } finally {
        await handle.dispose();
      }
    },
  };
}

/**
 * Page errors and console errors of a puppeteer or playwright page into errors, an uncaught error as
 * "TypeError: message" (puppeteer's Error has that as its message; playwright's has name and message).
 * @param {{on: (event: any, handler: (x: any) => void) => unknown}} page @param {string[]} errors
 * @param {(e: unknown) => string} format
 */
function collectErrors(page, errors, format) {
  page.on('pageerror', (/** @type {unknown} */ e) => errors.push(format(e)));
  page.on('console', (/** @type {{type: () => string, text: () => string}} */ m) => void (m.type() === 'error' && errors.push(m.text())));
}

/**
 * Debian's Firefox ESR (FIREFOX, or MM_FIREFOX), headless, in a fresh profile (puppeteer makes one in
 * the temporary folder and removes it on close), driven by puppeteer-core over WebDriver BiDi.
 * @param {{prefs?: Record<string, unknown>}} [options] prefs: more about:config preferences (e.g.
 *   'javascript.options.wasm_relaxed_simd': false, a Firefox without relaxed SIMD)
 * @returns {Promise<Engine>}
 */
export async function launchFirefox({ prefs = {} } = {}) {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath: FIREFOX, headless: true, defaultViewport: VIEWPORT,
    extraPrefsFirefox: { ...FIREFOX_PREFS, ...prefs }, env: { ...process.env, ...FIREFOX_ENV }, protocolTimeout: SCRIPT_TIMEOUT,
  });
  try {
    const page = (await browser.pages())[0] ?? (await browser.newPage());
    await page.setViewport(VIEWPORT); // defaultViewport is for new pages, not the first tab
    /** @type {string[]} */
    const errors = [];
    collectErrors(page, errors, message);
    return makeEngine({
      name: 'firefox',
      version: (await browser.version()).replace(/^firefox\//, ''),
      errors,
      ...pagePrimitives(page),
      close: () => browser.close(),
    });
  } catch (e) {
    await browser.close();
    throw e;
  }
}

/**
 * harness.mjs's launchChromium browser as an Engine, on a new page (close closes the browser).
 * @param {import('playwright-core').Browser} browser @returns {Promise<Engine>}
 */
export async function wrapChromium(browser) {
  const page = await browser.newPage({ viewport: VIEWPORT });
  /** @type {string[]} */
  const errors = [];
  collectErrors(page, errors, String);
  return makeEngine({
    name: 'chromium',
    version: browser.version(),
    errors,
    ...pagePrimitives(page),
    close: () => browser.close(),
  });
}

/** A TCP port free on 127.0.0.1 now (WebKitWebDriver takes it right after). @returns {Promise<number>} */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

const SIGNALS = /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP']);

/** Whether a live process (not a zombie) is in process group pgid, from Linux's /proc. @param {number} pgid */
function groupAlive(pgid) {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

/**
 * Ends process group pgid, synchronously (it also runs in an exit handler): SIGTERM, which lets Xvfb
 * remove its /tmp/.X<n>-lock and socket (SIGKILL would leave them), then SIGKILL to what is left after 2 s.
 * @param {number} pgid
 */
function endGroup(pgid) {
  const signal = (/** @type {NodeJS.Signals} */ s) => {
    try {
      process.kill(-pgid, s);
      return true;
    } catch {
      return false; // no such group: all gone
    }
  };
  if (!signal('SIGTERM')) return;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (const end = Date.now() + 2000; groupAlive(pgid) && Date.now() < end; ) Atomics.wait(nap, 0, 0, 10);
  signal('SIGKILL');
}

// W3C WebDriver's key of an element reference in a result (execute returning a DOM element)
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

/**
 * WebKitGTK's MiniBrowser, through WebKitWebDriver (WEBKIT_DRIVER, MM_WEBKIT_DRIVER; the browser
 * MINIBROWSER, MM_MINIBROWSER) under `xvfb-run -a` (MiniBrowser has no headless mode), in an ephemeral
 * session (MiniBrowser's automation mode keeps nothing on disk). The driver, Xvfb and the browser are
 * one process group, ended on close, or at the latest when this process exits.
 *   lang  LANG of the browser (default en_US.UTF-8): WebKit's navigator.language comes from it (C.UTF-8
 *         gives "C"); the locale need not be installed (GTK warns, WebKit still says "en-US")
 *   sab   expose SharedArrayBuffer to cross-origin isolated pages, as Safari does (JSC_useSharedArrayBuffer=1).
 *         WebKitGTK does not by default: crossOriginIsolated is true and shared WebAssembly.Memory works,
 *         but there is no global SharedArrayBuffer (default false: the engine as it ships)
 * @param {{lang?: string, sab?: boolean}} [options]
 * @returns {Promise<Engine>}
 */
export async function launchWebKit({ lang = 'en_US.UTF-8', sab = false } = {}) {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mm-webkit-'));
  /** @type {NodeJS.ProcessEnv} */
  const env = { ...process.env, LANG: lang, ...(sab ? { JSC_useSharedArrayBuffer: '1' } : {}) };
  for (const name of ['LANGUAGE', 'LC_ALL', 'LC_MESSAGES']) delete env[name]; // they would win over LANG
  // -f: the X authority file in our folder, removed on close even if xvfb-run dies before its own cleanup
  // A screen larger than xvfb-run's 1280x1024, for a window of VIEWPORT plus MiniBrowser's toolbar
  const xvfb = ['-a', '-f', path.join(dir, 'Xauthority'), '-s', '-screen 0 1920x1200x24'];
  const child = spawn('xvfb-run', [...xvfb, WEBKIT_DRIVER, `--port=${port}`], {
    detached: true, // its own process group, to end it whole
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  // unref'd: a test that forgets close still ends (and the exit handler below ends the group)
  child.unref();
  for (const stream of [child.stdout, child.stderr]) /** @type {import('node:net').Socket} */ (stream).unref();
  let output = ''; // the driver's and browser's output, for the errors (GTK's locale warning is the usual)
  const keep = (/** @type {Buffer} */ d) => void (output = (output + d).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  /** @type {number|null} */
  let exitCode = null;
  child.on('exit', (code, signal) => void (exitCode = code ?? (signal ? 128 : 1)));
  const lastResort = () => {
    endGroup(/** @type {number} */ (child.pid));
    rmSync(dir, { recursive: true, force: true });
  };
  // The group is detached, so a Ctrl+C reaches only this process: end the group, then die of the signal.
  const onSignal = (/** @type {NodeJS.Signals} */ signal) => {
    lastResort();
    process.kill(process.pid, signal);
  };
  process.on('exit', lastResort);
  for (const signal of SIGNALS) process.once(signal, onSignal);

  const base = `http://127.0.0.1:${port}`;
  /** @type {string|null} */
  let session = null;
  /** @param {string} method @param {string} route @param {unknown} [body] @param {AbortSignal} [signal] */
  async function wd(method, route, body, signal) {
    const res = await fetch(base + route, {
      method, signal,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = /** @type {any} */ (await res.json().catch(() => null));
    if (!res.ok) {
      const command = session ? route.replace(`/session/${session}`, '') : route;
      throw new Error(`WebDriver ${method} ${command || '/session'}: ${json?.value?.error ?? res.status}: ${json?.value?.message ?? ''}`);
    }
    return json?.value;
  }
  const inSession = (/** @type {string} */ route) => `/session/${session}${route}`;

  let closed = false;
  async function close() {
    if (closed) return;
    closed = true;
    if (session) await wd('DELETE', inSession(''), undefined, AbortSignal.timeout(3000)).catch(() => {}); // MiniBrowser quits
    lastResort();
    process.off('exit', lastResort);
    for (const signal of SIGNALS) process.off(signal, onSignal);
  }

  try {
    for (const start = Date.now(); ; await sleep(50)) {
      if (exitCode !== null) throw new Error(`xvfb-run WebKitWebDriver exited (${exitCode})`);
      if (Date.now() - start > 20000) throw new Error('WebKitWebDriver did not answer in 20 s');
      if (await wd('GET', '/status').then(() => true, () => false)) break;
    }
    const created = await wd('POST', '/session', {
      capabilities: {
        alwaysMatch: {
          browserName: 'MiniBrowser', // what the driver reports for it; Safari or chrome match nothing
          pageLoadStrategy: 'normal',
          timeouts: { script: SCRIPT_TIMEOUT, pageLoad: LOAD_TIMEOUT },
          'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
        },
      },
    });
    session = /** @type {string} */ (created.sessionId);
    /** @param {string} expr */
    const run = (expr) => wd('POST', inSession('/execute/sync'), { script: `return ${expr};`, args: [] }); // awaits a returned Promise
    // the window's size is the viewport's plus the toolbar's
    const toolbar = await run(call(() => outerHeight - innerHeight, []));
    await wd('POST', inSession('/window/rect'), { width: VIEWPORT.width, height: VIEWPORT.height + toolbar });
    return makeEngine({
      name: 'webkit',
      version: String(created.capabilities.browserVersion),
      errors: [],
      run,
      goto: async (url) => {
        await wd('POST', inSession('/url'), { url });
        // WebKitWebDriver can answer before the load event (readyState "interactive"): wait for it
        await poll(run, () => document.readyState === 'complete', { timeout: LOAD_TIMEOUT, interval: 20 }, []);
      },
      click: async (expr) => {
        const el = await run(expr);
        await wd('POST', inSession(`/element/${encodeURIComponent(el[ELEMENT])}/click`), {});
      },
      close,
    });
  } catch (e) {
    await close();
    throw new Error(`launchWebKit: ${message(e)}\n${output.trim()}`);
  }
}
