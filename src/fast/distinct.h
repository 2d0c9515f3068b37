// fast/distinct.h: the distinct nodes pass (distinct.c).
#ifndef MM_FAST_DISTINCT_H
#define MM_FAST_DISTINCT_H
#include "fast/pass.h"

extern const mm_pass mm_pass_distinct;
typedef struct mm_distinct mm_distinct;
// Whether the pass is chosen for m and on (not a plain run).
int mm_distinct_on(const mm_model* m);
// The distinct nodes at a level of the model's last forward pass (-1: the pass is not m's, or that
// forward pass did not run it).
int mm_distinct_rows(const mm_model* m, int at);

#endif
