// api/base.mjs: what every part of the JS API shares (wasm/makemore.mjs is the entry
// and the overview): the core's error, the argument checks and conversions used
// everywhere, and Owned, the base of the classes that own a wasm object.
/** @import { Makemore } from './makemore-class.mjs' */

export const SPLITS = ['train', 'val', 'test'];

/** An error reported by the core; code is its MM_* code. */
export class MakemoreError extends Error {
  /** @param {string} message @param {number} code */
  constructor(message, code) {
    super(message);
    this.name = 'MakemoreError';
    this.code = code;
  }
}

/** @param {number|bigint} seed @returns {[number, number]} low and high 32 bits */
export function splitSeed(seed) {
  const s = BigInt(seed);
  if (s < 0n || s >= 1n << 64n) throw new RangeError(`seed ${seed} is outside 0..2^64-1`);
  return [Number(s & 0xffffffffn), Number(s >> 32n)];
}

/** @param {unknown} n @param {string} what @param {number} [min] */
export function checkInt(n, what, min = 0) {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > 0x7fffffff)
    throw new RangeError(`${what} must be an integer in ${min}..2147483647, got ${n}`);
  return n;
}

/** @param {ArrayBuffer|ArrayBufferView} bytes @returns {Uint8Array} */
export function toU8(bytes) {
  if (bytes instanceof Uint8Array) return bytes;
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  throw new TypeError('a model file must be a Uint8Array, another typed array or an ArrayBuffer');
}

/** @param {Uint32Array} cps @returns {string[]} token 0 is '.' */
export function vocabStrings(cps) {
  return Array.from(cps, (c, i) => (i === 0 ? '.' : String.fromCodePoint(c)));
}

const registry =
  typeof FinalizationRegistry !== 'undefined'
    ? new FinalizationRegistry((/** @type {() => void} */ free) => free())
    : null;

/** Base of the classes that own a wasm object. */
export class Owned {
  /**
   * @param {Makemore} mm @param {number} h @param {(h: number) => void} freeFn
   * @param {number} [modelHandle] the object's model, whose engine follows mm's threads
   * @param {boolean} [reproducible] that model's engine: the reference kernels, or the fast ones (default)
   */
  constructor(mm, h, freeFn, modelHandle = 0, reproducible = false) {
    this._mm = mm;
    this._h = h;
    /** the object's own sampling generator, made on first use; shared with the finalizer (which must not hold `this`) */
    this._own = { rng: 0 };
    const own = this._own;
    this._free = () => {
      if (own.rng) mm._x.mmw_rng_free(own.rng);
      own.rng = 0;
      if (modelHandle) {
        mm._live.delete(modelHandle);
        mm._alone.delete(modelHandle);
      }
      freeFn(h);
    };
    if (modelHandle) mm._track(modelHandle, reproducible);
    this._token = {};
    registry?.register(this, this._free, this._token);
  }
  /** the wasm handle; throws once freed */
  get handle() {
    if (!this._h) throw new Error(`${this.constructor.name} used after free()`);
    return this._h;
  }
  /** @param {bigint} seed @returns {number} the object's own generator, seeded on first use by the sampling rule (stream 0) */
  _ownRng(seed) {
    if (!this._own.rng) {
      const [lo, hi] = splitSeed(seed & 0xffffffffffffffffn);
      this._own.rng = this._mm._call(() => this._mm._x.mmw_sample_rng_new(lo, hi, 0, 0), (r) => r !== 0);
    }
    return this._own.rng;
  }
  /** Frees the wasm memory; later use throws. Calling it twice is harmless. */
  free() {
    if (!this._h) return;
    registry?.unregister(this._token);
    this._free();
    this._h = 0;
  }
}
