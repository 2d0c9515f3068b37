// ops.c: the engines' kernel tables, and the kernels split over a pool (see ops.h).
#include "kernels/ops.h"

// ---------------------------------------------------------------- kernel tables

#define REFERENCE_ELEMENTWISE(sfx)                                                                  \
    .tanh_fwd = mm_tanh_fwd_##sfx, .tanh_bwd = mm_tanh_bwd_##sfx, .exp_shift = mm_exp_shift_##sfx,   \
    .colstats = mm_colstats_##sfx,                                                                  \
    .bn_fwd = mm_bn_fwd_##sfx, .bn_bwd = mm_bn_bwd_##sfx

#if !defined(__wasm_simd128__)
static const mm_kernels SCALAR = {
    .name = "scalar", .mr = 4, .nr = 32, .nt_swap = 1, .gemm = mm_gemm_scalar, .transpose = mm_transpose_scalar,
    REFERENCE_ELEMENTWISE(scalar),
};
#endif
#if !defined(__wasm__)
static const mm_kernels FMA = {
    .name = "fma", .fast = 1, .mr = 4, .nr = 32, .nt_swap = 1, .gemm = mm_gemm_fma, .transpose = mm_transpose_scalar,
    REFERENCE_ELEMENTWISE(scalar),
};
#endif
#ifdef __wasm_simd128__
static const mm_kernels SIMD = {
    .name = "simd", .mr = 4, .nr = 8, .gemm = mm_gemm_simd, .transpose = mm_transpose_simd,
    REFERENCE_ELEMENTWISE(simd),
};
#endif
#if defined(__wasm_simd128__) && !defined(__wasm_relaxed_simd__)
// Strict SIMD's fast engine (engines without relaxed SIMD: Safari): the reference matmul
// (no FMA to be had), the dot-product matmul_nt, the rational tanh, and the fast passes.
static const mm_kernels SIMD_FAST = {
    .name = "simd-fast", .fast = 1, .mr = 4, .nr = 8, .gemm = mm_gemm_simd,
    .gemm_nt = mm_gemm_nt_simdfast, .nt_mr = 4, .nt_nr = 2, .transpose = mm_transpose_simd,
    .tanh_fwd = mm_tanh_fwd_simdfast, .tanh_bwd = mm_tanh_bwd_simd, .exp_shift = mm_exp_shift_simd, .colstats = mm_colstats_simd,
    .bn_fwd = mm_bn_fwd_simd, .bn_bwd = mm_bn_bwd_simd,
};
#endif
#ifdef __wasm_relaxed_simd__
static const mm_kernels RELAXED = {
    .name = "relaxed-simd", .fast = 1, .mr = 4, .nr = 8, .gemm = mm_gemm_relaxed,
    .gemm_nt = mm_gemm_nt_relaxed, .nt_mr = 4, .nt_nr = 2, .transpose = mm_transpose_simd,
    .tanh_fwd = mm_tanh_fwd_relaxed, .tanh_bwd = mm_tanh_bwd_simd, .exp_shift = mm_exp_shift_simd, .colstats = mm_colstats_simd,
    .bn_fwd = mm_bn_fwd_simd, .bn_bwd = mm_bn_bwd_simd,
};
#endif

const mm_kernels* mm_kernels_for(int engine) {
#if defined(__wasm_relaxed_simd__)
    return engine == MM_ENGINE_FAST ? &RELAXED : &SIMD;
#elif defined(__wasm_simd128__)
    return engine == MM_ENGINE_FAST ? &SIMD_FAST : &SIMD;
#elif defined(__wasm__)
    (void)engine;
    return &SCALAR;
#else
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
    if (engine == MM_ENGINE_FAST && __builtin_cpu_supports("fma")) return &FMA;
    return &SCALAR;
#else
    return engine == MM_ENGINE_FAST ? &FMA : &SCALAR; // fmaf is exact everywhere, fast where the CPU fuses
#endif
#endif
}

// ---------------------------------------------------------------- splitting

static int threads_of(const mm_engine* e) { return mm_pool_threads(e->pool); }

// Below this many multiply-adds a matmul runs on the caller alone: a handoff, and the
// output written on one core then read on the other, cost more than the half saved
// (bench/thresholds.mjs, wasm under Node, 2 cores, batch 32: with 16384 here and 8192 for
// fused.c's FUSED_MIN_PAR, mlp3 trained 1.21-1.37x faster on 1 thread than on 2; with
// 65536 and 32768 as fast on 2 as on 1; mlp8 and the 22K and 76K models the same within the
// machine's noise). Any threshold gives the same numbers: splits are by outputs.
#ifndef GEMM_MIN_PAR
#define GEMM_MIN_PAR 65536
#endif

// A matmul's output split into `parts` blocks of whole tiles: by rows (tiles of
// `unit` rows, M in all) or by columns (N in all).
typedef struct {
    int by_rows, units, unit, parts;
} split;

// Block i of the split as [*a, *b) rows or columns; 0 if it is empty.
static int block(const split* s, int M, int N, int i, int* a, int* b) {
    *a = (int)((long)s->units * i / s->parts) * s->unit;
    *b = (int)((long)s->units * (i + 1) / s->parts) * s->unit;
    int end = s->by_rows ? M : N;
    if (*b > end) *b = end;
    return *a < *b;
}

// How to split an M x N output in tiles of mr x nr among T threads: by rows if
// there are at least T row tiles, else by columns; 0 if it is too small to split.
static int plan_split(split* s, int T, long macs, int M, int N, int mr, int nr) {
    int rows = (M + mr - 1) / mr, cols = (N + nr - 1) / nr;
    if (T < 2 || macs < GEMM_MIN_PAR || (rows < T && cols < T)) return 0;
    s->by_rows = rows >= T;
    s->units = s->by_rows ? rows : cols;
    s->unit = s->by_rows ? mr : nr;
    s->parts = T;
    return 1;
}

typedef struct {
    const mm_kernels* k;
    float* C; int ldc;
    const float* A; long a_rs, a_ks;
    const float* B; int ldb;
    const float* bias;
    int acc, M, K, N;
    split s;
} gemm_job;

static void gemm_task(void* p, int i) {
    const gemm_job* j = p;
    int a, b;
    if (!block(&j->s, j->M, j->N, i, &a, &b)) return;
    if (j->s.by_rows) j->k->gemm(j->C + (long)a * j->ldc, j->ldc, j->A + a * j->a_rs, j->a_rs, j->a_ks, j->B, j->ldb, j->bias, j->acc, b - a, j->K, j->N);
    else j->k->gemm(j->C + a, j->ldc, j->A, j->a_rs, j->a_ks, j->B + a, j->ldb, j->bias ? j->bias + a : 0, j->acc, j->M, j->K, b - a);
}

static void op_gemm(const mm_engine* e, float* C, int ldc, const float* A, long a_rs, long a_ks, const float* B, int ldb,
                    const float* bias, int acc, int M, int K, int N) {
    const mm_kernels* k = e->k;
    gemm_job j = {k, C, ldc, A, a_rs, a_ks, B, ldb, bias, acc, M, K, N, {0, 0, 0, 0}};
    if (plan_split(&j.s, threads_of(e), (long)M * N * K, M, N, k->mr, k->nr)) mm_parallel_for(e->pool, j.s.parts, gemm_task, &j);
    else k->gemm(C, ldc, A, a_rs, a_ks, B, ldb, bias, acc, M, K, N);
}

void op_matmul_nn(const mm_engine* e, float* C, const float* A, const float* B, const float* bias, int M, int K, int N) {
    op_gemm(e, C, N, A, K, 1, B, N, bias, 0, M, K, N);
}

void op_matmul_tn_acc(const mm_engine* e, float* C, const float* A, const float* B, int M, int R, int N) {
    op_gemm(e, C, N, A, 1, M, B, N, NULL, 1, M, R, N);
}

typedef struct {
    const mm_kernels* k;
    float* C; const float* A; const float* B;
    int M, K, N;
    split s;
} nt_job;

static void nt_task(void* p, int i) {
    const nt_job* j = p;
    int a, b;
    if (!block(&j->s, j->M, j->N, i, &a, &b)) return;
    if (j->s.by_rows) j->k->gemm_nt(j->C + (long)a * j->N, j->N, j->A + (long)a * j->K, j->K, j->B, j->K, b - a, j->K, j->N);
    else j->k->gemm_nt(j->C + a, j->N, j->A, j->K, j->B + (long)a * j->K, j->K, j->M, j->K, b - a);
}

// The engine's own A @ B^T kernel (dot products, no repacking), or two ways with
// the same sums (a*b == b*a, fma(a,b,c) == fma(b,a,c)): repack B as (K,N), or,
// when A and C are the smaller pair, C^T = B @ A^T transposed back.
void op_matmul_nt(const mm_engine* e, float* C, const float* A, const float* B, float* scratch, int M, int K, int N) {
    const mm_kernels* k = e->k;
    if (k->gemm_nt) {
        nt_job j = {k, C, A, B, M, K, N, {0, 0, 0, 0}};
        if (plan_split(&j.s, threads_of(e), (long)M * N * K, M, N, k->nt_mr, k->nt_nr)) mm_parallel_for(e->pool, j.s.parts, nt_task, &j);
        else k->gemm_nt(C, N, A, K, B, K, M, K, N);
        return;
    }
    // Swapped only when M fills whole column tiles (a sequence model's rows often do not). Both ways
    // sum each output in the same order (a*b == b*a), so the choice never changes a number.
    if (k->nt_swap && M % k->nr == 0 && (long)M * K + (long)M * N < (long)K * N) {
        float* At = scratch;               // (K, M)
        float* Ct = scratch + (long)K * M; // (N, M)
        k->transpose(At, A, M, K);
        op_gemm(e, Ct, M, B, K, 1, At, M, NULL, 0, N, K, M);
        k->transpose(C, Ct, N, M);
    } else {
        k->transpose(scratch, B, N, K);
        op_gemm(e, C, N, A, K, 1, scratch, N, NULL, 0, M, K, N);
    }
}

typedef struct {
    long n, align;
    int parts;
    mm_range_fn fn;
    void* ctx;
} range_job;

static void range_task(void* p, int i) {
    const range_job* j = p;
    long units = (j->n + j->align - 1) / j->align;
    long lo = units * i / j->parts * j->align, hi = units * (i + 1) / j->parts * j->align;
    if (hi > j->n) hi = j->n;
    if (lo < hi) j->fn(j->ctx, lo, hi);
}

void op_ranges(const mm_engine* e, long n, long align, long min_split, mm_range_fn fn, void* ctx) {
    int T = threads_of(e);
    if (n <= 0) return;
    if (T == 1 || n < min_split || (n + align - 1) / align < T) { fn(ctx, 0, n); return; }
    range_job j = {n, align, T, fn, ctx};
    mm_parallel_for(e->pool, T, range_task, &j);
}

// ---------------------------------------------------------------- elementwise and BatchNorm

// Elementwise ops split when they have at least this many values; BatchNorm ops
// (cheap per value, so a handoff costs more than it saves on small blocks:
// measured at batch 32) when rows * columns reach BN_MIN_PAR.
#ifndef ELEM_MIN_PAR
#define ELEM_MIN_PAR 4096
#endif
#define BN_MIN_PAR 65536

typedef struct {
    const mm_kernels* k;
    float* y; float* xhat; float* dgamma; float* dbeta; float* mean; float* var;
    const float* x; const float* dy; const float* cmean; const float* invstd; const float* gamma; const float* beta;
    int ld, R, C;
} elem_job;

static void tanh_fwd_range(void* p, long lo, long hi) {
    const elem_job* j = p;
    j->k->tanh_fwd(j->y + lo, j->x + lo, hi - lo);
}
void op_tanh_fwd(const mm_engine* e, float* y, const float* x, long n) {
    elem_job j = {.k = e->k, .y = y, .x = x};
    op_ranges(e, n, 16, ELEM_MIN_PAR, tanh_fwd_range, &j);
}

static void tanh_bwd_range(void* p, long lo, long hi) {
    const elem_job* j = p;
    j->k->tanh_bwd(j->y + lo, j->x + lo, j->dy + lo, hi - lo);
}
void op_tanh_bwd(const mm_engine* e, float* dx, const float* y, const float* dy, long n) {
    elem_job j = {.k = e->k, .y = dx, .x = y, .dy = dy};
    op_ranges(e, n, 16, ELEM_MIN_PAR, tanh_bwd_range, &j);
}

static void colstats_range(void* p, long lo, long hi) {
    const elem_job* j = p;
    j->k->colstats(j->mean + lo, j->var + lo, j->x + lo, j->ld, j->R, (int)(hi - lo));
}
void op_colstats(const mm_engine* e, float* mean, float* var, const float* x, int ld, int R, int C) {
    elem_job j = {.k = e->k, .mean = mean, .var = var, .x = x, .ld = ld, .R = R, .C = C};
    op_ranges(e, C, 16, (long)R * C >= BN_MIN_PAR ? 32 : C + 1, colstats_range, &j);
}

static void bn_fwd_rows(void* p, long lo, long hi) {
    const elem_job* j = p;
    long o = lo * j->ld;
    j->k->bn_fwd(j->y + o, j->xhat + o, j->x + o, j->ld, (int)(hi - lo), j->C, j->cmean, j->invstd, j->gamma, j->beta);
}
void op_bn_fwd(const mm_engine* e, float* y, float* xhat, const float* x, int ld, int R, int C,
               const float* mean, const float* invstd, const float* gamma, const float* beta) {
    elem_job j = {.k = e->k, .y = y, .xhat = xhat, .x = x, .ld = ld, .R = R, .C = C,
                  .cmean = mean, .invstd = invstd, .gamma = gamma, .beta = beta};
    op_ranges(e, R, 1, (long)R * C >= BN_MIN_PAR ? 2 : R + 1, bn_fwd_rows, &j);
}

static void bn_bwd_cols(void* p, long lo, long hi) {
    const elem_job* j = p;
    j->k->bn_bwd(j->y + lo, j->dgamma + lo, j->dbeta + lo, j->dy + lo, j->x + lo, j->ld, j->R, (int)(hi - lo),
                 j->invstd + lo, j->gamma + lo);
}
void op_bn_bwd(const mm_engine* e, float* dx, float* dgamma, float* dbeta, const float* dy, const float* xhat,
               int ld, int R, int C, const float* invstd, const float* gamma) {
    elem_job j = {.k = e->k, .y = dx, .dgamma = dgamma, .dbeta = dbeta, .dy = dy, .x = xhat, .ld = ld, .R = R, .C = C,
                  .invstd = invstd, .gamma = gamma};
    op_ranges(e, C, 16, (long)R * C >= BN_MIN_PAR ? 32 : C + 1, bn_bwd_cols, &j);
}
