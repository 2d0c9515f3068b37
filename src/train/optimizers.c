// train/optimizers.c: the registry of optimizers (one file each in src/train/), and an
// optimizer object: its kind, its settings and its state in one allocation.
// Adding an optimizer: its file, and its name in OPTIMIZERS below.
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "base/internal.h"
#include "train/optim.h"

#define OPTIMIZERS(X) X(sgd) X(adamw)

#define DECLARE(o) extern const mm_optimizer_type mm_optimizer_##o;
OPTIMIZERS(DECLARE)
#define ENTRY(o) &mm_optimizer_##o,
static const mm_optimizer_type* const REGISTRY[] = {OPTIMIZERS(ENTRY)};
#define NAME(o) #o,
const char* const mm_optimizer_names[] = {OPTIMIZERS(NAME) NULL};
#define N_OPTIMIZERS (int)(sizeof REGISTRY / sizeof REGISTRY[0])

const mm_optimizer_type* mm_optimizer_at(int i) { return i >= 0 && i < N_OPTIMIZERS ? REGISTRY[i] : NULL; }
const char* mm_optimizer_name(int i) { return i >= 0 && i < N_OPTIMIZERS ? REGISTRY[i]->name : NULL; }
int mm_optimizer_find(const char* name) {
    for (int i = 0; name && i < N_OPTIMIZERS; i++)
        if (!strcmp(REGISTRY[i]->name, name)) return i;
    return -1;
}

mm_optimizer* mm_optimizer_new(const mm_model* m, const mm_train_params* tp, mm_err* err) {
    const mm_optimizer_type* ty = mm_optimizer_at(tp->optimizer);
    if (!ty) { mm_fail(err, MM_EINVAL, "unknown optimizer %d", tp->optimizer); return NULL; }
    if (ty->n_state > MM_OPTIM_MAX_STATE) { mm_fail(err, MM_EINVAL, "optimizer %s has more than %d state tensors", ty->name, MM_OPTIM_MAX_STATE); return NULL; }
    mm_optimizer* o = calloc(1, sizeof *o);
    long n = mm_model_num_params(m);
    if (o) o->state = calloc((size_t)ty->n_state * (size_t)n + 1, sizeof(float));
    if (!o || !o->state) { free(o); mm_fail(err, MM_ENOMEM, "out of memory for the optimizer's state"); return NULL; }
    o->type = ty;
    o->tp = *tp;
    o->n = n;
    for (int k = 0; k < ty->n_state; k++) o->s[k] = o->state + (long)k * n;
    return o;
}

void mm_optimizer_free(mm_optimizer* o) {
    if (!o) return;
    free(o->state);
    free(o);
}

int mm_optimizer_num_state(const mm_optimizer* o) { return o ? o->type->n_state : 0; }
const char* mm_optimizer_state_name(const mm_optimizer* o, int i) {
    return o && i >= 0 && i < o->type->n_state ? o->type->state_names[i] : NULL;
}
float* mm_optimizer_state(mm_optimizer* o, int i) { return o && i >= 0 && i < o->type->n_state ? o->s[i] : NULL; }
long mm_optimizer_steps(const mm_optimizer* o) { return o ? o->t : 0; }
void mm_optimizer_set_steps(mm_optimizer* o, long t) { if (o) o->t = t; }
const mm_optimizer_type* mm_optimizer_type_of(const mm_optimizer* o) { return o->type; }
long mm_optimizer_num_params(const mm_optimizer* o) { return o->n; }

int mm_optimizer_check_state(const mm_optimizer* o, mm_err* err) {
    if (!o) return mm_fail(err, MM_EINVAL, "no optimizer given");
    for (int k = 0; k < o->type->n_state; k++) {
        int nonneg = (o->type->nonneg_state >> k) & 1;
        for (long i = 0; i < o->n; i++) {
            float x = o->s[k][i];
            if (!isfinite(x) || (nonneg && x < 0))
                return mm_fail(err, MM_EINVAL, "the %s optimizer's state '%s' element %ld is %s (%g)", o->type->name, o->type->state_names[k], i,
                               isfinite(x) ? "negative, which it never is" : "not a finite number", (double)x);
        }
    }
    return MM_OK;
}

// The update of m's parameters with learning rate lr, all or nothing (step.c calls it after backward).
int mm_optimizer_update(mm_optimizer* o, mm_model* m, const mm_engine* e, float lr) {
    mm_update u = {mm_model_params(m), mm_model_grads(m), o->s, o->n, o->t + 1, lr, o->tp.own};
    if (o->type->check(&u, e)) return MM_ENONFINITE;
    o->type->apply(&u, e);
    if (o->type->n_state) o->t++; // a stateless optimizer (SGD) keeps 0: its checkpoints stay as they were
    return MM_OK;
}
