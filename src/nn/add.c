// nn/add.c: Add: out = in0 + in1, a residual (skip) connection.
#include <string.h>
#include "nn/layer.h"

static int add_shape(layer* l, const layer* const* in, mm_err* err) {
    const layer* b = in[1];
    if (!b || b->T_out != l->T_in || b->C_out != l->C_in)
        return mm_fail(err, MM_EINVAL, "Add needs two inputs of one shape, not (%d, %d) and (%d, %d)", l->T_in, l->C_in,
                       b ? b->T_out : 0, b ? b->C_out : 0);
    return mm_shape_same(l, in, err);
}
static void add_fwd(const layer* l, const layer_run* r) {
    long n = r->rows * l->T_out * l->C_out;
    const float* a = r->in[0]; const float* b = r->in[1];
    for (long k = 0; k < n; k++) r->out[k] = a[k] + b[k];
}
static void add_bwd(const layer* l, const layer_run* r) {
    size_t bytes = sizeof(float) * (size_t)(r->rows * l->T_out * l->C_out);
    for (int k = 0; k < 2; k++) if (r->din[k]) memcpy(r->din[k], r->dout, bytes);
}
const layer_type mm_layer_add = {.name = "Add", .row_local = 1, .n_in = 2, .shape = add_shape, .forward = add_fwd, .backward = add_bwd};
