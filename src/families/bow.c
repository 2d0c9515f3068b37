// families/bow.c: makemore.py's BoW: token and position embeddings (wte, wpe), one
// block of a causal bag of words (each position the average of the embeddings up to
// it) and an MLP (c_fc, Tanh, c_proj), both residual, then lm_head. Its layers run on
// rows, one per position of the batch's words (model/rows.c); batch_size counts words.
// Tensors named as makemore.py's, so its files load into makemore.py's BoW.
#include "families/family.h"

static int check(const mm_config* c, mm_err* err) { return mm_check_whole_words(c, "makemore.py's BoW", err); }

static int build(mm_builder* b, const mm_config* c, mm_err* err) {
    layer e = mm_layer_make(L_EMBED, IN_TOKENS, 0);
    e.n = c->vocab_size;
    e.C_out = c->n_embd;
    int tok = mm_build_named(b, e, "wte");
    e.n = c->block_size;
    e.embed = EMBED_POSITIONS;
    int x = mm_build_add(b, mm_layer_make(L_ADD, tok, mm_build_named(b, e, "wpe")));
    layer bow = mm_layer_make(L_BOW, x, 0);
    bow.n = c->block_size;
    x = mm_build_add(b, mm_layer_make(L_ADD, x, mm_build_named(b, bow, "context_block.cbow")));
    int h = mm_build_torch_linear(b, x, c->n_hidden, "context_block.mlp.c_fc");
    h = mm_build_torch_linear(b, mm_build_add(b, mm_layer_make(L_TANH, h, 0)), c->n_embd, "context_block.mlp.c_proj");
    x = mm_build_add(b, mm_layer_make(L_ADD, x, h));
    mm_build_torch_linear(b, x, c->vocab_size, "lm_head");
    return MM_OK;
}

static const mm_preset_def PRESETS[] = {
    {"bow", "form bow " MM_MAKEMORE_PRESET,
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
