// families-api.test.mjs: makemore.py's models (the families mlp, bow, rnn; presets mlp, bow, rnn, gru, lstm) through
// the JS API in wasm:
//   - the schema lists the families, the rnn family's cell_type (rnn, gru, lstm) and the presets with their docs;
//     each family's `words` (batch_size counts whole words) is what the core does: only those refuse a word list
//     whose longest word does not fit block_size (the schema JSON's family `words`);
//   - each preset's parameters on names.txt are makemore.py's module shapes added up (and the number its doc gives);
//   - createTrainer({ preset }) trains each a few steps and the loss falls from about ln 27;
//   - bad settings are refused naming the setting: a GRU of hidden size 0, a block_size below the longest word + 1
//     on names.txt, cell_type "foo".
// MM_WASM_DIR: the .wasm folder (default build-wasm/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { loadMakemore, MakemoreError } from '../wasm/makemore.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WASM_DIR = pathToFileURL(path.resolve(ROOT, process.env.MM_WASM_DIR ?? 'build-wasm') + '/');
const NAMES = readFileSync(path.join(ROOT, 'data/names.txt'), 'utf8');
const mmP = loadMakemore({ wasmDir: WASM_DIR, threads: 1 });
const NEW = ['mlp', 'bow', 'rnn', 'gru', 'lstm'];

/**
 * makemore.py's parameters (its modules' shapes) for vocabulary V, block T, n_embd E, n_embd2 H.
 * @type {Record<string, (V: number, T: number, E: number, H: number) => number>}
 */
const MAKEMORE_PY = {
  // wte: V + 1 rows (the blank), mlp.0: Linear(T E, H), mlp.2: Linear(H, V)
  mlp: (V, T, E, H) => (V + 1) * E + (T * E * H + H) + (H * V + V),
  // wte, wpe, context_block.mlp.c_fc: Linear(E, H), c_proj: Linear(H, E), lm_head: Linear(E, V)
  bow: (V, T, E, H) => V * E + T * E + (E * H + H) + (H * E + E) + (E * V + V),
  // start (1, H), wte, RNNCell's xh_to_h: Linear(E + H, H), lm_head: Linear(H, V)
  rnn: (V, T, E, H) => H + V * E + ((E + H) * H + H) + (H * V + V),
  // GRUCell: xh_to_z, xh_to_r, xh_to_hbar, each Linear(E + H, H)
  gru: (V, T, E, H) => H + V * E + 3 * ((E + H) * H + H) + (H * V + V),
  // torch.nn.LSTMCell: weight_ih (4H, E), weight_hh (4H, H), bias_ih, bias_hh (4H); a start for h and for c
  lstm: (V, T, E, H) => 2 * H + V * E + (4 * H * (E + H) + 8 * H) + (H * V + V),
};

test('the schema lists makemore.py\'s families, the rnn family\'s cell type and the presets with their docs', async () => {
  const mm = await mmP;
  const fams = Object.fromEntries(mm.schema.families.map((f) => [f.name, f]));
  for (const name of ['mlp', 'bow', 'rnn']) {
    assert.ok(fams[name], `family ${name}`);
    assert.match(fams[name].doc, /makemore\.py/, name);
    assert.deepEqual(fams[name].uses.filter((u) => ['blockSize', 'nEmbd', 'nHidden'].includes(u)), ['blockSize', 'nEmbd', 'nHidden'], name);
  }
  const cell = mm.schema.fields.find((f) => f.name === 'cell_type');
  assert.deepEqual([cell?.js, cell?.owner, cell?.values, cell?.default], ['cellType', 'rnn', ['rnn', 'gru', 'lstm'], 0]);
  assert.ok(fams.rnn.uses.includes('cellType'));
  assert.deepEqual(mm.familyFields('rnn').map((f) => f.js).filter((j) => j === 'cellType'), ['cellType']);
  for (const name of NEW) {
    const p = mm.presets.find((q) => q.name === name);
    assert.ok(p, `preset ${name}`);
    assert.match(p.doc, /parameters on names\.txt/, name);
    assert.equal(mm.schema.families[p.config.form].name, name === 'gru' || name === 'lstm' ? 'rnn' : name);
    if (p.config.cellType !== undefined) assert.equal(cell?.values?.[p.config.cellType], name);
    // makemore.py's training: AdamW at 5e-4, batches of 32 words, 10000 steps
    assert.deepEqual([p.training.optimizer, p.training.lr, p.training.batchSize, p.training.steps], [1, 0.0005, 32, 10000], name);
  }
});

test('a family\'s `words` is what the core does: only those refuse a word list whose longest word does not fit block_size', async () => {
  const mm = await mmP;
  // a word of 40 letters: every preset's block_size is below 41
  const words = mm.parseWords(['ab', 'abc', 'a'.repeat(40), 'bca', 'cab', 'ba', 'ca', 'acb', 'bac', 'cc'].join('\n'));
  try {
    for (const p of mm.presets) {
      const fam = mm.schema.families[p.config.form];
      let refused = '';
      try {
        mm.createTrainer({ words, preset: p.name, steps: 1 }).free();
      } catch (e) {
        refused = String(/** @type {Error} */ (e).message);
      }
      assert.equal(!!refused, fam.words, `${p.name} (${fam.name}): ${refused || 'trained'}`);
      if (refused) assert.match(refused, /block_size 16 is too small .* at least 41/);
    }
    assert.deepEqual(mm.schema.families.filter((f) => f.words).map((f) => f.name), ['mlp', 'bow', 'rnn']);
  } finally {
    words.free();
  }
});

test('each preset\'s parameters on names.txt are makemore.py\'s module shapes added up, and its doc\'s number', async () => {
  const mm = await mmP;
  for (const name of NEW) {
    const p = /** @type {import('../wasm/makemore.mjs').Schema['presets'][number]} */ (mm.presets.find((q) => q.name === name));
    const { blockSize: T, nEmbd: E, nHidden: H } = p.config;
    const want = MAKEMORE_PY[name](27, T, E, H);
    assert.equal(mm.numParams({ ...p.config, vocabSize: 27 }), want, name);
    assert.equal(mm.layers({ ...p.config, vocabSize: 27 }).reduce((s, l) => s + l.params, 0), want, `${name}: its layers`);
    assert.ok(p.doc.includes(`${want.toLocaleString('en-US')} parameters`), `${name}: ${p.doc}`);
  }
  // the cell type chooses the cell: a gru of another size, the arithmetic again
  assert.equal(mm.numParams({ form: 'rnn', cellType: 'gru', blockSize: 16, nEmbd: 10, nHidden: 20, vocabSize: 27 }), MAKEMORE_PY.gru(27, 16, 10, 20));
  assert.equal(mm.numParams({ form: 'rnn', cellType: 'lstm', blockSize: 16, nEmbd: 10, nHidden: 20, vocabSize: 27 }), MAKEMORE_PY.lstm(27, 16, 10, 20));
});

test('createTrainer({ preset }) trains each of makemore.py\'s models: the loss falls from about ln 27', async () => {
  const mm = await mmP;
  const words = mm.parseWords(NAMES);
  const mean = (/** @type {Float32Array} */ a) => a.reduce((s, x) => s + x, 0) / a.length;
  try {
    for (const name of NEW) {
      const t = mm.createTrainer({ words, preset: name, seed: 42 });
      try {
        assert.equal(t.numParams, MAKEMORE_PY[name](27, 16, 64, 64), name);
        const before = t.evaluate('val');
        const losses = t.run(150);
        assert.equal(losses.length, 150);
        assert.ok(losses.every(Number.isFinite), name);
        assert.ok(Math.abs(losses[0] - Math.log(27)) < 0.8, `${name}: first loss ${losses[0]}, ln 27 ${Math.log(27)}`);
        assert.ok(mean(losses.subarray(-20)) < mean(losses.subarray(0, 10)) - 0.3, `${name}: ${mean(losses.subarray(0, 10))} -> ${mean(losses.subarray(-20))}`);
        const after = t.evaluate('val');
        assert.ok(after < before - 0.3 && after < 2.7, `${name}: val ${before} -> ${after}`);
      } finally {
        t.free();
      }
    }
  } finally {
    words.free();
  }
});

test('bad settings are refused naming the setting: a GRU of hidden size 0, block_size 15 on names.txt, cell_type "foo"', async () => {
  const mm = await mmP;
  const words = mm.parseWords(NAMES);
  try {
    assert.equal(words.maxLen, 15, 'names.txt: the longest name has 15 letters');
    assert.throws(() => mm.createTrainer({ words, preset: 'gru', config: { nHidden: 0 } }),
      (e) => e instanceof MakemoreError && /hidden size 0/.test(e.message), 'the hidden size named');
    for (const name of ['mlp', 'bow', 'gru']) {
      assert.throws(() => mm.createTrainer({ words, preset: name, config: { blockSize: 15 } }),
        (e) => e instanceof MakemoreError && /^block_size 15 is too small .*longest has 15 characters.* at least 16/.test(e.message), name);
    }
    mm.createTrainer({ words, preset: 'gru', config: { blockSize: 16 }, steps: 1 }).free(); // 16 holds the longest and its end
    assert.throws(() => mm.createTrainer({ words, preset: 'rnn', config: { cellType: /** @type {any} */ ('foo') } }), /cellType must be 'rnn' or 'gru' or 'lstm'/);
    assert.throws(() => mm.parseSetting('cell_type', 'foo'), (e) => e instanceof MakemoreError && /cell type must be rnn, gru or lstm, not "foo"/.test(e.message));
    assert.throws(() => mm.createTrainer({ words, preset: 'gru', config: { cellType: 3 } }), /cell type must be rnn, gru or lstm/);
  } finally {
    words.free();
  }
});
