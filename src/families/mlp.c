// families/mlp.c: makemore.py's MLP (Bengio et al. 2003) as makemore.py trains it:
// each position reads the block_size tokens before it, the last first, back to the
// start token and then a blank token (its embedding table has vocab_size + 1 rows),
// concatenated, then Linear, Tanh, Linear to the vocabulary (nn.Linear's layout and
// initialisation). Tensors named as makemore.py's (`wte.weight`, `mlp.0.*`,
// `mlp.2.*`), so its files load into makemore.py's MLP with load_state_dict. It
// trains on batches of whole words (batch_size counts words; model/rows.c is not
// needed: each position is one example).
#include <stdio.h>
#include "families/family.h"

static int check(const mm_config* c, mm_err* err) {
    if (c->block_size < 2)
        return mm_fail(err, MM_EINVAL, "makemore.py's MLP reads whole words: block_size must be at least 2, not %d", c->block_size);
    return MM_OK;
}

// A torch Linear (with bias) after layer `in`, named `name`.
static int torch_linear(mm_builder* b, int in, int width, const char* name) {
    layer l = mm_layer_make(L_LINEAR, in, 0);
    l.C_out = width;
    l.has_bias = 1;
    l.torch = 1;
    snprintf(l.name, sizeof l.name, "%s", name);
    return mm_build_add(b, l);
}

static int build(mm_builder* b, const mm_config* c, mm_err* err) {
    layer e = mm_layer_make(L_EMBED, IN_TOKENS, 0);
    e.n = c->vocab_size + 1; // and the blank token
    e.C_out = c->n_embd;
    e.embed = EMBED_MLP_CONTEXT;
    snprintf(e.name, sizeof e.name, "wte");
    layer f = mm_layer_make(L_FLATTEN, mm_build_add(b, e), 0);
    f.n = c->block_size;
    int at = torch_linear(b, mm_build_add(b, f), c->n_hidden, "mlp.0");
    at = mm_build_add(b, mm_layer_make(L_TANH, at, 0));
    torch_linear(b, at, c->vocab_size, "mlp.2");
    return MM_OK;
}

// makemore.py's training: AdamW(lr 5e-4, betas (0.9, 0.99), eps 1e-8, weight_decay 0.01), batch 32 words, no schedule
#define MAKEMORE_TRAINING "optimizer adamw lr 0.0005 lr_decayed 0.0005 weight_decay 0.01 steps 10000 decay_step 10000 batch_size 32"

static const mm_preset_def PRESETS[] = {
    {"mlp", "form mlp block_size 16 n_embd 64 n_hidden 64 split_shuffles 2 " MAKEMORE_TRAINING,
     "makemore.py's MLP: 16 characters back, n_embd 64, n_embd2 64 (69,147 parameters on names.txt), AdamW"},
};

const mm_family mm_family_mlp = {
    .name = "mlp",
    .label = "MLP (makemore.py)",
    .doc = "makemore.py's MLP: the previous block_size characters' embeddings (a blank before the word), Linear, Tanh, Linear",
    .uses = USES_BLOCK | USES_EMBD | USES_HIDDEN,
    .words = 1,
    .check = check,
    .build = build,
    .presets = PRESETS,
    .n_presets = 1,
};
