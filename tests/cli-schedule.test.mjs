// cli-schedule.test.mjs: a run given its steps but not its decay step decays at the same fraction of
// the run as its preset's (round(steps * preset.decayStep / preset.steps): 0.75 for the lecture's
// schedule, 4000 steps -> 3000), in the JS API, the Node CLI and the native CLI; a decay step given
// is kept; a resumed run given new steps moves a decay it has not reached to the same fraction of
// the new total (one it has passed stays: the rate does not go back up).
//   node --experimental-wasm-relaxed-simd --test tests/cli-schedule.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { loadMakemore } from '../wasm/makemore.mjs';
import { CLIS, ROOT, WASM_DIR, noWasm, run } from './clis.mjs';

const NAMES = existsSync(path.join(ROOT, 'data/names.txt')) ? readFileSync(path.join(ROOT, 'data/names.txt')) : new Uint8Array(0);

/** @param {[string, string, string[]]} cli @param {string[]} args @returns {string} what it printed */
const stdout = (cli, args) => run(cli, args).stdout;

test('the JS API: createTrainer({ steps }) decays at the preset\'s fraction of the run; a decayStep given is kept', { skip: noWasm }, async () => {
  const mm = await loadMakemore({ engine: 'simd', threads: 1, wasmDir: pathToFileURL(WASM_DIR + '/') });
  const words = mm.parseWords(NAMES);
  /** @param {import('../wasm/makemore.mjs').TrainerOptions} o */
  const state = (o) => {
    const t = mm.createTrainer({ ...o, words });
    const s = t.state;
    t.free();
    return [s.steps, s.decayStep];
  };
  assert.deepEqual(state({ preset: 'mlp3', steps: 4000 }), [4000, 3000], 'the lecture\'s 150000 of 200000');
  assert.deepEqual(state({ preset: 'wavenet76k', steps: 1001 }), [1001, 751], 'rounded: 750.75');
  assert.deepEqual(state({ preset: 'wavenet76k-conv', steps: 2000 }), [2000, 1500], '18750 of 25000');
  assert.deepEqual(state({ preset: 'bigram', steps: 4000 }), [4000, 4000], 'makemore.py\'s bigram never decays: 20000 of 20000');
  assert.deepEqual(state({ config: { blockSize: 3, nEmbd: 10, nHidden: 50 }, steps: 4000 }), [4000, 3000], 'no preset: the schema\'s defaults');
  assert.deepEqual(state({ preset: 'mlp3', steps: 4000, decayStep: 100 }), [4000, 100], 'a decay step given is kept');
  assert.deepEqual(state({ preset: 'mlp3', steps: 4000, decayStep: 150000 }), [4000, 150000], 'even the preset\'s own');
  assert.deepEqual(state({ preset: 'mlp3' }), [200000, 150000], 'no steps: the preset\'s schedule');
  assert.deepEqual(state({ preset: 'mlp3', steps: 0 }), [0, 0]);
  assert.deepEqual(state({ preset: 'mlp3', steps: 2147483647 }), [2147483647, 1610612735]);

  // resumeTrainer({ steps }): a decay not reached yet moves to the same fraction of the new total; one passed stays
  const t = mm.createTrainer({ words, preset: 'mlp3', steps: 400, seed: 3 }); // decay at 300
  t.run(100);
  const early = t.save();
  t.run(250);
  const late = t.save();
  t.free();
  /** @param {Uint8Array} checkpoint @param {{steps?: number, decayStep?: number}} o */
  const resumed = (checkpoint, o) => {
    const r = mm.resumeTrainer({ checkpoint, words, ...o });
    const s = r.state;
    r.free();
    return [s.step, s.steps, s.decayStep];
  };
  assert.deepEqual(resumed(early, {}), [100, 400, 300], 'no steps: the checkpoint\'s schedule');
  assert.deepEqual(resumed(early, { steps: 800 }), [100, 800, 600], 'not reached: the same fraction of the new total');
  assert.deepEqual(resumed(early, { steps: 800, decayStep: 300 }), [100, 800, 300], 'a decay step given is kept');
  assert.deepEqual(resumed(late, { steps: 800 }), [350, 800, 300], 'passed: it stays');
  assert.deepEqual(resumed(late, { decayStep: 500 }), [350, 400, 500], 'a decay step alone');
  words.free();
  await mm.close();
});

test('both CLIs: --steps 4000 decays at 3000 and says so; --decay-step 100 is kept; the JSON result has the schedule', { skip: !CLIS.length && 'no CLI built' }, () => {
  for (const cli of CLIS) {
    const base = ['train', '--preset', 'mlp3', '--seed', '3', '--samples', '0', '--no-eval', '--threads', '1'];
    const text = stdout(cli, [...base, '--steps', '4000']);
    assert.match(text, /^4000 steps, batch 32, sgd: lr 0\.1 -> 0\.01 at step 3000$/m, `${cli[0]}:\n${text}`);
    const given = stdout(cli, [...base, '--steps', '4000', '--decay-step', '100']);
    assert.match(given, /^4000 steps, batch 32, sgd: lr 0\.1 -> 0\.01 at step 100$/m, `${cli[0]}:\n${given}`);
    const json = JSON.parse(stdout(cli, [...base, '--steps', '4000', '--json']).trim().split('\n').at(-1) ?? '');
    assert.deepEqual([json.steps, json.lr, json.lr_decayed, json.decay_step], [4000, 0.1, 0.01, 3000], cli[0]);
    // makemore.py's bigram: AdamW at one rate, no decay within the run
    const bigram = stdout(cli, ['train', '--preset', 'bigram', '--steps', '300', '--samples', '0', '--no-eval', '--threads', '1']);
    assert.match(bigram, /^300 steps, batch 32, adamw: lr 0\.0005$/m, `${cli[0]}:\n${bigram}`);
  }
});

test('both CLIs: --resume with --steps moves a decay not reached to the same fraction; --decay-step is taken with --resume', { skip: (noWasm || !CLIS.length) && 'no wasm or CLI build' }, async () => {
  const mm = await loadMakemore({ engine: 'simd', threads: 1, wasmDir: pathToFileURL(WASM_DIR + '/') });
  const dir = mkdtempSync(path.join(tmpdir(), 'mm-schedule-'));
  try {
    const t = mm.createTrainer({ words: NAMES, preset: 'mlp3', steps: 400, seed: 3 }); // decay at 300
    t.run(100);
    const ckpt = path.join(dir, 'c.safetensors');
    writeFileSync(ckpt, t.save());
    t.free();
    for (const cli of CLIS) {
      const base = ['train', '--resume', ckpt, '--samples', '0', '--no-eval', '--threads', '1'];
      assert.match(stdout(cli, [...base, '--steps', '800']), /^resuming at step 100\n800 steps, batch 32, sgd: lr 0\.1 -> 0\.01 at step 600$/m, cli[0]);
      assert.match(stdout(cli, [...base, '--steps', '800', '--decay-step', '300']), /^800 steps, batch 32, sgd: lr 0\.1 -> 0\.01 at step 300$/m, cli[0]);
      const json = JSON.parse(stdout(cli, [...base, '--steps', '200', '--json']).trim().split('\n').at(-1) ?? '');
      assert.deepEqual([json.steps, json.decay_step], [200, 150], cli[0]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await mm.close();
  }
});
