// lecture-layers.mjs: the layer shapes makemore part 5 prints (`for layer in model.layers:
// print(layer.__class__.__name__, ':', tuple(layer.out.shape))`, batch 4), the tests' reference
// for the core's layer list (tests/layers.test.mjs, tests/page-model.test.mjs).

/** @typedef {{kind: string, shape: number[]}} LayerRow */

/** @param {string} text lines "Kind : (a, b, c)" as the lecture prints them @returns {LayerRow[]} */
const lecture = (text) =>
  text.trim().split('\n').map((line) => {
    const [kind, shape] = line.split(' : ');
    return { kind: kind.trim(), shape: shape.replace(/[()]/g, '').split(', ').map(Number) };
  });

/** the 8-context MLP at batch 4 */
export const MLP8 = lecture(`
Embedding : (4, 8, 10)
FlattenConsecutive : (4, 80)
Linear : (4, 200)
BatchNorm1d : (4, 200)
Tanh : (4, 200)
Linear : (4, 27)`);

/** the 22K hierarchical model at batch 4 */
export const WAVENET22K = lecture(`
Embedding : (4, 8, 10)
FlattenConsecutive : (4, 4, 20)
Linear : (4, 4, 68)
BatchNorm1d : (4, 4, 68)
Tanh : (4, 4, 68)
FlattenConsecutive : (4, 2, 136)
Linear : (4, 2, 68)
BatchNorm1d : (4, 2, 68)
Tanh : (4, 2, 68)
FlattenConsecutive : (4, 136)
Linear : (4, 68)
BatchNorm1d : (4, 68)
Tanh : (4, 68)
Linear : (4, 27)`);

/** the 76K model ("the exact same architecture", n_embd 24, n_hidden 128) at batch 32: the 22K rows widened */
export const WAVENET76K = WAVENET22K.map(({ kind, shape }) => ({
  kind,
  shape: [32, ...shape.slice(1).map((d) => ({ 10: 24, 20: 48, 68: 128, 136: 256 })[d] ?? d)],
}));

/** where the lecture's text is kept (not in CI) */
export const LECTURE_TEXT = '/work/shared/lecture/makemore-part5-wavenet.txt';
