// The Node CLI's train command, in four steps: open (the module, the word list, a new or resumed
// trainer), train (chunks of at most MAX_CHUNK steps or about CHUNK_SECONDS each, the loss every
// progressEvery(steps) steps: 10 to 25 lines a run, every 10000 at most), evaluate (the split's
// eval-mode losses, in parts) and report (text or JSON, then --save and --checkpoint). Ctrl-C (SIGINT) stops between two chunks or parts: with --checkpoint
// the run is saved at the step reached, and the exit code is 130.
import { loadMakemore, relaxedSimdSupported, simdSupported } from '../../wasm/makemore.mjs';
import { EXIT_FAIL, EXIT_INTERRUPTED, Failure, LOG_FILE, MODEL_FILE, inWorkDir } from './args.mjs';
import { loadWords, readOrFail, sampleOptions, trainerSettings, writeAndSay, writeOrFail } from './commands.mjs';
import { message, namesText, note, out, progress, progressEvery, setLog, startProgress, whereJson, yieldToEvents } from './output.mjs';
import { fmtF, fmtG, jsonString } from './printf.mjs';
import { ThreadProbe } from '../../wasm/api/probe.mjs';
import { mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
/** @typedef {import('../../wasm/makemore.mjs').Makemore} Makemore @typedef {import('../../wasm/makemore.mjs').Trainer} Trainer */
/** @typedef {import('./args.mjs').Args} Args */
/** @typedef {{phase: string, op: string, seconds: number}[]} Profile */

export const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';
const CHUNK_SECONDS = 0.1; // a trainer.run or an evaluation part takes about this long
const MAX_CHUNK = 1000;

/**
 * A run of train: its arguments, its trainer, and the steps it starts at and ends at.
 * @typedef {object} Run
 * @property {Args} a
 * @property {Trainer} t
 * @property {{at: number}} stop at: when the first SIGINT came (performance.now()), 0 before
 * @property {number} first the trainer's step at the start (a resumed checkpoint's)
 * @property {number} total the step training ends at
 * @property {Float32Array|null} losses every step's loss (--losses), from first
 * @property {ThreadProbe|null} probe the threads the run measures (--threads not given), or null
 */

/** @param {Args} a @returns {Promise<number>} the exit code */
export async function cmdTrain(a) {
  const stop = trapInterrupt();
  const mm = await loadForTraining(a);
  const t = openTrainer(mm, a);
  if (a.workDir) openWorkDir(a);
  const threads = mm.threads;
  const [n0, n1, n2] = t.splitSizes;
  const first = t.step;
  const total = t.state.steps;
  if (a.profile) t.profile(true);
  if (a.statsEvery) t.setStatsEvery(a.statsEvery);
  // --threads not given (and no --profile, whose times one thread count must make): the faster of 1 and the module's threads
  const probe = a.threadsGiven || a.profile ? null : new ThreadProbe(t, threads, total - first);
  const threadsText = probe && !probe.threads ? `threads: the faster of 1 and ${threads}, measured on the first steps` : `${threads} thread${threads === 1 ? '' : 's'}`;
  if (!a.json) out(`${t.numParams} parameters; split ${n0} / ${n1} / ${n2} examples; engine ${t.kernels}, ${threadsText}\n`);
  if (!a.json && first) out(`resuming at step ${first}\n`);
  if (!a.json) out(scheduleLine(mm, t.state));
  startProgress(!!process.stderr.isTTY);
  /** @type {Run} */
  const run = { a, t, stop, first, total, losses: a.losses ? new Float32Array(Math.max(total - first, 0)) : null, probe };
  const trained = await train(run);
  const doneSteps = t.step - first;
  const prof = a.profile ? t.profile(false) : null;
  if (!trained.ok) return EXIT_FAIL;
  const evals = await evaluate(run);
  if (!evals) return EXIT_FAIL;
  if (stop.at) return interrupted(run);
  progress.clear();
  report(run, { evals, sps: trained.secs > 0 ? doneSteps / trained.secs : 0, doneSteps, prof, threads: probe?.threads || threads });
  if (a.save) writeAndSay(a, 'model', a.save, t.saveModel());
  if (a.checkpoint) writeAndSay(a, 'checkpoint', a.checkpoint, t.save());
  if (a.workDir) {
    writeAndSay(a, 'model', inWorkDir(a.workDir, MODEL_FILE), t.save()); // a checkpoint: --resume continues it
    if (a.json) note(`log of the run: ${inWorkDir(a.workDir, LOG_FILE)}`);
    else out(`log of the run: ${inWorkDir(a.workDir, LOG_FILE)}\n`);
  }
  t.free();
  await mm.close();
  return 0;
}

/**
 * The schedule as the run applies it, as the native CLI prints it: "4000 steps, batch 32, sgd: lr 0.1 -> 0.01 at step 3000".
 * @param {Makemore} mm @param {import('../../wasm/makemore.mjs').TrainingState} st
 */
function scheduleLine(mm, st) {
  const optimizer = /** @type {string[]} */ (mm.schema.fields.find((f) => f.name === 'optimizer')?.values)[st.optimizer];
  const [hi, lo] = [fmtG(Math.fround(st.lr), 6), fmtG(Math.fround(st.lrDecayed), 6)]; // C's %g of the float
  const lr = st.decayStep <= 0 ? lo : st.decayStep >= st.steps || st.lr === st.lrDecayed ? hi : `${hi} -> ${lo} at step ${st.decayStep}`;
  return `${st.steps} steps, batch ${st.batchSize}, ${optimizer}: lr ${lr}\n`;
}

/**
 * -o DIR: makes it (and its parents), and logs the run's output to DIR/log.txt (appended to when resuming).
 * @param {Args} a
 */
function openWorkDir(a) {
  const dir = /** @type {string} */ (a.workDir);
  const log = inWorkDir(dir, LOG_FILE);
  try {
    mkdirSync(dir, { recursive: true });
    setLog(openSync(log, a.resume ? 'a' : 'w'));
  } catch {
    throw new Failure(`cannot write the work dir's log ${log}`);
  }
}

/** Ctrl-C: stop between two chunks (a second one a second later: at once, nothing saved). */
function trapInterrupt() {
  const stop = { at: 0 };
  process.on('SIGINT', () => {
    if (stop.at && performance.now() - stop.at > 1000) {
      note('interrupted again: exiting without saving');
      process.exit(EXIT_INTERRUPTED);
    }
    if (!stop.at) stop.at = performance.now();
  });
  return stop;
}

/** MM_WASM_DIR (tests): the folder of the .wasm modules instead of the package's. @returns {{wasmDir?: URL}} */
const wasmDir = () => (process.env.MM_WASM_DIR ? { wasmDir: pathToFileURL(path.resolve(process.env.MM_WASM_DIR) + '/') } : {});

/** The module for training: relaxed SIMD, else strict SIMD, on a.threads threads (a fallback said on stderr). @param {Args} a */
async function loadForTraining(a) {
  if (!relaxedSimdSupported()) {
    const engine = simdSupported() ? 'simd-threads' : 'scalar';
    note(
      `this Node runs no relaxed SIMD${process.execArgv.includes(RELAXED_FLAG) ? ` even with ${RELAXED_FLAG}` : ''}: ` +
        `training on the ${engine} module (no fused multiply-add: slower)`,
    );
    const mm = await loadMakemore({ engine, threads: a.threads, ...wasmDir() });
    for (const n of mm.notes) note(n);
    return mm;
  }
  const mm = await loadMakemore({ engine: 'relaxed', threads: a.threads, ...wasmDir() });
  for (const n of mm.notes) note(n);
  return mm;
}

/** A new trainer, or the --resume checkpoint's. @param {Makemore} mm @param {Args} a @returns {Trainer} */
function openTrainer(mm, a) {
  const settings = a.resume ? null : trainerSettings(mm, a, true);
  const words = loadWords(mm, a);
  let t;
  try {
    if (a.resume) {
      const bytes = readOrFail(a.resume, '');
      // --steps: a new total (a decay not reached moves to the same fraction of it); --decay-step: as given
      t = mm.resumeTrainer({ checkpoint: bytes, words, reproducible: a.reproducible, steps: a.options.steps, decayStep: a.options.decayStep });
    } else {
      t = mm.createTrainer({ words, ...settings, reproducible: a.reproducible });
    }
  } catch (e) {
    throw new Failure(message(e));
  }
  words.free();
  return t;
}

/**
 * Trains from run.first to run.total (or a SIGINT), in chunks that grow to about CHUNK_SECONDS.
 * @param {Run} run @returns {Promise<{ok: boolean, secs: number}>} ok: no step failed (it is said on stderr)
 */
async function train({ a, t, stop, first, total, losses, probe }) {
  const t0 = performance.now();
  let chunk = 16;
  let ok = true;
  for (let at = first; at < total && !stop.at; ) {
    const n = probe ? probe.before(Math.min(chunk, total - at)) : Math.min(chunk, total - at);
    const c0 = performance.now();
    let l;
    /** @type {unknown} */
    let err = null;
    try {
      l = t.run(n);
    } catch (e) {
      err = e;
      l = /** @type {any} */ (e)?.losses ?? new Float32Array(0);
    }
    const secs = (performance.now() - c0) / 1000;
    probe?.after(l.length, secs);
    if (losses) losses.set(l, at - first);
    if (a.statsEvery) printLossesAndStats(a, l, at, total, t.takeStats());
    else printLosses(a, l, at, total);
    at += l.length;
    if (err) {
      note(message(err));
      ok = false;
      break;
    }
    if (l.length === 0) break;
    chunk = Math.max(1, Math.min(MAX_CHUNK, Math.round((n * CHUNK_SECONDS) / Math.max(secs, 1e-4))));
    progress.train(at, total, first, t0);
    await yieldToEvents(); // a SIGINT handler runs here
  }
  return { ok, secs: (performance.now() - t0) / 1000 };
}

/**
 * The loss of every progressEvery(total)th step among steps at.. (the lecture's print every 10000 steps, more often in a shorter run).
 * @param {Args} a @param {Float32Array} l @param {number} at @param {number} total
 */
function printLosses(a, l, at, total) {
  const every = progressEvery(total);
  for (let s = Math.ceil(at / every) * every; s < at + l.length; s += every) {
    const loss = l[s - at];
    out(a.json ? `{"step":${s},"loss":${fmtF(loss, 6)}}\n` : `${String(s).padStart(7)}/${String(total).padStart(7)}: ${fmtF(loss, 4)}\n`);
  }
}

/**
 * --stats-every: the loss lines and the statistics of steps at.., in step order (a loss before the statistics of
 * its step), as the native CLI prints them: a {"stats":...} line with --json, else the lecture's print of the Tanh layers.
 * @param {Args} a @param {Float32Array} l @param {number} at @param {number} total @param {import('../../wasm/makemore.mjs').Stats[]} stats
 */
function printLossesAndStats(a, l, at, total, stats) {
  let k = 0;
  const upTo = (/** @type {number} */ step) => {
    for (; k < stats.length && stats[k].step < step; k++) {
      const st = stats[k];
      if (a.json) out(`{"stats":${JSON.stringify(st)}}\n`);
      else {
        out(`stats at step ${st.step}:\n`);
        st.layers.forEach((y, i) => {
          if (y.kind !== 'Tanh') return;
          const mean = /** @type {number} */ (y.out.mean);
          out(`  layer ${i} (${y.kind.padStart(10)}): mean ${mean < 0 || Object.is(mean, -0) ? '' : '+'}${fmtF(mean, 2)}, std ${fmtF(/** @type {number} */ (y.out.std), 2)}, saturated: ${fmtF(/** @type {number} */ (y.out.saturated) * 100, 2)}%\n`);
        });
      }
    }
  };
  const every = progressEvery(total);
  for (let s = Math.ceil(at / every) * every; s < at + l.length; s += every) {
    upTo(s);
    printLosses(a, l.subarray(s - at, s - at + 1), s, total);
  }
  upTo(Infinity);
}

/**
 * The eval-mode losses of train, val and test, in parts so that Ctrl-C is seen; an empty split
 * (a very short word list), --no-eval or a SIGINT leaves null.
 * @param {Run} run @returns {Promise<(number|null)[]|null>} null: the train loss failed (said on stderr)
 */
async function evaluate({ a, t, stop }) {
  /** @type {(number|null)[]} */
  const evals = [null, null, null];
  for (const k of /** @type {const} */ ([0, 1, 2])) {
    if (a.noEval || stop.at) break;
    const split = ['train', 'val', 'test'][k];
    const size = t.splitSizes[k];
    try {
      if (size === 0) t.evaluate(k); // the core's message
      let sum = 0;
      let part = 4096;
      for (let start = 0; start < size && !stop.at; ) {
        const count = Math.min(part, size - start);
        const c0 = performance.now();
        sum = t.evaluatePart(k, start, count, sum);
        start += count;
        const s = (performance.now() - c0) / 1000;
        part = Math.max(256, Math.round((count * CHUNK_SECONDS) / Math.max(s, 1e-4)));
        progress.draw(`evaluating the ${split} loss: ${Math.floor((100 * start) / size)}%`);
        await yieldToEvents();
      }
      evals[k] = Math.fround(sum / size); // as the core's mm_trainer_eval divides
    } catch (e) {
      if (k === 0) {
        note(message(e));
        return null;
      }
      note(`no ${split} loss: ${message(e)}`);
    }
  }
  return evals;
}

/** After a SIGINT: --checkpoint written at the step reached, --save not. @param {Run} run @returns {number} the exit code */
function interrupted({ a, t, total }) {
  const step = t.step;
  if (a.workDir) {
    const file = inWorkDir(a.workDir, MODEL_FILE);
    writeOrFail(file, t.save());
    note(`interrupted at step ${step} of ${total}: model written to ${file} (continue with -o ${a.workDir} --resume)`);
  }
  if (a.checkpoint) {
    writeOrFail(a.checkpoint, t.save());
    note(`interrupted at step ${step} of ${total}: checkpoint written to ${a.checkpoint} (continue with --resume ${a.checkpoint})`);
  } else if (!a.workDir) {
    note(`interrupted at step ${step} of ${total}: nothing saved (--checkpoint FILE saves the run on Ctrl-C)`);
  }
  if (a.save) note(`--save ${a.save} not written: the run did not finish`);
  return EXIT_INTERRUPTED;
}

/**
 * Prints the end of a run, as the native CLI does: the losses, steps/s, the profile and the samples.
 * @param {Run} run
 * @param {{evals: (number|null)[], sps: number, doneSteps: number, prof: Profile|null, threads: number}} r
 */
function report({ a, t, losses, probe }, { evals, sps, doneSteps, prof, threads }) {
  const ls = evals.map((l) => (l === null ? (a.json ? 'null' : 'n/a') : fmtF(l, a.json ? 6 : 4)));
  const head = `train ${ls[0]}\nval ${ls[1]}\ntest ${ls[2]}\n${fmtF(sps, 1)} steps/s\n`;
  let names;
  try {
    names = t.sample(sampleOptions(a, a.samples));
  } catch (e) {
    if (!a.json) out(head);
    throw new Failure(message(e));
  }
  const where = t.whereAre(names); // in the training split, another, or new
  if (a.json) {
    const [n0, n1, n2] = t.splitSizes;
    const st = t.state;
    const [lr, lr2] = [fmtG(Math.fround(st.lr), 6), fmtG(Math.fround(st.lrDecayed), 6)]; // C's %g of the float
    let s =
      `{"params":${t.numParams},"split":[${n0},${n1},${n2}],"steps":${t.step},"lr":${lr},"lr_decayed":${lr2},` +
      `"decay_step":${st.decayStep},"train_loss":${ls[0]},"val_loss":${ls[1]},"test_loss":${ls[2]},"steps_per_sec":${fmtF(sps, 1)},` +
      `"engine":${jsonString(t.kernels)},"threads":${threads},` +
      (probe && probe.pool > 1 ? `"threads_measured":{"1":${fmtF(probe.rate(0), 1)},"${probe.pool}":${fmtF(probe.rate(1), 1)}},` : '') +
      `"samples":[${names.map(jsonString).join(',')}],"where":${whereJson(where)}`;
    if (prof) // microseconds per step
      s += `,"profile":[${prof.map((p) => `{"phase":"${p.phase}","op":"${p.op}","us":${fmtF(doneSteps ? (1e6 * p.seconds) / doneSteps : 0, 3)}}`).join(',')}]`;
    if (losses) s += `,"losses":[${Array.from(losses.subarray(0, doneSteps), (x) => fmtG(x, 9)).join(',')}]`;
    out(`${s}}\n`);
  } else {
    let s = head;
    if (probe && probe.pool > 1 && probe.rate(0) > 0)
      s += `threads: ${threads} (measured on the first steps: 1 thread ${fmtF(probe.rate(0), 0)} steps/s, ${probe.pool} threads ${fmtF(probe.rate(1), 0)})\n`;
    if (prof && doneSteps) {
      const sum = prof.reduce((acc, p) => acc + p.seconds, 0);
      s += 'time per step by section (us; sections this model never ran are left out):\n';
      for (const p of prof.filter((q) => q.seconds > 0))
        s += `  ${p.phase.padEnd(8)} ${p.op.padEnd(30)} ${fmtF((1e6 * p.seconds) / doneSteps, 1).padStart(8)}  ${fmtF(sum > 0 ? (100 * p.seconds) / sum : 0, 1).padStart(5)}%\n`;
    }
    out(s + namesText(names, where));
  }
}
