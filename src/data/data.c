// data.c: word lists, the vocabulary, Python-compatible MT19937, the split.
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "makemore.h"
#include "base/internal.h"

// ---------------------------------------------------------------- errors

int mm_fail(mm_err* err, int code, const char* fmt, ...) {
    if (err) {
        err->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

// ---------------------------------------------------------------- tokens (UTF-8: text.c)

int mm_token_utf8(const uint32_t* codepoints, int vocab_size, int t, char buf[5]) {
    if (t < 0 || t >= vocab_size) { buf[0] = 0; return 0; }
    if (t == 0) { buf[0] = '.'; buf[1] = 0; return 1; }
    return mm_utf8_encode(codepoints[t], buf);
}

// ---------------------------------------------------------------- word lists

static int is_space(unsigned c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

static int cmp_u32(const void* a, const void* b) {
    uint32_t x = *(const uint32_t*)a, y = *(const uint32_t*)b;
    return x < y ? -1 : x > y;
}

// Token of code point cp in the sorted vocabulary (1..vocab_size-1), by binary search.
static int vocab_find(const uint32_t* cps, int vocab_size, uint32_t cp) {
    int lo = 1, hi = vocab_size - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (cps[mid] == cp) return mid;
        if (cps[mid] < cp) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
}

// Two passes over the text: the first validates and collects code points, the
// second (after the vocabulary is known) writes tokens.
int mm_words_parse(mm_words* out, const char* text, size_t len, mm_err* err) {
    memset(out, 0, sizeof *out);
    if (!text && len) return mm_fail(err, MM_EINVAL, "no text given");
    const unsigned char* s = (const unsigned char*)text;
    if (len > (size_t)1 << 30) return mm_fail(err, MM_EDATA, "the word list is %zu bytes; at most 1 GiB is supported", len);
    uint32_t* cps = malloc(len * sizeof(uint32_t) + 4); // every code point, in order
    int* offsets = malloc(sizeof(int) * (len / 2 + 2)); // a word takes >= 2 bytes with its newline, but the last
    if (!cps || !offsets) { free(cps); free(offsets); return mm_fail(err, MM_ENOMEM, "out of memory reading the word list"); }
    long n_cps = 0; int n_words = 0, max_len = 0;
    size_t i = 0; long line = 0;
    offsets[0] = 0;
    if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) i = 3; // a UTF-8 byte-order mark is not a character
    while (i < len) {
        line++;
        size_t end = i;
        while (end < len && s[end] != '\n') end++;
        size_t a = i, b = end;
        while (a < b && is_space(s[a])) a++;
        while (b > a && is_space(s[b - 1])) b--;
        int wl = 0;
        for (size_t p = a; p < b;) {
            uint32_t cp;
            if (s[p] == 0) { free(cps); free(offsets); return mm_fail(err, MM_EDATA, "line %ld: a NUL byte: this looks like binary data, not a word list", line); }
            if (s[p] < 0x20 && s[p] != '\t') { free(cps); free(offsets); return mm_fail(err, MM_EDATA, "line %ld: control character 0x%02x: this looks like binary data, not a word list", line, s[p]); }
            int k = mm_utf8_decode(s + p, b - p, &cp);
            if (!k) { free(cps); free(offsets); return mm_fail(err, MM_EDATA, "line %ld: invalid UTF-8 (byte 0x%02x at column %ld)", line, s[p], (long)(p - i + 1)); }
            if (++wl > MM_MAX_WORD_LEN) { free(cps); free(offsets); return mm_fail(err, MM_EDATA, "line %ld: word longer than %d characters", line, MM_MAX_WORD_LEN); }
            cps[n_cps++] = cp;
            p += (size_t)k;
        }
        if (wl > 0) {
            if (n_words >= MM_MAX_WORDS) { free(cps); free(offsets); return mm_fail(err, MM_EDATA, "line %ld: more than %d words", line, MM_MAX_WORDS); }
            n_words++;
            offsets[n_words] = (int)n_cps;
            if (wl > max_len) max_len = wl;
        }
        i = end + 1;
    }
    if (n_words == 0) { free(cps); free(offsets); return mm_fail(err, MM_EDATA, len ? "the word list has no words (only blank lines)" : "the word list is empty"); }

    // vocabulary: sorted distinct code points, token 0 reserved for the end token
    uint32_t* sorted = malloc(sizeof(uint32_t) * (size_t)(n_cps + 1));
    if (!sorted) { free(cps); free(offsets); return mm_fail(err, MM_ENOMEM, "out of memory reading the word list"); }
    memcpy(sorted, cps, sizeof(uint32_t) * (size_t)n_cps);
    qsort(sorted, (size_t)n_cps, sizeof(uint32_t), cmp_u32);
    int nd = 0;
    for (long k = 0; k < n_cps; k++)
        if (k == 0 || sorted[k] != sorted[k - 1]) sorted[nd++] = sorted[k];
    if (nd + 1 > MM_MAX_VOCAB) {
        free(cps); free(offsets); free(sorted);
        return mm_fail(err, MM_EDATA, "the word list has %d distinct characters; at most %d are supported", nd, MM_MAX_VOCAB - 1);
    }
    uint32_t* vocab = malloc(sizeof(uint32_t) * (size_t)(nd + 1));
    uint16_t* tokens = malloc(sizeof(uint16_t) * (size_t)(n_cps + 1));
    int* offs = realloc(offsets, sizeof(int) * (size_t)(n_words + 1));
    if (!vocab || !tokens || !offs) {
        free(cps); free(sorted); free(vocab); free(tokens); free(offs ? offs : offsets);
        return mm_fail(err, MM_ENOMEM, "out of memory reading the word list");
    }
    vocab[0] = '.';
    memcpy(vocab + 1, sorted, sizeof(uint32_t) * (size_t)nd);
    for (long k = 0; k < n_cps; k++) tokens[k] = (uint16_t)vocab_find(vocab, nd + 1, cps[k]);
    free(cps); free(sorted);
    out->n_words = n_words; out->n_tokens = (int)n_cps; out->max_len = max_len;
    out->vocab_size = nd + 1; out->tokens = tokens; out->offsets = offs; out->codepoints = vocab;
    return MM_OK;
}

void mm_words_free(mm_words* w) {
    if (!w) return;
    free(w->tokens); free(w->offsets); free(w->codepoints);
    memset(w, 0, sizeof *w);
}

// ---------------------------------------------------------------- MT19937, as CPython's _random

static void mt_init_genrand(mm_mt19937* r, uint32_t s) {
    r->mt[0] = s;
    for (int i = 1; i < 624; i++)
        r->mt[i] = 1812433253u * (r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) + (uint32_t)i;
    r->mti = 624;
}

// random.seed(n) for a non-negative int n < 2^32: init_by_array([n])
void mm_mt_seed(mm_mt19937* r, uint32_t seed) {
    const uint32_t key[1] = {seed};
    const int key_len = 1;
    mt_init_genrand(r, 19650218u);
    int i = 1, j = 0;
    for (int k = 624 > key_len ? 624 : key_len; k; k--) {
        r->mt[i] = (r->mt[i] ^ ((r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) * 1664525u)) + key[j] + (uint32_t)j;
        i++; j++;
        if (i >= 624) { r->mt[0] = r->mt[623]; i = 1; }
        if (j >= key_len) j = 0;
    }
    for (int k = 623; k; k--) {
        r->mt[i] = (r->mt[i] ^ ((r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) * 1566083941u)) - (uint32_t)i;
        i++;
        if (i >= 624) { r->mt[0] = r->mt[623]; i = 1; }
    }
    r->mt[0] = 0x80000000u;
}

uint32_t mm_mt_u32(mm_mt19937* r) {
    static const uint32_t mag01[2] = {0u, 0x9908b0dfu};
    if (r->mti >= 624) {
        int kk;
        uint32_t y;
        for (kk = 0; kk < 624 - 397; kk++) {
            y = (r->mt[kk] & 0x80000000u) | (r->mt[kk + 1] & 0x7fffffffu);
            r->mt[kk] = r->mt[kk + 397] ^ (y >> 1) ^ mag01[y & 1u];
        }
        for (; kk < 623; kk++) {
            y = (r->mt[kk] & 0x80000000u) | (r->mt[kk + 1] & 0x7fffffffu);
            r->mt[kk] = r->mt[kk + (397 - 624)] ^ (y >> 1) ^ mag01[y & 1u];
        }
        y = (r->mt[623] & 0x80000000u) | (r->mt[0] & 0x7fffffffu);
        r->mt[623] = r->mt[396] ^ (y >> 1) ^ mag01[y & 1u];
        r->mti = 0;
    }
    uint32_t y = r->mt[r->mti++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= (y >> 18);
    return y;
}

// random._randbelow_with_getrandbits(n): k = n.bit_length() top bits, reject r >= n
uint32_t mm_mt_randbelow(mm_mt19937* r, uint32_t n) {
    if (n <= 1) return 0; // Python raises for 0; a single choice needs no draw
    int k = 0;
    for (uint32_t v = n; v; v >>= 1) k++;
    uint32_t x;
    do x = mm_mt_u32(r) >> (32 - k); while (x >= n);
    return x;
}

void mm_mt_shuffle(mm_mt19937* r, int* idx, int n) {
    for (int i = n - 1; i > 0; i--) {
        int j = (int)mm_mt_randbelow(r, (uint32_t)i + 1);
        int t = idx[i]; idx[i] = idx[j]; idx[j] = t;
    }
}

// ---------------------------------------------------------------- datasets

static int dataset_build(mm_dataset* d, const mm_words* w, const int* order, int lo, int hi, int block) {
    long n = 0;
    for (int k = lo; k < hi; k++) n += w->offsets[order[k] + 1] - w->offsets[order[k]] + 1;
    d->n = (int)n; d->block_size = block;
    d->X = malloc(sizeof(uint16_t) * (size_t)(n * block + 1));
    d->Y = malloc(sizeof(uint16_t) * (size_t)(n + 1));
    if (!d->X || !d->Y) return MM_ENOMEM;
    long row = 0;
    uint16_t ctx[MM_MAX_BLOCK];
    for (int k = lo; k < hi; k++) {
        int wi = order[k], a = w->offsets[wi], b = w->offsets[wi + 1];
        memset(ctx, 0, sizeof(uint16_t) * (size_t)block);
        for (int p = a; p <= b; p++) {
            uint16_t ix = p < b ? w->tokens[p] : 0; // the word, then the end token
            memcpy(d->X + row * block, ctx, sizeof(uint16_t) * (size_t)block);
            d->Y[row++] = ix;
            memmove(ctx, ctx + 1, sizeof(uint16_t) * (size_t)(block - 1));
            ctx[block - 1] = ix;
        }
    }
    return MM_OK;
}

// ---------------------------------------------------------------- the word index
// Open addressing on FNV-1a of a word's tokens. A slot holds a position p (0 ..
// words in all splits - 1, in split order: train's, val's, test's) or -1.
// Positions go in in order and a repeated word keeps its first: train before
// val before test. The words' tokens are read from the splits' targets.
struct mm_word_index {
    int cap;              // slots, a power of 2 >= twice the words
    int* slot;            // (cap,)
    int* start;           // (words,) where word p's targets start in its split's Y
    uint32_t* codepoints; // (vocab_size,) the word list's vocabulary
    int vocab_size;
};

static void index_free(mm_word_index* x) {
    if (!x) return;
    free(x->slot); free(x->start); free(x->codepoints);
    free(x);
}

static uint64_t tokens_hash(const uint16_t* t, int n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (int i = 0; i < n; i++) { h ^= t[i]; h *= 0x100000001b3ull; }
    return h ^ (h >> 29);
}

static int split_of(const mm_splits* s, int p) { return p < s->n_words[0] ? 0 : p < s->n_words[0] + s->n_words[1] ? 1 : 2; }

// Word p's tokens: its split's targets from its start up to the end token (*len of them).
static const uint16_t* word_tokens(const mm_splits* s, int p, int* len) {
    const uint16_t* t = s->split[split_of(s, p)].Y + s->index->start[p];
    int n = 0;
    while (t[n]) n++;
    *len = n;
    return t;
}

// The slot holding the word t[0..n), or the empty slot where it would go.
static uint32_t index_slot(const mm_splits* s, const uint16_t* t, int n) {
    const mm_word_index* x = s->index;
    uint32_t m = (uint32_t)x->cap - 1, i = (uint32_t)tokens_hash(t, n) & m;
    for (;; i = (i + 1) & m) {
        int p = x->slot[i], len;
        if (p < 0) return i;
        const uint16_t* u = word_tokens(s, p, &len);
        if (len == n && !memcmp(u, t, sizeof(uint16_t) * (size_t)n)) return i;
    }
}

static int index_build(mm_splits* s, const mm_words* w) {
    int n = s->n_words[0] + s->n_words[1] + s->n_words[2];
    mm_word_index* x = s->index = calloc(1, sizeof *x);
    if (!x) return MM_ENOMEM;
    for (x->cap = 2; x->cap < 2 * n; x->cap *= 2) {}
    x->slot = malloc(sizeof(int) * (size_t)x->cap);
    x->start = malloc(sizeof(int) * (size_t)n);
    x->codepoints = malloc(sizeof(uint32_t) * (size_t)w->vocab_size);
    if (!x->slot || !x->start || !x->codepoints) return MM_ENOMEM;
    memcpy(x->codepoints, w->codepoints, sizeof(uint32_t) * (size_t)w->vocab_size);
    x->vocab_size = w->vocab_size;
    memset(x->slot, 0xff, sizeof(int) * (size_t)x->cap); // -1: empty
    int p = 0;
    for (int k = 0; k < 3; k++) // a word starts each split and follows each end token
        for (int i = 0; i < s->split[k].n; i++)
            if (i == 0 || s->split[k].Y[i - 1] == 0) x->start[p++] = i;
    for (p = 0; p < n; p++) {
        int len;
        const uint16_t* t = word_tokens(s, p, &len);
        uint32_t i = index_slot(s, t, len);
        if (x->slot[i] < 0) x->slot[i] = p;
    }
    return MM_OK;
}

int mm_splits_find(const mm_splits* s, const char* word, size_t len) {
    if (!s || !s->index || !word || len == 0) return -1;
    const mm_word_index* x = s->index;
    const unsigned char* u = (const unsigned char*)word;
    uint16_t t[MM_MAX_WORD_LEN];
    int n = 0;
    for (size_t i = 0; i < len;) { // the word's tokens; a symbol outside the vocabulary is in no split
        uint32_t cp;
        int k = mm_utf8_decode(u + i, len - i, &cp);
        int tok = k ? vocab_find(x->codepoints, x->vocab_size, cp) : -1;
        if (tok < 1 || n == MM_MAX_WORD_LEN) return -1;
        t[n++] = (uint16_t)tok;
        i += (size_t)k;
    }
    int p = x->slot[index_slot(s, t, n)];
    return p < 0 ? -1 : split_of(s, p);
}

// ---------------------------------------------------------------- the split

static int split_args_check(const mm_words* w, int n_shuffles, mm_err* err) {
    if (!w || w->n_words < 1) return mm_fail(err, MM_EINVAL, "no words to split");
    if (n_shuffles < 0 || n_shuffles > 100) return mm_fail(err, MM_EINVAL, "split shuffles %d is outside 0..100", n_shuffles);
    return MM_OK;
}

int mm_split_order(const mm_words* w, uint32_t seed, int n_shuffles, int* order, int n_words[3], mm_err* err) {
    int rc = split_args_check(w, n_shuffles, err);
    if (rc) return rc;
    if (!order || !n_words) return mm_fail(err, MM_EINVAL, "mm_split_order: missing output arrays");
    int n = w->n_words;
    for (int i = 0; i < n; i++) order[i] = i;
    mm_mt19937 r;
    mm_mt_seed(&r, seed);
    for (int s = 0; s < n_shuffles; s++) mm_mt_shuffle(&r, order, n);
    int n1 = (int)(0.8 * n), n2 = (int)(0.9 * n); // as Python's int(0.8*len(words))
    n_words[0] = n1; n_words[1] = n2 - n1; n_words[2] = n - n2;
    return MM_OK;
}

int mm_splits_build(mm_splits* out, const mm_words* w, int block_size, uint32_t seed, int n_shuffles, mm_err* err) {
    memset(out, 0, sizeof *out);
    if (!w || w->n_words < 1) return mm_fail(err, MM_EINVAL, "no words to split");
    if (block_size < 1 || block_size > MM_MAX_BLOCK) return mm_fail(err, MM_EINVAL, "block size %d is outside 1..%d", block_size, MM_MAX_BLOCK);
    int rc = split_args_check(w, n_shuffles, err);
    if (rc) return rc;
    int n = w->n_words;
    // every word gives (length + 1) examples of block_size tokens; keep the arrays addressable on wasm32
    int64_t examples = (int64_t)w->n_tokens + w->n_words;
    if (examples * block_size > ((int64_t)1 << 28))
        return mm_fail(err, MM_EDATA, "the data set is too large: %lld examples of %d tokens (at most 2^28 tokens in all)",
                       (long long)examples, block_size);
    int* order = malloc(sizeof(int) * (size_t)n);
    if (!order) return mm_fail(err, MM_ENOMEM, "out of memory building the split");
    mm_split_order(w, seed, n_shuffles, order, out->n_words, NULL);
    out->words = order; // kept: which word went where
    int n1 = out->n_words[0], n2 = n1 + out->n_words[1];
    rc = dataset_build(&out->split[0], w, order, 0, n1, block_size);
    if (!rc) rc = dataset_build(&out->split[1], w, order, n1, n2, block_size);
    if (!rc) rc = dataset_build(&out->split[2], w, order, n2, n, block_size);
    if (!rc) rc = index_build(out, w);
    if (rc) { mm_splits_free(out); return mm_fail(err, MM_ENOMEM, "out of memory building the split"); }
    return MM_OK;
}

void mm_splits_free(mm_splits* s) {
    if (!s) return;
    for (int i = 0; i < 3; i++) { free(s->split[i].X); free(s->split[i].Y); }
    free(s->words);
    index_free(s->index);
    memset(s, 0, sizeof *s);
}

const int* mm_splits_words(const mm_splits* s, int split, int* n) {
    if (n) *n = 0;
    if (!s || !s->words || split < 0 || split > 2) return NULL;
    int first = 0;
    for (int k = 0; k < split; k++) first += s->n_words[k];
    if (n) *n = s->n_words[split];
    return s->words + first;
}

int mm_splits_text(const mm_splits* s, int split, char** out, size_t* len, mm_err* err) {
    if (out) *out = NULL;
    if (len) *len = 0;
    if (!s || !out || !len) return mm_fail(err, MM_EINVAL, "mm_splits_text: missing arguments");
    if (split < 0 || split > 2) return mm_fail(err, MM_EINVAL, "unknown split %d", split);
    if (!s->index) return mm_fail(err, MM_EINVAL, "the split has no words (it was not built)");
    const mm_dataset* d = &s->split[split];
    // the targets spell the split's words in order, each ended by token 0
    char* b = malloc((size_t)d->n * 4 + 1);
    if (!b) return mm_fail(err, MM_ENOMEM, "out of memory writing the split's words");
    size_t at = 0;
    for (int i = 0; i < d->n; i++) {
        if (d->Y[i] == 0) { b[at++] = '\n'; continue; }
        char u[5];
        int k = mm_utf8_encode(s->index->codepoints[d->Y[i]], u);
        memcpy(b + at, u, (size_t)k);
        at += (size_t)k;
    }
    b[at] = 0;
    *out = b;
    *len = at;
    return MM_OK;
}
