// node-cli.test.mjs: bin/makemore-wasm.mjs, the Node CLI over the WebAssembly core.
//   (a) it prints what the native CLI (build/makemore) prints for the same arguments:
//       info, train (--reproducible: bitwise the same losses, split, parameters, eval
//       losses and samples), sample (top-k, top-p and temperature included), in JSON
//       and in text. Excluded from the comparison, and only these: steps_per_sec (a
//       time) and engine (the kernels' name: natively 'scalar' or 'fma', in wasm 'simd'
//       or 'relaxed-simd'; the header line of text output names it too).
//   (b) every subcommand answers --help / -h on stdout with its usage, exit 0, and
//       lists every option the native CLI's help of that subcommand lists;
//   (c) bad input: a message naming the option or file, exit 2 for usage errors
//       (1 for what the core refuses, as natively), never a stack trace;
//   (d) Ctrl-C (SIGINT) during train: with --checkpoint the run is saved at the step
//       it reached, exit 130, and --resume continues bitwise as an uninterrupted run;
//   and the fallback when the relaxed module cannot run (the strict SIMD threaded module, said on stderr).
// The CLI is spawned with plain `node` (no flags), so train runs itself again with
// --experimental-wasm-relaxed-simd, as from a shebang. Native comparisons are skipped
// without build/makemore (MM_NATIVE_CLI).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { loadMakemore } from '../wasm/makemore.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'bin/makemore-wasm.mjs');
const CLI = path.resolve(ROOT, process.env.MM_NATIVE_CLI ?? 'build/makemore');
const noNative = !existsSync(CLI) && `no native CLI at ${CLI}`;
const noWasm = !existsSync(path.join(ROOT, 'build-wasm/makemore-simd.wasm')) && 'no wasm build in build-wasm/';
const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';

/** @param {string[]} args @param {{cwd?: string, env?: Record<string, string>, node?: string[]}} [o] */
function wasmCli(args, o = {}) {
  return spawnSync(process.execPath, [...(o.node ?? []), BIN, ...args], {
    encoding: 'utf8', cwd: o.cwd ?? ROOT, env: { ...process.env, ...o.env }, maxBuffer: 1 << 26,
  });
}
/** @param {string[]} args */
function nativeCli(args) {
  return spawnSync(CLI, args, { encoding: 'utf8', cwd: ROOT, maxBuffer: 1 << 26 });
}
/** @param {ReturnType<typeof spawnSync>} r @param {string} what */
function ok(r, what) {
  assert.equal(r.status, 0, `${what}: exit ${r.status} ${r.signal ?? ''}\n${r.stderr}`);
  return String(r.stdout);
}
/** every line of stdout as JSON */
const jsonLines = (/** @type {string} */ s) => s.trim().split('\n').map((l) => JSON.parse(l));
/** the JSON of a train run without the fields that legitimately differ */
function comparable(/** @type {any[]} */ lines) {
  return lines.map(({ steps_per_sec, engine, threads, threads_measured, ...rest }) => rest); // speed and threads are measured
}
const f32bits = (/** @type {number[]} */ a) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

test('(a) info: the same JSON and text as the native CLI', { skip: noNative || noWasm }, () => {
  for (const args of [
    ['info', '--json'],
    ['info', '--json', '--preset', 'wavenet76k'],
    ['info', '--json', '--preset', 'mlp8', '--block', '4', '--hidden', '50', '--shuffles', '3', '--bn', 'per-position'],
    ['info', '--preset', 'wavenet22k'],
    ['info'],
  ]) {
    const mine = ok(wasmCli(args), args.join(' '));
    assert.equal(mine, ok(nativeCli(args), args.join(' ')), args.join(' '));
  }
  // independent of the native CLI: the lecture's numbers
  const j = JSON.parse(ok(wasmCli(['info', '--json', '--preset', 'wavenet22k']), 'info'));
  assert.deepEqual([j.params, j.split, j.words, j.vocab_size], [22397, [182473, 22827, 22846], 32033, 27]);
});

test('(a) train --json --losses --reproducible: bitwise the native CLI\'s numbers', { skip: noNative || noWasm }, () => {
  const args = ['train', '--json', '--losses', '--steps', '300', '--preset', 'wavenet22k', '--seed', '7', '--reproducible', '--threads', '1'];
  const mine = jsonLines(ok(wasmCli(args), 'wasm train'));
  const native = jsonLines(ok(nativeCli(args), 'native train'));
  assert.equal(mine.length, 16); // {"step":0,...}, {"step":20,...} ... {"step":280,...} (every 20 steps in a run of 300), then the run
  const run = mine[15];
  assert.equal(run.losses.length, 300);
  assert.equal(run.samples.length, 20);
  assert.equal(run.threads, 1);
  assert.equal(typeof run.steps_per_sec, 'number');
  assert.ok(['simd', 'relaxed-simd', 'scalar'].includes(run.engine), run.engine);
  assert.deepEqual(comparable(mine), comparable(native));
  assert.deepEqual(f32bits(run.losses), f32bits(native[15].losses));
});

test('(a) train, text output and --profile: as the native CLI (steps/s and the kernels\' name aside)', { skip: noNative || noWasm }, () => {
  const args = ['train', '--steps', '10001', '--preset', 'mlp3', '--seed', '3', '--reproducible', '--threads', '1', '--samples', '4',
    '--prefix', 'ka', '--temperature', '0.8', '--top-k', '6', '--top-p', '0.95', '--lr', '0.05', '--decay-step', '5000'];
  const strip = (/** @type {string} */ s) => s.replace(/engine [a-z-]+,/, 'engine X,').replace(/^[\d.]+ steps\/s$/m, 'N steps/s');
  const mine = ok(wasmCli(args), 'wasm train');
  // the loss every 1000 steps: 11 lines in a run of 10001
  assert.deepEqual([...mine.matchAll(/^ *(\d+)\/ {2}10001: \d\.\d{4}$/gm)].map((m) => Number(m[1])), Array.from({ length: 11 }, (_, i) => 1000 * i));
  assert.equal(strip(mine), strip(ok(nativeCli(args), 'native train')));
  const prof = ['train', '--json', '--steps', '50', '--preset', 'mlp3', '--profile', '--samples', '0', '--no-eval', '--reproducible'];
  const p = jsonLines(ok(wasmCli(prof), 'wasm --profile')).pop();
  const q = jsonLines(ok(nativeCli(prof), 'native --profile')).pop();
  assert.deepEqual(p.profile.map((/** @type {any} */ e) => `${e.phase} ${e.op}`), q.profile.map((/** @type {any} */ e) => `${e.phase} ${e.op}`));
  assert.ok(p.profile.every((/** @type {any} */ e) => e.us >= 0) && p.profile.some((/** @type {any} */ e) => e.us > 0));
});

test('(a) sample --json --model FILE --count 5 --seed 3, and top-k / top-p / temperature: the native CLI\'s names', { skip: noNative || noWasm }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mm-node-cli-'));
  try {
    const model = path.join(dir, 'm.safetensors');
    const ckpt = path.join(dir, 'c.safetensors');
    ok(nativeCli(['train', '--preset', 'mlp3', '--steps', '3000', '--seed', '11', '--samples', '0', '--no-eval', '--save', model, '--checkpoint', ckpt]), 'native train');
    for (const extra of [
      ['--json', '--count', '5', '--seed', '3'],
      ['--count', '7', '--seed', '3'],
      ['--json', '--count', '12', '--seed', '3', '--top-k', '4', '--top-p', '0.9', '--temperature', '0.9'],
      ['--json', '--count', '6', '--top-p', '0.5', '--prefix', 'mar'],
      ['--json', '--count', '3', '--temperature', '0'],
      ['--json'],
    ]) {
      for (const file of [model, ckpt]) {
        const args = ['sample', '--model', file, ...extra];
        assert.equal(ok(wasmCli(args), args.join(' ')), ok(nativeCli(args), args.join(' ')), args.join(' '));
      }
    }
    // independent of the native CLI: k = 1 is greedy (temperature 0), whatever the seed
    const greedy = JSON.parse(ok(wasmCli(['sample', '--model', model, '--json', '--count', '1', '--temperature', '0']), 'greedy'));
    const k1 = JSON.parse(ok(wasmCli(['sample', '--model', model, '--json', '--count', '4', '--top-k', '1', '--seed', '9']), 'top-k 1'));
    assert.deepEqual(k1, [greedy[0], greedy[0], greedy[0], greedy[0]]);
    const many = JSON.parse(ok(wasmCli(['sample', '--model', model, '--json', '--count', '20', '--prefix', 'ka']), 'prefix'));
    assert.ok(many.every((/** @type {string} */ w) => w.startsWith('ka')) && new Set(many).size > 5, many.join(' '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('(a) the conv, gated and bigram families: train, info --model and sample --model --form as the native CLI, bitwise', { skip: noNative || noWasm }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mm-node-cli-'));
  try {
    /** @type {Record<string, string>} */
    const files = {};
    for (const preset of ['wavenet76k-conv', 'wavenet-gated', 'wavenet76k', 'bigram']) {
      files[preset] = path.join(dir, `${preset}.safetensors`);
      const args = ['train', '--json', '--losses', '--steps', '200', '--preset', preset, '--seed', '5', '--reproducible', '--threads', '1', '--samples', '5', '--no-eval'];
      const mine = jsonLines(ok(wasmCli([...args, '--save', `${files[preset]}.wasm`]), `wasm ${preset}`));
      const theirs = jsonLines(ok(nativeCli([...args, '--save', files[preset]]), `native ${preset}`));
      assert.equal(mine.at(-1).losses.length, 200);
      assert.deepEqual(comparable(mine), comparable(theirs), preset);
      assert.deepEqual(f32bits(mine.at(-1).losses), f32bits(theirs.at(-1).losses), `${preset}: losses`);
      assert.ok(readFileSync(`${files[preset]}.wasm`).equals(readFileSync(files[preset])), `${preset}: the same model file`);
    }
    for (const [file, extra] of /** @type {[string, string[]][]} */ ([
      [files['wavenet76k-conv'], []], [files['wavenet-gated'], ['--form', 'gated']], [files.wavenet76k, ['--form', 'conv']],
      [files['wavenet76k-conv'], ['--form', 'examples']], [files.bigram, []],
    ])) {
      for (const args of [['info', '--model', file, ...extra], ['info', '--json', '--model', file, ...extra],
        ['sample', '--model', file, '--count', '6', '--seed', '2', ...extra]])
        assert.equal(ok(wasmCli(args), args.join(' ')), ok(nativeCli(args), args.join(' ')), args.join(' '));
    }
    // independent of the native CLI: the wavenet76k file as conv gives its own names, and says so in info
    const sample = ['sample', '--model', files.wavenet76k, '--count', '10', '--seed', '4', '--json'];
    assert.equal(ok(wasmCli([...sample, '--form', 'conv']), 'as conv'), ok(wasmCli(sample), 'as it is'));
    const info = JSON.parse(ok(wasmCli(['info', '--json', '--model', files.wavenet76k, '--form', 'conv']), 'info'));
    assert.deepEqual([info.params, info.config.form, info.config.n_consec], [76579, 'conv', '2']);
    // the bigram: makemore.py's table, its settings only (no widths), trained by AdamW; the flags of another optimizer refused
    const bigram = JSON.parse(ok(wasmCli(['info', '--json', '--model', files.bigram]), 'bigram info'));
    assert.deepEqual(bigram, { model: files.bigram, params: 729, config: { vocab_size: '27', block_size: '1', form: 'bigram' } });
    const sgdBetas = wasmCli(['train', '--preset', 'mlp3', '--steps', '10', '--beta2', '0.9']);
    assert.equal(sgdBetas.status, 2);
    assert.match(sgdBetas.stderr, /beta2 is a setting of the adamw optimizer, not of the sgd optimizer/);
    for (const args of [['sample', '--model', files['wavenet-gated'], '--form', 'conv'], ['info', '--model', files['wavenet76k-conv'], '--form', 'gated']]) {
      const r = wasmCli(args);
      assert.equal(r.status, 1, args.join(' '));
      assert.match(r.stderr, /^makemore-wasm: .*\.safetensors: its (gated|conv) model does not load as the (conv|gated) form: /);
      assert.equal(r.stderr.replace('makemore-wasm:', 'makemore:'), nativeCli(args).stderr, args.join(' '));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('(a) --data: data/names.txt of the current directory, else the package\'s; a given --data must exist', { skip: noWasm }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mm-node-cli-'));
  try {
    const fromRoot = ok(wasmCli(['info', '--json']), 'info in the repository');
    assert.equal(ok(wasmCli(['info', '--json'], { cwd: dir }), 'info elsewhere'), fromRoot, 'the package\'s names.txt');
    writeFileSync(path.join(dir, 'few.txt'), 'anna\nbob\ncarla\ndave\nemma\nfrank\ngina\nhugo\nida\njan\n');
    const few = JSON.parse(ok(wasmCli(['info', '--json', '--data', 'few.txt'], { cwd: dir }), 'info --data'));
    assert.equal(few.words, 10);
    assert.equal(few.split.reduce((/** @type {number} */ s, /** @type {number} */ n) => s + n, 0), 'annabobcarladaveemmafrankginahugoidajan'.length + 10);
    const r = wasmCli(['info', '--data', 'missing.txt'], { cwd: dir });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot read the word list missing\.txt/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('(b) --help and -h: every subcommand\'s usage on stdout, exit 0, with every option the native help lists', { skip: noWasm }, () => {
  const top = wasmCli(['--help']);
  assert.equal(top.status, 0);
  assert.equal(top.stderr, '');
  for (const c of ['train', 'info', 'sample']) assert.match(top.stdout, new RegExp(`^makemore-wasm ${c} `, 'm'));
  assert.equal(wasmCli(['-h']).stdout, top.stdout);
  const none = wasmCli([]);
  assert.equal(none.status, 2);
  assert.equal(none.stderr, top.stdout, 'no command: the usage on stderr');
  for (const c of ['train', 'info', 'sample']) {
    const h = wasmCli([c, '--help']);
    assert.equal(h.status, 0, h.stderr);
    assert.equal(h.stderr, '');
    assert.match(h.stdout, new RegExp(`^makemore-wasm ${c} `));
    assert.doesNotMatch(h.stdout, new RegExp(`makemore-wasm ${['train', 'info', 'sample'].filter((x) => x !== c).join('|makemore-wasm ')} `));
    assert.equal(wasmCli([c, '-h']).stdout, h.stdout);
    assert.equal(wasmCli([c, '--steps', '5', '--help']).stdout, h.stdout, '--help after other options');
    assert.equal(wasmCli(['help', c]).stdout, h.stdout);
    if (!noNative) {
      const native = ok(nativeCli([c, '--help']), `native ${c} --help`);
      for (const opt of new Set(native.match(/--[a-z][a-z-]*/g))) assert.ok(h.stdout.includes(opt), `${c} --help lacks ${opt}`);
    }
  }
});

test('(c) bad input: a message naming the option or file; exit 2 for usage, 1 for what the core refuses', { skip: noWasm }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mm-node-cli-'));
  try {
    writeFileSync(path.join(dir, 'binary.txt'), Buffer.from([97, 98, 0, 1, 2, 10]));
    writeFileSync(path.join(dir, 'notamodel.safetensors'), 'hello');
    /** @type {[string[], number, RegExp][]} */
    const cases = [
      [['train', '--stepz', '5'], 2, /unknown option --stepz/],
      [['info', 'extra'], 2, /unexpected argument 'extra'/],
      [['frobnicate'], 2, /unknown command 'frobnicate'/],
      [['train', '--steps'], 2, /option --steps needs a value/],
      [['train', '--steps', 'abc'], 2, /--steps takes a whole number in 0\.\.2147483647, not 'abc'/],
      [['train', '--steps', '-1'], 2, /--steps .* not '-1'/],
      [['train', '--batch', '1'], 2, /--batch takes a whole number in 2\.\.65536, not '1'/],
      [['train', '--threads', '0'], 2, /--threads takes a whole number from 1 to 64, not '0'/],
      [['train', '--threads', '65'], 2, /--threads .* not '65'/],
      [['train', '--seed', '-3'], 2, /--seed takes a whole number in 0\.\.18446744073709551615, not '-3'/],
      [['train', '--seed', '18446744073709551616'], 2, /--seed .* not '18446744073709551616'/],
      [['train', '--lr', 'fast'], 2, /--lr takes a finite non-negative number, not 'fast'/],
      [['train', '--bn', 'sometimes'], 2, /--bn takes fixed or per-position, not 'sometimes'/],
      [['train', '--block', '2.5'], 2, /--block takes a whole number in 1\.\.256, not '2\.5'/],
      [['info', '--split-seed', '-1'], 2, /--split-seed takes a whole number in 0\.\.4294967295, not '-1'/],
      [['sample', '--top-k', '-2'], 2, /--top-k takes a whole number from 0 \(all tokens; -1 too\) to 1024, not '-2'/],
      [['train', '--max-steps', '-1'], 2, /--max-steps takes a whole number in 0\.\.2147483647, not '-1'/], // makemore.py's name, as given
      [['train', '--type', 'transformer'], 2, /--type transformer: makemore\.py's Transformer is not here yet; the types here: makemore\.py's bigram/],
      [['train', '--resume', 'c.safetensors', '--type', 'bigram'], 2, /--type with --resume/],
      [['sample', '--top-p', '0'], 2, /--top-p takes a number above 0 and at most 1, not '0'/],
      [['sample', '--top-p', '1.5'], 2, /--top-p .* not '1.5'/],
      [['sample', '--temperature', '-1'], 2, /--temperature takes a number from 0 to 1e6, not '-1'/],
      [['info', '--preset', 'wavenet1m'], 2, /unknown preset 'wavenet1m'/],
      [['sample'], 2, /sample needs --model FILE/],
      [['train', '--block', '0', '--steps', '1'], 2, /--block takes a whole number in 1\.\.256, not '0'/], // the schema's limits
      [['info', '--consec', '2'], 1, /power|consec|block/i],
      [['info', '--data', 'binary.txt'], 1, /binary\.txt: line 1: a NUL byte/],
      [['sample', '--model', 'nothere.safetensors'], 1, /cannot read nothere\.safetensors/],
      [['sample', '--model', 'notamodel.safetensors'], 1, /notamodel\.safetensors: not a model file/],
      [['train', '--resume', 'notamodel.safetensors'], 1, /not a model file|checkpoint/],
      // a resumed checkpoint keeps its own settings: a flag that would change one is refused, not ignored
      [['train', '--resume', 'c.safetensors', '--steps', '9', '--optimizer', 'sgd'], 2, /^makemore-wasm: --optimizer with --resume: a checkpoint continues with its own settings \(only --steps and --decay-step may be given\)/],
      [['train', '--resume', 'c.safetensors', '--beta1', '0.5'], 2, /--beta1 with --resume/],
      [['train', '--preset', 'bigram', '--resume', 'c.safetensors'], 2, /--preset with --resume/],
    ];
    for (const [args, code, re] of cases) {
      const r = wasmCli(args, { cwd: dir });
      assert.equal(r.status, code, `${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
      if (!noNative && / takes | with --resume: /.test(r.stderr)) { // a setting's or an option's value: the native CLI's words and exit code
        const n = spawnSync(CLI, args, { encoding: 'utf8', cwd: dir });
        assert.equal(n.status, code, `native ${args.join(' ')}`);
        assert.equal(r.stderr.replace(/^makemore-wasm: | \(makemore-wasm \w+ --help lists the options\)/g, ''), n.stderr.replace(/^makemore: /, ''));
      }
      assert.match(r.stderr, re, args.join(' '));
      assert.match(r.stderr, /^makemore-wasm: /, args.join(' '));
      assert.doesNotMatch(r.stderr, /\n\s+at /, `${args.join(' ')}: a stack trace`);
      assert.equal(r.stdout, '', args.join(' '));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Spawns the CLI, waits for its first line on stdout, sends SIGINT, and resolves with the result.
 * @param {string[]} args @param {string[]} node options for node
 */
function interrupt(args, node) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...node, BIN, ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    let sent = false;
    p.stdout.on('data', (d) => {
      stdout += d;
      if (!sent && stdout.includes('\n')) {
        sent = true;
        p.kill('SIGINT');
      }
    });
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, sent }));
  });
}

test('(d) SIGINT during train: the checkpoint is written at the step reached, exit 130; --resume continues bitwise', { skip: noWasm }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mm-node-cli-'));
  try {
    const ckpt = path.join(dir, 'ctrl-c.safetensors');
    const saved = path.join(dir, 'never.safetensors');
    // the decay step given: the whole run's and the resumed one's are the interrupted run's
    const common = ['--preset', 'wavenet22k', '--seed', '5', '--decay-step', '150000', '--json', '--losses', '--samples', '0', '--no-eval'];
    // plain node: train runs itself again with the relaxed-SIMD flag, and the SIGINT to the parent reaches the child
    const r = /** @type {any} */ (await interrupt(['train', ...common, '--checkpoint', ckpt, '--save', saved], []));
    assert.ok(r.sent, 'the run printed a first line');
    assert.equal(r.code, 130, r.stderr);
    assert.deepEqual(Object.keys(JSON.parse(r.stdout.split('\n')[0])), ['step', 'loss']);
    const m = /interrupted at step (\d+) of 200000: checkpoint written to (.*) \(continue with --resume/.exec(r.stderr);
    assert.ok(m, r.stderr);
    const step = Number(m[1]);
    assert.ok(step > 0 && step < 200000, `${step}`);
    assert.equal(m[2], ckpt);
    assert.ok(existsSync(ckpt));
    assert.ok(!existsSync(saved), '--save is not written by an interrupted run');
    // the checkpoint's own training state, read by the JS API
    const mm = await loadMakemore({ threads: 1 });
    const model = mm.loadModel(readFileSync(ckpt));
    assert.equal(model.training?.step, step);
    assert.equal(model.training?.steps, 200000);
    model.free();
    const to = String(step + 200);
    const resumed = jsonLines(ok(wasmCli(['train', '--resume', ckpt, '--steps', to, '--decay-step', '150000', '--json', '--losses', '--samples', '0', '--no-eval']), 'resume')).pop();
    const whole = jsonLines(ok(wasmCli(['train', ...common, '--steps', to]), 'whole')).pop();
    assert.equal(resumed.steps, step + 200);
    assert.equal(resumed.losses.length, 200);
    assert.deepEqual(f32bits(resumed.losses), f32bits(whole.losses.slice(step)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('(d) SIGINT without --checkpoint: it stops, saves nothing, exit 130 (node run with the flag: no second process)', { skip: noWasm }, async () => {
  const r = /** @type {any} */ (await interrupt(['train', '--preset', 'mlp3', '--steps', '200000'], [RELAXED_FLAG]));
  assert.ok(r.sent);
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stdout, /^12097 parameters; split 182625 \/ 22655 \/ 22866 examples; engine relaxed-simd, (\d+ threads?|threads: the faster of 1 and \d+, measured on the first steps)\n/);
  assert.doesNotMatch(r.stdout, /^train /m);
  assert.match(r.stderr, /interrupted at step \d+ of 200000: nothing saved/);
});

test('fallback: no relaxed SIMD even in the child: the strict SIMD module on its threads, said on stderr, stdout still JSON', { skip: noWasm }, async () => {
  // MAKEMORE_WASM_CHILD set and no flag: the process is taken for a child whose Node cannot run relaxed SIMD
  const args = ['train', '--json', '--losses', '--steps', '300', '--preset', 'wavenet22k', '--seed', '7', '--threads', '2'];
  const r = wasmCli(args, { env: { MAKEMORE_WASM_CHILD: '1' } });
  const lines = jsonLines(ok(r, 'fallback train'));
  assert.match(r.stderr, /no relaxed SIMD: training on the simd-threads module/);
  const run = lines.at(-1);
  assert.equal(run.engine, 'simd-fast');
  assert.equal(run.threads, 2);
  // its fast engine has no relaxed op, so no engine-dependent rounding: the API's simd module on one thread, bitwise
  const mm = await loadMakemore({ engine: 'simd', wasmDir: pathToFileURL(path.join(ROOT, 'build-wasm') + '/') });
  const t = mm.createTrainer({ words: readFileSync(path.join(ROOT, 'data/names.txt'), 'utf8'), preset: 'wavenet22k', seed: 7, steps: 300 });
  const api = Array.from(t.run(300));
  t.free();
  const done = lines.find((l) => l.losses);
  assert.deepEqual(done.losses.map(Math.fround), api); // written with 9 digits: a float32's value exactly
  if (!noNative) {
    // --reproducible: the reference kernels, the native --reproducible numbers
    const repro = jsonLines(ok(wasmCli([...args, '--reproducible'], { env: { MAKEMORE_WASM_CHILD: '1' } }), 'fallback train --reproducible'));
    const native = jsonLines(ok(nativeCli([...args, '--reproducible']), 'native train'));
    assert.deepEqual(comparable(repro).map(({ threads, ...x }) => x), comparable(native).map(({ threads, ...x }) => x));
  }
});
