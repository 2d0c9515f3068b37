#!/usr/bin/env node
// bench/zoo-fidelity.mjs: do our makemore.py families train as well as makemore.py's own classes?
// Each of mlp, bow, rnn, gru, lstm trained 10000 steps at makemore.py's settings (batches of 32 whole
// words, AdamW lr 5e-4, betas (0.9, 0.99), eps 1e-8, weight decay 0.01, block 16, n_embd 64, n_embd2 64)
// on OUR split of data/names.txt (the lecture's: random.seed(42), 2 x random.shuffle, 80/10/10 by words),
// for 3 seeds, by us (the native CLI's fast engine, 1 thread: `train --preset F --seed S --steps 10000`)
// and by PyTorch (bench/zoo_torch.py fidelity: makemore.py's MLP, BoW, RNN(rnn|gru) and an LSTM in its
// frame, 1 thread); then the val loss per character over all val words, the mean of the seeds, and
// the difference (target: within 0.02).
//   node bench/zoo-fidelity.mjs [--seeds 1,2,3] [--steps 10000] [--jobs 2] [--families mlp,bow,rnn,gru,lstm] [--cli PATH]
// --cli-note TEXT: how the --cli binary was built, for the header.
// The split the PyTorch runs train on is the one our core makes (the JS API's trainer.splitWords()),
// written to a temporary file; zoo_torch.py checks it equals Python's random.seed(42) + 2 shuffles.
// Takes about 30 minutes on 2 busy cores (--jobs runs at once, each on 1 thread).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMakemore } from '../wasm/makemore.mjs';
import { opt } from './lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const seeds = opt('--seeds', '1,2,3').split(',').map(Number);
const steps = Number(opt('--steps', 10000));
const jobs = Number(opt('--jobs', 2));
const families = opt('--families', 'mlp,bow,rnn,gru,lstm').split(',');
const cli = path.resolve(opt('--cli', path.join(root, 'build/makemore')));
const py = '/usr/bin/python3';
const cpu = (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? os.cpus()[0]?.model;
if (!existsSync(cli)) throw new Error(`no native CLI at ${cli} (cmake build, or --cli PATH)`);

// our split, from our core: every family's trainer must make the same one
const words = readFileSync(path.join(root, 'data/names.txt'));
const mm = await loadMakemore({ engine: 'simd', threads: 1, wasmDir: new URL('../build-wasm/', import.meta.url) });
/** @type {Record<string, string[]>|null} */
let split = null;
for (const preset of families) {
  const t = mm.createTrainer({ words, preset, seed: 1 });
  const s = t.splitWords();
  t.free();
  if (!split) split = s;
  else if (JSON.stringify(s) !== JSON.stringify(split)) throw new Error(`preset ${preset} splits differently`);
}
await mm.close();
const splitFile = path.join(os.tmpdir(), `zoo-split-${process.pid}.json`);
writeFileSync(splitFile, JSON.stringify(split));
const sp = /** @type {Record<string, string[]>} */ (split);

const torchVersion = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).stdout.trim();
const commit = spawnSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
console.log(`makemore.py's models, ${steps} steps at its settings, seeds ${seeds.join(', ')}; val loss per character on our split ` +
  `(train/val/test ${sp.train.length}/${sp.val.length}/${sp.test.length} words; PyTorch's runs check it is random.seed(42) + 2 shuffles)`);
const built = cli === path.join(root, 'build/makemore') ? `build/makemore, checkout at ${commit}` : opt('--cli-note', cli);
console.log(`${cpu}, ${os.cpus().length} cores; ours: ${built}, fast engine, 1 thread; ` +
  `torch ${torchVersion}, 1 thread; ${jobs} runs at a time`);
console.log('lstm: makemore.py has none; torch\'s is its RNN frame with nn.LSTMCell and learned start states h and c (bench/zoo_torch.py)');

/** @param {string} cmd @param {string[]} args @param {NodeJS.ProcessEnv} [env] @returns {Promise<any>} the last stdout line, parsed */
function run(cmd, args, env = process.env) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env });
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('close', (code) => {
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}\n${err}`));
      else resolve(JSON.parse(out.trim().split('\n').pop() ?? ''));
    });
  });
}

const env1 = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
/** @type {{family: string, who: 'ours'|'torch', seed: number, f: () => Promise<any>}[]} */
const tasks = [];
for (const seed of seeds)
  for (const family of families) {
    tasks.push({ family, who: 'torch', seed, f: () => run(py, [path.join(root, 'bench/zoo_torch.py'), 'fidelity', '--type', family,
      '--seed', String(seed), '--steps', String(steps), '--split', splitFile], env1) });
    tasks.push({ family, who: 'ours', seed, f: () => run(cli, ['train', '--preset', family, '--seed', String(seed),
      '--steps', String(steps), '--threads', '1', '--samples', '0', '--json']) });
  }

/** @type {Record<string, Record<string, {val: number, train: number, params: number}[]>>} */
const res = {};
let next = 0;
async function worker() {
  while (next < tasks.length) {
    const t = tasks[next++];
    const r = await t.f();
    const val = r.val_loss, train = r.train_loss;
    ((res[t.family] ??= {})[t.who] ??= []).push({ val, train, params: r.params });
    console.log(`  ${t.family.padEnd(5)} ${t.who.padEnd(5)} seed ${t.seed}: val ${val.toFixed(4)}, train ${train.toFixed(4)}`);
  }
}
try {
  await Promise.all(Array.from({ length: jobs }, worker));
} finally { rmSync(splitFile, { force: true }); }

const mean = (/** @type {number[]} */ a) => a.reduce((s, x) => s + x, 0) / a.length;
const sd = (/** @type {number[]} */ a) => Math.sqrt(a.reduce((s, x) => s + (x - mean(a)) ** 2, 0) / Math.max(1, a.length - 1));
console.log(`\nval loss per character after ${steps} steps, mean (sd) of ${seeds.length} seeds; train loss likewise (all train words)`);
console.log('family  params |  ours val (sd)    torch val (sd)  | ours-torch | ours train torch train | within 0.02');
for (const f of families) {
  const o = res[f].ours, t = res[f].torch;
  const ov = o.map((r) => r.val), tv = t.map((r) => r.val);
  const d = mean(ov) - mean(tv);
  const pc = o[0].params === t[0].params ? String(o[0].params) : `${o[0].params}/${t[0].params}`;
  console.log(`${f.padEnd(6)} ${pc.padStart(7)} | ${mean(ov).toFixed(4)} (${sd(ov).toFixed(4)})  ${mean(tv).toFixed(4)} (${sd(tv).toFixed(4)}) | ` +
    `${(d >= 0 ? '+' : '') + d.toFixed(4)}    | ${mean(o.map((r) => r.train)).toFixed(4)}     ${mean(t.map((r) => r.train)).toFixed(4)}     | ${Math.abs(d) <= 0.02 ? 'yes' : 'NO'}`);
}
