// C's printf and strtof, reproduced exactly, so that the Node CLI prints the native CLI's text and
// JSON bitwise: parseF32 (strtof: a decimal rounded to float32 once), fmtF (%.*f), fmtG (%.*g), and
// the native CLI's json_string. printf rounds the exact binary value of a double, ties to even.

/**
 * A decimal number rounded to float32 once, as strtof does (Math.fround(Number(s)) rounds twice).
 * @param {string} s @returns {number} NaN if s is not a decimal number
 */
export function parseF32(s) {
  const m = /^([+-]?)(?:(\d+)\.?(\d*)|\.(\d+))(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m) return NaN;
  const neg = m[1] === '-';
  const frac = m[3] ?? m[4] ?? '';
  const digits = ((m[2] ?? '') + frac).replace(/^0+/, '');
  if (!digits) return neg ? -0 : 0;
  const e10 = Number(m[5] ?? 0) - frac.length;
  if (e10 + digits.length > 40) return neg ? -Infinity : Infinity; // > 1e39 > FLT_MAX
  if (e10 + digits.length < -50) return neg ? -0 : 0; // < 1e-50, below half the smallest subnormal
  let num = BigInt(digits);
  let den = 1n;
  if (e10 >= 0) num *= 10n ** BigInt(e10);
  else den = 10n ** BigInt(-e10);
  // value = num / den; find e2 with 2^23 <= value / 2^e2 < 2^24 (or e2 = -149: subnormal)
  let e2 = num.toString(2).length - den.toString(2).length - 24;
  const scaled = (/** @type {number} */ e) => (e >= 0 ? [num, den << BigInt(e)] : [num << BigInt(-e), den]);
  for (;;) {
    const [a, b] = scaled(e2);
    if (a >= b << 24n) e2++;
    else if (a < b << 23n) e2--;
    else break;
  }
  if (e2 < -149) e2 = -149;
  const [a, b] = scaled(e2);
  let q = a / b;
  const r2 = 2n * (a - q * b);
  if (r2 > b || (r2 === b && (q & 1n) === 1n)) q++;
  const v = Number(q) * 2 ** e2; // exact: q <= 2^24
  const out = v > 3.4028234663852886e38 ? Infinity : v;
  return neg ? -out : out;
}

const f64 = new DataView(new ArrayBuffer(8));
/** @param {number} x finite @returns {{neg: boolean, num: bigint, den: bigint}} |x| = num / den exactly */
function exact(x) {
  f64.setFloat64(0, x);
  const hi = f64.getUint32(0);
  const be = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(f64.getUint32(4));
  let e = be - 1075;
  if (be === 0) e = -1074;
  else mant |= 1n << 52n;
  return { neg: hi >>> 31 === 1, num: e >= 0 ? mant << BigInt(e) : mant, den: e >= 0 ? 1n : 1n << BigInt(-e) };
}
/** round(num/den * 10^d), ties to even (glibc's printf rounds the exact binary value so) */
function roundScaled(/** @type {bigint} */ num, /** @type {bigint} */ den, /** @type {number} */ d) {
  if (d >= 0) num *= 10n ** BigInt(d);
  else den *= 10n ** BigInt(-d);
  let q = num / den;
  const r2 = 2n * (num - q * den);
  if (r2 > den || (r2 === den && (q & 1n) === 1n)) q++;
  return q;
}
/** printf("%.*f", d, x) */
export function fmtF(/** @type {number} */ x, /** @type {number} */ d) {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x < 0 ? '-inf' : 'inf';
  const { neg, num, den } = exact(x);
  let s = roundScaled(num, den, d).toString();
  if (d > 0) {
    s = s.padStart(d + 1, '0');
    s = `${s.slice(0, -d)}.${s.slice(-d)}`;
  }
  return (neg ? '-' : '') + s;
}
/** printf("%.*g", p, x) */
export function fmtG(/** @type {number} */ x, /** @type {number} */ p) {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x < 0 ? '-inf' : 'inf';
  const { neg, num, den } = exact(x);
  const sign = neg ? '-' : '';
  if (num === 0n) return `${sign}0`;
  // e: 10^e <= |x| < 10^(e+1), exactly
  let e = Math.floor(Math.log10(Math.abs(x)));
  const atLeast = (/** @type {number} */ k) => (k >= 0 ? 10n ** BigInt(k) * den <= num : den <= num * 10n ** BigInt(-k));
  while (!atLeast(e)) e--;
  while (atLeast(e + 1)) e++;
  let q = roundScaled(num, den, p - 1 - e);
  if (q === 10n ** BigInt(p)) {
    q /= 10n;
    e++;
  }
  const digits = q.toString();
  let s;
  if (e < -4 || e >= p) {
    const rest = digits.slice(1).replace(/0+$/, '');
    s = `${digits[0]}${rest ? `.${rest}` : ''}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  } else {
    const f = p - 1 - e;
    let t = digits.padStart(f + 1, '0');
    if (f > 0) t = `${t.slice(0, -f)}.${t.slice(-f)}`.replace(/0+$/, '').replace(/\.$/, '');
    s = t;
  }
  return sign + s;
}
/** the native CLI's json_string: '"' and '\' escaped, bytes below 0x20 as \u00XX, the rest as is */
export function jsonString(/** @type {string} */ s) {
  return `"${s.replace(/["\\\u0000-\u001f]/g, (c) => (c === '"' || c === '\\' ? `\\${c}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))}"`;
}

