// layers.c: the layer types: the lecture's Embedding, FlattenConsecutive,
// Linear, BatchNorm1d and Tanh, and Add (a residual connection). Each is a
// shape rule, a layout, names and initialisation, a forward and a backward
// (see layers.h for the contract).
#include <math.h>
#include <string.h>
#include "layers.h"

#define BN_EPS 1e-5f
#define BN_MOMENTUM 0.1f

static float* P(mm_model* m, long off) { return m->params + off; }

void mm_bias_grad(float* db, const float* dy, long rows, int C) {
    for (int c = 0; c < C; c++) db[c] = 0.0f;
    for (long r = 0; r < rows; r++)
        for (int c = 0; c < C; c++) db[c] += dy[r * C + c];
}

// ---------------------------------------------------------------- Embedding: out (B, T, C) = weight[X]

static int embed_shape(layer* l, const layer* in1, mm_err* err) {
    l->T_out = l->T_in; // C_out (n_embd) is set when the layer is made
    return MM_OK;
}
static void embed_place(layer* l, mm_layout* s) {
    l->w = (long)s->params;
    s->params += (int64_t)l->C_in * l->C_out; // C_in: the vocabulary size, for the weight (V, C)
}
static void embed_init(mm_model* m, int i, mm_rng* r) {
    const layer* l = &m->L[i];
    mm_model_add_tensor(m, i, "weight", 2, l->C_in, l->C_out, 0, l->w, 0, 0);
    float* w = P(m, l->w);
    for (long k = 0; k < (long)l->C_in * l->C_out; k++) w[k] = mm_rng_normal(r); // randn(V, n_embd)
}
static void embed_fwd(mm_model* m, const layer* l, const layer_io* io) {
    PROF_T0;
    const float* w = P(m, l->w);
    for (long k = 0; k < (long)io->B * l->T_out; k++)
        memcpy(io->out + k * l->C_out, w + (long)io->X[k] * l->C_out, sizeof(float) * (size_t)l->C_out);
    PROF(MM_PROF_FWD_EMBED);
}
static void embed_bwd(mm_model* m, const layer* l, const layer_io* io) { // dweight[X[k]] += dout[k]
    PROF_T0;
    float* dw = m->grads + l->w;
    memset(dw, 0, sizeof(float) * (size_t)l->C_in * l->C_out);
    for (long k = 0; k < (long)io->B * l->T_out; k++) {
        float* d = dw + (long)io->X[k] * l->C_out;
        const float* g = io->dout + k * l->C_out;
        for (int c = 0; c < l->C_out; c++) d[c] += g[c];
    }
    PROF(MM_PROF_BWD_EMBED);
}
static const layer_type EMBED = {"Embedding", 1, 0, embed_shape, embed_place, embed_init, embed_fwd, embed_bwd, NULL};

// ---------------------------------------------------------------- FlattenConsecutive(n): (T, C) -> (T/n, C*n), a view

static int flatten_shape(layer* l, const layer* in1, mm_err* err) {
    if (l->n < 1 || l->T_in % l->n != 0)
        return mm_fail(err, MM_EINVAL, "FlattenConsecutive(%d) needs a length divisible by %d, not %d", l->n, l->n, l->T_in);
    l->T_out = l->T_in / l->n;
    l->C_out = l->C_in * l->n;
    return MM_OK;
}
static void no_place(layer* l, mm_layout* s) {}
static void no_init(mm_model* m, int i, mm_rng* r) {}
static void no_pass(mm_model* m, const layer* l, const layer_io* io) {}
static const layer_type FLATTEN = {"FlattenConsecutive", 1, 1, flatten_shape, no_place, no_init, no_pass, no_pass, NULL};

// ---------------------------------------------------------------- Linear: out (rows, C_out) = in @ W (C_in, C_out) + b

static int same_length(layer* l, const layer* in1, mm_err* err) {
    l->T_out = l->T_in; // Linear: C_out set when made; BatchNorm1d, Tanh: C_out = C_in
    if (l->type != L_LINEAR) l->C_out = l->C_in;
    return MM_OK;
}
static void linear_place(layer* l, mm_layout* s) {
    int64_t w = (int64_t)l->C_in * l->C_out;
    l->w = (long)s->params;
    s->params += w;
    if (w > s->max_weight) s->max_weight = w;
    if (l->has_bias) { l->b = (long)s->params; s->params += l->C_out; }
}
static void linear_init(mm_model* m, int i, mm_rng* r) {
    const layer* l = &m->L[i];
    mm_model_add_tensor(m, i, "weight", 2, l->C_in, l->C_out, 0, l->w, 0, 0);
    if (l->has_bias) mm_model_add_tensor(m, i, "bias", 1, l->C_out, 0, 0, l->b, 0, 0); // zeros
    float* w = P(m, l->w);
    float scale = (float)sqrt((double)l->C_in);
    for (long k = 0; k < (long)l->C_in * l->C_out; k++) w[k] = mm_rng_normal(r) / scale; // randn / fan_in**0.5
}
static void linear_fwd(mm_model* m, const layer* l, const layer_io* io) {
    PROF_T0;
    op_matmul_nn(&m->eng, io->out, io->in[0], P(m, l->w), l->has_bias ? P(m, l->b) : NULL, io->B * l->T_out, l->C_in, l->C_out);
    PROF(MM_PROF_FWD_LINEAR);
}
static void linear_bwd(mm_model* m, const layer* l, const layer_io* io) {
    // dW (C_in, C_out) = in^T @ dout; db = column sums of dout; din = dout @ W^T
    PROF_T0;
    int rows = io->B * l->T_out;
    op_matmul_tn(&m->eng, m->grads + l->w, io->in[0], io->dout, l->C_in, rows, l->C_out);
    PROF(MM_PROF_BWD_LINEAR_DW);
    if (l->has_bias) {
        mm_bias_grad(m->grads + l->b, io->dout, rows, l->C_out);
        PROF(MM_PROF_BWD_BIAS);
    }
    if (!io->din[0]) return;
    float* repack = m->scratch + (m->n_scratch - (long)l->C_in * l->C_out);
    op_matmul_nt(&m->eng, io->din[0], io->dout, P(m, l->w), repack, rows, l->C_out, l->C_in);
    PROF(MM_PROF_BWD_LINEAR_DX);
}
static const layer_type LINEAR = {"Linear", 1, 0, same_length, linear_place, linear_init, linear_fwd, linear_bwd, NULL};

// ---------------------------------------------------------------- BatchNorm1d
// Statistics over all B*T rows (the fix), or per position over B rows (stat_T = T:
// the lecture's pre-fix layer, with (1, T, C) running statistics).

static void bn_place(layer* l, mm_layout* s) {
    int64_t nstat = (int64_t)l->stat_T * l->C_out;
    l->w = (long)s->params; s->params += l->C_out;
    l->b = (long)s->params; s->params += l->C_out;
    l->rm = (long)s->buffers; s->buffers += nstat;
    l->rv = (long)s->buffers; s->buffers += nstat;
    l->bmean = (long)s->scratch; s->scratch += nstat;
    l->bvar = (long)s->scratch; s->scratch += nstat;
    l->binv = (long)s->scratch; s->scratch += nstat;
    l->xhat = (long)s->acts; s->acts += (int64_t)l->T_out * l->C_out * s->max_batch;
}
static void bn_init(mm_model* m, int i, mm_rng* r) {
    const layer* l = &m->L[i];
    int ST = l->stat_T, C = l->C_out;
    mm_model_add_tensor(m, i, "gamma", 1, C, 0, 0, l->w, 0, 0);
    mm_model_add_tensor(m, i, "beta", 1, C, 0, 0, l->b, 0, 0);
    if (ST > 1) {
        mm_model_add_tensor(m, i, "running_mean", 3, 1, ST, C, l->rm, 1, 0);
        mm_model_add_tensor(m, i, "running_var", 3, 1, ST, C, l->rv, 1, 1);
    } else {
        mm_model_add_tensor(m, i, "running_mean", 1, C, 0, 0, l->rm, 1, 0);
        mm_model_add_tensor(m, i, "running_var", 1, C, 0, 0, l->rv, 1, 1);
    }
    for (int k = 0; k < C; k++) m->params[l->w + k] = 1.0f;                  // gamma ones
    for (long k = 0; k < (long)ST * C; k++) m->buffers[l->rv + k] = 1.0f;    // running_var ones
}
static void bn_fwd(mm_model* m, const layer* l, const layer_io* io) {
    PROF_T0;
    const mm_engine* e = &m->eng;
    int C = l->C_out, ST = l->stat_T, T = l->T_out, B = io->B, rows = B * T;
    float* mean = m->scratch + l->bmean; float* var = m->scratch + l->bvar; float* inv = m->scratch + l->binv;
    const float* gamma = P(m, l->w); const float* beta = P(m, l->b);
    const float* in = io->in[0];
    float* xhat = m->acts + l->xhat;
    if (io->training) {
        if (ST == 1) op_colstats(e, mean, var, in, C, rows, C);
        else for (int t = 0; t < T; t++) op_colstats(e, mean + t * C, var + t * C, in + t * C, T * C, B, C);
        for (long k = 0; k < (long)ST * C; k++) inv[k] = 1.0f / sqrtf(var[k] + BN_EPS);
    } else {
        const float* rv = m->buffers + l->rv;
        memcpy(mean, m->buffers + l->rm, sizeof(float) * (size_t)ST * C);
        for (long k = 0; k < (long)ST * C; k++) inv[k] = 1.0f / sqrtf(rv[k] + BN_EPS);
    }
    if (ST == 1) op_bn_fwd(e, io->out, xhat, in, C, rows, C, mean, inv, gamma, beta);
    else for (int t = 0; t < T; t++)
        op_bn_fwd(e, io->out + t * C, xhat + t * C, in + t * C, T * C, B, C, mean + t * C, inv + t * C, gamma, beta);
    PROF(MM_PROF_FWD_BN);
}
static void bn_bwd(mm_model* m, const layer* l, const layer_io* io) {
    PROF_T0;
    const mm_engine* e = &m->eng;
    int C = l->C_out, T = l->T_out, B = io->B;
    float* dgamma = m->grads + l->w; float* dbeta = m->grads + l->b;
    const float* inv = m->scratch + l->binv; const float* gamma = P(m, l->w);
    const float* xhat = m->acts + l->xhat;
    for (int c = 0; c < C; c++) { dgamma[c] = 0.0f; dbeta[c] = 0.0f; }
    if (l->stat_T == 1) op_bn_bwd(e, io->din[0], dgamma, dbeta, io->dout, xhat, C, B * T, C, inv, gamma);
    else for (int t = 0; t < T; t++)
        op_bn_bwd(e, io->din[0] + t * C, dgamma, dbeta, io->dout + t * C, xhat + t * C, T * C, B, C, inv + t * C, gamma);
    PROF(MM_PROF_BWD_BN);
}
// running statistics: (1 - momentum) * running + momentum * batch
static void bn_after_step(mm_model* m, const layer* l) {
    long ns = (long)l->stat_T * l->C_out;
    float* rm = m->buffers + l->rm; float* rv = m->buffers + l->rv;
    const float* bm = m->scratch + l->bmean; const float* bv = m->scratch + l->bvar;
    for (long k = 0; k < ns; k++) {
        rm[k] = (1.0f - BN_MOMENTUM) * rm[k] + BN_MOMENTUM * bm[k];
        rv[k] = (1.0f - BN_MOMENTUM) * rv[k] + BN_MOMENTUM * bv[k];
    }
}
static int bn_shape(layer* l, const layer* in1, mm_err* err) {
    same_length(l, in1, err);
    l->stat_T = l->stat_T ? l->T_out : 1; // made with stat_T 1: per position
    return MM_OK;
}
static const layer_type BATCHNORM = {"BatchNorm1d", 1, 0, bn_shape, bn_place, bn_init, bn_fwd, bn_bwd, bn_after_step};

// ---------------------------------------------------------------- Tanh

static void tanh_fwd(mm_model* m, const layer* l, const layer_io* io) {
    PROF_T0;
    op_tanh_fwd(&m->eng, io->out, io->in[0], (long)io->B * l->T_out * l->C_out);
    PROF(MM_PROF_FWD_TANH);
}
static void tanh_bwd(mm_model* m, const layer* l, const layer_io* io) {
    PROF_T0;
    op_tanh_bwd(&m->eng, io->din[0], io->out, io->dout, (long)io->B * l->T_out * l->C_out);
    PROF(MM_PROF_BWD_TANH);
}
static const layer_type TANH = {"Tanh", 1, 0, same_length, no_place, no_init, tanh_fwd, tanh_bwd, NULL};

// ---------------------------------------------------------------- Add: out = in0 + in1 (a residual connection)

static int add_shape(layer* l, const layer* in1, mm_err* err) {
    if (!in1 || in1->T_out != l->T_in || in1->C_out != l->C_in)
        return mm_fail(err, MM_EINVAL, "Add needs two inputs of one shape, not (%d, %d) and (%d, %d)", l->T_in, l->C_in,
                       in1 ? in1->T_out : 0, in1 ? in1->C_out : 0);
    l->T_out = l->T_in;
    l->C_out = l->C_in;
    return MM_OK;
}
static void add_fwd(mm_model* m, const layer* l, const layer_io* io) {
    long n = (long)io->B * l->T_out * l->C_out;
    const float* a = io->in[0]; const float* b = io->in[1];
    for (long k = 0; k < n; k++) io->out[k] = a[k] + b[k];
}
static void add_bwd(mm_model* m, const layer* l, const layer_io* io) {
    size_t bytes = sizeof(float) * (size_t)io->B * l->T_out * l->C_out;
    for (int k = 0; k < 2; k++) if (io->din[k]) memcpy(io->din[k], io->dout, bytes);
}
static const layer_type ADD = {"Add", 2, 0, add_shape, no_place, no_init, add_fwd, add_bwd, NULL};

const layer_type* const mm_layer_types[L_N_TYPES] = {&EMBED, &FLATTEN, &LINEAR, &BATCHNORM, &TANH, &ADD};
