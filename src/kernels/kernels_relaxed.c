// kernels_relaxed.c: the wasm fast engine's matmul, kernels_simd.c's tiles with
// relaxed-SIMD fused multiply-add. Built only with -mrelaxed-simd.
#ifdef __wasm_relaxed_simd__
#define MM_RELAXED 1
#include "kernels_simd.c"
#endif
