// config.c: the configuration's fields, their limits, and the lecture's presets.
#include <string.h>
#include "internal.h"
#include "makemore.h"

static const struct { const char* name; mm_config cfg; } PRESETS[] = {
    // vocab, block, embd, hidden, consec, flat layers, bn, shuffles
    {"mlp3", {0, 3, 10, 200, 0, 1, MM_BN_FIXED, 1}},
    {"mlp8", {0, 8, 10, 200, 0, 1, MM_BN_FIXED, 2}},
    {"wavenet22k-bnbug", {0, 8, 10, 68, 2, 1, MM_BN_PER_POSITION, 2}},
    {"wavenet22k", {0, 8, 10, 68, 2, 1, MM_BN_FIXED, 2}},
    {"wavenet76k", {0, 8, 24, 128, 2, 1, MM_BN_FIXED, 2}},
};
#define N_PRESETS (int)(sizeof PRESETS / sizeof PRESETS[0])

const char* mm_preset_name(int i) { return i >= 0 && i < N_PRESETS ? PRESETS[i].name : NULL; }

int mm_config_preset(mm_config* cfg, const char* name, mm_err* err) {
    for (int i = 0; i < N_PRESETS; i++)
        if (name && strcmp(name, PRESETS[i].name) == 0) { *cfg = PRESETS[i].cfg; return MM_OK; }
    return mm_fail(err, MM_EINVAL, "unknown preset '%s' (presets: mlp3, mlp8, wavenet22k-bnbug, wavenet22k, wavenet76k)",
                   name ? name : "(null)");
}

// Each field within its limits (the model's structural rules are checked when it is planned).
int mm_config_validate(const mm_config* c, mm_err* err) {
    if (c->vocab_size < 2 || c->vocab_size > MM_MAX_VOCAB)
        return mm_fail(err, MM_EINVAL, "vocabulary size %d is outside 2..%d", c->vocab_size, MM_MAX_VOCAB);
    if (c->block_size < 1 || c->block_size > MM_MAX_BLOCK)
        return mm_fail(err, MM_EINVAL, "block size %d is outside 1..%d", c->block_size, MM_MAX_BLOCK);
    if (c->n_embd < 1 || c->n_embd > MM_MAX_WIDTH)
        return mm_fail(err, MM_EINVAL, "embedding size %d is outside 1..%d", c->n_embd, MM_MAX_WIDTH);
    if (c->n_hidden < 1 || c->n_hidden > MM_MAX_WIDTH)
        return mm_fail(err, MM_EINVAL, "hidden size %d is outside 1..%d", c->n_hidden, MM_MAX_WIDTH);
    if (c->bn_mode != MM_BN_FIXED && c->bn_mode != MM_BN_PER_POSITION)
        return mm_fail(err, MM_EINVAL, "unknown BatchNorm mode %d", c->bn_mode);
    if (c->split_shuffles < 0 || c->split_shuffles > 100)
        return mm_fail(err, MM_EINVAL, "split shuffles %d is outside 0..100", c->split_shuffles);
    if (c->n_consec == 0 && (c->n_flat_layers < 1 || c->n_flat_layers > 16))
        return mm_fail(err, MM_EINVAL, "flat hidden layers %d is outside 1..16", c->n_flat_layers);
    return MM_OK;
}
