// nn/embedding.c: Embedding(V, C): out (B, T, C) = weight[X], the lecture's randn init
// (torch's nn.Embedding's too). What it looks up (layer.embed): the tokens; makemore.py's
// MLP's context, the last token first (its table has a blank token, V - 1, for the
// positions before a word's start); or a sequence family's rows' positions (wpe).
#include <string.h>
#include "nn/layer.h"

static int embed_shape(layer* l, const layer* const* in, mm_err* err) {
    if (l->n < 1 || l->C_out < 1) return mm_fail(err, MM_EINVAL, "Embedding needs a vocabulary and a width of at least 1");
    l->C_in = l->n;     // its weight is (vocabulary, C_out)
    l->T_out = l->T_in; // the tokens' length
    return MM_OK;
}
static void embed_declare(const layer* l, layer_decl* d) {
    d->param[0] = (tensor_decl){"weight", 2, {l->n, l->C_out, 0}, (int64_t)l->n * l->C_out, INIT_NORMAL, 0, 0, 0}; // randn(V, C)
    d->n_params = 1;
}
// The table row of value k (of rows * T): its token, its context's k-th from the end back to the
// start token (then the blank), or its row's position + 1. Every value is in 0..n-1.
static long row_of(const layer* l, const layer_run* r, long k) {
    if (l->embed == EMBED_POSITIONS) { int p = r->pos[k] + 1; return p < l->n ? p : l->n - 1; }
    if (l->embed == EMBED_TOKENS) return r->tok[k];
    int T = l->T_in;
    return mm_mlp_context_token(r->tok + (k / T) * T, T, (int)(k % T), l->n - 1);
}
static void embed_fwd(const layer* l, const layer_run* r) {
    const float* w = r->p[0];
    for (long k = 0; k < r->rows * l->T_out; k++)
        memcpy(r->out + k * l->C_out, w + row_of(l, r, k) * l->C_out, sizeof(float) * (size_t)l->C_out);
}
static void embed_bwd(const layer* l, const layer_run* r) { // dweight[X[k]] += dout[k]
    float* dw = r->g[0];
    for (long k = 0; k < r->rows * l->T_out; k++) {
        float* d = dw + row_of(l, r, k) * l->C_out;
        const float* g = r->dout + k * l->C_out;
        for (int c = 0; c < l->C_out; c++) d[c] += g[c];
    }
}
const layer_type mm_layer_embed = {.name = "Embedding", .row_local = 1, .n_in = 1, .reads_tokens = 1, .shape = embed_shape, .declare = embed_declare,
                                   .forward = embed_fwd, .backward = embed_bwd};
