#!/usr/bin/env node
// makemore-wasm: the native CLI (src/cli.c, build/makemore) over the WebAssembly core.
//   makemore-wasm train  [--preset NAME] [model options] [training options] [--json] [--losses] [--no-eval]
//                        [--save FILE] [--checkpoint FILE] [--resume FILE]
//   makemore-wasm info   [--preset NAME] [model options] [--data FILE] [--json]
//   makemore-wasm info   --model FILE [--form NAME] [--json]
//   makemore-wasm sample --model FILE [--form NAME] [--count N] [sampling options] [--json]
//   makemore-wasm COMMAND --help
//   makemore-wasm -i FILE -o DIR [--max-steps N] [--type TYPE] [--resume] [--sample-only] ...   makemore.py's command line:
//                        train (or with --sample-only, sample) without a subcommand; the model and the log in DIR (out/)
// The same subcommands, flags, defaults, text and JSON output as the native CLI:
// with --reproducible a seed gives the native CLI's numbers bitwise (losses,
// split, samples). What differs: steps_per_sec, and "engine" names the wasm
// kernels ('relaxed-simd', 'simd-fast', 'simd') where native says 'fma' or 'scalar'.
//
// Node 20 runs relaxed SIMD (the fast module) only under
// node --experimental-wasm-relaxed-simd, which a shebang cannot pass portably:
// `train` then runs itself again as a child with the flag (MAKEMORE_WASM_CHILD
// guards against a loop); a Node that cannot run it even so trains on the SIMD
// module, on one thread, and says so on stderr. `info` and `sample` need no
// relaxed SIMD (sample uses the reference kernels, as the native CLI does).
//
// train runs in chunks (at most 1000 steps or about 100 ms per wasm call), so
// Ctrl-C (SIGINT) stops between two chunks: with --checkpoint the checkpoint is
// written first, at the step reached (--resume continues exactly); exit code 130.
// On a terminal, stderr shows a progress bar (step, steps/s, time left).
//
// This file is the entry (main, the dispatch, the rerun); the rest is in bin/cli/:
//   args.mjs      usage texts, options and their defaults, exit codes, UsageError and Failure
//   printf.mjs    C's printf and strtof reproduced (fmtF, fmtG, parseF32, jsonString)
//   output.mjs    out, note and the progress bar
//   commands.mjs  info and sample, and the helpers train shares (word list, files, config)
//   train.mjs     train: open, train, evaluate, report
import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { availableCores, loadMakemore, relaxedSimdSupported } from '../wasm/makemore.mjs';
import { EXIT_FAIL, EXIT_USAGE, Failure, NAME, UsageError, parseArgs, usage } from './cli/args.mjs';
import { cmdInfo, cmdSample } from './cli/commands.mjs';
import { note, out, progress } from './cli/output.mjs';
import { RELAXED_FLAG, cmdTrain } from './cli/train.mjs';

const CHILD_ENV = 'MAKEMORE_WASM_CHILD';

// ---------------------------------------------------------------- relaxed SIMD for Node 20

/**
 * Runs this script again with --experimental-wasm-relaxed-simd and gives its exit code.
 * SIGINT and SIGTERM are passed on to the child (a terminal's Ctrl-C reaches both:
 * the child takes a second SIGINT within a second as the same one), never acted on here.
 * @param {string[]} args
 * @returns {Promise<number|null>} null: the child could not start
 */
function rerunWithRelaxedSimd(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RELAXED_FLAG, fileURLToPath(import.meta.url), ...args], {
      stdio: 'inherit',
      env: { ...process.env, [CHILD_ENV]: '1' },
    });
    const pass = (/** @type {NodeJS.Signals} */ sig) => () => {
      try {
        child.kill(sig);
      } catch {
        /* gone already */
      }
    };
    const handlers = /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP']).map((s) => /** @type {const} */ ([s, pass(s)]));
    for (const [s, f] of handlers) process.on(s, f);
    child.on('error', () => resolve(null));
    child.on('exit', (code, signal) => {
      for (const [s, f] of handlers) process.off(s, f);
      resolve(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0));
    });
  });
}

// ---------------------------------------------------------------- main

/** @param {string[]} argv @returns {Promise<number>} the exit code */
async function main(argv) {
  const cores = await availableCores();
  // the settings' options, their help and their reading are the core's: its schema, from a module
  const mm = await loadMakemore({ engine: 'scalar', threads: 1 });
  const [cmd, ...rest] = argv;
  if (cmd === undefined) {
    process.stderr.write(usage(null, cores, mm.schema));
    return EXIT_USAGE;
  }
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    const sub = rest[0];
    out(usage(sub === 'train' || sub === 'info' || sub === 'sample' ? sub : null, cores, mm.schema));
    return 0;
  }
  // makemore.py's command line: options and no subcommand (train, or with --sample-only sample)
  const py = cmd.startsWith('-');
  if (!py && cmd !== 'train' && cmd !== 'info' && cmd !== 'sample') {
    process.stderr.write(`${NAME}: unknown command '${cmd}'\n${usage(null, cores, mm.schema)}`);
    return EXIT_USAGE;
  }
  let a;
  try {
    a = parseArgs(py ? argv : rest, cores, mm, py);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    note(`${e.message} (${NAME} ${py ? '' : `${cmd} `}--help lists the options)`);
    return EXIT_USAGE;
  }
  if (a.help) {
    out(usage(py ? null : cmd, cores, mm.schema));
    return 0;
  }
  const command = py || cmd === 'train' ? (a.sampleOnly ? 'sample' : 'train') : cmd;
  if (command === 'train' && !relaxedSimdSupported() && !process.execArgv.includes(RELAXED_FLAG) && !process.env[CHILD_ENV]) {
    const code = await rerunWithRelaxedSimd(argv);
    if (code !== null) return code;
    note(`could not run node ${RELAXED_FLAG}`); // then loadForTraining falls back and says so
  }
  try {
    return await (command === 'train' ? cmdTrain(a) : command === 'info' ? cmdInfo(a) : cmdSample(a));
  } catch (e) {
    if (e instanceof UsageError) {
      note(e.message);
      return EXIT_USAGE;
    }
    if (e instanceof Failure) {
      note(e.message);
      return EXIT_FAIL;
    }
    throw e;
  }
}

process.stdout.on('error', (e) => {
  if (/** @type {any} */ (e).code === 'EPIPE') process.exit(0); // | head
  throw e;
});
main(process.argv.slice(2)).then(
  (code) => {
    progress.clear();
    process.exit(code);
  },
  (e) => {
    progress.clear();
    process.stderr.write(`${NAME}: ${e instanceof Error ? e.stack : e}\n`);
    process.exit(EXIT_FAIL);
  },
);
