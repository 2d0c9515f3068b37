// train/adamw.c: AdamW as torch.optim.AdamW (PyTorch 1.13, the single-tensor path that
// makemore.py's CPU runs take), on every parameter: with t the update's number,
//   p = p * (1 - lr * weight_decay)
//   m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g * g
//   p = p + (-lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// in float, the scalars in double then rounded as torch rounds them. beta^t by repeated
// squaring (only *: every build rounds alike). makemore.py's settings: lr 5e-4, betas
// (0.9, 0.99), eps 1e-8, weight decay 0.01.
#include <math.h>
#include <stdatomic.h>
#include "train/optim.h"

enum { BETA1, BETA2, EPS, WEIGHT_DECAY, N_OWN };

static const mm_field FIELDS[] = {
    {"beta1", "beta1", "--beta1", "beta1", MM_GROUP_TRAINING, MM_TRAIN_CELL(BETA1), MM_TYPE_FLOAT, 0, 0.999999f, "0.9", MM_C_FLOAT, 0,
     "AdamW: decay of the gradient's running average", NULL, "adamw", 27},
    {"beta2", "beta2", "--beta2", "beta2", MM_GROUP_TRAINING, MM_TRAIN_CELL(BETA2), MM_TYPE_FLOAT, 0, 0.999999f, "0.99", MM_C_FLOAT, 0,
     "AdamW: decay of the squared gradient's running average", NULL, "adamw", 28},
    {"eps", "eps", "--eps", "epsilon", MM_GROUP_TRAINING, MM_TRAIN_CELL(EPS), MM_TYPE_FLOAT, 0, 1, "1e-08", MM_C_FLOAT, 0,
     "AdamW: added to the denominator", NULL, "adamw", 29},
    {"weight_decay", "weightDecay", "--weight-decay", "weight decay", MM_GROUP_TRAINING, MM_TRAIN_CELL(WEIGHT_DECAY), MM_TYPE_FLOAT, 0,
     1e6f, "0.01", MM_C_FLOAT, 0, "AdamW: decoupled weight decay (p *= 1 - lr * weight_decay each step)", NULL, "adamw", 30},
};
static const char* const STATE[] = {"exp_avg", "exp_avg_sq"};

// x^t for t >= 1 by repeated squaring.
static double power(double x, long t) {
    double r = 1.0;
    for (; t > 0; t >>= 1, x *= x)
        if (t & 1) r *= x;
    return r;
}

typedef struct {
    float* p; const float* g; float* m; float* v;
    float decay, b1, ob1, b2, ob2, neg_step, bc2_sqrt, eps;
    atomic_uint bad;
} adamw_job;

static adamw_job job(const mm_update* u) {
    double lr = u->lr, b1 = u->own[BETA1].f, b2 = u->own[BETA2].f, wd = u->own[WEIGHT_DECAY].f;
    adamw_job j = {u->p, u->g, u->s[0], u->s[1], (float)(1.0 - lr * wd), (float)b1, (float)(1.0 - b1), (float)b2, (float)(1.0 - b2),
                   (float)-(lr / (1.0 - power(b1, u->t))), (float)sqrt(1.0 - power(b2, u->t)), u->own[EPS].f, 0};
    atomic_init(&j.bad, 0);
    return j;
}

// One element's new parameter, first and second moment.
static inline float step_one(const adamw_job* j, long k, float* m, float* v) {
    float g = j->g[k];
    float p = j->p[k] * j->decay;
    *m = j->m[k] * j->b1 + j->ob1 * g;
    *v = j->v[k] * j->b2 + j->ob2 * g * g;
    float denom = sqrtf(*v) / j->bc2_sqrt + j->eps;
    return p + j->neg_step * *m / denom;
}

static void check_range(void* ctx, long lo, long hi) {
    adamw_job* j = ctx;
    uint32_t bad = 0;
    for (long k = lo; k < hi; k++) {
        float m, v, p = step_one(j, k, &m, &v);
        bad |= mm_nonfinite_bits(j->g[k]) | mm_nonfinite_bits(p) | mm_nonfinite_bits(v);
    }
    if (bad) atomic_fetch_or(&j->bad, 1u);
}

static void apply_range(void* ctx, long lo, long hi) {
    adamw_job* j = ctx;
    for (long k = lo; k < hi; k++) {
        float m, v;
        j->p[k] = step_one(j, k, &m, &v);
        j->m[k] = m;
        j->v[k] = v;
    }
}

static int adamw_check(const mm_update* u, const mm_engine* e) {
    adamw_job j = job(u);
    op_ranges(e, u->n, 64, 16384, check_range, &j);
    return atomic_load(&j.bad) != 0;
}

static void adamw_apply(const mm_update* u, const mm_engine* e) {
    adamw_job j = job(u);
    op_ranges(e, u->n, 64, 16384, apply_range, &j);
}

const mm_optimizer_type mm_optimizer_adamw = {
    .name = "adamw",
    .label = "AdamW",
    .doc = "torch.optim.AdamW: Adam with decoupled weight decay (makemore.py's optimizer)",
    .fields = FIELDS,
    .n_fields = N_OWN,
    .n_state = 2,
    .state_names = STATE,
    .nonneg_state = 1u << 1, // exp_avg_sq
    .measure_update = 1,
    .check = adamw_check,
    .apply = adamw_apply,
};
