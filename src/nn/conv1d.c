// layer_conv1d.c: Conv1d(C_in, C_out, kernel k, dilation d[, bias]), causal, over
// the rows of a sequence model (model.c's row plan): the output at position t
// reads the input at t-(k-1)d, ..., t-d, t. A position before the word's start is
// padding: the shared padding row 0. As a matmul: the k taps of each row are
// gathered into one row of k*C_in (tap j at t-(k-1-j)d, the earliest first, like
// FlattenConsecutive's concatenation), times the weight (k*C_in, C_out); so
// with k = 2 and dilations 1, 2, 4 the lecture's FlattenConsecutive(2) + Linear
// layers become these, with the same weights.
#include <string.h>
#include "nn/layer.h"

static int conv_shape(layer* l, const layer* in1, mm_err* err) {
    if (l->T_in != 1) return mm_fail(err, MM_EINVAL, "Conv1d runs on a sequence model's rows, not on (%d, %d) examples", l->T_in, l->C_in);
    if (l->n < 1 || l->dilation < 1 || l->C_out < 1)
        return mm_fail(err, MM_EINVAL, "Conv1d needs a kernel size, dilation and width of at least 1 (not %d, %d, %d)", l->n,
                       l->dilation, l->C_out);
    l->T_out = 1;
    return MM_OK;
}
static void conv_place(layer* l, mm_layout* s) {
    int64_t K = (int64_t)l->n * l->C_in;
    mm_place_weight(l, s, K);
    l->xhat = (long)s->acts; // the gathered taps (rows, k*C_in), and their gradient in dacts
    s->acts += K * s->max_batch;
}
static void conv_init(mm_model* m, int i, mm_rng* r) { mm_init_weight(m, i, (long)m->L[i].n * m->L[i].C_in, r); }
static void conv_fwd(mm_model* m, const layer* l, const layer_io* io) {
    PROF_T0;
    int C = l->C_in, k = l->n;
    long K = (long)k * C;
    float* g = m->acts + l->xhat;
    for (long r = 0; r < io->B; r++)
        for (int j = 0; j < k; j++)
            memcpy(g + r * K + (long)j * C, io->in[0] + mm_conv_tap_row(l, io->pos, r, j) * C, sizeof(float) * (size_t)C);
    PROF(MM_PROF_FWD_TAPS);
    op_matmul_nn(&m->eng, io->out, g, m->params + l->w, l->has_bias ? m->params + l->b : NULL, io->B, (int)K, l->C_out);
    PROF(MM_PROF_FWD_LINEAR);
}
static void conv_bwd(mm_model* m, const layer* l, const layer_io* io) {
    PROF_T0;
    int C = l->C_in, k = l->n, rows = io->B;
    long K = (long)k * C;
    const float* g = m->acts + l->xhat;
    op_matmul_tn(&m->eng, m->grads + l->w, g, io->dout, (int)K, rows, l->C_out); // dW = taps^T @ dout
    PROF(MM_PROF_BWD_LINEAR_DW);
    if (l->has_bias) {
        mm_bias_grad(m->grads + l->b, io->dout, rows, l->C_out);
        PROF(MM_PROF_BWD_BIAS);
    }
    if (!io->din[0]) return;
    float* dg = m->dacts + l->xhat;
    float* repack = m->scratch + (m->n_scratch - K * l->C_out);
    op_matmul_nt(&m->eng, dg, io->dout, m->params + l->w, repack, rows, l->C_out, (int)K); // dtaps = dout @ W^T
    PROF(MM_PROF_BWD_LINEAR_DX);
    // each tap's gradient back to the row it read, in row then tap order
    float* dx = io->din[0];
    memset(dx, 0, sizeof(float) * (size_t)rows * (size_t)C);
    for (long r = 0; r < rows; r++)
        for (int j = 0; j < k; j++) {
            float* d = dx + mm_conv_tap_row(l, io->pos, r, j) * C;
            const float* s = dg + r * K + (long)j * C;
            for (int c = 0; c < C; c++) d[c] += s[c];
        }
    PROF(MM_PROF_BWD_TAPS);
}
const layer_type mm_layer_conv1d = {.name = "Conv1d", .n_in = 1, .shape = conv_shape, .place = conv_place, .init = conv_init,
                                    .forward = conv_fwd, .backward = conv_bwd};
