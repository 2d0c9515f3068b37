// clis.mjs: what the tests of both CLIs share: where the builds are, the two CLIs (the Node one
// over build-wasm/, the native one in build/), and a run that must exit as expected.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const WASM_DIR = path.resolve(ROOT, process.env.MM_WASM_DIR ?? 'build-wasm');
export const BIN = path.join(ROOT, 'bin/makemore-wasm.mjs');
export const CLI = path.resolve(ROOT, process.env.MM_NATIVE_CLI ?? 'build/makemore');
export const noWasm = !existsSync(path.join(WASM_DIR, 'makemore-simd.wasm')) && `no wasm build in ${WASM_DIR}`;
export const noNative = !existsSync(CLI) && `no native CLI at ${CLI}`;

/** the two CLIs that are built, each as [name, command, arguments before the CLI's own] */
export const CLIS = /** @type {[string, string, string[]][]} */ ([
  ...(noWasm ? [] : [['makemore-wasm', process.execPath, [BIN]]]),
  ...(noNative ? [] : [['makemore', CLI, []]]),
]);

/**
 * Runs a CLI from ROOT (or o.cwd); asserts its exit status (o.status, default 0).
 * @param {[string, string, string[]]} cli @param {string[]} args @param {{cwd?: string, status?: number}} [o]
 */
export function run([name, cmd, pre], args, o = {}) {
  const r = spawnSync(cmd, [...pre, ...args], { cwd: o.cwd ?? ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(r.status, o.status ?? 0, `${name} ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return r;
}
