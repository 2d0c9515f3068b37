// test_cell_stats.c: the diagnostics of makemore.py's recurrent cells. The reference
// is arithmetic: with every weight 0, a gate's pre-activation is its bias, so a bias
// of +-100 saturates it (sigmoid 0 or 1, tanh +-1) at every row and a bias of 0
// leaves it at sigmoid 0.5 / tanh 0: the fractions saturated are exactly 1 and 0.
// GRUCell's z, r, hbar; LSTMCell's i, f, g, o; an RNNCell's output (a tanh) as a
// Tanh's. Also the JSON carries them.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "makemore.h"
#include "check.h"
#include "config.h"

// Sets every parameter to 0 and the named tensor's (H-wide) blocks to the given values.
static void set_bias(mm_model* m, const char* name, const float* blocks, int n_blocks, int H) {
    for (int t = 0; t < mm_model_num_tensors(m); t++) {
        const mm_tensor_info* ti = mm_model_tensor(m, t);
        if (ti->is_buffer) continue;
        float* p = mm_model_params(m) + ti->offset;
        memset(p, 0, sizeof(float) * (size_t)ti->size);
        if (!strcmp(ti->name, name))
            for (int b = 0; b < n_blocks; b++)
                for (int k = 0; k < H; k++) p[b * H + k] = blocks[b];
    }
}

// One step with statistics on the words "ab" and "b" (block 4, tokens 0 a b).
static const mm_layer_stats* step(mm_model* m, mm_stats* s) {
    static const uint16_t X[] = {0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 2};
    static const uint16_t Y[] = {1, 2, 0, 2, 0};
    mm_err err = {0};
    float loss;
    CHECK(mm_model_sgd_step_stats(m, X, Y, 5, 0.0f, &loss, s, 0, &err) == MM_OK, "%s", err.msg);
    return mm_stats_layer(s, 1); // wte, cell, lm_head
}

static void check_cell(const char* cell, const char* bias, const float* blocks, int n, const char* const* names, const double* want) {
    mm_err err = {0};
    char text[128];
    snprintf(text, sizeof text, "form rnn vocab_size 3 block_size 4 n_embd 3 n_hidden 5 cell_type %s", cell);
    mm_config c = cfg_text(text);
    mm_model* m = mm_model_new(&c, NULL, 1, 8, &err);
    CHECK(m, "%s: %s", cell, err.msg);
    if (!m) return;
    mm_stats* s = mm_stats_new(m, &err);
    set_bias(m, bias, blocks, n, 5);
    const mm_layer_stats* l = step(m, s);
    CHECK(l && l->n_gates == (names ? n : 0), "%s: %d gates", cell, l ? l->n_gates : -1);
    for (int g = 0; l && names && g < n && g < l->n_gates; g++)
        CHECK(!strcmp(l->gates[g].name, names[g]) && l->gates[g].saturated == want[g], "%s gate %d: %s %g, want %s %g", cell, g,
              l->gates[g].name, l->gates[g].saturated, names[g], want[g]);
    if (!names) CHECK(l && l->saturated == want[0], "%s: saturated %g, want %g", cell, l ? l->saturated : -1.0, want[0]);
    const char* json = mm_stats_json(s, NULL);
    CHECK(json && (!names || strstr(json, "\"gates\":[{\"name\":")), "%s: the JSON has its gates", cell);
    mm_stats_free(s);
    mm_model_free(m);
}

int main(void) {
    static const char* const GRU[] = {"z", "r", "hbar"};
    static const char* const LSTM[] = {"i", "f", "g", "o"};
    mm_err err = {0};
    { // GRU: xh_to_z.bias +100 (z = 1), xh_to_r.bias 0 (r = 0.5), xh_to_hbar.bias -100 (tanh -1)
        mm_config c = cfg_text("form rnn vocab_size 3 block_size 4 n_embd 3 n_hidden 5 cell_type gru");
        mm_model* m = mm_model_new(&c, NULL, 1, 8, &err);
        mm_stats* s = mm_stats_new(m, &err);
        set_bias(m, "cell.xh_to_z.bias", (const float[]){100.0f}, 1, 5);
        for (int t = 0; t < mm_model_num_tensors(m); t++) // and hbar's bias -100, keeping z's
            if (!strcmp(mm_model_tensor(m, t)->name, "cell.xh_to_hbar.bias"))
                for (int k = 0; k < 5; k++) mm_model_params(m)[mm_model_tensor(m, t)->offset + k] = -100.0f;
        const mm_layer_stats* l = step(m, s);
        double want[] = {1, 0, 1};
        CHECK(l->n_gates == 3, "gru: %d gates", l->n_gates);
        for (int g = 0; g < 3 && g < l->n_gates; g++)
            CHECK(!strcmp(l->gates[g].name, GRU[g]) && l->gates[g].saturated == want[g], "gru gate %s: %g, want %g", GRU[g],
                  l->gates[g].saturated, want[g]);
        mm_stats_free(s);
        mm_model_free(m);
    }
    // LSTM: the gates' bias blocks i, f, g, o = -100, 0, +100, 0
    check_cell("lstm", "cell.bias_ih", (const float[]){-100.0f, 0.0f, 100.0f, 0.0f}, 4, LSTM, (const double[]){1, 0, 1, 0});
    // RNN: its output tanh(bias): +100 saturates every row, 0 none
    check_cell("rnn", "cell.xh_to_h.bias", (const float[]){100.0f}, 1, NULL, (const double[]){1});
    check_cell("rnn", "cell.xh_to_h.bias", (const float[]){0.0f}, 1, NULL, (const double[]){0});
    printf("%d checks, %d failures\n", checks, failures);
    return failures != 0;
}
