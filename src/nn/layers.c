// layers.c: the registry of layer types (one file each: src/layer_*.c) and
// what several of them share.
#include <math.h>
#include "nn/layer.h"

const layer_type* const mm_layer_types[L_N_TYPES] = {
    &mm_layer_embed, &mm_layer_flatten, &mm_layer_linear, &mm_layer_batchnorm, &mm_layer_tanh, &mm_layer_add,
    &mm_layer_conv1d, &mm_layer_gate, &mm_layer_relu,
};

const char* mm_layer_type_name(int type) {
    return type >= 0 && type < L_N_TYPES ? mm_layer_types[type]->name : NULL;
}

void mm_place_weight(layer* l, mm_layout* s, int64_t fan_in) {
    int64_t w = fan_in * l->C_out;
    l->w = (long)s->params;
    s->params += w;
    if (w > s->max_weight) s->max_weight = w;
    if (l->has_bias) { l->b = (long)s->params; s->params += l->C_out; }
}

void mm_init_weight(mm_model* m, int i, long fan_in, mm_rng* r) {
    const layer* l = &m->L[i];
    mm_model_add_tensor(m, i, "weight", 2, (int)fan_in, l->C_out, 0, l->w, 0, 0);
    if (l->has_bias) mm_model_add_tensor(m, i, "bias", 1, l->C_out, 0, 0, l->b, 0, 0); // zeros
    float* w = m->params + l->w;
    float scale = (float)sqrt((double)fan_in);
    for (long k = 0; k < fan_in * l->C_out; k++) w[k] = mm_rng_normal(r) / scale; // randn / fan_in**0.5
}

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
