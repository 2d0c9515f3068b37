#!/usr/bin/env node
// bench/zoo-speed.mjs: training speed of makemore.py's models (mlp, bow, rnn, gru, lstm at its settings:
// batches of 32 whole words, AdamW, block 16, n_embd 64, n_embd2 64, data/names.txt), side by side in
// one run: ours (the Node CLI on the relaxed-SIMD module's fast engine, 1 and 2 threads; the native CLI's
// fast engine, 1 and 2 threads; `train --preset F --steps N --threads T --no-eval --json`, its
// steps_per_sec: the whole training loop of the run) and makemore.py's OWN training loop in PyTorch
// on 1 thread (with its default 4 DataLoader workers, and with -n 0) and on all the cores (bench/zoo_torch.py speed: makemore.py run as a script, the median
// of the step times it prints every 10 steps, its first 50 steps left out; lstm, which makemore.py
// lacks: a copy of its loop on an LSTM in its RNN's frame).
//   node bench/zoo-speed.mjs [--rounds 3] [--seconds 2] [--families mlp,bow,rnn,gru,lstm] [--torch-steps 490] [--cli PATH]
//   [--reference wavenet76k|none] [--json]
// The machine is shared and noisy: each cell is the best of --rounds rounds, the contenders taking
// turns within a round (the order rotated each round), so all see the same conditions.
// Note: torch's figure is the median step (not its mean), which favours torch a little.
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { relaunchWithRelaxedSimd, opt, flag, cliStepsPerSec } from './lib.mjs';

relaunchWithRelaxedSimd();

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rounds = Number(opt('--rounds', 3));
const seconds = Number(opt('--seconds', 2));
const families = opt('--families', 'mlp,bow,rnn,gru,lstm').split(',');
const torchSteps = Number(opt('--torch-steps', 490)); // < 500: makemore.py's eval at step 500 never runs
const cli = path.resolve(opt('--cli', path.join(root, 'build/makemore')));
const json = flag('--json');
const reference = opt('--reference', 'wavenet76k'); // a row of ours only for scale; none: no row
const py = '/usr/bin/python3';
const cores = os.cpus().length;
const cpu = (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? os.cpus()[0]?.model;
const flags = (readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:\s*(.*)$/m) ?? [])[1]?.split(' ') ?? [];
const isa = ['avx512f', 'avx2', 'fma'].filter((f) => flags.includes(f)).join(' ');
const log = (/** @type {unknown[]} */ ...a) => { if (!json) console.log(...a); };
if (!existsSync(cli)) throw new Error(`no native CLI at ${cli} (cmake build, or --cli PATH)`);

const nodeCli = [process.execPath, '--experimental-wasm-relaxed-simd', path.join(root, 'bin/makemore-wasm.mjs')];
/** @param {string[]} command @param {number} threads @returns {(f: string, steps: number) => number} steps/s */
const ours = (command, threads) => (f, steps) => cliStepsPerSec(command, f, 32, steps, ['--threads', String(threads)]);

/** @type {Record<string, number>} params by family, from torch's runs */
const params = {};
// steps/s: 1000 / makemore.py's median step time
/** @param {number} threads @param {number} workers makemore.py's -n (its default 4) */
const torch = (threads, workers = 4) => (/** @type {string} */ f) => {
  const n = String(threads);
  const r = spawnSync(py, [path.join(root, 'bench/zoo_torch.py'), 'speed', '--type', f, '--threads', n, '--steps', String(torchSteps),
    '--num-workers', String(workers)],
    { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: n, OMP_NUM_THREADS: n } });
  if (r.status !== 0) throw new Error(`torch ${f}: ${r.stderr}`);
  const j = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
  params[f] = j.params;
  return 1000 / j.median_ms;
};

/** @type {[key: string, label: string, run: (f: string, steps: number) => number][]} */
const COLS = [
  ['torch_1t', 'torch 1T', torch(1)],
  ['torch_1t_n0', 'torch 1T -n 0', torch(1, 0)],
  ['torch_all', `torch ${cores}T`, torch(cores)],
  ['wasm_1t', 'wasm 1T', ours(nodeCli, 1)],
  ['wasm_2t', 'wasm 2T', ours(nodeCli, 2)],
  ['native_1t', 'nat 1T', ours([cli], 1)],
  ['native_2t', 'nat 2T', ours([cli], 2)],
];

const [torchVersion, torchDefault] = spawnSync(py, ['-c', 'import torch; print(torch.__version__, torch.get_num_threads())'],
  { encoding: 'utf8' }).stdout.trim().split(' ');
log(`makemore.py's models at its settings (batch 32 words, AdamW, block 16): training steps/s (ms/step for torch), best of ${rounds} rounds;`);
log(`${cpu} (${isa}), ${cores} cores; torch ${torchVersion} (its default here: ${torchDefault} thread(s)), makemore.py's own loop, median step of ${torchSteps - 50};`);
log(`ours: ~${seconds} s runs of the Node CLI (relaxed SIMD, fast engine) and the native CLI (${path.relative(root, cli) || cli}), fast engine`);
log('lstm: makemore.py has none; torch runs a copy of its loop on nn.LSTMCell in its RNN frame (bench/zoo_torch.py)');
log(`torch: ms/step of makemore.py's loop; 1T, ${cores}T: its default -n 4 (4 DataLoader worker processes); -n 0: batches made in its own process`);
log(`wasm2T/torch1T: against the faster of torch's two 1-thread columns`);
log(`family params | torch ms: 1T  1T -n 0  ${cores}T | ours steps/s: wasm 1T  wasm 2T   nat 1T   nat 2T | wasm2T/torch1T  wasm2T/torch${cores}T  wasm1T/torch1T`);
const out = [];
const info = (/** @type {string} */ f) => JSON.parse(spawnSync(cli, ['info', '--preset', f, '--json'], { encoding: 'utf8' }).stdout).params;
for (const f of [...families, ...(reference === 'none' ? [] : [reference])]) {
  const ref = !families.includes(f); // the lecture's model: ours only, batch 32 examples (characters), not words
  const cols = COLS.filter(([k]) => !(ref && k.startsWith('torch')));
  // our steps for about `seconds` at 1 thread, from a probe
  const steps = Object.fromEntries(cols.filter(([k]) => !k.startsWith('torch')).map(([k, , run]) =>
    [k, Math.max(200, Math.round(run(f, 200) * seconds))]));
  /** @type {Record<string, any>} */
  const row = { family: f, cpu };
  for (const [k] of cols) row[k] = 0;
  for (let r = 0; r < rounds; r++)
    for (let i = 0; i < cols.length; i++) {
      const [k, , run] = cols[(i + r) % cols.length];
      row[k] = Math.max(row[k], run(f, steps[k]));
    }
  row.params = info(f);
  if (!ref && params[f] !== row.params) throw new Error(`${f}: ${row.params} parameters here, ${params[f]} in makemore.py's`);
  if (!ref) {
    row.torch_1t_best = Math.max(row.torch_1t, row.torch_1t_n0);
    row.ratio_wasm2t_torch1t = row.wasm_2t / row.torch_1t_best;
    row.ratio_wasm2t_torchall = row.wasm_2t / row.torch_all;
    out.push(row);
  }
  if (json) console.log(JSON.stringify(row));
  const x = (/** @type {number} */ v, w = 8) => v.toFixed(0).padStart(w);
  const ms = (/** @type {number} */ v, w = 7) => (ref ? 'n/a' : (1000 / v).toFixed(2)).padStart(w);
  const rt = (/** @type {number} */ v) => (ref ? '     n/a' : `${v.toFixed(2)}x`).padStart(14);
  log(`${f.padEnd(6)} ${String(row.params).padStart(6)} | ${ms(row.torch_1t, 12)} ${ms(row.torch_1t_n0, 8)} ${ms(row.torch_all, 5)} | ` +
    `${x(row.wasm_1t, 21)}  ${x(row.wasm_2t, 7)}  ${x(row.native_1t, 7)}  ${x(row.native_2t, 7)} | ` +
    `${rt(row.ratio_wasm2t_torch1t)}${rt(row.ratio_wasm2t_torchall)}${rt(row.wasm_1t / row.torch_1t_best)}`);
}
if (reference !== 'none') log(`(${reference}: the lecture's model for scale, ours only; its batch is 32 examples, one character each, where a word's batch holds ~228 positions)`);
log(`target wasm 2T / torch 1T >= 3x: ${out.map((r) => `${r.family} ${r.ratio_wasm2t_torch1t >= 3 ? 'met' : 'MISSED'}`).join(', ')}`);
