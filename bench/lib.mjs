// bench/lib.mjs: what the speed benchmarks share: running again under
// --experimental-wasm-relaxed-simd, their options, and a native CLI measurement.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { relaxedSimdSupported } from '../wasm/makemore.mjs';

/** Runs this script again with relaxed SIMD enabled (Node 20 needs the flag), then exits with its status. */
export function relaunchWithRelaxedSimd() {
  if (relaxedSimdSupported() || process.env.MM_SPEED_CHILD) return;
  const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, MM_SPEED_CHILD: '1' } });
  process.exit(r.status ?? 1);
}

const args = process.argv.slice(2);
/** @template T @param {string} name @param {T} def @returns {string|T} the argument after name, or def */
export const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
/** @param {string} name @returns {boolean} whether the flag is given */
export const flag = (name) => args.includes(name);

/**
 * Steps/s of the native CLI training preset at batch for about `seconds` (sized
 * from a probe of `probe` steps), or null without the CLI.
 * @param {string} cli @param {string} preset @param {number} batch @param {string[]} engine the CLI's engine flags
 * @param {number} seconds @param {number} [probe] @returns {number|null}
 */
export function nativeStepsPerSec(cli, preset, batch, engine, seconds, probe = 50) {
  if (!existsSync(cli)) return null;
  const run = (/** @type {number} */ steps) => cliStepsPerSec([cli], preset, batch, steps, engine);
  return run(Math.max(20, Math.round(run(probe) * seconds)));
}

/**
 * Steps/s of one `train` run of a CLI (the native one, or node with the Node CLI's script: command's
 * first element is run with the rest as its first arguments), as its --json line reports.
 * @param {string[]} command @param {string} preset @param {number} batch @param {number} steps
 * @param {string[]} flags more options (engine, threads, --data) @returns {number}
 */
export function cliStepsPerSec(command, preset, batch, steps, flags) {
  const r = spawnSync(command[0], [...command.slice(1), 'train', '--preset', preset, '--batch', String(batch), '--steps', String(steps),
    '--samples', '0', '--no-eval', '--json', ...flags], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command.join(' ')}: ${r.stderr}`);
  return JSON.parse(/** @type {string} */ (r.stdout.trim().split('\n').pop())).steps_per_sec;
}
