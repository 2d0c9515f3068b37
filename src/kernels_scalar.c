// kernels_scalar.c: reference matmuls, register-blocked so a compiler can keep
// the tile in registers, but with the plain per-element summation order (see
// kernels.h). Tiles are MR rows by NR columns; edges use the same loops with
// smaller bounds.
#include "kernels.h"
#include "makemore.h"
#include "mathf_inline.h"

#define MR 4
#define NR 16

// C[0:mr, 0:nr] = init + sum_k A[.,k] * B[k, .]; A rows strided by lda, B rows by ldb.
static void tile_nn(float* C, int ldc, const float* A, int lda, const float* B, int ldb,
                    const float* bias, int mr, int nr, int K) {
    float acc[MR][NR];
    for (int r = 0; r < mr; r++)
        for (int j = 0; j < nr; j++) acc[r][j] = bias ? bias[j] : 0.0f;
    for (int k = 0; k < K; k++) {
        const float* b = B + (long)k * ldb;
        for (int r = 0; r < mr; r++) {
            float a = A[(long)r * lda + k];
            for (int j = 0; j < nr; j++) acc[r][j] += a * b[j];
        }
    }
    for (int r = 0; r < mr; r++)
        for (int j = 0; j < nr; j++) C[(long)r * ldc + j] = acc[r][j];
}

// Full tile with compile-time bounds: one accumulator row per A row, so the
// compiler keeps the tile in vector registers.
static void tile_nn_full(float* restrict C, int ldc, const float* restrict A, int lda, const float* restrict B, int ldb,
                         const float* restrict bias, int K) {
    float c0[NR], c1[NR], c2[NR], c3[NR];
    for (int j = 0; j < NR; j++) c0[j] = c1[j] = c2[j] = c3[j] = bias ? bias[j] : 0.0f;
    const float *a0 = A, *a1 = A + lda, *a2 = A + 2 * (long)lda, *a3 = A + 3 * (long)lda;
    for (int k = 0; k < K; k++) {
        const float* b = B + (long)k * ldb;
        float x0 = a0[k], x1 = a1[k], x2 = a2[k], x3 = a3[k];
        for (int j = 0; j < NR; j++) {
            float bj = b[j];
            c0[j] += x0 * bj; c1[j] += x1 * bj; c2[j] += x2 * bj; c3[j] += x3 * bj;
        }
    }
    for (int j = 0; j < NR; j++) {
        C[j] = c0[j]; C[ldc + j] = c1[j]; C[2 * (long)ldc + j] = c2[j]; C[3 * (long)ldc + j] = c3[j];
    }
}

// C (M,N) = A (M,K) @ B (K,N) [+ bias (N,)]
void mm_matmul_nn_scalar(float* C, const float* A, const float* B, const float* bias, int M, int K, int N) {
    for (int i = 0; i < M; i += MR) {
        int mr = M - i < MR ? M - i : MR;
        for (int j = 0; j < N; j += NR) {
            int nr = N - j < NR ? N - j : NR;
            float* c = C + (long)i * N + j;
            const float* a = A + (long)i * K;
            const float* bj = bias ? bias + j : 0;
            if (mr == MR && nr == NR) tile_nn_full(c, N, a, K, B + j, N, bj, K);
            else tile_nn(c, N, a, K, B + j, N, bj, mr, nr, K);
        }
    }
}

// C (M,N) = A (M,K) @ B^T with B (N,K); Bt_scratch holds K*N floats.
void mm_matmul_nt_scalar(float* C, const float* A, const float* B, float* Bt_scratch, int M, int K, int N) {
    for (int n0 = 0; n0 < N; n0 += 8) // 8x8 blocks keep both sides in cache lines
        for (int k0 = 0; k0 < K; k0 += 8)
            for (int n = n0; n < N && n < n0 + 8; n++)
                for (int k = k0; k < K && k < k0 + 8; k++) Bt_scratch[(long)k * N + n] = B[(long)n * K + k];
    mm_matmul_nn_scalar(C, A, Bt_scratch, 0, M, K, N);
}

// C (M,N) = A^T (M,R) @ B (R,N) with A stored (R,M): the nn tile with A read transposed.
static void tile_tn(float* C, int ldc, const float* A, int lda, const float* B, int ldb, int mr, int nr, int R) {
    float acc[MR][NR];
    for (int q = 0; q < mr; q++)
        for (int j = 0; j < nr; j++) acc[q][j] = 0.0f;
    for (int r = 0; r < R; r++) {
        const float* a = A + (long)r * lda;
        const float* b = B + (long)r * ldb;
        for (int q = 0; q < mr; q++)
            for (int j = 0; j < nr; j++) acc[q][j] += a[q] * b[j];
    }
    for (int q = 0; q < mr; q++)
        for (int j = 0; j < nr; j++) C[(long)q * ldc + j] = acc[q][j];
}

static void tile_tn_full(float* restrict C, int ldc, const float* restrict A, int lda, const float* restrict B, int ldb, int R) {
    float c0[NR], c1[NR], c2[NR], c3[NR];
    for (int j = 0; j < NR; j++) c0[j] = c1[j] = c2[j] = c3[j] = 0.0f;
    for (int r = 0; r < R; r++) {
        const float* a = A + (long)r * lda;
        const float* b = B + (long)r * ldb;
        float x0 = a[0], x1 = a[1], x2 = a[2], x3 = a[3];
        for (int j = 0; j < NR; j++) {
            float bj = b[j];
            c0[j] += x0 * bj; c1[j] += x1 * bj; c2[j] += x2 * bj; c3[j] += x3 * bj;
        }
    }
    for (int j = 0; j < NR; j++) {
        C[j] = c0[j]; C[ldc + j] = c1[j]; C[2 * (long)ldc + j] = c2[j]; C[3 * (long)ldc + j] = c3[j];
    }
}

void mm_matmul_tn_scalar(float* C, const float* A, const float* B, int M, int R, int N) {
    for (int i = 0; i < M; i += MR) {
        int mr = M - i < MR ? M - i : MR;
        for (int j = 0; j < N; j += NR) {
            int nr = N - j < NR ? N - j : NR;
            float* c = C + (long)i * N + j;
            if (mr == MR && nr == NR) tile_tn_full(c, N, A + i, M, B + j, N, R);
            else tile_tn(c, N, A + i, M, B + j, N, mr, nr, R);
        }
    }
}

// ---------------------------------------------------------------- elementwise

void mm_tanh_fwd_scalar(float* y, const float* x, long n) {
    for (long i = 0; i < n; i++) y[i] = mm_tanh_inline(x[i]);
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
    // column sums, accumulated in row order; at most MM_MAX_WIDTH columns per call
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
