// model-view.test.mjs: the page's receptive-field levels (web/page/model-view.js receptiveField, pure: no DOM)
// from the core's layer lists, against the arithmetic: FlattenConsecutive(n) levels of block / n^i nodes;
// a dilated causal conv level holds the positions the last position reads, p - j*d for its taps j. And
// makemore.py's models (web/page/model-families.js familyDiagram): every layer of the core's list in one row of
// the picture, the rows' parameters the model's, each row's layers with the sizes the configuration gives (an
// RNN's cell by its cell type, mlp's wte with the blank's row); the cell unrolled with the hidden state from the
// start through each position, bow's position t averaging positions 1..t, mlp's context the last character first.
// MM_WASM_DIR: the .wasm folder (default build-wasm/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { loadMakemore } from '../wasm/makemore.mjs';
import { layerLabel, receptiveField, shapeText } from '../web/page/model-view.js';
import { familyDiagram } from '../web/page/model-families.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WASM_DIR = pathToFileURL(path.resolve(ROOT, process.env.MM_WASM_DIR ?? 'build-wasm') + '/');

test('receptive-field levels: trees, the flat MLP, dilated taps with a cycle', async () => {
  const mm = await loadMakemore({ engine: 'scalar', wasmDir: WASM_DIR });
  /** @param {string} preset @param {object} over */
  const field = (preset, over = {}) => receptiveField(mm.layers({ ...mm.presetConfig(preset), vocabSize: 27, ...over }));
  const counts = (/** @type {ReturnType<typeof field>} */ f) => f.levels.map((l) => l.nodes.length);
  assert.deepEqual(counts(field('wavenet76k')), [8, 4, 2, 1]);
  assert.deepEqual(counts(field('wavenet76k', { blockSize: 27, nConsec: 3 })), [27, 9, 3, 1]);
  assert.deepEqual(counts(field('mlp3')), [3, 1]);
  assert.deepEqual(counts(field('mlp8', { nFlatLayers: 3, residual: 1 })), [8, 1]); // the Adds join no positions
  const tree = field('wavenet22k');
  assert.deepEqual(tree.levels[2].nodes.map((n) => [n.lo, n.hi, n.children]), [[0, 3, [0, 1]], [4, 7, [2, 3]]]);
  assert.equal(tree.taps, false);
  // conv: the last position's taps through dilations 1, 2, 4 are the same tree
  const conv = field('wavenet76k-conv');
  assert.equal(conv.taps, true);
  assert.deepEqual(conv.levels.map((l) => l.nodes.map((n) => n.hi)), [[0, 1, 2, 3, 4, 5, 6, 7], [1, 3, 5, 7], [3, 7], [7]]);
  // gated, 6 blocks, dilations 1, 2, 4, 1, 2, 4 (field 1 + 14 = 15): from the top {14}, d=4 {10, 14}, d=2 {8, 10, 12, 14},
  // d=1 {7..14}, d=4 {3..14}, d=2 {1..14}, then the 15 inputs
  const gated = field('wavenet-gated', { nBlocks: 6, dilationCycle: 3, blockSize: 15 });
  assert.deepEqual(counts(gated), [15, 14, 12, 8, 4, 2, 1]);
  assert.deepEqual(gated.levels[4].nodes.map((n) => n.hi), [8, 10, 12, 14]);
  assert.deepEqual(gated.levels[4].nodes[0].children, [0, 1].map((j) => gated.levels[3].nodes.findIndex((n) => n.hi === 8 - (1 - j))));
  assert.equal(shapeText([32, 4, 48]), '(32, 4, 48)');
  assert.deepEqual(mm.layers({ ...mm.presetConfig('wavenet76k-conv'), vocabSize: 27 }).map(layerLabel).slice(0, 2), ['Embedding', 'Conv1d(2, dilation=1)']);
});

test('makemore.py\'s models drawn: each row is a group of the core\'s layers (all of them, their parameters); the rnn unrolled, bow\'s average, mlp\'s context last first', async () => {
  const mm = await loadMakemore({ engine: 'scalar', wasmDir: WASM_DIR });
  const V = 27;
  const CELLS = { rnn: 'RNNCell', gru: 'GRUCell', lstm: 'LSTMCell' };
  /** @param {string} preset @param {object} over */
  const drawn = (preset, over = {}) => {
    const config = { ...mm.presetConfig(preset), vocabSize: V, ...over };
    const layers = mm.layers(config);
    const d = familyDiagram(layers);
    assert.ok(d, preset);
    // every layer of the core's list in exactly one row; the rows' parameters are the model's
    assert.deepEqual(d.rows.flatMap((r) => r.layers).sort((a, b) => a - b), layers.map((_, i) => i), `${preset}: every layer drawn once`);
    assert.equal(d.rows.reduce((s, r) => s + r.params, 0), mm.numParams(config), `${preset}: the parameters`);
    const into = (/** @type {string} */ id) => d.edges.filter((e) => e.to === id);
    return { d, into, T: config.blockSize, E: config.nEmbd, H: config.nHidden };
  };
  for (const [preset, over] of /** @type {[keyof typeof CELLS, object][]} */ ([['rnn', {}], ['gru', {}], ['lstm', {}], ['gru', { blockSize: 3, nEmbd: 10, nHidden: 20 }]])) {
    const { d, into, T, E, H } = drawn(preset, over);
    assert.equal(d.family, 'rnn');
    assert.deepEqual(d.rows.slice(1, -1).map((r) => r.detail), [`wte: Embedding(${V}, ${E})`, `cell: ${CELLS[preset]}(${E}, ${H})`, `lm_head: Linear(${H}, ${V})`], preset);
    const n = Math.min(4, T);
    assert.equal(d.shown, n);
    // the hidden state from the learned start through each position (then on to the rest of the block)
    const chain = d.edges.filter((e) => e.kind === 'state').map((e) => [e.from, e.to]);
    assert.deepEqual(chain, [...Array.from({ length: n }, (_, t) => [t === 0 ? 'start' : `L1p${t}`, `L1p${t + 1}`]), ...(T > n ? [[`L1p${n}`, 'more']] : [])], preset);
    assert.deepEqual(d.nodes.filter((x) => x.y === 0).map((x) => x.text), ['.', 'x₁', 'x₂', 'x₃'].slice(0, n));
    for (let t = 1; t <= n; t++) assert.deepEqual(into(`L1p${t}`).map((e) => e.from).sort(), [t === 1 ? 'start' : `L1p${t - 1}`, `L0p${t}`].sort());
  }
  for (const over of [{}, { blockSize: 3, nEmbd: 8, nHidden: 12 }]) {
    const { d, into, T, E, H } = drawn('bow', over);
    assert.equal(d.family, 'bow');
    assert.deepEqual(d.rows.slice(1, -1).map((r) => r.detail), [`wte: Embedding(${V}, ${E}), wpe: Embedding(${T}, ${E}), +`, 'CausalBoW, +',
      `c_fc: Linear(${E}, ${H}), Tanh, c_proj: Linear(${H}, ${E}), +`, `lm_head: Linear(${E}, ${V})`]);
    // position t of the CausalBoW row reads the embeddings of positions 1..t
    for (let t = 1; t <= d.shown; t++) assert.deepEqual(into(`r2p${t}`).map((e) => e.from), Array.from({ length: t }, (_, j) => `r1p${j + 1}`), `bow position ${t}`);
    assert.equal(d.shown, Math.min(5, T));
  }
  for (const over of [{}, { blockSize: 6, nEmbd: 5, nHidden: 7 }]) {
    const { d, into, T, E, H } = drawn('mlp', over);
    assert.equal(d.family, 'mlp');
    // the blank token: vocab_size + 1 rows of wte; the block's embeddings concatenated
    assert.deepEqual(d.rows.slice(1, -1).map((r) => r.detail), [`wte: Embedding(${V + 1}, ${E})`, `FlattenConsecutive(${T})`, `mlp.0: Linear(${T * E}, ${H}), Tanh`, `mlp.2: Linear(${H}, ${V})`]);
    assert.equal(d.rows[2].label, `concatenated: ${(T * E).toLocaleString('en-US')}`);
    // the 4th character's context, the last first: x₃ x₂ x₁, the start, then blanks
    assert.deepEqual(d.nodes.filter((x) => x.y === 0).map((x) => x.text), ['x₃', 'x₂', 'x₁', '.', ...Array(T - 4).fill('␣')]);
    assert.equal(into('r2').length, T, 'every position into the concatenation');
  }
  for (const preset of ['mlp3', 'wavenet76k', 'wavenet76k-conv', 'wavenet-gated', 'bigram']) assert.equal(familyDiagram(mm.layers({ ...mm.presetConfig(preset), vocabSize: V })), null, preset);
});
