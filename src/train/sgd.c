// train/sgd.c: the lecture's plain SGD, p += -lr * grad. No settings of its own, no state.
#include <stdatomic.h>
#include "train/optim.h"

// Over ranges of the parameters: first a check that no gradient or new value is inf
// or NaN (one flag per range), then the update itself.
typedef struct {
    float* p;
    const float* g;
    float nlr;
    atomic_uint bad; // OR of the ranges' flags
} sgd_job;

static void sgd_check_range(void* ctx, long lo, long hi) {
    sgd_job* j = ctx;
    const float* p = j->p; const float* g = j->g;
    float nlr = j->nlr;
    uint32_t bad = 0;
    for (long k = lo; k < hi; k++) bad |= mm_nonfinite_bits(g[k]) | mm_nonfinite_bits(p[k] + nlr * g[k]);
    if (bad) atomic_fetch_or(&j->bad, 1u);
}

static void sgd_apply_range(void* ctx, long lo, long hi) {
    sgd_job* j = ctx;
    float* p = j->p; const float* g = j->g;
    float nlr = j->nlr;
    for (long k = lo; k < hi; k++) p[k] = p[k] + nlr * g[k];
}

static int sgd_check(const mm_update* u, const mm_engine* e) {
    sgd_job j = {u->p, u->g, -u->lr, 0};
    atomic_init(&j.bad, 0);
    op_ranges(e, u->n, 64, 16384, sgd_check_range, &j);
    return atomic_load(&j.bad) != 0;
}

static void sgd_apply(const mm_update* u, const mm_engine* e) {
    sgd_job j = {u->p, u->g, -u->lr, 0};
    op_ranges(e, u->n, 64, 16384, sgd_apply_range, &j);
}

const mm_optimizer_type mm_optimizer_sgd = {
    .name = "sgd",
    .label = "SGD",
    .doc = "the lecture's plain stochastic gradient descent: p -= lr * grad",
    .check = sgd_check,
    .apply = sgd_apply,
};
