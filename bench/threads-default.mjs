// threads-default.mjs: the CLIs' default thread count (the faster of 1 and the cores, measured on a
// run's first steps: src/cli/probe.c, wasm/api/probe.mjs) against --threads 1 and --threads N, side by
// side in one run: wavenet76k at batches 32 and 512, natively and in wasm (the Node CLI on the relaxed
// module), the contenders in turns, each round's order rotated, the best of --rounds rounds (3).
//   node bench/threads-default.mjs [--rounds 3] [--seconds 2]
// The default should never be slower than the faster fixed count (its ratio to it about 1, less the
// probe's cost: 7% of the run's steps at most, trained at the slower count half the time).
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliStepsPerSec, opt } from './lib.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(opt('--rounds', 3));
const seconds = Number(opt('--seconds', 2));
const cores = Math.min(availableParallelism(), 64);
const CLIS = {
  native: [path.join(ROOT, 'build/makemore')],
  'wasm (Node CLI, relaxed)': [process.execPath, '--experimental-wasm-relaxed-simd', path.join(ROOT, 'bin/makemore-wasm.mjs')],
};
const contenders = [['1 thread', ['--threads', '1']], [`${cores} threads`, ['--threads', String(cores)]], ['default (measured)', []]];

console.log(`wavenet76k steps/s, best of ${rounds} rounds of about ${seconds} s each; ${cores} cores`);
for (const [where, cli] of Object.entries(CLIS)) {
  for (const batch of [32, 512]) {
    // steps for about `seconds` at one thread
    const probe = cliStepsPerSec(cli, 'wavenet76k', batch, 200, ['--threads', '1', '--decay-step', '150000']);
    const steps = Math.max(500, Math.round(probe * seconds));
    /** @type {number[]} */ const best = contenders.map(() => 0);
    for (let r = 0; r < rounds; r++)
      for (let k = 0; k < contenders.length; k++) {
        const i = (k + r) % contenders.length;
        best[i] = Math.max(best[i], cliStepsPerSec(cli, 'wavenet76k', batch, steps, [...contenders[i][1], '--decay-step', '150000']));
      }
    const fixed = Math.max(best[0], best[1]);
    console.log(`${where}, batch ${batch}, ${steps} steps: ${contenders.map(([n], i) => `${n} ${best[i].toFixed(0)}`).join(', ')}; ` +
      `default / 1 thread ${(best[2] / best[0]).toFixed(2)}x, default / ${cores} threads ${(best[2] / best[1]).toFixed(2)}x, default / the faster ${(best[2] / fixed).toFixed(2)}x`);
  }
}
