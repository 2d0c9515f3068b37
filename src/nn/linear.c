// layer_linear.c: Linear(C_in, C_out[, bias]): out = in @ W + b, W ~ randn / sqrt(fan_in).
#include "nn/layer.h"

static int linear_shape(layer* l, const layer* in1, mm_err* err) {
    l->T_out = l->T_in; // C_out is set when the layer is made
    return MM_OK;
}
static void linear_place(layer* l, mm_layout* s) { mm_place_weight(l, s, l->C_in); }
static void linear_init(mm_model* m, int i, mm_rng* r) { mm_init_weight(m, i, m->L[i].C_in, r); }
static void linear_fwd(mm_model* m, const layer* l, const layer_io* io) {
    PROF_T0;
    op_matmul_nn(&m->eng, io->out, io->in[0], m->params + l->w, l->has_bias ? m->params + l->b : NULL, io->B * l->T_out, l->C_in, l->C_out);
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
    op_matmul_nt(&m->eng, io->din[0], io->dout, m->params + l->w, repack, rows, l->C_out, l->C_in);
    PROF(MM_PROF_BWD_LINEAR_DX);
}
const layer_type mm_layer_linear = {.name = "Linear", .n_in = 1, .shape = linear_shape, .place = linear_place, .init = linear_init,
                                    .forward = linear_fwd, .backward = linear_bwd};
