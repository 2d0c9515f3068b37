// nn/tanh.c: Tanh.
#include "nn/layer.h"

static void tanh_fwd(const layer* l, const layer_run* r) {
    op_tanh_fwd(r->eng, r->out, r->in[0], r->rows * l->T_out * l->C_out);
}
static void tanh_bwd(const layer* l, const layer_run* r) { // din = (1 - out^2) * dout
    op_tanh_bwd(r->eng, r->din[0], r->out, r->dout, r->rows * l->T_out * l->C_out);
}
const layer_type mm_layer_tanh = {.name = "Tanh", .row_local = 1, .n_in = 1, .shape = mm_shape_same, .forward = tanh_fwd, .backward = tanh_bwd};
