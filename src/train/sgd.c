// sgd.c: the optimizer: the lecture's plain SGD step, all or nothing.
#include <math.h>
#include <stdatomic.h>
#include <string.h>
#include "nn/layer.h"
#include "train/stats.h"

// The SGD update p += -lr * g over ranges of the parameters: first a check that
// no gradient or new value is inf or NaN (an all-ones exponent; OR over integers
// vectorises), one flag per range, then the update itself.
typedef struct {
    float* p;
    const float* g;
    float nlr;
    atomic_uint bad; // OR of the ranges' flags
} sgd_job;

static void sgd_check(void* ctx, long lo, long hi) {
    sgd_job* j = ctx;
    const float* p = j->p; const float* g = j->g;
    float nlr = j->nlr;
    uint32_t bad = 0;
    for (long k = lo; k < hi; k++) {
        float np = p[k] + nlr * g[k];
        uint32_t ug, up;
        memcpy(&ug, &g[k], 4);
        memcpy(&up, &np, 4);
        bad |= ((ug & 0x7f800000u) == 0x7f800000u) | ((up & 0x7f800000u) == 0x7f800000u);
    }
    if (bad) atomic_fetch_or(&j->bad, 1u);
}

static void sgd_apply(void* ctx, long lo, long hi) {
    sgd_job* j = ctx;
    float* p = j->p; const float* g = j->g;
    float nlr = j->nlr;
    for (long k = lo; k < hi; k++) p[k] = p[k] + nlr * g[k];
}

// The step; with s (diagnostics, stats.c), its statistics too: the layers' before the
// update (the fused engine's Embedding needs the table and weight it used), the
// parameters' after it. Neither pass writes anything the step reads.
static int sgd_step(mm_model* m, const uint16_t* X, const uint16_t* Y, int B, float lr, float* loss, mm_stats* s, long step,
                    mm_err* err) {
    if (!(lr == lr) || lr < 0.0f || lr > 1e30f) return mm_fail(err, MM_EINVAL, "learning rate %g is not a finite non-negative number", (double)lr);
    int rc, stats_done = 0;
    if (s && mm_shared_used(m)) { // the layers' statistics are of every node: a pass without sharing first, then the step's own
        m->no_share = 1;
        rc = mm_model_forward_backward(m, X, Y, B, loss, err);
        m->no_share = 0;
        if (rc) return rc;
        mm_stats_layers(s, m, X, B);
        stats_done = 1;
    }
    rc = mm_model_forward_backward(m, X, Y, B, loss, err);
    if (rc) return rc;
    if (!isfinite(*loss))
        return mm_fail(err, MM_ENONFINITE, "the loss became %s (learning rate %g too high?); the model is left as before this step",
                       isnan(*loss) ? "NaN" : "infinite", (double)lr);
    // check the whole update before writing any of it, so a bad step changes nothing
    PROF_T0;
    sgd_job j = {m->params, m->grads, -lr, 0};
    atomic_init(&j.bad, 0);
    op_ranges(&m->eng, m->n_params, 64, 16384, sgd_check, &j);
    if (atomic_load(&j.bad))
        return mm_fail(err, MM_ENONFINITE, "a gradient or parameter became non-finite (learning rate %g too high?); the model is left as before this step",
                       (double)lr);
    if (s && !stats_done) mm_stats_layers(s, m, X, B);
    op_ranges(&m->eng, m->n_params, 64, 16384, sgd_apply, &j);
    for (int i = 0; i < m->n_layers; i++) { // BatchNorm's running statistics
        const layer* l = &m->L[i];
        if (mm_layer_types[l->type]->after_step) mm_layer_types[l->type]->after_step(m, l);
    }
    PROF(MM_PROF_UPDATE);
    if (s) mm_stats_params(s, m, lr, step);
    return MM_OK;
}

int mm_model_sgd_step(mm_model* m, const uint16_t* X, const uint16_t* Y, int B, float lr, float* loss, mm_err* err) {
    return sgd_step(m, X, Y, B, lr, loss, NULL, 0, err);
}

int mm_model_sgd_step_stats(mm_model* m, const uint16_t* X, const uint16_t* Y, int B, float lr, float* loss, mm_stats* s, long step,
                            mm_err* err) {
    if (!s) return mm_fail(err, MM_EINVAL, "no statistics storage given");
    if (!mm_stats_for(s, m)) return mm_fail(err, MM_EINVAL, "the statistics storage was made for another model");
    return sgd_step(m, X, Y, B, lr, loss, s, step, err);
}

