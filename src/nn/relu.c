// layer_relu.c: ReLU, max(x, 0) (its gradient at 0 is 0, as torch's).
#include "nn/layer.h"

static void relu_fwd(mm_model* m, const layer* l, const layer_io* io) {
    long n = (long)io->B * l->T_out * l->C_out;
    for (long k = 0; k < n; k++) io->out[k] = io->in[0][k] > 0.0f ? io->in[0][k] : 0.0f;
}
static void relu_bwd(mm_model* m, const layer* l, const layer_io* io) {
    long n = (long)io->B * l->T_out * l->C_out;
    for (long k = 0; k < n; k++) io->din[0][k] = io->in[0][k] > 0.0f ? io->dout[k] : 0.0f;
}
const layer_type mm_layer_relu = {.name = "ReLU", .n_in = 1, .shape = mm_layer_same_shape, .forward = relu_fwd, .backward = relu_bwd};
