// nn/batchnorm.c: the lecture's BatchNorm1d (unbiased batch variance, momentum 0.1, eps 1e-5).
#include <math.h>
#include <string.h>
#include "nn/layer.h"

#define BN_EPS 1e-5f
#define BN_MOMENTUM 0.1f

// Statistics over all B*T rows (the fix), or per position over B rows (stat_T = T:
// the lecture's pre-fix layer, with (1, T, C) running statistics).
//
// A sequence family's rows (model/rows.c): the shared padding row 0 stands for
// n = pad_span * (words in the batch) positions, each counted in the statistics
// (so they are those of the convolutions run word by word); its gradient is the
// sum of theirs. The fast engine's distinct nodes (fast/distinct.c) weigh every row: row_w.

// The weight of row 0, and the positions counted: rows - 1 + w0.
static long pad_weight(const layer* l, const layer_run* r) { return r->pos ? (long)l->pad_span * r->n_pad : 1; }

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

// Its backward: S1, S2 (2C floats of workspace) are the column sums of dy and dy * xhat
// over the rows, added into dbeta, dgamma; dx = gamma * invstd * (dy - S1/n - xhat * S2/(n-1))
// per position, summed over row 0's w0 positions.
// Distinct nodes (row_w, n_nodes: see fast/distinct.c): row r counts row_w[r] times, n_nodes in all.
static void weighted_bwd(float* dx, float* dgamma, float* dbeta, const float* dy, const float* xhat, long R, int C, const float* inv,
                         const float* gamma, long w0, const float* row_w, long n_nodes, float* S) {
    float* S1 = S; float* S2 = S + C;
    for (int c = 0; c < C; c++) { S1[c] = 0.0f; S2[c] = 0.0f; }
    for (long r = 0; r < R; r++)
        for (int c = 0; c < C; c++) {
            S1[c] += dy[r * C + c];
            S2[c] += dy[r * C + c] * xhat[r * C + c];
        }
    for (int c = 0; c < C; c++) { dbeta[c] += S1[c]; dgamma[c] += S2[c]; }
    float n = row_w ? (float)n_nodes : (float)(R - 1 + w0), invn = 1.0f / n, invn1 = 1.0f / (n - 1.0f);
    for (long r = 0; r < R; r++) {
        float w = row_w ? row_w[r] : r == 0 ? (float)w0 : 1.0f;
        for (int c = 0; c < C; c++) {
            long i = r * C + c;
            dx[i] = gamma[c] * inv[c] * (dy[i] - w * (S1[c] * invn + xhat[i] * (S2[c] * invn1)));
        }
    }
}

// Distinct nodes' statistics: mean and unbiased var over n_nodes, row r counted row_w[r] times
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

// gamma (ones), beta; running mean, running var (ones); the normalised input xhat per row; the batch's
// mean, variance and inverse std (kept for backward and the running update)
static void bn_declare(const layer* l, layer_decl* d) {
    int ST = l->stat_T, C = l->C_out;
    int64_t ns = (int64_t)ST * C;
    d->param[0] = (tensor_decl){"gamma", 1, {C, 0, 0}, C, INIT_ONES, 0, 0, 0};
    d->param[1] = (tensor_decl){"beta", 1, {C, 0, 0}, C, INIT_ZEROS, 0, 0, 0};
    d->n_params = 2;
    if (ST > 1) {
        d->buffer[0] = (tensor_decl){"running_mean", 3, {1, ST, C}, ns, INIT_ZEROS, 0, 0, 0};
        d->buffer[1] = (tensor_decl){"running_var", 3, {1, ST, C}, ns, INIT_ONES, 0, 1, 0};
    } else {
        d->buffer[0] = (tensor_decl){"running_mean", 1, {C, 0, 0}, ns, INIT_ZEROS, 0, 0, 0};
        d->buffer[1] = (tensor_decl){"running_var", 1, {C, 0, 0}, ns, INIT_ONES, 0, 1, 0};
    }
    d->n_buffers = 2;
    d->aux_per_row[0] = (int64_t)l->T_out * C;
    d->n_aux = 1;
    d->stat_size[0] = d->stat_size[1] = d->stat_size[2] = ns;
    d->n_stats = 3;
    d->work = 2L * C;
}
static void bn_fwd(const layer* l, const layer_run* r) {
    const mm_engine* e = r->eng;
    int C = l->C_out, ST = l->stat_T, T = l->T_out, B = (int)r->rows, rows = B * T;
    float* mean = r->stat[0]; float* var = r->stat[1]; float* inv = r->stat[2];
    const float* gamma = r->p[0]; const float* beta = r->p[1];
    const float* in = r->in[0];
    float* xhat = r->aux[0];
    if (r->training) {
        if (r->row_w) row_weighted_stats(mean, var, in, rows, C, r->row_w, r->n_nodes);
        else if (ST == 1) {
            op_colstats(e, mean, var, in, C, rows, C);
            if (r->pos) weighted_stats(mean, var, in, rows, C, pad_weight(l, r));
        } else for (int t = 0; t < T; t++) op_colstats(e, mean + t * C, var + t * C, in + t * C, T * C, B, C);
        for (long k = 0; k < (long)ST * C; k++) inv[k] = 1.0f / sqrtf(var[k] + BN_EPS);
    } else {
        const float* rv = r->buf[1];
        memcpy(mean, r->buf[0], sizeof(float) * (size_t)ST * C);
        for (long k = 0; k < (long)ST * C; k++) inv[k] = 1.0f / sqrtf(rv[k] + BN_EPS);
    }
    if (ST == 1) op_bn_fwd(e, r->out, xhat, in, C, rows, C, mean, inv, gamma, beta);
    else for (int t = 0; t < T; t++)
        op_bn_fwd(e, r->out + t * C, xhat + t * C, in + t * C, T * C, B, C, mean + t * C, inv + t * C, gamma, beta);
}
// dgamma, dbeta += (the kernels add their column sums); din set
static void bn_bwd(const layer* l, const layer_run* r) {
    const mm_engine* e = r->eng;
    int C = l->C_out, T = l->T_out, B = (int)r->rows;
    float* dgamma = r->g[0]; float* dbeta = r->g[1];
    const float* inv = r->stat[2]; const float* gamma = r->p[0];
    const float* xhat = r->aux[0];
    if (r->pos || r->row_w)
        weighted_bwd(r->din[0], dgamma, dbeta, r->dout, xhat, B, C, inv, gamma, pad_weight(l, r), r->row_w, r->n_nodes, r->work);
    else if (l->stat_T == 1) op_bn_bwd(e, r->din[0], dgamma, dbeta, r->dout, xhat, C, B * T, C, inv, gamma);
    else for (int t = 0; t < T; t++)
        op_bn_bwd(e, r->din[0] + t * C, dgamma, dbeta, r->dout + t * C, xhat + t * C, T * C, B, C, inv + t * C, gamma);
}
// running statistics: (1 - momentum) * running + momentum * batch
static void bn_after_step(const layer* l, const layer_run* r) {
    long ns = (long)l->stat_T * l->C_out;
    float* rm = r->buf[0]; float* rv = r->buf[1];
    const float* bm = r->stat[0]; const float* bv = r->stat[1];
    for (long k = 0; k < ns; k++) {
        rm[k] = (1.0f - BN_MOMENTUM) * rm[k] + BN_MOMENTUM * bm[k];
        rv[k] = (1.0f - BN_MOMENTUM) * rv[k] + BN_MOMENTUM * bv[k];
    }
}
static int bn_shape(layer* l, const layer* const* in, mm_err* err) {
    mm_shape_same(l, in, err);
    l->stat_T = l->stat_T ? l->T_out : 1; // made with stat_T 1: per position
    return MM_OK;
}
const layer_type mm_layer_batchnorm = {.name = "BatchNorm1d", .n_in = 1, .shape = bn_shape, .declare = bn_declare,
                                       .forward = bn_fwd, .backward = bn_bwd, .after_step = bn_after_step};
