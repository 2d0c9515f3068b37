// The wasm SIMD kernels against their scalar twins (bitwise) and a double-precision
// reference: tests/test_kernels.c built as build-wasm/test_kernels_simd.wasm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const wasmDir = process.env.MM_WASM_DIR || path.join(root, 'build-wasm');

test('every SIMD kernel equals its scalar twin bitwise (wasm, -msimd128)', () => {
  const r = spawnSync(process.execPath, [path.join(root, 'wasm/run_wasi.mjs'), path.join(wasmDir, 'test_kernels_simd.wasm')],
    { encoding: 'utf8' });
  assert.equal(r.status, 0, `test_kernels_simd.wasm failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /SIMD/i, 'the wasm kernel test did not run its SIMD checks');
});
