#!/usr/bin/env node
// bench/cli-speed.mjs: the Node CLI (bin/makemore-wasm.mjs) beside the native CLI
// (build/makemore): training steps per second of the same run, the fast engine (both
// CLIs' default) on the default threads (the cores), on 2 and on 1 thread, and the ratio.
//   node bench/cli-speed.mjs [--preset wavenet76k] [--steps 3000] [--rounds 3]
// Each run is `train --preset P --steps N --no-eval --samples 0 --json [--threads T]`;
// steps/s is what the CLI reports (the training loop's own time), and the wall time
// of the whole process (start-up, module load and, for the Node CLI run as plain
// `node`, its second process with --experimental-wasm-relaxed-simd) is shown beside
// it. The machine is shared and noisy: each cell is the best of R rounds, the runs
// taking turns within a round. Needs build/makemore and build-wasm/.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
/** @param {string} name @param {string} def */
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const preset = opt('--preset', 'wavenet76k');
const steps = opt('--steps', '3000');
const rounds = Number(opt('--rounds', '3'));
const native = path.join(root, 'build/makemore');
const bin = path.join(root, 'bin/makemore-wasm.mjs');
if (!existsSync(native)) throw new Error(`no native CLI at ${native} (build it first)`);

function cpuModel() {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (/** @type {string} */ k) => new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1].trim();
    const name = field('model name');
    if (name) return `${name} (family ${field('cpu family')} model ${field('model')})`;
  } catch {
    /* not Linux */
  }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

/** @param {string} cmd @param {string[]} a @returns {{sps: number, wall: number, engine: string, threads: number}} */
function run(cmd, a) {
  const t0 = performance.now();
  const r = spawnSync(cmd, a, { encoding: 'utf8', cwd: root });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${a.join(' ')}: exit ${r.status}\n${r.stderr}`);
  const j = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
  return { sps: j.steps_per_sec, wall, engine: j.engine, threads: j.threads };
}

const train = ['train', '--preset', preset, '--steps', steps, '--no-eval', '--samples', '0', '--json'];
const configs = [
  { name: 'default threads', extra: [] },
  { name: '--threads 2', extra: ['--threads', '2'] },
  { name: '--threads 1', extra: ['--threads', '1'] },
];
/** @type {Record<string, {native: any, node: any}>} */
const best = {};
const loadBefore = os.loadavg()[0];
for (let round = 0; round < rounds; round++) {
  for (const c of configs) {
    const n = run(native, [...train, ...c.extra]);
    const w = run(process.execPath, [bin, ...train, ...c.extra]);
    const b = (best[c.name] ??= { native: n, node: w });
    if (n.sps > b.native.sps) b.native = n;
    if (w.sps > b.node.sps) b.node = w;
  }
}

const lines = [
  `${preset}, ${steps} steps, --no-eval, fast engine (each CLI's default); best of ${rounds} rounds taken in turns`,
  `CPU: ${cpuModel()}, ${os.availableParallelism?.() ?? os.cpus().length} cores; Node ${process.version}`,
  `load average (1 min) before ${loadBefore.toFixed(2)}, after ${os.loadavg()[0].toFixed(2)} (this run's own processes count)`,
  'steps/s as each CLI reports it (the training loop); wall: seconds of the whole process',
  '',
  `${'threads'.padEnd(20)} | ${'native'.padStart(8)} ${'node CLI'.padStart(9)} ${'node/native'.padStart(11)} | ${'native wall'.padStart(11)} ${'node wall'.padStart(9)} | engines`,
];
for (const c of configs) {
  const { native: n, node: w } = best[c.name];
  lines.push(
    `${`${c.name} (${n.threads})`.padEnd(20)} | ${n.sps.toFixed(0).padStart(8)} ${w.sps.toFixed(0).padStart(9)} ${(w.sps / n.sps).toFixed(2).padStart(11)} | ` +
      `${n.wall.toFixed(2).padStart(11)} ${w.wall.toFixed(2).padStart(9)} | ${n.engine} / ${w.engine}, ${w.threads} thread${w.threads === 1 ? '' : 's'}`,
  );
}
console.log(lines.join('\n'));
