// smoke.mjs: trains a few steps through wasm/makemore.mjs, unchanged, in a page
// or a module Worker; used by tests/browser.test.mjs.
import { loadMakemore } from '../../wasm/makemore.mjs';

/** @param {boolean|'auto'} simd */
export async function smoke(simd) {
  const mm = await loadMakemore({ simd });
  const text = await (await fetch(new URL('../../data/names.txt', import.meta.url))).text();
  const t = mm.createTrainer({ words: text, preset: 'wavenet76k', seed: 1, steps: 5 });
  const losses = t.run(5);
  const bytes = t.save();
  const samples = mm.loadModel(bytes).sample({ count: 3, seed: 2 });
  const out = {
    simd: mm.simd,
    splitSizes: t.splitSizes,
    bits: Array.from(new Uint32Array(losses.buffer)),
    samples,
    sameSamples: JSON.stringify(samples) === JSON.stringify(t.sample({ count: 3, seed: 2 })),
  };
  t.free();
  return out;
}
