// test_recurrent.c: makemore.py's layers (src/nn/rnn.c, gru.c, lstm.c, bow.c, the
// Embedding's MLP-context and positions modes, torch's nn.Linear layout) on batches of
// whole words as the trainer builds them (each word's examples consecutive, the first
// with an all-zero context):
//  - every parameter's gradient (`start` and `start_c` too) against central finite
//    differences, the layers' input gradients through an upstream Embedding, a torch
//    Linear or another cell, on words of 1, 2 and 16 positions (an empty word, a letter,
//    15 letters in a block of 16) and a batch of words of different lengths (the rows
//    past a word's end do not exist), on the reference and the fast engine;
//  - the fast engine against the reference one: the same batches' loss and gradients, the
//    families' logits (makemore.py's MLP runs there through the fast embedding tables);
//  - a batch of words = each word alone weighted by its example count (makemore.py's
//    masked mean over positions);
//  - what the Embedding's modes look up (finite differences cannot see a lookup that
//    forward and backward get wrong alike);
//  - the families rnn (rnn, gru, lstm cells), bow and mlp: a context evaluated alone
//    (the row plan's "context alone" path: "..emm") gives the logits of its position
//    inside the whole word's batch.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/model.h"
#include "check.h"
#include "config.h"
#include "fd.h"

enum { V = 6, BS = 16, E = 3, H = 4, MAXB = 64 }; // tokens 0 (the end) and a..e

#define LONG15 "abcdeedcbaabcde" // 15 letters: 16 positions in a block of 16

// The batches: sequence lengths 1 (an empty word, twice: training needs 2 examples), 2 and
// 16, and words of different lengths (masked positions).
typedef struct {
    const char* what;
    int n;
    const char* words[6];
} batch_def;
static const batch_def BATCHES[] = {
    {"length 1", 2, {"", ""}},
    {"length 2", 1, {"c"}},
    {"length 16", 1, {LONG15}},
    {"masked 1,3,16,2,4", 5, {"", "da", LONG15, "b", "eab"}},
};
enum { N_BATCHES = sizeof BATCHES / sizeof BATCHES[0], MASKED = N_BATCHES - 1 };

// ---------------------------------------------------------------- the graphs

static layer embed(int n, int mode) {
    layer l = mm_layer_make(L_EMBED, IN_TOKENS, 0);
    l.n = n; l.C_out = E; l.embed = mode;
    return l;
}
static layer torch_linear(int in, int C_out, int bias) {
    layer l = mm_layer_make(L_LINEAR, in, 0);
    l.C_out = C_out; l.has_bias = bias; l.torch = 1;
    return l;
}
static layer cell(int type, int in) {
    layer l = mm_layer_make(type, in, 0);
    l.C_out = H;
    return l;
}

enum { G_CELL, G_CELL_LINEAR, G_STACK, G_BOW, G_BOW_BLOCK, G_MLP };
typedef struct {
    const char* what;
    const char* form; // the family: whether the layers run on rows
    int kind, cell;
} graph;
static const graph GRAPHS[] = {
    {"RNNCell", "rnn", G_CELL, L_RNN},
    {"Linear(torch, no bias) -> RNNCell", "rnn", G_CELL_LINEAR, L_RNN},
    {"GRUCell", "rnn", G_CELL, L_GRU},
    {"Linear(torch, no bias) -> GRUCell", "rnn", G_CELL_LINEAR, L_GRU},
    {"LSTMCell", "rnn", G_CELL, L_LSTM},
    {"Linear(torch, no bias) -> LSTMCell", "rnn", G_CELL_LINEAR, L_LSTM},
    {"RNNCell -> GRUCell -> LSTMCell", "rnn", G_STACK, 0},
    {"CausalBoW", "bow", G_BOW, 0},
    {"BoW block (wte + wpe positions)", "bow", G_BOW_BLOCK, 0},
    {"Embedding(MLP context), torch Linears", "mlp", G_MLP, 0},
};
enum { N_GRAPHS = sizeof GRAPHS / sizeof GRAPHS[0] };

// The graph's layers; the last a torch Linear to the vocabulary (makemore.py's lm_head).
static int build(const graph* g, layer* L) {
    int n = 0;
    switch (g->kind) {
    case G_CELL:
        L[n++] = embed(V, EMBED_TOKENS);
        L[n++] = cell(g->cell, 0);
        break;
    case G_CELL_LINEAR:
        L[n++] = embed(V, EMBED_TOKENS);
        L[n++] = torch_linear(0, E, 0);
        L[n++] = cell(g->cell, 1);
        break;
    case G_STACK:
        L[n++] = embed(V, EMBED_TOKENS);
        L[n++] = cell(L_RNN, 0);
        L[n++] = cell(L_GRU, 1);
        L[n++] = cell(L_LSTM, 2);
        break;
    case G_BOW:
        L[n++] = embed(V, EMBED_TOKENS);
        L[n] = mm_layer_make(L_BOW, 0, 0); L[n++].n = BS;
        break;
    case G_BOW_BLOCK: // makemore.py's BoW: x = wte + wpe; x = x + cbow(x); x = x + c_proj(tanh(c_fc(x)))
        L[n++] = embed(V, EMBED_TOKENS);
        L[n++] = embed(BS, EMBED_POSITIONS);
        L[n++] = mm_layer_make(L_ADD, 0, 1);
        L[n] = mm_layer_make(L_BOW, 2, 0); L[n++].n = BS;
        L[n++] = mm_layer_make(L_ADD, 2, 3);
        L[n++] = torch_linear(4, H, 1);
        L[n++] = mm_layer_make(L_TANH, 5, 0);
        L[n++] = torch_linear(6, E, 1);
        L[n++] = mm_layer_make(L_ADD, 4, 7);
        break;
    case G_MLP: // makemore.py's MLP: wte (V + the blank) of the context last first, Linear, Tanh
        L[n++] = embed(V + 1, EMBED_MLP_CONTEXT);
        L[n] = mm_layer_make(L_FLATTEN, 0, 0); L[n++].n = BS;
        L[n++] = torch_linear(1, H, 1);
        L[n++] = mm_layer_make(L_TANH, 2, 0);
        break;
    }
    L[n] = torch_linear(n - 1, V, 1);
    return n + 1;
}

static mm_config graph_config(const graph* g) {
    mm_config c;
    mm_config_default(&c, mm_family_find(g->form), NULL);
    c.vocab_size = V; c.block_size = BS; c.n_embd = E; c.n_hidden = H;
    return c;
}

// The graph's model on the engine, its parameters moved off their initial values (the start
// states off zero) alike on both engines.
static mm_model* graph_model(const graph* g, int engine, mm_pool* pool) {
    layer L[16];
    int n = build(g, L);
    mm_config c = graph_config(g);
    mm_err err = {0};
    mm_model* m = mm_model_new_layers(&c, L, n, 7, MAXB, &err);
    CHECK(m != NULL, "%s: %s", g->what, err.msg);
    if (!m) return NULL;
    CHECK(mm_model_set_engine(m, engine, engine == MM_ENGINE_FAST ? pool : NULL, &err) == MM_OK, "%s: engine: %s", g->what, err.msg);
    mm_rng r;
    mm_rng_seed(&r, 5);
    float* p = mm_model_params(m);
    for (long k = 0; k < mm_model_num_params(m); k++) p[k] += 0.3f * mm_rng_normal(&r);
    return m;
}

// The tensor that parameter k is in.
static int tensor_of(const mm_model* m, long k) {
    for (int i = 0; i < mm_model_num_tensors(m); i++) {
        const mm_tensor_info* t = mm_model_tensor(m, i);
        if (!t->is_buffer && k >= t->offset && k < t->offset + t->size) return i;
    }
    return -1;
}

// ---------------------------------------------------------------- finite differences

// Every graph, every batch, both engines: each tensor's worst error against its tolerance;
// every tensor's gradient must be seen non-zero on some batch (the check means something:
// `start` is reached, the inputs' gradients flow back to the embeddings).
static void test_finite_differences(mm_pool* pool) {
    for (int engine = MM_ENGINE_REPRODUCIBLE; engine <= MM_ENGINE_FAST; engine++)
        for (int gi = 0; gi < N_GRAPHS; gi++) {
            const graph* g = &GRAPHS[gi];
            mm_model* m = graph_model(g, engine, pool);
            if (!m) continue;
            long np = mm_model_num_params(m);
            int nt = mm_model_num_tensors(m);
            double* e = malloc(sizeof(double) * (size_t)np);
            double* fd = malloc(sizeof(double) * (size_t)np);
            double t_worst[MAX_TENSORS] = {0}, t_grad[MAX_TENSORS] = {0}, worst = 0;
            const char* worst_at = "-";
            for (int b = 0; b < N_BATCHES; b++) {
                uint16_t X[MAXB * BS], Y[MAXB];
                int B = words_to_examples(BATCHES[b].words, BATCHES[b].n, BS, MAXB, X, Y);
                fd_errors(m, X, Y, B, e, fd);
                double bw = 0;
                long bk = -1;
                for (long k = 0; k < np; k++) {
                    int t = tensor_of(m, k);
                    if (e[k] > t_worst[t]) t_worst[t] = e[k];
                    if (fabs(fd[k]) > t_grad[t]) t_grad[t] = fabs(fd[k]);
                    if (e[k] > bw || e[k] != e[k]) { bw = e[k] != e[k] ? INFINITY : e[k]; bk = k; }
                }
                CHECK(bw <= 1.0, "%s, %s kernels, batch %s: gradient of %s[%ld] off (error/tolerance %.2f)", g->what, mm_model_kernels(m),
                      BATCHES[b].what, bk >= 0 ? mm_model_tensor(m, tensor_of(m, bk))->name : "?",
                      bk >= 0 ? bk - mm_model_tensor(m, tensor_of(m, bk))->offset : -1, bw);
                if (bw > worst) { worst = bw; worst_at = BATCHES[b].what; }
            }
            printf("  %-38s %-6s %4ld params: worst %.3f (%s); per tensor:", g->what, mm_model_kernels(m), np, worst, worst_at);
            for (int t = 0; t < nt; t++) {
                const mm_tensor_info* ti = mm_model_tensor(m, t);
                if (ti->is_buffer) continue;
                printf(" %s %.2f", ti->name, t_worst[t]);
                CHECK(t_grad[t] > 1e-4, "%s: the gradient of %s is never seen (largest %.3g): the check tests nothing there", g->what,
                      ti->name, t_grad[t]);
            }
            printf("\n");
            free(e);
            free(fd);
            mm_model_free(m);
        }
}

// ---------------------------------------------------------------- the fast engine against the reference one

static void test_fast_vs_reference(mm_pool* pool) {
    for (int gi = 0; gi < N_GRAPHS; gi++) {
        const graph* g = &GRAPHS[gi];
        mm_model* a = graph_model(g, MM_ENGINE_REPRODUCIBLE, pool);
        mm_model* f = graph_model(g, MM_ENGINE_FAST, pool);
        if (!a || !f) { mm_model_free(a); mm_model_free(f); continue; }
        long np = mm_model_num_params(a);
        double worst = 0, worst_loss = 0;
        for (int b = 0; b < N_BATCHES; b++) {
            mm_err err = {0};
            uint16_t X[MAXB * BS], Y[MAXB];
            int B = words_to_examples(BATCHES[b].words, BATCHES[b].n, BS, MAXB, X, Y);
            float la, lf;
            mm_model_forward_backward(a, X, Y, B, &la, &err);
            mm_model_forward_backward(f, X, Y, B, &lf, &err);
            double dl = fabs((double)la - lf) / (1e-5 * fabs((double)la));
            if (dl > worst_loss) worst_loss = dl;
            for (long k = 0; k < np; k++) {
                double ga = mm_model_grads(a)[k], d = fabs((double)mm_model_grads(f)[k] - ga) / (1e-6 + 1e-4 * fabs(ga));
                if (d > worst || d != d) worst = d != d ? INFINITY : d;
            }
        }
        printf("  %-38s %s vs reference: loss %.3f of rtol 1e-5, gradients %.3f of rtol 1e-4 + atol 1e-6\n", g->what, mm_model_kernels(f),
               worst_loss, worst);
        CHECK(worst_loss <= 1.0 && worst <= 1.0, "%s: the fast engine differs from the reference (loss %.2f, gradients %.2f of tolerance)",
              g->what, worst_loss, worst);
        mm_model_free(a);
        mm_model_free(f);
    }
}

// ---------------------------------------------------------------- a batch of words = its words alone

// makemore.py's loss of a batch of words is the mean over their positions (the padding
// masked): B * loss(batch) = sum over words of n_w * loss(word alone), n_w its examples, and
// the same for every gradient. (The empty word alone is itself twice: the same mean.)
static void test_words_alone(mm_pool* pool) {
    const batch_def* bd = &BATCHES[MASKED];
    for (int engine = MM_ENGINE_REPRODUCIBLE; engine <= MM_ENGINE_FAST; engine++)
        for (int gi = 0; gi < N_GRAPHS; gi++) {
            const graph* g = &GRAPHS[gi];
            mm_model* m = graph_model(g, engine, pool);
            if (!m) continue;
            mm_err err = {0};
            long np = mm_model_num_params(m);
            double* sum = calloc((size_t)np, sizeof(double));
            double loss_sum = 0;
            for (int w = 0; w < bd->n; w++) {
                const char* words[2] = {bd->words[w], bd->words[w]};
                uint16_t X[MAXB * BS], Y[MAXB];
                int n = words_to_examples(words, 1, BS, MAXB, X, Y), B = n < 2 ? words_to_examples(words, 2, BS, MAXB, X, Y) : n;
                float loss;
                CHECK(mm_model_forward_backward(m, X, Y, B, &loss, &err) == MM_OK, "%s: %s", g->what, err.msg);
                loss_sum += (double)n * loss;
                for (long k = 0; k < np; k++) sum[k] += (double)n * mm_model_grads(m)[k];
            }
            uint16_t X[MAXB * BS], Y[MAXB];
            int B = words_to_examples(bd->words, bd->n, BS, MAXB, X, Y);
            float loss;
            mm_model_forward_backward(m, X, Y, B, &loss, &err);
            double scale = 0, worst = 0;
            for (long k = 0; k < np; k++) if (fabs(sum[k]) > scale) scale = fabs(sum[k]);
            for (long k = 0; k < np; k++) {
                double d = fabs((double)B * mm_model_grads(m)[k] - sum[k]) / (1e-5 * scale);
                if (d > worst || d != d) worst = d != d ? INFINITY : d;
            }
            double dl = fabs((double)B * loss - loss_sum) / (1e-6 * loss_sum);
            printf("  %-38s %-6s %d words, %d examples: loss %.3f of rtol 1e-6, gradients %.3f of 1e-5 of the largest\n", g->what,
                   mm_model_kernels(m), bd->n, B, dl, worst);
            CHECK(dl <= 1.0 && worst <= 1.0, "%s (%s): the batch's loss x %d (%.7g) and gradients (%.2f of tolerance) are not its words' sum (%.7g)",
                  g->what, mm_model_kernels(m), B, (double)B * loss, worst, loss_sum);
            free(sum);
            mm_model_free(m);
        }
}

// ---------------------------------------------------------------- what the Embedding's modes look up

static void test_lookups(void) {
    mm_err err = {0};
    // the MLP's context, last first: "..emm" (block 16) reads m, m, e, the start token, then the blank 12 times
    const graph* mlp = &GRAPHS[N_GRAPHS - 1];
    mm_model* m = graph_model(mlp, MM_ENGINE_REPRODUCIBLE, NULL);
    if (!m) return;
    uint16_t X[BS] = {0};
    X[BS - 3] = 5; X[BS - 2] = 3; X[BS - 1] = 3; // "..ecc" in this vocabulary
    const uint16_t want[BS] = {3, 3, 5, 0, V, V, V, V, V, V, V, V, V, V, V, V};
    CHECK(mm_model_eval_logits(m, X, 1, &err) != NULL, "mlp: %s", err.msg);
    const float* w = mm_model_params(m) + m->L[0].p[0];
    const float* out = m->acts + m->L[0].out;
    int bad = 0;
    for (int k = 0; k < BS; k++) bad += memcmp(out + k * E, w + want[k] * E, sizeof(float) * E) != 0;
    CHECK(bad == 0, "EMBED_MLP_CONTEXT: %d of %d values are not the context's tokens last first, the start token, then the blank", bad, BS);
    mm_model_free(m);
    // positions: row 0 (every word's start) reads wpe[0], position p of a word wpe[p + 1]
    const graph* bow = &GRAPHS[N_GRAPHS - 2];
    m = graph_model(bow, MM_ENGINE_REPRODUCIBLE, NULL);
    if (!m) return;
    uint16_t Xb[MAXB * BS], Yb[MAXB];
    const char* words[] = {"da", LONG15};
    int B = words_to_examples(words, 2, BS, MAXB, Xb, Yb);
    CHECK(mm_model_eval_logits(m, Xb, B, &err) != NULL, "bow: %s", err.msg);
    w = mm_model_params(m) + m->L[1].p[0];
    out = m->acts + m->L[1].out;
    bad = 0;
    for (int r = 0; r < m->n_rows; r++) bad += memcmp(out + r * E, w + (m->row_pos[r] + 1) * E, sizeof(float) * E) != 0;
    CHECK(bad == 0 && m->n_rows == 1 + 2 + 15, "EMBED_POSITIONS: %d of %d rows do not read their position + 1", bad, m->n_rows);
    mm_model_free(m);
}

// ---------------------------------------------------------------- families

static const char* const FAMILIES[][2] = {{"rnn", "rnn"}, {"rnn", "gru"}, {"rnn", "lstm"}, {"bow", NULL}, {"mlp", NULL}};
enum { N_FAMILIES = sizeof FAMILIES / sizeof FAMILIES[0], VA = 27, BA = 16 };
static const char* const FAMILY_WORDS[] = {"emma", "", "olivia", "abcdefghijklmno", "ava"};

// Family fi's model (small sizes, 27 tokens: '.' and a..z) on the engine, its parameters moved
// off their initial values (the start states off zero).
static mm_model* family_model(int fi, int engine, mm_pool* pool) {
    mm_err err = {0};
    mm_config c;
    mm_config_default(&c, mm_family_find(FAMILIES[fi][0]), NULL);
    if (FAMILIES[fi][1]) cfg_set(&c, "cell_type", FAMILIES[fi][1]);
    c.vocab_size = VA; c.block_size = BA; c.n_embd = 5; c.n_hidden = 6;
    mm_model* m = mm_model_new(&c, NULL, 3, MAXB, &err);
    CHECK(m, "%s: %s", FAMILIES[fi][0], err.msg);
    if (!m) return NULL;
    CHECK(mm_model_set_engine(m, engine, engine == MM_ENGINE_FAST ? pool : NULL, &err) == MM_OK, "engine: %s", err.msg);
    mm_rng r;
    mm_rng_seed(&r, 9);
    for (long k = 0; k < mm_model_num_params(m); k++) mm_model_params(m)[k] += 0.2f * mm_rng_normal(&r);
    return m;
}
static const char* family_name(int fi) { return FAMILIES[fi][1] ? FAMILIES[fi][1] : FAMILIES[fi][0]; }

static double max_rel_diff(const float* a, const float* b, long n) {
    double worst = 0;
    for (long i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]) / (1e-6 + fabs((double)b[i]));
        if (d > worst || d != d) worst = d != d ? INFINITY : d;
    }
    return worst;
}

// Each family evaluated on whole words, then on each example's context alone (sampling's
// "..emm", one example), and on the batch from example 4 on (an evaluation chunk that starts
// inside a word): the same logits.
static void test_contexts_alone(mm_pool* pool) {
    static uint16_t X[MAXB * BA], Y[MAXB];
    static float whole[MAXB * VA];
    int B = words_to_examples(FAMILY_WORDS, 5, BA, MAXB, X, Y);
    for (int fi = 0; fi < N_FAMILIES; fi++)
        for (int engine = MM_ENGINE_REPRODUCIBLE; engine <= MM_ENGINE_FAST; engine++) {
            mm_err err = {0};
            mm_model* m = family_model(fi, engine, pool);
            const float* p = m ? mm_model_eval_logits(m, X, B, &err) : NULL;
            CHECK(p, "%s: %s", family_name(fi), err.msg);
            if (!p) { mm_model_free(m); continue; }
            memcpy(whole, p, sizeof(float) * (size_t)B * VA);
            double worst = 0;
            for (int e = 0; e < B; e++) {
                const float* q = mm_model_eval_logits(m, X + (long)e * BA, 1, &err);
                double d = q ? max_rel_diff(q, whole + (long)e * VA, VA) : INFINITY;
                if (d > worst) worst = d;
            }
            const float* q = mm_model_eval_logits(m, X + 3L * BA, 1, &err); // "..emm": emma's 4th example
            double emm = q ? max_rel_diff(q, whole + 3L * VA, VA) : INFINITY;
            q = mm_model_eval_logits(m, X + 4L * BA, B - 4, &err);
            double chunk = q ? max_rel_diff(q, whole + 4L * VA, (long)(B - 4) * VA) : INFINITY;
            printf("  %-5s %-6s %d examples: each alone %.2e, \"..emm\" %.2e, from example 4 on %.2e (max rel diff)\n", family_name(fi),
                   mm_model_kernels(m), B, worst, emm, chunk);
            CHECK(worst <= 1e-5 && emm <= 1e-5 && chunk <= 1e-5,
                  "%s (%s): a context alone gives other logits than inside its word (%.3g, %.3g, %.3g)", family_name(fi),
                  mm_model_kernels(m), worst, emm, chunk);
            mm_model_free(m);
        }
}

// The families' logits on whole words, the fast engine against the reference.
static void test_fast_families(mm_pool* pool) {
    static uint16_t X[MAXB * BA], Y[MAXB];
    static float ref[MAXB * VA];
    int B = words_to_examples(FAMILY_WORDS, 5, BA, MAXB, X, Y);
    for (int fi = 0; fi < N_FAMILIES; fi++) {
        mm_err err = {0};
        mm_model* a = family_model(fi, MM_ENGINE_REPRODUCIBLE, pool);
        mm_model* f = family_model(fi, MM_ENGINE_FAST, pool);
        const float* p = a ? mm_model_eval_logits(a, X, B, &err) : NULL;
        if (p) memcpy(ref, p, sizeof(float) * (size_t)B * VA);
        const float* q = p && f ? mm_model_eval_logits(f, X, B, &err) : NULL;
        double d = INFINITY, big = 0;
        if (q) {
            d = 0;
            for (long k = 0; k < (long)B * VA; k++) {
                double e = fabs((double)q[k] - ref[k]);
                if (e > d || e != e) d = e != e ? INFINITY : e;
                if (fabs(ref[k]) > big) big = fabs(ref[k]);
            }
            d /= big;
        }
        printf("  %-5s %s vs reference: logits max diff %.2e of the largest\n", family_name(fi), f ? mm_model_kernels(f) : "?", d);
        CHECK(d <= 1e-5, "%s: the fast engine's logits differ from the reference's (max diff %.3g of the largest)", family_name(fi), d);
        mm_model_free(a);
        mm_model_free(f);
    }
}

// ---------------------------------------------------------------- contexts alone


int main(void) {
    mm_err err = {0};
    mm_pool* pool = mm_pool_new(2, &err);
    printf("finite differences (error / tolerance, 1 = the limit):\n");
    test_finite_differences(pool);
    printf("the fast engine against the reference:\n");
    test_fast_vs_reference(pool);
    test_fast_families(pool);
    printf("a batch of words = its words alone, weighted by their examples:\n");
    test_words_alone(pool);
    test_lookups();
    printf("contexts alone = the same positions inside whole words:\n");
    test_contexts_alone(pool);
    mm_pool_free(pool);
    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
