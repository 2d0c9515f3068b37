// test_sample_state.c: sampling that carries state. A sequence family whose layers
// allow it (makemore.py's RNN, GRU, LSTM and BoW) samples one character at a time by
// extending its rows (model/run.c: mm_model_extend; a recurrent cell takes one step);
// the reference is the full pass of the context at every character (the sampler with
// extension turned off). For each preset, after a hundred training steps, on the
// reproducible and the fast engine: the same names, bitwise, for the same seeds, with
// and without a prefix, at temperature 1 and greedy; names stop at block_size - 1
// characters, as makemore.py's (its longest word's length): a 13-letter prefix leaves two to sample.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "makemore.h"
#include "model/model.h"
#include "check.h"

static void sample_all(mm_model* m, int extend, const char* prefix, float temperature, int max_len, char out[][128], int n) {
    mm_err err = {0};
    mm_sampling s;
    mm_sampling_default(&s);
    s.temperature = temperature;
    mm_model_set_extend(m, extend);
    for (int i = 0; i < n; i++) {
        mm_rng rng;
        mm_rng_seed(&rng, mm_sample_seed(7, (uint64_t)i));
        CHECK(mm_sample(m, &rng, &s, prefix, max_len, out[i], 128, &err) == MM_OK, "sample: %s", err.msg);
    }
    mm_model_set_extend(m, 1);
}

static void check_preset(const mm_words* w, const char* preset, int engine, int extends) {
    mm_err err = {0};
    mm_config cfg;
    mm_data_settings ds;
    mm_train_params tp;
    CHECK(mm_preset(preset, &cfg, &ds, &err) == MM_OK && mm_preset_training(preset, &tp, &err) == MM_OK, "%s: %s", preset, err.msg);
    tp.steps = 100;
    mm_trainer* t = mm_trainer_new(w, &cfg, &ds, &tp, &err);
    CHECK(t, "%s: %s", preset, err.msg);
    if (!t) return;
    CHECK(mm_trainer_set_engine(t, engine, NULL, &err) == MM_OK, "%s", err.msg);
    CHECK(mm_trainer_run(t, 100, NULL, NULL, &err) == MM_OK, "%s: %s", preset, err.msg);
    mm_model* m = mm_trainer_model(t);
    CHECK(mm_model_can_extend(m) == extends, "%s: extends %d, want %d", preset, mm_model_can_extend(m), extends);
    enum { N = 16 };
    static char a[N][128], b[N][128];
    static const struct { const char* prefix; float temperature; int max_len; } CASES[] = {
        {"", 1.0f, 64}, {"ka", 1.0f, 64}, {"", 0.0f, 64}, {"", 3.0f, 40}, {"christopherjo", 1.0f, 40}};
    for (size_t c = 0; c < sizeof CASES / sizeof CASES[0]; c++) {
        sample_all(m, 1, CASES[c].prefix, CASES[c].temperature, CASES[c].max_len, a, N);
        sample_all(m, 0, CASES[c].prefix, CASES[c].temperature, CASES[c].max_len, b, N);
        int same = 0, longest = 0;
        for (int i = 0; i < N; i++) {
            same += strcmp(a[i], b[i]) == 0;
            if ((int)strlen(a[i]) > longest) longest = (int)strlen(a[i]);
        }
        CHECK(same == N, "%s (engine %d, prefix \"%s\", temperature %g): %d of %d names as the full pass's (e.g. %s / %s)", preset,
              engine, CASES[c].prefix, (double)CASES[c].temperature, same, N, a[0], b[0]);
        // as makemore.py's samples: at most its longest word's length, block_size - 1 = 15 (reached at temperature 3)
        if (CASES[c].temperature == 3.0f) CHECK(longest == 15, "%s: at temperature 3 the longest name has %d characters, not 15", preset, longest);
    }
    mm_trainer_free(t);
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
    static const struct { const char* preset; int extends; } PRESETS[] = {{"rnn", 1}, {"gru", 1}, {"lstm", 1}, {"bow", 1}, {"mlp", 0}};
    for (int engine = 0; engine < 2; engine++)
        for (size_t p = 0; p < sizeof PRESETS / sizeof PRESETS[0]; p++) check_preset(&w, PRESETS[p].preset, engine, PRESETS[p].extends);
    mm_words_free(&w);
    printf("%d checks, %d failures\n", checks, failures);
    return failures != 0;
}
