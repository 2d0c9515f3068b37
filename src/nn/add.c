// layer_add.c: Add: out = in0 + in1, a residual (skip) connection.
#include <string.h>
#include "nn/layer.h"

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
const layer_type mm_layer_add = {.name = "Add", .n_in = 2, .shape = add_shape, .forward = add_fwd, .backward = add_bwd};
