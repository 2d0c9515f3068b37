// test_layer_list.c: the layer list (mm_model_layer, mm_config_layers) against
// the lecture's printed `for l in model.layers: print(l.__class__.__name__, ":",
// tuple(l.out.shape))` (makemore part 5, batch 4), its parameter counts, and per
// layer against the tensors an allocated model names with that layer's prefix.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "makemore.h"
#include "check.h"

typedef struct {
    const char* kind;
    int ndim, s0, s1, s2;
} row;

// The lecture's printouts (lines "Embedding : (4, 8, 10)" ...), batch 4.
static const row MLP8[] = {{"Embedding", 3, 4, 8, 10}, {"FlattenConsecutive", 2, 4, 80, 0}, {"Linear", 2, 4, 200, 0},
                           {"BatchNorm1d", 2, 4, 200, 0}, {"Tanh", 2, 4, 200, 0},             {"Linear", 2, 4, 27, 0}};
static const row WAVENET22K[] = {
    {"Embedding", 3, 4, 8, 10},    {"FlattenConsecutive", 3, 4, 4, 20}, {"Linear", 3, 4, 4, 68},  {"BatchNorm1d", 3, 4, 4, 68},
    {"Tanh", 3, 4, 4, 68},         {"FlattenConsecutive", 3, 4, 2, 136}, {"Linear", 3, 4, 2, 68}, {"BatchNorm1d", 3, 4, 2, 68},
    {"Tanh", 3, 4, 2, 68},         {"FlattenConsecutive", 2, 4, 136, 0},   {"Linear", 2, 4, 68, 0},     {"BatchNorm1d", 2, 4, 68, 0},
    {"Tanh", 2, 4, 68, 0},            {"Linear", 2, 4, 27, 0}};
// The lecture's hierarchical model before it shrinks n_hidden to 68 (block 8, n_embd 10, n_hidden 200).
static const row HIER200[] = {
    {"Embedding", 3, 4, 8, 10},     {"FlattenConsecutive", 3, 4, 4, 20}, {"Linear", 3, 4, 4, 200}, {"BatchNorm1d", 3, 4, 4, 200},
    {"Tanh", 3, 4, 4, 200},         {"FlattenConsecutive", 3, 4, 2, 400}, {"Linear", 3, 4, 2, 200}, {"BatchNorm1d", 3, 4, 2, 200},
    {"Tanh", 3, 4, 2, 200},         {"FlattenConsecutive", 2, 4, 400, 0},   {"Linear", 2, 4, 200, 0},     {"BatchNorm1d", 2, 4, 200, 0},
    {"Tanh", 2, 4, 200, 0},            {"Linear", 2, 4, 27, 0}};
// The 76K model is the 22K one with n_embd 24, n_hidden 128 ("the exact same architecture"), at batch 32.
static const row WAVENET76K[] = {
    {"Embedding", 3, 32, 8, 24},     {"FlattenConsecutive", 3, 32, 4, 48}, {"Linear", 3, 32, 4, 128}, {"BatchNorm1d", 3, 32, 4, 128},
    {"Tanh", 3, 32, 4, 128},         {"FlattenConsecutive", 3, 32, 2, 256}, {"Linear", 3, 32, 2, 128}, {"BatchNorm1d", 3, 32, 2, 128},
    {"Tanh", 3, 32, 2, 128},         {"FlattenConsecutive", 2, 32, 256, 0},   {"Linear", 2, 32, 128, 0},     {"BatchNorm1d", 2, 32, 128, 0},
    {"Tanh", 2, 32, 128, 0},            {"Linear", 2, 32, 27, 0}};

static mm_config preset(const char* name) {
    mm_config c;
    mm_err err = {0};
    CHECK(mm_config_preset(&c, name, &err) == MM_OK, "%s: %s", name, err.msg);
    c.vocab_size = 27;
    return c;
}

static void check_rows(const char* what, const mm_config* c, int B, const row* want, int n_want, long total) {
    mm_layer_info L[64];
    int n = 0;
    mm_err err = {0};
    CHECK(mm_config_layers(c, B, L, 64, &n, &err) == MM_OK, "%s: %s", what, err.msg);
    CHECK(n == n_want, "%s: %d layers, the lecture prints %d", what, n, n_want);
    long sum = 0;
    for (int i = 0; i < n && i < n_want; i++) {
        const mm_layer_info* l = &L[i];
        const row* w = &want[i];
        int same = strcmp(l->kind, w->kind) == 0 && l->ndim == w->ndim && l->shape[0] == w->s0 && l->shape[1] == w->s1 &&
                   (w->ndim == 2 || l->shape[2] == w->s2);
        CHECK(same, "%s layer %d: %s (%d, %d, %d) ndim %d, the lecture's %s (%d, %d, %d) ndim %d", what, i, l->kind, l->shape[0],
              l->shape[1], l->shape[2], l->ndim, w->kind, w->s0, w->s1, w->s2, w->ndim);
        CHECK(l->index == i && !l->per_position, "%s layer %d: index %d, per_position %d", what, i, l->index, l->per_position);
        CHECK(l->in[0] == (i == 0 ? MM_LAYER_TOKENS : i - 1), "%s layer %d reads %d", what, i, l->in[0]);
        CHECK(strcmp(l->kind, "FlattenConsecutive") == 0 ? l->factor == (c->n_consec ? c->n_consec : c->block_size) : l->factor == 0,
              "%s layer %d: factor %d", what, i, l->factor);
        sum += l->n_params;
    }
    if (total) CHECK(sum == total, "%s: layers' parameters sum to %ld, the lecture's %ld", what, sum, total);
}

// Per layer: its parameters = the sizes of the (non-buffer) tensors an allocated model names "<prefix>.*";
// the sum = mm_model_num_params; the model's list = the configuration's.
static void check_against_tensors(const char* name) {
    mm_config c = preset(name);
    mm_err err = {0};
    mm_model* m = mm_model_new(&c, NULL, 1, 8, &err);
    CHECK(m != NULL, "%s: %s", name, err.msg);
    if (!m) return;
    mm_layer_info from_cfg[128];
    int n_cfg = 0;
    CHECK(mm_config_layers(&c, 32, from_cfg, 128, &n_cfg, &err) == MM_OK, "%s: %s", name, err.msg);
    CHECK(n_cfg == mm_model_num_layers(m), "%s: %d layers from the configuration, %d in the model", name, n_cfg, mm_model_num_layers(m));
    long sum = 0;
    for (int i = 0; i < mm_model_num_layers(m); i++) {
        mm_layer_info l;
        CHECK(mm_model_layer(m, i, 32, &l, &err) == MM_OK, "%s layer %d: %s", name, i, err.msg);
        long named = 0;
        size_t pl = strlen(l.prefix);
        for (int t = 0; t < mm_model_num_tensors(m); t++) {
            const mm_tensor_info* ti = mm_model_tensor(m, t);
            if (!ti->is_buffer && strncmp(ti->name, l.prefix, pl) == 0 && (ti->name[pl] == '.' || ti->name[pl] == 0)) named += ti->size;
            // a recurrent cell's start states are named as makemore.py's RNN's, without the cell's prefix
            if (strstr(l.kind, "Cell") && (!strcmp(ti->name, "start") || !strcmp(ti->name, "start_c"))) named += ti->size;
        }
        CHECK(l.n_params == named, "%s layer %d (%s, %s): %ld parameters, its tensors hold %ld", name, i, l.kind, l.prefix, l.n_params, named);
        CHECK(i >= n_cfg || memcmp(&l.shape, &from_cfg[i].shape, sizeof l.shape) == 0, "%s layer %d: model and config differ", name, i);
        for (int k = 0; k < l.n_in; k++) CHECK(l.in[k] < i && l.in[k] >= MM_LAYER_TOKENS, "%s layer %d input %d: %d", name, i, k, l.in[k]);
        sum += l.n_params;
    }
    CHECK(sum == mm_model_num_params(m), "%s: layers' parameters sum to %ld, the model has %ld", name, sum, mm_model_num_params(m));
    mm_model_free(m);
}

// The conv form: the 76K model's parameters under its names, Conv1d(2, dilation 1, 2, 4), rows (B, 8, C).
static void check_conv(void) {
    mm_config c = preset("wavenet76k-conv"), h = preset("wavenet76k");
    mm_layer_info L[64], H[64];
    int n = 0, nh = 0;
    mm_err err = {0};
    CHECK(mm_config_layers(&c, 32, L, 64, &n, &err) == MM_OK && mm_config_layers(&h, 32, H, 64, &nh, &err) == MM_OK, "%s", err.msg);
    static const char* kinds[] = {"Embedding", "Conv1d", "BatchNorm1d", "Tanh", "Conv1d", "BatchNorm1d", "Tanh",
                                  "Conv1d",    "BatchNorm1d", "Tanh", "Linear"};
    CHECK(n == 11, "conv: %d layers, not 11", n);
    int dil = 1;
    for (int i = 0; i < n && i < 11; i++) {
        CHECK(strcmp(L[i].kind, kinds[i]) == 0, "conv layer %d: %s, not %s", i, L[i].kind, kinds[i]);
        CHECK(L[i].per_position && L[i].ndim == 3 && L[i].shape[0] == 32 && L[i].shape[1] == 8, "conv layer %d: not (32, 8, C)", i);
        if (strcmp(L[i].kind, "Conv1d") == 0) {
            CHECK(L[i].kernel == 2 && L[i].dilation == dil, "conv layer %d: kernel %d dilation %d, not 2, %d", i, L[i].kernel, L[i].dilation, dil);
            dil *= 2;
        }
        long same = -1; // the hierarchical model's layers of the same prefix: the same parameters
        for (int j = 0; j < nh; j++)
            if (strcmp(H[j].prefix, L[i].prefix) == 0) same = H[j].n_params;
        if (L[i].n_params) CHECK(same == L[i].n_params, "conv layer %d (%s): %ld parameters, wavenet76k's %ld", i, L[i].prefix, L[i].n_params, same);
    }
    CHECK(n == 11 && L[10].shape[2] == 27 && strcmp(L[1].prefix, "layers.2") == 0 && strcmp(L[10].prefix, "layers.13") == 0,
          "conv: the output layer or the names");
}

// The gated form: Adds of two earlier layers; bad arguments refused with a message.
static void check_gated_and_errors(void) {
    mm_config c = preset("wavenet-gated");
    mm_layer_info L[128];
    int n = 0, adds = 0;
    mm_err err = {0};
    CHECK(mm_config_layers(&c, 4, L, 128, &n, &err) == MM_OK, "gated: %s", err.msg);
    for (int i = 0; i < n; i++)
        if (strcmp(L[i].kind, "Add") == 0) {
            adds++;
            CHECK(L[i].n_in == 2 && L[i].in[0] >= 0 && L[i].in[0] < i && L[i].in[1] >= 0 && L[i].in[1] < i, "gated Add %d: inputs", i);
        }
    CHECK(adds == 4, "gated: %d Adds, not 4 (2 residual, 2 skip sums for 3 blocks)", adds);
    int small = 0;
    CHECK(mm_config_layers(&c, 4, L, 3, &small, &err) == MM_OK && small == n, "cap 3: the count %d, not %d", small, n);
    CHECK(mm_config_layers(&c, 0, L, 128, &n, &err) == MM_EINVAL && strstr(err.msg, "batch size 0"), "batch 0: %s", err.msg);
    mm_config bad = preset("wavenet76k");
    bad.block_size = 6;
    long np;
    mm_err want = {0};
    mm_config_check(&bad, &np, &want);
    CHECK(mm_config_layers(&bad, 32, L, 128, &n, &err) == MM_EINVAL && strcmp(err.msg, want.msg) == 0 && strstr(err.msg, "power"),
          "block 6: '%s' (mm_config_check: '%s')", err.msg, want.msg);
    mm_model* m = mm_model_new(&c, NULL, 1, 4, &err);
    mm_layer_info one;
    CHECK(m && mm_model_layer(m, mm_model_num_layers(m), 4, &one, &err) == MM_EINVAL && strstr(err.msg, "layer index"), "index: %s", err.msg);
    CHECK(m && mm_model_layer(m, -1, 4, &one, &err) == MM_EINVAL && strstr(err.msg, "-1"), "index -1: %s", err.msg);
    CHECK(m && mm_model_layer(m, 0, MM_MAX_BATCH + 1, &one, &err) == MM_EINVAL && strstr(err.msg, "batch size"), "batch: %s", err.msg);
    mm_model_free(m);
}

int main(void) {
    mm_config c = preset("mlp8");
    check_rows("mlp8", &c, 4, MLP8, 6, 22097);
    c = preset("wavenet22k");
    check_rows("wavenet22k", &c, 4, WAVENET22K, 14, 22397);
    c = preset("wavenet22k-bnbug");
    check_rows("wavenet22k-bnbug", &c, 4, WAVENET22K, 14, 22397);
    c = preset("wavenet22k");
    c.n_hidden = 200;
    check_rows("hierarchical 200", &c, 4, HIER200, 14, 0);
    c = preset("wavenet76k");
    check_rows("wavenet76k", &c, 32, WAVENET76K, 14, 76579);
    for (int i = 0; mm_preset_name(i); i++) check_against_tensors(mm_preset_name(i));
    check_conv();
    check_gated_and_errors();
    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
