// kernels_simd_fast.c: the wasm fast engine for engines without relaxed SIMD (Safari):
// kernels_simd.c's fast extras (the dot-product matmul_nt, the rational tanh) with a
// separate multiply and add. Built only with -msimd128; its matmul is the reference's.
#ifdef __wasm_simd128__
#define MM_FAST_SIMD 1
#include "kernels_simd.c"
#endif
