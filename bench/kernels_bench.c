/* kernels_bench.c: GFLOP/s of the scalar and wasm SIMD matmuls at the shapes of
 * the 76579-parameter model (n_embd 24, n_hidden 128, block 8, FlattenConsecutive 2),
 * batch 32 and batch 512, measured in one run and shown side by side.
 *
 * Linear layers (rows at batch 32 -> K_in -> N_out): 128x48->128, 64x256->128,
 * 32x256->128, 32x128->27. Per layer:
 *   fwd  nn  Y  = X @ W          M=rows, K=K_in,  N=N_out
 *   dX   nt  dX = dY @ W^T       M=rows, K=N_out, N=K_in   (W stored (K_in, N_out))
 *   dW   tn  dW = X^T @ dY       M=K_in, R=rows,  N=N_out
 * FLOPs are 2*M*K*N per call. Each kernel runs 10 trials of ~20 ms (about 0.2 s per
 * case and variant, monotonic clock), scalar and SIMD trials alternating; the best
 * trial is reported, which is robust to other load on the machine.
 * Without SIMD (native, or wasm without -msimd128) only the scalar column is filled.
 *
 *   kernels_bench [--json]     --json: one JSON object per line instead of the table
 *
 * Native (from the repository root):
 *   gcc -O3 -march=native -ffp-contract=off -fno-fast-math -Isrc \
 *       bench/kernels_bench.c src/kernels_scalar.c src/mathf.c -lm -o /tmp/kernels_bench
 *   /tmp/kernels_bench
 *
 * WebAssembly with SIMD (standalone module, run by wasm/run_wasi.mjs under Node 20):
 *   NODE_PATH=/usr/share/nodejs emcc -O3 -msimd128 -ffp-contract=off -fno-fast-math -Isrc \
 *       bench/kernels_bench.c src/kernels_simd.c src/kernels_scalar.c src/mathf.c \
 *       -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH -o /tmp/kernels_bench.wasm
 *   node wasm/run_wasi.mjs /tmp/kernels_bench.wasm [--json]
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels/kernels.h"
#include "makemore.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct { int rows, kin, nout; } layer;
static const layer LAYERS[] = {{128, 48, 128}, {64, 256, 128}, {32, 256, 128}, {32, 128, 27}};

enum { NN = 0, NT = 1, TN = 2 };
static const char* KNAME[3] = {"fwd nn", "dX nt", "dW tn"};

typedef struct {
    int kind, M, K, N;
    float *A, *B, *bias, *C, *scratch;
} bcase;

static void run(const bcase* c, int simd) {
#if defined(__wasm_relaxed_simd__)
    if (simd) { // the fast engine's kernels: fused gemm, and the dot-product nt
        if (c->kind == NN) mm_gemm_relaxed(c->C, c->N, c->A, c->K, 1, c->B, c->N, c->bias, 0, c->M, c->K, c->N);
        else if (c->kind == NT) mm_gemm_nt_relaxed(c->C, c->N, c->A, c->K, c->B, c->K, c->M, c->K, c->N);
        else mm_gemm_relaxed(c->C, c->N, c->A, 1, c->M, c->B, c->N, NULL, 0, c->M, c->K, c->N);
        return;
    }
#elif MM_KERNELS_SIMD
    if (simd) {
        if (c->kind == NN) mm_matmul_nn_simd(c->C, c->A, c->B, c->bias, c->M, c->K, c->N);
        else if (c->kind == NT) mm_matmul_nt_simd(c->C, c->A, c->B, c->scratch, c->M, c->K, c->N);
        else mm_matmul_tn_simd(c->C, c->A, c->B, c->M, c->K, c->N);
        return;
    }
#else
    (void)simd;
#endif
    if (c->kind == NN) mm_matmul_nn_scalar(c->C, c->A, c->B, c->bias, c->M, c->K, c->N);
    else if (c->kind == NT) mm_matmul_nt_scalar(c->C, c->A, c->B, c->scratch, c->M, c->K, c->N);
    else mm_matmul_tn_scalar(c->C, c->A, c->B, c->M, c->K, c->N);
}

static volatile float g_sink;

#define TRIALS 10
// Repeat count for one trial of about 20 ms.
static long calibrate(const bcase* c, int simd) {
    run(c, simd); // warm up
    for (long reps = 1;; reps *= 2) {
        double t0 = now_s();
        for (long i = 0; i < reps; i++) run(c, simd);
        double t = now_s() - t0;
        if (t >= 0.005) return (long)(reps * 0.02 / t) + 1;
    }
}

static double trial(const bcase* c, int simd, long reps) {
    double t0 = now_s();
    for (long i = 0; i < reps; i++) run(c, simd);
    double t = now_s() - t0;
    g_sink = c->C[0];
    return 2.0 * c->M * c->K * c->N * reps / t * 1e-9;
}

// GFLOP/s of the scalar (g[0]) and SIMD (g[1]) kernel: TRIALS trials of ~20 ms
// each (~0.2 s per kernel), scalar and SIMD alternating so both see the same
// machine load; the best trial of each is reported.
static void measure(const bcase* c, double g[2]) {
    int nv = MM_KERNELS_SIMD ? 2 : 1;
    long reps[2] = {0, 0};
    for (int v = 0; v < nv; v++) { reps[v] = calibrate(c, v); g[v] = 0.0; }
    for (int t = 0; t < TRIALS; t++)
        for (int v = 0; v < nv; v++) {
            double x = trial(c, v, reps[v]);
            if (x > g[v]) g[v] = x;
        }
}

static float* rnd_buf(long n, unsigned* s) {
    float* p = malloc(sizeof(float) * (size_t)n);
    if (!p) { fprintf(stderr, "out of memory\n"); exit(2); }
    for (long i = 0; i < n; i++) {
        *s = *s * 1664525u + 1013904223u;
        p[i] = (float)((*s >> 8) * (1.0 / 16777216.0)) - 0.5f;
    }
    return p;
}

int main(int argc, char** argv) {
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) json = 1;
        else { fprintf(stderr, "usage: %s [--json]\n", argv[0]); return 2; }
    }
    if (!json) {
        printf("matmul GFLOP/s, %s build\n", MM_KERNELS_SIMD ? "wasm SIMD" : "scalar-only");
        printf("%-6s %-7s %-20s %9s %9s %7s\n", "batch", "kernel", "shape", "scalar", "simd", "ratio");
    }
    unsigned seed = 12345;
    int mismatch = 0;
    for (int bi = 0; bi < 2; bi++) {
        int batch = bi ? 512 : 32;
        for (int li = 0; li < 4; li++) {
            layer L = LAYERS[li];
            int rows = L.rows * (batch / 32);
            for (int kind = 0; kind < 3; kind++) {
                bcase c = {kind, 0, 0, 0, 0, 0, 0, 0, 0};
                if (kind == NN) { c.M = rows; c.K = L.kin; c.N = L.nout; }
                if (kind == NT) { c.M = rows; c.K = L.nout; c.N = L.kin; }
                if (kind == TN) { c.M = L.kin; c.K = rows; c.N = L.nout; }
                long nA = (long)c.M * c.K, nB = (long)c.K * c.N, nC = (long)c.M * c.N;
                c.A = rnd_buf(nA, &seed);
                c.B = rnd_buf(nB, &seed);
                c.bias = (kind == NN && li == 3) ? rnd_buf(c.N, &seed) : NULL; // only the last Linear has a bias
                c.C = rnd_buf(nC, &seed);
                c.scratch = rnd_buf(nB, &seed);
                double g[2] = {0.0, 0.0};
                measure(&c, g);
                double gs = g[0], gv = g[1];
#if MM_KERNELS_SIMD
                float* ref = malloc(sizeof(float) * (size_t)nC);
                run(&c, 0);
                memcpy(ref, c.C, sizeof(float) * (size_t)nC);
                run(&c, 1);
                if (memcmp(ref, c.C, sizeof(float) * (size_t)nC) != 0) mismatch = 1;
                free(ref);
#endif
                char shape[40];
                snprintf(shape, sizeof shape, "M=%d %s=%d N=%d", c.M, kind == TN ? "R" : "K", c.K, c.N);
                if (json) {
                    char simd[32] = "null", ratio[32] = "null";
                    if (MM_KERNELS_SIMD) {
                        snprintf(simd, sizeof simd, "%.3f", gv);
                        snprintf(ratio, sizeof ratio, "%.3f", gv / gs);
                    }
                    printf("{\"batch\":%d,\"kernel\":\"%s\",\"M\":%d,\"%s\":%d,\"N\":%d,\"gflops_scalar\":%.3f,"
                           "\"gflops_simd\":%s,\"ratio\":%s}\n",
                           batch, kind == NN ? "nn" : kind == NT ? "nt" : "tn", c.M, kind == TN ? "R" : "K", c.K, c.N,
                           gs, simd, ratio);
                }
                else if (MM_KERNELS_SIMD)
                    printf("%-6d %-7s %-20s %9.2f %9.2f %6.2fx\n", batch, KNAME[kind], shape, gs, gv, gv / gs);
                else
                    printf("%-6d %-7s %-20s %9.2f %9s %7s\n", batch, KNAME[kind], shape, gs, "-", "-");
                fflush(stdout);
                free(c.A); free(c.B); free(c.bias); free(c.C); free(c.scratch);
            }
        }
    }
#ifdef __wasm_relaxed_simd__
    mismatch = 0; // fused sums differ from the reference in the last bits by design (tests/test_kernels.c bounds them)
#endif
    if (mismatch) {
        fprintf(stderr, "ERROR: a SIMD matmul differs from the scalar one\n");
        return 1;
    }
    return 0;
}
