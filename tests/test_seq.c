// test_seq.c: the sequence models (form conv and gated, src/model.c's row plan):
//  - every parameter's gradient against central finite differences (Conv1d with
//    several kernel sizes and dilations, the gate, ReLU, BatchNorm over rows with
//    the shared padding row), on whole-word batches with edge lengths (1-letter
//    words, words longer than the block, a word cut at the batch's end, a batch
//    of 2) and on contexts that are no word's (evaluation chunks, sampling);
//  - equivalence: with the hierarchical model's weights, the conv form's
//    eval-mode logits equal the lecture's model's for every example, block sizes
//    2, 4, 8 and 16 (and kernel 3), whole words and lone contexts alike; a model
//    file of the one loads into the other;
//  - the trainer's whole-word batches, threads giving bitwise the same steps;
//  - bad configurations refused with a message naming the problem.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "makemore.h"
#include "check.h"
#include "config.h"
#include "fd.h"

enum { V = 8, MAXB = 64 }; // tokens 0 (the end) and a..g

static const char* const WORDS[] = {"abc", "f", "cabbagefeed", "ba", "edged", "a", "faced", "cafe"};
#define N_WORDS (int)(sizeof WORDS / sizeof WORDS[0])

static mm_config seq_config(const char* family, int block, int k, int E, int H) {
    mm_config c;
    mm_config_default(&c, mm_family_find(family), NULL);
    c.vocab_size = V; c.block_size = block; c.n_embd = E; c.n_hidden = H; c.n_consec = k;
    return c;
}

// ---------------------------------------------------------------- finite differences

// The tensor that parameter k is in.
static const char* param_name(const mm_model* m, long k) {
    for (int i = 0; i < mm_model_num_tensors(m); i++) {
        const mm_tensor_info* t = mm_model_tensor(m, i);
        if (!t->is_buffer && k >= t->offset && k < t->offset + t->size) return t->name;
    }
    return "?";
}

static float loss_at(mm_model* m, long k, float v, const uint16_t* X, const uint16_t* Y, int B) {
    mm_err err = {0};
    float* p = mm_model_params(m);
    float p0 = p[k], loss = NAN;
    p[k] = v;
    mm_model_forward_backward(m, X, Y, B, &loss, &err);
    p[k] = p0;
    return loss;
}

// fd.h's check, where a parameter's loss has a kink nearby (a ReLU's input
// crossing 0; its gradient there is 0, as torch's) judged from one-sided
// differences instead: central differences at h = 3e-3 when both sides agree,
// else the analytic gradient must lie between the two sides (a subgradient).
static double fd_with_kinks(mm_model* m, const uint16_t* X, const uint16_t* Y, int B, long* worst_k, int* kinks) {
    mm_err err = {0};
    float loss;
    long np = mm_model_num_params(m), dummy;
    float* g = malloc(sizeof(float) * (size_t)np);
    double worst = 0;
    *worst_k = -1;
    if (!g) return INFINITY;
    mm_model_forward_backward(m, X, Y, B, &loss, &err);
    memcpy(g, mm_model_grads(m), sizeof(float) * (size_t)np);
    double plain = fd_worst_gradient(m, X, Y, B, &dummy);
    for (long k = 0; plain > 1.0 && k < np; k++) {
        float p0 = mm_model_params(m)[k], h = 3e-3f;
        double l0 = loss_at(m, k, p0, X, Y, B), lp = loss_at(m, k, p0 + h, X, Y, B), lm = loss_at(m, k, p0 - h, X, Y, B);
        double up = (lp - l0) / h, down = (l0 - lm) / h, tol = 5e-4 + 1e-2 * fabs(up + down) / 2; // float noise: ~1e-4 a side
        double e;
        if (fabs(up - down) <= 2 * tol) e = fabs((up + down) / 2 - g[k]) / tol;
        else {
            double lo = up < down ? up : down, hi = up < down ? down : up;
            e = g[k] < lo ? (lo - g[k]) / tol : g[k] > hi ? (g[k] - hi) / tol : 0.0;
            ++*kinks;
        }
        if (e > worst) { worst = e; *worst_k = k; }
    }
    free(g);
    return plain > 1.0 ? worst : plain;
}

static void fd_case(const char* name, const mm_config* c, int max_examples, int lone) {
    mm_err err = {0};
    mm_model* m = mm_model_new(c, NULL, 11, MAXB, &err);
    CHECK(m, "%s: %s", name, err.msg);
    if (!m) return;
    uint16_t X[MAXB * 32], Y[MAXB];
    int B = words_to_examples(WORDS, N_WORDS, c->block_size, max_examples, X, Y);
    if (lone) // contexts that continue nothing: each example's context on its own, shuffled
        for (int i = 0; i < B; i += 3) {
            int j = (i * 7 + 5) % B;
            for (int t = 0; t < c->block_size; t++) { uint16_t s = X[i * c->block_size + t]; X[i * c->block_size + t] = X[j * c->block_size + t]; X[j * c->block_size + t] = s; }
            uint16_t s = Y[i]; Y[i] = Y[j]; Y[j] = s;
        }
    // BatchNorm's statistics away from their start: a few steps first
    float loss;
    for (int s = 0; s < 3; s++) CHECK(mm_model_sgd_step(m, X, Y, B, 0.2f, &loss, &err) == MM_OK, "%s: %s", name, err.msg);
    long k;
    int kinks = 0;
    double worst = fd_with_kinks(m, X, Y, B, &k, &kinks);
    printf("  %-32s %4ld params, %2d examples: worst gradient error %.3f of tolerance (%s)%s\n", name, mm_model_num_params(m), B,
           worst, k >= 0 ? param_name(m, k) : "-", kinks ? ", some at a ReLU's kink" : "");
    CHECK(worst <= 1.0, "%s: gradient %ld (%s) off by %.2f of its tolerance", name, k, param_name(m, k), worst);
    mm_model_free(m);
}

// The fast engine (its fused Embedding + first Conv1d tables, FMA) against the reference
// engine on one batch: the same loss and gradients up to summation order.
static void fast_vs_reference(const char* name, const mm_config* c) {
    mm_err err = {0};
    mm_model* m = mm_model_new(c, NULL, 11, MAXB, &err);
    CHECK(m, "%s: %s", name, err.msg);
    if (!m) return;
    uint16_t X[MAXB * 32], Y[MAXB];
    int B = words_to_examples(WORDS, N_WORDS, c->block_size, 40, X, Y);
    long np = mm_model_num_params(m);
    float* g = malloc(sizeof(float) * (size_t)np);
    float l_ref, l_fast;
    mm_model_forward_backward(m, X, Y, B, &l_ref, &err);
    memcpy(g, mm_model_grads(m), sizeof(float) * (size_t)np);
    mm_model_set_engine(m, MM_ENGINE_FAST, NULL, &err);
    mm_model_forward_backward(m, X, Y, B, &l_fast, &err);
    double worst = 0;
    for (long k = 0; k < np; k++) {
        double d = fabs((double)mm_model_grads(m)[k] - g[k]) / (1e-6 + 1e-4 * fabs((double)g[k]));
        if (d > worst) worst = d;
    }
    printf("  %-32s fast vs reference engine: loss %.7f vs %.7f, worst gradient %.3f of rtol 1e-4 + atol 1e-6\n", name, l_fast, l_ref, worst);
    CHECK(fabs(l_fast - l_ref) <= 1e-5 * fabs(l_ref) && worst <= 1.0, "%s: the fast engine differs (loss %g vs %g, gradient %.2f)", name,
          l_fast, l_ref, worst);
    free(g);
    mm_model_free(m);
}

static void test_gradients(void) {
    mm_config conv4 = seq_config("conv", 4, 2, 3, 5);            // dilations 1, 2
    mm_config conv9 = seq_config("conv", 9, 3, 3, 4);            // kernel 3, dilations 1, 3
    mm_config gated = seq_config("gated", 8, 2, 4, 3);           // dilations 1, 2, 4, BatchNorm
    cfg_set(&gated, "n_blocks", "3"); cfg_set(&gated, "n_skip", "5");
    mm_config cycle = seq_config("gated", 7, 2, 3, 2);           // dilations 1, 2, 1, 2, biases, no norm
    cfg_set(&cycle, "n_blocks", "4"); cfg_set(&cycle, "dilation_cycle", "2"); cfg_set(&cycle, "n_skip", "4");
    cfg_set(&cycle, "gated_norm", "none");
    mm_config gated3 = seq_config("gated", 9, 3, 3, 2);          // kernel 3: dilations 1, 3
    cfg_set(&gated3, "n_blocks", "2"); cfg_set(&gated3, "n_skip", "3");
    fd_case("conv block 4", &conv4, 40, 0);
    fd_case("conv block 4, batch of 2", &conv4, 2, 0);
    fd_case("conv block 4, lone contexts", &conv4, 24, 1);
    fd_case("conv block 9, kernel 3", &conv9, 40, 0);
    fd_case("gated, BatchNorm", &gated, 40, 0);
    fd_case("gated, BatchNorm, lone contexts", &gated, 30, 1);
    fd_case("gated, dilation cycle, no norm", &cycle, 40, 0);
    fd_case("gated, kernel 3", &gated3, 25, 0);
    fast_vs_reference("conv block 4", &conv4);   // the fused Embedding + Conv1d (33 rows >= 2 * vocabulary)
    fast_vs_reference("conv block 9, kernel 3", &conv9);
    fast_vs_reference("gated, BatchNorm", &gated); // not fused: the embedding is also the first residual
}

// ---------------------------------------------------------------- the conv form is the lecture's model

static double max_rel_diff(const float* a, const float* b, long n) {
    double worst = 0;
    for (long i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]) / (1e-5 + fabs((double)b[i]));
        if (d > worst || d != d) worst = d != d ? INFINITY : d;
    }
    return worst;
}

// Copies every tensor of `from` into the same-named tensor of `to`; 0 if all match.
static int copy_tensors(mm_model* to, mm_model* from) {
    if (mm_model_num_tensors(to) != mm_model_num_tensors(from)) return -1;
    for (int i = 0; i < mm_model_num_tensors(from); i++) {
        const mm_tensor_info* a = mm_model_tensor(from, i);
        const mm_tensor_info* b = mm_model_tensor(to, i);
        if (strcmp(a->name, b->name) || a->size != b->size || a->is_buffer != b->is_buffer) return -1;
        const float* src = (a->is_buffer ? mm_model_buffers(from) : mm_model_params(from)) + a->offset;
        memcpy((b->is_buffer ? mm_model_buffers(to) : mm_model_params(to)) + b->offset, src, sizeof(float) * (size_t)a->size);
    }
    return 0;
}

static void equivalence(int block, int k) {
    mm_err err = {0};
    mm_config hc = seq_config("examples", block, k, 4, 6), cc = hc;
    cfg_set(&cc, "form", "conv");
    mm_model* h = mm_model_new(&hc, NULL, 5, MAXB, &err);
    mm_model* c = h ? mm_model_new(&cc, NULL, 5, MAXB, &err) : NULL;
    CHECK(h && c, "block %d: %s", block, err.msg);
    if (!h || !c) { mm_model_free(h); mm_model_free(c); return; }
    CHECK(mm_model_num_params(h) == mm_model_num_params(c) &&
          memcmp(mm_model_params(h), mm_model_params(c), sizeof(float) * (size_t)mm_model_num_params(h)) == 0,
          "block %d: the same seed gives other initial parameters (%ld vs %ld)", block, mm_model_num_params(h), mm_model_num_params(c));
    static uint16_t X[MAXB * 16], Y[MAXB];
    int B = words_to_examples(WORDS, N_WORDS, block, MAXB, X, Y);
    float loss;
    for (int s = 0; s < 5; s++) mm_model_sgd_step(h, X, Y, B, 0.3f, &loss, &err); // running statistics away from 0 and 1
    CHECK(copy_tensors(c, h) == 0, "block %d: the conv form's tensors are not the hierarchical model's", block);
    static float lh[MAXB * V];
    const float* p = mm_model_eval_logits(h, X, B, &err);
    if (p) memcpy(lh, p, sizeof(float) * (size_t)B * V);
    const float* q = mm_model_eval_logits(c, X, B, &err);
    double d = p && q ? max_rel_diff(q, lh, (long)B * V) : INFINITY;
    printf("  block %2d kernel %d: %d examples of whole words, logits max rel diff %.2e\n", block, k, B, d);
    CHECK(d < 1e-4, "block %d: conv form logits differ from the hierarchical model's (max rel %.3g)", block, d);
    // every example alone (sampling's calls), and a chunk starting mid-word (evaluation's)
    double worst = 0;
    for (int e = 0; e < B; e++) {
        q = mm_model_eval_logits(c, X + (long)e * block, 1, &err);
        double de = q ? max_rel_diff(q, lh + (long)e * V, V) : INFINITY;
        if (de > worst) worst = de;
    }
    q = mm_model_eval_logits(c, X + 3L * block, B - 3, &err);
    double dc = q ? max_rel_diff(q, lh + 3L * V, (long)(B - 3) * V) : INFINITY;
    printf("               one context at a time: %.2e; from example 3 on: %.2e\n", worst, dc);
    CHECK(worst < 1e-4 && dc < 1e-4, "block %d: lone contexts differ (%.3g, %.3g)", block, worst, dc);
    // a model file of the hierarchical model, loaded as the conv form
    uint8_t* bytes = NULL;
    size_t len = 0;
    CHECK(mm_model_save(h, &bytes, &len, &err) == MM_OK, "save: %s", err.msg);
    mm_model* lc = bytes ? mm_model_load_form(bytes, len, mm_family_find("conv"), MAXB, &err) : NULL;
    CHECK(lc && mm_model_config(lc)->form == mm_family_find("conv"), "the hierarchical file does not load as the conv form: %s", err.msg);
    q = lc ? mm_model_eval_logits(lc, X, B, &err) : NULL;
    d = q ? max_rel_diff(q, lh, (long)B * V) : INFINITY;
    CHECK(d < 1e-4, "block %d: the file loaded as conv gives other logits (%.3g)", block, d);
    mm_model_free(lc);
    free(bytes);
    mm_model_free(h);
    mm_model_free(c);
}

static void test_equivalence(void) {
    equivalence(2, 2);
    equivalence(4, 2);
    equivalence(8, 2);
    equivalence(16, 2);
    equivalence(9, 3);
}

// ---------------------------------------------------------------- trainer

static void test_trainer(void) {
    mm_err err = {0};
    size_t len;
    char* text = read_file(MM_DATA, &len);
    CHECK(text, "cannot read %s", MM_DATA);
    if (!text) return;
    mm_words w;
    CHECK(mm_words_parse(&w, text, len, &err) == MM_OK, "%s", err.msg);
    free(text);
    mm_config cfg;
    mm_data_settings ds;
    mm_train_params tp;
    mm_train_params_default(&tp);
    tp.steps = 60;
    const char* presets[] = {"wavenet76k-conv", "wavenet-gated"};
    for (int p = 0; p < 2; p++) {
        mm_preset(presets[p], &cfg, &ds, &err);
        float loss[2][60];
        for (int threads = 1; threads <= 2; threads++) {
            mm_trainer* t = mm_trainer_new(&w, &cfg, &ds, &tp, &err);
            mm_pool* pool = threads > 1 ? mm_pool_new(threads, &err) : NULL;
            CHECK(t, "%s: %s", presets[p], err.msg);
            if (!t) { mm_pool_free(pool); continue; }
            mm_trainer_set_engine(t, MM_ENGINE_FAST, pool, &err);
            long done = 0;
            CHECK(mm_trainer_run(t, 60, loss[threads - 1], &done, &err) == MM_OK && done == 60, "%s: %s", presets[p], err.msg);
            // a split evaluated in parts of any size sums bitwise alike (on the fast engine too)
            double whole = 0, parts = 0;
            mm_trainer_eval_range(t, MM_SPLIT_VAL, 0, 3000, &whole, &err);
            for (int at = 0, k = 0; at < 3000; k++) {
                int n = (int[]){37, 5, 1, 256}[k % 4];
                if (n > 3000 - at) n = 3000 - at;
                mm_trainer_eval_range(t, MM_SPLIT_VAL, at, n, &parts, &err);
                at += n;
            }
            CHECK(memcmp(&whole, &parts, sizeof whole) == 0, "%s: evaluation in parts %.17g, at once %.17g", presets[p], parts, whole);
            mm_trainer_free(t);
            mm_pool_free(pool);
        }
        CHECK(memcmp(loss[0], loss[1], sizeof loss[0]) == 0, "%s: 1 and 2 threads give other losses", presets[p]);
        CHECK(loss[0][0] > 3.0f && loss[0][0] < 3.6f && loss[0][59] < loss[0][0] - 0.3f, "%s: losses %g .. %g do not fall from ~ln 27",
              presets[p], loss[0][0], loss[0][59]);
        printf("  %s: 60 steps, loss %.4f -> %.4f, 1 and 2 threads bitwise equal\n", presets[p], loss[0][0], loss[0][59]);
    }
    mm_words_free(&w);
}

// ---------------------------------------------------------------- bad configurations

static void bad(mm_config c, const char* want) {
    mm_err err = {0};
    long np;
    int rc = mm_config_check(&c, &np, &err);
    CHECK(rc != MM_OK && strstr(err.msg, want), "want an error with '%s', got %d '%s'", want, rc, err.msg);
}

// The whole-word presets' schedule: batches of 256 for the lecture's 6.4M examples; the lecture's presets keep its own.
static void test_preset_training(void) {
    mm_err err = {0};
    mm_train_params tp, def;
    mm_train_params_default(&def);
    const char* words[] = {"wavenet76k-conv", "wavenet-gated"};
    for (int i = 0; i < 2; i++) {
        CHECK(mm_preset_training(words[i], &tp, &err) == MM_OK, "%s: %s", words[i], err.msg);
        CHECK(tp.batch_size == 256 && tp.steps == 25000 && tp.decay_step == 18750 && (long)tp.batch_size * tp.steps == 32L * def.steps &&
                  tp.lr == def.lr && tp.lr_decayed == def.lr_decayed && tp.seed == def.seed,
              "%s: batch %d, steps %ld, decay %ld", words[i], tp.batch_size, tp.steps, tp.decay_step);
    }
    for (int i = 0; mm_preset_name(i); i++) {
        mm_config c;
        mm_preset(mm_preset_name(i), &c, NULL, &err);
        if (c.form != mm_family_find("examples")) continue;
        mm_preset_training(mm_preset_name(i), &tp, &err);
        CHECK(tp.batch_size == def.batch_size && tp.steps == def.steps && tp.decay_step == def.decay_step && tp.lr == def.lr &&
                  tp.lr_decayed == def.lr_decayed && tp.seed == def.seed, "%s: not the lecture's schedule", mm_preset_name(i));
    }
    CHECK(mm_preset_training("nope", &tp, &err) != MM_OK && strstr(err.msg, "unknown preset 'nope'"), "an unknown preset: %s", err.msg);
}

// Batches of padding alone (every context all 0: one row): finite, BatchNorm's spread 0, not 0/0.
static void test_padding_only(void) {
    mm_err err = {0};
    mm_config conv = seq_config("conv", 4, 2, 3, 5), gated = seq_config("gated", 8, 2, 4, 3);
    cfg_set(&gated, "n_blocks", "3"); cfg_set(&gated, "n_skip", "5");
    const mm_config* cs[] = {&conv, &gated};
    for (int i = 0; i < 2; i++) {
        mm_model* m = mm_model_new(cs[i], NULL, 3, 8, &err);
        uint16_t X[2 * 8] = {0}, Y[2] = {1, 2};
        float loss = NAN;
        int rc = m ? mm_model_sgd_step(m, X, Y, 2, 0.1f, &loss, &err) : -1;
        CHECK(rc == MM_OK && isfinite(loss), "%s: a batch of padding only: rc %d, loss %g (%s)", i ? "gated" : "conv", rc, loss, err.msg);
        mm_model_free(m);
    }
}

static void test_bad_configs(void) {
    mm_config g = seq_config("gated", 8, 2, 4, 3);
    cfg_set(&g, "n_blocks", "3"); cfg_set(&g, "n_skip", "5");
    long np;
    mm_err err = {0};
    CHECK(mm_config_check(&g, &np, &err) == MM_OK, "the good gated config: %s", err.msg);
    mm_config c = g; c.block_size = 16; bad(c, "cover 8 positions, not the block size 16");
    c = g; cfg_set(&c, "n_blocks", "2"); bad(c, "cover 4 positions");
    c = g; cfg_set(&c, "n_blocks", "0"); bad(c, "at least 1 block");
    c = g; c.block_size = 256; cfg_set(&c, "n_blocks", "16"); cfg_set(&c, "dilation_cycle", "8");
    bad(c, "cover more than 256 positions, the largest block size");
    c = g; cfg_set(&c, "n_skip", "0"); bad(c, "skip width");
    c = g; c.n_embd = 0; bad(c, "embedding size");
    c = g; c.n_hidden = 0; bad(c, "hidden size");
    c = g; c.n_consec = 0; bad(c, "kernel size");
    // another family's own setting is refused, naming whose it is
    c = g;
    CHECK(mm_config_set(&c, "bn_mode", "per-position", &err) != MM_OK && strstr(err.msg, "setting of the examples family, not of the gated"),
          "bn_mode on a gated config: %s", err.msg);
    c = g; c.form = 99; bad(c, "model family 99 is not one of examples, conv, gated, bigram");
    mm_config v = seq_config("conv", 8, 2, 4, 3);
    CHECK(mm_config_check(&v, &np, &err) == MM_OK, "the good conv config: %s", err.msg);
    c = v; c.block_size = 12; bad(c, "power of the group size");
    c = v; c.n_consec = 0; bad(c, "conv family needs");
    CHECK(mm_config_set(&c, "residual", "1", &err) != MM_OK && strstr(err.msg, "residual connections is a setting of the examples family"),
          "residual on a conv config: %s", err.msg);
    c = v; c.n_hidden = 0; bad(c, "hidden size");
}

int main(void) {
    printf("finite differences:\n");
    test_gradients();
    printf("the conv form vs the hierarchical model (eval mode, the same weights):\n");
    test_equivalence();
    printf("training:\n");
    test_trainer();
    test_bad_configs();
    test_preset_training();
    test_padding_only();
    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
