// dump_inputs.c (mm_dump_inputs): the inputs of the PyTorch reference test.
//
// For each configuration below, builds the model with mm_model_new (vocab 27, a
// fixed seed), draws 4 fixed batches of B=32 random contexts/targets from mm_rng
// (batch 0: forward/backward; batches 1..3: SGD steps), and writes OUTDIR/<name>.in.
// The conv and gated forms get whole words instead (random words of 1..10 tokens
// in 1..26, as the lecture's examples, until 32; the last word cut to fit).
// makemore.py's families (mlp, bow, rnn: batches of whole words) get 48 examples of
// whole words only, among them a word of block_size-1 tokens and one of 1 token.
// tests/reference.py turns each into tests/fixtures/<name>.bin, which
// tests/test_torch.c checks the core against. See tests/fixtures/README.md.
//
// Usage: mm_dump_inputs OUTDIR
//
// File format (shared with reference.py and test_torch.c; little-endian):
//   char magic[4] = "MMIN"; u32 version = 1; u32 n_records;
//   n_records x { u32 name_len; char name[name_len];
//                 u32 dtype (0 float32, 1 int32); u32 ndim; u32 dims[ndim];
//                 data: prod(dims) values }
// Records, in this order:
//   "config.<name>" int32 (1,): every model field of the schema that the configuration's
//             family uses (src/settings/, src/families/), by its name (an enum: the index of
//             its value), in the schema's order
//   "lr"      float32 (1,): the learning rate
//   "train.optimizer" int32 (1,) and "train.<name>" float32 (1,): the optimizer (the schema's index) and its
//             own settings (AdamW: beta1, beta2, eps, weight_decay); absent: SGD (the lecture's cases)
//   "init.<tensor name>" float32, the tensor's shape: every mm_model_tensor in
//             index order (parameters, then BatchNorm buffers as the core orders them)
//   "X0".."X3" int32 (B, block_size), "Y0".."Y3" int32 (B,): tokens in [0, vocab)
//             (random tokens; for the conv and gated forms, whole words; B = 48 whole words' examples
//             for makemore.py's families)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "makemore.h"
#include "settings/settings.h"

#define VOCAB 27
#define BATCH 32
#define N_BATCHES 4
#define LR 0.1f

typedef struct {
    const char* name;     // output file stem
    const char* preset;   // starting point
    const char* settings; // model settings over it, as the schema's "name value" pairs
    const char* training; // the optimizer over SGD at lr 0.1 ("" : the lecture's SGD), likewise
} case_def;

// makemore.py's AdamW settings, at a larger lr than its 5e-4 so that 3 steps move the weights past the tolerance
#define MM_ADAMW "optimizer adamw lr 0.01 beta1 0.9 beta2 0.99 eps 1e-08 weight_decay 0.01"

static const case_def CASES[] = {
    {"wavenet22k", "wavenet22k", "", ""},             // lecture: fixed BatchNorm
    {"wavenet22k-bnbug", "wavenet22k-bnbug", "", ""}, // lecture: pre-fix BatchNorm
    {"mlp3", "mlp3", "", ""},                         // lecture: flat, block 3
    // hierarchical in groups of 3: (B,9,5) -> (B,3,15) -> (B,1,36) squeezed to (B,36)
    {"hier3-small", "wavenet22k", "block_size 9 n_embd 5 n_hidden 12 n_consec 3 bn_mode fixed", ""},
    // 4 levels, pre-fix BatchNorm with per-position stats for T = 8, 4, 2 (and 2-D at the end)
    {"hier16-bnbug", "wavenet22k", "block_size 16 n_embd 4 n_hidden 16 n_consec 2 bn_mode per-position", ""},
    // flat, two hidden (Linear, BatchNorm1d, Tanh) blocks
    {"flat2", "mlp3", "block_size 5 n_embd 6 n_hidden 24 n_consec 0 n_flat_layers 2 bn_mode fixed", ""},
    // flat, three hidden blocks, the last two with residual connections (Add layers)
    {"flat3-residual", "mlp3", "block_size 4 n_embd 6 n_hidden 20 n_consec 0 n_flat_layers 3 bn_mode fixed residual 1", ""},
    // the sequence families, on whole-word batches: wavenet22k's tree 2-2-2 as dilated convolutions 1, 2, 4
    {"conv8", "wavenet22k", "form conv block_size 8 n_embd 6 n_hidden 16 n_consec 2", ""},
    // kernel 3, dilations 1, 3
    {"conv9-k3", "wavenet22k", "form conv block_size 9 n_embd 5 n_hidden 12 n_consec 3", ""},
    // gated: 3 blocks (dilations 1, 2, 4), R 8, C 6, S 10, BatchNorm after each convolution
    {"gated8", "wavenet22k", "form gated block_size 8 n_embd 8 n_hidden 6 n_consec 2 n_blocks 3 n_skip 10", ""},
    // gated: 4 blocks, dilation cycle 2 (1, 2, 1, 2), R 7, C 5, S 9, no BatchNorm (convolution biases)
    {"gated7-nobn", "wavenet22k", "form gated block_size 7 n_embd 7 n_hidden 5 n_consec 2 n_blocks 4 dilation_cycle 2 n_skip 9 gated_norm none", ""},
    // AdamW (torch.optim.AdamW) on the lecture's 22K model with settings whose every term shows (weight decay
    // 5 at lr 0.002 shrinks each parameter by 1%: at makemore.py's 0.01 and 5e-4 it would be inside the tolerance)
    // and on the 76K model with makemore.py's
    {"wavenet22k-adamw", "wavenet22k", "", "optimizer adamw lr 0.002 beta1 0.8 beta2 0.95 eps 1e-06 weight_decay 5"},
    {"wavenet76k-adamw", "wavenet76k", "", "optimizer adamw lr 0.0005 beta1 0.9 beta2 0.99 eps 1e-08 weight_decay 0.01"},
    // makemore.py's Bigram (its own class in the reference), with its AdamW; a larger lr moves its zero table further
    {"bigram", "bigram", "", "optimizer adamw lr 0.01 beta1 0.9 beta2 0.99 eps 1e-08 weight_decay 0.01"},
    // makemore.py's MLP, BoW, RNN, GRU (its own classes in the reference) and an LSTM (torch.nn.LSTMCell in its
    // RNN's frame), small, on makemore.py's batches of whole words (word_batch_exact), with its AdamW at lr 0.01
    {"mm-mlp", "mlp", "n_embd 6 n_hidden 10", MM_ADAMW},
    {"mm-bow", "bow", "n_embd 7 n_hidden 9", MM_ADAMW},
    {"mm-rnn", "rnn", "n_embd 6 n_hidden 8", MM_ADAMW},
    {"mm-gru", "gru", "n_embd 5 n_hidden 7", MM_ADAMW},
    {"mm-lstm", "lstm", "n_embd 6 n_hidden 9", MM_ADAMW},
};

static int put_u32(FILE* f, uint32_t v) { return fwrite(&v, 4, 1, f) == 1 ? 0 : -1; }

// One record: name, dtype, shape, data (4-byte values).
static int put_record(FILE* f, const char* name, uint32_t dtype, int ndim, const int* dims, const void* data) {
    uint32_t nl = (uint32_t)strlen(name);
    long count = 1;
    if (put_u32(f, nl) || fwrite(name, 1, nl, f) != nl || put_u32(f, dtype) || put_u32(f, (uint32_t)ndim)) return -1;
    for (int i = 0; i < ndim; i++) {
        if (put_u32(f, (uint32_t)dims[i])) return -1;
        count *= dims[i];
    }
    return fwrite(data, 4, (size_t)count, f) == (size_t)count ? 0 : -1;
}

// A whole-word batch: random words (1..10 tokens in 1..VOCAB-1) laid out as the
// lecture's examples (the context starts as block zeros; the target is the next
// token, 0 after the last), appended until BATCH examples (the last word cut).
static void word_batch(mm_rng* rng, int block, int32_t* X, int32_t* Y) {
    int i = 0;
    while (i < BATCH) {
        int len = 1 + (int)(mm_rng_u32(rng) % 10);
        int32_t ctx[MM_MAX_BLOCK] = {0};
        for (int p = 0; p <= len && i < BATCH; p++, i++) {
            int tok = p < len ? 1 + (int)(mm_rng_u32(rng) % (VOCAB - 1)) : 0;
            memcpy(X + (long)i * block, ctx, sizeof(int32_t) * (size_t)block);
            Y[i] = tok;
            memmove(ctx, ctx + 1, sizeof(int32_t) * (size_t)(block - 1));
            ctx[block - 1] = tok;
        }
    }
}

// makemore.py's batch (the families with words: mm_config_word_batches): whole words only, exactly
// WORD_BATCH examples: one word of block-1 tokens (its examples use all block positions), one of 1 token,
// and random words of 1..10 tokens (the last one sized to fill the batch), in a random order; each laid
// out as the lecture's examples (a word of L tokens gives L+1, the first with an all-0 context).
#define WORD_BATCH 48
static void word_batch_exact(mm_rng* rng, int block, int32_t* X, int32_t* Y) {
    int lens[WORD_BATCH], n = 0, left = WORD_BATCH - (block - 1 + 1) - 2;
    lens[n++] = block - 1;
    lens[n++] = 1;
    while (left > 0) { // left is never 1: a word takes at least 2 examples
        int len = 1 + (int)(mm_rng_u32(rng) % 10);
        if (len + 1 > left || left - (len + 1) == 1) len = left - 1;
        lens[n++] = len;
        left -= len + 1;
    }
    for (int k = n - 1; k > 0; k--) { // Fisher-Yates
        int j = (int)(mm_rng_u32(rng) % (uint32_t)(k + 1)), t = lens[k];
        lens[k] = lens[j];
        lens[j] = t;
    }
    int i = 0;
    for (int w = 0; w < n; w++) {
        int32_t ctx[MM_MAX_BLOCK] = {0};
        for (int p = 0; p <= lens[w]; p++, i++) {
            int tok = p < lens[w] ? 1 + (int)(mm_rng_u32(rng) % (VOCAB - 1)) : 0;
            memcpy(X + (long)i * block, ctx, sizeof(int32_t) * (size_t)block);
            Y[i] = tok;
            memmove(ctx, ctx + 1, sizeof(int32_t) * (size_t)(block - 1));
            ctx[block - 1] = tok;
        }
    }
}

// The case's settings over its preset ("form" first: it resets the family's own settings).
static int apply_case(const case_def* c, mm_config* cfg, mm_err* err) {
    cfg->vocab_size = VOCAB;
    for (int pass = 0; pass < 2; pass++) {
        char key[64], value[64];
        int used = 0;
        for (const char* s = c->settings; sscanf(s, " %63s %63s%n", key, value, &used) == 2; s += used)
            if ((strcmp(key, "form") == 0) == (pass == 0) && mm_config_set(cfg, key, value, err)) return -1;
    }
    return 0;
}

// The case's training settings over SGD at lr 0.1 ("optimizer" first: it resets the optimizer's own settings).
static int training_of(const case_def* c, mm_train_params* tp, mm_err* err) {
    mm_train_params_default(tp);
    tp->lr = LR;
    for (int pass = 0; pass < 2 && c->training; pass++) {
        char key[64], value[64];
        int used = 0;
        for (const char* s = c->training; sscanf(s, " %63s %63s%n", key, value, &used) == 2; s += used)
            if ((strcmp(key, "optimizer") == 0) == (pass == 0) && mm_train_params_set(tp, key, value, err)) return -1;
    }
    return 0;
}

// The optimizer's records: "train.optimizer" (its index) and its own settings, "train.<name>" float32.
static int put_training(FILE* f, const mm_train_params* tp) {
    mm_train_params t = *tp;
    mm_record r = {NULL, NULL, &t, NULL};
    int d1 = 1, rc = put_record(f, "train.optimizer", 1, 1, &d1, &tp->optimizer);
    for (int i = 0; i < mm_num_fields(); i++) {
        const mm_field* fd = mm_field_at(i);
        if (fd->group != MM_GROUP_TRAINING || !fd->owner || !mm_field_applies(fd, &r)) continue;
        char name[64];
        snprintf(name, sizeof name, "train.%s", fd->name);
        rc |= put_record(f, name, 0, 1, &d1, (const char*)&t + fd->offset);
    }
    return rc;
}

// How many of the optimizer's records put_training writes.
static int n_training(const mm_train_params* tp) {
    mm_train_params t = *tp;
    mm_record r = {NULL, NULL, &t, NULL};
    int n = 1;
    for (int i = 0; i < mm_num_fields(); i++) n += mm_field_at(i)->group == MM_GROUP_TRAINING && mm_field_at(i)->owner && mm_field_applies(mm_field_at(i), &r);
    return n;
}

static int dump_case(const case_def* c, int case_index, const char* outdir) {
    mm_err err = {0};
    mm_config cfg;
    mm_train_params tp;
    if (mm_preset(c->preset, &cfg, NULL, &err) != MM_OK || apply_case(c, &cfg, &err) || training_of(c, &tp, &err)) {
        fprintf(stderr, "%s: %s\n", c->name, err.msg);
        return -1;
    }

    int words = mm_config_word_batches(&cfg), B = words ? WORD_BATCH : BATCH;
    if (words && (WORD_BATCH - cfg.block_size - 2 < 0 || WORD_BATCH - cfg.block_size - 2 == 1)) { // see word_batch_exact
        fprintf(stderr, "%s: block_size %d does not fit a batch of %d examples\n", c->name, cfg.block_size, WORD_BATCH);
        return -1;
    }
    mm_model* m = mm_model_new(&cfg, NULL, 1000 + (uint64_t)case_index, B, &err);
    if (!m) {
        fprintf(stderr, "%s: mm_model_new: %s\n", c->name, err.msg);
        return -1;
    }

    char path[1024];
    snprintf(path, sizeof path, "%s/%s.in", outdir, c->name);
    FILE* f = fopen(path, "wb");
    if (!f) {
        perror(path);
        mm_model_free(m);
        return -1;
    }
    int nt = mm_model_num_tensors(m), rc = 0;
    rc |= fwrite("MMIN", 1, 4, f) != 4;
    rc |= put_u32(f, 1);
    mm_record rec = {&cfg, NULL, NULL, NULL};
    int n_model = 0;
    for (int i = 0; i < mm_num_fields(); i++) n_model += mm_field_at(i)->group == MM_GROUP_MODEL && mm_field_applies(mm_field_at(i), &rec);
    int optimizer = c->training && *c->training; // the lecture's cases keep their records as they were
    rc |= put_u32(f, (uint32_t)(n_model + 1 + (optimizer ? n_training(&tp) : 0) + nt + 2 * N_BATCHES));

    int d1 = 1;
    for (int i = 0; i < mm_num_fields(); i++) { // the model's fields by name (all int members or cells)
        const mm_field* fd = mm_field_at(i);
        if (fd->group != MM_GROUP_MODEL || !mm_field_applies(fd, &rec)) continue;
        char name[64];
        snprintf(name, sizeof name, "config.%s", fd->name);
        int32_t v = *(const int*)((const char*)&cfg + fd->offset);
        rc |= put_record(f, name, 1, 1, &d1, &v);
    }
    rc |= put_record(f, "lr", 0, 1, &d1, &tp.lr);
    if (optimizer) rc |= put_training(f, &tp);

    // initial parameters and buffers, straight from the core
    const float* params = mm_model_params(m);
    const float* buffers = mm_model_buffers(m);
    for (int i = 0; i < nt; i++) {
        const mm_tensor_info* t = mm_model_tensor(m, i);
        char name[256];
        snprintf(name, sizeof name, "init.%s", t->name);
        rc |= put_record(f, name, 0, t->ndim, t->shape, (t->is_buffer ? buffers : params) + t->offset);
    }

    // fixed random batches
    mm_rng rng;
    mm_rng_seed(&rng, 42 + (uint64_t)case_index);
    int32_t X[WORD_BATCH * MM_MAX_BLOCK], Y[WORD_BATCH];
    for (int b = 0; b < N_BATCHES; b++) {
        if (words) {
            word_batch_exact(&rng, cfg.block_size, X, Y);
        } else if (cfg.form != mm_family_find("examples")) {
            word_batch(&rng, cfg.block_size, X, Y);
        } else {
            for (int i = 0; i < BATCH * cfg.block_size; i++) X[i] = (int32_t)(mm_rng_u32(&rng) % VOCAB);
            for (int i = 0; i < BATCH; i++) Y[i] = (int32_t)(mm_rng_u32(&rng) % VOCAB);
        }
        char nx[16], ny[16];
        snprintf(nx, sizeof nx, "X%d", b);
        snprintf(ny, sizeof ny, "Y%d", b);
        int dx[2] = {B, cfg.block_size};
        rc |= put_record(f, nx, 1, 2, dx, X);
        rc |= put_record(f, ny, 1, 1, dx, Y);
    }
    rc |= fclose(f) != 0;
    if (rc) fprintf(stderr, "%s: write failed\n", path);
    else printf("%s: %d tensors, %ld params, %ld buffers\n", path, nt, mm_model_num_params(m), mm_model_num_buffers(m));
    mm_model_free(m);
    return rc ? -1 : 0;
}

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
        return 2;
    }
    const uint32_t one = 1;
    if (*(const unsigned char*)&one != 1) {
        fprintf(stderr, "big-endian hosts are not supported\n");
        return 1;
    }
    int fails = 0;
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) fails += dump_case(&CASES[i], (int)i, argv[1]) != 0;
    return fails ? 1 : 0;
}
