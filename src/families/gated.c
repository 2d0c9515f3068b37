// families/gated.c: gated residual blocks with skip connections (the WaveNet
// paper's figure 4) over whole words. Per block a dilated causal Conv1d to
// 2 * n_hidden, [BatchNorm1d,] the gate tanh(filter) * sigmoid(gate), a 1x1
// (Linear) back to n_embd added to the block's input (not in the last block:
// nothing reads it) and a 1x1 to the skip width, summed over the blocks; then
// ReLU, 1x1, ReLU, 1x1 to the logits. Dilations 1, k, k^2, ..., starting again
// at 1 every dilation_cycle blocks; they must cover the block size exactly.
#include "families/family.h"

enum { N_BLOCKS, DILATION_CYCLE, N_SKIP, GATED_NORM, N_OWN };
enum { NORM_BATCHNORM, NORM_NONE };
static const char* const GATED_NORMS[] = {"batchnorm", "none", NULL};

static const mm_field FIELDS[] = {
    {"n_blocks", "nBlocks", "--blocks", "gated blocks", MM_GROUP_MODEL, MM_OWN_CELL(N_BLOCKS), MM_TYPE_INT, 0, 16, "0", MM_C_INT,
     MM_FIELD_OPTIONAL, "gated family: residual blocks, dilations 1, k, k^2, ... (n_embd wide, gates n_hidden wide)", NULL, "gated", 11},
    {"dilation_cycle", "dilationCycle", "--cycle", "dilation cycle", MM_GROUP_MODEL, MM_OWN_CELL(DILATION_CYCLE), MM_TYPE_INT, 0, 16,
     "0", MM_C_INT, MM_FIELD_OPTIONAL, "gated family: the dilations start again at 1 after this many blocks (0: never)", NULL, "gated", 12},
    {"n_skip", "nSkip", "--skip", "skip width", MM_GROUP_MODEL, MM_OWN_CELL(N_SKIP), MM_TYPE_INT, 0, MM_MAX_WIDTH, "0", MM_C_INT,
     MM_FIELD_OPTIONAL, "gated family: width of the skip connections and of the output head", NULL, "gated", 13},
    {"gated_norm", "gatedNorm", "--gated-norm", "gated normalisation", MM_GROUP_MODEL, MM_OWN_CELL(GATED_NORM), MM_TYPE_ENUM, 0, 1,
     "batchnorm", MM_C_INT, MM_FIELD_OPTIONAL, "gated family: batchnorm (BatchNorm1d after each dilated convolution) or none (a bias instead)",
     GATED_NORMS, "gated", 14},
};

// The receptive field of the dilations: 1 + (k-1) * their sum.
static long field_of(const mm_config* c) {
    long sum = 0, d = 1;
    for (int b = 0; b < OWN_I(c, N_BLOCKS); b++) {
        if (OWN_I(c, DILATION_CYCLE) && b % OWN_I(c, DILATION_CYCLE) == 0) d = 1;
        sum += d;
        if (sum > MM_MAX_BLOCK) break;
        d *= c->n_consec;
    }
    return 1 + (long)(c->n_consec - 1) * sum;
}

static int check(const mm_config* c, mm_err* err) {
    int blocks = OWN_I(c, N_BLOCKS), cycle = OWN_I(c, DILATION_CYCLE);
    if (blocks < 1) return mm_fail(err, MM_EINVAL, "a gated model needs at least 1 block (gated blocks is 0)");
    if (OWN_I(c, N_SKIP) < 1) return mm_fail(err, MM_EINVAL, "a gated model needs a skip width of at least 1 (skip width is 0)");
    if (c->n_consec < 2)
        return mm_fail(err, MM_EINVAL, "a gated model needs a kernel size (the group size) of at least 2, not %d", c->n_consec);
    long field = field_of(c);
    if (field > MM_MAX_BLOCK)
        return mm_fail(err, MM_EINVAL, "the gated model's dilations (%d blocks of kernel %d, cycle %d) cover more than %d positions, "
                       "the largest block size", blocks, c->n_consec, cycle, MM_MAX_BLOCK);
    if (field != c->block_size)
        return mm_fail(err, MM_EINVAL,
                       "the gated model's dilations (%d blocks of kernel %d, cycle %d) cover %ld positions, not the block size %d: "
                       "set the block size to %ld or change the blocks",
                       blocks, c->n_consec, cycle, field, c->block_size, field);
    return MM_OK;
}

static int add_linear(mm_builder* b, int in, int C_out) {
    layer l = mm_layer_make(L_LINEAR, in, 0);
    l.C_out = C_out;
    l.has_bias = 1;
    return mm_build_add(b, l);
}

static int build(mm_builder* b, const mm_config* c, mm_err* err) {
    int k = c->n_consec, d = 1, skip = -1, norm = OWN_I(c, GATED_NORM) == NORM_BATCHNORM;
    layer e = mm_layer_make(L_EMBED, IN_TOKENS, 0);
    e.n = c->vocab_size;
    e.C_out = c->n_embd;
    int x = mm_build_add(b, e);
    for (int blk = 0; blk < OWN_I(c, N_BLOCKS); blk++) {
        if (OWN_I(c, DILATION_CYCLE) && blk % OWN_I(c, DILATION_CYCLE) == 0) d = 1;
        layer l = mm_layer_make(L_CONV1D, x, 0);
        l.n = k;
        l.dilation = d;
        l.C_out = 2 * c->n_hidden;
        l.has_bias = !norm;
        int at = mm_build_add(b, l);
        d *= k;
        if (norm) at = mm_build_add(b, mm_layer_make(L_BATCHNORM, at, 0));
        int z = mm_build_add(b, mm_layer_make(L_GATE, at, 0));
        if (blk + 1 < OWN_I(c, N_BLOCKS)) x = mm_build_add(b, mm_layer_make(L_ADD, add_linear(b, z, c->n_embd), x));
        int s = add_linear(b, z, OWN_I(c, N_SKIP));
        skip = skip >= 0 ? mm_build_add(b, mm_layer_make(L_ADD, skip, s)) : s;
    }
    int h = mm_build_add(b, mm_layer_make(L_RELU, skip, 0));
    h = mm_build_add(b, mm_layer_make(L_RELU, add_linear(b, h, OWN_I(c, N_SKIP)), 0));
    int o = add_linear(b, h, c->vocab_size);
    if (o >= 0) b->L[o].init_gain = 0.1f; // the last layer less confident, as the lecture's
    return MM_OK;
}

static const mm_preset_def PRESETS[] = {
    // dilations 1, 2, 4 (the same context of 8) and about as many parameters as wavenet76k; no BatchNorm (as the WaveNet
    // paper): batch statistics over a few whole words see each word's later positions (bench/forms-result.txt)
    {"wavenet-gated", "form gated block_size 8 n_embd 54 n_hidden 54 n_consec 2 n_blocks 3 n_skip 108 gated_norm none "
                      "split_shuffles 2 batch_size 256 steps 25000 decay_step 18750",
     "gated residual blocks with skip connections (dilations 1, 2, 4; 75,249 parameters), whole-word batches of 256"},
};

const mm_family mm_family_gated = {
    .name = "gated",
    .label = "gated residual blocks (the WaveNet paper)",
    .doc = "dilated causal convolutions, tanh * sigmoid gates, residual and skip connections, over whole words",
    .fields = FIELDS,
    .n_fields = N_OWN,
    .uses = USES_BLOCK | USES_EMBD | USES_HIDDEN | USES_CONSEC,
    .sequence = 1,
    .check = check,
    .build = build,
    .presets = PRESETS,
    .n_presets = 1,
};
