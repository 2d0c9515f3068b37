// model/layer_list.c: the model's layers as the lecture prints them (makemore.h,
// mm_layer_info): kind, tensor prefix, inputs, output shape for a batch,
// parameters, and the kernel, dilation or factor that shape its receptive field.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/model.h"

// The output's dimensions as PyTorch has them: the Embedding's (B, T, C);
// FlattenConsecutive's (B, T/n, C*n), squeezed to (B, C*n) when T/n is 1; the
// others keep their first input's (Linear, BatchNorm1d, Tanh work on the last).
static int out_ndim(const mm_model* m, int i) {
    while (i >= 0) {
        const layer* l = &m->L[i];
        if (l->type == L_EMBED) return 3;
        if (l->type == L_FLATTEN) return l->T_out == 1 ? 2 : 3;
        i = l->in[0];
    }
    return 2;
}

// The parameters it owns (its type's declarations; a shared one is its owner's).
static long layer_params(const layer* l) {
    layer_decl d;
    mm_layer_declare(l, &d);
    long n = 0;
    for (int k = 0; k < d.n_params; k++) if (l->share[k] < 0) n += d.param[k].size;
    return n;
}

int mm_model_num_layers(const mm_model* m) { return m ? m->n_layers : 0; }

int mm_model_layer(const mm_model* m, int i, int B, mm_layer_info* out, mm_err* err) {
    if (!m || !out) return mm_fail(err, MM_EINVAL, "mm_model_layer: missing model or output");
    if (i < 0 || i >= m->n_layers)
        return mm_fail(err, MM_EINVAL, "layer index %d is outside 0..%d (the model has %d layers)", i, m->n_layers - 1, m->n_layers);
    if (B < 1 || B > MM_MAX_BATCH) return mm_fail(err, MM_EINVAL, "batch size %d is outside 1..%d", B, MM_MAX_BATCH);
    const layer* l = &m->L[i];
    const layer_type* ty = mm_layer_types[l->type];
    memset(out, 0, sizeof *out);
    out->index = i;
    out->kind = ty->name;
    if (l->name[0]) snprintf(out->prefix, sizeof out->prefix, "%s", l->name);
    else snprintf(out->prefix, sizeof out->prefix, "layers.%d", i);
    out->n_in = ty->n_in;
    for (int k = 0; k < ty->n_in && k < 4; k++) out->in[k] = l->in[k] == IN_TOKENS ? MM_LAYER_TOKENS : l->in[k];
    out->per_position = m->seq;
    out->shape[0] = B;
    if (m->seq) { // every position of each context: (B, block_size, C)
        out->ndim = 3;
        out->shape[1] = m->cfg.block_size;
        out->shape[2] = l->C_out;
    } else if ((out->ndim = out_ndim(m, i)) == 3) {
        out->shape[1] = l->T_out;
        out->shape[2] = l->C_out;
    } else {
        out->shape[1] = l->C_out;
    }
    out->n_params = layer_params(l);
    if (l->type == L_CONV1D) { out->kernel = l->n; out->dilation = l->dilation; }
    if (l->type == L_FLATTEN) out->factor = l->n;
    return MM_OK;
}

int mm_config_layers(const mm_config* cfg, int B, mm_layer_info* out, int cap, int* n_layers, mm_err* err) {
    if (!cfg || !n_layers || cap < 0 || (cap > 0 && !out)) return mm_fail(err, MM_EINVAL, "mm_config_layers: bad arguments");
    if (B < 1 || B > MM_MAX_BATCH) return mm_fail(err, MM_EINVAL, "batch size %d is outside 1..%d", B, MM_MAX_BATCH);
    mm_model* m = calloc(1, sizeof *m); // a scratch model, planned as mm_config_check plans it
    if (!m) return mm_fail(err, MM_ENOMEM, "out of memory");
    int rc = mm_model_plan_config(m, cfg, 1, err);
    if (!rc) {
        *n_layers = m->n_layers;
        for (int i = 0; i < m->n_layers && i < cap && !rc; i++) rc = mm_model_layer(m, i, B, &out[i], err);
    }
    free(m);
    return rc;
}
