// kernels_scalar.c: reference matmuls, register-blocked so a compiler can keep
// the tile in registers, but with the plain per-element summation order (see
// kernels.h). Tiles are 4 rows by 32/16/8/4 columns; edges use the same
// loops with run-time bounds.
//
// Compiled a second time natively as kernels_fma.c (MM_FMA): the same matmul
// with each multiply-add one fmaf (fused, one rounding), the fast engine's.
#include <math.h>
#include "kernels/kernels.h"
#include "makemore.h"
#include "base/mathf_inline.h"

#ifdef MM_FMA
#define MADD(acc, a, b) ((acc) = fmaf((a), (b), (acc)))
#define GEMM mm_gemm_fma
#else
#define MADD(acc, a, b) ((acc) += (a) * (b))
#define GEMM mm_gemm_scalar
#endif

// One general product: C (M,N) = init + A (M,K) @ B (K,N), where element (i,k)
// of A is A[i*sm + k*sk] (so A^T is the same code with the strides swapped)
// and init is C's own value (acc: a gradient that accumulates), the bias, or 0.
// Each element is summed over k in order.

// A full tile of 4 rows and W columns; one accumulator row per A row, so the
// compiler keeps the tile in vector registers.
#define DEF_TILE(W)                                                                                               \
    static void tile4x##W(float* restrict C, int ldc, const float* restrict A, long sm, long sk,                 \
                          const float* restrict B, int ldb, const float* restrict bias, int acc, int K) {         \
        float c0[W], c1[W], c2[W], c3[W];                                                                         \
        if (acc)                                                                                                  \
            for (int j = 0; j < W; j++) {                                                                         \
                c0[j] = C[j]; c1[j] = C[ldc + j]; c2[j] = C[2 * (long)ldc + j]; c3[j] = C[3 * (long)ldc + j];     \
            }                                                                                                     \
        else                                                                                                      \
            for (int j = 0; j < W; j++) c0[j] = c1[j] = c2[j] = c3[j] = bias ? bias[j] : 0.0f;                    \
        for (int k = 0; k < K; k++) {                                                                             \
            const float* b = B + (long)k * ldb;                                                                   \
            const float* a = A + k * sk;                                                                          \
            float x0 = a[0], x1 = a[sm], x2 = a[2 * sm], x3 = a[3 * sm];                                          \
            for (int j = 0; j < W; j++) {                                                                         \
                float bj = b[j];                                                                                  \
                MADD(c0[j], x0, bj); MADD(c1[j], x1, bj); MADD(c2[j], x2, bj); MADD(c3[j], x3, bj);               \
            }                                                                                                     \
        }                                                                                                         \
        for (int j = 0; j < W; j++) {                                                                             \
            C[j] = c0[j]; C[ldc + j] = c1[j]; C[2 * (long)ldc + j] = c2[j]; C[3 * (long)ldc + j] = c3[j];         \
        }                                                                                                         \
    }
DEF_TILE(32)
DEF_TILE(16)
DEF_TILE(8)
DEF_TILE(4)

// 4 rows, 1 column: the last 1-3 columns, in registers.
static void tile4x1(float* restrict C, int ldc, const float* restrict A, long sm, long sk,
                    const float* restrict B, int ldb, const float* restrict bias, int acc, int K) {
    float c0, c1, c2, c3;
    if (acc) { c0 = C[0]; c1 = C[ldc]; c2 = C[2 * (long)ldc]; c3 = C[3 * (long)ldc]; }
    else c0 = c1 = c2 = c3 = bias ? bias[0] : 0.0f;
    for (int k = 0; k < K; k++) {
        float bk = B[(long)k * ldb];
        const float* a = A + k * sk;
        MADD(c0, a[0], bk); MADD(c1, a[sm], bk); MADD(c2, a[2 * sm], bk); MADD(c3, a[3 * sm], bk);
    }
    C[0] = c0; C[ldc] = c1; C[2 * (long)ldc] = c2; C[3 * (long)ldc] = c3;
}

// Any tile of mr <= 4 rows and nr <= 32 columns (the edges).
static void tile_any(float* C, int ldc, const float* A, long sm, long sk, const float* B, int ldb,
                     const float* bias, int init_c, int mr, int nr, int K) {
    float acc[4][32];
    for (int r = 0; r < mr; r++)
        for (int j = 0; j < nr; j++) acc[r][j] = init_c ? C[(long)r * ldc + j] : bias ? bias[j] : 0.0f;
    for (int k = 0; k < K; k++) {
        const float* b = B + (long)k * ldb;
        for (int r = 0; r < mr; r++) {
            float a = A[r * sm + k * sk];
            for (int j = 0; j < nr; j++) MADD(acc[r][j], a, b[j]);
        }
    }
    for (int r = 0; r < mr; r++)
        for (int j = 0; j < nr; j++) C[(long)r * ldc + j] = acc[r][j];
}

// C (M,N) with row stride ldc = init + A @ B, B (K,N) with row stride ldb; init: C (acc), the bias or 0.
void GEMM(float* C, int ldc, const float* A, long sm, long sk, const float* B, int ldb, const float* bias, int acc, int M, int K,
          int N) {
    for (int i = 0; i < M; i += 4) {
        int mr = M - i < 4 ? M - i : 4;
        const float* a = A + i * sm;
        float* c = C + (long)i * ldc;
        int j = 0;
        if (mr == 4) {
            for (; j + 32 <= N; j += 32) tile4x32(c + j, ldc, a, sm, sk, B + j, ldb, bias ? bias + j : 0, acc, K);
            if (j + 16 <= N) { tile4x16(c + j, ldc, a, sm, sk, B + j, ldb, bias ? bias + j : 0, acc, K); j += 16; }
            if (j + 8 <= N) { tile4x8(c + j, ldc, a, sm, sk, B + j, ldb, bias ? bias + j : 0, acc, K); j += 8; }
            if (j + 4 <= N) { tile4x4(c + j, ldc, a, sm, sk, B + j, ldb, bias ? bias + j : 0, acc, K); j += 4; }
            for (; j < N; j++) tile4x1(c + j, ldc, a, sm, sk, B + j, ldb, bias ? bias + j : 0, acc, K);
        }
        for (; j < N; j += 32) {
            int nr = N - j < 32 ? N - j : 32;
            tile_any(c + j, ldc, a, sm, sk, B + j, ldb, bias ? bias + j : 0, acc, mr, nr, K);
        }
    }
}

#ifndef MM_FMA // the rest is the reference engine's alone

// dst (cols, rows) = src (rows, cols)^T, in 8x8 blocks so both sides stay in cache lines.
void mm_transpose_scalar(float* restrict dst, const float* restrict src, int rows, int cols) {
    for (int r0 = 0; r0 < rows; r0 += 8)
        for (int c0 = 0; c0 < cols; c0 += 8)
            for (int r = r0; r < rows && r < r0 + 8; r++)
                for (int c = c0; c < cols && c < c0 + 8; c++) dst[(long)c * rows + r] = src[(long)r * cols + c];
}

// C (M,N) = A (M,K) @ B (K,N) [+ bias (N,)]
void mm_matmul_nn_scalar(float* C, const float* A, const float* B, const float* bias, int M, int K, int N) {
    GEMM(C, N, A, K, 1, B, N, bias, 0, M, K, N);
}

// C (M,N) = A (M,K) @ B^T with B (N,K); scratch holds K*N floats. Two ways
// with the same sums (a*b == b*a): repack B as (K,N), or, when A and C are
// the smaller pair, compute C^T = B @ A^T and transpose it back.
void mm_matmul_nt_scalar(float* C, const float* A, const float* B, float* scratch, int M, int K, int N) {
    if ((long)M * K + (long)M * N < (long)K * N) {
        float* At = scratch;                 // (K, M)
        float* Ct = scratch + (long)K * M;   // (N, M)
        mm_transpose_scalar(At, A, M, K);
        GEMM(Ct, M, B, K, 1, At, M, 0, 0, N, K, M);
        mm_transpose_scalar(C, Ct, N, M);
    } else {
        mm_transpose_scalar(scratch, B, N, K);
        GEMM(C, N, A, K, 1, scratch, N, 0, 0, M, K, N);
    }
}

// C (M,N) = A^T @ B, A stored (R,M), B stored (R,N): element (i,r) of A^T is A[r*M + i].
void mm_matmul_tn_scalar(float* C, const float* A, const float* B, int M, int R, int N) {
    GEMM(C, N, A, 1, M, B, N, 0, 0, M, R, N);
}

// ---------------------------------------------------------------- elementwise

void mm_tanh_fwd_scalar(float* y, const float* x, long n) {
    for (long i = 0; i < n; i++) y[i] = mm_tanh_inline(x[i]);
}

void mm_exp_shift_scalar(float* y, const float* x, float shift, int n) {
    for (int i = 0; i < n; i++) y[i] = mm_expf(x[i] - shift);
}

void mm_tanh_bwd_scalar(float* dx, const float* y, const float* dy, long n) {
    for (long i = 0; i < n; i++) dx[i] = (1.0f - y[i] * y[i]) * dy[i];
}

// mean (C,), unbiased var (C,) of R rows x (R, C) with row stride ld
void mm_colstats_scalar(float* mean, float* var, const float* x, int ld, int R, int C) {
    for (int c = 0; c < C; c++) mean[c] = 0.0f;
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++) mean[c] += x[(long)r * ld + c];
    for (int c = 0; c < C; c++) mean[c] = mean[c] / (float)R;
    for (int c = 0; c < C; c++) var[c] = 0.0f;
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++) {
            float d = x[(long)r * ld + c] - mean[c];
            var[c] += d * d;
        }
    for (int c = 0; c < C; c++) var[c] = var[c] / (float)(R - 1);
}

void mm_bn_fwd_scalar(float* y, float* xhat, const float* x, int ld, int R, int C,
                      const float* mean, const float* invstd, const float* gamma, const float* beta) {
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++) {
            long i = (long)r * ld + c;
            float h = (x[i] - mean[c]) * invstd[c];
            xhat[i] = h;
            y[i] = gamma[c] * h + beta[c];
        }
}

void mm_bn_bwd_scalar(float* dx, float* dgamma, float* dbeta, const float* dy, const float* xhat,
                      int ld, int R, int C, const float* invstd, const float* gamma) {
    // column sums, accumulated in row order, 256 columns at a time
    float s1[256], s2[256];
    for (int c0 = 0; c0 < C; c0 += 256) {
        int nc = C - c0 < 256 ? C - c0 : 256;
        for (int c = 0; c < nc; c++) { s1[c] = 0.0f; s2[c] = 0.0f; }
        for (int r = 0; r < R; r++)
            for (int c = 0; c < nc; c++) {
                long i = (long)r * ld + c0 + c;
                s1[c] += dy[i];
                s2[c] += dy[i] * xhat[i];
            }
        for (int c = 0; c < nc; c++) {
            dgamma[c0 + c] += s2[c];
            dbeta[c0 + c] += s1[c];
        }
        float invR = 1.0f / (float)R, invR1 = 1.0f / (float)(R - 1);
        for (int r = 0; r < R; r++)
            for (int c = 0; c < nc; c++) {
                long i = (long)r * ld + c0 + c;
                int cc = c0 + c;
                dx[i] = gamma[cc] * invstd[cc] * (dy[i] - s1[c] * invR - xhat[i] * (s2[c] * invR1));
            }
    }
}
#endif // !MM_FMA
