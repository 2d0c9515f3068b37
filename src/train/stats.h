// train/stats.h: the training diagnostics' two passes of a step (stats.c), for step.c; not part of the API.
#ifndef MM_STATS_H
#define MM_STATS_H
#include "makemore.h"

// Whether s was made for m (mm_stats_new).
int mm_stats_for(const mm_stats* s, const mm_model* m);
// Before the update: every layer's output and gradient of the step's batch (X, B).
void mm_stats_layers(mm_stats* s, mm_model* m, const uint16_t* X, int B);
// Before an update that is not lr * grad (AdamW): keeps the parameters, so that the
// update:data ratio is of the update made. MM_ENOMEM (nothing changed) if no memory.
int mm_stats_before(mm_stats* s, mm_model* m, mm_err* err);
// After the update: every parameter's (updated) data and gradient, and with measured (mm_stats_before
// was called for this update) the update's std; labels the statistics step, lr.
void mm_stats_params(mm_stats* s, mm_model* m, float lr, long step, int measured);

#endif
