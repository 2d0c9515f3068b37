// torch-fixture.test.mjs: the PyTorch reference fixtures through the JS API.
//
//   node --test tests/torch-fixture.test.mjs      (after bash scripts/build-wasm.sh)
//
// The same check as tests/test_torch.c, but on the WebAssembly builds (the fast engine of the
// SIMD, relaxed and simd-threads modules; scalar) through wasm/makemore.mjs: for each tests/fixtures/<name>.bin (format
// "MMFX", see tests/dump_inputs.c and tests/reference.py):
//   1. mm.createModel with the fixture's config; setParams/setBuffers from init.*;
//   2. forwardBackward on batch 0: logits, loss, every gradient;
//   3. sgdStep on batches 1..3 (the fixture's lr): each loss;
//   4. the final params and BatchNorm running stats;
//   (3 and 4 only for the SGD fixtures: a Model has no optimizer; test_torch.c checks the AdamW steps)
//   5. evalLogits on batch 0 (running statistics).
// A value passes when |a - r| <= ATOL + RTOL*|r| (tolerances and their reasons:
// tests/test_torch.c). On failure the worst error of every tensor is printed.
// A last test proves the check can fail: the largest gradient element scaled
// by (1 + 1e-3) must be reported, for every fixture.
//
// MM_WASM_DIR: folder of the makemore-*.wasm modules (default build-wasm/)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { loadMakemore, relaxedSimdSupported } from '../wasm/makemore.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WASM_DIR = path.resolve(ROOT, process.env.MM_WASM_DIR ?? 'build-wasm');
const FIXTURE_DIR = path.join(ROOT, 'tests/fixtures');
const FIXTURES = ['wavenet22k', 'wavenet22k-bnbug', 'mlp3', 'hier3-small', 'hier16-bnbug', 'flat2', 'flat3-residual',
  'conv8', 'conv9-k3', 'gated8', 'gated7-nobn', // the conv and gated forms (issue 10)
  'mm-mlp', 'mm-bow', 'mm-rnn', 'mm-gru', 'mm-lstm']; // makemore.py's models (batches of whole words; their steps are AdamW's)

const RTOL = 1e-4;
const ATOL = 1e-6;
const REL_FLOOR = 1e-3; // max relative error is reported over |r| > this

/**
 * @param {boolean|'relaxed'|'simd-threads'} simd true: the SIMD module (its fast engine, the models' default), false:
 *   scalar, 'relaxed' and 'simd-threads': the threaded modules' fast engine on 2 threads
 */
const load = (simd) =>
  simd === 'relaxed' || simd === 'simd-threads'
    ? loadMakemore({ engine: simd, threads: 2, wasmDir: pathToFileURL(WASM_DIR + '/') })
    : loadMakemore({ simd, wasmDir: pathToFileURL(WASM_DIR + '/') });

// ---------------------------------------------------------------- fixture file

/**
 * @typedef {{name: string, dtype: number, dims: number[], data: Float32Array|Int32Array}} Rec
 */

/** Parses an MMFX version 1 fixture. @param {string} file @returns {Map<string, Rec>} */
function readFixture(file) {
  const buf = readFileSync(file);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  const need = (/** @type {number} */ k) => {
    if (pos + k > buf.length) throw new Error(`${file}: malformed or truncated at byte ${pos}`);
  };
  const u32 = () => {
    need(4);
    const v = dv.getUint32(pos, true);
    pos += 4;
    return v;
  };
  need(12);
  if (buf.toString('latin1', 0, 4) !== 'MMFX' || dv.getUint32(4, true) !== 1)
    throw new Error(`${file}: not an MMFX version 1 fixture`);
  pos = 8;
  const n = u32();
  /** @type {Map<string, Rec>} */
  const recs = new Map();
  for (let i = 0; i < n; i++) {
    const nl = u32();
    need(nl);
    const name = buf.toString('utf8', pos, pos + nl);
    pos += nl;
    const dtype = u32();
    const ndim = u32();
    if (dtype > 1 || ndim > 4) throw new Error(`${file}: record ${name}: dtype ${dtype}, ndim ${ndim}`);
    const dims = [];
    for (let d = 0; d < ndim; d++) dims.push(u32());
    const count = dims.reduce((a, b) => a * b, 1);
    need(4 * count);
    const data = dtype === 0 ? new Float32Array(count) : new Int32Array(count);
    for (let k = 0; k < count; k++, pos += 4)
      data[k] = dtype === 0 ? dv.getFloat32(pos, true) : dv.getInt32(pos, true);
    recs.set(name, { name, dtype, dims, data });
  }
  if (pos !== buf.length) throw new Error(`${file}: ${buf.length - pos} bytes after the last record`);
  return recs;
}

/**
 * The record name with dtype and (count >= 0) that many values; throws otherwise.
 * @param {Map<string, Rec>} fx @param {string} name @param {0|1} dtype @param {number} count
 */
function need(fx, name, dtype, count) {
  const r = fx.get(name);
  if (!r) throw new Error(`missing record ${name}`);
  if (r.dtype !== dtype || (count >= 0 && r.data.length !== count))
    throw new Error(`record ${name}: dtype ${r.dtype}, ${r.data.length} values; want dtype ${dtype}, ${count} values`);
  return r;
}
const f32 = (/** @type {Rec} */ r) => /** @type {Float32Array} */ (r.data);
const tokens = (/** @type {Rec} */ r) => Uint16Array.from(r.data);

// ---------------------------------------------------------------- comparison

/**
 * @typedef {{name: string, n: number, nBad: number, maxAbs: number, maxRel: number,
 *   worst: number, worstIndex: number, a: number, r: number}} Cmp
 */

/**
 * Compares values a with the reference r element by element, as test_torch.c does.
 * worst is the largest |a - r| / (ATOL + RTOL*|r|) (> 1 fails; NaN counts as failing).
 * @param {string} name @param {ArrayLike<number>} a @param {ArrayLike<number>} r @returns {Cmp}
 */
export function compare(name, a, r) {
  if (a.length !== r.length) throw new Error(`${name}: ${a.length} values, the reference has ${r.length}`);
  let maxAbs = 0, maxRel = 0, worst = -1, worstIndex = 0, nBad = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - r[i]);
    const ar = Math.abs(r[i]);
    const ratio = d / (ATOL + RTOL * ar);
    if (!(ratio <= 1)) nBad++;
    if (!(ratio <= worst)) {
      worst = ratio;
      worstIndex = i;
    }
    if (d > maxAbs) maxAbs = d;
    if (ar > REL_FLOOR && d / ar > maxRel) maxRel = d / ar;
  }
  return { name, n: a.length, nBad, maxAbs, maxRel, worst, worstIndex, a: a[worstIndex], r: r[worstIndex] };
}

/** One line per tensor, like test_torch.c prints. @param {Cmp} c */
function line(c) {
  return `${c.nBad ? 'FAIL' : 'ok  '} ${c.name.padEnd(30)} n=${String(c.n).padEnd(6)} max|err| ${c.maxAbs.toExponential(2)}` +
    `  max rel ${c.maxRel.toExponential(2)}  worst [${c.worstIndex}] ${c.a} vs ${c.r} (${c.worst.toFixed(2)} of tol)`;
}

// ---------------------------------------------------------------- one fixture

/**
 * Runs the whole check for one fixture on one loaded module.
 * @param {import('../wasm/makemore.mjs').Makemore} mm @param {string} name
 * @param {{perturbGrad?: boolean}} [opts] perturbGrad: scale the largest gradient element by (1 + 1e-3) first
 * @returns {Cmp[]} one comparison per checked tensor
 */
function runFixture(mm, name, opts = {}) {
  const fx = readFixture(path.join(FIXTURE_DIR, `${name}.bin`));
  /** @type {Record<string, number>} the model fields of the core's schema, from the "config.<name>" records */
  const fields = {};
  const form = fx.get('config.form')?.data[0] ?? 0;
  for (const f of mm.familyFields(form)) { // the fixture's family's settings (an older fixture holds every family's)
    const rec = fx.get(`config.${f.name}`);
    if (!rec && f.optional) fields[f.js] = f.type === 'enum' ? /** @type {string[]} */ (f.values).indexOf(String(f.defaultText)) : Number(f.defaultText);
    else fields[f.js] = need(fx, `config.${f.name}`, 1, 1).data[0];
  }
  const config = /** @type {import('../wasm/makemore.mjs').ModelConfig} */ (/** @type {unknown} */ (fields));
  const lr = f32(need(fx, 'lr', 0, 1))[0];
  const rx0 = need(fx, 'X0', 1, -1);
  const B = rx0.dims[0];
  const T = config.blockSize;
  const V = config.vocabSize;
  assert.equal(rx0.data.length, B * T, 'X0 is (B, blockSize)');
  const m = mm.createModel(config, { seed: 1, maxBatch: B });
  try {
    assert.deepEqual(m.config, config);
    const ts = m.tensors();
    /** @type {Cmp[]} */
    const out = [];

    // 1. initial params and buffers: every tensor in the fixture, with its shape, params packed in order
    const nInit = [...fx.keys()].filter((k) => k.startsWith('init.')).length;
    assert.equal(nInit, ts.length, `the fixture has ${nInit} init tensors, the model ${ts.length}`);
    const params = new Float32Array(m.numParams);
    const buffers = new Float32Array(m.numBuffers);
    let coveredP = 0, coveredB = 0;
    for (const t of ts) {
      const r = need(fx, `init.${t.name}`, 0, t.size);
      if (!t.isBuffer) {
        assert.deepEqual(r.dims, t.shape, `${t.name}: shape differs from the fixture's`);
        assert.equal(t.offset, coveredP, `${t.name}: params out of the lecture's order`);
      } // buffers: torch may store (C,) where the core has (1,T,C); sizes agree
      (t.isBuffer ? buffers : params).set(f32(r), t.offset);
      if (t.isBuffer) coveredB += t.size;
      else coveredP += t.size;
    }
    assert.equal(coveredP, m.numParams, 'tensors cover the params');
    assert.equal(coveredB, m.numBuffers, 'tensors cover the buffers');
    m.setParams(params);
    m.setBuffers(buffers);
    assert.deepEqual(m.params(), params);
    assert.deepEqual(m.buffers(), buffers);

    // 2. forward/backward on batch 0
    const X0 = tokens(rx0);
    const Y0 = tokens(need(fx, 'Y0', 1, B));
    const fb = m.forwardBackward(X0, Y0);
    assert.equal(fb.logits.length, B * V);
    assert.equal(fb.grads.length, m.numParams);
    if (opts.perturbGrad) {
      let at = 0;
      for (let k = 1; k < fb.grads.length; k++) if (Math.abs(fb.grads[k]) > Math.abs(fb.grads[at])) at = k;
      fb.grads[at] *= Math.fround(1.001); // Float32Array: rounds like the C test's float
    }
    out.push(compare('logits', fb.logits, f32(need(fx, 'ref.logits', 0, B * V))));
    out.push(compare('loss', [fb.loss], f32(need(fx, 'ref.loss', 0, 1))));
    for (const t of ts) {
      if (t.isBuffer) continue;
      const key = `grad.${t.name}`;
      out.push(compare(key, fb.grads.subarray(t.offset, t.offset + t.size), f32(need(fx, key, 0, t.size))));
    }

    // 3. SGD steps on batches 1..3 (an AdamW fixture's steps are test_torch.c's: a Model has no optimizer)
    const adamw = (fx.get('train.optimizer')?.data[0] ?? 0) !== 0;
    const stepLosses = adamw ? new Float32Array(0) : f32(need(fx, 'ref.step_losses', 0, -1));
    assert.ok(adamw || stepLosses.length >= 1, 'the fixture has SGD steps');
    for (let k = 0; k < stepLosses.length; k++) {
      const X = tokens(need(fx, `X${k + 1}`, 1, B * T));
      const Y = tokens(need(fx, `Y${k + 1}`, 1, B));
      const loss = m.sgdStep(X, Y, lr);
      out.push(compare(`step ${k + 1} loss`, [loss], stepLosses.subarray(k, k + 1)));
    }

    // 4. final params and buffers
    const pf = m.params();
    const bf = m.buffers();
    for (const t of adamw ? [] : ts) {
      const key = `final.${t.name}`;
      out.push(compare(key, (t.isBuffer ? bf : pf).subarray(t.offset, t.offset + t.size), f32(need(fx, key, 0, t.size))));
    }

    // 5. eval-mode logits on batch 0 (an AdamW fixture's are of its final parameters: set from final.*)
    if (adamw) {
      const pf = new Float32Array(m.numParams);
      for (const t of ts) if (!t.isBuffer) pf.set(f32(need(fx, `final.${t.name}`, 0, t.size)), t.offset);
      m.setParams(pf);
    }
    out.push(compare('eval logits', m.evalLogits(X0), f32(need(fx, 'ref.eval_logits', 0, B * V))));
    return out;
  } finally {
    m.free();
  }
}

/** @param {Cmp[]} cmps */
function summary(cmps) {
  const worstAbs = cmps.reduce((a, b) => (b.maxAbs >= a.maxAbs ? b : a));
  const worstRel = cmps.reduce((a, b) => (b.maxRel >= a.maxRel ? b : a));
  const worstTol = cmps.reduce((a, b) => (b.worst >= a.worst ? b : a));
  const bad = cmps.filter((c) => c.nBad > 0).length;
  return `${cmps.length - bad}/${cmps.length} tensors ok; max|err| ${worstAbs.maxAbs.toExponential(2)} (${worstAbs.name}), ` +
    `max rel ${worstRel.maxRel.toExponential(2)} (${worstRel.name}), worst ${worstTol.worst.toFixed(3)} of tol (${worstTol.name})`;
}

// ---------------------------------------------------------------- tests

for (const simd of /** @type {const} */ ([true, false, 'relaxed', 'simd-threads'])) {
  const build = simd === 'relaxed' ? 'relaxed-SIMD (fast engine, 2 threads)' : simd === 'simd-threads' ? 'strict SIMD threads (fast engine, 2 threads)' : simd ? 'SIMD (fast engine)' : 'scalar';
  test(`PyTorch fixtures through the JS API, ${build} build`, { skip: simd === 'relaxed' && !relaxedSimdSupported() && 'no relaxed SIMD (node --experimental-wasm-relaxed-simd)' }, async (t) => {
    const mm = await load(simd);
    assert.equal(mm.simd, simd !== false);
    if (simd === 'relaxed' || simd === 'simd-threads') assert.equal(mm.threads, 2);
    for (const name of FIXTURES) {
      await t.test(name, () => {
        const cmps = runFixture(mm, name);
        const bad = cmps.filter((c) => c.nBad > 0);
        t.diagnostic(`${build} ${name}: ${summary(cmps)}`);
        if (bad.length) {
          const report = `${build} ${name}: ${bad.length} tensor(s) outside |a-r| <= ${ATOL} + ${RTOL}*|r|\n` +
            cmps.map(line).join('\n');
          assert.fail(report);
        }
      });
    }
    await mm.close();
  });
}

test('the check fails on a 1e-3 relative error in one gradient element', async (t) => {
  // test_torch.c --perturb-grad: every fixture must be caught, and only at that gradient.
  const mm = await load(true);
  for (const name of FIXTURES) {
    const cmps = runFixture(mm, name, { perturbGrad: true });
    const bad = cmps.filter((c) => c.nBad > 0);
    assert.equal(bad.length, 1, `${name}: exactly the perturbed tensor fails:\n${cmps.map(line).join('\n')}`);
    assert.match(bad[0].name, /^grad\./, name);
    assert.equal(bad[0].nBad, 1, `${name}: one element`);
    t.diagnostic(`${name}: caught in ${bad[0].name} at ${bad[0].worst.toFixed(1)}x the tolerance`);
  }
  // and the comparison itself flags NaN and a value just outside the tolerance
  assert.equal(compare('nan', [NaN], [1]).nBad, 1);
  assert.equal(compare('edge', [1 + 1.2e-4], [1]).nBad, 1);
  assert.equal(compare('edge', [1 + 0.9e-4], [1]).nBad, 0);
});

test('model-level API: inputs are validated, errors are clear', async () => {
  const mm = await load(true);
  const config = { vocabSize: 27, blockSize: 3, nEmbd: 4, nHidden: 8 };
  assert.throws(() => mm.createModel({ blockSize: 3, nEmbd: 4, nHidden: 8 }), TypeError);
  assert.throws(() => mm.createModel(config, { maxBatch: 0 }), TypeError);
  assert.throws(() => mm.createModel({ ...config, blockSize: 0 }), (e) => e.name === 'MakemoreError' && /block size/.test(e.message));
  const m = mm.createModel(config, { seed: 3, maxBatch: 4 });
  assert.equal(m.maxBatch, 4);
  const X = new Uint16Array([1, 2, 3, 4, 5, 6]);
  const Y = new Uint16Array([7, 8]);
  assert.throws(() => m.forwardBackward(new Uint16Array(5), Y), /multiple of blockSize 3/);
  assert.throws(() => m.forwardBackward(X, new Uint16Array(3)), /Y has 3 targets, X has 2 contexts/);
  assert.throws(() => m.forwardBackward(/** @type {any} */ ([1, 2, 3]), Y), /Uint16Array/);
  assert.throws(() => m.forwardBackward(new Uint16Array(15), new Uint16Array(5)), (e) => e.code === 1 && /batch of 5/.test(e.message));
  assert.throws(() => m.forwardBackward(new Uint16Array([1, 2, 27, 0, 0, 0]), Y), (e) => e.code === 1 && /token 27/.test(e.message));
  assert.throws(() => m.sgdStep(X, Y, NaN), (e) => e.code === 1 && /learning rate/.test(e.message));
  assert.throws(() => m.setParams(new Float32Array(m.numParams + 1)), TypeError);
  assert.throws(() => m.setBuffers(/** @type {any} */ (new Float64Array(m.numBuffers))), TypeError);
  const p0 = m.params();
  const fb = m.forwardBackward(X, Y);
  assert.ok(fb.loss > 2 && fb.loss < 6, `loss ${fb.loss}`);
  assert.deepEqual(m.params(), p0, 'forwardBackward leaves the params');
  const loss = m.sgdStep(X, Y, 0.1);
  assert.equal(loss, fb.loss);
  assert.notDeepEqual(m.params(), p0);
  assert.equal(m.evalLogits(X.subarray(0, 3)).length, 27);
  // results are copies: they survive wasm memory growth
  const grads = fb.grads.slice();
  const big = mm.createModel({ vocabSize: 27, blockSize: 8, nEmbd: 24, nHidden: 128 }, { maxBatch: 8192 });
  assert.deepEqual(fb.grads, grads);
  big.free();
  m.free();
  assert.throws(() => m.evalLogits(X), /after free/);
});
