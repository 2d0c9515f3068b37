// train/stats.h: the training diagnostics' two passes of a step (stats.c), for step.c; not part of the API.
#ifndef MM_STATS_H
#define MM_STATS_H
#include "makemore.h"

// Whether s was made for m (mm_stats_new).
int mm_stats_for(const mm_stats* s, const mm_model* m);
// Before the update: every layer's output and gradient of the step's batch (X, B).
void mm_stats_layers(mm_stats* s, mm_model* m, const uint16_t* X, int B);
// After the update: every parameter's (updated) data and gradient; labels the statistics step, lr.
void mm_stats_params(mm_stats* s, mm_model* m, float lr, long step);

#endif
