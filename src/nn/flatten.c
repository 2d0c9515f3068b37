// nn/flatten.c: FlattenConsecutive(n): (T, C) -> (T/n, C*n), a view of its input.
#include "nn/layer.h"

static int flatten_shape(layer* l, const layer* const* in, mm_err* err) {
    if (l->n < 1 || l->T_in % l->n != 0)
        return mm_fail(err, MM_EINVAL, "FlattenConsecutive(%d) needs a length divisible by %d, not %d", l->n, l->n, l->T_in);
    l->T_out = l->T_in / l->n;
    l->C_out = l->C_in * l->n;
    return MM_OK;
}
const layer_type mm_layer_flatten = {.name = "FlattenConsecutive", .n_in = 1, .is_view = 1, .shape = flatten_shape};
