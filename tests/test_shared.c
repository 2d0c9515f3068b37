// test_shared.c: the fast engine's shared nodes (src/shared.c), which compute
// each distinct node of a hierarchical model's batch once:
//  - each level's row count is the number of distinct token groups it covers
//    (counted here by brute force), and every level of an all-padding batch is one row;
//  - loss, logits and every parameter gradient equal the same engine's pass over
//    every node within float rounding (1e-4 of each tensor's largest), and the
//    gradients the central finite differences of the shared pass's own loss
//    (hierarchical blocks 4, 8, 16 and group 3, flat with a second block);
//  - evaluation gives bitwise the logits of the pass over every node;
//  - the conv form the same (its rows shared across words: distinct windows);
//  - a failed diagnostics step leaves the statistics as they were;
//  - 1 and 2 threads train bitwise alike; not used by the reproducible engine,
//    per-position BatchNorm or the gated form.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fast/distinct.h"
#include "model/model.h"
#include "config.h"
#include "check.h"
#include "fd.h"

enum { V = 8, MAXB = 64 };

static const char* const WORDS[] = {"abc", "f", "cabbagefeed", "ba", "edged", "a", "faced", "cafe", "bead", "deaf", "fab", "gag"};
#define N_WORDS (int)(sizeof WORDS / sizeof WORDS[0])

// The lecture's examples of WORDS (contexts of bs tokens), in a fixed shuffled order (or in
// order: whole words, as the conv form trains); their count (at most max).
static int examples_in(int bs, int max, uint16_t* X, uint16_t* Y, int ordered) {
    uint16_t x[MAXB * 2][16], y[MAXB * 2];
    int n = 0;
    for (int w = 0; w < N_WORDS && n < 2 * MAXB; w++) {
        uint16_t ctx[16] = {0};
        int len = (int)strlen(WORDS[w]);
        for (int i = 0; i <= len && n < 2 * MAXB; i++) {
            memcpy(x[n], ctx, sizeof ctx);
            y[n++] = i < len ? (uint16_t)(WORDS[w][i] - 'a' + 1) : 0;
            memmove(ctx, ctx + 1, sizeof(uint16_t) * (size_t)(bs - 1));
            ctx[bs - 1] = y[n - 1];
        }
    }
    int B = n < max ? n : max;
    for (int e = 0; e < B; e++) { // example (e * 7) mod n: every one once when 7 and n are coprime
        int k = ordered ? e : (int)((long)e * 7 % n);
        memcpy(X + (long)e * bs, x[k], sizeof(uint16_t) * (size_t)bs);
        Y[e] = y[k];
    }
    return B;
}

static int examples(int bs, int max, uint16_t* X, uint16_t* Y) { return examples_in(bs, max, X, Y, 0); }

static mm_config hier(int block, int k) {
    mm_config c;
    mm_config_default(&c, 0, NULL);
    c.vocab_size = V; c.block_size = block; c.n_embd = 4; c.n_hidden = 6; c.n_consec = k;
    return c;
}

static mm_model* fast_model(const mm_config* c, int max_batch, mm_pool* pool) {
    mm_err err = {0};
    mm_model* m = mm_model_new(c, NULL, 7, max_batch, &err);
    CHECK(m != NULL, "model: %s", err.msg);
    if (m) mm_model_set_engine(m, MM_ENGINE_FAST, pool, &err);
    return m;
}

// Distinct groups of g tokens at offsets 0, g, 2g, ... of the contexts (brute force).
static int distinct_groups(const uint16_t* X, int B, int bs, int g) {
    int count = 0;
    for (int i = 0; i < B * (bs / g); i++) {
        const uint16_t* a = X + (long)(i / (bs / g)) * bs + (long)(i % (bs / g)) * g;
        int seen = 0;
        for (int j = 0; j < i && !seen; j++) {
            const uint16_t* b = X + (long)(j / (bs / g)) * bs + (long)(j % (bs / g)) * g;
            seen = memcmp(a, b, sizeof(uint16_t) * (size_t)g) == 0;
        }
        count += !seen;
    }
    return count;
}

// Distinct windows of the last g tokens of the contexts (brute force): a conv-form row's node at
// the level whose receptive field is g (the padding row's window is all padding).
static int distinct_windows(const uint16_t* X, int B, int bs, int g) {
    int count = 0;
    for (int i = 0; i < B; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = memcmp(X + (long)i * bs + bs - g, X + (long)j * bs + bs - g, sizeof(uint16_t) * (size_t)g) == 0;
        count += !seen;
    }
    return count;
}

// |a - b| <= tol * max|b| over n values; returns the worst ratio.
static double worst_rel(const float* a, const float* b, long n) {
    double mx = 0, worst = 0;
    for (long k = 0; k < n; k++) mx = fmax(mx, fabs(b[k]));
    for (long k = 0; k < n; k++) worst = fmax(worst, fabs((double)a[k] - b[k]) / (mx > 0 ? mx : 1));
    return worst;
}

// The shared pass against the pass over every node, and against finite differences.
static void check_against_full(const char* what, const mm_config* c, const uint16_t* X, const uint16_t* Y, int B) {
    mm_model* m = fast_model(c, B, NULL);
    if (!m) return;
    mm_err err = {0};
    long np = mm_model_num_params(m);
    int V_ = c->vocab_size;
    CHECK(mm_distinct_on(m), "%s: the shared nodes are used (kernels %s)", what, mm_model_kernels(m));
    float ls, lf;
    float* g = malloc(sizeof(float) * (size_t)np);
    float* logits = malloc(sizeof(float) * (size_t)B * V_);
    mm_model_set_plain(m, 1);
    mm_model_forward_backward(m, X, Y, B, &lf, &err);
    CHECK(mm_distinct_rows(m, 0) == -1, "%s: the full pass shares nothing", what);
    memcpy(g, mm_model_grads(m), sizeof(float) * (size_t)np);
    memcpy(logits, mm_model_logits(m), sizeof(float) * (size_t)B * V_);
    mm_model_set_plain(m, 0);
    CHECK(mm_model_forward_backward(m, X, Y, B, &ls, &err) == MM_OK, "%s: %s", what, err.msg);
    CHECK(fabsf(ls - lf) <= 1e-6f * fabsf(lf), "%s: loss %.9g, every node %.9g", what, ls, lf);
    double wl = worst_rel(mm_model_logits(m), logits, (long)B * V_);
    CHECK(wl <= 1e-4, "%s: logits differ by %.3g of their largest", what, wl);
    for (int i = 0; i < mm_model_num_tensors(m); i++) {
        const mm_tensor_info* t = mm_model_tensor(m, i);
        if (t->is_buffer) continue;
        double w = worst_rel(mm_model_grads(m) + t->offset, g + t->offset, t->size);
        CHECK(w <= 1e-4, "%s: %s's gradient differs by %.3g of its largest", what, t->name, w);
    }
    // eval: each row's numbers are computed alike, so the logits are bitwise the full pass's
    const float* el = mm_model_eval_logits(m, X, B, &err);
    CHECK(el && mm_distinct_rows(m, 0) >= 0, "%s: evaluation shares nodes", what);
    memcpy(logits, el, sizeof(float) * (size_t)B * V_);
    mm_model_set_plain(m, 1);
    el = mm_model_eval_logits(m, X, B, &err);
    mm_model_set_plain(m, 0);
    CHECK(el && memcmp(el, logits, sizeof(float) * (size_t)B * V_) == 0, "%s: eval logits bitwise the full pass's", what);
    long k;
    double fd = fd_worst_gradient(m, X, Y, B, &k);
    CHECK(fd <= 1.0, "%s: gradient %ld off the finite differences by %.3g of the tolerance", what, k, fd);
    free(g);
    free(logits);
    mm_model_free(m);
}

static void test_rows_and_numbers(void) {
    uint16_t X[MAXB * 16], Y[MAXB];
    for (int bs = 4; bs <= 16; bs *= 2) {
        mm_config c = hier(bs, 2);
        int B = examples(bs, 40, X, Y);
        mm_model* m = fast_model(&c, B, NULL);
        if (!m) continue;
        mm_err err = {0};
        float loss;
        mm_model_forward_backward(m, X, Y, B, &loss, &err);
        for (int level = 0, g = 2; g <= bs; level++, g *= 2) {
            int want = distinct_groups(X, B, bs, g);
            CHECK(mm_distinct_rows(m, level) == want, "block %d level %d: %d rows, %d distinct groups of %d tokens", bs, level,
                  mm_distinct_rows(m, level), want, g);
            CHECK(want < B * (bs / g), "block %d level %d: the batch has shared nodes to test (%d of %d)", bs, level, want, B * (bs / g));
        }
        mm_model_free(m);
        char what[64];
        snprintf(what, sizeof what, "hierarchical block %d", bs);
        check_against_full(what, &c, X, Y, B);
    }
    // kernel 3 (block 9)
    mm_config c3 = hier(9, 3);
    int B = examples(9, 30, X, Y);
    check_against_full("hierarchical block 9, group 3", &c3, X, Y, B);
    // a flat MLP with a second hidden block (a level without a Flatten)
    mm_config flat = cfg_text("vocab_size 7 block_size 3 n_embd 4 n_hidden 6 n_flat_layers 2");
    flat.vocab_size = V;
    B = examples(3, 40, X, Y);
    check_against_full("flat, 2 blocks", &flat, X, Y, B);
    // one context repeated: one row at every level (its BatchNorm variance is 0, so its numbers
    // are rounding noise times 1/sqrt(eps), in either pass: only the count and a finite loss are checked)
    mm_config c8 = hier(8, 2);
    memset(X, 0, sizeof X);
    for (int e = 0; e < 24; e++) Y[e] = (uint16_t)(e % V);
    mm_model* m = fast_model(&c8, 24, NULL);
    if (m) {
        mm_err err = {0};
        float loss;
        CHECK(mm_model_forward_backward(m, X, Y, 24, &loss, &err) == MM_OK && isfinite(loss), "one context: %s", err.msg);
        for (int level = 0; level < 3; level++) CHECK(mm_distinct_rows(m, level) == 1, "one context: level %d has %d rows", level, mm_distinct_rows(m, level));
        mm_model_free(m);
    }
}

// The conv form: whole words, its rows shared across words too.
static void test_conv(void) {
    uint16_t X[MAXB * 16], Y[MAXB];
    for (int bs = 4; bs <= 16; bs *= 2) {
        mm_config c = hier(bs, 2);
        cfg_set(&c, "form", "conv");
        int B = examples_in(bs, MAXB, X, Y, 1);
        mm_model* m = fast_model(&c, B, NULL);
        if (!m) continue;
        mm_err err = {0};
        float loss;
        mm_model_forward_backward(m, X, Y, B, &loss, &err);
        CHECK(mm_distinct_on(m), "conv block %d: shared nodes used", bs);
        for (int level = 0, g = 2; g <= bs; level++, g *= 2) {
            int want = distinct_windows(X, B, bs, g);
            CHECK(mm_distinct_rows(m, level) == want, "conv block %d level %d: %d rows, %d distinct windows of %d tokens", bs, level,
                  mm_distinct_rows(m, level), want, g);
            CHECK(want < m->n_rows, "conv block %d level %d: the batch has nodes to share across words (%d of %d rows)", bs, level, want,
                  m->n_rows);
        }
        mm_model_free(m);
        char what[64];
        snprintf(what, sizeof what, "conv block %d", bs);
        check_against_full(what, &c, X, Y, B);
    }
    // shuffled examples: lone contexts, with rows no example reads
    mm_config c = hier(8, 2);
    cfg_set(&c, "form", "conv");
    int B = examples(8, 24, X, Y);
    check_against_full("conv, lone contexts", &c, X, Y, B);
}

// Where it is not used: the reproducible engine, per-position BatchNorm, the gated form.
static void test_not_used(void) {
    mm_err err = {0};
    mm_config c = hier(8, 2);
    mm_model* m = mm_model_new(&c, NULL, 1, 32, &err);
    CHECK(m && !mm_distinct_on(m), "the reproducible engine runs every node");
    mm_model_free(m);
    cfg_set(&c, "bn_mode", "per-position");
    m = fast_model(&c, 32, NULL);
    CHECK(m && !mm_distinct_on(m), "per-position BatchNorm: no shared nodes (a node's numbers depend on its position)");
    mm_model_free(m);
    mm_config g = cfg_text("form gated block_size 8 n_embd 4 n_hidden 6 n_consec 2 n_blocks 3 n_skip 5");
    g.vocab_size = V;
    m = fast_model(&g, 32, NULL);
    CHECK(m && !mm_distinct_on(m), "the gated form runs every row");
    mm_model_free(m);
}

// A diagnostics step runs every node first, then the shared pass: when that step fails (a
// non-finite loss), the statistics are still the last good step's.
static void test_failed_stats_step(void) {
    uint16_t X[MAXB * 16], Y[MAXB];
    mm_config c = hier(8, 2);
    int B = examples(8, 40, X, Y);
    mm_model* m = fast_model(&c, B, NULL);
    if (!m) return;
    mm_err err = {0};
    mm_stats* st = mm_stats_new(m, &err);
    float loss;
    CHECK(st && mm_model_sgd_step_stats(m, X, Y, B, 0.1f, &loss, st, 0, &err) == MM_OK, "a statistics step: %s", err.msg);
    size_t len;
    const char* j = st ? mm_stats_json(st, &len) : NULL;
    char* before = j ? malloc(len + 1) : NULL;
    if (before) memcpy(before, j, len + 1);
    for (int k = 0; k < 3 && mm_model_sgd_step(m, X, Y, B, 1e30f, &loss, &err) == MM_OK; k++) {} // parameters huge
    int rc = st ? mm_model_sgd_step_stats(m, X, Y, B, 0.1f, &loss, st, 7, &err) : MM_OK;
    CHECK(rc != MM_OK, "the step after lr 1e30 fails (rc %d)", rc);
    j = st ? mm_stats_json(st, &len) : NULL;
    CHECK(before && j && strcmp(before, j) == 0, "a failed statistics step leaves the statistics as they were");
    free(before);
    mm_stats_free(st);
    mm_model_free(m);
}

// 1 and 2 threads: bitwise the same steps.
static void test_threads(void) {
    uint16_t X[MAXB * 16], Y[MAXB];
    mm_config c = hier(8, 2);
    c.n_hidden = 64; // big enough for the matmuls to split
    c.n_embd = 16;
    int B = examples(8, MAXB, X, Y);
    float losses[2][20];
    float* params[2] = {NULL, NULL};
    mm_err err = {0};
    for (int t = 0; t < 2; t++) {
        mm_pool* pool = t ? mm_pool_new(2, &err) : NULL;
        mm_model* m = fast_model(&c, B, pool);
        if (!m) { mm_pool_free(pool); return; }
        for (int s = 0; s < 20; s++) mm_model_sgd_step(m, X, Y, B, 0.1f, &losses[t][s], &err);
        params[t] = malloc(sizeof(float) * (size_t)mm_model_num_params(m));
        memcpy(params[t], mm_model_params(m), sizeof(float) * (size_t)mm_model_num_params(m));
        CHECK(mm_distinct_on(m), "threads: shared nodes used");
        if (t) CHECK(memcmp(params[0], params[1], sizeof(float) * (size_t)mm_model_num_params(m)) == 0, "threads: 1 and 2 give bitwise the same parameters");
        mm_model_free(m);
        mm_pool_free(pool);
    }
    CHECK(memcmp(losses[0], losses[1], sizeof losses[0]) == 0, "threads: 1 and 2 give bitwise the same losses");
    free(params[0]);
    free(params[1]);
}

int main(void) {
    mm_err err = {0};
    mm_config probe = hier(8, 2);
    mm_model* m = fast_model(&probe, 32, NULL);
    int fused = m && mm_model_engine(m)->k->fast;
    mm_model_free(m);
    if (!fused) { // the scalar reference (no FMA on this CPU): the fast engine has no fused layer, so no shared nodes
        printf("skipped: this CPU's fast engine is the reference (%s)\n", err.msg);
        return 0;
    }
    test_rows_and_numbers();
    test_conv();
    test_not_used();
    test_threads();
    test_failed_stats_step();
    printf("%d checks, %d failures\n", checks, failures);
    return failures != 0;
}
