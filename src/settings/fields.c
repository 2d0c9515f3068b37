// config.c: the settings' schema (every configuration, data and training field,
// and the training state's, described once), the lecture's presets, and the
// checks of each field's limits. src/schema.c turns values into text and JSON.
#include <stddef.h>
#include <string.h>
#include "base/internal.h"
#include "makemore.h"

static const char* const BN_MODES[] = {"fixed", "per-position", NULL};
static const char* const FORMS[] = {"examples", "conv", "gated", NULL};
static const char* const GATED_NORMS[] = {"batchnorm", "none", NULL};

#define MODEL(m) MM_GROUP_MODEL, offsetof(mm_config, m)
#define DATA(m) MM_GROUP_DATA, offsetof(mm_data_settings, m)
#define TRAINING(m) MM_GROUP_TRAINING, offsetof(mm_train_params, m)
#define STATE(m) MM_GROUP_STATE, offsetof(mm_train_state, m)
#define INT(lo, hi) MM_TYPE_INT, lo, hi
#define NUM(lo, hi) MM_TYPE_FLOAT, lo, hi
#define ANY_U64 MM_TYPE_U64, 0, 0
#define STEPS_MAX 2147483647.0 // steps are longs: 32 bits in wasm

// THE list. Adding a setting: a member in its group's struct and a row here.
// The rows are in the model file's key order (that of the files written before
// this list: model and data fields, then the checkpoint's), not by group.
static const mm_field FIELDS[] = {
    {"vocab_size", "vocabSize", NULL, "vocabulary size", MODEL(vocab_size), INT(2, MM_MAX_VOCAB), NULL, MM_C_INT, MM_FIELD_FROM_DATA,
     "symbols: the word list's distinct characters and the end token '.'", NULL},
    {"block_size", "blockSize", "--block", "block size", MODEL(block_size), INT(1, MM_MAX_BLOCK), "3", MM_C_INT, 0,
     "context length: how many characters the model sees to predict the next", NULL},
    {"n_embd", "nEmbd", "--embd", "embedding size", MODEL(n_embd), INT(1, MM_MAX_WIDTH), "10", MM_C_INT, 0,
     "numbers that embed each character", NULL},
    {"n_hidden", "nHidden", "--hidden", "hidden size", MODEL(n_hidden), INT(1, MM_MAX_WIDTH), "200", MM_C_INT, 0,
     "neurons of each hidden layer", NULL},
    {"n_consec", "nConsec", "--consec", "hierarchical group size", MODEL(n_consec), INT(0, MM_MAX_BLOCK), "0", MM_C_INT, 0,
     "0: a flat MLP; k >= 2: the WaveNet's hierarchy, merging k positions a layer (block size: a power of k)", NULL},
    {"n_flat_layers", "nFlatLayers", "--flat-layers", "flat hidden layers", MODEL(n_flat_layers), INT(0, 16), "1", MM_C_INT, 0,
     "hidden blocks (Linear, BatchNorm1d, Tanh) of the flat MLP, at least 1 (unused when hierarchical)", NULL},
    {"split_shuffles", "splitShuffles", "--shuffles", "split shuffles", DATA(split_shuffles), INT(0, 100), "1", MM_C_INT, 0,
     "random.shuffle calls that make the split (the lecture: 1 for block 3, 2 for block 8)", NULL},
    {"bn_mode", "bnMode", "--bn", "BatchNorm mode", MODEL(bn_mode), MM_TYPE_ENUM, 0, 1, "fixed", MM_C_INT, 0,
     "BatchNorm statistics: fixed (over batch and positions, the lecture's fix) or per-position (before the fix)", BN_MODES},
    {"residual", "residual", "--residual", "residual connections", MODEL(residual), INT(0, 1), "0", MM_C_INT, MM_FIELD_OPTIONAL,
     "1: each hidden block of a flat MLP after the first adds its input to its output, h + tanh(bn(linear(h)))", NULL},
    {"form", "form", "--form", "model form", MODEL(form), MM_TYPE_ENUM, 0, 2, "examples", MM_C_INT, MM_FIELD_OPTIONAL,
     "examples: the lecture's models, one example at a time; conv: the hierarchical model as dilated causal convolutions "
     "over whole words; gated: gated residual blocks with skip connections (kernel size: the group size)", FORMS},
    {"n_blocks", "nBlocks", "--blocks", "gated blocks", MODEL(n_blocks), INT(0, 16), "0", MM_C_INT, MM_FIELD_OPTIONAL,
     "gated form: residual blocks, dilations 1, k, k^2, ... (n_embd wide, gates n_hidden wide)", NULL},
    {"dilation_cycle", "dilationCycle", "--cycle", "dilation cycle", MODEL(dilation_cycle), INT(0, 16), "0", MM_C_INT,
     MM_FIELD_OPTIONAL, "gated form: the dilations start again at 1 after this many blocks (0: never)", NULL},
    {"n_skip", "nSkip", "--skip", "skip width", MODEL(n_skip), INT(0, MM_MAX_WIDTH), "0", MM_C_INT, MM_FIELD_OPTIONAL,
     "gated form: width of the skip connections and of the output head", NULL},
    {"gated_norm", "gatedNorm", "--gated-norm", "gated normalisation", MODEL(gated_norm), MM_TYPE_ENUM, 0, 1, "batchnorm",
     MM_C_INT, MM_FIELD_OPTIONAL, "gated form: batchnorm (BatchNorm1d after each dilated convolution) or none (a bias instead)",
     GATED_NORMS},
    {"step", "step", NULL, "step", STATE(step), INT(0, STEPS_MAX), NULL, MM_C_LONG, 0, "training steps done so far", NULL},
    {"steps", "steps", "--steps", "steps", TRAINING(steps), INT(0, STEPS_MAX), "200000", MM_C_LONG, 0, "total steps of the run", NULL},
    {"batch_size", "batchSize", "--batch", "batch size", TRAINING(batch_size), INT(2, MM_MAX_BATCH), "32", MM_C_INT, 0,
     "examples per step, drawn at random from the training split", NULL},
    {"lr", "lr", "--lr", "learning rate", TRAINING(lr), NUM(0, 1e30f), "0.1", MM_C_FLOAT, 0, "SGD learning rate until the decay step", NULL},
    {"lr_decayed", "lrDecayed", "--lr2", "decayed learning rate", TRAINING(lr_decayed), NUM(0, 1e30f), "0.01", MM_C_FLOAT, 0,
     "SGD learning rate from the decay step on", NULL},
    {"decay_step", "decayStep", "--decay-step", "decay step", TRAINING(decay_step), INT(0, STEPS_MAX), "150000", MM_C_LONG, 0,
     "the step from which the decayed learning rate applies", NULL},
    {"seed", "seed", "--seed", "seed", TRAINING(seed), ANY_U64, "42", MM_C_U64, 0, "seed of the initialisation and of the batches", NULL},
    {"batch_rng", "batchRng", NULL, "batch generator state", STATE(batch_rng), ANY_U64, NULL, MM_C_U64, 0,
     "the batch generator's state", NULL},
    {"split_seed", "splitSeed", "--split-seed", "split seed", DATA(split_seed), INT(0, 4294967295.0), "42", MM_C_U32, MM_FIELD_CHECKPOINT,
     "random.seed of the split (the lecture: 42)", NULL},
    {"split_sizes", "splitSizes", NULL, "split sizes", STATE(split_sizes), MM_TYPE_INT3, 0, 2147483647.0, NULL, MM_C_INT3, 0,
     "examples in the train, val and test splits", NULL},
    {"data_hash", "dataHash", NULL, "data hash", STATE(data_hash), MM_TYPE_HASH, 0, 0, NULL, MM_C_U64, 0,
     "FNV-1a 64 of the split's targets: the same words, split the same way", NULL},
};
#define N_FIELDS (int)(sizeof FIELDS / sizeof FIELDS[0])

int mm_num_fields(void) { return N_FIELDS; }
const mm_field* mm_field_at(int i) { return i >= 0 && i < N_FIELDS ? &FIELDS[i] : NULL; }

const mm_field* mm_field_find(const char* key) {
    for (int i = 0; key && i < N_FIELDS; i++) {
        const mm_field* f = &FIELDS[i];
        if (!strcmp(key, f->name) || !strcmp(key, f->js) || (f->flag && !strcmp(key, f->flag))) return f;
    }
    return NULL;
}

// ---------------------------------------------------------------- presets

// vocab_size is left 0 (set from the data); fields not named are 0.
#define CFG(blk, embd, hid, consec, bn) {.block_size = blk, .n_embd = embd, .n_hidden = hid, .n_consec = consec, .n_flat_layers = 1, .bn_mode = bn}
// The training settings a preset runs with beyond the schema's defaults (0: the default).
typedef struct { int batch_size; long steps, decay_step; } preset_training;
// The whole-word forms: batches of 256 examples (about 36 words; at 32, BatchNorm's
// statistics over 4 or 5 words let each position see its own word's later characters)
// for the lecture's 6.4 million examples, the decay at the same point.
#define WORDS_256 {.batch_size = 256, .steps = 25000, .decay_step = 18750}
static const struct { const char* name; mm_config cfg; mm_data_settings data; preset_training train; } PRESETS[] = {
    {"mlp3", CFG(3, 10, 200, 0, MM_BN_FIXED), {.split_seed = 42, .split_shuffles = 1}, {0}},
    {"mlp8", CFG(8, 10, 200, 0, MM_BN_FIXED), {.split_seed = 42, .split_shuffles = 2}, {0}},
    {"wavenet22k-bnbug", CFG(8, 10, 68, 2, MM_BN_PER_POSITION), {.split_seed = 42, .split_shuffles = 2}, {0}},
    {"wavenet22k", CFG(8, 10, 68, 2, MM_BN_FIXED), {.split_seed = 42, .split_shuffles = 2}, {0}},
    {"wavenet76k", CFG(8, 24, 128, 2, MM_BN_FIXED), {.split_seed = 42, .split_shuffles = 2}, {0}},
    // the same model (its parameters and their names) as dilated causal convolutions over whole words
    {"wavenet76k-conv", {.block_size = 8, .n_embd = 24, .n_hidden = 128, .n_consec = 2, .n_flat_layers = 1, .form = MM_FORM_CONV},
     {.split_seed = 42, .split_shuffles = 2}, WORDS_256},
    // gated residual blocks with dilations 1, 2, 4 (the same context of 8) and about as many parameters;
    // no BatchNorm (as the WaveNet paper): batch statistics over a few whole words see each word's later
    // positions, which the model learns to use (bench/forms-result.txt)
    {"wavenet-gated", {.block_size = 8, .n_embd = 54, .n_hidden = 54, .n_consec = 2, .n_flat_layers = 1, .form = MM_FORM_GATED,
                       .n_blocks = 3, .n_skip = 108, .gated_norm = MM_GATED_NO_NORM}, {.split_seed = 42, .split_shuffles = 2}, WORDS_256},
};
#undef CFG
#undef WORDS_256
#define N_PRESETS (int)(sizeof PRESETS / sizeof PRESETS[0])

const char* mm_preset_name(int i) { return i >= 0 && i < N_PRESETS ? PRESETS[i].name : NULL; }

int mm_preset(const char* name, mm_config* cfg, mm_data_settings* data, mm_err* err) {
    for (int i = 0; i < N_PRESETS; i++)
        if (name && strcmp(name, PRESETS[i].name) == 0) {
            if (cfg) *cfg = PRESETS[i].cfg;
            if (data) *data = PRESETS[i].data;
            return MM_OK;
        }
    return mm_fail(err, MM_EINVAL, "unknown preset '%s' (presets: mlp3, mlp8, wavenet22k-bnbug, wavenet22k, wavenet76k, wavenet76k-conv, "
                   "wavenet-gated)",
                   name ? name : "(null)");
}

int mm_config_preset(mm_config* cfg, const char* name, mm_err* err) { return mm_preset(name, cfg, NULL, err); }

int mm_preset_training(const char* name, mm_train_params* tp, mm_err* err) {
    for (int i = 0; i < N_PRESETS; i++)
        if (name && strcmp(name, PRESETS[i].name) == 0) {
            const preset_training* t = &PRESETS[i].train;
            mm_train_params_default(tp);
            if (t->batch_size) tp->batch_size = t->batch_size;
            if (t->steps) tp->steps = t->steps;
            if (t->decay_step) tp->decay_step = t->decay_step;
            return MM_OK;
        }
    return mm_preset(name, NULL, NULL, err); // the unknown preset's message
}

// ---------------------------------------------------------------- defaults and limits

void mm_data_settings_default(mm_data_settings* d) {
    mm_record r = {NULL, d, NULL, NULL};
    mm_record_default(&r);
}

void mm_train_params_default(mm_train_params* p) {
    mm_record r = {NULL, NULL, p, NULL};
    mm_record_default(&r);
}

int mm_record_check(const mm_record* r, mm_err* err) {
    for (int i = 0; i < N_FIELDS; i++) {
        const mm_field* f = &FIELDS[i];
        if (!mm_record_has(r, f->group)) continue;
        int rc = mm_field_check(f, r, err);
        if (rc) return rc;
    }
    // the one rule across fields: the flat form needs a hidden block
    if (r->model && r->model->form == MM_FORM_EXAMPLES && r->model->n_consec == 0 && r->model->n_flat_layers < 1)
        return mm_fail(err, MM_EINVAL, "flat hidden layers %d is outside 1..16 (a flat MLP needs a hidden block)", r->model->n_flat_layers);
    return MM_OK;
}

// Each field within its limits (the model's structural rules are checked when it is planned).
int mm_config_validate(const mm_config* c, mm_err* err) {
    mm_record r = {(mm_config*)c, NULL, NULL, NULL};
    return mm_record_check(&r, err);
}
