// kernels_fma.c: the native fast engine's matmul, kernels_scalar.c's tiles with fmaf.
#define MM_FMA 1
#include "kernels_scalar.c"
