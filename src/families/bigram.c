// families/bigram.c: makemore.py's Bigram: one (V, V) table of logits, row x the
// logits of the character after x: logits = self.logits[idx], zeros at the start,
// trained with AdamW. In the lecture's frame a context of one character (block
// size 1); its one tensor is named "logits", as makemore.py's nn.Parameter, so its
// model file loads into makemore.py's Bigram with load_state_dict(strict=True).
#include <stdio.h>
#include "families/family.h"

static int check(const mm_config* c, mm_err* err) {
    if (c->block_size != 1)
        return mm_fail(err, MM_EINVAL, "the bigram model reads one character: its block size must be 1, not %d", c->block_size);
    return MM_OK;
}

static int build(mm_builder* b, const mm_config* c, mm_err* err) {
    layer t = mm_layer_make(L_EMBED, IN_TOKENS, 0);
    t.n = c->vocab_size;
    t.C_out = c->vocab_size;
    t.init_zeros = 1; // torch.zeros((n, n))
    t.bare = 1;
    snprintf(t.name, sizeof t.name, "logits");
    mm_build_add(b, t);
    return MM_OK;
}

static const mm_preset_def PRESETS[] = {
    // makemore.py's training: AdamW(lr 5e-4, betas (0.9, 0.99), eps 1e-8, weight_decay 0.01), batch 32, no schedule
    {"bigram", "form bigram block_size 1 split_shuffles 1 optimizer adamw lr 0.0005 lr_decayed 0.0005 weight_decay 0.01 "
               "steps 20000 decay_step 20000",
     "makemore.py's Bigram: a table of 27 x 27 logits (729 parameters), AdamW"},
};

const mm_family mm_family_bigram = {
    .name = "bigram",
    .label = "bigram (makemore.py)",
    .doc = "the next character's logits looked up from the last one: one (V, V) table",
    .uses = USES_BLOCK,
    .check = check,
    .build = build,
    .presets = PRESETS,
    .n_presets = 1,
};
