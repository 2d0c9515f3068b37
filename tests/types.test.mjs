// types.test.mjs: the type checks of the JavaScript (npm run typecheck) and the package's
// declarations (tsconfig.types.json, npm run types), with the TypeScript of devDependencies.
//   - the repository's JS type-checks (tsconfig.json and tsconfig.worker.json, as npm run typecheck);
//   - a file of deliberately wrong calls to the documented API gets exactly the expected errors, once
//     checked as JS against the sources (checkJs) and once as TypeScript against the declarations;
//   - a file using the whole API correctly type-checks against the declarations alone (no lib check
//     skipped, no @types/node), and asserts that the API's types are not `any`.
// The declarations are emitted into a temporary node_modules/makemore-wasm/types/ beside a copy of
// package.json, so the consumer files import 'makemore-wasm' and 'makemore-wasm/element' and
// resolve them through the exports map's "types" conditions, as an installed package's users do.
// Nothing in the repository is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const skip = !existsSync(TSC) && 'typescript is not installed (npm ci)';

/** Runs tsc; returns its exit status and its diagnostics, parsed. @param {string[]} args */
function tsc(args) {
  const r = spawnSync(process.execPath, [TSC, '--pretty', 'false', ...args], { cwd: ROOT, encoding: 'utf8' });
  const out = `${r.stdout}${r.stderr}`;
  const diagnostics = [...out.matchAll(/^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/gm)].map((m) => ({
    file: path.basename(m[1]),
    line: Number(m[2]),
    code: m[4],
    message: m[5],
  }));
  return { status: r.status, out, diagnostics };
}

/** @param {Record<string, string>} files name -> text @returns {string} the folder */
function tmpProject(files) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mm-types-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

// Options of a consumer of the declarations: strict TypeScript for a page (lib dom), no @types/node,
// and the declarations themselves checked (skipLibCheck off); Node's resolution, or a bundler's.
const CONSUMER = { strict: true, target: 'es2022', lib: ['es2022', 'dom'], types: [], skipLibCheck: false, noEmit: true };
const RESOLUTIONS = {
  nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
  bundler: { module: 'preserve', moduleResolution: 'bundler' },
};

// Wrong calls, one per line from line 3 on, each with the error tsc must report on that line (its
// code and parts of its message) and nothing else: the correct lines among them must give none.
// Valid as JS and as TypeScript.
/** @type {[line: string, code?: string, ...message: string[]][]} */
const WRONG = [
  [`const mm = await loadMakemore({ engine: 'fast' });`, 'TS2322', `Type '"fast"' is not assignable to type`, `"relaxed"`],
  [`const words = mm.parseWords('emma\\nolivia\\nava\\n');`],
  [`mm.createTrainer({ words: 3 });`, 'TS2322', `Type 'number' is not assignable to type`, 'Words', 'Uint8Array'],
  [`mm.createTrainer({ preset: 'mlp3' });`, 'TS2741', `Property 'words' is missing`, 'TrainerOptions'],
  [`const trainer = mm.createTrainer({ words, preset: 'mlp3', seed: 1 });`],
  [`trainer.run('ten');`, 'TS2345', `Argument of type 'string' is not assignable to parameter of type 'number'`],
  [`trainer.run();`, 'TS2554', 'Expected 1 arguments, but got 0'],
  [`trainer.evaluate('validation');`, 'TS2345', `Argument of type '"validation"' is not assignable to parameter of type`, `"val"`],
  [`trainer.sample({ count: 2, topK: '5' });`, 'TS2322', `Type 'string' is not assignable to type 'number'`],
  [`trainer.sample({ count: 2, temprature: 0.8 });`, 'TS2561', `'temprature' does not exist in type 'SampleOptions'`],
  [`trainer.setSchedule({ lr: '0.1' });`, 'TS2322', `Type 'string' is not assignable to type 'number'`],
  [`const model = mm.loadModel(trainer.save());`],
  [`model.sample(5);`, 'TS2559', `Type '5' has no properties in common with type 'SampleOptions'`],
  [`mm.loadModel('model.safetensors');`, 'TS2345', `Argument of type 'string' is not assignable to parameter of type`, 'ArrayBufferView'],
  [`mm.loadModel(trainer.save(), { form: 'convolutional' });`, 'TS2322', `Type '"convolutional"' is not assignable to type`, `"conv"`],
  [`mm.createModel({ vocabSize: 27, blockSize: 8, nEmbd: 24 });`, 'TS2741', `Property 'nHidden' is missing`, 'Config'],
  [`const n = trainer.numParams.toUpperCase();`, 'TS2339', `Property 'toUpperCase' does not exist on type 'number'`],
  [`trainer.free(words);`, 'TS2554', 'Expected 0 arguments, but got 1'],
  [`await generateNames({ src: 'm.safetensors', count: 'ten' });`, 'TS2322', `Type 'string' is not assignable to type 'number'`],
];
/** @param {string} importLines the first two lines: the imports */
const wrongFile = (importLines) => `${importLines}\n${WRONG.map((w) => w[0]).join('\n')}\nexport {};\n`;
const FIRST = 3; // the line of WRONG[0]

/** Checks tsc's diagnostics against WRONG: exactly one error per wrong line, none elsewhere. @param {ReturnType<typeof tsc>} r @param {string} file */
function assertWrongErrors(r, file) {
  assert.notEqual(r.status, 0, r.out);
  const ours = r.diagnostics.filter((d) => d.file === file);
  assert.deepEqual(r.diagnostics.filter((d) => d.file !== file), [], `no errors in other files:\n${r.out}`);
  const expected = WRONG.flatMap((w, i) => (w[1] ? [{ line: FIRST + i, code: w[1] }] : []));
  assert.deepEqual(ours.map((d) => ({ line: d.line, code: d.code })), expected, r.out);
  for (const d of ours) {
    const [line, , ...parts] = WRONG[d.line - FIRST];
    for (const part of parts) assert.ok(d.message.includes(part), `line ${d.line} (${line}): expected "${part}" in "${d.message}"`);
  }
}

test('npm run typecheck: the JS type-checks (tsconfig.json, tsconfig.worker.json)', { skip }, () => {
  const script = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts?.typecheck ?? '';
  for (const config of ['tsconfig.json', 'tsconfig.worker.json']) {
    assert.ok(script.includes(`tsc -p ${config} --noEmit`), `npm run typecheck runs tsc -p ${config} --noEmit: ${script}`);
    const r = tsc(['-p', config, '--noEmit']);
    assert.equal(r.status, 0, `tsc -p ${config}:\n${r.out}`);
    assert.deepEqual(r.diagnostics, []);
  }
});

test('wrong calls to the API fail the check of the JS (checkJs, against the sources)', { skip }, () => {
  const src = (f) => JSON.stringify(path.join(ROOT, f));
  const dir = tmpProject({
    'wrong.mjs': wrongFile(`import { loadMakemore } from ${src('wasm/makemore.mjs')};\nimport { generateNames } from ${src('web/element/name-generator.js')};`),
    'tsconfig.json': JSON.stringify({
      extends: path.join(ROOT, 'tsconfig.json'),
      compilerOptions: { typeRoots: [path.join(ROOT, 'node_modules/@types')] },
      include: ['wrong.mjs'],
      exclude: [],
    }),
  });
  try {
    assertWrongErrors(tsc(['-p', dir]), 'wrong.mjs');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the declarations (tsconfig.types.json) by package name: typed, not any; right usage passes, wrong calls fail', { skip }, () => {
  const pkgJson = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  assert.equal(pkgJson.types, pkgJson.exports['.'].types, 'the top-level "types" is the "." entry\'s');
  const dir = tmpProject({});
  try {
    const pkg = path.join(dir, 'node_modules', pkgJson.name);
    mkdirSync(pkg, { recursive: true });
    copyFileSync(path.join(ROOT, 'package.json'), path.join(pkg, 'package.json'));
    const emit = tsc(['-p', 'tsconfig.types.json', '--outDir', path.join(pkg, 'types')]);
    assert.equal(emit.status, 0, emit.out);
    for (const f of ['types/wasm/makemore.d.mts', 'types/web/element/name-generator.d.ts']) assert.ok(existsSync(path.join(pkg, f)), f);
    // the entry's declarations and those of the modules it re-exports (wasm/api/)
    const api = readdirSync(path.join(pkg, 'types/wasm/api')).filter((f) => f.endsWith('.d.mts')).map((f) => `types/wasm/api/${f}`);
    const dts = ['types/wasm/makemore.d.mts', ...api].map((f) => readFileSync(path.join(pkg, f), 'utf8')).join('\n');
    for (const decl of ['declare class Makemore', 'declare class Trainer', 'declare class Model', 'declare class Words', 'function loadMakemore',
      'type Config =', 'type SampleOptions =', 'type TrainerOptions =', 'topK?: number', 'topP?: number'])
      assert.ok(dts.includes(decl), `types/wasm/ declares ${decl}`);
    const imports = `import { loadMakemore } from 'makemore-wasm';\nimport { generateNames } from 'makemore-wasm/element';`;
    writeFileSync(path.join(dir, 'usage.mts'), USAGE);
    writeFileSync(path.join(dir, 'wrong.mts'), wrongFile(imports));
    for (const [name, resolution] of Object.entries(RESOLUTIONS)) {
      const compilerOptions = { ...CONSUMER, ...resolution };
      writeFileSync(path.join(dir, 'tsconfig.usage.json'), JSON.stringify({ compilerOptions, files: ['usage.mts'] }));
      writeFileSync(path.join(dir, 'tsconfig.wrong.json'), JSON.stringify({ compilerOptions, files: ['wrong.mts'] }));
      const right = tsc(['-p', path.join(dir, 'tsconfig.usage.json')]);
      assert.equal(right.status, 0, `${name}: the correct usage must type-check against the declarations:\n${right.out}`);
      assert.deepEqual(right.diagnostics, []);
      assertWrongErrors(tsc(['-p', path.join(dir, 'tsconfig.wrong.json')]), 'wrong.mts');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The whole documented API, used correctly, with compile-time checks that its types are what the
// JSDoc says (and never `any`, which would let anything through).
const USAGE = `import {
  loadMakemore, Makemore, Trainer, Model, Words, MakemoreError, BN_FIXED,
  simdSupported, relaxedSimdSupported, sharedMemoryUnavailable, availableCores,
  type Config, type ModelConfig, type SampleOptions, type TrainerOptions, type TrainingState,
} from 'makemore-wasm';
import { generateNames, NameGenerator } from 'makemore-wasm/element';

type IsAny<T> = 0 extends 1 & T ? true : false;
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
type Expect<T extends true> = T;
type NotAny<T> = IsAny<T> extends true ? false : true;
// members (properties, getters, methods' parameters and results) that are any
type AnyMembers<T> = { [K in keyof T]-?: IsAny<T[K]> extends true ? K
  : T[K] extends (...a: infer A) => infer R
    ? IsAny<R> extends true ? K : { [I in keyof A]-?: IsAny<A[I]> }[number] extends false ? never : K
    : never }[keyof T];
type NoAnyMembers<T> = Equal<AnyMembers<T>, never>;

type LoadOptions = NonNullable<Parameters<typeof loadMakemore>[0]>;
export type Checks = [
  Expect<NotAny<Makemore>>, Expect<NotAny<Trainer>>, Expect<NotAny<Model>>, Expect<NotAny<Words>>,
  Expect<NotAny<LoadOptions>>, Expect<NotAny<Config>>, Expect<NotAny<SampleOptions>>,
  Expect<NotAny<TrainerOptions>>, Expect<NotAny<TrainingState>>,
  Expect<NoAnyMembers<Makemore>>, Expect<NoAnyMembers<Trainer>>, Expect<NoAnyMembers<Model>>, Expect<NoAnyMembers<Words>>,
  Expect<NoAnyMembers<LoadOptions>>, Expect<NoAnyMembers<Config>>, Expect<NoAnyMembers<SampleOptions>>,
  Expect<NoAnyMembers<TrainerOptions>>, Expect<NoAnyMembers<TrainingState>>,
  Expect<Equal<LoadOptions['engine'], 'auto' | 'relaxed' | 'simd-threads' | 'simd' | 'scalar' | undefined>>,
  Expect<Equal<LoadOptions['threads'], 'auto' | number | undefined>>,
  Expect<Equal<ReturnType<typeof loadMakemore>, Promise<Makemore>>>,
  Expect<Equal<SampleOptions['topK'], number | undefined>>,
  Expect<Equal<SampleOptions['topP'], number | undefined>>,
  Expect<Equal<SampleOptions['seed'], number | bigint | undefined>>,
  Expect<Equal<TrainerOptions['words'], Words | string | Uint8Array>>,
  Expect<Equal<TrainerOptions['config'], Partial<Config> | undefined>>,
  Expect<Equal<Config['blockSize'], number>>,
  Expect<Equal<Config['bnMode'], number | 'fixed' | 'per-position' | undefined>>,
  Expect<Equal<Config['form'], number | 'examples' | 'conv' | 'gated' | 'bigram' | 'mlp' | 'bow' | 'rnn' | undefined>>,
  Expect<Equal<Config['cellType'], number | 'rnn' | 'gru' | 'lstm' | undefined>>,
  Expect<Equal<ModelConfig['form'], number>>,
  Expect<Equal<ModelConfig['vocabSize'], number>>,
  Expect<Equal<Parameters<Trainer['run']>, [n: number]>>,
  Expect<Equal<ReturnType<Trainer['run']>, Float32Array>>,
  Expect<Equal<Parameters<Trainer['evaluate']>[0], 'train' | 'val' | 'test' | 0 | 1 | 2>>,
  Expect<Equal<Trainer['splitSizes'], [number, number, number]>>,
  Expect<Equal<Trainer['state'], TrainingState>>,
  Expect<Equal<Model['training'], TrainingState | null>>,
  Expect<Equal<Words['nWords'], number>>,
  Expect<Equal<Makemore['engine'], 'relaxed' | 'simd-threads' | 'simd' | 'scalar'>>,
  Expect<Equal<ReturnType<Makemore['close']>, Promise<boolean>>>,
  Expect<Equal<ReturnType<typeof generateNames>, Promise<string[]>>>,
];

const mm: Makemore = await loadMakemore({ engine: 'auto', threads: 2, wasmDir: new URL('https://example.com/wasm/') });
const notes: string[] = mm.notes;
const label: string = mm.engineLabel;
const flags: [boolean, boolean, string | null, number] = [simdSupported(), relaxedSimdSupported(), sharedMemoryUnavailable(), await availableCores()];
await mm.setThreads(1);
const words: Words = mm.parseWords('emma\\nolivia\\nava\\n');
const sizes: number[] = [words.nWords, words.nTokens, words.maxLen, words.vocabSize];
const vocab: string[] = words.vocab;
const opts: TrainerOptions = { words, preset: 'wavenet22k', seed: 42n, batchSize: 32, steps: 1000, lr: 0.1, lrDecayed: 0.01, decayStep: 750, reproducible: true };
const trainer: Trainer = mm.createTrainer(opts);
const custom = mm.createTrainer({ words: 'a\\nb\\n', config: { blockSize: 3, nEmbd: 10, nHidden: 200, bnMode: 'per-position' } });
const losses: Float32Array = trainer.run(100);
const val: number = trainer.evaluate('val') + trainer.evaluatePart(2, 0, 10, 0);
trainer.setSchedule({ steps: 2000, lr: 0.05 });
const sample: SampleOptions = { count: 5, temperature: 0.8, topK: 5, topP: 0.9, prefix: 'ka', seed: 1, maxLen: 32 };
const names: string[] = trainer.sample(sample);
const profile: { phase: string; op: string; seconds: number }[] = trainer.profile(false);
const step: number = trainer.step + trainer.numParams;
const kernels: string = trainer.kernels;
const checkpoint: Uint8Array = trainer.save();
const model: Model = mm.loadModel(checkpoint, { reproducible: true });
const fromBuffer: Model = mm.loadModel(new ArrayBuffer(8));
const asConv: Model = mm.loadModel(checkpoint, { form: 'conv', reproducible: true });
const training: TrainingState | null = model.training;
const again: Trainer = mm.resumeTrainer({ checkpoint, words, reproducible: false });
const more: Trainer = mm.createTrainer({ words, preset: 'wavenet22k', from: model });
const config: ModelConfig = model.config;
const bare = mm.createModel({ ...config, bnMode: BN_FIXED }, { seed: 3, maxBatch: 4 });
const maxBatch: number = bare.maxBatch;
const X = new Uint16Array(4 * config.blockSize);
const Y = new Uint16Array(4);
const fb: { loss: number; logits: Float32Array; grads: Float32Array } = bare.forwardBackward(X, Y);
const loss: number = bare.sgdStep(X, Y, 0.1);
const logits: Float32Array = bare.evalLogits(X);
const tensors: { name: string; shape: number[]; offset: number; size: number; isBuffer: boolean }[] = bare.tensors();
bare.setParams(bare.params());
bare.setBuffers(bare.buffers());
try {
  trainer.run(1);
} catch (e) {
  if (e instanceof MakemoreError) { const code: number = e.code; }
}
for (const o of [trainer, custom, model, fromBuffer, asConv, again, more, bare, words]) o.free();
const closed: boolean = await mm.close();
const generated: string[] = await generateNames({ bytes: checkpoint, count: 3, temperature: 0.8, topK: 3, topP: 0.95, prefix: 'a', seed: '7' });
const element: HTMLElement = new NameGenerator();
const shown: string[] = new NameGenerator().names;
export { notes, label, flags, sizes, vocab, losses, val, names, profile, step, kernels, training, maxBatch, fb, loss, logits, tensors, closed, generated, element, shown };
`;
