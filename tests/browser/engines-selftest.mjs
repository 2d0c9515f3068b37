// engines-selftest.mjs: tries engines.mjs's launchers on web/example.html and prints what each engine
// did, with timings (a script, not a node:test file: node --test runs *.test.mjs only).
//
//   node tests/browser/engines-selftest.mjs [firefox] [webkit] [chromium] [--lang=C.UTF-8] [--sab]
//     default: firefox webkit chromium; --lang and --sab are launchWebKit's options
import { launchChromium, serve } from './harness.mjs';
import { launchFirefox, launchWebKit, wrapChromium } from './engines.mjs';

const args = process.argv.slice(2);
const lang = args.find((a) => a.startsWith('--lang='))?.slice('--lang='.length);
const sab = args.includes('--sab');
const named = args.filter((a) => !a.startsWith('--'));
const engines = named.length ? named : ['firefox', 'webkit', 'chromium'];

/** @type {Record<string, () => Promise<import('./engines.mjs').Engine>>} */
const launchers = {
  firefox: launchFirefox,
  webkit: () => launchWebKit({ ...(lang ? { lang } : {}), sab }),
  chromium: async () => wrapChromium(await launchChromium()),
};

/** @template T @param {string} what @param {() => Promise<T>} fn @returns {Promise<T>} */
async function timed(what, fn) {
  const t = performance.now();
  const r = await fn();
  console.log(`  ${what}: ${Math.round(performance.now() - t)} ms`);
  return r;
}
const show = (/** @type {string} */ what, /** @type {unknown} */ v) => console.log(`  ${what}: ${JSON.stringify(v)}`);
// Page functions see nothing of this module: defineNames (run in the page after goto) makes the global
// names() they call there, the names the page's <name-generator> shows; the const below only types it.
const defineNames = () => {
  /** @type {any} */ (window).names = () => [...(document.getElementById('gen')?.shadowRoot?.querySelectorAll('[part=name]') ?? [])].map((li) => li.textContent ?? '');
};
/** @returns {string[]} */
const names = () => /** @type {any} */ (window).names();

const { base, stop } = await serve();
let failed = false;
try {
  for (const name of engines) {
    console.log(`${name}${name === 'webkit' ? ` (lang ${lang ?? 'default'}, sab ${sab})` : ''}`);
    const launch = launchers[name];
    if (!launch) throw new Error(`no engine ${name}`);
    const engine = await timed('launch', launch);
    try {
      show('version', engine.version);
      await timed('goto /web/example.html', () => engine.goto(`${base}/web/example.html`));
      await engine.eval(defineNames);
      show('page', await engine.eval(() => ({ ua: navigator.userAgent, lang: navigator.language, coi: crossOriginIsolated, sab: typeof SharedArrayBuffer, readyState: document.readyState })));
      show('async eval (2 * 21 after 50 ms)', await engine.eval((x) => new Promise((resolve) => setTimeout(() => resolve(2 * x), 50)), 21));
      const first = await timed('waitFor 10 names', () => engine.waitFor(() => names().length === 10 && names(), { timeout: 30000 }));
      show('names', first);
      await engine.click('name-generator >>> button');
      const more = await timed('click "More names", waitFor new names', () =>
        engine.waitFor((old) => { const n = names(); return n.length === 10 && n.join() !== old.join() && n; }, { timeout: 10000 }, first));
      show('names', more);
      await engine.fill('#prefix', 'ma');
      show('fill #prefix "ma", names', await engine.waitFor(() => { const n = names(); return n.length === 10 && n.every((s) => s.startsWith('ma')) && n; }, { timeout: 10000 }));
      await engine.eval(() => {
        const sel = document.body.appendChild(document.createElement('select'));
        sel.id = 'selftest';
        sel.innerHTML = '<option value="a">A</option><option value="b">B</option>';
        sel.addEventListener('change', () => { document.body.dataset.changed = sel.value; });
      });
      await engine.select('#selftest', 'b');
      show('select #selftest "b", change saw', await engine.eval(() => document.body.dataset.changed));
      try {
        await engine.waitFor((n) => n > 1, { timeout: 300 }, 1);
        show('waitFor timeout', 'did not throw!');
        failed = true;
      } catch (e) {
        show('waitFor timeout', e instanceof Error ? e.message : String(e));
      }
      try {
        await engine.eval(() => { throw new TypeError('thrown in the page'); });
      } catch (e) {
        show('eval that throws', e instanceof Error ? e.message : String(e));
      }
      await engine.eval(() => {
        console.error('selftest console.error');
        setTimeout(() => { throw new Error('selftest uncaught'); });
        Promise.reject(new Error('selftest unhandled rejection'));
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      show('errors', engine.errors);
    } catch (e) {
      failed = true;
      console.log(`  FAILED: ${e instanceof Error ? e.stack : e}`);
    } finally {
      await timed('close', () => engine.close());
    }
  }
} finally {
  stop();
}
process.exitCode = failed ? 1 : 0;
