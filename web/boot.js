// boot.js: the trainer page's first script. It loads web/app.js so that start-up cannot hang
// silently: any failure before the page is ready (a module that does not load or evaluate, the
// worker's module refused by this browser, an exception while the form is built) replaces
// "Loading…" with the reason, and a page still not ready after a minute says so.
import { fixNavigatorLocale } from './shared/locale.js';

const status = /** @type {HTMLElement} */ (document.getElementById('status'));
let ready = false;

/** Shows why the page did not start (the first reason only). @param {unknown} e */
function fail(e) {
  if (ready || document.documentElement.dataset.startError) return;
  const why = e instanceof Error ? e.message : String(e);
  document.documentElement.dataset.startError = why;
  status.textContent = `The page could not start: ${why}. Reload to try again; if it fails again, this browser cannot run the trainer.`;
  status.setAttribute('role', 'alert');
}

const onError = (/** @type {ErrorEvent} */ e) => fail(e.error ?? e.message);
const onRejection = (/** @type {PromiseRejectionEvent} */ e) => fail(e.reason);
addEventListener('error', onError);
addEventListener('unhandledrejection', onRejection);
const loading = status.textContent;
const slow = setTimeout(() => {
  if (!ready && !document.documentElement.dataset.startError && status.textContent === loading)
    status.textContent = 'Still loading after a minute: the page\'s worker has not answered. Reload to try again.';
}, 60000);

const replaced = fixNavigatorLocale();
if (replaced !== null) console.warn(`navigator.language "${replaced}" is not a language tag: using "${navigator.language}"`);

try {
  const app = await import('./app.js');
  await app.started;
  ready = true;
  document.documentElement.dataset.ready = '1';
} catch (e) {
  fail(e);
} finally {
  clearTimeout(slow);
  removeEventListener('error', onError);
  removeEventListener('unhandledrejection', onRejection);
}
