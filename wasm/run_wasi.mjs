// run_wasi.mjs: runs a standalone wasm program with main() (built with
// emcc -sSTANDALONE_WASM) under Node 20, with no dependencies.
//
//   node wasm/run_wasi.mjs prog.wasm [args...]
//
// Instantiates the module with WebAssembly.instantiate and a minimal
// wasi_snapshot_preview1 (fd_write to stdout/stderr, args, environ, clocks,
// proc_exit), calls _start, and exits with the program's exit code.
// Unknown imports are stubbed to throw a clear error if the program calls them.
import { readFileSync, writeSync } from "node:fs";

const [wasmPath, ...progArgs] = process.argv.slice(2);
if (!wasmPath) {
  console.error("usage: node run_wasi.mjs prog.wasm [args...]");
  process.exit(2);
}

class ProcExit extends Error {
  /** @param {number} code */
  constructor(code) { super(`proc_exit(${code})`); this.code = code; }
}

/** @type {WebAssembly.Memory|null} set once the module is instantiated */
let memory = null;
const u8 = () => new Uint8Array(/** @type {WebAssembly.Memory} */ (memory).buffer);
const dv = () => new DataView(/** @type {WebAssembly.Memory} */ (memory).buffer);
const enc = new TextEncoder();
const args = [wasmPath, ...progArgs].map((s) => enc.encode(s + "\0"));
const ESUCCESS = 0, EBADF = 8, ENOSYS = 52;

// Copies NUL-terminated strings into (ptrs, buf) as args_get/environ_get do.
/** @param {Uint8Array[]} list @param {number} ptrs @param {number} buf */
function putStrings(list, ptrs, buf) {
  const d = dv(), m = u8();
  for (const s of list) {
    d.setUint32(ptrs, buf, true);
    m.set(s, buf);
    ptrs += 4;
    buf += s.length;
  }
  return ESUCCESS;
}

// Every pointer, size and file descriptor is a number (wasm i32); i64 arguments are bigints.
const wasi = {
  /** @param {number} fd @param {number} iovs @param {number} iovsLen @param {number} nwritten */
  fd_write(fd, iovs, iovsLen, nwritten) {
    if (fd !== 1 && fd !== 2) return EBADF;
    const d = dv();
    let total = 0;
    for (let i = 0; i < iovsLen; i++) {
      const ptr = d.getUint32(iovs + 8 * i, true);
      const len = d.getUint32(iovs + 8 * i + 4, true);
      if (len) writeSync(fd, u8().subarray(ptr, ptr + len));
      total += len;
    }
    dv().setUint32(nwritten, total, true);
    return ESUCCESS;
  },
  /** @param {number} code @returns {never} */
  proc_exit(code) { throw new ProcExit(code); },
  /** @param {number} argc @param {number} bufSize */
  args_sizes_get(argc, bufSize) {
    dv().setUint32(argc, args.length, true);
    dv().setUint32(bufSize, args.reduce((n, s) => n + s.length, 0), true);
    return ESUCCESS;
  },
  /** @param {number} ptrs @param {number} buf */
  args_get(ptrs, buf) { return putStrings(args, ptrs, buf); },
  /** @param {number} count @param {number} bufSize */
  environ_sizes_get(count, bufSize) {
    dv().setUint32(count, 0, true);
    dv().setUint32(bufSize, 0, true);
    return ESUCCESS;
  },
  environ_get() { return ESUCCESS; },
  /** @param {number} id @param {number} res */
  clock_res_get(id, res) { dv().setBigUint64(res, 1000n, true); return ESUCCESS; },
  /** @param {number} id @param {bigint} precision @param {number} time */
  clock_time_get(id, precision, time) {
    // 0 = realtime, 1.. = monotonic / cpu clocks
    const ns = id === 0 ? BigInt(Date.now()) * 1000000n : process.hrtime.bigint();
    dv().setBigUint64(time, ns, true);
    return ESUCCESS;
  },
  fd_close() { return ESUCCESS; },
  /**
   * @param {number} fd @param {number|bigint} offsetLo @param {number} offsetHi @param {number} whence
   * @param {number} [newOffset]
   */
  fd_seek(fd, offsetLo, offsetHi, whence, newOffset) {
    // Accepts both the i64 (BigInt) and the legalized (lo, hi) signatures.
    const out = typeof offsetLo === "bigint" ? whence : newOffset;
    if (typeof out === "number") dv().setBigUint64(out, 0n, true);
    return ESUCCESS;
  },
  /** @param {number} fd @param {number} stat */
  fd_fdstat_get(fd, stat) {
    if (fd > 2) return EBADF;
    const d = dv();
    d.setUint8(stat, 2); // filetype: character device
    d.setUint16(stat + 2, 0, true);
    d.setBigUint64(stat + 8, 0n, true);
    d.setBigUint64(stat + 16, 0n, true);
    return ESUCCESS;
  },
  fd_read() { return ENOSYS; },
  /** @param {number} buf @param {number} len */
  random_get(buf, len) {
    const m = u8();
    for (let i = 0; i < len; i++) m[buf + i] = (Math.random() * 256) | 0;
    return ESUCCESS;
  },
};

const bytes = readFileSync(wasmPath);
const module = await WebAssembly.compile(bytes);
/** @type {Record<string, Record<string, Function>>} */
const imports = {};
for (const imp of WebAssembly.Module.imports(module)) {
  if (imp.kind !== "function") continue;
  imports[imp.module] ??= {};
  const known = imp.module === "wasi_snapshot_preview1" ? /** @type {Record<string, Function>} */ (wasi)[imp.name] : undefined;
  imports[imp.module][imp.name] = known ?? ((/** @type {unknown[]} */ ...a) => {
    throw new Error(`run_wasi: unimplemented import ${imp.module}.${imp.name}(${a.join(", ")})`);
  });
}
const instance = await WebAssembly.instantiate(module, imports);
memory = /** @type {WebAssembly.Memory} */ (instance.exports.memory);

let code = 0;
try {
  if (!instance.exports._start) throw new Error("run_wasi: the module exports no _start (build a program with main)");
  /** @type {() => void} */ (instance.exports._start)();
} catch (e) {
  if (e instanceof ProcExit) code = e.code;
  else { console.error(e); code = 1; }
}
process.exitCode = code;
