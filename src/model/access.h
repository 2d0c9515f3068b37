// model/access.h: what the rest of the core (the step, the optimizers, the
// diagnostics) may use of a model besides the public API. struct mm_model itself
// is private to the model's files and the fast passes (model/model.h).
#ifndef MM_MODEL_ACCESS_H
#define MM_MODEL_ACCESS_H
#include "kernels/ops.h"
#include "makemore.h"

const mm_engine* mm_model_engine(const mm_model* m);
// Adds the time since t0 to profile section s (model/profile.h); returns the new start.
double mm_model_prof_start(const mm_model* m);
double mm_model_prof_add(mm_model* m, int s, double t0);
// The layers' work after an optimizer's update (BatchNorm's running statistics).
void mm_model_after_step(mm_model* m);
// Whether a fast pass runs layers on rows of its own (the step's statistics then come from a
// run without it: mm_model_set_plain), and the passes' fill of what they skip (run.c).
int mm_model_passes_own_rows(const mm_model* m);
void mm_model_set_plain(mm_model* m, int plain);
void mm_model_passes_fill(mm_model* m, const uint16_t* X, int B);

// Layer i as the diagnostics read it after a step on B examples: its type, the layer whose
// output it is a view of (else -1), its output and the output's gradient, rows x T x C values.
typedef struct {
    int type, view_of;
    long rows;
    int T, C;
    const float* out;
    const float* dout;
    const float* aux; // its own per-row values (a recurrent cell's gates), aux_per_row floats a row; NULL: none
    long aux_per_row;
} mm_layer_values;
void mm_model_layer_values(const mm_model* m, int i, int B, mm_layer_values* v);
// Whether the layers run on rows (one per position of whole words), not examples.
int mm_model_sequence(const mm_model* m);

#endif
