// nn/conv1d.c: Conv1d(C_in, C_out, kernel k, dilation d[, bias]), causal, over
// the rows of a sequence family (model/rows.c): the output at position t reads
// the input at t-(k-1)d, ..., t-d, t. A position before the word's start is
// padding: the shared padding row 0. As a matmul: the k taps of each row are
// gathered into one row of k*C_in (tap j at t-(k-1-j)d, the earliest first, like
// FlattenConsecutive's concatenation), times the weight (k*C_in, C_out); so
// with k = 2 and dilations 1, 2, 4 the lecture's FlattenConsecutive(2) + Linear
// layers become these, with the same weights.
#include <string.h>
#include "nn/layer.h"

static int conv_shape(layer* l, const layer* const* in, mm_err* err) {
    if (l->T_in != 1) return mm_fail(err, MM_EINVAL, "Conv1d runs on a sequence family's rows, not on (%d, %d) examples", l->T_in, l->C_in);
    if (l->n < 1 || l->dilation < 1 || l->C_out < 1)
        return mm_fail(err, MM_EINVAL, "Conv1d needs a kernel size, dilation and width of at least 1 (not %d, %d, %d)", l->n,
                       l->dilation, l->C_out);
    l->T_out = 1;
    return MM_OK;
}
static void conv_declare(const layer* l, layer_decl* d) {
    int64_t K = (int64_t)l->n * l->C_in;
    mm_declare_weight(l, d, K);
    d->aux_per_row[0] = K; // the gathered taps (rows, k*C_in), and their gradient
    d->n_aux = 1;
    d->work = K * l->C_out; // dtaps = dout @ W^T: W repacked
}
static void conv_fwd(const layer* l, const layer_run* r) {
    int C = l->C_in, k = l->n;
    long K = (long)k * C;
    float* g = r->aux[0];
    for (long i = 0; i < r->rows; i++)
        for (int j = 0; j < k; j++)
            memcpy(g + i * K + (long)j * C, r->in[0] + mm_conv_tap_row(l, r->pos, i, j) * C, sizeof(float) * (size_t)C);
    op_matmul_nn(r->eng, r->out, g, r->p[0], l->has_bias ? r->p[1] : NULL, (int)r->rows, (int)K, l->C_out);
}
static void conv_bwd(const layer* l, const layer_run* r) {
    int C = l->C_in, k = l->n, rows = (int)r->rows;
    long K = (long)k * C;
    op_matmul_tn_acc(r->eng, r->g[0], r->aux[0], r->dout, (int)K, rows, l->C_out); // dW += taps^T @ dout
    if (l->has_bias) mm_bias_grad_add(r->g[1], r->dout, rows, l->C_out);
    if (!r->din[0]) return;
    float* dg = r->daux[0];
    op_matmul_nt(r->eng, dg, r->dout, r->p[0], r->work, rows, l->C_out, (int)K); // dtaps = dout @ W^T
    mm_conv_taps_back(l, r->pos, dg, rows, r->din[0], rows);
}
const layer_type mm_layer_conv1d = {.name = "Conv1d", .n_in = 1, .shape = conv_shape, .declare = conv_declare,
                                    .forward = conv_fwd, .backward = conv_bwd};
