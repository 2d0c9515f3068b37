// families/mlp.c: makemore.py's MLP (Bengio et al. 2003) as makemore.py trains it:
// each position reads the block_size tokens before it, the last first, back to the
// start token and then a blank token (its embedding table has vocab_size + 1 rows),
// concatenated, then Linear, Tanh, Linear to the vocabulary (nn.Linear's layout and
// initialisation). Tensors named as makemore.py's (`wte.weight`, `mlp.0.*`,
// `mlp.2.*`), so its files load into makemore.py's MLP with load_state_dict. It
// trains on batches of whole words (batch_size counts words; model/rows.c is not
// needed: each position is one example).
#include "families/family.h"

static int check(const mm_config* c, mm_err* err) { return mm_check_whole_words(c, "makemore.py's MLP", err); }

static int build(mm_builder* b, const mm_config* c, mm_err* err) {
    layer e = mm_layer_make(L_EMBED, IN_TOKENS, 0);
    e.n = c->vocab_size + 1; // and the blank token
    e.C_out = c->n_embd;
    e.embed = EMBED_MLP_CONTEXT;
    layer f = mm_layer_make(L_FLATTEN, mm_build_named(b, e, "wte"), 0);
    f.n = c->block_size;
    int at = mm_build_torch_linear(b, mm_build_add(b, f), c->n_hidden, "mlp.0");
    at = mm_build_add(b, mm_layer_make(L_TANH, at, 0));
    mm_build_torch_linear(b, at, c->vocab_size, "mlp.2");
    return MM_OK;
}

static const mm_preset_def PRESETS[] = {
    {"mlp", "form mlp " MM_MAKEMORE_PRESET,
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
