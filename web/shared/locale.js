// shared/locale.js: a language tag Intl accepts. A browser may report one it does not:
// WebKitGTK under LANG=C.UTF-8 says navigator.language is "C", and
// `new Intl.NumberFormat("C")` throws RangeError (the vendored uPlot does exactly that when
// it is imported, which once left the page at "Loading" for ever).

/**
 * navigator.language if Intl takes it, else the engine's default locale (always a valid tag).
 * @param {string|undefined} tag @returns {string}
 */
export function usableLocale(tag) {
  try {
    if (tag && Intl.getCanonicalLocales(tag).length) return tag;
  } catch {
    // not a language tag ("C", "POSIX", ""): fall through
  }
  return new Intl.NumberFormat().resolvedOptions().locale;
}

/**
 * Makes navigator.language a tag Intl accepts, for code that passes it on unchecked (the
 * vendored uPlot, web/vendor/, kept unchanged). Returns the tag it replaced, or null if it was fine.
 * @returns {string|null}
 */
export function fixNavigatorLocale() {
  const nav = globalThis.navigator;
  if (!nav) return null;
  const tag = usableLocale(nav.language);
  if (tag === nav.language) return null;
  const was = String(nav.language);
  Object.defineProperty(nav, 'language', { value: tag, configurable: true });
  Object.defineProperty(nav, 'languages', { value: Object.freeze([tag]), configurable: true });
  return was;
}
