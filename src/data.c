// data.c: word lists, the vocabulary, Python-compatible MT19937, the split.
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "makemore.h"
#include "internal.h"

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

// ---------------------------------------------------------------- UTF-8

// Decodes one code point from s[0..n); returns its length or 0 if invalid
// (overlong forms, surrogates and values past U+10FFFF are invalid).
int mm_utf8_decode(const unsigned char* s, size_t n, uint32_t* cp) {
    unsigned c = s[0];
    if (c < 0x80) { *cp = c; return 1; }
    int len; uint32_t v, min;
    if ((c & 0xE0) == 0xC0) { len = 2; v = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { len = 3; v = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { len = 4; v = c & 0x07; min = 0x10000; }
    else return 0;
    if ((size_t)len > n) return 0;
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

int mm_utf8_encode(uint32_t cp, char buf[5]) {
    int n;
    if (cp < 0x80) { buf[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { buf[0] = (char)(0xC0 | (cp >> 6)); buf[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) {
        buf[0] = (char)(0xE0 | (cp >> 12)); buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        buf[0] = (char)(0xF0 | (cp >> 18)); buf[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        buf[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); buf[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
    }
    buf[n] = 0;
    return n;
}

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

int mm_splits_build(mm_splits* out, const mm_words* w, int block_size, uint32_t seed, int n_shuffles, mm_err* err) {
    memset(out, 0, sizeof *out);
    if (!w || w->n_words < 1) return mm_fail(err, MM_EINVAL, "no words to split");
    if (block_size < 1 || block_size > MM_MAX_BLOCK) return mm_fail(err, MM_EINVAL, "block size %d is outside 1..%d", block_size, MM_MAX_BLOCK);
    if (n_shuffles < 0 || n_shuffles > 100) return mm_fail(err, MM_EINVAL, "split shuffles %d is outside 0..100", n_shuffles);
    int n = w->n_words;
    // every word gives (length + 1) examples of block_size tokens; keep the arrays addressable on wasm32
    int64_t examples = (int64_t)w->n_tokens + w->n_words;
    if (examples * block_size > ((int64_t)1 << 28))
        return mm_fail(err, MM_EDATA, "the data set is too large: %lld examples of %d tokens (at most 2^28 tokens in all)",
                       (long long)examples, block_size);
    int* order = malloc(sizeof(int) * (size_t)n);
    if (!order) return mm_fail(err, MM_ENOMEM, "out of memory building the split");
    for (int i = 0; i < n; i++) order[i] = i;
    mm_mt19937 r;
    mm_mt_seed(&r, seed);
    for (int s = 0; s < n_shuffles; s++) mm_mt_shuffle(&r, order, n);
    int n1 = (int)(0.8 * n), n2 = (int)(0.9 * n); // as Python's int(0.8*len(words))
    int rc = dataset_build(&out->split[0], w, order, 0, n1, block_size);
    if (!rc) rc = dataset_build(&out->split[1], w, order, n1, n2, block_size);
    if (!rc) rc = dataset_build(&out->split[2], w, order, n2, n, block_size);
    free(order);
    if (rc) { mm_splits_free(out); return mm_fail(err, MM_ENOMEM, "out of memory building the split"); }
    return MM_OK;
}

void mm_splits_free(mm_splits* s) {
    if (!s) return;
    for (int i = 0; i < 3; i++) { free(s->split[i].X); free(s->split[i].Y); }
    memset(s, 0, sizeof *s);
}
