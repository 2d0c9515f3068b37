// layer_embedding.c: Embedding(V, C): out (B, T, C) = weight[X], the lecture's randn init.
#include <string.h>
#include "nn/layer.h"

static int embed_shape(layer* l, const layer* in1, mm_err* err) {
    l->C_in = l->n;     // its weight is (vocabulary, n_embd); C_out (n_embd) is set when the layer is made
    l->T_out = l->T_in; // the tokens' length
    return MM_OK;
}
static void embed_place(layer* l, mm_layout* s) {
    l->w = (long)s->params;
    s->params += (int64_t)l->C_in * l->C_out; // C_in: the vocabulary size, for the weight (V, C)
}
static void embed_init(mm_model* m, int i, mm_rng* r) {
    const layer* l = &m->L[i];
    mm_model_add_tensor(m, i, "weight", 2, l->C_in, l->C_out, 0, l->w, 0, 0);
    float* w = m->params + l->w;
    for (long k = 0; k < (long)l->C_in * l->C_out; k++) w[k] = mm_rng_normal(r); // randn(V, n_embd)
}
static void embed_fwd(mm_model* m, const layer* l, const layer_io* io) {
    PROF_T0;
    const float* w = m->params + l->w;
    for (long k = 0; k < (long)io->B * l->T_out; k++)
        memcpy(io->out + k * l->C_out, w + (long)io->X[k] * l->C_out, sizeof(float) * (size_t)l->C_out);
    PROF(MM_PROF_FWD_EMBED);
}
static void embed_bwd(mm_model* m, const layer* l, const layer_io* io) { // dweight[X[k]] += dout[k]
    PROF_T0;
    float* dw = m->grads + l->w;
    memset(dw, 0, sizeof(float) * (size_t)l->C_in * l->C_out);
    for (long k = 0; k < (long)io->B * l->T_out; k++) {
        float* d = dw + (long)io->X[k] * l->C_out;
        const float* g = io->dout + k * l->C_out;
        for (int c = 0; c < l->C_out; c++) d[c] += g[c];
    }
    PROF(MM_PROF_BWD_EMBED);
}
const layer_type mm_layer_embed = {.name = "Embedding", .n_in = 1, .reads_tokens = 1, .shape = embed_shape, .place = embed_place,
                                   .init = embed_init, .forward = embed_fwd, .backward = embed_bwd};
