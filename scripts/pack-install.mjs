// pack-install.mjs: the npm package as a user gets it, for tests/package.test.mjs and
// bench/package-size.mjs. `npm pack` of this repository (its prepack check included), then
// `npm install --offline` of the tarball into a fresh empty project with its own empty npm
// cache: nothing can come from the network or an earlier install.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The environment for npm: this process's without npm's own variables (under `npm test`
 * they name the repository's configuration), with a given cache.
 * @param {string} cache
 */
function npmEnv(cache) {
  /** @type {Record<string, string>} */
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^npm_/i.test(k)) env[k] = v;
  return { ...env, npm_config_cache: cache, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
}

/** @param {string[]} args @param {string} cwd @param {string} cache */
function npm(args, cwd, cache) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('npm', args, { cwd, env: npmEnv(cache), encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw new Error(`npm ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} (in ${cwd}) exited with ${r.status}:\n${r.stderr}${r.stdout}`);
  return { stdout: r.stdout, stderr: r.stderr, ms };
}

/**
 * npm pack into dir. @param {string} dir
 * @returns {{tgz: string, size: number, unpackedSize: number, files: {path: string, size: number}[], ms: number}}
 */
export function pack(dir) {
  mkdirSync(dir, { recursive: true });
  const r = npm(['pack', '--pack-destination', dir, '--json'], ROOT, path.join(dir, 'npm-cache-pack'));
  const start = r.stdout.indexOf('[');
  if (start < 0) throw new Error(`npm pack --json printed no JSON:\n${r.stdout}`);
  const [info] = JSON.parse(r.stdout.slice(start));
  return { tgz: path.join(dir, info.filename), size: info.size, unpackedSize: info.unpackedSize, files: info.files, ms: r.ms };
}

/**
 * A fresh project in dir with the tarball installed offline (its own empty cache).
 * @param {string} tgz @param {string} dir @returns {{project: string, pkgDir: string, ms: number, stdout: string}}
 */
export function installInto(tgz, dir) {
  const project = path.join(dir, 'project');
  mkdirSync(project, { recursive: true });
  writeFileSync(path.join(project, 'package.json'),
    JSON.stringify({ name: 'makemore-wasm-user', version: '1.0.0', private: true, type: 'module' }, null, 2) + '\n');
  const r = npm(['install', '--offline', '--no-audit', '--no-fund', tgz], project, path.join(dir, 'npm-cache'));
  return { project, pkgDir: path.join(project, 'node_modules', 'makemore-wasm'), ms: r.ms, stdout: r.stdout };
}
