// test_zoo_train.c: training makemore.py's models (families mlp, bow, rnn with its
// three cells) as makemore.py does:
//  - a batch is batch_size whole words: the examples of a step are exactly the words'
//    positions (each word's length + 1), checked against the words drawn by the same
//    generator as the trainer's (the first step's loss equals the model's own loss on
//    those examples, computed independently through mm_model_forward_backward);
//  - the fast engine gives bitwise the same losses on 1 and 2 threads (the ops split
//    outputs, never sums), for every family;
//  - bad settings are clear errors that name the setting: block_size below the longest
//    word + 1, a hidden size of 0, an unknown cell type; a context with no start.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "makemore.h"
#include "check.h"

static const char* const PRESETS[] = {"mlp", "bow", "rnn", "gru", "lstm"};

static void threads_bitwise(const mm_words* w, const char* preset) {
    mm_err err = {0};
    mm_config cfg;
    mm_data_settings ds;
    mm_train_params tp;
    mm_preset(preset, &cfg, &ds, &err);
    mm_preset_training(preset, &tp, &err);
    enum { N = 40 };
    float loss[2][N];
    for (int threads = 1; threads <= 2; threads++) {
        mm_trainer* t = mm_trainer_new(w, &cfg, &ds, &tp, &err);
        mm_pool* pool = threads > 1 ? mm_pool_new(threads, &err) : NULL;
        CHECK(t, "%s: %s", preset, err.msg);
        if (!t) { mm_pool_free(pool); return; }
        CHECK(mm_trainer_set_engine(t, MM_ENGINE_FAST, pool, &err) == MM_OK, "%s", err.msg);
        long done = 0;
        CHECK(mm_trainer_run(t, N, loss[threads - 1], &done, &err) == MM_OK && done == N, "%s: %s", preset, err.msg);
        mm_trainer_free(t);
        mm_pool_free(pool);
    }
    CHECK(memcmp(loss[0], loss[1], sizeof loss[0]) == 0, "%s: 1 and 2 threads differ (first %.9g / %.9g, last %.9g / %.9g)", preset,
          loss[0][0], loss[1][0], loss[0][N - 1], loss[1][N - 1]);
    CHECK(loss[0][N - 1] < loss[0][0], "%s: the loss falls (%g -> %g)", preset, loss[0][0], loss[0][N - 1]);
}

// The first step's batch is batch_size whole words: the trainer's loss is the mean over all their
// positions, the model's own loss on the examples of the words the generator drew.
static void word_batch(const mm_words* w) {
    mm_err err = {0};
    mm_config cfg;
    mm_data_settings ds;
    mm_train_params tp;
    mm_preset("gru", &cfg, &ds, &err);
    mm_preset_training("gru", &tp, &err);
    tp.batch_size = 5;
    mm_trainer* t = mm_trainer_new(w, &cfg, &ds, &tp, &err);
    CHECK(t, "%s", err.msg);
    if (!t) return;
    // the same words by hand: the trainer's generator (seed ^ 0x5DEECE66D), uniform over the training words
    const mm_dataset* d = &mm_trainer_splits(t)->split[MM_SPLIT_TRAIN];
    int n_words = 0, *start = malloc(sizeof(int) * (size_t)(d->n + 1));
    start[0] = 0;
    for (int i = 0; i < d->n; i++) if (d->Y[i] == 0) start[++n_words] = i + 1;
    mm_rng rng;
    mm_rng_seed(&rng, tp.seed ^ 0x5DEECE66Dull);
    int bs = cfg.block_size, B = 0;
    uint16_t X[5 * 16 * 16], Y[5 * 16];
    for (int k = 0; k < 5; k++) {
        uint32_t wi = (uint32_t)(((uint64_t)mm_rng_u32(&rng) * (uint64_t)n_words) >> 32);
        int n = start[wi + 1] - start[wi];
        memcpy(X + B * bs, d->X + (long)start[wi] * bs, sizeof(uint16_t) * (size_t)(n * bs));
        memcpy(Y + B, d->Y + start[wi], sizeof(uint16_t) * (size_t)n);
        B += n;
    }
    float want, got;
    mm_model* m = mm_trainer_model(t);
    CHECK(mm_model_forward_backward(m, X, Y, B, &want, &err) == MM_OK, "%s", err.msg);
    CHECK(mm_trainer_run(t, 1, &got, NULL, &err) == MM_OK, "%s", err.msg);
    CHECK(got == want, "a step of 5 words (%d examples): loss %.9g, their examples' own %.9g", B, got, want);
    free(start);
    mm_trainer_free(t);
}

static void refused(const mm_words* w, const char* preset, const char* name, const char* value, const char* words) {
    mm_err err = {0};
    mm_config cfg;
    mm_data_settings ds;
    mm_train_params tp;
    mm_preset(preset, &cfg, &ds, &err);
    mm_preset_training(preset, &tp, &err);
    if (mm_config_set(&cfg, name, value, &err) == MM_OK) {
        mm_trainer* t = mm_trainer_new(w, &cfg, &ds, &tp, &err);
        CHECK(!t, "%s with %s %s: not refused", preset, name, value);
        mm_trainer_free(t);
    }
    CHECK(strstr(err.msg, words) != NULL, "%s with %s %s: \"%s\" does not say \"%s\"", preset, name, value, err.msg, words);
}

// A context with no start (its first token not the padding 0) is no position of a word the block holds: refused.
static void no_start_refused(void) {
    mm_err err = {0};
    mm_config cfg;
    mm_data_settings ds;
    CHECK(mm_preset("bow", &cfg, &ds, &err) == MM_OK, "%s", err.msg);
    cfg.vocab_size = 27;
    mm_model* m = mm_model_new(&cfg, NULL, 1, 4, &err);
    CHECK(m, "%s", err.msg);
    if (!m) return;
    uint16_t X[16];
    for (int k = 0; k < 16; k++) X[k] = (uint16_t)(1 + k % 26);
    CHECK(!mm_model_eval_logits(m, X, 1, &err) && strstr(err.msg, "context 0 has no start: bow reads whole words of at most "
                                                              "block_size - 1 = 15 characters"), "refused: %s", err.msg);
    X[0] = 0;
    CHECK(mm_model_eval_logits(m, X, 1, &err) != NULL, "a context with its start: %s", err.msg);
    mm_model_free(m);
}

int main(void) {
    size_t len;
    char* text = read_file(MM_DATA, &len);
    CHECK(text, "cannot read %s", MM_DATA);
    if (!text) return 1;
    mm_words w;
    mm_err err = {0};
    CHECK(mm_words_parse(&w, text, len, &err) == MM_OK, "%s", err.msg);
    free(text);
    for (size_t p = 0; p < sizeof PRESETS / sizeof PRESETS[0]; p++) threads_bitwise(&w, PRESETS[p]);
    word_batch(&w);
    no_start_refused();
    for (size_t p = 0; p < sizeof PRESETS / sizeof PRESETS[0]; p++) refused(&w, PRESETS[p], "block_size", "15", "block_size must be at least 16");
    refused(&w, "gru", "n_hidden", "0", "hidden size");
    refused(&w, "lstm", "cell_type", "foo", "cell type must be rnn, gru or lstm");
    mm_words_free(&w);
    printf("%d checks, %d failures\n", checks, failures);
    return failures != 0;
}
