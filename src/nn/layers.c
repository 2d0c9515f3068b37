// nn/layers.c: what several layer types share: the same-shape rule, a weight and bias, a bias's gradient.
#include "nn/layer.h"

int mm_shape_same(layer* l, const layer* const* in, mm_err* err) {
    l->T_out = l->T_in;
    l->C_out = l->C_in;
    return MM_OK;
}

void mm_declare_weight(const layer* l, layer_decl* d, int64_t fan_in) {
    d->param[0] = (tensor_decl){"weight", 2, {(int)fan_in, l->C_out, 0}, fan_in * l->C_out, INIT_FAN_IN, fan_in, 0};
    d->n_params = 1;
    if (l->has_bias) d->param[d->n_params++] = (tensor_decl){"bias", 1, {l->C_out, 0, 0}, l->C_out, INIT_ZEROS, 0, 0};
}

void mm_bias_grad_add(float* db, const float* dy, long rows, int C) {
    for (long r = 0; r < rows; r++)
        for (int c = 0; c < C; c++) db[c] += dy[r * C + c];
}
