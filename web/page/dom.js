// page/dom.js: the trainer page's small DOM helpers. Text from word lists, samples and
// model files is only ever set with textContent.

/** @param {string} id @returns {any} the element */
export const $ = (id) => /** @type {any} */ (document.getElementById(id));
/** @param {number} n */
export const fmt = (n) => n.toLocaleString('en-US');

/** @param {string} id @param {string|null} text shows (or hides, for null) an error paragraph */
export function showError(id, text) {
  const el = $(id);
  el.hidden = !text;
  el.textContent = text ?? '';
}

/** @param {string} text the status line (not once the page failed to start: web/boot.js's reason stays) */
export function setStatus(text) {
  if (document.documentElement.dataset.startError) return;
  $('status').textContent = text;
}

/** Sets an element's text only if it differs (an unchanged text costs no layout). @param {string} id @param {string} text */
export function setText(id, text) {
  const el = $(id);
  if (el.textContent !== text) el.textContent = text;
}

/** @param {HTMLElement} from @param {HTMLElement} to keeps keyboard focus when a button disables itself */
export function moveFocus(from, to) {
  if (document.activeElement === from) to.focus();
}
