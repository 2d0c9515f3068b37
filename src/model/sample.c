// sample.c: sampling words from a model, with temperature, top-k and top-p
// (nucleus) filtering as in makemore.py and llama2.c.
#include <stdlib.h>
#include <string.h>
#include "base/internal.h"
#include "makemore.h"
#include "model/model.h"

void mm_sampling_default(mm_sampling* s) {
    s->temperature = 1.0f;
    s->top_k = 0;
    s->top_p = 1.0f;
}

static int find_token(const mm_model* m, uint32_t cp) {
    const uint32_t* cps = mm_model_codepoints(m);
    for (int t = 1; t < mm_model_config(m)->vocab_size; t++) if (cps[t] == cp) return t;
    return -1;
}

static int append(char* out, size_t cap, size_t* used, uint32_t cp, mm_err* err) {
    char buf[5];
    int k = mm_utf8_encode(cp, buf);
    if (*used + (size_t)k + 1 > cap) return mm_fail(err, MM_EINVAL, "the output buffer is too small for the sampled word");
    memcpy(out + *used, buf, (size_t)k);
    *used += (size_t)k;
    out[*used] = 0;
    return MM_OK;
}

typedef struct {
    float p;
    int v;
} ranked;

// Most likely first; equal probabilities by token order, so the result never
// depends on the sort's internals.
static int by_prob(const void* a, const void* b) {
    const ranked* x = a; const ranked* y = b;
    if (x->p != y->p) return x->p > y->p ? -1 : 1;
    return x->v - y->v;
}

// Zeroes the probabilities (V,) outside the top_k most likely tokens and outside
// the smallest most-likely set whose share of the kept mass reaches top_p.
static void filter(float* probs, int V, int top_k, float top_p) {
    ranked r[MM_MAX_VOCAB];
    for (int v = 0; v < V; v++) { r[v].p = probs[v]; r[v].v = v; }
    qsort(r, (size_t)V, sizeof r[0], by_prob);
    int keep = top_k > 0 && top_k < V ? top_k : V;
    if (top_p < 1.0f) {
        double mass = 0.0, acc = 0.0;
        for (int i = 0; i < keep; i++) mass += r[i].p;
        int n = 0;
        while (n < keep) {
            acc += r[n++].p;
            if (acc >= (double)top_p * mass) break;
        }
        keep = n;
    }
    for (int i = keep; i < V; i++) probs[r[i].v] = 0.0f;
}

// The next token from eval-mode logits (V,).
static int pick(const float* logits, int V, const mm_sampling* s, mm_rng* rng) {
    int ix = 0;
    if (s->temperature == 0.0f) { // greedy
        for (int v = 1; v < V; v++) if (logits[v] > logits[ix]) ix = v;
        return ix;
    }
    float probs[MM_MAX_VOCAB];
    float mx = logits[0];
    for (int v = 1; v < V; v++) if (logits[v] > mx) mx = logits[v];
    for (int v = 0; v < V; v++) probs[v] = mm_expf((logits[v] - mx) / s->temperature);
    if ((s->top_k > 0 && s->top_k < V) || s->top_p < 1.0f) filter(probs, V, s->top_k, s->top_p);
    float sum = 0.0f;
    for (int v = 0; v < V; v++) sum += probs[v];
    float u = mm_rng_uniform(rng) * sum, acc = 0.0f;
    ix = V - 1;
    for (int v = 0; v < V; v++) { acc += probs[v]; if (u < acc) { ix = v; break; } }
    while (probs[ix] == 0.0f && ix > 0) ix--; // never pick a zero-probability tail by rounding
    return ix;
}

// The next token's logits after the len tokens so far (the last min(len, block) in ctx): a sequence family
// that extends its rows runs one new row per token (done: the tokens run so far, -1 none), so a recurrent
// cell takes one step per character; the same numbers as the full pass of the context, which runs when
// the family cannot, and once the word outgrows the block (the context slides).
static const float* next_logits(mm_model* m, const uint16_t* ctx, int len, int* done, mm_err* err) {
    int bs = mm_model_config(m)->block_size;
    if (!mm_model_can_extend(m) || len > bs) return mm_model_eval_logits(m, ctx, 1, err);
    const float* logits = NULL;
    if (*done < 0) {
        if (!(logits = mm_model_rows_start(m, err))) return NULL;
        *done = 0;
    }
    while (*done < len)
        if (!(logits = mm_model_extend(m, ctx[bs - len + (*done)++], err))) return NULL;
    return logits;
}

int mm_sample(mm_model* m, mm_rng* rng, const mm_sampling* sp, const char* prefix, int max_len,
              char* out, size_t out_cap, mm_err* err) {
    mm_sampling s;
    if (sp) s = *sp;
    else mm_sampling_default(&s);
    const mm_config* c = mm_model_config(m);
    int bs = c->block_size;
    if (!out || out_cap < 1) return mm_fail(err, MM_EINVAL, "no output buffer");
    out[0] = 0;
    if (!(s.temperature >= 0.0f && s.temperature <= 1e6f))
        return mm_fail(err, MM_EINVAL, "temperature %g must be a number from 0 to 1e6", (double)s.temperature);
    if (s.top_k < 0) return mm_fail(err, MM_EINVAL, "top-k %d must be 0 (off) or a positive number of tokens", s.top_k);
    if (!(s.top_p > 0.0f && s.top_p <= 1.0f)) return mm_fail(err, MM_EINVAL, "top-p %g must be a number above 0 and at most 1", (double)s.top_p);
    if (max_len < 1) return mm_fail(err, MM_EINVAL, "maximum length %d must be at least 1", max_len);
    if (mm_config_word_batches(c) && max_len > bs - 1) max_len = bs - 1; // makemore.py's: the longest word the block holds
    uint16_t ctx[MM_MAX_BLOCK];
    memset(ctx, 0, sizeof ctx);
    size_t used = 0;
    int len = 0;
    const unsigned char* p = (const unsigned char*)(prefix ? prefix : "");
    const unsigned char* end = p + strlen((const char*)p);
    while (*p) {
        uint32_t cp;
        int k = mm_utf8_decode(p, (size_t)(end - p), &cp);
        if (!k) return mm_fail(err, MM_EINVAL, "the prefix is not valid UTF-8");
        int tok = find_token(m, cp);
        if (tok < 0) {
            char buf[5];
            mm_utf8_encode(cp, buf);
            return mm_fail(err, MM_EINVAL, "the prefix character '%s' is not in the model's vocabulary", buf);
        }
        int rc = append(out, out_cap, &used, cp, err);
        if (rc) return rc;
        memmove(ctx, ctx + 1, sizeof(uint16_t) * (size_t)(bs - 1));
        ctx[bs - 1] = (uint16_t)tok;
        p += k;
        len++;
    }
    int done = -1;
    while (len < max_len) {
        const float* logits = next_logits(m, ctx, len, &done, err);
        if (!logits) return err ? err->code : MM_EINVAL;
        int ix = pick(logits, c->vocab_size, &s, rng);
        if (ix == 0) break;
        int rc = append(out, out_cap, &used, mm_model_codepoints(m)[ix], err);
        if (rc) return rc;
        memmove(ctx, ctx + 1, sizeof(uint16_t) * (size_t)(bs - 1));
        ctx[bs - 1] = (uint16_t)ix;
        len++;
    }
    return MM_OK;
}

// The sampling seed rule (makemore.h). Stream 0 is the native CLI's rule since
// its first version (seed ^ the golden-ratio constant), so its names never
// changed; other streams step by another odd constant, far from any small
// multiple of the generator's own increment, so their draws do not overlap.
uint64_t mm_sample_seed(uint64_t seed, uint64_t stream) {
    return (seed ^ 0x9E3779B97F4A7C15ull) + stream * 0xD1B54A32D192ED03ull;
}
