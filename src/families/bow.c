// families/bow.c: makemore.py's BoW: token and position embeddings (wte, wpe), one
// block of a causal bag of words (each position the average of the embeddings up to
// it) and an MLP (c_fc, Tanh, c_proj), both residual, then lm_head. Its layers run on
// rows, one per position of the batch's words (model/rows.c); batch_size counts words.
// Tensors named as makemore.py's, so its files load into makemore.py's BoW.
#include <stdio.h>
#include "families/family.h"

static int check(const mm_config* c, mm_err* err) {
    if (c->block_size < 2)
        return mm_fail(err, MM_EINVAL, "makemore.py's BoW reads whole words: block_size must be at least 2, not %d", c->block_size);
    return MM_OK;
}

static int named(mm_builder* b, layer l, const char* name) {
    snprintf(l.name, sizeof l.name, "%s", name);
    return mm_build_add(b, l);
}
static int torch_linear(mm_builder* b, int in, int width, const char* name) {
    layer l = mm_layer_make(L_LINEAR, in, 0);
    l.C_out = width;
    l.has_bias = 1;
    l.torch = 1;
    return named(b, l, name);
}

static int build(mm_builder* b, const mm_config* c, mm_err* err) {
    layer e = mm_layer_make(L_EMBED, IN_TOKENS, 0);
    e.n = c->vocab_size;
    e.C_out = c->n_embd;
    int tok = named(b, e, "wte");
    e.n = c->block_size;
    e.embed = EMBED_POSITIONS;
    int x = mm_build_add(b, mm_layer_make(L_ADD, tok, named(b, e, "wpe")));
    layer bow = mm_layer_make(L_BOW, x, 0);
    bow.n = c->block_size;
    x = mm_build_add(b, mm_layer_make(L_ADD, x, named(b, bow, "context_block.cbow")));
    int h = torch_linear(b, x, c->n_hidden, "context_block.mlp.c_fc");
    h = torch_linear(b, mm_build_add(b, mm_layer_make(L_TANH, h, 0)), c->n_embd, "context_block.mlp.c_proj");
    x = mm_build_add(b, mm_layer_make(L_ADD, x, h));
    torch_linear(b, x, c->vocab_size, "lm_head");
    return MM_OK;
}

static const mm_preset_def PRESETS[] = {
    {"bow", "form bow block_size 16 n_embd 64 n_hidden 64 split_shuffles 2 optimizer adamw lr 0.0005 lr_decayed 0.0005 "
            "weight_decay 0.01 steps 10000 decay_step 10000 batch_size 32",
     "makemore.py's BoW: a causal bag of words and an MLP block, n_embd 64, n_embd2 64 (12,827 parameters on names.txt), AdamW"},
};

const mm_family mm_family_bow = {
    .name = "bow",
    .label = "bag of words (makemore.py)",
    .doc = "makemore.py's BoW: each position averages the embeddings before it, then an MLP block, both residual",
    .uses = USES_BLOCK | USES_EMBD | USES_HIDDEN,
    .sequence = 1,
    .words = 1,
    .check = check,
    .build = build,
    .presets = PRESETS,
    .n_presets = 1,
};
