// test_layers.c: models made of explicit layer lists (src/layers.h), beyond the
// configuration's Sequential: residual connections (Add), an output read by
// several layers, an Add of a layer with itself. Every gradient against central
// finite differences, on both engines; and bad lists refused with a message.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/model.h"
#include "check.h"
#include "fd.h"

enum { V = 7, T = 4, E = 3, H = 5, B = 6 };

static layer mk(int type, int in0, int in1) { return mm_layer_make(type, in0, in1); }
// vocabulary V and context T: what a layer list reads from its configuration (the examples family)
static mm_config small_config(void) {
    mm_config c;
    mm_config_default(&c, 0, NULL);
    c.vocab_size = V; c.block_size = T; c.n_embd = E; c.n_hidden = H;
    return c;
}

static layer linear(int in, int C_out, int bias) {
    layer l = mk(L_LINEAR, in, 0);
    l.C_out = C_out; l.has_bias = bias;
    return l;
}

// 0 Embedding, 1 Flatten(T), 2 Linear(H) — the stem every graph below starts with.
static int stem(layer* L) {
    L[0] = mk(L_EMBED, IN_TOKENS, 0); L[0].n = V; L[0].C_out = E;
    L[1] = mk(L_FLATTEN, 0, 0); L[1].n = T;
    L[2] = linear(1, H, 1);
    return 3;
}

// A residual block: 3 Tanh(2), 4 Linear(3), 5 BatchNorm(4), 6 Tanh(5), 7 Add(6, 3), 8 Linear(7 -> V)
static int residual(layer* L) {
    int n = stem(L);
    L[n++] = mk(L_TANH, 2, 0);
    L[n++] = linear(3, H, 0);
    L[n++] = mk(L_BATCHNORM, 4, 0);
    L[n++] = mk(L_TANH, 5, 0);
    L[n++] = mk(L_ADD, 6, 3);
    L[n++] = linear(7, V, 1);
    return n;
}

// Fan-out: 3 Tanh(2) read by 4 Linear, 5 Add(4, 3) and 6 Add(5, 3); 7 Add(6, 6) (the same input twice); 8 Linear -> V
static int fan_out(layer* L) {
    int n = stem(L);
    L[n++] = mk(L_TANH, 2, 0);
    L[n++] = linear(3, H, 1);
    L[n++] = mk(L_ADD, 4, 3);
    L[n++] = mk(L_ADD, 5, 3);
    L[n++] = mk(L_ADD, 6, 6);
    L[n++] = linear(7, V, 1);
    return n;
}

// Weight tying: one (12, 12) weight and bias read by three Linear layers (2, 4, 6), and one output (3) read by
// three layers (4, 6, 8): 0 Embedding, 1 Flatten(T) -> 12, 2 Linear(12), 3 Tanh, 4 Linear(3) tied to 2, 5 Tanh,
// 6 Linear(3) tied to 2, 7 Add(5, 6), 8 Add(7, 3), 9 Linear -> V. Its gradients are the sums over the readers.
static int tied(layer* L) {
    int n = stem(L);
    L[2].C_out = T * E; // square: every reader of the weight takes and gives T*E values
    L[n++] = mk(L_TANH, 2, 0);
    L[n++] = linear(3, T * E, 1);
    L[n - 1].share[0] = L[n - 1].share[1] = 2;
    L[n++] = mk(L_TANH, 4, 0);
    L[n++] = linear(3, T * E, 1);
    L[n - 1].share[0] = L[n - 1].share[1] = 2;
    L[n++] = mk(L_ADD, 5, 6);
    L[n++] = mk(L_ADD, 7, 3);
    L[n++] = linear(8, V, 1);
    return n;
}

static void test_gradients(mm_pool* pool) {
    static const struct { const char* what; int (*make)(layer*); } G[] = {
        {"residual block", residual}, {"fan-out", fan_out}, {"tied weights", tied}};
    mm_config c = small_config();
    for (int engine = MM_ENGINE_REPRODUCIBLE; engine <= MM_ENGINE_FAST; engine++)
        for (int gi = 0; gi < 3; gi++) {
            layer L[16];
            int n = G[gi].make(L);
            mm_err err = {0};
            mm_model* m = mm_model_new_layers(&c, L, n, 11 + gi, B, &err);
            CHECK(m != NULL, "%s: %s", G[gi].what, err.msg);
            if (!m) continue;
            CHECK(mm_model_set_engine(m, engine, engine == MM_ENGINE_FAST ? pool : NULL, &err) == MM_OK, "engine: %s", err.msg);
            mm_rng r;
            mm_rng_seed(&r, 5);
            uint16_t X[B * T], Y[B];
            for (int i = 0; i < B * T; i++) X[i] = (uint16_t)(mm_rng_u32(&r) % V);
            for (int i = 0; i < B; i++) Y[i] = (uint16_t)(mm_rng_u32(&r) % V);
            float* p = mm_model_params(m);
            for (long k = 0; k < mm_model_num_params(m); k++) p[k] += 0.3f * mm_rng_normal(&r);
            long k;
            double worst = fd_worst_gradient(m, X, Y, B, &k);
            CHECK(worst <= 1.0, "%s (%s): gradient of parameter %ld off (error/tolerance %.2f)", G[gi].what, mm_model_kernels(m), k, worst);
            printf("finite differences, %s, %s kernels: %ld parameters, worst error/tolerance %.3f\n", G[gi].what,
                   mm_model_kernels(m), mm_model_num_params(m), worst);
            if (gi == 2) // the tied weight and bias are one tensor each: the owner's, counted once
                CHECK(mm_model_num_params(m) == V * E + (T * E) * (T * E) + T * E + T * E * V + V && mm_model_num_tensors(m) == 5,
                      "tied: %ld parameters in %d tensors", mm_model_num_params(m), mm_model_num_tensors(m));
            mm_model_free(m);
        }
}

// Gradients accumulate: a batch run twice without a zero-grad gives twice its gradient (within rounding: the second
// pass's sums continue from the first's), and mm_model_forward_backward starts from zero.
static void accumulate_case(int (*make)(layer*), double rel) {
    mm_config c = small_config();
    layer L[16];
    int n = make(L);
    mm_err err = {0};
    mm_model* m = mm_model_new_layers(&c, L, n, 3, B, &err);
    CHECK(m != NULL, "graph: %s", err.msg);
    if (!m) return;
    uint16_t X[B * T], Y[B];
    for (int i = 0; i < B * T; i++) X[i] = (uint16_t)(i * 5 % V);
    for (int i = 0; i < B; i++) Y[i] = (uint16_t)(i * 3 % V);
    long np = mm_model_num_params(m);
    float* once = malloc(sizeof(float) * (size_t)np);
    float loss;
    mm_model_forward_backward(m, X, Y, B, &loss, &err);
    memcpy(once, mm_model_grads(m), sizeof(float) * (size_t)np);
    CHECK(mm_model_accumulate(m, X, Y, B, &loss, &err) == MM_OK, "accumulate: %s", err.msg);
    long bad = 0;
    for (long k = 0; k < np; k++) bad += !(fabs(mm_model_grads(m)[k] - 2.0 * once[k]) <= rel * fabs(2.0 * once[k]) + 1e-7);
    CHECK(bad == 0, "two passes without zero-grad: %ld of %ld gradients are not twice one pass's (within %g)", bad, np, rel);
    mm_model_forward_backward(m, X, Y, B, &loss, &err);
    CHECK(memcmp(mm_model_grads(m), once, sizeof(float) * (size_t)np) == 0, "forward_backward starts from a zeroed gradient");
    mm_model_zero_grad(m);
    bad = 0;
    for (long k = 0; k < np; k++) bad += mm_model_grads(m)[k] != 0.0f;
    CHECK(bad == 0, "zero-grad leaves %ld gradients", bad);
    free(once);
    mm_model_free(m);
}

static void test_accumulate(void) {
    accumulate_case(residual, 1e-5);
    accumulate_case(tied, 1e-5);
}

// Bad layer lists are refused with a message naming the problem.
static void test_bad_lists(void) {
    mm_config c = small_config();
    mm_err err = {0};
    layer L[16];
    int n = residual(L);
    L[7].in[1] = 8; // reads a later layer
    CHECK(mm_model_new_layers(&c, L, n, 1, B, &err) == NULL && strstr(err.msg, "earlier"), "a forward reference: %s", err.msg);
    n = residual(L);
    L[7].in[1] = 1; // Add of (1, H) and the Flatten's (1, T*E)
    CHECK(mm_model_new_layers(&c, L, n, 1, B, &err) == NULL && strstr(err.msg, "Add needs two inputs of one shape"), "shapes: %s",
          err.msg);
    n = residual(L);
    L[n - 1].C_out = V + 1;
    CHECK(mm_model_new_layers(&c, L, n, 1, B, &err) == NULL && strstr(err.msg, "logits"), "no logits: %s", err.msg);
    n = stem(L);
    L[1].n = 3; // 4 positions do not split in groups of 3
    L[n++] = linear(2, V, 1);
    CHECK(mm_model_new_layers(&c, L, n, 1, B, &err) == NULL && strstr(err.msg, "divisible"), "flatten: %s", err.msg);
    CHECK(mm_model_new_layers(&c, L, 0, 1, B, &err) == NULL && strstr(err.msg, "layers"), "no layers: %s", err.msg);
}

// A chain built as a list gives bitwise what the configuration's model gives.
static void test_same_as_config(void) {
    mm_config c = small_config();
    layer L[8];
    int n = stem(L);
    L[2].has_bias = 0;
    L[n++] = mk(L_BATCHNORM, 2, 0);
    L[n++] = mk(L_TANH, 3, 0);
    L[n++] = linear(4, V, 1);
    L[n - 1].init_gain = 0.1f; // the lecture's last layer, less confident (the family's builder says so)
    mm_err err = {0};
    mm_model* a = mm_model_new_layers(&c, L, n, 3, B, &err);
    mm_model* b = mm_model_new(&c, NULL, 3, B, &err);
    CHECK(a && b, "models: %s", err.msg);
    if (!a || !b) { mm_model_free(a); mm_model_free(b); return; }
    uint16_t X[B * T], Y[B];
    for (int i = 0; i < B * T; i++) X[i] = (uint16_t)(i * 5 % V);
    for (int i = 0; i < B; i++) Y[i] = (uint16_t)(i * 3 % V);
    float la, lb;
    for (int s = 0; s < 3; s++) {
        mm_model_sgd_step(a, X, Y, B, 0.1f, &la, &err);
        mm_model_sgd_step(b, X, Y, B, 0.1f, &lb, &err);
        CHECK(memcmp(&la, &lb, 4) == 0, "step %d: loss %.9g vs %.9g", s, la, lb);
    }
    CHECK(mm_model_num_params(a) == mm_model_num_params(b) &&
          memcmp(mm_model_params(a), mm_model_params(b), sizeof(float) * (size_t)mm_model_num_params(a)) == 0,
          "the parameters differ after 3 steps");
    mm_model_free(a);
    mm_model_free(b);
}

// The lecture's class names, by the enum (the reference: the lecture's classes and the forms' layers).
static void test_type_names(void) {
    static const char* want[L_N_TYPES] = {"Embedding", "FlattenConsecutive", "Linear", "BatchNorm1d", "Tanh",
                                          "Add",       "Conv1d",             "Gate",   "ReLU",  "RNNCell",
                                          "GRUCell",   "LSTMCell",           "CausalBoW"};
    int types[L_N_TYPES] = {L_EMBED, L_FLATTEN, L_LINEAR, L_BATCHNORM, L_TANH, L_ADD, L_CONV1D, L_GATE, L_RELU, L_RNN, L_GRU, L_LSTM, L_BOW};
    for (int i = 0; i < L_N_TYPES; i++) {
        const char* got = mm_layer_type_name(types[i]);
        CHECK(got && strcmp(got, want[i]) == 0, "type %d: %s, want %s", types[i], got ? got : "NULL", want[i]);
    }
    CHECK(mm_layer_type_name(-1) == NULL && mm_layer_type_name(L_N_TYPES) == NULL, "a type out of range has no name");
}

int main(void) {
    test_accumulate();
    mm_err err = {0};
    test_type_names();
    mm_pool* pool = mm_pool_new(2, &err);
    test_gradients(pool);
    test_bad_lists();
    test_same_as_config();
    mm_pool_free(pool);
    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
