// kernels.h: the dense kernels of the training step.
//
// Every kernel exists twice: a scalar reference (kernels_scalar.c, always built)
// and, when compiled with -msimd128 for WebAssembly, a wasm SIMD twin
// (kernels_simd.c). The mm_* names dispatch to the build's best variant.
//
// Summation order is part of the contract. Each output element is accumulated
// over the reduction index in increasing order, starting from 0 (or the bias),
// one multiply and one add per term (no fused multiply-add: build with
// -ffp-contract=off). SIMD kernels vectorise across independent outputs only,
// so the SIMD and scalar builds give bitwise the same results.
//
// All matrices are row-major and contiguous.
#ifndef MM_KERNELS_H
#define MM_KERNELS_H

// C (M,N) = A (M,K) @ B (K,N) [+ bias (N,)]   (bias may be NULL)   Linear forward
void mm_matmul_nn_scalar(float* C, const float* A, const float* B, const float* bias, int M, int K, int N);
// C (M,N) = A (M,K) @ B^T, B stored (N,K)                           Linear backward dX = dY @ W^T
// Uses Bt_scratch (K*N floats) to repack operands; the sums are the nn order's.
void mm_matmul_nt_scalar(float* C, const float* A, const float* B, float* Bt_scratch, int M, int K, int N);
// C (M,N) = A^T @ B, A stored (R,M), B stored (R,N), summed over the R rows    Linear backward dW = X^T @ dY
void mm_matmul_tn_scalar(float* C, const float* A, const float* B, int M, int R, int N);

// Elementwise and reduction kernels. x/y/dy below are R rows of C values with
// row stride ld (ld >= C), so BatchNorm's per-position mode can pass one
// position's rows of a (B, T, C) block with ld = T*C.
// y = tanh(x), n values
void mm_tanh_fwd_scalar(float* y, const float* x, long n);
// dx = (1 - y*y) * dy
void mm_tanh_bwd_scalar(float* dx, const float* y, const float* dy, long n);
// y = mm_expf(x - shift), n values (the softmax of cross-entropy)
void mm_exp_shift_scalar(float* y, const float* x, float shift, int n);
// Column mean (C,) and unbiased variance (C,) over R >= 2 rows.
void mm_colstats_scalar(float* mean, float* var, const float* x, int ld, int R, int C);
// xhat = (x - mean) * invstd; y = gamma * xhat + beta (y, xhat use stride ld too)
void mm_bn_fwd_scalar(float* y, float* xhat, const float* x, int ld, int R, int C,
                      const float* mean, const float* invstd, const float* gamma, const float* beta);
// With s1 = sum_r dy, s2 = sum_r dy*xhat per column: dgamma += s2, dbeta += s1,
// dx = gamma*invstd * (dy - s1*(1/R) - xhat * (s2*(1/(R-1))))   (unbiased-variance BatchNorm)
void mm_bn_bwd_scalar(float* dx, float* dgamma, float* dbeta, const float* dy, const float* xhat,
                      int ld, int R, int C, const float* invstd, const float* gamma);

#ifdef __wasm_simd128__
void mm_exp_shift_simd(float* y, const float* x, float shift, int n);
void mm_tanh_fwd_simd(float* y, const float* x, long n);
void mm_tanh_bwd_simd(float* dx, const float* y, const float* dy, long n);
void mm_colstats_simd(float* mean, float* var, const float* x, int ld, int R, int C);
void mm_bn_fwd_simd(float* y, float* xhat, const float* x, int ld, int R, int C,
                    const float* mean, const float* invstd, const float* gamma, const float* beta);
void mm_bn_bwd_simd(float* dx, float* dgamma, float* dbeta, const float* dy, const float* xhat,
                    int ld, int R, int C, const float* invstd, const float* gamma);
#define mm_tanh_fwd mm_tanh_fwd_simd
#define mm_tanh_bwd mm_tanh_bwd_simd
#define mm_colstats mm_colstats_simd
#define mm_bn_fwd mm_bn_fwd_simd
#define mm_bn_bwd mm_bn_bwd_simd
#else
#define mm_tanh_fwd mm_tanh_fwd_scalar
#define mm_tanh_bwd mm_tanh_bwd_scalar
#define mm_colstats mm_colstats_scalar
#define mm_bn_fwd mm_bn_fwd_scalar
#define mm_bn_bwd mm_bn_bwd_scalar
#endif

// The general product all matmuls share: C (M,N), row stride ldc, = init + A @ B,
// where A's element (i,k) is A[i*a_rs + k*a_ks] (A or A^T), B is (K,N) with row
// stride ldb, and init is C's own value (acc 1: a parameter's gradient, which
// accumulates), else bias (N,) or 0. Each element sums its K terms in order.
typedef void (*mm_gemm_fn)(float* C, int ldc, const float* A, long a_rs, long a_ks, const float* B, int ldb,
                           const float* bias, int acc, int M, int K, int N);
void mm_gemm_scalar(float* C, int ldc, const float* A, long a_rs, long a_ks, const float* B, int ldb,
                    const float* bias, int acc, int M, int K, int N);
// dst (cols, rows) = src (rows, cols)^T
void mm_transpose_scalar(float* dst, const float* src, int rows, int cols);
#if !defined(__wasm__)
// The fast engine natively: the same tiles with fmaf (kernels_fma.c).
void mm_gemm_fma(float* C, int ldc, const float* A, long a_rs, long a_ks, const float* B, int ldb,
                 const float* bias, int acc, int M, int K, int N);
#endif

#ifdef __wasm_simd128__
void mm_gemm_simd(float* C, int ldc, const float* A, long a_rs, long a_ks, const float* B, int ldb,
                  const float* bias, int acc, int M, int K, int N);
void mm_transpose_simd(float* dst, const float* src, int rows, int cols);
#endif
#ifdef __wasm_relaxed_simd__
// The fast engine in wasm: relaxed SIMD fused multiply-add (kernels_relaxed.c).
void mm_gemm_relaxed(float* C, int ldc, const float* A, long a_rs, long a_ks, const float* B, int ldb,
                     const float* bias, int acc, int M, int K, int N);
// C (M,N) = A (M,K) @ B^T, B stored (N,K): dot products, no repacking
void mm_gemm_nt_relaxed(float* C, int ldc, const float* A, int lda, const float* B, int ldb, int M, int K, int N);
// y = tanh(x) by a rational approximation (a few ulps)
void mm_tanh_fwd_relaxed(float* y, const float* x, long n);
#elif defined(__wasm_simd128__)
// The fast engine in strict SIMD (kernels_simd_fast.c; Safari's path): the same two
// with a separate multiply and add.
void mm_gemm_nt_simdfast(float* C, int ldc, const float* A, int lda, const float* B, int ldb, int M, int K, int N);
void mm_tanh_fwd_simdfast(float* y, const float* x, long n);
#endif

// ---------------------------------------------------------------- engines
// A set of kernels: the reference ones (bitwise equal in every build) or a fast
// one whose matmuls fuse multiply-adds. src/ops.c drives them over a pool.
typedef struct {
    const char* name; // "scalar", "simd", "fma", "relaxed-simd", "simd-fast"
    int fast;         // 1: the fast engine: not bitwise the reference (fused multiply-adds where the
                      // kernels have them, other summation orders), so the fast passes apply (src/fast/)
    int mr, nr;       // the matmul's register tile: a parallel split keeps whole tiles
    int nt_swap;      // matmul_nt: C^T = B A^T when A and C are the smaller pair (else always repack B)
    mm_gemm_fn gemm;
    // C (M,N) = A (M,K) @ B^T with B (N,K) directly, or NULL: repack B and use gemm
    void (*gemm_nt)(float* C, int ldc, const float* A, int lda, const float* B, int ldb, int M, int K, int N);
    int nt_mr, nt_nr; // gemm_nt's tile
    void (*transpose)(float* dst, const float* src, int rows, int cols);
    void (*tanh_fwd)(float* y, const float* x, long n);
    void (*tanh_bwd)(float* dx, const float* y, const float* dy, long n);
    void (*exp_shift)(float* y, const float* x, float shift, int n);
    void (*colstats)(float* mean, float* var, const float* x, int ld, int R, int C);
    void (*bn_fwd)(float* y, float* xhat, const float* x, int ld, int R, int C,
                   const float* mean, const float* invstd, const float* gamma, const float* beta);
    void (*bn_bwd)(float* dx, float* dgamma, float* dbeta, const float* dy, const float* xhat,
                   int ld, int R, int C, const float* invstd, const float* gamma);
} mm_kernels;

// The build's kernels for an engine (MM_ENGINE_REPRODUCIBLE or MM_ENGINE_FAST; fast is
// the reference natively without FMA and in the scalar wasm build).
const mm_kernels* mm_kernels_for(int engine);

#ifdef __wasm_simd128__
void mm_matmul_nn_simd(float* C, const float* A, const float* B, const float* bias, int M, int K, int N);
void mm_matmul_nt_simd(float* C, const float* A, const float* B, float* Bt_scratch, int M, int K, int N);
void mm_matmul_tn_simd(float* C, const float* A, const float* B, int M, int R, int N);
#define mm_matmul_nn mm_matmul_nn_simd
#define mm_matmul_nt mm_matmul_nt_simd
#define mm_matmul_tn mm_matmul_tn_simd
#define MM_KERNELS_SIMD 1
#else
#define mm_matmul_nn mm_matmul_nn_scalar
#define mm_matmul_nt mm_matmul_nt_scalar
#define mm_matmul_tn mm_matmul_tn_scalar
#define MM_KERNELS_SIMD 0
#endif

#endif
