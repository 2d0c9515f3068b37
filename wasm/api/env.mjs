// api/env.mjs: what this JavaScript engine and context offer (feature probes, cores,
// shared memory), and the loader's helpers: URLs, the module's bytes, its imports.
// Used by loadMakemore (wasm/makemore.mjs), the helper threads (api/threads.mjs,
// wasm/helper.mjs) and nothing else.

/** SIMD feature probe: a module whose one function uses i8x16.splat and i8x16.popcnt. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);
/** Relaxed SIMD probe: () -> v128 returning f32x4.relaxed_madd of three v128.const zeros. */
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0,
  ...[0, 1, 2].flatMap(() => [253, 12, ...new Array(16).fill(0)]),
  253, 133, 2, 11,
]);

/** Pages (64 KiB) of the shared memory: the threaded modules' --initial-memory and --max-memory (wasm/fast.cmake). */
const SHARED_PAGES = { initial: 256, maximum: 32768 };

/** @returns {boolean} whether this engine runs WebAssembly SIMD (simd128). */
export function simdSupported() {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/** @returns {boolean} whether this engine runs relaxed SIMD (Node 20: node --experimental-wasm-relaxed-simd). */
export function relaxedSimdSupported() {
  try {
    return WebAssembly.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

/**
 * Why this engine cannot make a shared WebAssembly.Memory, which a threaded module imports (relaxed,
 * simd-threads), or null if it can. Making one is not yet threads: see sharedMemoryUnavailable.
 * @returns {string|null}
 */
export function sharedMemoryUnmade() {
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return null;
  } catch (e) {
    return `this engine makes no shared WebAssembly memory (${e instanceof Error ? e.message : e})`;
  }
}

/**
 * Why this context cannot have threads, or null if it can. Threads need a shared WebAssembly.Memory
 * that reaches the helper Workers: one the engine makes (sharedMemoryUnmade), on a page that may
 * share memory with its Workers (cross-origin isolated), that a Worker's postMessage takes. Not the
 * global SharedArrayBuffer, which may be missing where the rest works. Chromium makes shared
 * memories on any page but sends them only from an isolated one; WebKitGTK makes them and refuses
 * to send them unless its SharedArrayBuffer is on. Whether the Workers then start is the helpers'
 * own check (Makemore.setThreads).
 * @returns {string|null}
 */
export function sharedMemoryUnavailable() {
  const unmade = sharedMemoryUnmade();
  if (unmade) return unmade;
  if (/** @type {any} */ (globalThis).crossOriginIsolated === false)
    return 'the page is not cross-origin isolated (it needs the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  if (isNode || typeof MessageChannel === 'undefined') return null;
  // A port's postMessage clones as a Worker's does.
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const { port1, port2 } = new MessageChannel();
  try {
    port1.postMessage(memory);
    return null;
  } catch (e) {
    return `this browser makes a shared memory but cannot send it to a Worker (${e instanceof Error ? e.message : e})`;
  } finally {
    port1.close();
    port2.close();
  }
}

/** @returns {WebAssembly.Memory} a threaded module's shared memory (half the maximum if the engine refuses it all) */
export function sharedMemory() {
  try {
    return new WebAssembly.Memory({ ...SHARED_PAGES, shared: true });
  } catch {
    return new WebAssembly.Memory({ initial: SHARED_PAGES.initial, maximum: SHARED_PAGES.maximum / 2, shared: true });
  }
}

/** @returns {Promise<number>} the cores available to this context (at most 64) */
export async function availableCores() {
  let n = 1;
  if (isNode) {
    const os = /** @type {typeof import('node:os')} */ (await importNode('node:os'));
    n = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
  } else if (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) {
    n = navigator.hardwareConcurrency;
  }
  return Math.max(1, Math.min(64, n | 0));
}

export const isNode = typeof process !== 'undefined' && !!process.versions?.node;
/**
 * import() of a Node built-in, opaque to bundlers: a bundle for the browser must not
 * try to resolve node:fs and the like (these paths only run in Node).
 * @param {string} name @returns {Promise<any>}
 */
export const importNode = (name) => import(/* webpackIgnore: true */ /* @vite-ignore */ name);

/**
 * A URL relative to the API's entry module (wasm/makemore.mjs gives its import.meta.url: in a
 * bundle, the bundle's URL).
 * @param {string|URL} u @param {string} what the option it came from, for the error
 * @param {string|undefined} base the entry's import.meta.url
 */
export function fromHere(u, what, base) {
  try {
    return new URL(u, base);
  } catch {
    throw new TypeError(`${what} "${u}" is not a URL, or is relative and this module has no URL to resolve it against (import.meta.url is ${base}; bundled as a non-ES module?): give an absolute URL`);
  }
}

/** @param {URL} url @returns {Promise<BufferSource>} */
export async function readBytes(url) {
  if (isNode && url.protocol === 'file:') {
    const fs = /** @type {typeof import('node:fs/promises')} */ (await importNode('node:fs/promises'));
    try {
      return /** @type {BufferSource} */ (/** @type {unknown} */ (await fs.readFile(url)));
    } catch (e) {
      if (/** @type {any} */ (e)?.code !== 'ENOENT') throw e;
      throw Object.assign(new Error(`no WebAssembly module at ${decodeURIComponent(url.pathname)} (ENOENT: build it with npm run build, or point wasmDir / wasmUrl at the .wasm files)`), { code: 'ENOENT' });
    }
  }
  const r = await fetch(url);
  if (!r.ok) throw new Error(`could not fetch ${url}: HTTP ${r.status}`);
  return r.arrayBuffer();
}

/**
 * A WASI function the core may import: stubs (the core never prints or reads files; anything
 * that tries gets ENOSYS), exit as an error, and a clock.
 * @param {string} name @param {() => WebAssembly.Memory} memory @returns {Function}
 */
function wasiImport(name, memory) {
  const ENOSYS = 52;
  switch (name) {
    case 'proc_exit':
      return (/** @type {number} */ code) => {
        throw new Error(`makemore wasm called exit(${code})`);
      };
    case 'environ_sizes_get':
    case 'args_sizes_get':
      return (/** @type {number} */ a, /** @type {number} */ b) => {
        const v = new DataView(memory().buffer);
        v.setUint32(a, 0, true);
        v.setUint32(b, 0, true);
        return 0;
      };
    case 'environ_get':
    case 'args_get':
      return () => 0;
    case 'clock_time_get': // (id, precision: i64, out: *u64) -> errno; the core times its steps with it
      return (/** @type {number} */ _id, /** @type {bigint} */ _precision, /** @type {number} */ out) => {
        new DataView(memory().buffer).setBigUint64(out, BigInt(Math.round(performance.now() * 1e6)), true);
        return 0;
      };
    default:
      return () => ENOSYS;
  }
}

/**
 * Imports for a standalone module (Emscripten's or clang's): the memory it
 * imports (shared, for threads), memory-growth notice, a clock, and WASI
 * stubs (the core never prints or reads files; anything that tries gets ENOSYS).
 * Exported (by wasm/makemore.mjs) for wasm/helper.mjs only.
 * @param {WebAssembly.Module} module @param {() => WebAssembly.Memory} memory
 */
export function _wasmImports(module, memory) {
  /** @type {Record<string, Record<string, Function>>} */
  const imports = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind === 'memory' && imp.module === 'env' && imp.name === 'memory') {
      (imports.env ??= {}).memory = /** @type {any} */ (memory());
      continue;
    }
    if (imp.kind !== 'function') throw new Error(`makemore wasm: unexpected import ${imp.module}.${imp.name} (${imp.kind})`);
    const ns = (imports[imp.module] ??= {});
    let fn;
    if (imp.module === 'env' && imp.name === 'emscripten_notify_memory_growth') {
      fn = () => {}; // views are made afresh on each use
    } else if (imp.module === 'wasi_snapshot_preview1') {
      fn = wasiImport(imp.name, memory);
    } else {
      fn = () => {
        throw new Error(`makemore wasm: missing import ${imp.module}.${imp.name}`);
      };
    }
    ns[imp.name] = fn;
  }
  return imports;
}
