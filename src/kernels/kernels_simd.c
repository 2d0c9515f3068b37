// kernels_simd.c: wasm SIMD twins of the kernels in kernels_scalar.c.
//
// Built only with -msimd128. Every kernel vectorises across independent
// outputs (matmul columns, BatchNorm columns, elementwise values) and performs,
// lane by lane, exactly the scalar code's operations in the scalar code's order,
// so the results are bitwise those of the scalar kernels (see kernels.h).
//
// Matmuls: register-blocked like XNNPACK's f32-gemm wasmsimd kernels. An
// MR x (4*NV) output tile lives in MR*NV v128 accumulators; per reduction step
// each A value is broadcast (v128.load32_splat), the B row segment is loaded as
// NV vectors, and acc = acc + a*b (a separate mul and add, never fused).
// Each accumulator lane is one output element, summed over k = 0, 1, ... from
// 0.0f (or the bias), as in the scalar kernels. Edges: rows left over after the
// MR blocks use the same kernel with fewer rows; columns left over after the
// 4*NV blocks use 4-wide tiles, then one partial vector (1-3 columns loaded
// with load32_zero/load64_zero/load32_lane and stored lane by lane).
//
// Compiled a second time for the fast engine's extras (MM_FAST_SIMD: the dot-product
// matmul_nt and the rational tanh below), in one of two ways:
//   kernels_relaxed.c (MM_RELAXED, -mrelaxed-simd): with acc = relaxed_madd(a, b, acc),
//     and the same tiled matmul too, the relaxed module's; every accumulator lane
//     still sums its terms in order, each with one fused multiply-add where the
//     engine fuses it;
//   kernels_simd_fast.c (strict SIMD, for engines without relaxed SIMD: Safari):
//     with a separate multiply and add (its matmul is this file's reference one).
// The other kernels are only here once.
#ifdef __wasm_simd128__

#include <wasm_simd128.h>
#include "kernels/kernels.h"
#include "makemore.h"

#define INLINE static inline __attribute__((always_inline))

#ifdef MM_RELAXED
#define MM_FAST_SIMD 1
#define MADD(acc, a, b) wasm_f32x4_relaxed_madd((a), (b), (acc))
#define GEMM mm_gemm_relaxed
#define FAST(name) name##_relaxed
#else
#define MADD(acc, a, b) wasm_f32x4_add((acc), wasm_f32x4_mul((a), (b)))
#define GEMM mm_gemm_simd
#define FAST(name) name##_simdfast
#endif

// Tile sizes: MR rows by 4*NV columns (MR*NV accumulators, <= 16 live vectors
// with the NV B vectors and one broadcast A value). 4x8 measured best under
// Node 20 / V8 on x86-64: it reaches ~20 GFLOP/s, the 2-vector-ops-per-cycle
// bound of separate mul+add; 6x8, 3x16, 2x16 tie, 4x16 and 8x8 (more than 16
// live vectors) spill and are slower.
#ifndef MM_SIMD_MR
#define MM_SIMD_MR 4
#endif
#ifndef MM_SIMD_NV
#define MM_SIMD_NV 2
#endif
#define SMR MM_SIMD_MR
#define SNV MM_SIMD_NV

// ---------------------------------------------------------------- partial vectors

// Loads nc (1..4) floats into the low lanes; the other lanes are 0.
INLINE v128_t load_part(const float* p, const int nc) {
    if (nc == 4) return wasm_v128_load(p);
    if (nc == 1) return wasm_v128_load32_zero(p);
    if (nc == 2) return wasm_v128_load64_zero(p);
    return wasm_v128_load32_lane(p + 2, wasm_v128_load64_zero(p), 2);
}

INLINE void store_part(float* p, v128_t v, const int nc) {
    if (nc == 4) { wasm_v128_store(p, v); return; }
    if (nc == 1) { wasm_v128_store32_lane(p, v, 0); return; }
    wasm_v128_store64_lane(p, v, 0);
    if (nc == 3) wasm_v128_store32_lane(p + 2, v, 2);
}

#if !defined(MM_FAST_SIMD) || defined(MM_RELAXED) // the tiled matmul (the strict fast build uses the reference one)
// ---------------------------------------------------------------- matmul tile

// C[0:mr, 0:4*nv] (the last vector holding only tail columns when tail is 1..3)
//   = init + sum_{k=0}^{K-1} A[q,k] * B[k, .]
// A[q,k] is at A[q*a_rs + k*a_ks] (nn: a_rs = lda, a_ks = 1; tn: a_rs = 1, a_ks = lda).
// mr, nv, tail are compile-time constants at every call site.
INLINE void tile(float* C, int ldc, const float* A, long a_rs, long a_ks, const float* B, int ldb,
                 const float* bias, int accum, int K, const int mr, const int nv, const int tail) {
    v128_t acc[SMR][SNV];
    // width of vector v: 4, or tail for the last one when tail != 0
#define VW(v) ((tail != 0 && (v) == nv - 1) ? tail : 4)
    if (accum) { // continue the sums of an earlier block of k (see MM_SIMD_KC)
        for (int q = 0; q < mr; q++)
            for (int v = 0; v < nv; v++) acc[q][v] = load_part(C + (long)q * ldc + 4 * v, VW(v));
    } else {
        for (int v = 0; v < nv; v++) {
            v128_t init = bias ? load_part(bias + 4 * v, VW(v)) : wasm_f32x4_splat(0.0f);
            for (int q = 0; q < mr; q++) acc[q][v] = init;
        }
    }
    const float* a = A;
    const float* b = B;
    for (int k = 0; k < K; k++) {
        v128_t bv[SNV];
        for (int v = 0; v < nv; v++) bv[v] = load_part(b + 4 * v, VW(v));
        for (int q = 0; q < mr; q++) {
            v128_t av = wasm_v128_load32_splat(a + q * a_rs);
            for (int v = 0; v < nv; v++) acc[q][v] = MADD(acc[q][v], av, bv[v]);
        }
        a += a_ks;
        b += ldb;
    }
    for (int q = 0; q < mr; q++)
        for (int v = 0; v < nv; v++) store_part(C + (long)q * ldc + 4 * v, acc[q][v], VW(v));
#undef VW
}

// All column blocks of an mr-row strip: full 4*SNV blocks, then 4-wide, then the 1..3 tail.
INLINE void strip(float* C, int ldc, const float* A, long a_rs, long a_ks, const float* B, int ldb,
                  const float* bias, int accum, int K, int N, const int mr) {
    int j = 0;
    for (; j + 4 * SNV <= N; j += 4 * SNV)
        tile(C + j, ldc, A, a_rs, a_ks, B + j, ldb, bias ? bias + j : 0, accum, K, mr, SNV, 0);
#if SNV > 1
    for (; j + 4 <= N; j += 4)
        tile(C + j, ldc, A, a_rs, a_ks, B + j, ldb, bias ? bias + j : 0, accum, K, mr, 1, 0);
#endif
    switch (N - j) {
    case 1: tile(C + j, ldc, A, a_rs, a_ks, B + j, ldb, bias ? bias + j : 0, accum, K, mr, 1, 1); break;
    case 2: tile(C + j, ldc, A, a_rs, a_ks, B + j, ldb, bias ? bias + j : 0, accum, K, mr, 1, 2); break;
    case 3: tile(C + j, ldc, A, a_rs, a_ks, B + j, ldb, bias ? bias + j : 0, accum, K, mr, 1, 3); break;
    default: break;
    }
}

// Row strip of mr rows (compile-time) starting at row i, columns [j0, j1).
INLINE void rows_strip(float* C, int ldc, const float* A, long a_rs, long a_ks, const float* B, int ldb, const float* bias,
                       int accum, int i, int K, int j0, int j1, const int mr) {
    strip(C + (long)i * ldc + j0, ldc, A + i * a_rs, a_rs, a_ks, B + j0, ldb, bias ? bias + j0 : 0, accum, K, j1 - j0, mr);
}

// All rows for columns [j0, j1): MR-row strips, then the leftover rows.
INLINE void col_panel(float* C, int ldc, const float* A, long a_rs, long a_ks, const float* B, int ldb, const float* bias,
                      int accum, int M, int K, int j0, int j1) {
    int i = 0;
    for (; i + SMR <= M; i += SMR) rows_strip(C, ldc, A, a_rs, a_ks, B, ldb, bias, accum, i, K, j0, j1, SMR);
    switch (M - i) {
#if SMR > 1
    case 1: rows_strip(C, ldc, A, a_rs, a_ks, B, ldb, bias, accum, i, K, j0, j1, 1); break;
#endif
#if SMR > 2
    case 2: rows_strip(C, ldc, A, a_rs, a_ks, B, ldb, bias, accum, i, K, j0, j1, 2); break;
#endif
#if SMR > 3
    case 3: rows_strip(C, ldc, A, a_rs, a_ks, B, ldb, bias, accum, i, K, j0, j1, 3); break;
#endif
#if SMR > 4
    case 4: rows_strip(C, ldc, A, a_rs, a_ks, B, ldb, bias, accum, i, K, j0, j1, 4); break;
#endif
#if SMR > 5
    case 5: rows_strip(C, ldc, A, a_rs, a_ks, B, ldb, bias, accum, i, K, j0, j1, 5); break;
#endif
#if SMR > 6
    case 6: rows_strip(C, ldc, A, a_rs, a_ks, B, ldb, bias, accum, i, K, j0, j1, 6); break;
#endif
#if SMR > 7
    case 7: rows_strip(C, ldc, A, a_rs, a_ks, B, ldb, bias, accum, i, K, j0, j1, 7); break;
#endif
#if SMR > 8
#error "MM_SIMD_MR > 8 not supported"
#endif
    default: break;
    }
}

#ifndef MM_SIMD_NC
#define MM_SIMD_NC 0
#endif
#ifndef MM_SIMD_KC
#define MM_SIMD_KC 128
#endif
// Generic driver: C (M,N), row stride ldc, = init + sum over K of A[i,k] B[k,j],
// A element (i,k) at A[i*a_rs + k*a_ks], B (K,N) with row stride ldb.
// The reduction runs in blocks of MM_SIMD_KC (0: all of K) so the blocks of A
// and B being swept stay in cache; after the first block the tiles resume from
// the partial sums stored in C. A float accumulator stored to C and loaded back
// is the same float, so the order and rounding per element stay the scalar ones.
// Columns in panels of MM_SIMD_NC (0: all). acc: the sums start from C's own values
// (a gradient that accumulates), not the bias or 0.
void GEMM(float* C, int ldc, const float* A, long a_rs, long a_ks, const float* B, int ldb, const float* bias, int acc,
          int M, int K, int N) {
    int kc = MM_SIMD_KC > 0 ? MM_SIMD_KC : K;
    int nc = MM_SIMD_NC > 0 ? MM_SIMD_NC : N;
    int k0 = 0;
    do { // at least once, so K = 0 would still write the bias (or zeros)
        int k1 = K - k0 < kc ? K : k0 + kc;
        for (int j = 0; j < N; j += nc) {
            int j1 = N - j < nc ? N : j + nc;
            col_panel(C, ldc, A + k0 * a_ks, a_rs, a_ks, B + (long)k0 * ldb, ldb, k0 ? 0 : bias, acc || k0 > 0, M, k1 - k0, j, j1);
        }
        k0 = k1;
    } while (k0 < K);
}
#endif // the tiled matmul

#ifdef MM_FAST_SIMD
// ---------------------------------------------------------------- the fast engine's extras

// (x0 + x2) + (x1 + x3): the one reduction order of a dot product's four lanes.
INLINE float hsum(v128_t v) {
    v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
    return wasm_f32x4_extract_lane(v, 0);
}

// C[0:mr, 0:nr] (row stride ldc) = A (mr rows, lda) . B (nr rows, ldb) over K: each
// output one dot product, lanes k%4 accumulated by MADD (relaxed: fused) over k/4 in order, the
// K%4 tail as a zero-padded vector, then hsum. Every output element takes the
// same operations whatever tile it falls in, so any split of C gives the same bits.
#ifndef MM_DOT_MR
#define MM_DOT_MR 4
#endif
#ifndef MM_DOT_NR
#define MM_DOT_NR 2
#endif
INLINE void dot_tile(float* C, int ldc, const float* A, int lda, const float* B, int ldb, int K, const int mr, const int nr) {
    v128_t acc[MM_DOT_MR][MM_DOT_NR];
    for (int q = 0; q < mr; q++)
        for (int v = 0; v < nr; v++) acc[q][v] = wasm_f32x4_splat(0.0f);
    int k = 0;
    for (; k + 4 <= K; k += 4) {
        v128_t a[MM_DOT_MR];
        for (int q = 0; q < mr; q++) a[q] = wasm_v128_load(A + (long)q * lda + k);
        for (int v = 0; v < nr; v++) {
            v128_t b = wasm_v128_load(B + (long)v * ldb + k);
            for (int q = 0; q < mr; q++) acc[q][v] = MADD(acc[q][v], a[q], b);
        }
    }
    if (k < K) {
        int t = K - k;
        v128_t a[MM_DOT_MR];
        for (int q = 0; q < mr; q++) a[q] = load_part(A + (long)q * lda + k, t);
        for (int v = 0; v < nr; v++) {
            v128_t b = load_part(B + (long)v * ldb + k, t);
            for (int q = 0; q < mr; q++) acc[q][v] = MADD(acc[q][v], a[q], b);
        }
    }
    for (int q = 0; q < mr; q++)
        for (int v = 0; v < nr; v++) C[(long)q * ldc + v] = hsum(acc[q][v]);
}

// Rows [.., +mr) of C for all N columns: MM_DOT_NR-column tiles, then the rest.
INLINE void dot_rows(float* C, int ldc, const float* A, int lda, const float* B, int ldb, int K, int N, const int mr) {
    int j = 0;
    for (; j + MM_DOT_NR <= N; j += MM_DOT_NR) dot_tile(C + j, ldc, A, lda, B + (long)j * ldb, ldb, K, mr, MM_DOT_NR);
    for (; j < N; j++) dot_tile(C + j, ldc, A, lda, B + (long)j * ldb, ldb, K, mr, 1);
}

// C (M,N), row stride ldc, = A (M,K) @ B^T with B stored (N,K): rows lda, ldb.
// No repacking: the backward pass's dX = dY @ W^T straight from W.
void FAST(mm_gemm_nt)(float* C, int ldc, const float* A, int lda, const float* B, int ldb, int M, int K, int N) {
    int i = 0;
    for (; i + MM_DOT_MR <= M; i += MM_DOT_MR) dot_rows(C + (long)i * ldc, ldc, A + (long)i * lda, lda, B, ldb, K, N, MM_DOT_MR);
    for (; i < M; i++) dot_rows(C + (long)i * ldc, ldc, A + (long)i * lda, lda, B, ldb, K, N, 1);
}

// tanh for the fast engine: a [13/6] rational approximation on x clamped to
// +-7.9053111 (the form of Eigen's fast float tanh), evaluated with (relaxed:
// fused) multiply-adds: one division instead of the reference's exp and two branches.
// Within 8 float ulps of tanh (about 5 at worst; tests/test_kernels.c checks).
INLINE v128_t tanh_fast4(v128_t x) {
    v128_t c = wasm_f32x4_splat(7.90531110763549805f);
    x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, wasm_f32x4_neg(c)), c);
    v128_t tiny = wasm_f32x4_lt(wasm_f32x4_abs(x), wasm_f32x4_splat(0.0004f));
    v128_t x2 = wasm_f32x4_mul(x, x);
#define FMA(a, b, c) MADD((c), (a), (b))
#define S(v) wasm_f32x4_splat(v)
    v128_t p = FMA(x2, S(-2.76076847742355e-16f), S(2.00018790482477e-13f));
    p = FMA(x2, p, S(-8.60467152213735e-11f));
    p = FMA(x2, p, S(5.12229709037114e-08f));
    p = FMA(x2, p, S(1.48572235717979e-05f));
    p = FMA(x2, p, S(6.37261928875436e-04f));
    p = FMA(x2, p, S(4.89352455891786e-03f));
    p = wasm_f32x4_mul(x, p);
    v128_t q = FMA(x2, S(1.19825839466702e-06f), S(1.18534705686654e-04f));
    q = FMA(x2, q, S(2.26843463243900e-03f));
    q = FMA(x2, q, S(4.89352518554385e-03f));
#undef FMA
#undef S
    return wasm_v128_bitselect(x, wasm_f32x4_div(p, q), tiny);
}

void FAST(mm_tanh_fwd)(float* y, const float* x, long n) {
    long i = 0;
    for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, tanh_fast4(wasm_v128_load(x + i)));
    if (i < n) store_part(y + i, tanh_fast4(load_part(x + i, (int)(n - i))), (int)(n - i));
}
#endif

#ifndef MM_FAST_SIMD // the rest is the reference engine's alone

void mm_matmul_nn_simd(float* C, const float* A, const float* B, const float* bias, int M, int K, int N) {
    GEMM(C, N, A, K, 1, B, N, bias, 0, M, K, N);
}

// dst (cols, rows) = src (rows, cols)^T: 4x4 blocks transposed with shuffles, scalar edges.
void mm_transpose_simd(float* dst, const float* src, int rows, int cols) {
    const float* B = src;
    float* Bt = dst;
    int N = rows, K = cols;
    int n = 0;
    for (; n + 4 <= N; n += 4) {
        int k = 0;
        for (; k + 4 <= K; k += 4) {
            const float* b = B + (long)n * K + k;
            v128_t r0 = wasm_v128_load(b);
            v128_t r1 = wasm_v128_load(b + K);
            v128_t r2 = wasm_v128_load(b + 2L * K);
            v128_t r3 = wasm_v128_load(b + 3L * K);
            v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5);
            v128_t t1 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);
            v128_t t2 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
            v128_t t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
            float* o = Bt + (long)k * N + n;
            wasm_v128_store(o, wasm_i64x2_shuffle(t0, t1, 0, 2));
            wasm_v128_store(o + N, wasm_i64x2_shuffle(t0, t1, 1, 3));
            wasm_v128_store(o + 2L * N, wasm_i64x2_shuffle(t2, t3, 0, 2));
            wasm_v128_store(o + 3L * N, wasm_i64x2_shuffle(t2, t3, 1, 3));
        }
        for (; k < K; k++)
            for (int nn = n; nn < n + 4; nn++) Bt[(long)k * N + nn] = B[(long)nn * K + k];
    }
    for (; n < N; n++)
        for (int k = 0; k < K; k++) Bt[(long)k * N + n] = B[(long)n * K + k];
}

// Bt_scratch (K,N) = B^T, the scalar kernel's repacking, then the nn kernel.
void mm_matmul_nt_simd(float* C, const float* A, const float* B, float* Bt_scratch, int M, int K, int N) {
    mm_transpose_simd(Bt_scratch, B, N, K);
    GEMM(C, N, A, K, 1, Bt_scratch, N, 0, 0, M, K, N);
}

// C (M,N) = A^T @ B with A (R,M), B (R,N): element (i,r) of A^T is A[r*M + i].
void mm_matmul_tn_simd(float* C, const float* A, const float* B, int M, int R, int N) {
    GEMM(C, N, A, 1, M, B, N, 0, 0, M, R, N);
}

// ---------------------------------------------------------------- elementwise

// mm_expf of mathf.c, lane by lane.
INLINE v128_t expf4(v128_t x) {
    v128_t isnan = wasm_f32x4_ne(x, x);
    v128_t under = wasm_f32x4_lt(x, wasm_f32x4_splat(-87.0f));
    v128_t c88 = wasm_f32x4_splat(88.0f);
    v128_t xc = wasm_v128_bitselect(c88, x, wasm_f32x4_gt(x, c88));
    v128_t magic = wasm_f32x4_splat(12582912.0f);
    v128_t n = wasm_f32x4_sub(wasm_f32x4_add(wasm_f32x4_mul(xc, wasm_f32x4_splat(1.44269504088896341f)), magic), magic);
    v128_t r = wasm_f32x4_sub(xc, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
    r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
    v128_t r2 = wasm_f32x4_mul(r, r);
    v128_t p = wasm_f32x4_splat(1.9875691500e-4f);
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.3981999507e-3f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(8.3334519073e-3f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(4.1665795894e-2f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.6666665459e-1f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(5.0000001201e-1f));
    p = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(p, r2), r), wasm_f32x4_splat(1.0f));
    // 2^n: ((int)n + 127) << 23 (n is integral, so truncation is exact)
    v128_t ni = wasm_i32x4_trunc_sat_f32x4(n);
    v128_t pow2 = wasm_i32x4_shl(wasm_i32x4_add(ni, wasm_i32x4_splat(127)), 23);
    v128_t y = wasm_f32x4_mul(p, pow2);
    y = wasm_v128_andnot(y, under);      // x < -87 -> +0
    return wasm_v128_bitselect(x, y, isnan); // NaN -> x
}

// mm_tanhf of mathf.c, lane by lane: both branches computed, then selected.
INLINE v128_t tanhf4(v128_t x) {
    v128_t zero = wasm_f32x4_splat(0.0f);
    v128_t isnan = wasm_f32x4_ne(x, x);
    v128_t neg = wasm_f32x4_lt(x, zero);
    v128_t a = wasm_v128_bitselect(wasm_f32x4_neg(x), x, neg);
    v128_t small = wasm_f32x4_lt(a, wasm_f32x4_splat(0.625f));
    // |x| < 0.625: odd polynomial
    v128_t z = wasm_f32x4_mul(x, x);
    v128_t p = wasm_f32x4_splat(-5.70498872745e-3f);
    p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(2.06390887954e-2f));
    p = wasm_f32x4_sub(wasm_f32x4_mul(p, z), wasm_f32x4_splat(5.37397155531e-2f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(1.33314422036e-1f));
    p = wasm_f32x4_sub(wasm_f32x4_mul(p, z), wasm_f32x4_splat(3.33332819422e-1f));
    v128_t ys = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, z), x), x);
    // else: 1 - 2 / (exp(2|x|) + 1), |x| clamped to 10
    v128_t c10 = wasm_f32x4_splat(10.0f);
    a = wasm_v128_bitselect(c10, a, wasm_f32x4_gt(a, c10));
    v128_t one = wasm_f32x4_splat(1.0f);
    v128_t e = expf4(wasm_f32x4_add(a, a));
    v128_t t = wasm_f32x4_sub(one, wasm_f32x4_div(wasm_f32x4_splat(2.0f), wasm_f32x4_add(e, one)));
    t = wasm_v128_bitselect(wasm_f32x4_neg(t), t, neg);
    v128_t y = wasm_v128_bitselect(ys, t, small);
    return wasm_v128_bitselect(x, y, isnan);
}

void mm_tanh_fwd_simd(float* y, const float* x, long n) {
    long i = 0;
    for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, tanhf4(wasm_v128_load(x + i)));
    for (; i < n; i++) y[i] = mm_tanhf(x[i]);
}

void mm_exp_shift_simd(float* y, const float* x, float shift, int n) {
    v128_t sh = wasm_f32x4_splat(shift);
    int i = 0;
    for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, expf4(wasm_f32x4_sub(wasm_v128_load(x + i), sh)));
    for (; i < n; i++) y[i] = mm_expf(x[i] - shift);
}

void mm_tanh_bwd_simd(float* dx, const float* y, const float* dy, long n) {
    v128_t one = wasm_f32x4_splat(1.0f);
    long i = 0;
    for (; i + 4 <= n; i += 4) {
        v128_t yv = wasm_v128_load(y + i);
        wasm_v128_store(dx + i, wasm_f32x4_mul(wasm_f32x4_sub(one, wasm_f32x4_mul(yv, yv)), wasm_v128_load(dy + i)));
    }
    for (; i < n; i++) dx[i] = (1.0f - y[i] * y[i]) * dy[i];
}

// Column sums over rows in row order, 16 then 4 columns at a time, then scalar.
void mm_colstats_simd(float* mean, float* var, const float* x, int ld, int R, int C) {
    v128_t fR = wasm_f32x4_splat((float)R), fR1 = wasm_f32x4_splat((float)(R - 1));
    int c = 0;
    for (; c + 16 <= C; c += 16) {
        v128_t m0 = wasm_f32x4_splat(0.0f), m1 = m0, m2 = m0, m3 = m0;
        for (int r = 0; r < R; r++) {
            const float* p = x + (long)r * ld + c;
            m0 = wasm_f32x4_add(m0, wasm_v128_load(p));
            m1 = wasm_f32x4_add(m1, wasm_v128_load(p + 4));
            m2 = wasm_f32x4_add(m2, wasm_v128_load(p + 8));
            m3 = wasm_f32x4_add(m3, wasm_v128_load(p + 12));
        }
        m0 = wasm_f32x4_div(m0, fR); m1 = wasm_f32x4_div(m1, fR);
        m2 = wasm_f32x4_div(m2, fR); m3 = wasm_f32x4_div(m3, fR);
        v128_t v0 = wasm_f32x4_splat(0.0f), v1 = v0, v2 = v0, v3 = v0;
        for (int r = 0; r < R; r++) {
            const float* p = x + (long)r * ld + c;
            v128_t d0 = wasm_f32x4_sub(wasm_v128_load(p), m0);
            v128_t d1 = wasm_f32x4_sub(wasm_v128_load(p + 4), m1);
            v128_t d2 = wasm_f32x4_sub(wasm_v128_load(p + 8), m2);
            v128_t d3 = wasm_f32x4_sub(wasm_v128_load(p + 12), m3);
            v0 = wasm_f32x4_add(v0, wasm_f32x4_mul(d0, d0));
            v1 = wasm_f32x4_add(v1, wasm_f32x4_mul(d1, d1));
            v2 = wasm_f32x4_add(v2, wasm_f32x4_mul(d2, d2));
            v3 = wasm_f32x4_add(v3, wasm_f32x4_mul(d3, d3));
        }
        wasm_v128_store(mean + c, m0); wasm_v128_store(mean + c + 4, m1);
        wasm_v128_store(mean + c + 8, m2); wasm_v128_store(mean + c + 12, m3);
        wasm_v128_store(var + c, wasm_f32x4_div(v0, fR1)); wasm_v128_store(var + c + 4, wasm_f32x4_div(v1, fR1));
        wasm_v128_store(var + c + 8, wasm_f32x4_div(v2, fR1)); wasm_v128_store(var + c + 12, wasm_f32x4_div(v3, fR1));
    }
    for (; c + 4 <= C; c += 4) {
        v128_t m = wasm_f32x4_splat(0.0f);
        for (int r = 0; r < R; r++) m = wasm_f32x4_add(m, wasm_v128_load(x + (long)r * ld + c));
        m = wasm_f32x4_div(m, fR);
        v128_t v = wasm_f32x4_splat(0.0f);
        for (int r = 0; r < R; r++) {
            v128_t d = wasm_f32x4_sub(wasm_v128_load(x + (long)r * ld + c), m);
            v = wasm_f32x4_add(v, wasm_f32x4_mul(d, d));
        }
        wasm_v128_store(mean + c, m);
        wasm_v128_store(var + c, wasm_f32x4_div(v, fR1));
    }
    for (; c < C; c++) {
        float m = 0.0f;
        for (int r = 0; r < R; r++) m += x[(long)r * ld + c];
        m = m / (float)R;
        float v = 0.0f;
        for (int r = 0; r < R; r++) {
            float d = x[(long)r * ld + c] - m;
            v += d * d;
        }
        mean[c] = m;
        var[c] = v / (float)(R - 1);
    }
}

void mm_bn_fwd_simd(float* y, float* xhat, const float* x, int ld, int R, int C,
                    const float* mean, const float* invstd, const float* gamma, const float* beta) {
    for (int r = 0; r < R; r++) {
        long o = (long)r * ld;
        int c = 0;
        for (; c + 4 <= C; c += 4) {
            v128_t h = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(x + o + c), wasm_v128_load(mean + c)),
                                      wasm_v128_load(invstd + c));
            wasm_v128_store(xhat + o + c, h);
            wasm_v128_store(y + o + c, wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(gamma + c), h), wasm_v128_load(beta + c)));
        }
        for (; c < C; c++) {
            float h = (x[o + c] - mean[c]) * invstd[c];
            xhat[o + c] = h;
            y[o + c] = gamma[c] * h + beta[c];
        }
    }
}

// One column group (nc = 4 lanes, or a partial 1..3 via the generic loads):
// sums over all rows in row order, then dx for those columns.
INLINE void bn_bwd_cols(float* dx, float* dgamma, float* dbeta, const float* dy, const float* xhat,
                        int ld, int R, const float* invstd, const float* gamma,
                        v128_t invR, v128_t invR1, const int nc) {
    v128_t s1 = wasm_f32x4_splat(0.0f), s2 = s1;
    for (int r = 0; r < R; r++) {
        long i = (long)r * ld;
        v128_t d = load_part(dy + i, nc);
        s1 = wasm_f32x4_add(s1, d);
        s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(d, load_part(xhat + i, nc)));
    }
    store_part(dgamma, wasm_f32x4_add(load_part(dgamma, nc), s2), nc);
    store_part(dbeta, wasm_f32x4_add(load_part(dbeta, nc), s1), nc);
    v128_t g = wasm_f32x4_mul(load_part(gamma, nc), load_part(invstd, nc));
    v128_t a = wasm_f32x4_mul(s1, invR);
    v128_t b = wasm_f32x4_mul(s2, invR1);
    for (int r = 0; r < R; r++) {
        long i = (long)r * ld;
        v128_t t = wasm_f32x4_sub(wasm_f32x4_sub(load_part(dy + i, nc), a), wasm_f32x4_mul(load_part(xhat + i, nc), b));
        store_part(dx + i, wasm_f32x4_mul(g, t), nc);
    }
}

// 16 columns at a time (4 vectors of each sum), then 4, then a partial vector.
void mm_bn_bwd_simd(float* dx, float* dgamma, float* dbeta, const float* dy, const float* xhat,
                    int ld, int R, int C, const float* invstd, const float* gamma) {
    float invRs = 1.0f / (float)R, invR1s = 1.0f / (float)(R - 1);
    v128_t invR = wasm_f32x4_splat(invRs), invR1 = wasm_f32x4_splat(invR1s);
    int c = 0;
    for (; c + 16 <= C; c += 16) {
        v128_t s1[4], s2[4];
        for (int v = 0; v < 4; v++) { s1[v] = wasm_f32x4_splat(0.0f); s2[v] = s1[v]; }
        for (int r = 0; r < R; r++) {
            long i = (long)r * ld + c;
            for (int v = 0; v < 4; v++) {
                v128_t d = wasm_v128_load(dy + i + 4 * v);
                s1[v] = wasm_f32x4_add(s1[v], d);
                s2[v] = wasm_f32x4_add(s2[v], wasm_f32x4_mul(d, wasm_v128_load(xhat + i + 4 * v)));
            }
        }
        v128_t g[4], a[4], b[4];
        for (int v = 0; v < 4; v++) {
            int cc = c + 4 * v;
            wasm_v128_store(dgamma + cc, wasm_f32x4_add(wasm_v128_load(dgamma + cc), s2[v]));
            wasm_v128_store(dbeta + cc, wasm_f32x4_add(wasm_v128_load(dbeta + cc), s1[v]));
            g[v] = wasm_f32x4_mul(wasm_v128_load(gamma + cc), wasm_v128_load(invstd + cc));
            a[v] = wasm_f32x4_mul(s1[v], invR);
            b[v] = wasm_f32x4_mul(s2[v], invR1);
        }
        for (int r = 0; r < R; r++) {
            long i = (long)r * ld + c;
            for (int v = 0; v < 4; v++) {
                v128_t t = wasm_f32x4_sub(wasm_f32x4_sub(wasm_v128_load(dy + i + 4 * v), a[v]),
                                          wasm_f32x4_mul(wasm_v128_load(xhat + i + 4 * v), b[v]));
                wasm_v128_store(dx + i + 4 * v, wasm_f32x4_mul(g[v], t));
            }
        }
    }
    for (; c + 4 <= C; c += 4)
        bn_bwd_cols(dx + c, dgamma + c, dbeta + c, dy + c, xhat + c, ld, R, invstd + c, gamma + c, invR, invR1, 4);
    switch (C - c) {
    case 1: bn_bwd_cols(dx + c, dgamma + c, dbeta + c, dy + c, xhat + c, ld, R, invstd + c, gamma + c, invR, invR1, 1); break;
    case 2: bn_bwd_cols(dx + c, dgamma + c, dbeta + c, dy + c, xhat + c, ld, R, invstd + c, gamma + c, invR, invR1, 2); break;
    case 3: bn_bwd_cols(dx + c, dgamma + c, dbeta + c, dy + c, xhat + c, ld, R, invstd + c, gamma + c, invR, invR1, 3); break;
    default: break;
    }
}

#endif // !MM_FAST_SIMD
#endif // __wasm_simd128__
