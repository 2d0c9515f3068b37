// nn/relu.c: ReLU, max(x, 0) (its gradient at 0 is 0, as torch's).
#include "nn/layer.h"

static void relu_fwd(const layer* l, const layer_run* r) {
    long n = r->rows * l->T_out * l->C_out;
    const float* x = r->in[0];
    for (long k = 0; k < n; k++) r->out[k] = x[k] > 0.0f ? x[k] : 0.0f;
}
static void relu_bwd(const layer* l, const layer_run* r) {
    long n = r->rows * l->T_out * l->C_out;
    const float* x = r->in[0];
    for (long k = 0; k < n; k++) r->din[0][k] = x[k] > 0.0f ? r->dout[k] : 0.0f;
}
const layer_type mm_layer_relu = {.name = "ReLU", .row_local = 1, .n_in = 1, .shape = mm_shape_same, .forward = relu_fwd, .backward = relu_bwd};
