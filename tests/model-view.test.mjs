// model-view.test.mjs: the page's receptive-field levels (web/page/model-view.js receptiveField, pure: no DOM)
// from the core's layer lists, against the arithmetic: FlattenConsecutive(n) levels of block / n^i nodes;
// a dilated causal conv level holds the positions the last position reads, p - j*d for its taps j.
// MM_WASM_DIR: the .wasm folder (default build-wasm/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { loadMakemore } from '../wasm/makemore.mjs';
import { layerLabel, receptiveField, shapeText } from '../web/page/model-view.js';

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
