// ops.h: the kernels of kernels.h driven over a thread pool (src/ops.c).
//
// Every op splits its outputs (matmul row or column blocks, BatchNorm columns,
// ranges of elements) among the pool's threads and never its reductions, so
// each output is computed by the same operations in the same order whatever
// the thread count: results are bitwise the same for 1 thread or many.
#ifndef MM_OPS_H
#define MM_OPS_H
#include "kernels/kernels.h"
#include "kernels/pool.h"

typedef struct {
    const mm_kernels* k;
    mm_pool* pool; // NULL: the calling thread only
} mm_engine;

// C (M,N) = A (M,K) @ B (K,N) [+ bias]
void op_matmul_nn(const mm_engine* e, float* C, const float* A, const float* B, const float* bias, int M, int K, int N);
// C (M,N) = A (M,K) @ B^T, B stored (N,K); scratch holds K*N + 0 floats (or M*K + M*N when that is smaller)
void op_matmul_nt(const mm_engine* e, float* C, const float* A, const float* B, float* scratch, int M, int K, int N);
// C (M,N) += A^T @ B, A (R,M), B (R,N): a weight's gradient, which accumulates (each element's
// sum starts from its value in C; on a zeroed gradient that is bitwise the plain product)
void op_matmul_tn_acc(const mm_engine* e, float* C, const float* A, const float* B, int M, int R, int N);
void op_tanh_fwd(const mm_engine* e, float* y, const float* x, long n);
void op_tanh_bwd(const mm_engine* e, float* dx, const float* y, const float* dy, long n);
void op_colstats(const mm_engine* e, float* mean, float* var, const float* x, int ld, int R, int C);
void op_bn_fwd(const mm_engine* e, float* y, float* xhat, const float* x, int ld, int R, int C,
               const float* mean, const float* invstd, const float* gamma, const float* beta);
void op_bn_bwd(const mm_engine* e, float* dx, float* dgamma, float* dbeta, const float* dy, const float* xhat,
               int ld, int R, int C, const float* invstd, const float* gamma);

// fn(ctx, lo, hi) over [0, n) in one range per thread (ranges start at multiples
// of align); ranges only when n >= min_split, else one call on the caller.
typedef void (*mm_range_fn)(void* ctx, long lo, long hi);
void op_ranges(const mm_engine* e, long n, long align, long min_split, mm_range_fn fn, void* ctx);

#endif
