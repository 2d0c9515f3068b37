// schema.test.mjs: one schema (src/config.c) drives the settings everywhere. The core's list of
// fields (mm.schema) is what
//   - the native CLI's --help lists (build/makemore; MM_NATIVE_CLI), exactly, group by group, and
//     the Node CLI's (bin/makemore-wasm.mjs) with the same lines;
//   - the JS API's config objects hold (mm.createModel, trainer.config, model.config, presets),
//     its data settings and training states, and what the JSDoc typedefs declare;
//   - every field's default reads back through the core as that default.
// (The trainer page's model form is added here by the page's own test.)
//   node --experimental-wasm-relaxed-simd --test tests/schema.test.mjs   (MM_WASM_DIR: the .wasm folder)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { loadMakemore } from '../wasm/makemore.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WASM_DIR = path.resolve(ROOT, process.env.MM_WASM_DIR ?? 'build-wasm');
const CLI = path.resolve(ROOT, process.env.MM_NATIVE_CLI ?? 'build/makemore');
const BIN = path.join(ROOT, 'bin/makemore-wasm.mjs');
const noNative = !existsSync(CLI) && `no native CLI at ${CLI}`;
const noNodeCli = !existsSync(path.join(ROOT, 'build-wasm/makemore-scalar.wasm')) && 'the Node CLI needs build-wasm/';
const NAMES = readFileSync(path.join(ROOT, 'data/names.txt'));
const mmP = loadMakemore({ engine: 'scalar', threads: 1, wasmDir: pathToFileURL(WASM_DIR + '/') });
const TITLES = { model: /^model options/, data: /^data options/, training: /^training options/ };
/** @typedef {import('../wasm/makemore.mjs').SchemaField} SchemaField */

/** @param {SchemaField[]} fields @param {string[]} groups @returns {string[]} their JS names, in the schema's order */
const jsNames = (fields, groups) => fields.filter((f) => groups.includes(f.group)).map((f) => f.js);
const sorted = (/** @type {string[]} */ a) => [...a].sort();

/**
 * The settings' options of a --help text, by group: the flags of the lines under each group's title.
 * @param {string} help @returns {{groups: Record<string, string[]>, lines: string[], all: string[]}}
 */
function settingOptions(help) {
  /** @type {Record<string, string[]>} */
  const groups = {};
  const lines = [];
  let group = null;
  for (const line of help.split('\n')) {
    const title = Object.entries(TITLES).find(([, re]) => re.test(line));
    if (title) {
      group = title[0];
      groups[group] = [];
      lines.push(line);
      continue;
    }
    const m = /^ {2}(--[a-z][a-z0-9-]*) /.exec(line);
    if (group && m) {
      groups[group].push(m[1]);
      lines.push(line);
    } else group = null;
  }
  return { groups, lines, all: help.match(/--[a-z][a-z0-9-]*/g) ?? [] };
}

/** @param {SchemaField[]} fields @param {string} group @returns {string[]} the flags of a group's settings */
const flagsOf = (fields, group) => fields.filter((f) => f.group === group && f.flag).map((f) => /** @type {string} */ (f.flag));

test('the schema: every field named, typed and documented; defaults read back through the core', async () => {
  const mm = await mmP;
  const { fields } = mm.schema;
  assert.ok(fields.length >= 19);
  assert.deepEqual(sorted([...new Set(fields.map((f) => f.group))]), ['data', 'model', 'state', 'training']);
  for (const key of /** @type {const} */ (['name', 'js', 'label'])) assert.equal(new Set(fields.map((f) => f[key])).size, fields.length, `${key}s unique`);
  for (const f of fields) {
    assert.match(f.name, /^[a-z][a-z0-9_]*$/);
    assert.equal(f.js, f.name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()));
    assert.ok(f.doc.length > 10 && f.expects.length > 3, f.name);
    const setting = f.group !== 'state' && !f.fromData;
    assert.equal(f.flag !== null, setting, `${f.name}: a flag iff a setting`);
    assert.equal(f.defaultText !== null, setting || f.optional, `${f.name}: a default iff a setting (or an optional state field)`);
    if (f.owner) assert.ok(mm.schema.families.some((q) => q.name === f.owner) || mm.schema.optimizers.some((q) => q.name === f.owner), `${f.name}: its owner ${f.owner} exists`);
    if (f.defaultText !== null) assert.deepEqual(mm.parseSetting(f.name, f.defaultText), f.default, `${f.name}: its default reads back`);
    if (f.type === 'int') {
      assert.equal(mm.parseSetting(f.js, String(f.min)), f.min);
      assert.throws(() => mm.parseSetting(f.name, String(/** @type {number} */ (f.min) - 1)), (e) => /** @type {any} */ (e).code === 1 && /** @type {any} */ (e).message.includes(f.label));
      assert.throws(() => mm.parseSetting(f.name, String(/** @type {number} */ (f.max) + 1)), (e) => /** @type {any} */ (e).message.includes(f.label));
    }
  }
  // one limit for steps everywhere: the core's
  const steps = /** @type {SchemaField} */ (fields.find((f) => f.name === 'steps'));
  assert.deepEqual([steps.min, steps.max, steps.expects], [0, 2147483647, 'a whole number in 0..2147483647']);
  assert.deepEqual(mm.trainDefaults, { steps: 200000, batchSize: 32, lr: 0.1, lrDecayed: 0.01, decayStep: 150000, seed: 42, optimizer: 0 });
  assert.deepEqual(mm.presets.map((p) => [p.name, p.data.splitShuffles]), [['mlp3', 1], ['mlp8', 2], ['wavenet22k-bnbug', 2], ['wavenet22k', 2], ['wavenet76k', 2], ['wavenet76k-conv', 2], ['wavenet-gated', 2], ['bigram', 1],
    ['mlp', 2], ['bow', 2], ['rnn', 2], ['gru', 2], ['lstm', 2]]);
  // the families and optimizers: every model field is everyone's, or one family's own; every training field, or one optimizer's
  assert.deepEqual(mm.schema.families.map((f) => f.name), ['examples', 'conv', 'gated', 'bigram', 'mlp', 'bow', 'rnn']);
  assert.deepEqual(mm.schema.optimizers.map((o) => o.name), ['sgd', 'adamw']);
  assert.deepEqual(/** @type {SchemaField} */ (fields.find((f) => f.name === 'form')).values, mm.schema.families.map((f) => f.name));
  assert.deepEqual(/** @type {SchemaField} */ (fields.find((f) => f.name === 'optimizer')).values, mm.schema.optimizers.map((o) => o.name));
  for (const f of fields) if (f.owner) assert.ok(f.group === 'model' || f.group === 'training', `${f.name}: owned settings are a model's or a training's`);
});

test('the native CLI\'s --help lists exactly the schema\'s settings, group by group', { skip: noNative }, async () => {
  const { fields } = (await mmP).schema;
  const want = { model: flagsOf(fields, 'model'), data: flagsOf(fields, 'data'), training: flagsOf(fields, 'training') };
  for (const [cmd, groups] of /** @type {const} */ ([['train', ['model', 'data', 'training']], ['info', ['model', 'data']]])) {
    const r = spawnSync(CLI, [cmd, '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const got = settingOptions(r.stdout);
    assert.deepEqual(got.groups, Object.fromEntries(groups.map((g) => [g, want[g]])), `${cmd} --help`);
    // and no setting's option elsewhere (--seed is also the sampling seed, listed there)
    const listed = new Set(Object.values(got.groups).flat());
    const stray = got.all.filter((o) => fields.some((f) => f.flag === o) && !listed.has(o) && o !== '--seed' && o !== '--steps');
    assert.deepEqual(stray, [], `${cmd} --help: settings' options outside their groups`);
  }
  const sample = spawnSync(CLI, ['sample', '--help'], { encoding: 'utf8' }).stdout;
  assert.deepEqual(settingOptions(sample).groups, {}, 'sample takes no settings');
});

test('the Node CLI\'s --help: the same settings\' lines as the native CLI\'s', { skip: noNodeCli }, async () => {
  const { fields } = (await mmP).schema;
  for (const cmd of ['train', 'info']) {
    const r = spawnSync(process.execPath, [BIN, cmd, '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const got = settingOptions(r.stdout);
    const groups = cmd === 'train' ? ['model', 'data', 'training'] : ['model', 'data'];
    assert.deepEqual(got.groups, Object.fromEntries(groups.map((g) => [g, flagsOf(fields, g)])), `${cmd} --help`);
    if (!noNative) assert.deepEqual(got.lines, settingOptions(spawnSync(CLI, [cmd, '--help'], { encoding: 'utf8' }).stdout).lines, `${cmd}: the native lines`);
  }
});

test('the JS API\'s config objects, data settings and states hold exactly the schema\'s fields (of their family and optimizer)', async () => {
  const mm = await mmP;
  const { fields } = mm.schema;
  /** @param {string|number} form @returns {string[]} the model fields a family uses, sorted */
  const model = (form) => sorted(mm.familyFields(form).map((f) => f.js));
  /** @param {string} optimizer @param {string[]} groups @returns {string[]} the fields of groups that an optimizer's runs hold */
  const withOptimizer = (optimizer, groups) => sorted(fields.filter((f) => groups.includes(f.group) && (!f.owner || f.owner === optimizer)).map((f) => f.js));
  const data = sorted(jsNames(fields, ['data']));
  const m = mm.createModel({ vocabSize: 27, blockSize: 4, nEmbd: 3, nHidden: 5 }, { maxBatch: 4 });
  assert.deepEqual(sorted(Object.keys(m.config)), model('examples'), 'createModel(...).config');
  /** @type {Record<string, number>} the given fields, the rest the schema's defaults (an enum: its value's index) */
  const want = { vocabSize: 27, blockSize: 4, nEmbd: 3, nHidden: 5 };
  for (const f of mm.familyFields('examples'))
    if (!(f.js in want)) want[f.js] = f.type === 'enum' ? (f.values ?? []).indexOf(String(f.defaultText)) : Number(f.defaultText);
  assert.equal(want.bnMode, 0);
  assert.equal(want.nFlatLayers, 1);
  assert.deepEqual(m.config, want, 'the rest: the schema\'s defaults');
  const t = mm.createTrainer({ words: NAMES, preset: 'mlp8', config: { nHidden: 20 }, splitSeed: 7, steps: 10 });
  assert.deepEqual(sorted(Object.keys(t.config)), model('examples'), 'trainer.config');
  assert.deepEqual(sorted(Object.keys(t.data)), data, 'trainer.data');
  assert.deepEqual(t.data, { splitSeed: 7, splitShuffles: 2 }, 'the preset\'s shuffles, the given seed');
  assert.deepEqual(sorted(Object.keys(t.state)), withOptimizer('sgd', ['data', 'training', 'state']), 'trainer.state');
  for (const p of mm.presets) {
    assert.deepEqual(sorted(Object.keys(p.config)), model(p.config.form), `${p.name}: config`);
    assert.deepEqual(sorted(Object.keys(p.data)), data, `${p.name}: data`);
    assert.deepEqual(sorted(Object.keys(p.training)), withOptimizer(mm.schema.optimizers[p.training.optimizer].name, ['training']), `${p.name}: training`);
  }
  assert.deepEqual(sorted(Object.keys(mm.trainDefaults)), withOptimizer('sgd', ['training']), 'trainDefaults');
  // another family's own setting: at its default it is left out; else refused, naming whose it is
  const g = mm.createModel({ vocabSize: 27, form: 'gated', blockSize: 8, nEmbd: 4, nHidden: 3, nConsec: 2, nBlocks: 3, nSkip: 5, nFlatLayers: 1, bnMode: 'fixed' }, { maxBatch: 4 });
  assert.deepEqual(sorted(Object.keys(g.config)), model('gated'));
  assert.throws(() => mm.createModel({ vocabSize: 27, form: 'gated', blockSize: 8, nEmbd: 4, nHidden: 3, nConsec: 2, nBlocks: 3, nSkip: 5, bnMode: 'per-position' }),
    /BatchNorm mode is a setting of the examples family, not of the gated family/);
  const a = mm.createTrainer({ words: NAMES, preset: 'bigram', steps: 3 });
  assert.deepEqual(sorted(Object.keys(a.config)), model('bigram'), 'a bigram trainer\'s config');
  assert.deepEqual(sorted(Object.keys(a.state)), withOptimizer('adamw', ['data', 'training', 'state']), 'an AdamW trainer\'s state');
  // an optimizer's own settings at their defaults are left out for another (floats as float32: 0.9 is 0.8999999761581421)
  const d = mm.createTrainer({ words: NAMES, preset: 'mlp3', steps: 3, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.01 });
  assert.deepEqual(sorted(Object.keys(d.state)), withOptimizer('sgd', ['data', 'training', 'state']), 'AdamW\'s defaults with SGD: left out');
  assert.throws(() => mm.createTrainer({ words: NAMES, preset: 'mlp3', beta1: 0.5 }), /beta1 is a setting of the adamw optimizer, not of the sgd optimizer/);
  for (const o of [g, a, d]) o.free();
  const loaded = mm.loadModel(t.save());
  assert.deepEqual(loaded.config, t.config);
  assert.deepEqual(loaded.data, t.data);
  assert.deepEqual(loaded.training, t.state);
  // a setting in the wrong place is refused, saying where it goes
  assert.throws(() => mm.createTrainer({ words: NAMES, preset: 'mlp3', config: /** @type {any} */ ({ splitShuffles: 2 }) }), /config\.splitShuffles is not a model setting \(a data setting: give it as an option of its own, splitShuffles\)/);
  assert.throws(() => mm.createModel(/** @type {any} */ ({ vocabSize: 27, blockSize: 3, nEmbd: 2, nHidden: 2, nHiden: 4 })), /config\.nHiden is not a model setting; they are vocabSize, blockSize/);
  assert.throws(() => mm.createTrainer(/** @type {any} */ ({ words: NAMES, preset: 'bigram', form: 'examples' })), /form is a model setting: give it in config \(config\.form\)/);
  assert.throws(() => mm.createTrainer(/** @type {any} */ ({ words: NAMES, preset: 'mlp3', batchsize: 8 })), /unknown option batchsize \(options: words, preset, config, from, reproducible, splitShuffles, splitSeed/);
  assert.throws(() => mm.createTrainer(/** @type {any} */ ({ words: NAMES, preset: 'mlp3', step: 8 })), /step is a state setting, not an option/);
  for (const o of [m, t, loaded]) o.free();
});

test('the JSDoc typedefs (Config, DataSettings, TrainingState) declare the schema\'s fields', async () => {
  const { fields } = (await mmP).schema;
  const src = readFileSync(path.join(ROOT, 'wasm/makemore.mjs'), 'utf8');
  /** @param {string} name @returns {string[]} the @property names of a typedef */
  const props = (name) => {
    const m = new RegExp(`@typedef \\{object\\} ${name}\\n((?: \\*.*\\n)*?) \\*/`).exec(src);
    assert.ok(m, `typedef ${name}`);
    return [...m[1].matchAll(/@property \{[^}]*\} \[?(\w+)/g)].map((x) => x[1]);
  };
  assert.deepEqual(sorted(props('Config')), sorted(jsNames(fields, ['model'])), 'Config: every family\'s settings');
  assert.deepEqual(sorted(props('DataSettings')), sorted(jsNames(fields, ['data'])));
  assert.deepEqual(sorted(props('TrainingState')), sorted(jsNames(fields, ['data', 'training', 'state'])));
});
