// train/step.c: one training step: zero-grad, forward and backward, the optimizer's
// update (all or nothing), the layers' after-step work (BatchNorm's running
// statistics), then, when asked, the step's diagnostics (stats.c).
#include <math.h>
#include "base/internal.h"
#include "model/access.h"
#include "model/profile.h"
#include "train/optim.h"
#include "train/stats.h"

int mm_optimizer_update(mm_optimizer* o, mm_model* m, const mm_engine* e, float lr); // optimizers.c

int mm_model_train_step(mm_model* m, mm_optimizer* o, const uint16_t* X, const uint16_t* Y, int B, float lr, float* loss, mm_stats* s,
                        long step, mm_err* err) {
    if (!o) return mm_fail(err, MM_EINVAL, "no optimizer given");
    if (mm_optimizer_num_params(o) != mm_model_num_params(m))
        return mm_fail(err, MM_EINVAL, "the optimizer was made for a model of %ld parameters, not this one of %ld", mm_optimizer_num_params(o),
                       mm_model_num_params(m));
    if (!(lr == lr) || lr < 0.0f || lr > 1e30f) return mm_fail(err, MM_EINVAL, "learning rate %g is not a finite non-negative number", (double)lr);
    if (s && !mm_stats_for(s, m)) return mm_fail(err, MM_EINVAL, "the statistics storage was made for another model");
    int rc, layers_done = 0;
    if (s && mm_model_passes_own_rows(m)) { // the layers' statistics are of every node: a plain pass first, then the step's own
        mm_model_set_plain(m, 1);
        rc = mm_model_forward_backward(m, X, Y, B, loss, err);
        if (!rc) mm_stats_layers(s, m, X, B);
        mm_model_set_plain(m, 0);
        if (rc) return rc;
        layers_done = 1;
    }
    rc = mm_model_forward_backward(m, X, Y, B, loss, err);
    if (rc) return rc;
    if (!isfinite(*loss))
        return mm_fail(err, MM_ENONFINITE, "the loss became %s (learning rate %g too high?); the model is left as before this step",
                       isnan(*loss) ? "NaN" : "infinite", (double)lr);
    double t0 = mm_model_prof_start(m);
    if (s && !layers_done) mm_stats_layers(s, m, X, B);
    int measured = s && mm_optimizer_type_of(o)->measure_update;
    if (measured && (rc = mm_stats_before(s, m, err))) return rc;
    if (mm_optimizer_update(o, m, mm_model_engine(m), lr))
        return mm_fail(err, MM_ENONFINITE, "a gradient or parameter became non-finite (learning rate %g too high?); the model is left as "
                       "before this step", (double)lr);
    mm_model_after_step(m);
    mm_model_prof_add(m, PROF_UPDATE, t0);
    if (s) mm_stats_params(s, m, lr, step, measured);
    return MM_OK;
}

// The lecture's SGD step, for callers without an optimizer object (it has no state).
static int sgd_step(mm_model* m, const uint16_t* X, const uint16_t* Y, int B, float lr, float* loss, mm_stats* s, long step, mm_err* err) {
    mm_optimizer o = {.n = mm_model_num_params(m)}; // SGD has no state: nothing to allocate
    mm_train_params_default(&o.tp);                  // optimizer sgd
    o.type = mm_optimizer_at(o.tp.optimizer);
    return mm_model_train_step(m, &o, X, Y, B, lr, loss, s, step, err);
}

int mm_model_sgd_step(mm_model* m, const uint16_t* X, const uint16_t* Y, int B, float lr, float* loss, mm_err* err) {
    return sgd_step(m, X, Y, B, lr, loss, NULL, 0, err);
}

int mm_model_sgd_step_stats(mm_model* m, const uint16_t* X, const uint16_t* Y, int B, float lr, float* loss, mm_stats* s, long step,
                            mm_err* err) {
    if (!s) return mm_fail(err, MM_EINVAL, "no statistics storage given");
    return sgd_step(m, X, Y, B, lr, loss, s, step, err);
}
