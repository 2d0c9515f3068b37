// layers.test.mjs: the layer list through the JS API (mm.layers, Model.layers, Trainer.layers) on every
// module, against the lecture's printed `for l in model.layers: print(l.__class__.__name__, ":",
// tuple(l.out.shape))` (makemore part 5, batch 4: the 8-context MLP and the 22K WaveNet; the 76K model is
// "the exact same architecture" with n_embd 24, n_hidden 128, here at batch 32) and its parameter counts.
// MM_WASM_DIR: the .wasm folder (default build-wasm/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { loadMakemore, relaxedSimdSupported } from '../wasm/makemore.mjs';
import { LECTURE_TEXT, MLP8, WAVENET22K, WAVENET76K } from './lecture-layers.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WASM_DIR = pathToFileURL(path.resolve(ROOT, process.env.MM_WASM_DIR ?? 'build-wasm') + '/');

// the lecture's text really prints these rows (a typo here would make the reference wrong); where it is kept
test('the reference rows are the lecture text', { skip: !existsSync(LECTURE_TEXT) && 'the lecture text is not on this machine' }, () => {
  const text = readFileSync(LECTURE_TEXT, 'utf8');
  for (const { kind, shape } of [...MLP8, ...WAVENET22K]) assert.ok(text.includes(`${kind} : (${shape.join(', ')})`), kind);
});

const engines = /** @type {const} */ (['relaxed', 'simd', 'scalar']).filter((e) => e !== 'relaxed' || relaxedSimdSupported());
for (const engine of engines) {
  test(`layers on ${engine}: the lecture's shapes and parameter counts`, async () => {
    const mm = await loadMakemore({ engine, threads: 1, wasmDir: WASM_DIR });
    /** @param {string} preset */
    const cfg = (preset) => ({ ...mm.presetConfig(preset), vocabSize: 27 });
    const rows = (/** @type {import('../wasm/makemore.mjs').LayerInfo[]} */ l) => l.map(({ kind, shape }) => ({ kind, shape }));
    assert.deepEqual(rows(mm.layers(cfg('mlp8'), 4)), MLP8);
    assert.deepEqual(rows(mm.layers(cfg('wavenet22k'), 4)), WAVENET22K);
    assert.deepEqual(rows(mm.layers(cfg('wavenet76k'), 32)), WAVENET76K);
    const sum = (/** @type {import('../wasm/makemore.mjs').LayerInfo[]} */ l) => l.reduce((s, x) => s + x.params, 0);
    assert.equal(sum(mm.layers(cfg('wavenet22k'))), 22397);
    assert.equal(sum(mm.layers(cfg('wavenet76k'))), 76579);
    for (const p of mm.presets) assert.equal(sum(mm.layers(cfg(p.name))), mm.numParams(cfg(p.name)), p.name);
    const l76 = mm.layers(cfg('wavenet76k'));
    assert.deepEqual(l76[0].inputs, ['tokens']);
    assert.deepEqual(l76.slice(1).map((l) => l.inputs), l76.slice(1).map((l) => [l.index - 1]));
    assert.deepEqual(l76.filter((l) => l.kind === 'FlattenConsecutive').map((l) => l.factor), [2, 2, 2]);
    assert.deepEqual(l76.map((l) => l.params).filter((n) => n), [27 * 24, 48 * 128, 256, 256 * 128, 256, 256 * 128, 256, 128 * 27 + 27]);

    // the conv form: Conv1d(2) with dilations 1, 2, 4 under the lecture's names, every position (B, 8, C)
    const conv = mm.layers(cfg('wavenet76k-conv'), 32);
    assert.deepEqual(conv.filter((l) => l.kind === 'Conv1d').map((l) => [l.prefix, l.kernel, l.dilation]),
      [['layers.2', 2, 1], ['layers.6', 2, 2], ['layers.10', 2, 4]]);
    assert.ok(conv.every((l) => l.perPosition && l.shape.length === 3 && l.shape[0] === 32 && l.shape[1] === 8));
    const gated = mm.layers(cfg('wavenet-gated'), 8);
    const adds = gated.filter((l) => l.kind === 'Add');
    assert.equal(adds.length, 4);
    assert.ok(adds.every((l) => l.inputs.length === 2 && l.inputs.every((i) => typeof i === 'number' && i < l.index)));

    // a residual flat MLP: each Add reads its block's Tanh and the block's input (h + tanh(bn(linear(h))))
    const res = mm.layers({ ...cfg('mlp8'), nFlatLayers: 3, residual: 1 });
    assert.deepEqual(res.filter((l) => l.kind === 'Add').map((l) => [l.index, l.inputs]), [[8, [7, 4]], [12, [11, 8]]]);
    assert.deepEqual(res.at(-1)?.inputs, [12]);

    // a model's and a trainer's lists are the configuration's
    const model = mm.createModel(cfg('wavenet22k'), { maxBatch: 4 });
    assert.deepEqual(model.layers(4), mm.layers(cfg('wavenet22k'), 4));
    model.free();
    const t = mm.createTrainer({ words: readFileSync(path.join(ROOT, 'data/names.txt')), preset: 'wavenet76k', steps: 1 });
    assert.deepEqual(rows(t.layers(32)), WAVENET76K);
    assert.equal(t.layers()[0].shape[2], 24);
    assert.equal(sum(t.layers()), t.numParams);
    t.free();

    // bad input: the core's message
    assert.throws(() => mm.layers({ ...cfg('wavenet76k'), blockSize: 6 }), /power of the group size/);
    assert.throws(() => mm.layers(cfg('wavenet76k'), 0), RangeError);
    assert.throws(() => mm.layers(cfg('wavenet76k'), 70000), /batch size 70000 is outside 1..65536/);
  });
}
