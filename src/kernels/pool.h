// pool.h: the thread pool's parallel-for (src/pool.c), used by the kernels'
// drivers (src/ops.c). The pool's lifetime functions are in makemore.h.
#ifndef MM_POOL_H
#define MM_POOL_H
#include "makemore.h"

// One task: fn(ctx, i) for i in 0..n-1, each writing outputs no other task writes.
typedef void (*mm_task_fn)(void* ctx, int i);

// Runs fn(ctx, 0..n-1) on the pool's threads (the caller's included) and returns
// when all are done. p may be NULL (the caller alone).
void mm_parallel_for(mm_pool* p, int n, mm_task_fn fn, void* ctx);

// Seconds on a monotonic clock (profiling).
double mm_now_sec(void);

#endif
