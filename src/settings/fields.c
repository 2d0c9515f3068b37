// settings/fields.c: the settings' schema as one list: the common rows here (every
// family's model settings, the data's, the training's and the training state's),
// each family's own rows with the family (src/families/) and each optimizer's with
// the optimizer (src/train/). mm_field_at walks them in one order: the model's
// common rows, then the families', the data's, the training's, the optimizers',
// and the state's (the model files' key order is each row's key). src/settings/schema.c turns values
// into text and JSON and checks them; src/settings/presets.c reads presets.
#include <stddef.h>
#include <string.h>
#include "base/internal.h"
#include "families/family.h"
#include "settings/settings.h"
#include "train/optim.h"

#define MODEL(m) MM_GROUP_MODEL, offsetof(mm_config, m)
#define DATA(m) MM_GROUP_DATA, offsetof(mm_data_settings, m)
#define TRAINING(m) MM_GROUP_TRAINING, offsetof(mm_train_params, m)
#define STATE(m) MM_GROUP_STATE, offsetof(mm_train_state, m)
#define INT(lo, hi) MM_TYPE_INT, lo, hi
#define NUM(lo, hi) MM_TYPE_FLOAT, lo, hi
#define ANY_U64 MM_TYPE_U64, 0, 0
#define STEPS_MAX 2147483647.0 // steps are longs: 32 bits in wasm

// Adding a common setting: a member in its group's struct and a row here. A family's or
// an optimizer's own setting is a row in its file (owner: its name, offset: a cell).
static const mm_field MODEL_ROWS[] = {
    {"vocab_size", "vocabSize", NULL, "vocabulary size", MODEL(vocab_size), INT(2, MM_MAX_VOCAB), NULL, MM_C_INT, MM_FIELD_FROM_DATA,
     "symbols: the word list's distinct characters and the end token '.'", NULL, NULL, 1},
    {"block_size", "blockSize", "--block", "block size", MODEL(block_size), INT(1, MM_MAX_BLOCK), "3", MM_C_INT, 0,
     "context length: how many characters the model sees to predict the next", NULL, NULL, 2},
    {"n_embd", "nEmbd", "--embd", "embedding size", MODEL(n_embd), INT(1, MM_MAX_WIDTH), "10", MM_C_INT, 0,
     "numbers that embed each character", NULL, NULL, 3},
    {"n_hidden", "nHidden", "--hidden", "hidden size", MODEL(n_hidden), INT(1, MM_MAX_WIDTH), "200", MM_C_INT, 0,
     "neurons of each hidden layer", NULL, NULL, 4},
    {"n_consec", "nConsec", "--consec", "hierarchical group size", MODEL(n_consec), INT(0, MM_MAX_BLOCK), "0", MM_C_INT, 0,
     "0: a flat MLP; k >= 2: the WaveNet's hierarchy, merging k positions a layer (block size: a power of k); "
     "the conv and gated families' kernel size", NULL, NULL, 5},
    {"form", "form", "--form", "model family", MODEL(form), MM_TYPE_ENUM, 0, 0, "examples", MM_C_INT,
     MM_FIELD_OPTIONAL | MM_FIELD_SELECTOR,
     "examples: the lecture's models, one example at a time; conv: the hierarchical model as dilated causal convolutions "
     "over whole words; gated: gated residual blocks with skip connections; bigram: makemore.py's table of logits; "
     "mlp, bow, rnn: makemore.py's MLP, bag of words and RNN (rnn, gru or lstm cell) over whole words",
     mm_family_names, NULL, 10},
};

static const mm_field DATA_ROWS[] = {
    {"split_shuffles", "splitShuffles", "--shuffles", "split shuffles", DATA(split_shuffles), INT(0, 100), "1", MM_C_INT, 0,
     "random.shuffle calls that make the split (the lecture: 1 for block 3, 2 for block 8)", NULL, NULL, 7},
    {"split_seed", "splitSeed", "--split-seed", "split seed", DATA(split_seed), INT(0, 4294967295.0), "42", MM_C_U32,
     MM_FIELD_CHECKPOINT, "random.seed of the split (the lecture: 42)", NULL, NULL, 23},
};

static const mm_field TRAINING_ROWS[] = {
    {"steps", "steps", "--steps", "steps", TRAINING(steps), INT(0, STEPS_MAX), "200000", MM_C_LONG, 0, "total steps of the run", NULL, NULL, 16},
    {"batch_size", "batchSize", "--batch", "batch size", TRAINING(batch_size), INT(2, MM_MAX_BATCH), "32", MM_C_INT, 0,
     "examples per step, drawn at random from the training split", NULL, NULL, 17},
    {"lr", "lr", "--lr", "learning rate", TRAINING(lr), NUM(0, 1e30f), "0.1", MM_C_FLOAT, 0, "learning rate until the decay step", NULL, NULL, 18},
    {"lr_decayed", "lrDecayed", "--lr2", "decayed learning rate", TRAINING(lr_decayed), NUM(0, 1e30f), "0.01", MM_C_FLOAT, 0,
     "learning rate from the decay step on", NULL, NULL, 19},
    {"decay_step", "decayStep", "--decay-step", "decay step", TRAINING(decay_step), INT(0, STEPS_MAX), "150000", MM_C_LONG, 0,
     "the step from which the decayed learning rate applies", NULL, NULL, 20},
    {"seed", "seed", "--seed", "seed", TRAINING(seed), ANY_U64, "42", MM_C_U64, 0, "seed of the initialisation and of the batches", NULL, NULL, 21},
    {"optimizer", "optimizer", "--optimizer", "optimizer", TRAINING(optimizer), MM_TYPE_ENUM, 0, 0, "sgd", MM_C_INT,
     MM_FIELD_OPTIONAL | MM_FIELD_SELECTOR, "sgd: the lecture's plain SGD; adamw: torch.optim.AdamW (makemore.py's)",
     mm_optimizer_names, NULL, 26},
};

static const mm_field STATE_ROWS[] = {
    {"step", "step", NULL, "step", STATE(step), INT(0, STEPS_MAX), NULL, MM_C_LONG, 0, "training steps done so far", NULL, NULL, 15},
    {"batch_rng", "batchRng", NULL, "batch generator state", STATE(batch_rng), ANY_U64, NULL, MM_C_U64, 0,
     "the batch generator's state", NULL, NULL, 22},
    {"split_sizes", "splitSizes", NULL, "split sizes", STATE(split_sizes), MM_TYPE_INT3, 0, 2147483647.0, NULL, MM_C_INT3, 0,
     "examples in the train, val and test splits", NULL, NULL, 24},
    {"data_hash", "dataHash", NULL, "data hash", STATE(data_hash), MM_TYPE_HASH, 0, 0, NULL, MM_C_U64, 0,
     "FNV-1a 64 of the split's targets: the same words, split the same way", NULL, NULL, 25},
    {"optimizer_step", "optimizerStep", NULL, "optimizer steps", STATE(optimizer_step), INT(0, STEPS_MAX), "0", MM_C_LONG,
     MM_FIELD_OPTIONAL, "the optimizer's updates so far (AdamW's bias correction)", NULL, NULL, 31},
};

#define COUNT(a) (int)(sizeof a / sizeof a[0])

// The families' and the optimizers' rows, one after another.
static int owned_count(int optimizers) {
    int n = 0;
    if (optimizers) for (int i = 0; mm_optimizer_at(i); i++) n += mm_optimizer_at(i)->n_fields;
    else for (int i = 0; mm_family_at(i); i++) n += mm_family_at(i)->n_fields;
    return n;
}
static const mm_field* owned_at(int optimizers, int k) {
    for (int i = 0;; i++) {
        const mm_field* rows = optimizers ? (mm_optimizer_at(i) ? mm_optimizer_at(i)->fields : NULL)
                                          : (mm_family_at(i) ? mm_family_at(i)->fields : NULL);
        int n = optimizers ? (mm_optimizer_at(i) ? mm_optimizer_at(i)->n_fields : -1) : (mm_family_at(i) ? mm_family_at(i)->n_fields : -1);
        if (n < 0) return NULL;
        if (k < n) return &rows[k];
        k -= n;
    }
}

int mm_num_fields(void) {
    return COUNT(MODEL_ROWS) + owned_count(0) + COUNT(DATA_ROWS) + COUNT(TRAINING_ROWS) + owned_count(1) + COUNT(STATE_ROWS);
}

const mm_field* mm_field_at(int i) {
    if (i < 0) return NULL;
    if (i < COUNT(MODEL_ROWS)) return &MODEL_ROWS[i];
    i -= COUNT(MODEL_ROWS);
    if (i < owned_count(0)) return owned_at(0, i);
    i -= owned_count(0);
    if (i < COUNT(DATA_ROWS)) return &DATA_ROWS[i];
    i -= COUNT(DATA_ROWS);
    if (i < COUNT(TRAINING_ROWS)) return &TRAINING_ROWS[i];
    i -= COUNT(TRAINING_ROWS);
    if (i < owned_count(1)) return owned_at(1, i);
    i -= owned_count(1);
    return i < COUNT(STATE_ROWS) ? &STATE_ROWS[i] : NULL;
}

const mm_field* mm_field_find(const char* key) {
    for (int i = 0; key && i < mm_num_fields(); i++) {
        const mm_field* f = mm_field_at(i);
        if (!strcmp(key, f->name) || !strcmp(key, f->js) || (f->flag && !strcmp(key, f->flag))) return f;
    }
    return NULL;
}

const mm_field* mm_selector_of(int group) {
    for (int i = 0; i < mm_num_fields(); i++) {
        const mm_field* f = mm_field_at(i);
        if (f->group == group && (f->flags & MM_FIELD_SELECTOR)) return f;
    }
    return NULL;
}

