// smoke.mjs: trains a few steps through wasm/makemore.mjs, unchanged, in a page
// or a module Worker; used by tests/browser.test.mjs.
import { loadMakemore } from '../../wasm/makemore.mjs';

/** @param {boolean|'auto'} simd */
export async function smoke(simd) {
  const mm = await loadMakemore({ simd, threads: 2 });
  const text = await (await fetch(new URL('../../data/names.txt', import.meta.url))).text();
  // the fast engine (where the module has it) on its threads
  const f = mm.createTrainer({ words: text, preset: 'wavenet76k', seed: 1, steps: 5 });
  const fast = f.run(5);
  const kernels = f.kernels;
  f.free();
  // the reproducible engine: bitwise every build's numbers
  const t = mm.createTrainer({ words: text, preset: 'wavenet76k', seed: 1, steps: 5, reproducible: true });
  const losses = t.run(5);
  const bytes = t.save();
  const samples = mm.loadModel(bytes).sample({ count: 3, seed: 2 });
  const out = {
    simd: mm.simd,
    engine: mm.engine,
    threads: mm.threads,
    kernels,
    fastBits: Array.from(new Uint32Array(fast.buffer)),
    splitSizes: t.splitSizes,
    bits: Array.from(new Uint32Array(losses.buffer)),
    samples,
    sameSamples: JSON.stringify(samples) === JSON.stringify(t.sample({ count: 3, seed: 2 })),
  };
  t.free();
  await mm.close();
  return out;
}
