// The native CLI's checkpoints: N steps, --save, --resume to 2N gives bitwise the
// losses of 2N steps in one go; a checkpoint samples like a model file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'build/makemore');

function train(args) {
  const r = spawnSync(cli, ['train', '--json', '--losses', '--no-eval', '--samples', '0', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

test('CLI: save at step N, resume to 2N = 2N steps in one go', { skip: !existsSync(cli) && 'no native build' }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mm-cli-'));
  try {
    const ckpt = path.join(dir, 'half.safetensors');
    // the decay step falls in the second half, so the schedule must resume too (given again: a new total alone
    // would move a decay not reached yet to the same fraction of it)
    const common = ['--preset', 'wavenet22k', '--seed', '7', '--decay-step', '250'];
    const whole = train([...common, '--steps', '400']);
    const first = train([...common, '--steps', '200', '--checkpoint', ckpt]);
    const second = train(['--resume', ckpt, '--steps', '400', '--decay-step', '250']);
    assert.equal(second.steps, 400);
    assert.deepEqual([...first.losses, ...second.losses], whole.losses);
    const s = spawnSync(cli, ['sample', '--model', ckpt, '--count', '3', '--json'], { encoding: 'utf8' });
    assert.equal(s.status, 0, s.stderr);
    assert.equal(JSON.parse(s.stdout).length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CLI: every subcommand answers --help and -h with its own options', { skip: !existsSync(cli) && 'no native build' }, () => {
  const want = {
    train: ['--preset', '--steps', '--checkpoint', '--resume', '--threads', '--reproducible', '--top-k', '--top-p'],
    info: ['--preset', '--block', '--json'],
    sample: ['--model', '--count', '--temperature', '--top-k', '--top-p', '--prefix', '--seed'],
  };
  for (const [cmd, opts] of Object.entries(want)) {
    for (const flag of ['--help', '-h']) {
      const r = spawnSync(cli, [cmd, flag], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${cmd} ${flag}: ${r.stderr}`);
      assert.equal(r.stderr, '');
      assert.match(r.stdout, new RegExp(`^makemore ${cmd} `, 'm'));
      for (const o of opts) assert.ok(r.stdout.includes(o), `${cmd} ${flag} lacks ${o}:\n${r.stdout}`);
    }
  }
  const top = spawnSync(cli, ['--help'], { encoding: 'utf8' });
  assert.equal(top.status, 0);
  for (const cmd of Object.keys(want)) assert.match(top.stdout, new RegExp(`makemore ${cmd} `));
  const bad = spawnSync(cli, ['sample', '--top-k'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--top-k needs a value/);
});
