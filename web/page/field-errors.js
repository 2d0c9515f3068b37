// page/field-errors.js: a setting the page or the core refused is marked at its field: aria-invalid,
// and the reason in a line under it (the field's description for a screen reader), until the field
// is edited or the setting is applied. The Train button's own line (#train-error, beside it) says it too.
import { $ } from './dom.js';

/** @param {string} id the field's input @param {string} text why its value was refused (and what applies instead) */
export function markField(id, text) {
  const input = $(id);
  if (!input) return;
  const msgId = `${id}-problem`;
  let p = document.getElementById(msgId);
  if (!p) {
    p = document.createElement('p');
    p.id = msgId;
    p.className = 'field-error';
    (input.closest('.field') ?? input.parentElement).append(p);
  }
  p.textContent = text;
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', msgId);
}

/** @param {string} id the field's input: no longer marked */
export function clearField(id) {
  const input = $(id);
  if (!input || !input.hasAttribute('aria-invalid')) return;
  input.removeAttribute('aria-invalid');
  input.removeAttribute('aria-describedby');
  document.getElementById(`${id}-problem`)?.remove();
}

/** @param {string[]} [ids] these fields (default: every marked one) no longer marked */
export function clearFields(ids) {
  const marked = ids ?? [...document.querySelectorAll('[aria-invalid="true"]')].map((e) => e.id);
  for (const id of marked) clearField(id);
}
