// families/examples.c: the lecture's models ("makemore part 5"), one example at a
// time: Embedding, then FlattenConsecutive and hidden blocks (Linear without bias,
// BatchNorm1d, Tanh), then the Linear to the vocabulary, the last layer's weight
// scaled by 0.1 at initialisation. Flat (group size 0: one FlattenConsecutive of
// the whole context, then n_flat_layers blocks, optionally residual) or
// hierarchical (FlattenConsecutive(k) and a block until one position is left).
#include <stddef.h>
#include "families/family.h"

enum { FLAT_LAYERS, BN_MODE, RESIDUAL, N_OWN };
enum { BN_FIXED, BN_PER_POSITION };
static const char* const BN_MODES[] = {"fixed", "per-position", NULL};

static const mm_field FIELDS[] = {
    {"n_flat_layers", "nFlatLayers", "--flat-layers", "flat hidden layers", MM_GROUP_MODEL, MM_OWN_CELL(FLAT_LAYERS), MM_TYPE_INT, 0, 16,
     "1", MM_C_INT, 0, "hidden blocks (Linear, BatchNorm1d, Tanh) of the flat MLP, at least 1 (unused when hierarchical)", NULL,
     "examples", 6},
    {"bn_mode", "bnMode", "--bn", "BatchNorm mode", MM_GROUP_MODEL, MM_OWN_CELL(BN_MODE), MM_TYPE_ENUM, 0, 1, "fixed", MM_C_INT, 0,
     "BatchNorm statistics: fixed (over batch and positions, the lecture's fix) or per-position (before the fix)", BN_MODES,
     "examples", 8},
    {"residual", "residual", "--residual", "residual connections", MM_GROUP_MODEL, MM_OWN_CELL(RESIDUAL), MM_TYPE_INT, 0, 1, "0",
     MM_C_INT, MM_FIELD_OPTIONAL,
     "1: each hidden block of a flat MLP after the first adds its input to its output, h + tanh(bn(linear(h)))", NULL, "examples", 9},
};

static int check(const mm_config* c, mm_err* err) {
    if (c->n_consec == 0 && OWN_I(c, FLAT_LAYERS) < 1)
        return mm_fail(err, MM_EINVAL, "flat hidden layers %d is outside 1..16 (a flat MLP needs a hidden block)", OWN_I(c, FLAT_LAYERS));
    if (OWN_I(c, RESIDUAL) && c->n_consec)
        return mm_fail(err, MM_EINVAL, "residual connections need a flat model (hierarchical group size 0, not %d): a hierarchical "
                       "block's output is shorter than its input", c->n_consec);
    if (c->n_consec == 0) return MM_OK;
    if (c->n_consec < 2 || c->n_consec > c->block_size)
        return mm_fail(err, MM_EINVAL, "hierarchical group size %d must be 2..block size (%d)", c->n_consec, c->block_size);
    int t = c->block_size;
    while (t % c->n_consec == 0) t /= c->n_consec;
    if (t != 1)
        return mm_fail(err, MM_EINVAL, "a hierarchical model needs the block size (%d) to be a power of the group size (%d)",
                       c->block_size, c->n_consec);
    return MM_OK;
}

// A hidden block after layer `in`: Linear (no bias: BatchNorm's beta), BatchNorm1d, Tanh; returns the Tanh.
static int hidden_block(mm_builder* b, const mm_config* c, int in) {
    layer l = mm_layer_make(L_LINEAR, in, 0);
    l.C_out = c->n_hidden;
    int at = mm_build_add(b, l);
    l = mm_layer_make(L_BATCHNORM, at, 0);
    l.stat_T = OWN_I(c, BN_MODE) == BN_PER_POSITION; // per position: its shape rule sets stat_T to the length
    at = mm_build_add(b, l);
    return mm_build_add(b, mm_layer_make(L_TANH, at, 0));
}

static int build(mm_builder* b, const mm_config* c, mm_err* err) {
    layer e = mm_layer_make(L_EMBED, IN_TOKENS, 0);
    e.n = c->vocab_size;
    e.C_out = c->n_embd;
    int at = mm_build_add(b, e);
    if (c->n_consec) {
        for (int T = c->block_size; T > 1; T /= c->n_consec) {
            layer f = mm_layer_make(L_FLATTEN, at, 0);
            f.n = c->n_consec;
            at = hidden_block(b, c, mm_build_add(b, f));
        }
    } else {
        layer f = mm_layer_make(L_FLATTEN, at, 0);
        f.n = c->block_size;
        at = mm_build_add(b, f);
        for (int k = 0; k < OWN_I(c, FLAT_LAYERS); k++) {
            int out = hidden_block(b, c, at);
            if (OWN_I(c, RESIDUAL) && k > 0) out = mm_build_add(b, mm_layer_make(L_ADD, out, at)); // h + tanh(bn(linear(h)))
            at = out;
        }
    }
    layer o = mm_layer_make(L_LINEAR, at, 0);
    o.C_out = c->vocab_size;
    o.has_bias = 1;
    o.init_gain = 0.1f; // the last layer less confident
    mm_build_add(b, o);
    return MM_OK;
}

static const mm_preset_def PRESETS[] = {
    {"mlp3", "block_size 3 n_embd 10 n_hidden 200 n_consec 0 split_shuffles 1", "the lecture's 3-character MLP (12,097 parameters)"},
    {"mlp8", "block_size 8 n_embd 10 n_hidden 200 n_consec 0 split_shuffles 2", "the lecture's 8-character MLP (22,097 parameters)"},
    {"wavenet22k-bnbug", "block_size 8 n_embd 10 n_hidden 68 n_consec 2 bn_mode per-position split_shuffles 2",
     "the lecture's hierarchical model before its BatchNorm fix (22,397 parameters)"},
    {"wavenet22k", "block_size 8 n_embd 10 n_hidden 68 n_consec 2 split_shuffles 2",
     "the lecture's hierarchical model, BatchNorm fixed (22,397 parameters)"},
    {"wavenet76k", "block_size 8 n_embd 24 n_hidden 128 n_consec 2 split_shuffles 2",
     "the lecture's best: hierarchical, 76,579 parameters (val 1.990)"},
};

const mm_family mm_family_examples = {
    .name = "examples",
    .label = "the lecture's MLP (flat or hierarchical)",
    .doc = "makemore part 5's Sequential: Embedding, FlattenConsecutive, Linear, BatchNorm1d, Tanh; one example at a time",
    .fields = FIELDS,
    .n_fields = N_OWN,
    .uses = USES_BLOCK | USES_EMBD | USES_HIDDEN | USES_CONSEC,
    .check = check,
    .build = build,
    .presets = PRESETS,
    .n_presets = sizeof PRESETS / sizeof PRESETS[0],
};
