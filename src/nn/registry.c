// nn/registry.c: the registry of layer types (one file each in src/nn/). Adding a layer
// type: its file, its enum value in layer.h, and its entry here.
#include <string.h>
#include "nn/layer.h"

const layer_type* const mm_layer_types[L_N_TYPES] = {
    &mm_layer_embed, &mm_layer_flatten, &mm_layer_linear, &mm_layer_batchnorm, &mm_layer_tanh, &mm_layer_add,
    &mm_layer_conv1d, &mm_layer_gate, &mm_layer_relu, &mm_layer_rnn, &mm_layer_gru, &mm_layer_lstm, &mm_layer_bow,
};

const char* mm_layer_type_name(int type) {
    return type >= 0 && type < L_N_TYPES ? mm_layer_types[type]->name : NULL;
}

layer mm_layer_make(int type, int in0, int in1) {
    layer l;
    memset(&l, 0, sizeof l);
    l.type = type;
    l.n_in = type >= 0 && type < L_N_TYPES ? mm_layer_types[type]->n_in : 1;
    l.in[0] = in0;
    l.in[1] = in1;
    l.pad_span = 1;
    for (int k = 0; k < MAX_OWN; k++) l.share[k] = -1;
    return l;
}

void mm_layer_declare(const layer* l, layer_decl* d) {
    memset(d, 0, sizeof *d);
    const layer_type* ty = mm_layer_types[l->type];
    if (ty->declare) ty->declare(l, d);
}
