// shared/errors.js: an error's message, for the page and the worker alike.

/** @param {unknown} e @returns {string} */
export const errText = (e) => (e instanceof Error ? e.message : String(e));
