// train/optim.h: what an optimizer is. Each is one file in src/train/ (its name, its own
// settings, its state, its update), registered by one line in optimizers.c. The step
// (step.c) runs forward and backward, then the optimizer's update, then the layers'
// after-step work; an update is all or nothing: check first (writes nothing), then apply.
#ifndef MM_TRAIN_OPTIM_H
#define MM_TRAIN_OPTIM_H
#include <stddef.h>
#include "kernels/ops.h"
#include "makemore.h"

// One update: parameters p (n) by their gradients g, the optimizer's state tensors s[k]
// (n each), t the update's number (1 for the first), lr this step's learning rate, own its settings.
typedef struct {
    float* p;
    const float* g;
    float* const* s;
    long n, t;
    float lr;
    const mm_cell* own;
} mm_update;

typedef struct mm_optimizer_type {
    const char* name;  // the schema's optimizer value: "sgd", "adamw"
    const char* label;
    const char* doc;
    const mm_field* fields; // its own settings (owner: its name; offset: MM_TRAIN_CELL(k))
    int n_fields;
    int n_state;       // state tensors of n_params floats each (at most MM_OPTIM_MAX_STATE)
    const char* const* state_names; // as torch's optimizer state names them ("exp_avg", "exp_avg_sq")
    int measure_update;  // 1: the update is not lr * grad: the diagnostics measure it (p after - p before)
    unsigned nonneg_state; // bit k: state tensor k is never negative (a running average of squares)
    // 1 if the update would make a parameter (or a state value) non-finite, or a gradient is; writes nothing.
    int (*check)(const mm_update* u, const mm_engine* e);
    void (*apply)(const mm_update* u, const mm_engine* e);
} mm_optimizer_type;

#define MM_OPTIM_MAX_STATE 4
#define MM_TRAIN_CELL(k) (offsetof(mm_train_params, own) + (size_t)(k) * sizeof(mm_cell))

// An optimizer object (makemore.h's opaque mm_optimizer): here so that a stateless one can
// live on the stack (step.c's SGD for callers without one).
struct mm_optimizer {
    const mm_optimizer_type* type;
    mm_train_params tp; // its settings
    long n;             // parameters
    long t;             // updates made
    float* state;       // (n_state, n)
    float* s[MM_OPTIM_MAX_STATE];
};

// The registry (optimizers.c).
extern const char* const mm_optimizer_names[]; // NULL-terminated: the schema's optimizer values
const mm_optimizer_type* mm_optimizer_at(int i);
long mm_optimizer_num_params(const mm_optimizer* o); // the parameters it was made for
const mm_optimizer_type* mm_optimizer_type_of(const mm_optimizer* o);

// Whether a 32-bit float's bits are inf or NaN (an all-ones exponent; OR over integers vectorises).
static inline uint32_t mm_nonfinite_bits(float x) {
    uint32_t u;
    __builtin_memcpy(&u, &x, 4);
    return (u & 0x7f800000u) == 0x7f800000u;
}

#endif
