// test_core.c: the core against independent references: Python's random
// module (documented outputs), the lecture's split and parameter counts,
// central finite differences, and the error contract.
// Usage: test_core [path/to/names.txt]
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "makemore.h"
#include "check.h"
#include "config.h"
#include "fd.h"



// ---------------------------------------------------------------- Python's random
static void test_mt19937(void) {
    // Python 3: random.seed(42); random.random() -> 0.6394267984578837, then 0.025010755222666936
    mm_mt19937 r;
    mm_mt_seed(&r, 42);
    double want[2] = {0.6394267984578837, 0.025010755222666936};
    for (int i = 0; i < 2; i++) {
        uint32_t a = mm_mt_u32(&r) >> 5, b = mm_mt_u32(&r) >> 6;
        double x = (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
        CHECK(x == want[i], "random.random() #%d = %.17g, Python gives %.17g", i, x, want[i]);
    }
    // Python 3: random.seed(42); x = list(range(10)); random.shuffle(x) -> [7, 3, 2, 8, 5, 6, 9, 4, 0, 1]
    int idx[10], ref[10] = {7, 3, 2, 8, 5, 6, 9, 4, 0, 1};
    for (int i = 0; i < 10; i++) idx[i] = i;
    mm_mt_seed(&r, 42);
    mm_mt_shuffle(&r, idx, 10);
    CHECK(memcmp(idx, ref, sizeof ref) == 0, "shuffle(range(10)) = [%d %d %d %d %d ...], Python gives [7 3 2 8 5 ...]",
          idx[0], idx[1], idx[2], idx[3], idx[4]);
}

// ---------------------------------------------------------------- the lecture's numbers
static void test_split_and_params(const char* path) {
    size_t len;
    char* text = read_file(path, &len);
    CHECK(text != NULL, "cannot read %s", path);
    if (!text) return;
    mm_words w;
    mm_err err = {0};
    CHECK(mm_words_parse(&w, text, len, &err) == MM_OK, "parse names.txt: %s", err.msg);
    free(text);
    CHECK(w.n_words == 32033 && w.max_len == 15 && w.vocab_size == 27, "names.txt: %d words, longest %d, vocab %d (lecture: 32033, 15, 27)",
          w.n_words, w.max_len, w.vocab_size);
    static const struct { int block, shuffles, n[3]; } S[] = {
        {3, 1, {182625, 22655, 22866}}, {8, 2, {182473, 22827, 22846}}};
    for (int k = 0; k < 2; k++) {
        mm_splits s;
        CHECK(mm_splits_build(&s, &w, S[k].block, 42, S[k].shuffles, &err) == MM_OK, "split: %s", err.msg);
        for (int i = 0; i < 3; i++)
            CHECK(s.split[i].n == S[k].n[i], "block %d, %d shuffle(s), split %d: %d examples, lecture %d", S[k].block, S[k].shuffles, i,
                  s.split[i].n, S[k].n[i]);
        // the lecture's first training examples after the second shuffle: ........ -> c, .......c -> a (cathy)
        if (k == 1) {
            const mm_dataset* d = &s.split[0];
            char word[16] = {0};
            for (int i = 0; i < 6; i++) word[i] = d->Y[i] ? (char)w.codepoints[d->Y[i]] : '.';
            CHECK(strcmp(word, "cathy.") == 0, "first training word after two shuffles is '%s', the lecture shows 'cathy.'", word);
            CHECK(d->X[8 * 5 + 7] == d->Y[4] && d->X[8 * 5 + 3] == d->Y[0] && d->X[8 * 5 + 2] == 0, "contexts are not padded and shifted as build_dataset does");
        }
        mm_splits_free(&s);
    }
    static const struct { const char* name; long params; } P[] = {
        {"mlp3", 12097}, {"mlp8", 22097}, {"wavenet22k-bnbug", 22397}, {"wavenet22k", 22397}, {"wavenet76k", 76579}};
    for (int i = 0; i < 5; i++) {
        mm_config c;
        long n = 0;
        CHECK(mm_config_preset(&c, P[i].name, &err) == MM_OK, "preset %s: %s", P[i].name, err.msg);
        c.vocab_size = 27;
        CHECK(mm_config_check(&c, &n, &err) == MM_OK && n == P[i].params, "%s has %ld parameters, the lecture %ld", P[i].name, n, P[i].params);
        mm_model* m = mm_model_new(&c, NULL, 1, 32, &err);
        long sum = 0;
        for (int t = 0; t < mm_model_num_tensors(m); t++)
            if (!mm_model_tensor(m, t)->is_buffer) sum += mm_model_tensor(m, t)->size;
        CHECK(sum == n, "%s: tensors add up to %ld of %ld parameters", P[i].name, sum, n);
        mm_model_free(m);
    }
    mm_words_free(&w);
}

// ---------------------------------------------------------------- finite differences
// Central differences with Richardson extrapolation, D = (4 D(h/2) - D(h)) / 3,
// of the training-mode loss on one batch, for every parameter of small models,
// on both engines (the fast one on 2 threads, where its fused Embedding + first
// Linear runs for the hierarchical models: 16 or 24 rows >= twice the vocabulary).
static void test_gradients(void) {
    mm_err perr = {0};
    mm_pool* pool = mm_pool_new(2, &perr);
    CHECK(pool != NULL, "a pool of 2 threads: %s", perr.msg);
    const struct { const char* what; mm_config c; } M[] = {
        {"flat, 2 hidden blocks", cfg_text("vocab_size 7 block_size 3 n_embd 3 n_hidden 5 n_consec 0 n_flat_layers 2 bn_mode fixed")},
        {"hierarchical, fixed BatchNorm", cfg_text("vocab_size 7 block_size 4 n_embd 3 n_hidden 5 n_consec 2 n_flat_layers 1 bn_mode fixed")},
        {"hierarchical, per-position BatchNorm", cfg_text("vocab_size 7 block_size 4 n_embd 3 n_hidden 5 n_consec 2 n_flat_layers 1 bn_mode per-position")},
        {"hierarchical groups of 3", cfg_text("vocab_size 6 block_size 9 n_embd 2 n_hidden 4 n_consec 3 n_flat_layers 1 bn_mode fixed")},
        {"flat, 3 residual blocks", cfg_text("vocab_size 7 block_size 3 n_embd 3 n_hidden 5 n_flat_layers 3 residual 1")},
    };
    const int n_models = (int)(sizeof M / sizeof M[0]);
    for (int engine = MM_ENGINE_REPRODUCIBLE; engine <= MM_ENGINE_FAST; engine++)
    for (int mi = 0; mi < n_models; mi++) {
        mm_err err = {0};
        mm_model* m = mm_model_new(&M[mi].c, NULL, 7 + mi, 8, &err);
        CHECK(m != NULL, "%s: %s", M[mi].what, err.msg);
        if (!m) continue;
        CHECK(mm_model_set_engine(m, engine, engine == MM_ENGINE_FAST ? pool : NULL, &err) == MM_OK, "engine: %s", err.msg);
        int B = 8, bs = M[mi].c.block_size, V = M[mi].c.vocab_size;
        uint16_t X[8 * 9], Y[8];
        mm_rng r;
        mm_rng_seed(&r, 99);
        for (int i = 0; i < B * bs; i++) X[i] = (uint16_t)(mm_rng_u32(&r) % V);
        for (int i = 0; i < B; i++) Y[i] = (uint16_t)(mm_rng_u32(&r) % V);
        float* p = mm_model_params(m);
        long np = mm_model_num_params(m);
        // the last layer starts x0.1 small; give every weight a size where the gradient is not tiny
        for (long k = 0; k < np; k++) p[k] += 0.3f * mm_rng_normal(&r);
        long worst_k;
        double worst = fd_worst_gradient(m, X, Y, B, &worst_k);
        CHECK(worst <= 1.0, "%s: gradient of parameter %ld off (error/tolerance %.2f)", M[mi].what, worst_k, worst);
        printf("finite differences, %s, %s kernels: %ld parameters, worst error/tolerance %.3f\n", M[mi].what,
               mm_model_kernels(m), np, worst);
        mm_model_free(m);
    }
    mm_pool_free(pool);
}

// ---------------------------------------------------------------- training contract
static mm_trainer* small_trainer(const mm_words* w, const char* preset, float lr, uint64_t seed, mm_err* err) {
    mm_config c;
    mm_data_settings d;
    mm_preset(preset, &c, &d, err);
    mm_train_params tp;
    mm_train_params_default(&tp);
    tp.lr = lr;
    tp.seed = seed;
    return mm_trainer_new(w, &c, &d, &tp, err);
}

// Top-k and top-p against an independent reading of the logits: every sampled
// token is among the k most likely (the nucleus, computed here in double) at its
// step; k = 1 is greedy; k >= V and p = 1 draw exactly what plain sampling draws.
static int token_of(const mm_model* m, const char* s, int* len) {
    uint32_t cp = (unsigned char)*s; // names.txt is ASCII
    *len = 1;
    const uint32_t* cps = mm_model_codepoints(m);
    for (int t = 1; t < mm_model_config(m)->vocab_size; t++) if (cps[t] == cp) return t;
    return -1;
}

// Checks each step of word w: the token it took (the end token after the last
// character) has rank < k by probability and lies inside the top-p nucleus.
static void check_word(mm_model* m, const char* w, int k, double top_p, const char* what) {
    int bs = mm_model_config(m)->block_size, V = mm_model_config(m)->vocab_size;
    uint16_t ctx[MM_MAX_BLOCK] = {0};
    mm_err err = {0};
    for (const char* p = w;; ) {
        int len, tok = *p ? token_of(m, p, &len) : 0;
        const float* lg = mm_model_eval_logits(m, ctx, 1, &err);
        double mx = lg[0], z = 0, pr[MM_MAX_VOCAB];
        for (int v = 1; v < V; v++) if (lg[v] > mx) mx = lg[v];
        for (int v = 0; v < V; v++) z += pr[v] = exp((double)lg[v] - mx);
        int rank = 0;
        double above = 0, kept = 0;
        for (int v = 0; v < V; v++)
            if (pr[v] > pr[tok] || (pr[v] == pr[tok] && v < tok)) { rank++; above += pr[v]; }
        int kk = k > 0 && k < V ? k : V;
        double sorted[MM_MAX_VOCAB];
        memcpy(sorted, pr, sizeof(double) * (size_t)V);
        for (int i = 0; i < kk; i++) { // selection: the kk largest
            int b = i;
            for (int j = i + 1; j < V; j++) if (sorted[j] > sorted[b]) b = j;
            double t = sorted[i]; sorted[i] = sorted[b]; sorted[b] = t;
            kept += sorted[i];
        }
        CHECK(tok >= 0 && rank < kk, "%s: '%s' took a token of rank %d (k %d)", what, w, rank, kk);
        // inside the nucleus: the mass strictly above it is below top_p of the kept mass (1e-5: float rounding)
        CHECK(above < top_p * kept * (1 + 1e-5), "%s: '%s' took a token outside the top-p %g nucleus (%g of %g above)", what, w, top_p,
              above / z, kept / z);
        if (!*p) break;
        memmove(ctx, ctx + 1, sizeof(uint16_t) * (size_t)(bs - 1));
        ctx[bs - 1] = (uint16_t)tok;
        p += len;
    }
}

static void test_sampling_filters(mm_model* m) {
    mm_err err = {0};
    char s1[256], s2[256];
    mm_rng r1, r2;
    int V = mm_model_config(m)->vocab_size;
    mm_sampling greedy = {0.0f, 0, 1.0f}, k1 = {1.0f, 1, 1.0f}, all = {1.0f, V, 1.0f};
    mm_rng_seed(&r1, 5); mm_rng_seed(&r2, 5);
    for (int i = 0; i < 20; i++) { // filters that keep everything change nothing
        mm_sample(m, &r1, NULL, "", 64, s1, sizeof s1, &err);
        mm_sample(m, &r2, &all, "", 64, s2, sizeof s2, &err);
        CHECK(strcmp(s1, s2) == 0, "top-k = V differs from plain sampling: %s vs %s", s1, s2);
    }
    mm_sample(m, &r1, &greedy, "", 64, s1, sizeof s1, &err);
    for (int i = 0; i < 5; i++) {
        CHECK(mm_sample(m, &r2, &k1, "", 64, s2, sizeof s2, &err) == MM_OK && strcmp(s1, s2) == 0, "top-k 1 gave %s, greedy %s", s2, s1);
    }
    const struct { int k; float p; } cases[] = {{3, 1.0f}, {5, 1.0f}, {0, 0.5f}, {0, 0.9f}, {4, 0.8f}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        mm_sampling sp = {1.0f, cases[c].k, cases[c].p};
        int distinct = 0;
        char prev[256] = "";
        for (int i = 0; i < 30; i++) {
            CHECK(mm_sample(m, &r1, &sp, "", 64, s1, sizeof s1, &err) == MM_OK, "top-k %d top-p %g: %s", cases[c].k, cases[c].p, err.msg);
            check_word(m, s1, cases[c].k, cases[c].p, "filtered sampling");
            distinct += strcmp(s1, prev) != 0;
            strcpy(prev, s1);
        }
        CHECK(distinct > 1, "top-k %d top-p %g always gave the same name", cases[c].k, cases[c].p);
    }
    mm_sampling bad_k = {1.0f, -1, 1.0f}, bad_p = {1.0f, 0, 0.0f}, nan_p = {1.0f, 0, NAN};
    CHECK(mm_sample(m, &r1, &bad_k, "", 64, s1, sizeof s1, &err) == MM_EINVAL && strstr(err.msg, "top-k"), "top-k -1: %s", err.msg);
    CHECK(mm_sample(m, &r1, &bad_p, "", 64, s1, sizeof s1, &err) == MM_EINVAL && strstr(err.msg, "top-p"), "top-p 0: %s", err.msg);
    CHECK(mm_sample(m, &r1, &nan_p, "", 64, s1, sizeof s1, &err) == MM_EINVAL && strstr(err.msg, "top-p"), "top-p NaN: %s", err.msg);
}

static void test_training(const char* path) {
    size_t len;
    char* text = read_file(path, &len);
    if (!text) return;
    mm_words w;
    mm_err err = {0};
    mm_words_parse(&w, text, len, &err);
    free(text);
    // determinism: same seed, bitwise the same losses; another seed, other losses
    float a[300], b[300], c[300];
    long done;
    mm_trainer* t1 = small_trainer(&w, "wavenet22k", 0.1f, 5, &err);
    mm_trainer* t2 = small_trainer(&w, "wavenet22k", 0.1f, 5, &err);
    mm_trainer* t3 = small_trainer(&w, "wavenet22k", 0.1f, 6, &err);
    mm_trainer_run(t1, 300, a, &done, &err);
    mm_trainer_run(t2, 300, b, &done, &err);
    mm_trainer_run(t3, 300, c, &done, &err);
    CHECK(memcmp(a, b, sizeof a) == 0, "the same seed gave different losses");
    CHECK(memcmp(a, c, sizeof a) != 0, "different seeds gave the same losses");
    float first = 0, last = 0;
    for (int i = 0; i < 50; i++) { first += a[i] / 50; last += a[250 + i] / 50; }
    CHECK(first > 2.9f && last < 2.75f, "300 steps should bring the loss down from ~3.3: first 50 mean %.3f, last 50 mean %.3f", first, last);
    mm_trainer_free(t2);
    mm_trainer_free(t3);

    // evaluation in parts sums bitwise like the whole
    float whole;
    double total = 0.0;
    CHECK(mm_trainer_eval(t1, MM_SPLIT_VAL, &whole, &err) == MM_OK, "eval: %s", err.msg);
    int nval = mm_trainer_splits(t1)->split[MM_SPLIT_VAL].n;
    for (int at = 0; at < nval; at += 1000)
        mm_trainer_eval_range(t1, MM_SPLIT_VAL, at, nval - at < 1000 ? nval - at : 1000, &total, &err);
    CHECK((float)(total / nval) == whole, "val loss in parts %.9g, whole %.9g", total / nval, (double)whole);
    CHECK(mm_trainer_eval_range(t1, MM_SPLIT_VAL, nval - 1, 2, &total, &err) == MM_EINVAL, "a range past the split was accepted");
    // a new schedule takes effect; a bad one is refused and changes nothing
    CHECK(mm_trainer_set_schedule(t1, 400, NAN, 0.01f, 150000, &err) == MM_EINVAL, "a NaN learning rate was accepted");
    CHECK(mm_trainer_set_schedule(t1, 100, 0.1f, 0.01f, 150000, &err) == MM_EINVAL, "a total below the steps done was accepted");
    CHECK(mm_trainer_set_schedule(t1, 310, 0.05f, 0.01f, 150000, &err) == MM_OK, "set_schedule: %s", err.msg);
    CHECK(mm_trainer_run(t1, 100, NULL, &done, &err) == MM_OK && done == 10 && mm_trainer_step(t1) == 310,
          "the new total of 310 steps was not kept: ran %ld to step %ld", done, mm_trainer_step(t1));

    // A learning rate of 100 does not blow these models up (BatchNorm and tanh
    // bound the activations; the loss grows only linearly with lr). 1e30 does,
    // within a few steps; the failing step must leave the model as it was.
    mm_trainer* t = small_trainer(&w, "wavenet22k", 1e30f, 5, &err);
    mm_model* m = mm_trainer_model(t);
    long np = mm_model_num_params(m), nb = mm_model_num_buffers(m);
    float* snap = malloc(sizeof(float) * (size_t)(np + nb));
    int rc = MM_OK;
    long step = 0;
    for (int i = 0; i < 2000 && rc == MM_OK; i++) {
        memcpy(snap, mm_model_params(m), sizeof(float) * (size_t)np);
        memcpy(snap + np, mm_model_buffers(m), sizeof(float) * (size_t)nb);
        step = mm_trainer_step(t);
        rc = mm_trainer_run(t, 1, NULL, &done, &err);
    }
    CHECK(rc == MM_ENONFINITE, "lr 1e30 should stop training with MM_ENONFINITE, got %d", rc);
    if (rc == MM_ENONFINITE) {
        CHECK(memcmp(snap, mm_model_params(m), sizeof(float) * (size_t)np) == 0, "the failed step changed the parameters");
        CHECK(memcmp(snap + np, mm_model_buffers(m), sizeof(float) * (size_t)nb) == 0, "the failed step changed the running statistics");
        CHECK(mm_trainer_step(t) == step && done == 0, "the failed step was counted");
        CHECK(strstr(err.msg, "step") && (strstr(err.msg, "non-finite") || strstr(err.msg, "NaN") || strstr(err.msg, "infinite")),
              "unclear message: %s", err.msg);
        printf("lr 1e30: %s\n", err.msg);
    }
    // a parameter near FLT_MAX makes the loss itself non-finite
    m = mm_trainer_model(t);
    const mm_tensor_info* bias = mm_model_tensor(m, mm_model_num_tensors(m) - 1);
    CHECK(strcmp(bias->name, "layers.13.bias") == 0, "the last tensor is %s, not the last Linear's bias", bias->name);
    float* p = mm_model_params(m);
    memset(p, 0, sizeof(float) * (size_t)np);
    p[bias->offset] = 3e38f;
    p[bias->offset + 1] = -3e38f;
    memcpy(snap, p, sizeof(float) * (size_t)np);
    rc = mm_trainer_run(t, 1, NULL, &done, &err);
    CHECK(rc == MM_ENONFINITE && memcmp(snap, p, sizeof(float) * (size_t)np) == 0 && strstr(err.msg, "loss"),
          "a non-finite loss: rc %d, %s", rc, err.msg);
    free(snap);
    mm_trainer_free(t);

    // save and load: same bytes, same samples
    uint8_t *bytes, *bytes2;
    size_t n, n2;
    m = mm_trainer_model(t1);
    CHECK(mm_model_save(m, &bytes, &n, &err) == MM_OK, "save: %s", err.msg);
    mm_model* m2 = mm_model_load(bytes, n, 1, &err);
    CHECK(m2 != NULL, "load: %s", err.msg);
    if (m2) {
        mm_model_save(m2, &bytes2, &n2, &err);
        CHECK(n == n2 && memcmp(bytes, bytes2, n) == 0, "save(load(save(m))) differs from save(m)");
        free(bytes2);
        char s1[256], s2[256];
        mm_rng r1, r2;
        mm_rng_seed(&r1, 3); mm_rng_seed(&r2, 3);
        for (int i = 0; i < 10; i++) {
            mm_sample(m, &r1, NULL, "", 64, s1, sizeof s1, &err);
            mm_sample(m2, &r2, NULL, "", 64, s2, sizeof s2, &err);
            CHECK(strcmp(s1, s2) == 0, "sample %d differs after load: %s vs %s", i, s1, s2);
        }
        CHECK(mm_sample(m2, &r1, NULL, "em", 64, s1, sizeof s1, &err) == MM_OK && strncmp(s1, "em", 2) == 0, "prefix not kept: %s", s1);
        CHECK(mm_sample(m2, &r1, NULL, "X", 64, s1, sizeof s1, &err) == MM_EINVAL && strstr(err.msg, "'X'"), "bad prefix: %s", err.msg);
        mm_sampling bad = {NAN, 0, 1.0f};
        CHECK(mm_sample(m2, &r1, &bad, "", 64, s1, sizeof s1, &err) == MM_EINVAL, "NaN temperature accepted");
        test_sampling_filters(m2);
        mm_model_free(m2);
    }
    // hostile bytes
    uint8_t* bad = malloc(n);
    memcpy(bad, bytes, n);
    CHECK(mm_model_load(bad, n - 1, 1, &err) == NULL && err.code == MM_EFORMAT, "a truncated file loaded");
    CHECK(mm_model_load(bad, 3, 1, &err) == NULL && err.code == MM_EFORMAT, "3 bytes loaded");
    bad[8] = 0xff; bad[9] = 0xff; bad[10] = 0xff; bad[11] = 0x7f; // vocab size 2^31-1
    CHECK(mm_model_load(bad, n, 1, &err) == NULL && err.code == MM_EFORMAT, "an absurd vocabulary loaded");
    memcpy(bad, bytes, n);
    memcpy(bad + n - 4, "\x00\x00\xc0\x7f", 4); // NaN in the last statistic
    CHECK(mm_model_load(bad, n, 1, &err) == NULL && strstr(err.msg, "finite"), "a NaN statistic loaded: %s", err.msg);
    free(bad);
    free(bytes);
    mm_trainer_free(t1);
    mm_words_free(&w);
}

// ---------------------------------------------------------------- word lists
static int parse(const char* s, size_t n, mm_words* w, mm_err* err) { return mm_words_parse(w, s, n, err); }

static void expect_error(const char* text, size_t n, const char* needle, const char* what) {
    mm_words w;
    mm_err err = {0};
    int rc = parse(text, n, &w, &err);
    CHECK(rc == MM_EDATA && strstr(err.msg, needle), "%s: expected an error naming '%s', got %d '%s'", what, needle, rc, err.msg);
    if (rc == MM_OK) mm_words_free(&w);
}

static void test_word_lists(void) {
    mm_words w;
    mm_err err = {0};
    const char* t = "  emma\r\nolivia \n\n\t\nava.b\r\nzoë";
    CHECK(parse(t, strlen(t), &w, &err) == MM_OK, "parse: %s", err.msg);
    CHECK(w.n_words == 4 && w.max_len == 6, "CRLF/blank/space handling: %d words, longest %d", w.n_words, w.max_len);
    // vocab: '.' distinct from the end token, sorted by code point, ë (U+00EB) last
    char buf[5];
    mm_token_utf8(w.codepoints, w.vocab_size, 1, buf);
    CHECK(strcmp(buf, ".") == 0 && w.codepoints[w.vocab_size - 1] == 0xEB, "vocabulary order: token 1 '%s', last U+%04X", buf, w.codepoints[w.vocab_size - 1]);
    CHECK(w.tokens[w.offsets[2] + 3] == 1, "the '.' inside 'ava.b' is not token 1");
    mm_words_free(&w);
    expect_error("", 0, "empty", "empty list");
    expect_error("\n  \r\n\n", 6, "no words", "blank lines only");
    expect_error("ab\ncd\0ef\n", 9, "line 2", "NUL byte");
    expect_error("ab\ncd\0ef\n", 9, "binary", "NUL byte");
    expect_error("ok\nfine\n\xff\xfe\n", 11, "line 3", "invalid UTF-8");
    expect_error("ok\n\xc3\x28\n", 5, "UTF-8", "bad continuation");
    expect_error("ok\n\xed\xa0\x80\n", 7, "UTF-8", "surrogate");
    char* long_word = malloc(MM_MAX_WORD_LEN + 10);
    memset(long_word, 'a', MM_MAX_WORD_LEN + 1);
    long_word[MM_MAX_WORD_LEN + 1] = 0;
    expect_error(long_word, MM_MAX_WORD_LEN + 1, "longer than", "long word");
    free(long_word);
    // more distinct symbols than the limit: code points U+4E00.. one per line
    size_t cap = (MM_MAX_VOCAB + 10) * 4;
    char* many = malloc(cap);
    size_t used = 0;
    for (int i = 0; i < MM_MAX_VOCAB + 5; i++) {
        uint32_t cp = 0x4E00 + (uint32_t)i;
        many[used++] = (char)(0xE0 | (cp >> 12)); many[used++] = (char)(0x80 | ((cp >> 6) & 0x3F)); many[used++] = (char)(0x80 | (cp & 0x3F));
        many[used++] = '\n';
    }
    expect_error(many, used, "distinct characters", "too many symbols");
    free(many);

    // impossible configurations are errors, never crashes
    struct { mm_config c; const char* needle; } C[] = {
        {cfg_text("vocab_size 27 block_size 6 n_embd 10 n_hidden 68 n_consec 2 n_flat_layers 1 bn_mode fixed"), "power"}, {cfg_text("vocab_size 27 block_size 8 n_embd 0 n_hidden 68 n_consec 2 n_flat_layers 1 bn_mode fixed"), "embedding"}, {cfg_text("vocab_size 27 block_size 8 n_embd 10 n_hidden -1 n_consec 0 n_flat_layers 1 bn_mode fixed"), "hidden"},
        {cfg_text("vocab_size 27 block_size 0 n_embd 10 n_hidden 10 n_consec 0 n_flat_layers 1 bn_mode fixed"), "block"}, {cfg_text("vocab_size 1 block_size 3 n_embd 10 n_hidden 10 n_consec 0 n_flat_layers 1 bn_mode fixed"), "vocabulary"}, {cfg_text("vocab_size 27 block_size 3 n_embd 10 n_hidden 10 n_consec 0 n_flat_layers 1"), "BatchNorm"},
        {cfg_text("vocab_size 27 block_size 8 n_embd 8192 n_hidden 8192 n_consec 0 n_flat_layers 16 bn_mode fixed"), "too large"},
        {cfg_text("vocab_size 2 block_size 256 n_embd 2048 n_hidden 8192 n_consec 0 n_flat_layers 1 bn_mode fixed"), "too large"}}; // 2^32 + 36866 parameters: must not wrap in 32 bits
    cfg_poke(&C[5].c, "bn_mode", 7); // an enum value outside its list, written past the parser
    {   // activations past the limit at a large batch (the sum wrapped where long is 32 bits)
        mm_config big = cfg_text("vocab_size 2 block_size 256 n_embd 8192 n_hidden 1 n_consec 0 n_flat_layers 1 bn_mode fixed");
        CHECK(mm_model_new(&big, NULL, 1, 65536, &err) == NULL && strstr(err.msg, "too large"), "a model of 2^33 activations: %s", err.msg);
        // default token names stay distinct past 26, so a saved model loads again
        mm_config v30 = cfg_text("vocab_size 30 block_size 3 n_embd 4 n_hidden 5 n_consec 0 n_flat_layers 1 bn_mode fixed");
        mm_model* m = mm_model_new(&v30, NULL, 1, 8, &err);
        uint8_t* bytes; size_t n;
        CHECK(m && mm_model_save(m, &bytes, &n, &err) == MM_OK, "save: %s", err.msg);
        mm_model* m2 = m ? mm_model_load(bytes, n, 8, &err) : NULL;
        CHECK(m2 != NULL, "a 30-symbol model with default names does not load: %s", err.msg);
        char out[64];
        mm_rng r;
        mm_rng_seed(&r, 1);
        CHECK(m && mm_sample(m, &r, NULL, "\xC1\xA1", 8, out, sizeof out, &err) == MM_EINVAL, "an overlong UTF-8 prefix was accepted");
        if (m) free(bytes);
        mm_model_free(m2);
        mm_model_free(m);
    }
    for (size_t i = 0; i < sizeof C / sizeof C[0]; i++) {
        long n;
        int rc = mm_config_check(&C[i].c, &n, &err);
        CHECK(rc == MM_EINVAL && strstr(err.msg, C[i].needle), "config %zu: expected an error naming '%s', got '%s'", i, C[i].needle, err.msg);
        CHECK(mm_model_new(&C[i].c, NULL, 1, 32, &err) == NULL, "config %zu built a model", i);
    }
}

int main(int argc, char** argv) {
    const char* data = argc > 1 ? argv[1] : MM_DATA;
    test_mt19937();
    test_word_lists();
    test_split_and_params(data);
    test_gradients();
    test_training(data);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
