// model/profile.h: time per section of a training step (mm_model_profile), for the
// benchmarks' breakdown. Sections are named by what runs: the batch, the loss,
// each layer type's forward and backward, each fast pass's own steps, the optimizer.
#ifndef MM_MODEL_PROFILE_H
#define MM_MODEL_PROFILE_H
#include "kernels/pool.h"
#include "nn/layer.h"

enum { PROF_BATCH, PROF_ROWS, PROF_LOSS, PROF_UPDATE, PROF_LAYER0 }; // PROF_ROWS: a sequence family's row plan
#define PROF_LAYER(type, backward) (PROF_LAYER0 + 2 * (type) + (backward))
#define PROF_PASS0 (PROF_LAYER0 + 2 * L_N_TYPES) // then the passes' sections (fast/passes.c)
#define PROF_MAX (PROF_PASS0 + 8)

typedef struct {
    int on;
    double sec[PROF_MAX];
} mm_profile;

// The start of a timed section (0 when off: nothing is read).
static inline double mm_prof_start(const mm_profile* p) { return p->on ? mm_now_sec() : 0.0; }
// Adds the time since t0 to section s; returns the new start (sections one after another).
static inline double mm_prof_add(mm_profile* p, int s, double t0) {
    if (!p->on) return 0.0;
    double t = mm_now_sec();
    p->sec[s] += t - t0;
    return t;
}

#endif
