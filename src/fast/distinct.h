// fast/distinct.h: the distinct nodes pass (distinct.c).
#ifndef MM_FAST_DISTINCT_H
#define MM_FAST_DISTINCT_H
#include "fast/pass.h"

extern const mm_pass mm_pass_distinct;
typedef struct mm_distinct mm_distinct;
// Whether the pass is chosen for m and on (not a plain run).
int mm_distinct_on(const mm_model* m);
// The last pass's distinct nodes at a level (-1: the pass is not m's, or has not run).
int mm_distinct_rows(const mm_model* m, int at);

#endif
