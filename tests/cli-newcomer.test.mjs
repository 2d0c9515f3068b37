// cli-newcomer.test.mjs: the CLIs as a newcomer meets them (issue 23): progress at an interval that
// suits the run's length, --save confirmed, sampled names marked as in the training split, in another
// split, or new, and makemore.py's command line (-i, -o, --max-steps, --sample-only, --resume, --type,
// --batch-size, --learning-rate, --top-k -1) beside ours, in the Node CLI and the native one.
//   node --experimental-wasm-relaxed-simd --test tests/cli-newcomer.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { progressEvery } from '../bin/cli/output.mjs';
import { CLIS, ROOT, WASM_DIR, noWasm, run } from './clis.mjs';
import { fmtF } from '../bin/cli/printf.mjs';
import { loadMakemore } from '../wasm/makemore.mjs';

/** the steps of the progress lines of text output */
const progressSteps = (/** @type {string} */ s) => [...s.matchAll(/^ *(\d+)\/ *\d+: \d+\.\d{4}$/gm)].map((m) => Number(m[1]));

test('progress every 1, 2 or 5 x 10^k steps, 10 to 25 lines a run, at most every 10000 (the lecture\'s)', () => {
  const want = { 0: 1, 7: 1, 25: 2, 200: 20, 999: 50, 2000: 200, 4000: 200, 10001: 1000, 25000: 2000, 200000: 10000, 2147483647: 10000 };
  for (const [steps, every] of Object.entries(want)) assert.equal(progressEvery(Number(steps)), every, `${steps} steps`);
  for (let steps = 10; steps <= 100000; steps += 7) {
    const n = Math.ceil(steps / progressEvery(steps));
    assert.ok(n >= 10 && n <= 25, `${steps} steps: ${n} lines`);
  }
});

test('both CLIs: a 2000-step run prints its loss every 200 steps, a 25-step one every 2, in text and JSON', { skip: !CLIS.length && 'no CLI built' }, () => {
  for (const cli of CLIS) {
    const base = ['train', '--preset', 'mlp3', '--seed', '3', '--samples', '0', '--no-eval', '--threads', '1'];
    assert.deepEqual(progressSteps(run(cli, [...base, '--steps', '2000']).stdout), Array.from({ length: 10 }, (_, i) => 200 * i), cli[0]);
    assert.deepEqual(progressSteps(run(cli, [...base, '--steps', '25']).stdout), Array.from({ length: 13 }, (_, i) => 2 * i), cli[0]);
    const json = run(cli, [...base, '--steps', '2000', '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(json.filter((l) => 'loss' in l).map((l) => l.step), Array.from({ length: 10 }, (_, i) => 200 * i), cli[0]);
  }
});

/** a file's size as the CLIs write it: bytes, KiB or MiB with one decimal (printf's %.1f) */
const size = (/** @type {string} */ f) => {
  const n = statSync(f).size;
  return n < 1024 ? `${n} bytes` : n < 1 << 20 ? `${fmtF(n / 1024, 1)} KiB` : `${fmtF(n / (1 << 20), 1)} MiB`;
};

test('both CLIs: --save and --checkpoint say where they wrote and how much (on stdout; with --json on stderr)', { skip: !CLIS.length && 'no CLI built' }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mm-newcomer-'));
  try {
    for (const cli of CLIS) {
      const [m, c] = ['m', 'c'].map((x) => path.join(dir, `${cli[0]}-${x}.safetensors`));
      const args = ['train', '--preset', 'mlp3', '--steps', '20', '--samples', '0', '--no-eval', '--threads', '1', '--save', m, '--checkpoint', c];
      const r = run(cli, args);
      assert.match(r.stdout, new RegExp(`\nmodel written to ${m} \\(${size(m)}\\)\ncheckpoint written to ${c} \\(${size(c)}\\)\n$`), cli[0]);
      const j = run(cli, [...args, '--json']);
      j.stdout.trim().split('\n').forEach((l) => JSON.parse(l));
      assert.equal(j.stderr, `${cli[0]}: model written to ${m} (${size(m)})\n${cli[0]}: checkpoint written to ${c} (${size(c)})\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Where each name is in the split of names.txt with these settings, computed here from the split's word lists:
 * 'train', 'val', 'test' (the first that holds it) or 'new'.
 * @param {string[]} names @param {{shuffles: number, seed: number}} split
 */
async function whereIn(names, split) {
  const mm = await loadMakemore({ engine: 'simd', threads: 1, wasmDir: pathToFileURL(WASM_DIR + '/') });
  const words = mm.parseWords(readFileSync(path.join(ROOT, 'data/names.txt')));
  const s = words.split(split);
  const lists = s.words();
  const sets = /** @type {const} */ (['train', 'val', 'test']).map((k) => /** @type {const} */ ([k, new Set(lists[k])]));
  s.free();
  words.free();
  await mm.close();
  return names.map((n) => sets.find(([, set]) => set.has(n))?.[0] ?? 'new');
}
const TAGS = { train: 'in train', val: 'in val', test: 'in test', new: 'new' };
/** the names and marks of text output's sample lines: "emma.      in train" @param {string} s */
const markedLines = (s) => [...s.matchAll(/^(\S*)\. +(in train|in val|in test|new)$/gm)].map((m) => [m[1], m[2]]);

test('both CLIs: sampled names are marked as in the training split, in the val or test split, or new (text and JSON)', { skip: (noWasm || !CLIS.length) && 'no wasm or CLI build' }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mm-newcomer-'));
  try {
    for (const cli of CLIS) {
      const file = path.join(dir, `${cli[0]}.safetensors`);
      const args = ['train', '--preset', 'mlp3', '--steps', '2000', '--seed', '4', '--samples', '60', '--temperature', '0.6', '--no-eval', '--threads', '1'];
      const text = run(cli, [...args, '--save', file]).stdout;
      const lines = markedLines(text);
      assert.equal(lines.length, 60, `${cli[0]}:\n${text}`);
      const want = await whereIn(lines.map(([n]) => n), { shuffles: 1, seed: 42 }); // mlp3's split
      assert.deepEqual(lines.map(([, tag]) => tag), want.map((w) => TAGS[/** @type {keyof TAGS} */ (w)]), cli[0]);
      assert.ok(want.includes('train') && want.includes('new'), `${cli[0]}: some names seen, some new: ${want.join(' ')}`);
      // the marks in one column
      const sampleLines = text.split('\n').filter((l) => /\. +(in train|in val|in test|new)$/.test(l));
      assert.equal(new Set(sampleLines.map((l) => l.search(/(in train|in val|in test|new)$/))).size, 1, sampleLines.join('\n'));
      const json = JSON.parse(run(cli, [...args, '--json']).stdout.trim().split('\n').at(-1) ?? '');
      assert.deepEqual(json.where, await whereIn(json.samples, { shuffles: 1, seed: 42 }), `${cli[0]} --json`);
      assert.deepEqual(json.samples, lines.map(([n]) => n), `${cli[0]}: the same names in text and JSON`);
      // sample --model: marked by the split the file's data settings make of the word list
      const sampled = markedLines(run(cli, ['sample', '--model', file, '--count', '30', '--seed', '2', '--temperature', '0.6']).stdout);
      assert.equal(sampled.length, 30);
      assert.deepEqual(sampled.map(([, tag]) => tag), (await whereIn(sampled.map(([n]) => n), { shuffles: 1, seed: 42 })).map((w) => TAGS[/** @type {keyof TAGS} */ (w)]));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** a train run's JSON result without what legitimately differs between two runs (the time) */
const result = (/** @type {string} */ stdout) => {
  const { steps_per_sec, ...rest } = JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
  return rest;
};

test('both CLIs: a model trained on another vocabulary is not marked against the default word list (said on stderr); with its own list it is', { skip: !CLIS.length && 'no CLI built' }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mm-marks-'));
  try {
    const list = path.join(dir, 'abc.txt');
    writeFileSync(list, 'abc\nbca\ncab\nacb\nbac\ncba\n');
    const model = path.join(dir, 'abc.safetensors');
    run(CLIS[0], ['train', '--data', list, '--preset', 'mlp3', '--steps', '20', '--samples', '0', '--no-eval', '--save', model]);
    for (const cli of CLIS) {
      const other = run(cli, ['sample', '--model', model, '--count', '4']);
      assert.match(other.stderr, /names not marked: .*names\.txt has another vocabulary than the model/, cli[0]);
      assert.doesNotMatch(other.stdout, /in train|in val|in test|new/, cli[0]);
      const own = run(cli, ['sample', '--model', model, '--count', '4', '--data', list]);
      const lines = own.stdout.trim().split('\n');
      assert.equal(lines.length, 4, cli[0]);
      for (const l of lines) assert.match(l, /\s(in train|in val|in test|new)$/, `${cli[0]}: ${l}`); // each name marked
      assert.equal(own.stderr, '', cli[0]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('both CLIs: makemore.py\'s options beside ours: -i --max-steps --batch-size -b --learning-rate -l -w --top-k -1 --type', { skip: !CLIS.length && 'no CLI built' }, () => {
  const common = ['--seed', '3', '--samples', '5', '--json', '--losses', '--no-eval', '--threads', '1', '--reproducible'];
  for (const cli of CLIS) {
    const theirs = run(cli, ['train', '-i', 'data/names.txt', '--max-steps', '300', '--batch-size', '16', '--learning-rate', '0.05', '--top-k', '-1', '--type', 'wavenet22k', ...common]);
    const ours = run(cli, ['train', '--data', 'data/names.txt', '--steps', '300', '--batch', '16', '--lr', '0.05', '--top-k', '0', '--preset', 'wavenet22k', ...common]);
    assert.deepEqual(result(theirs.stdout), result(ours.stdout), cli[0]);
    assert.deepEqual([result(ours.stdout).steps, result(ours.stdout).decay_step, result(ours.stdout).lr], [300, 225, 0.05]);
    // makemore.py's --type mlp, bow, rnn, gru: its models (the presets of those names, makemore.py's parameter counts)
    for (const [t, params] of /** @type {const} */ ([['mlp', 69147], ['bow', 12827], ['rnn', 11803], ['gru', 28315]]))
      assert.equal(JSON.parse(run(cli, ['info', '--type', t, '--json']).stdout).params, params, `${cli[0]} --type ${t}`);
    const short = run(cli, ['train', '--input-file', 'data/names.txt', '--max-steps', '50', '-b', '8', '-l', '0.02', '-w', '0.5', '--type', 'bigram', ...common]);
    const long = run(cli, ['train', '--data', 'data/names.txt', '--steps', '50', '--batch', '8', '--lr', '0.02', '--weight-decay', '0.5', '--preset', 'bigram', ...common]);
    assert.deepEqual(result(short.stdout), result(long.stdout), cli[0]);
    assert.equal(result(short.stdout).params, 729, 'makemore.py\'s Bigram');
    // a makemore.py type not here yet: what is, named
    const tf = run(cli, ['train', '--type', 'transformer'], { status: 2 });
    assert.match(tf.stderr, new RegExp(`^${cli[0]}: --type transformer: makemore\\.py's Transformer is not here yet; the types here: makemore\\.py's bigram, mlp, bow, rnn, gru, or a preset: mlp3 mlp8 wavenet22k-bnbug wavenet22k wavenet76k wavenet76k-conv wavenet-gated bigram mlp bow rnn gru lstm`), cli[0]);
    assert.match(run(cli, ['info', '--type', 'lstmx'], { status: 2 }).stderr, /--type lstmx: not a type; the types here: makemore\.py's bigram/);
    assert.equal(JSON.parse(run(cli, ['info', '--type', 'lstm', '--json']).stdout).params, 36891, 'lstm: a preset\'s name');
    assert.equal(JSON.parse(run(cli, ['info', '--type', 'wavenet76k', '--json']).stdout).params, 76579, 'a preset\'s name is a type');
    // an alias's value refused names the option as given
    assert.match(run(cli, ['train', '--max-steps', 'abc'], { status: 2 }).stderr, /--max-steps takes a whole number in 0\.\.2147483647, not 'abc'/);
    assert.match(run(cli, ['sample', '--top-k', '-2'], { status: 2 }).stderr, /--top-k takes a whole number from 0 \(all tokens; -1 too\) to 1024, not '-2'/);
  }
});

test('both CLIs, as makemore.py: -i FILE -o DIR --max-steps N (no subcommand) writes DIR/model.safetensors and DIR/log.txt; --sample-only and --resume use them', { skip: (noWasm || !CLIS.length) && 'no wasm or CLI build' }, async () => {
  const mm = await loadMakemore({ engine: 'simd', threads: 1, wasmDir: pathToFileURL(WASM_DIR + '/') });
  const tmp = mkdtempSync(path.join(tmpdir(), 'mm-newcomer-'));
  try {
    for (const cli of CLIS) {
      const dir = path.join(tmp, cli[0], 'work');
      const model = `${dir}/model.safetensors`;
      const log = `${dir}/log.txt`;
      // makemore.py's command line: trains (mlp3, ours by default), the work dir made
      const first = run(cli, ['-i', 'data/names.txt', '-o', dir, '--max-steps', '200', '--seed', '7', '--threads', '1']);
      assert.ok(existsSync(model) && existsSync(log), `${cli[0]}: ${model} and ${log}`);
      assert.match(first.stdout, /^200 steps, batch 32, sgd: lr 0\.1 -> 0\.01 at step 150$/m);
      assert.match(first.stdout, new RegExp(`\\nmodel written to ${dir}/model\\.safetensors \\(${size(model).replace('.', '\\.')}\\)\\nlog of the run: ${dir}/log\\.txt\\n$`));
      assert.equal(readFileSync(log, 'utf8'), first.stdout, `${cli[0]}: the log is the run's output`);
      const m = mm.loadModel(readFileSync(model));
      assert.deepEqual([m.training?.step, m.training?.steps, m.numParams], [200, 200, 12097], `${cli[0]}: a checkpoint of the run`);
      m.free();
      // --sample-only: names from the work dir's model, marked, as sample --model gives them
      const only = run(cli, ['-o', dir, '--sample-only', '--seed', '5', '--count', '12']).stdout;
      assert.equal(only, run(cli, ['sample', '--model', model, '--seed', '5', '--count', '12']).stdout, cli[0]);
      assert.equal(markedLines(only).length, 12, only);
      const json = JSON.parse(run(cli, ['--sample-only', '-o', dir, '--seed', '5', '--count', '12', '--json']).stdout);
      assert.deepEqual(json.samples, markedLines(only).map(([n]) => n));
      assert.deepEqual(json.where.map((/** @type {keyof TAGS} */ w) => TAGS[w]), markedLines(only).map(([, t]) => t));
      assert.equal(json.model, model);
      // --resume (no FILE): continues the work dir's model to the new total; the log goes on
      const second = run(cli, ['-i', 'data/names.txt', '-o', dir, '--resume', '--max-steps', '300', '--threads', '1']);
      assert.match(second.stdout, /^resuming at step 200\n300 steps, batch 32, sgd: lr 0\.1 -> 0\.01 at step 150$/m);
      assert.equal(readFileSync(log, 'utf8'), first.stdout + second.stdout);
      const m2 = mm.loadModel(readFileSync(model));
      assert.equal(m2.training?.step, 300);
      m2.free();
      // the subcommands take them too; makemore.py's default work dir is out/
      const cwd = path.join(tmp, cli[0]);
      run(cli, ['train', '-i', path.join(ROOT, 'data/names.txt'), '-o', 'other', '--max-steps', '20', '--samples', '0', '--no-eval'], { cwd });
      assert.ok(existsSync(path.join(cwd, 'other/model.safetensors')));
      run(cli, ['--input-file', path.join(ROOT, 'data/names.txt'), '--max-steps', '20', '--samples', '0', '--no-eval'], { cwd });
      assert.ok(existsSync(path.join(cwd, 'out/model.safetensors')) && existsSync(path.join(cwd, 'out/log.txt')), `${cli[0]}: out/`);
      // what cannot be: said
      assert.match(run(cli, ['train', '--resume', '--steps', '5'], { status: 2 }).stderr, /--resume without a FILE continues the work dir's model: give -o DIR \(or --resume FILE\)/);
      assert.match(run(cli, ['--sample-only', '-o', path.join(tmp, 'none')], { status: 1 }).stderr, /cannot read .*none\/model\.safetensors/);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await mm.close();
  }
});
