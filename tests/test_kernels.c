/* test_kernels.c: tests of the dense kernels (kernels.h).
 *
 * Always: each scalar kernel against a double-precision reference with
 * rigorous float error bounds (matmuls: a naive triple loop; tanh: libm tanh();
 * BatchNorm: the direct formulas), over small shapes that cross every tile
 * edge and the 76579-parameter model's shapes at batch 32 and 512.
 * With -msimd128 (wasm): additionally every *_simd kernel must be BITWISE equal
 * (memcmp) to its scalar twin, and neither may write outside its output.
 * Natively and with -mrelaxed-simd (wasm): the fast engine's fused matmul
 * (mm_gemm_fma / mm_gemm_relaxed) against the same double reference with the
 * same bound, and against the scalar kernel within twice that bound,
 * |fused - scalar| <= 4 (K+1) u sum|terms|, as the stated tolerance.
 * Every gemm (scalar, simd, fused) split into row and column blocks with row
 * strides (what the thread pool does) must give bitwise its whole-matrix result.
 * Exit code 0 on pass, 1 on failure (the worst mismatch of each failing check
 * is printed).
 *
 * Native (from the repository root):
 *   gcc -O3 -march=native -ffp-contract=off -fno-fast-math -Wall -Wextra -Isrc \
 *       tests/test_kernels.c src/kernels_scalar.c src/mathf.c -lm -o /tmp/test_kernels
 *   /tmp/test_kernels
 *
 * WebAssembly with SIMD (standalone module, run by wasm/run_wasi.mjs under Node 20):
 *   NODE_PATH=/usr/share/nodejs emcc -O3 -msimd128 -ffp-contract=off -fno-fast-math -Isrc \
 *       tests/test_kernels.c src/kernels_simd.c src/kernels_scalar.c src/mathf.c \
 *       -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH -o /tmp/test_kernels.wasm
 *   node wasm/run_wasi.mjs /tmp/test_kernels.wasm
 * (Drop -msimd128 and src/kernels_simd.c for the wasm scalar-only build.)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels.h"
#include "makemore.h"

#define U 5.9604645e-8 /* unit roundoff of float, 2^-24 */

#if defined(__wasm_relaxed_simd__)
#define FUSED_GEMM mm_gemm_relaxed
#define FUSED_NAME "relaxed"
#elif !defined(__wasm__)
#define FUSED_GEMM mm_gemm_fma
#define FUSED_NAME "fma"
#endif
#define GUARD 8        /* sentinel floats after every output buffer */

static int g_fail = 0;

/* ------------------------------------------------------------- random data */

static uint64_t g_rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd_u32(void) {
    g_rng ^= g_rng << 13; g_rng ^= g_rng >> 7; g_rng ^= g_rng << 17;
    return (uint32_t)(g_rng >> 16);
}
static float rnd_uniform(void) { return (float)((rnd_u32() >> 8) * (1.0 / 16777216.0)) * 2.0f - 1.0f; }
/* mostly uniform [-1,1), sometimes 0, -0, or a value a few binades away */
static float rnd_val(void) {
    uint32_t k = rnd_u32() % 32;
    if (k == 0) return 0.0f;
    if (k == 1) return -0.0f;
    if (k == 2) return rnd_uniform() * 64.0f;
    if (k == 3) return rnd_uniform() / 64.0f;
    return rnd_uniform();
}
static float* falloc(long n) {
    float* p = malloc(sizeof(float) * (size_t)(n + GUARD));
    if (!p) { fprintf(stderr, "out of memory\n"); exit(2); }
    return p;
}
static void fill(float* p, long n) { for (long i = 0; i < n; i++) p[i] = rnd_val(); }
static const uint32_t SENTINEL = 0x7fc0dead;
static void set_sentinel(float* p, long n) { for (long i = 0; i < n; i++) memcpy(&p[i], &SENTINEL, 4); }
static int is_sentinel(float f) { return memcmp(&f, &SENTINEL, 4) == 0; }
/* the GUARD floats after n must still hold the sentinel */
static int guard_ok(const float* p, long n) {
    for (long i = n; i < n + GUARD; i++)
        if (memcmp(&p[i], &SENTINEL, 4) != 0) return 0;
    return 1;
}

/* ------------------------------------------------------------- worst-case tracking */

typedef struct {
    const char* name;
    double worst;      /* max err/tol seen */
    char where[200];
    int failed;
} check;

static void check_begin(check* c, const char* name) {
    c->name = name; c->worst = 0.0; c->where[0] = 0; c->failed = 0;
}
/* got vs reference want with tolerance tol; NaN want means got must be NaN */
static void check_val(check* c, float got, double want, double tol, const char* shape, long idx) {
    double ratio;
    if (want != want) ratio = (got != got) ? 0.0 : INFINITY;
    else if (got != got) ratio = INFINITY;
    else ratio = fabs((double)got - want) / (tol > 0 ? tol : 1e-300);
    if (!(ratio <= c->worst)) {
        c->worst = ratio;
        snprintf(c->where, sizeof c->where, "%s [%ld]: got %.9g want %.9g tol %.3g", shape, idx, got, want, tol);
    }
    if (!(ratio <= 1.0)) c->failed = 1;
}
static void check_fail(check* c, const char* msg) {
    if (!c->failed) snprintf(c->where, sizeof c->where, "%s", msg);
    c->failed = 1;
    c->worst = INFINITY;
}
static void check_end(check* c) {
    if (c->failed) {
        printf("FAIL %-28s worst err/tol %.3g at %s\n", c->name, c->worst, c->where);
        g_fail = 1;
    } else {
        printf("ok   %-28s worst err/tol %.3g\n", c->name, c->worst);
    }
}

/* ------------------------------------------------------------- matmul shapes */

typedef struct { int M, K, N; } shape3;
static const int KS[] = {1, 2, 3, 4, 5, 7, 8, 9, 17, 33, 129, 300}; /* 129, 300: past the SIMD KC block */
#define MAX_SMALL_M 13 /* > 2*MR+1 for MR up to 6 */
#define MAX_SMALL_N 33 /* 2*16+1 */

/* the model's Linear layers (M = rows, K = fan-in, N = fan-out) at batch 32 */
static const shape3 MODEL[] = {{128, 48, 128}, {64, 256, 128}, {32, 256, 128}, {32, 128, 27}};

/* all shapes: small ones then the model's at batch 32 and 512 */
static int n_shapes(void) { return MAX_SMALL_M * MAX_SMALL_N * (int)(sizeof KS / sizeof KS[0]) + 8; }
static shape3 get_shape(int s) {
    int nsmall = MAX_SMALL_M * MAX_SMALL_N * (int)(sizeof KS / sizeof KS[0]);
    if (s < nsmall) {
        shape3 r = {1 + s % MAX_SMALL_M, KS[s / (MAX_SMALL_M * MAX_SMALL_N)], 1 + (s / MAX_SMALL_M) % MAX_SMALL_N};
        return r;
    }
    shape3 r = MODEL[(s - nsmall) % 4];
    if (s - nsmall >= 4) r.M *= 16;
    return r;
}

/* C (M,N) = A (M,K) @ B (K,N) + bias in double; S = sum of |terms| (error scale) */
static void ref_mm(double* C, double* S, const float* A, long ars, long aks, const float* B, long brs, long bks,
                   const float* bias, int M, int K, int N) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double acc = bias ? bias[j] : 0.0, s = bias ? fabs(bias[j]) : 0.0;
            for (int k = 0; k < K; k++) {
                double t = (double)A[i * ars + k * aks] * (double)B[k * brs + j * bks];
                acc += t;
                s += fabs(t);
            }
            C[(long)i * N + j] = acc;
            S[(long)i * N + j] = s;
        }
}

/* C (M,N) from gemm as four blocks, split at row r0 and column c0 (ldc = N):
 * what a thread pool's split does. */
static void gemm_blocks(mm_gemm_fn gemm, float* C, const float* A, long ars, long aks, const float* B, const float* bias,
                        int M, int K, int N, int r0, int c0) {
    for (int half = 0; half < 2; half++) {
        int i0 = half ? r0 : 0, i1 = half ? M : r0;
        if (i1 <= i0) continue;
        if (c0 > 0) gemm(C + (long)i0 * N, N, A + i0 * ars, ars, aks, B, N, bias, 0, i1 - i0, K, c0);
        if (c0 < N) gemm(C + (long)i0 * N + c0, N, A + i0 * ars, ars, aks, B + c0, N, bias ? bias + c0 : NULL, 0, i1 - i0, K, N - c0);
    }
}

/* gemm whole vs in blocks must be bitwise equal */
static void check_split(check* c, mm_gemm_fn gemm, const char* shape, const float* A, long ars, long aks, const float* B,
                        const float* bias, int M, int K, int N) {
    long nC = (long)M * N;
    float *W = falloc(nC), *P = falloc(nC);
    gemm(W, N, A, ars, aks, B, N, bias, 0, M, K, N);
    int r0 = (M / 2 + 3) / 4 * 4, c0 = (N / 2 + 7) / 8 * 8;
    if (r0 > M) r0 = M;
    if (c0 > N) c0 = N;
    set_sentinel(P, nC + GUARD);
    gemm_blocks(gemm, P, A, ars, aks, B, bias, M, K, N, r0, c0);
    if (!guard_ok(P, nC) || memcmp(W, P, sizeof(float) * (size_t)nC) != 0) {
        char msg[200]; snprintf(msg, sizeof msg, "%s split at row %d, column %d: not bitwise the whole", shape, r0, c0);
        check_fail(c, msg);
    }
    free(W); free(P);
}

/* kind: 0 nn (with bias on odd shapes), 1 nt, 2 tn */
static void test_matmul(int kind) {
    static const char* names[3] = {"matmul_nn_scalar vs double", "matmul_nt_scalar vs double", "matmul_tn_scalar vs double"};
    check ref; check_begin(&ref, names[kind]);
#if MM_KERNELS_SIMD
    static const char* snames[3] = {"matmul_nn_simd bitwise", "matmul_nt_simd bitwise", "matmul_tn_simd bitwise"};
    check bit; check_begin(&bit, snames[kind]);
#endif
#ifdef FUSED_GEMM
    static const char* fnames[3] = {"matmul_nn_" FUSED_NAME " vs double", "matmul_nt_" FUSED_NAME " vs double", "matmul_tn_" FUSED_NAME " vs double"};
    static const char* fsnames[3] = {"matmul_nn_" FUSED_NAME " vs scalar", "matmul_nt_" FUSED_NAME " vs scalar", "matmul_tn_" FUSED_NAME " vs scalar"};
    check fref, fsc; check_begin(&fref, fnames[kind]); check_begin(&fsc, fsnames[kind]);
#endif
    check split; check_begin(&split, kind == 0 ? "gemm blocks bitwise (nn)" : kind == 1 ? "gemm blocks bitwise (nt)" : "gemm blocks bitwise (tn)");
    for (int s = 0; s < n_shapes(); s++) {
        shape3 sh = get_shape(s);
        int M = sh.M, K = sh.K, N = sh.N;
        long nA = (long)M * K, nB = (long)K * N, nC = (long)M * N;
        float *A = falloc(nA), *B = falloc(nB), *bias = falloc(N), *C = falloc(nC), *scr = falloc(nB);
        double *R = malloc(sizeof(double) * nC), *S = malloc(sizeof(double) * nC);
        fill(A, nA); fill(B, nB); fill(bias, N);
        set_sentinel(C, nC + GUARD); set_sentinel(scr, nB + GUARD);
        const float* bp = (kind == 0 && (s & 1)) ? bias : NULL;
        char shape[64];
        if (kind == 2) snprintf(shape, sizeof shape, "M=%d R=%d N=%d", M, K, N);
        else snprintf(shape, sizeof shape, "M=%d K=%d N=%d%s", M, K, N, bp ? " +bias" : "");
        /* A is (M,K) for nn/nt, (K,M) = (R,M) for tn; B is (K,N) for nn/tn, (N,K) for nt */
        if (kind == 0) { mm_matmul_nn_scalar(C, A, B, bp, M, K, N); ref_mm(R, S, A, K, 1, B, N, 1, bp, M, K, N); }
        if (kind == 1) { mm_matmul_nt_scalar(C, A, B, scr, M, K, N); ref_mm(R, S, A, K, 1, B, 1, K, NULL, M, K, N); }
        if (kind == 2) { mm_matmul_tn_scalar(C, A, B, M, K, N); ref_mm(R, S, A, 1, M, B, N, 1, NULL, M, K, N); }
        if (!guard_ok(C, nC) || (kind == 1 && !guard_ok(scr, nB))) {
            char msg[120]; snprintf(msg, sizeof msg, "%s: scalar wrote past its output", shape);
            check_fail(&ref, msg);
        }
        /* |fl(sum) - sum| <= (K+1) u sum|terms| (bias counts as a term); 2x margin */
        for (long i = 0; i < nC; i++) check_val(&ref, C[i], R[i], 2.0 * (K + 1) * U * S[i] + 1e-37, shape, i);
#if MM_KERNELS_SIMD
        float *C2 = falloc(nC), *scr2 = falloc(nB);
        set_sentinel(C2, nC + GUARD); set_sentinel(scr2, nB + GUARD);
        if (kind == 0) mm_matmul_nn_simd(C2, A, B, bp, M, K, N);
        if (kind == 1) mm_matmul_nt_simd(C2, A, B, scr2, M, K, N);
        if (kind == 2) mm_matmul_tn_simd(C2, A, B, M, K, N);
        if (!guard_ok(C2, nC) || (kind == 1 && !guard_ok(scr2, nB))) {
            char msg[120]; snprintf(msg, sizeof msg, "%s: simd wrote past its output", shape);
            check_fail(&bit, msg);
        }
        if (memcmp(C, C2, sizeof(float) * nC) != 0) {
            for (long i = 0; i < nC; i++)
                if (memcmp(&C[i], &C2[i], 4) != 0) {
                    char msg[160];
                    snprintf(msg, sizeof msg, "%s [%ld]: simd %.9g scalar %.9g (not bitwise equal)", shape, i, C2[i], C[i]);
                    check_fail(&bit, msg);
                    break;
                }
        }
        free(C2); free(scr2);
#endif
        /* the general gemm's operands for this kind: A element (i,k) at A[i*ars + k*aks], B (K,N) */
        long ars = kind == 2 ? 1 : K, aks = kind == 2 ? M : 1;
        float* Bg = B;
        if (kind == 1) { Bg = falloc(nB); mm_transpose_scalar(Bg, B, N, K); }
        if (s % 7 == 0) { /* the splits on a sample of the shapes */
            check_split(&split, mm_gemm_scalar, shape, A, ars, aks, Bg, bp, M, K, N);
#if MM_KERNELS_SIMD
            check_split(&split, mm_gemm_simd, shape, A, ars, aks, Bg, bp, M, K, N);
#endif
#ifdef FUSED_GEMM
            check_split(&split, FUSED_GEMM, shape, A, ars, aks, Bg, bp, M, K, N);
#endif
        }
#ifdef FUSED_GEMM
        float* C3 = falloc(nC);
        set_sentinel(C3, nC + GUARD);
        FUSED_GEMM(C3, N, A, ars, aks, Bg, N, bp, 0, M, K, N);
        if (!guard_ok(C3, nC)) {
            char msg[120]; snprintf(msg, sizeof msg, "%s: fused gemm wrote past its output", shape);
            check_fail(&fref, msg);
        }
        for (long i = 0; i < nC; i++) {
            double tol = 2.0 * (K + 1) * U * S[i] + 1e-37;
            check_val(&fref, C3[i], R[i], tol, shape, i);
            check_val(&fsc, C3[i], (double)C[i], 2.0 * tol, shape, i);
        }
        free(C3);
#endif
        if (kind == 1) free(Bg);
        free(A); free(B); free(bias); free(C); free(scr); free(R); free(S);
    }
    check_end(&ref);
#if MM_KERNELS_SIMD
    check_end(&bit);
#endif
#ifdef FUSED_GEMM
    check_end(&fref);
    check_end(&fsc);
#endif
    check_end(&split);
}

/* The gradient's accumulating product: C += A^T-or-A @ B with acc (each element's sum starts from C's own
 * value): within the double reference's rounding bound of C0 + A@B; SIMD bitwise the scalar kernel; in
 * blocks bitwise the whole (a pool's split); and on a zeroed C bitwise the plain product (acc 0). */
static void test_gemm_acc(void) {
    check ref; check_begin(&ref, "gemm acc vs double");
    check bit; check_begin(&bit, "gemm acc: simd, blocks, zero C");
    for (int s = 0; s < n_shapes(); s += 5) {
        shape3 sh = get_shape(s);
        int M = sh.M, K = sh.K, N = sh.N;
        long nC = (long)M * N;
        float *A = falloc((long)K * M), *B = falloc((long)K * N), *C0 = falloc(nC), *C = falloc(nC), *D = falloc(nC);
        double *R = malloc(sizeof(double) * (size_t)nC), *S = malloc(sizeof(double) * (size_t)nC);
        fill(A, (long)K * M); fill(B, (long)K * N); fill(C0, nC);
        char shape[64]; snprintf(shape, sizeof shape, "%dx%dx%d", M, K, N);
        ref_mm(R, S, A, 1, M, B, N, 1, NULL, M, K, N); /* A^T @ B, as a weight's gradient X^T @ dY */
        memcpy(C, C0, sizeof(float) * (size_t)nC);
        mm_gemm_scalar(C, N, A, 1, M, B, N, NULL, 1, M, K, N);
        for (long i = 0; i < nC; i++) check_val(&ref, C[i], C0[i] + R[i], 2.0 * (K + 2) * U * (S[i] + fabs(C0[i])) + 1e-37, shape, i);
        memcpy(D, C0, sizeof(float) * (size_t)nC); /* in two column blocks and two row blocks */
        int r0 = M / 2, c0 = N / 2;
        for (int h = 0; h < 2; h++) {
            int i0 = h ? r0 : 0, i1 = h ? M : r0;
            if (i1 <= i0) continue;
            if (c0 > 0) mm_gemm_scalar(D + (long)i0 * N, N, A + i0, 1, M, B, N, NULL, 1, i1 - i0, K, c0);
            mm_gemm_scalar(D + (long)i0 * N + c0, N, A + i0, 1, M, B + c0, N, NULL, 1, i1 - i0, K, N - c0);
        }
        if (memcmp(C, D, sizeof(float) * (size_t)nC)) check_fail(&bit, "scalar acc in blocks is not bitwise the whole");
#if MM_KERNELS_SIMD
        memcpy(D, C0, sizeof(float) * (size_t)nC);
        mm_gemm_simd(D, N, A, 1, M, B, N, NULL, 1, M, K, N);
        if (memcmp(C, D, sizeof(float) * (size_t)nC)) check_fail(&bit, "simd acc is not bitwise the scalar");
#endif
        for (long i = 0; i < nC; i++) C[i] = 0.0f; /* a zeroed gradient: the plain product's bits */
        mm_gemm_scalar(C, N, A, 1, M, B, N, NULL, 1, M, K, N);
        mm_gemm_scalar(D, N, A, 1, M, B, N, NULL, 0, M, K, N);
        for (long i = 0; i < nC; i++) /* (+0 and -0 aside: 0 + -0 is +0) */
            if (memcmp(&C[i], &D[i], 4) && !(C[i] == 0.0f && D[i] == 0.0f)) { check_fail(&bit, "acc on zeros is not the plain product"); break; }
        free(A); free(B); free(C0); free(C); free(D); free(R); free(S);
    }
    check_end(&ref);
    check_end(&bit);
}

/* ------------------------------------------------------------- tanh */

static float bits(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

static void test_tanh(void) {
    static const float special[] = {-100.0f, -88.5f, -88.0f, -87.5f, -87.0f, -44.0f, -20.0f, -10.5f, -10.0f, -9.99f,
        -5.0f, -1.0f, -0.625f, -0.62499994f, -0.5f, -0.1f, -1e-5f, -1e-30f, -1e-40f, -0.0f, 0.0f, 1e-40f, 1e-30f,
        1e-5f, 0.1f, 0.5f, 0.62499994f, 0.625f, 0.6250001f, 1.0f, 5.0f, 9.99f, 10.0f, 10.5f, 20.0f, 44.0f, 87.0f,
        87.5f, 88.0f, 88.5f, 100.0f, 1e10f, -1e10f, 3.4e38f, -3.4e38f};
    long n0 = (long)(sizeof special / sizeof special[0]);
    long n = n0 + 6 + 24001 + 20000;
    float* x = falloc(n);
    long i = 0;
    for (long j = 0; j < n0; j++) x[i++] = special[j];
    x[i++] = bits(0x7f800000u); x[i++] = bits(0xff800000u);                 /* +-inf */
    x[i++] = bits(0x7fc00000u); x[i++] = bits(0xffc00000u);                 /* NaN, -NaN */
    x[i++] = bits(0x7fa12345u); x[i++] = bits(0x7fc54321u);                 /* NaN payloads */
    for (long j = 0; j <= 24000; j++) x[i++] = -12.0f + 0.001f * (float)j; /* sweep */
    for (long j = 0; j < 20000; j++) {                                      /* all scales */
        float m = (float)exp(-100.0 + 105.0 * (rnd_u32() / 4294967296.0));
        x[i++] = (rnd_u32() & 1) ? -m : m;
    }
    float* y = falloc(n);
    set_sentinel(y, n + GUARD);
    mm_tanh_fwd_scalar(y, x, n);
    check c; check_begin(&c, "tanh_fwd_scalar vs libm");
    if (!guard_ok(y, n)) check_fail(&c, "scalar wrote past its output");
    for (long j = 0; j < n; j++) {
        double t = tanh((double)x[j]);
        check_val(&c, y[j], t, 4e-7 * fabs(t) + 1e-45, "tanh", j);
        if (x[j] != x[j] && memcmp(&x[j], &y[j], 4) != 0) check_fail(&c, "NaN not passed through");
    }
    check_end(&c);

    /* dx = (1 - y*y) * dy: error <= 3u (1 + y*y) |dy| */
    float *dy = falloc(n), *dx = falloc(n), *yy = falloc(n);
    for (long j = 0; j < n; j++) { yy[j] = rnd_uniform(); dy[j] = rnd_val(); }
    yy[0] = 1.0f; yy[1] = -1.0f; yy[2] = 0.99999994f;
    set_sentinel(dx, n + GUARD);
    mm_tanh_bwd_scalar(dx, yy, dy, n);
    check_begin(&c, "tanh_bwd_scalar vs double");
    if (!guard_ok(dx, n)) check_fail(&c, "scalar wrote past its output");
    for (long j = 0; j < n; j++) {
        double yd = yy[j], want = (1.0 - yd * yd) * dy[j];
        check_val(&c, dx[j], want, 3 * U * (1.0 + yd * yd) * fabs(dy[j]) + 1e-45, "tanh_bwd", j);
    }
    check_end(&c);

#if MM_KERNELS_SIMD
    check b; check_begin(&b, "tanh_fwd/bwd_simd bitwise");
    float* y2 = falloc(n);
    /* every length 0..40 (tails), at offsets 0..3 (alignment), then the whole array */
    for (int len = 0; len <= 41; len++)
        for (int off = 0; off < 4; off++) {
            long L = len <= 40 ? len : n - off;
            for (int pass = 0; pass < 2; pass++) {
                set_sentinel(y, L + GUARD); set_sentinel(y2, L + GUARD);
                if (pass == 0) { mm_tanh_fwd_scalar(y, x + off, L); mm_tanh_fwd_simd(y2, x + off, L); }
                else { mm_tanh_bwd_scalar(y, yy + off, dy + off, L); mm_tanh_bwd_simd(y2, yy + off, dy + off, L); }
                if (!guard_ok(y2, L)) check_fail(&b, pass ? "tanh_bwd_simd wrote past its output" : "tanh_fwd_simd wrote past its output");
                for (long j = 0; j < L; j++)
                    if (memcmp(&y[j], &y2[j], 4) != 0) {
                        char msg[160];
                        snprintf(msg, sizeof msg, "%s x=%.9g [%ld]: simd %.9g scalar %.9g (not bitwise equal)",
                                 pass ? "tanh_bwd" : "tanh_fwd", pass ? yy[off + j] : x[off + j], j, y2[j], y[j]);
                        check_fail(&b, msg);
                        break;
                    }
            }
        }
    check_end(&b);
    free(y2);
#endif
    free(x); free(y); free(dy); free(dx); free(yy);
}

/* ------------------------------------------------------------- BatchNorm kernels */

static const int BN_C[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 15, 16, 17, 19, 20, 24, 31, 32, 33, 35, 48, 128, 255, 256, 257, 300};

static void test_bn(void) {
    check cs, cf, cb;
    check_begin(&cs, "colstats_scalar vs double");
    check_begin(&cf, "bn_fwd_scalar vs double");
    check_begin(&cb, "bn_bwd_scalar vs double");
#if MM_KERNELS_SIMD
    check bs, bf, bb;
    check_begin(&bs, "colstats_simd bitwise");
    check_begin(&bf, "bn_fwd_simd bitwise");
    check_begin(&bb, "bn_bwd_simd bitwise");
#endif
    int ncs = (int)(sizeof BN_C / sizeof BN_C[0]);
    for (int R = 2; R <= 70; R++)
        for (int ci = 0; ci < ncs; ci++)
            for (int lk = 0; lk < 2; lk++) {
                int C = BN_C[ci];
                if (C > 48 && R % 7 != 2 && R != 70) continue; /* keep the wide cases fewer */
                int ld = lk == 0 ? C : (R & 1 ? C + 1 + (int)(rnd_u32() % 5) : 3 * C);
                long n = (long)(R - 1) * ld + C;
                char shape[64];
                snprintf(shape, sizeof shape, "R=%d C=%d ld=%d", R, C, ld);
                float *x = falloc(n), *dy = falloc(n);
                float *mean = falloc(C), *var = falloc(C), *invstd = falloc(C), *gamma = falloc(C), *beta = falloc(C);
                float *y = falloc(n), *xhat = falloc(n), *dx = falloc(n), *dg = falloc(C), *db = falloc(C);
                float offset = (R % 3 == 0) ? 3.0f : 0.0f; /* a column offset: cancellation in the variance */
                for (long i = 0; i < n; i++) { x[i] = rnd_val() + offset; dy[i] = rnd_val(); }
                for (int c = 0; c < C; c++) { gamma[c] = 1.0f + 0.5f * rnd_uniform(); beta[c] = rnd_uniform(); }
                for (int c = 0; c < C; c++) { dg[c] = rnd_uniform(); db[c] = rnd_uniform(); }
                float *dg0 = falloc(C), *db0 = falloc(C);
                memcpy(dg0, dg, sizeof(float) * C); memcpy(db0, db, sizeof(float) * C);

                /* colstats */
                set_sentinel(mean, C + GUARD); set_sentinel(var, C + GUARD);
                mm_colstats_scalar(mean, var, x, ld, R, C);
                if (!guard_ok(mean, C) || !guard_ok(var, C)) check_fail(&cs, "colstats_scalar wrote past its output");
                for (int c = 0; c < C; c++) {
                    double m = 0, sa = 0, v = 0;
                    for (int r = 0; r < R; r++) { m += x[(long)r * ld + c]; sa += fabs(x[(long)r * ld + c]); }
                    m /= R; sa /= R;
                    for (int r = 0; r < R; r++) { double d = x[(long)r * ld + c] - m; v += d * d; }
                    v /= (R - 1);
                    double tm = 2.0 * (R + 2) * U * sa;
                    check_val(&cs, mean[c], m, tm + 1e-37, shape, c);
                    check_val(&cs, var[c], v, 2.0 * (R + 5) * U * v + 2.0 * R * tm * tm / (R - 1) + 2.0 * (R + 5) * U * tm * sa + 1e-37, shape, c);
                }
                for (int c = 0; c < C; c++) invstd[c] = (float)(1.0 / sqrt((double)var[c] + 1e-5));

                /* bn forward */
                set_sentinel(y, n + GUARD); set_sentinel(xhat, n + GUARD);
                mm_bn_fwd_scalar(y, xhat, x, ld, R, C, mean, invstd, gamma, beta);
                if (!guard_ok(y, n) || !guard_ok(xhat, n)) check_fail(&cf, "bn_fwd_scalar wrote past its output");
                for (int r = 0; r < R; r++)
                    for (int c = 0; c < C; c++) {
                        long i = (long)r * ld + c;
                        double h = ((double)x[i] - mean[c]) * invstd[c];
                        double yy = gamma[c] * h + beta[c];
                        check_val(&cf, xhat[i], h, 2.5 * U * fabs(h) + 1e-37, shape, i);
                        check_val(&cf, y[i], yy, 4.5 * U * (fabs(gamma[c] * h) + fabs(beta[c])) + 1e-37, shape, i);
                    }

                /* bn backward (xhat from the forward) */
                set_sentinel(dx, n + GUARD);
                mm_bn_bwd_scalar(dx, dg, db, dy, xhat, ld, R, C, invstd, gamma);
                if (!guard_ok(dx, n)) check_fail(&cb, "bn_bwd_scalar wrote past its output");
                for (int c = 0; c < C; c++) {
                    double s1 = 0, s2 = 0, a1 = 0, a2 = 0;
                    for (int r = 0; r < R; r++) {
                        long i = (long)r * ld + c;
                        s1 += dy[i]; s2 += (double)dy[i] * xhat[i];
                        a1 += fabs(dy[i]); a2 += fabs((double)dy[i] * xhat[i]);
                    }
                    double e1 = 2.0 * (R + 1) * U * a1, e2 = 2.0 * (R + 1) * U * a2;
                    check_val(&cb, dg[c], dg0[c] + s2, e2 + 2 * U * (fabs(dg0[c]) + a2) + 1e-37, shape, c);
                    check_val(&cb, db[c], db0[c] + s1, e1 + 2 * U * (fabs(db0[c]) + a1) + 1e-37, shape, c);
                    double g = (double)gamma[c] * invstd[c];
                    for (int r = 0; r < R; r++) {
                        long i = (long)r * ld + c;
                        double t1 = s1 / R, t2 = (double)xhat[i] * (s2 / (R - 1));
                        double t = dy[i] - t1 - t2;
                        double tol = fabs(g) * (5 * U * (fabs(dy[i]) + fabs(t1) + fabs(t2)) + e1 / R + fabs(xhat[i]) * e2 / (R - 1))
                                     + 3 * U * fabs(g * t);
                        check_val(&cb, dx[i], g * t, 2.0 * tol + 1e-37, shape, i);
                    }
                }
                /* the row padding (ld > C) must be untouched */
                for (int r = 0; r + 1 < R; r++)
                    for (int c = C; c < ld; c++) {
                        long i = (long)r * ld + c;
                        if (!is_sentinel(y[i]) || !is_sentinel(xhat[i]) || !is_sentinel(dx[i])) {
                            check_fail(&cb, "a scalar BatchNorm kernel wrote into the row padding");
                            r = R; break;
                        }
                    }
#if MM_KERNELS_SIMD
                {
                    float *mean2 = falloc(C), *var2 = falloc(C), *y2 = falloc(n), *xhat2 = falloc(n), *dx2 = falloc(n);
                    float *dg2 = falloc(C), *db2 = falloc(C);
                    set_sentinel(mean2, C + GUARD); set_sentinel(var2, C + GUARD);
                    set_sentinel(y2, n + GUARD); set_sentinel(xhat2, n + GUARD); set_sentinel(dx2, n + GUARD);
                    memcpy(dg2, dg0, sizeof(float) * C); memcpy(db2, db0, sizeof(float) * C);
                    set_sentinel(dg2 + C, GUARD); set_sentinel(db2 + C, GUARD);
                    mm_colstats_simd(mean2, var2, x, ld, R, C);
                    mm_bn_fwd_simd(y2, xhat2, x, ld, R, C, mean, invstd, gamma, beta);
                    mm_bn_bwd_simd(dx2, dg2, db2, dy, xhat, ld, R, C, invstd, gamma);
                    char msg[160];
                    snprintf(msg, sizeof msg, "%s: not bitwise equal or wrote outside its output", shape);
                    if (memcmp(mean, mean2, sizeof(float) * (C + GUARD)) || memcmp(var, var2, sizeof(float) * (C + GUARD)))
                        check_fail(&bs, msg);
                    if (memcmp(y, y2, sizeof(float) * (n + GUARD)) || memcmp(xhat, xhat2, sizeof(float) * (n + GUARD)))
                        check_fail(&bf, msg);
                    if (memcmp(dx, dx2, sizeof(float) * (n + GUARD)) || memcmp(dg, dg2, sizeof(float) * C) ||
                        memcmp(db, db2, sizeof(float) * C) || !guard_ok(dg2, C) || !guard_ok(db2, C))
                        check_fail(&bb, msg);
                    free(mean2); free(var2); free(y2); free(xhat2); free(dx2); free(dg2); free(db2);
                }
#endif
                free(x); free(dy); free(mean); free(var); free(invstd); free(gamma); free(beta);
                free(y); free(xhat); free(dx); free(dg); free(db); free(dg0); free(db0);
            }
    check_end(&cs);
    check_end(&cf);
    check_end(&cb);
#if MM_KERNELS_SIMD
    check_end(&bs);
    check_end(&bf);
    check_end(&bb);
#endif
}

/* exp_shift (cross-entropy's softmax): the scalar kernel against libm's exp within
 * 2 ulp (clamped past the ends); with -msimd128 the SIMD one bitwise equal to it. */
static void test_exp(void) {
    check c; check_begin(&c, "exp_shift_scalar vs libm");
#if MM_KERNELS_SIMD
    check b; check_begin(&b, "exp_shift_simd bitwise");
#endif
    int n = 4099;
    float *x = falloc(n), *y = falloc(n), *y2 = falloc(n);
    for (int i = 0; i < n; i++) x[i] = -90.0f + 180.0f * (float)i / (float)(n - 1);
    x[0] = bits(0x7fc00000u); x[1] = bits(0xff800000u); x[2] = -0.0f;
    for (int pass = 0; pass < 2; pass++) {
        float shift = pass ? 3.5f : 0.0f;
        set_sentinel(y, n + GUARD);
        mm_exp_shift_scalar(y, x, shift, n);
        if (!guard_ok(y, n)) check_fail(&c, "exp_shift_scalar wrote past its output");
        for (int i = 3; i < n; i++) {
            float a = x[i] - shift;
            if (a < -87.0f || a > 88.0f) continue;
            double r = exp((double)a);
            char where[48]; snprintf(where, sizeof where, "x-shift=%.9g", a);
            check_val(&c, y[i], r, 2.0 * U * 2.0 * r, where, i);
        }
        if (!(y[0] != y[0]) || y[1] != 0.0f) check_fail(&c, "exp(NaN) is not NaN or exp(-inf) is not 0");
#if MM_KERNELS_SIMD
        for (int len = 0; len <= 9; len++) { /* every tail length, and the whole */
            int L = len == 9 ? n : len;
            set_sentinel(y2, n + GUARD);
            mm_exp_shift_simd(y2, x, shift, L);
            if (!guard_ok(y2, L)) check_fail(&b, "exp_shift_simd wrote past its output");
            if (memcmp(y, y2, sizeof(float) * (size_t)L) != 0) check_fail(&b, "exp_shift_simd differs from scalar");
        }
#endif
    }
    free(x); free(y); free(y2);
    check_end(&c);
#if MM_KERNELS_SIMD
    check_end(&b);
#endif
}

#if defined(__wasm_relaxed_simd__)
#define FAST_EXTRAS "relaxed"
#define FAST_NT mm_gemm_nt_relaxed
#define FAST_TANH mm_tanh_fwd_relaxed
#elif defined(__wasm_simd128__)
#define FAST_EXTRAS "simdfast" /* strict SIMD's fast engine: multiply then add */
#define FAST_NT mm_gemm_nt_simdfast
#define FAST_TANH mm_tanh_fwd_simdfast
#endif
#ifdef FAST_EXTRAS
/* The wasm fast engine's own kernels: the dot-product A @ B^T (no repacking)
 * against the double reference with the fused bound 2 (K+1) u sum|terms| and
 * split into blocks bitwise, and the rational tanh against libm's tanh:
 * |fast - tanh(x)| <= 8 ulp(tanh(x)) + 2^-30, where ulp is that of a float near tanh(x). */
static void test_fast_extras(void) {
    check c; check_begin(&c, "matmul_nt_dot_" FAST_EXTRAS " vs double");
    check sp; check_begin(&sp, "nt_dot blocks bitwise");
    for (int s = 0; s < n_shapes(); s++) {
        shape3 sh = get_shape(s);
        int M = sh.M, K = sh.K, N = sh.N;
        long nA = (long)M * K, nB = (long)K * N, nC = (long)M * N;
        float *A = falloc(nA), *B = falloc(nB), *C = falloc(nC), *P = falloc(nC);
        double *R = malloc(sizeof(double) * nC), *S = malloc(sizeof(double) * nC);
        fill(A, nA); fill(B, nB);
        set_sentinel(C, nC + GUARD); set_sentinel(P, nC + GUARD);
        char shape[64]; snprintf(shape, sizeof shape, "M=%d K=%d N=%d", M, K, N);
        FAST_NT(C, N, A, K, B, K, M, K, N); /* B stored (N,K) */
        ref_mm(R, S, A, K, 1, B, 1, K, NULL, M, K, N);
        if (!guard_ok(C, nC)) check_fail(&c, "nt_dot wrote past its output");
        for (long i = 0; i < nC; i++) check_val(&c, C[i], R[i], 2.0 * (K + 1) * U * S[i] + 1e-37, shape, i);
        int r0 = M / 2, c0 = N / 2; /* blocks at odd places too: any split must give the same bits */
        if (r0 > 0) {
            if (c0 > 0) FAST_NT(P, N, A, K, B, K, r0, K, c0);
            FAST_NT(P + c0, N, A, K, B + (long)c0 * K, K, r0, K, N - c0);
        }
        if (c0 > 0) FAST_NT(P + (long)r0 * N, N, A + (long)r0 * K, K, B, K, M - r0, K, c0);
        FAST_NT(P + (long)r0 * N + c0, N, A + (long)r0 * K, K, B + (long)c0 * K, K, M - r0, K, N - c0);
        if (!guard_ok(P, nC) || memcmp(P, C, sizeof(float) * (size_t)nC) != 0) {
            char msg[200]; snprintf(msg, sizeof msg, "%s split at %d,%d: not bitwise the whole", shape, r0, c0);
            check_fail(&sp, msg);
        }
        free(A); free(B); free(C); free(P); free(R); free(S);
    }
    check_end(&c);
    check_end(&sp);

    check t; check_begin(&t, "tanh_fwd_" FAST_EXTRAS " vs libm");
    long n = 200003;
    float *x = falloc(n), *y = falloc(n);
    for (long i = 0; i < n; i++) {
        if (i < 100000) x[i] = -12.0f + 24.0f * (float)i / 100000.0f;
        else { float m = (float)exp(-30.0 + 34.0 * (rnd_u32() / 4294967296.0)); x[i] = (rnd_u32() & 1) ? -m : m; }
    }
    set_sentinel(y, n + GUARD);
    FAST_TANH(y, x, n);
    if (!guard_ok(y, n)) check_fail(&t, "tanh_fwd_" FAST_EXTRAS " wrote past its output");
    for (long i = 0; i < n; i++) {
        double r = tanh((double)x[i]);
        int ex; frexp(r, &ex);
        double ulp = ldexp(1.0, ex - 24);
        char where[48]; snprintf(where, sizeof where, "x=%.9g", x[i]);
        check_val(&t, y[i], r, 8.0 * ulp + 9.3e-10, where, i);
    }
    free(x); free(y);
    check_end(&t);
}
#endif

int main(void) {
    printf("test_kernels (%s)\n", MM_KERNELS_SIMD ? "scalar vs double, SIMD vs scalar bitwise" : "scalar vs double");
    test_matmul(0);
    test_matmul(1);
    test_matmul(2);
    test_gemm_acc();
    test_tanh();
    test_exp();
    test_bn();
#ifdef FAST_EXTRAS
    test_fast_extras();
#endif
    printf(g_fail ? "FAILED\n" : "all kernel tests passed\n");
    return g_fail ? 1 : 0;
}
