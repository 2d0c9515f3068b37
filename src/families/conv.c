// families/conv.c: the lecture's hierarchical model as dilated causal convolutions
// over whole words: Conv1d(k, dilation k^level) (no bias) in the place of each
// FlattenConsecutive(k) + Linear, then BatchNorm1d and Tanh, then the Linear to the
// vocabulary; the same parameters under the lecture's names, so a wavenet76k file
// loads as this family and back. Its layers run on rows, one per position of the
// batch's words (model/rows.c), and it trains on batches of whole words.
#include <stdio.h>
#include "families/family.h"

static int check(const mm_config* c, mm_err* err) {
    if (c->n_consec < 2 || c->n_consec > c->block_size)
        return mm_fail(err, MM_EINVAL, "the conv family needs a kernel size (the group size) of 2..block size (%d), not %d",
                       c->block_size, c->n_consec);
    int t = c->block_size;
    while (t % c->n_consec == 0) t /= c->n_consec;
    if (t != 1)
        return mm_fail(err, MM_EINVAL, "a conv model needs the block size (%d) to be a power of the group size (%d): its dilations "
                       "1, k, k^2, ... cover a power of k", c->block_size, c->n_consec);
    return MM_OK;
}

// a name as the lecture's layer it stands for ("layers.<n>": the conv form keeps the lecture's indices)
static void lecture_name(layer* l, int index) { snprintf(l->name, sizeof l->name, "layers.%d", index); }

static int build(mm_builder* b, const mm_config* c, mm_err* err) {
    layer e = mm_layer_make(L_EMBED, IN_TOKENS, 0);
    e.n = c->vocab_size;
    e.C_out = c->n_embd;
    int k = c->n_consec, at = mm_build_add(b, e), level = 0;
    for (int d = 1; d < c->block_size; d *= k, level++) {
        // the lecture's layers: 0 Embedding, then per level Flatten, Linear, BatchNorm1d, Tanh (indices 4 level + 1..4)
        layer l = mm_layer_make(L_CONV1D, at, 0);
        l.n = k;
        l.dilation = d;
        l.C_out = c->n_hidden;
        lecture_name(&l, 4 * level + 2);
        at = mm_build_add(b, l);
        l = mm_layer_make(L_BATCHNORM, at, 0);
        lecture_name(&l, 4 * level + 3);
        at = mm_build_add(b, l);
        l = mm_layer_make(L_TANH, at, 0);
        lecture_name(&l, 4 * level + 4);
        at = mm_build_add(b, l);
    }
    layer o = mm_layer_make(L_LINEAR, at, 0);
    o.C_out = c->vocab_size;
    o.has_bias = 1;
    o.init_gain = 0.1f;
    lecture_name(&o, 4 * level + 1);
    mm_build_add(b, o);
    return MM_OK;
}

static const mm_preset_def PRESETS[] = {
    {"wavenet76k-conv", "form conv block_size 8 n_embd 24 n_hidden 128 n_consec 2 split_shuffles 2 batch_size 256 steps 25000 decay_step 18750",
     "wavenet76k as dilated causal convolutions over whole words, batches of 256 examples"},
};

const mm_family mm_family_conv = {
    .name = "conv",
    .label = "the hierarchical model as dilated convolutions",
    .doc = "wavenet76k's tree as dilated causal Conv1d over every position of whole words: each node computed once",
    .uses = USES_BLOCK | USES_EMBD | USES_HIDDEN | USES_CONSEC,
    .sequence = 1,
    .check = check,
    .build = build,
    .presets = PRESETS,
    .n_presets = 1,
};
