// lab-runner.test.mjs: the experiment runner (web/lab/runner.js) and its Node side (bench/lab-node.mjs,
// bench/sweep.mjs): spec expansion over presets, grids and seeds; validation errors naming the bad key;
// JSON and CSV export/import round trips; refusal of files that are not an export or are cut short;
// and a sweep's records against independent computations: the same runs through createTrainer
// directly (every step's loss and the eval losses, bitwise), and the native CLI's --json (its printed
// losses), on the reproducible engine; bench/sweep.mjs's JSON lines with --jobs 1 and 2 alike.
//   node --experimental-wasm-relaxed-simd --test tests/lab-runner.test.mjs
// MM_WASM_DIR: the .wasm folder (default build-wasm/); MM_NATIVE_CLI (default build/makemore; that
// comparison is skipped without it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { loadMakemore } from '../wasm/makemore.mjs';
import { COLUMNS, CurveBuilder, commonText, curveGroup, expandSpec, exportCsv, exportJson, importCsv, importJson, sortRecords, tableColumns, tableRow, withSteps } from '../web/lab/runner.js';
import { trainPlan } from '../bench/lab-node.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WASM_DIR = path.resolve(ROOT, process.env.MM_WASM_DIR ?? 'build-wasm');
const CLI = path.resolve(ROOT, process.env.MM_NATIVE_CLI ?? 'build/makemore');
const noWasm = !existsSync(path.join(WASM_DIR, 'makemore-simd.wasm')) && `no ${WASM_DIR}/makemore-simd.wasm`;
const NAMES = readFileSync(path.join(ROOT, 'data/names.txt'));

/** @type {import('../wasm/makemore.mjs').Makemore} */
let mm;
const schema = async () => {
  mm ??= await loadMakemore({ engine: 'simd', threads: 1, wasmDir: pathToFileURL(WASM_DIR + '/').href });
  return mm.schema;
};

test('a spec expands: runs x grid, layered over the preset (or the defaults), names and decay', { skip: noWasm }, async () => {
  const s = await schema();
  const plans = expandSpec({ name: 'w', base: { preset: 'wavenet22k', schedule: { steps: 2000 }, seed: 7 },
    grid: { nEmbd: [10, 24], nHidden: [64, 128], seed: [1, 2] } }, s);
  assert.equal(plans.length, 8);
  assert.deepEqual(plans.map((p) => [p.config.nEmbd, p.config.nHidden, p.seed]), [
    [10, 64, '1'], [10, 64, '2'], [10, 128, '1'], [10, 128, '2'], [24, 64, '1'], [24, 64, '2'], [24, 128, '1'], [24, 128, '2']]);
  const p22 = /** @type {any} */ (s.presets.find((p) => p.name === 'wavenet22k'));
  for (const p of plans) {
    assert.equal(p.config.blockSize, p22.config.blockSize);
    assert.equal(p.config.nConsec, p22.config.nConsec);
    assert.equal(p.schedule.steps, 2000);
    assert.equal(p.schedule.decayStep, 1500); // the preset's 150000 of 200000
    assert.equal(p.valEvery, 200); // min(10000, 2000 / 10)
    assert.equal(p.dataset, 'names.txt');
    assert.equal(p.sweep, 'w');
  }
  assert.equal(plans[5].name, 'wavenet22k nEmbd=24 nHidden=64 seed=2');
  assert.equal(plans[5].what, 'wavenet22k nEmbd=24 nHidden=64');
  assert.deepEqual(plans.map((p) => p.index), [0, 1, 2, 3, 4, 5, 6, 7]);
  // no preset: the schema's defaults (the lecture's 3-char MLP); enums by name; the lecture spec
  const [d] = expandSpec({ base: { config: { bnMode: 'per-position', nHidden: 50 }, schedule: { decayStep: 5, steps: 10, valEvery: 0 } } }, s);
  assert.deepEqual([d.preset, d.config.blockSize, d.config.nHidden, d.config.bnMode, d.schedule.decayStep, d.valEvery, d.seed], ['custom', 3, 50, 1, 5, 0, '42']);
  const lecture = expandSpec(JSON.parse(readFileSync(path.join(ROOT, 'web/lab/lecture.json'), 'utf8')), s);
  assert.deepEqual(lecture.map((p) => p.preset), ['mlp3', 'mlp8', 'wavenet22k-bnbug', 'wavenet22k', 'wavenet76k']);
  assert.deepEqual(lecture.map((p) => p.reference?.val), [2.105, 2.034, 2.026, 2.019, 1.990]);
  assert.ok(lecture.every((p) => p.schedule.steps === 200000 && p.schedule.decayStep === 150000 && p.valEvery === 10000));
  assert.deepEqual(withSteps(lecture, 400).map((p) => [p.schedule.steps, p.schedule.decayStep, p.valEvery]), Array(5).fill([400, 300, 50]));
  // a grid over presets and learning rates
  const g = expandSpec({ grid: { preset: ['mlp3', 'mlp8'], lr: [0.1, 0.05] } }, s);
  assert.deepEqual(g.map((p) => [p.preset, p.schedule.lr, p.config.blockSize]), [['mlp3', 0.1, 3], ['mlp3', 0.05, 3], ['mlp8', 0.1, 8], ['mlp8', 0.05, 8]]);
});

test('bad specs are refused naming the bad key', { skip: noWasm }, async () => {
  const s = await schema();
  /** @type {[unknown, RegExp][]} */
  const cases = [
    [[], /^spec: must be a JSON object/],
    [{ bogus: 1 }, /^spec\.bogus: unknown key/],
    [{ grid: { nEmbed: [1] } }, /^grid\.nEmbed: not a setting to sweep/],
    [{ grid: { nEmbd: [] } }, /^grid\.nEmbd: must be a non-empty list/],
    [{ grid: { nEmbd: 5 } }, /^grid\.nEmbd: must be a non-empty list/],
    [{ grid: { nEmbd: [10, 1.5] } }, /^grid\.nEmbd\[1\]: 1\.5 is not a whole number \(embedding size/],
    [{ grid: { nHidden: [0] } }, /^grid\.nHidden\[0\]: 0 is out of range \(hidden size: a whole number in 1\.\.8192\)/],
    [{ grid: { lr: ['fast'] } }, /^grid\.lr\[0\]: "fast" is not a number/],
    [{ grid: { seed: [-1] } }, /^grid\.seed\[0\]: -1 is not a seed/],
    [{ grid: { preset: ['mlp9'] } }, /^grid\.preset\[0\]: "mlp9" is not a preset \(mlp3, mlp8/],
    [{ base: { preset: 'nope' } }, /^base\.preset: "nope" is not a preset/],
    [{ base: { config: { vocabSize: 5 } } }, /^base\.config\.vocabSize: not a model or split setting/],
    [{ base: { config: { bnMode: 'sideways' } } }, /^base\.config\.bnMode: "sideways" is not one of fixed, per-position/],
    [{ base: { schedule: { warmup: 5 } } }, /^base\.schedule\.warmup: not a schedule setting/],
    [{ base: { schedule: { valEvery: -1 } } }, /^base\.schedule\.valEvery: -1 is not a whole number >= 0/],
    [{ base: { steps: 5 } }, /^base\.steps: unknown key \(expected name, preset, config, schedule/],
    [{ runs: [] }, /^runs: must be a non-empty list/],
    [{ runs: [{ reference: { train: 1 } }] }, /^runs\[0\]\.reference\.val: must be a number/],
    [{ grid: { nEmbd: Array.from({ length: 40 }, (_, i) => i + 1), nHidden: Array.from({ length: 40 }, (_, i) => i + 1) } }, /^grid: 1600 runs: at most 1000/],
  ];
  for (const [spec, re] of cases) assert.throws(() => expandSpec(spec, s), (e) => e instanceof Error && re.test(e.message), `${JSON.stringify(spec)}: ${re}`);
});

test('the curve: log10 loss averaged over whole groups (1000 from 200,000 steps, about 200 points below)', () => {
  assert.deepEqual([200000, 400000, 20000, 2000, 300, 100].map(curveGroup), [1000, 1000, 100, 10, 2, 1]);
  const c = new CurveBuilder(300);
  const l = Float32Array.from({ length: 301 }, (_, i) => 1 + i / 100);
  c.append(l.subarray(0, 3));
  c.append(l.subarray(3));
  const { group, y } = c.curve();
  assert.equal(group, 2);
  assert.equal(y.length, 150); // whole groups only
  for (let i = 0; i < y.length; i++) assert.equal(y[i], (Math.log10(l[2 * i]) + Math.log10(l[2 * i + 1])) / 2);
});

/** A few records, trained (one after another) by the Node runner. */
let trained = /** @type {import('../web/lab/runner.js').RunRecord[]} */ ([]);
const SPEC = { name: 'tiny', base: { preset: 'mlp3', schedule: { steps: 240, valEvery: 100 }, reproducible: true }, grid: { nHidden: [20, 40], seed: [3, 4] } };

test('a sweep\'s records equal the same runs through createTrainer directly (bitwise)', { skip: noWasm }, async () => {
  const s = await schema();
  const plans = expandSpec(SPEC, s);
  const words = mm.parseWords(NAMES);
  for (const plan of plans) {
    /** @type {number[]} */ const seen = [];
    const r = trainPlan(mm, words, plan, { onLosses: (at, l) => seen.push(...l) });
    trained.push(r);
    // the independent run: createTrainer with the CLI's settings by hand, every step at once
    const t = mm.createTrainer({ words, preset: 'mlp3', config: { nHidden: plan.config.nHidden }, steps: 240, decayStep: 180, seed: Number(plan.seed), reproducible: true });
    const l = t.run(240);
    assert.deepEqual(seen, Array.from(l));
    const eval3 = [t.evaluate('train'), t.evaluate('val'), t.evaluate('test')];
    assert.deepEqual([r.train, r.val, r.test], eval3);
    assert.equal(r.params, t.numParams);
    assert.equal(r.steps, 240);
    const g = curveGroup(240);
    assert.equal(r.curve.group, g);
    assert.deepEqual(r.curve.y, Array.from({ length: Math.floor(240 / g) }, (_, i) => Array.from(l.subarray(i * g, (i + 1) * g)).reduce((a, x) => a + Math.log10(x), 0) / g));
    assert.deepEqual(r.vals.map((v) => v.step), [100, 200, 240]);
    assert.equal(r.vals[2].loss, eval3[1]);
    t.free();
  }
  words.free();
  assert.deepEqual(trained.map((r) => [r.name, r.what, r.seed]), [['mlp3 nHidden=20 seed=3', 'mlp3 nHidden=20', '3'], ['mlp3 nHidden=20 seed=4', 'mlp3 nHidden=20', '4'],
    ['mlp3 nHidden=40 seed=3', 'mlp3 nHidden=40', '3'], ['mlp3 nHidden=40 seed=4', 'mlp3 nHidden=40', '4']]);
});

test('a sweep over families and optimizers: the bigram (AdamW) beside the lecture\'s MLP, with SGD and AdamW; bitwise createTrainer\'s runs', { skip: noWasm }, async () => {
  const s = await schema();
  const spec = { name: 'families', base: { schedule: { steps: 60 }, seed: 5, reproducible: true },
    runs: [{ preset: 'bigram' }, { preset: 'mlp3', schedule: { optimizer: 'adamw', lr: 0.003, lrDecayed: 0.003 } }],
    grid: { weightDecay: [0.01, 0.1] } };
  const plans = [...expandSpec(spec, s), ...expandSpec({ base: { preset: 'mlp3', schedule: { steps: 60 } } }, s)];
  assert.equal(plans.length, 5);
  const adamw = s.optimizers.findIndex((o) => o.name === 'adamw');
  assert.deepEqual(plans.map((p) => [p.preset, p.config.form, p.schedule.optimizer, p.schedule.weightDecay]), [
    ['bigram', 3, adamw, 0.01], ['bigram', 3, adamw, 0.1], ['mlp3', 0, adamw, 0.01], ['mlp3', 0, adamw, 0.1], ['mlp3', 0, 0, undefined]]);
  assert.deepEqual(Object.keys(plans[0].config).sort(), ['blockSize', 'form'], 'the bigram\'s settings alone');
  assert.equal(plans[0].schedule.lr, 0.0005, 'makemore.py\'s learning rate');
  const words = mm.parseWords(NAMES);
  for (const plan of [plans[1], plans[3]]) {
    /** @type {number[]} */ const seen = [];
    const r = trainPlan(mm, words, plan, { onLosses: (at, l) => seen.push(...l) });
    const t = mm.createTrainer({ words, preset: plan.preset, steps: 60, decayStep: plan.schedule.decayStep, seed: 5, reproducible: true,
      optimizer: 'adamw', lr: plan.schedule.lr, lrDecayed: plan.schedule.lrDecayed, weightDecay: plan.schedule.weightDecay });
    assert.deepEqual(seen, Array.from(t.run(60)), `${plan.name}: the runner's losses are createTrainer's`);
    assert.equal(r.val, t.evaluate('val'));
    assert.equal(t.state.optimizerStep, 60);
    t.free();
  }
  words.free();
  // another optimizer's or family's own setting is refused, naming it and the run
  assert.throws(() => expandSpec({ ...spec, runs: [...spec.runs, { preset: 'mlp3' }] }, s), /^Error: mlp3 weightDecay=0\.1: weightDecay: weight decay is a setting of the adamw optimizer, not of this run's sgd$/);
  assert.throws(() => expandSpec({ base: { preset: 'wavenet-gated', config: { bnMode: 'per-position' } } }, s), /BatchNorm mode is a setting of the examples family, not of this run's gated/);
  // at its default it is left out (a float compared as float32: beta1 0.9 is the schema's 0.8999999761581421)
  const [sgd] = expandSpec({ base: { preset: 'mlp3', schedule: { beta1: 0.9, eps: 1e-8, weightDecay: 0.01 } } }, s);
  assert.ok(!('beta1' in sgd.schedule) && !('eps' in sgd.schedule) && !('weightDecay' in sgd.schedule), JSON.stringify(sgd.schedule));
});

test('the records\' losses are the native CLI\'s --json (reproducible engine)', { skip: noWasm || (!existsSync(CLI) && `no native CLI at ${CLI}`) }, () => {
  for (const r of trained) {
    const p = spawnSync(CLI, ['train', '--preset', 'mlp3', '--hidden', String(r.config.nHidden), '--steps', '240', '--decay-step', '180', '--seed', r.seed,
      '--reproducible', '--json', '--samples', '0', '--threads', '1'], { encoding: 'utf8' });
    assert.equal(p.status, 0, p.stderr);
    const x = JSON.parse(p.stdout.trim().split('\n').at(-1) ?? '');
    assert.equal(x.params, r.params);
    for (const k of /** @type {const} */ (['train', 'val', 'test'])) assert.equal(x[`${k}_loss`], Number((/** @type {number} */ (r[k])).toFixed(6)), `${r.name} ${k}`);
  }
});

test('JSON export and import round trip; CSV too; sorting by any column', { skip: noWasm }, async () => {
  assert.ok(trained.length === 4);
  const s = await schema();
  const back = importJson(exportJson(trained));
  assert.deepEqual(back, trained);
  const text = exportCsv(trained, s);
  const csv = importCsv(text);
  assert.deepEqual(csv.map(tableRow), trained.map(tableRow));
  assert.deepEqual(csv, trained.map((r) => ({ ...r }))); // every field, the curve and the points too (numbers print exactly)
  // the page's table and the CSV: the name, the swept settings (hidden size and seed: what differs), the results
  assert.deepEqual(tableColumns(trained, s).map((c) => c.label), ['run', 'hidden size', 'seed', 'params', 'train', 'val', 'test', 'steps/s', 'wall s']);
  assert.equal(commonText(trained, s), 'sweep “tiny” · preset mlp3 · steps 240 · batch size 32 · learning rate 0.1 · decayed learning rate 0.01 · decay step 180 · optimizer sgd · data set names.txt');
  assert.deepEqual(text.slice(0, text.indexOf('\n')).split(','), ['id', 'name', 'n_hidden', 'seed', 'params', 'train', 'val', 'test', 'steps_per_sec', 'wall_s',
    'sweep', 'preset', 'config', 'dataset', 'config_json', 'data_json', 'schedule_json', 'val_every', 'reproducible', 'engine', 'threads', 'steps_trained', 'where',
    'finished_at', 'curve_group', 'curve', 'vals']);
  assert.deepEqual(text.split('\n').slice(1, 5).map((l) => l.split(',').slice(1, 4)), trained.map((r) => [r.name, String(r.config.nHidden), r.seed]));
  // one run: no setting differs, every one is said above the table
  assert.deepEqual(tableColumns(trained.slice(0, 1), s).map((c) => c.key), ['name', 'params', 'train', 'val', 'test', 'steps_per_sec', 'wall_s']);
  assert.match(commonText(trained.slice(0, 1), s), /^mlp3 nHidden=20 · sweep “tiny” · steps 240 · .* · seed 3 · data set names\.txt$/);
  for (const c of [...COLUMNS, ...tableColumns(trained, s)]) {
    const up = sortRecords(trained, c.key, 1, [c]).map((r) => c.value(r));
    const down = sortRecords(trained, c.key, -1, [c]).map((r) => c.value(r));
    const cmp = (/** @type {any} */ a, /** @type {any} */ b) => (typeof a === 'number' ? a - b : String(a).localeCompare(String(b), 'en', { numeric: true }));
    for (let i = 1; i < up.length; i++) {
      assert.ok(cmp(up[i - 1], up[i]) <= 0, `${c.key} ascending`);
      assert.ok(cmp(down[i - 1], down[i]) >= 0, `${c.key} descending`);
    }
  }
});

test('imports that are not an export, or are cut short, are refused with a message', { skip: noWasm }, async () => {
  const good = exportJson(trained);
  /** @type {[string, RegExp][]} */
  const cases = [
    ['hello', /^not imported: the file is not JSON, or it is cut short/],
    [good.slice(0, Math.floor(good.length / 2)), /^not imported: the file is not JSON, or it is cut short/],
    ['{"runs": []}', /^not imported: not a run export of makemore-wasm/],
    ['[1,2]', /^not imported: not a run export/],
    [good.replace('"version": 1', '"version": 9'), /^not imported: export version 9/],
    [JSON.stringify({ ...JSON.parse(good), count: 5 }), /^not imported: the export says 5 runs but holds 4: it is incomplete/],
    [JSON.stringify({ ...JSON.parse(good), runs: [{ ...trained[0], params: 'many' }, ...trained.slice(1)] }), /^not imported: runs\[0\]\.params is not a number/],
    [JSON.stringify({ ...JSON.parse(good), runs: [trained[0], { ...trained[1], curve: undefined }, ...trained.slice(2)] }), /^not imported: runs\[1\]\.curve is missing/],
  ];
  for (const [text, re] of cases) assert.throws(() => importJson(text), (e) => e instanceof Error && re.test(e.message), String(re));
  const csv = exportCsv(trained, await schema());
  assert.throws(() => importCsv('a,b\n1,2\n'), /not imported: not a run table of makemore-wasm \(its header lacks id, name, params/);
  // cut inside a row (a cut at a row's end leaves a whole table of fewer runs: the JSON export counts its runs)
  const lines = csv.split('\n');
  const inRow2 = lines.slice(0, 2).join('\n').length + 1 + Math.floor(lines[2].length / 2);
  for (const cut of [csv.length - 40, csv.length - 3, inRow2])
    assert.throws(() => importCsv(csv.slice(0, cut)), /not imported: row \d has \d+ cells|not imported: the CSV ends inside|not imported: row \d\.(vals|curve)/, `cut at ${cut}`);
});

test('bench/sweep.mjs: a JSON line per run with the table\'s columns; --jobs 2 gives the same numbers', { skip: noWasm }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mm-sweep-'));
  try {
    const spec = path.join(dir, 'spec.json');
    writeFileSync(spec, JSON.stringify(SPEC));
    const run = (/** @type {string[]} */ extra) => {
      const p = spawnSync(process.execPath, [path.join(ROOT, 'bench/sweep.mjs'), spec, '--engine', 'simd', ...extra],
        { encoding: 'utf8', env: { ...process.env, MM_WASM_DIR: WASM_DIR } });
      assert.equal(p.status, 0, p.stderr);
      return p.stdout.trim().split('\n').map((l) => JSON.parse(l));
    };
    const one = run(['--jobs', '1', '--out', path.join(dir, 'runs.json')]);
    const two = run(['--jobs', '2']);
    const keys = [...COLUMNS.map((c) => c.key), 'curve_group', 'curve', 'vals'];
    for (const line of one) assert.deepEqual(Object.keys(line), keys);
    const numbers = (/** @type {any[]} */ ls) => ls.map((l) => [l.name, l.params, l.train, l.val, l.test, l.curve, l.vals]).sort();
    assert.deepEqual(numbers(one), numbers(two));
    assert.deepEqual(numbers(one), numbers(trained.map((r) => ({ ...tableRow(r), curve: r.curve.y, vals: r.vals }))));
    assert.deepEqual(importJson(readFileSync(path.join(dir, 'runs.json'), 'utf8')).map((r) => r.name), one.map((l) => l.name));
    const bad = spawnSync(process.execPath, [path.join(ROOT, 'bench/sweep.mjs'), spec, '--jobs', 'x'], { encoding: 'utf8' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--jobs x: a whole number >= 1/);
    // a run the core refuses: its own line with the core's message, the others go on, exit status 1
    writeFileSync(spec, JSON.stringify({ base: { preset: 'wavenet22k', schedule: { steps: 20 } }, grid: { blockSize: [7, 8] } }));
    const partly = spawnSync(process.execPath, [path.join(ROOT, 'bench/sweep.mjs'), spec, '--engine', 'simd'], { encoding: 'utf8', env: { ...process.env, MM_WASM_DIR: WASM_DIR } });
    assert.equal(partly.status, 1);
    const [l7, l8] = partly.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(l7, { name: 'wavenet22k blockSize=7', error: 'a hierarchical model needs the block size (7) to be a power of the group size (2)' });
    assert.equal(l8.params, 22397);
    writeFileSync(spec, JSON.stringify({ grid: { nEmbed: [1] } }));
    const badSpec = spawnSync(process.execPath, [path.join(ROOT, 'bench/sweep.mjs'), spec], { encoding: 'utf8', env: { ...process.env, MM_WASM_DIR: WASM_DIR } });
    assert.match(badSpec.stderr, /sweep: grid\.nEmbed: not a setting to sweep/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runQueue: each lane runs one plan at a time, plans in order; runOne is told its lane; stopped ends it after the runs under way', async () => {
  const { runQueue } = await import('../web/lab/runner.js');
  const plans = /** @type {any[]} */ (Array.from({ length: 5 }, (_, index) => ({ index, name: `p${index}` })));
  /** @type {string[]} */
  const log = [];
  const busy = [false, false];
  /** @type {(() => void)[]} */
  const waiting = [];
  const runOne = (/** @type {any} */ plan, /** @type {number} */ lane) => new Promise((resolve) => {
    assert.equal(busy[lane], false, `lane ${lane} runs one plan at a time`);
    busy[lane] = true;
    log.push(`${plan.name}@${lane}`);
    waiting.push(() => { busy[lane] = false; resolve(plan.name); });
  });
  const done = runQueue(plans, runOne, { jobs: 2 });
  // finish the runs one by one, the oldest first: the lane that frees up takes the next plan
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setImmediate(r));
    /** @type {() => void} */ (waiting.shift())();
  }
  assert.deepEqual(await done, ['p0', 'p1', 'p2', 'p3', 'p4']);
  assert.deepEqual(log, ['p0@0', 'p1@1', 'p2@0', 'p3@1', 'p4@0']);
  // one lane: every plan on lane 0; stopped after the second: two results
  let n = 0;
  const lanes = /** @type {number[]} */ ([]);
  const r = await runQueue(plans, async (p, lane) => { lanes.push(lane); n++; return p.name; }, { stopped: () => n >= 2 });
  assert.deepEqual([r, lanes], [['p0', 'p1'], [0, 0]]);
});
