// nn/layers.c: what several layer types share: the same-shape rule, a weight and bias, a bias's gradient, a Conv1d's taps' gradient.
#include <string.h>
#include "nn/layer.h"

int mm_shape_same(layer* l, const layer* const* in, mm_err* err) {
    l->T_out = l->T_in;
    l->C_out = l->C_in;
    return MM_OK;
}

void mm_declare_weight(const layer* l, layer_decl* d, int64_t fan_in) {
    d->param[0] = (tensor_decl){"weight", 2, {(int)fan_in, l->C_out, 0}, fan_in * l->C_out, INIT_FAN_IN, fan_in, 0, 0};
    d->n_params = 1;
    if (l->has_bias) d->param[d->n_params++] = (tensor_decl){"bias", 1, {l->C_out, 0, 0}, l->C_out, INIT_ZEROS, 0, 0, 0};
}

void mm_bias_add(float* y, const float* b, long rows, int C) {
    for (long r = 0; r < rows; r++)
        for (int c = 0; c < C; c++) y[r * C + c] += b[c];
}

void mm_bias_grad_add(float* db, const float* dy, long rows, int C) {
    for (long r = 0; r < rows; r++)
        for (int c = 0; c < C; c++) db[c] += dy[r * C + c];
}

void mm_conv_taps_back(const layer* l, const int* pos, const float* dtaps, long rows, float* dx, long dx_rows) {
    int C = l->C_in;
    long K = (long)l->n * C;
    memset(dx, 0, sizeof(float) * (size_t)dx_rows * (size_t)C);
    for (long i = 0; i < rows; i++)
        for (int j = 0; j < l->n; j++) {
            float* d = dx + mm_conv_tap_row(l, pos, i, j) * C;
            const float* s = dtaps + i * K + (long)j * C;
            for (int c = 0; c < C; c++) d[c] += s[c];
        }
}
