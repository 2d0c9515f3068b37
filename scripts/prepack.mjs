// prepack.mjs (npm's prepack: runs before `npm pack` and `npm publish`): refuses to
// pack without the three WebAssembly modules the package ships. It does not build
// them (that needs emscripten and clang-19: `npm run build`, or scripts/build-wasm.sh).
// Everything it says goes to stderr, so `npm pack --json` stays JSON.
import { existsSync, openSync, readSync, closeSync, statSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MODULES = ['makemore-relaxed.wasm', 'makemore-simd-threads.wasm', 'makemore-simd.wasm', 'makemore-scalar.wasm'];

/** @param {string} file @returns {string|null} why it is not a WebAssembly module, or null */
function notWasm(file) {
  if (!existsSync(file)) return 'missing';
  const st = statSync(file);
  if (!st.isFile()) return 'not a file';
  const head = Buffer.alloc(8);
  const fd = openSync(file, 'r');
  const n = readSync(fd, head, 0, 8, 0);
  closeSync(fd);
  if (n < 8 || head.readUInt32LE(0) !== 0x6d736100) return `not a WebAssembly module (${st.size} bytes, no \\0asm header)`;
  if (head.readUInt32LE(4) !== 1) return `WebAssembly version ${head.readUInt32LE(4)}, not 1`;
  return null;
}

const problems = [];
for (const name of MODULES) {
  const why = notWasm(path.join(ROOT, 'build-wasm', name));
  if (why) problems.push(`build-wasm/${name}: ${why}`);
}
if (problems.length) {
  console.error(`prepack: the package ships the WebAssembly modules, and they are not built:\n  ${problems.join('\n  ')}\n` +
    'Build them first (npm run build, or bash scripts/build-wasm.sh: needs emscripten and clang-19; scripts/setup.sh installs them), then pack again.');
  process.exit(1);
}

// Not fatal: a module older than the C sources it is built from may be stale.
const newest = (/** @type {string} */ dir) =>
  readdirSync(path.join(ROOT, dir)).filter((f) => /\.(c|h)$/.test(f))
    .map((f) => ({ f: `${dir}/${f}`, t: statSync(path.join(ROOT, dir, f)).mtimeMs }));
const sources = [...newest('src'), ...newest('wasm')].sort((a, b) => b.t - a.t);
for (const name of MODULES) {
  const t = statSync(path.join(ROOT, 'build-wasm', name)).mtimeMs;
  if (sources.length && sources[0].t > t) console.error(`prepack: note: build-wasm/${name} is older than ${sources[0].f}; rebuild if it changed since (npm run build)`);
}
if (!existsSync(path.join(ROOT, 'web/models/names.safetensors')))
  console.error('prepack: note: no web/models/names.safetensors (scripts/train-example-model.sh): web/example.html ships without its model');
