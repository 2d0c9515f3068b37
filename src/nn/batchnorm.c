// layer_batchnorm.c: the lecture's BatchNorm1d (unbiased batch variance, momentum 0.1, eps 1e-5).
#include <math.h>
#include <string.h>
#include "nn/layer.h"

#define BN_EPS 1e-5f
#define BN_MOMENTUM 0.1f

// Statistics over all B*T rows (the fix), or per position over B rows (stat_T = T:
// the lecture's pre-fix layer, with (1, T, C) running statistics).
//
// A sequence model's rows (model.c): the shared padding row 0 stands for
// n = pad_span * (words in the batch) positions, each counted in the statistics
// (so they are those of the convolutions run word by word); its gradient is the
// sum of theirs. The fast engine's shared nodes (shared.c) weigh every row: row_w.

// The weight of row 0, and the positions counted: rows - 1 + w0.
static long pad_weight(const layer* l, const layer_io* io) { return io->pos ? (long)l->pad_span * io->n_pad : 1; }

// A sequence model's statistics: the plain column statistics over the rows
// (mean, unbiased var) corrected for row 0 counted w0 times, in double.
static void weighted_stats(float* mean, float* var, const float* x, long R, int C, long w0) {
    double n = (double)(R - 1 + w0);
    for (int c = 0; c < C; c++) {
        double mu = mean[c], x0 = x[c];
        double mw = ((double)R * mu + (double)(w0 - 1) * x0) / n;
        double within = R > 1 ? (double)(R - 1) * var[c] : 0.0; // one row (a batch of padding only): no spread, not 0/0
        double ss = within + (double)R * (mu - mw) * (mu - mw) + (double)(w0 - 1) * (x0 - mw) * (x0 - mw);
        mean[c] = (float)mw;
        var[c] = (float)(ss / (n - 1.0));
    }
}

// Its backward: dgamma, dbeta (zeroed by the caller) are the column sums S2, S1
// over the rows; dx = gamma * invstd * (dy - S1/n - xhat * S2/(n-1)) per position,
// summed over row 0's w0 positions.
// Shared nodes (row_w, n_nodes: see shared.c): row r counts row_w[r] times, n_nodes in all.
static void weighted_bwd(float* dx, float* dgamma, float* dbeta, const float* dy, const float* xhat, long R, int C, const float* inv,
                         const float* gamma, long w0, const float* row_w, long n_nodes) {
    for (long r = 0; r < R; r++)
        for (int c = 0; c < C; c++) {
            dbeta[c] += dy[r * C + c];
            dgamma[c] += dy[r * C + c] * xhat[r * C + c];
        }
    float n = row_w ? (float)n_nodes : (float)(R - 1 + w0), invn = 1.0f / n, invn1 = 1.0f / (n - 1.0f);
    for (long r = 0; r < R; r++) {
        float w = row_w ? row_w[r] : r == 0 ? (float)w0 : 1.0f;
        for (int c = 0; c < C; c++) {
            long i = r * C + c;
            dx[i] = gamma[c] * inv[c] * (dy[i] - w * (dbeta[c] * invn + xhat[i] * (dgamma[c] * invn1)));
        }
    }
}

// Shared nodes' statistics: mean and unbiased var over n_nodes, row r counted row_w[r] times
// (in float, column sums in row order, as the plain kernels).
static void row_weighted_stats(float* restrict mean, float* restrict var, const float* restrict x, long R, int C,
                               const float* restrict row_w, long n_nodes) {
    float n = (float)n_nodes;
    for (int c = 0; c < C; c++) { mean[c] = 0.0f; var[c] = 0.0f; }
    for (long r = 0; r < R; r++)
        for (int c = 0; c < C; c++) mean[c] += row_w[r] * x[r * C + c];
    for (int c = 0; c < C; c++) mean[c] /= n;
    for (long r = 0; r < R; r++)
        for (int c = 0; c < C; c++) {
            float d = x[r * C + c] - mean[c];
            var[c] += row_w[r] * d * d;
        }
    for (int c = 0; c < C; c++) var[c] /= n - 1.0f;
}

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
    const float* gamma = m->params + l->w; const float* beta = m->params + l->b;
    const float* in = io->in[0];
    float* xhat = m->acts + l->xhat;
    if (io->training) {
        if (io->row_w) row_weighted_stats(mean, var, in, rows, C, io->row_w, io->n_nodes);
        else if (ST == 1) {
            op_colstats(e, mean, var, in, C, rows, C);
            if (io->pos) weighted_stats(mean, var, in, rows, C, pad_weight(l, io));
        } else for (int t = 0; t < T; t++) op_colstats(e, mean + t * C, var + t * C, in + t * C, T * C, B, C);
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
    const float* inv = m->scratch + l->binv; const float* gamma = m->params + l->w;
    const float* xhat = m->acts + l->xhat;
    for (int c = 0; c < C; c++) { dgamma[c] = 0.0f; dbeta[c] = 0.0f; }
    if (io->pos || io->row_w)
        weighted_bwd(io->din[0], dgamma, dbeta, io->dout, xhat, B, C, inv, gamma, pad_weight(l, io), io->row_w, io->n_nodes);
    else if (l->stat_T == 1) op_bn_bwd(e, io->din[0], dgamma, dbeta, io->dout, xhat, C, B * T, C, inv, gamma);
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
    mm_layer_same_shape(l, in1, err);
    l->stat_T = l->stat_T ? l->T_out : 1; // made with stat_T 1: per position
    return MM_OK;
}
const layer_type mm_layer_batchnorm = {.name = "BatchNorm1d", .n_in = 1, .shape = bn_shape, .place = bn_place, .init = bn_init,
                                       .forward = bn_fwd, .backward = bn_bwd, .after_step = bn_after_step};
