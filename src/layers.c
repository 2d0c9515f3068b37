// layers.c: the registry of layer types (one file each: src/layer_*.c) and
// what several of them share.
#include "layers.h"

const layer_type* const mm_layer_types[L_N_TYPES] = {
    &mm_layer_embed, &mm_layer_flatten, &mm_layer_linear, &mm_layer_batchnorm, &mm_layer_tanh, &mm_layer_add,
    &mm_layer_conv1d, &mm_layer_gate, &mm_layer_relu,
};

void mm_bias_grad(float* db, const float* dy, long rows, int C) {
    for (int c = 0; c < C; c++) db[c] = 0.0f;
    for (long r = 0; r < rows; r++)
        for (int c = 0; c < C; c++) db[c] += dy[r * C + c];
}

int mm_layer_same_shape(layer* l, const layer* in1, mm_err* err) {
    l->T_out = l->T_in;
    l->C_out = l->C_in;
    return MM_OK;
}
