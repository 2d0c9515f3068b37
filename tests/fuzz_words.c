// fuzz_words.c: a fuzz target for the word-list parser (mm_words_parse) and the
// split built on what it accepts (mm_splits_build, mm_splits_find, mm_splits_text).
// A refused list must say why; an accepted one must keep every promise of
// mm_words (offsets, tokens, a sorted vocabulary that is all used, the longest
// word), and its split must hold every word, find each in the first split that
// has it, and write words that parse back to the same list.
//
// libFuzzer (clang, AddressSanitizer and UBSan), built and run by
//   bash bench/fuzz.sh words [SECONDS]     (seeds: tests/corpus/words/*.txt)
// Replay mode (any compiler; no -DMM_LIBFUZZER; ctest's fuzz_words_replay):
//   fuzz_words [--mutate] [--expect-ok] FILE|DIR ...    (see tests/fuzz_replay.h)
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "makemore.h"

static long fuzz_ok = 0, fuzz_refused = 0;
static int fuzz_accepted = 0;
static char fuzz_why[256];

#define MUST(cond) do { if (!(cond)) { fprintf(stderr, "fuzz_words: %s:%d: %s\n", __FILE__, __LINE__, #cond); abort(); } } while (0)

static void check_words(const mm_words* w) {
    MUST(w->n_words >= 1 && w->vocab_size >= 2 && w->vocab_size <= MM_MAX_VOCAB);
    MUST(w->offsets[0] == 0 && w->offsets[w->n_words] == w->n_tokens);
    int longest = 0;
    for (int i = 0; i < w->n_words; i++) {
        int l = w->offsets[i + 1] - w->offsets[i];
        MUST(l >= 1 && l <= MM_MAX_WORD_LEN);
        if (l > longest) longest = l;
    }
    MUST(longest == w->max_len);
    char* used = calloc((size_t)w->vocab_size, 1);
    for (int i = 0; i < w->n_tokens; i++) {
        MUST(w->tokens[i] >= 1 && w->tokens[i] < w->vocab_size);
        used[w->tokens[i]] = 1;
    }
    for (int t = 1; t < w->vocab_size; t++) {
        MUST(used[t]);
        MUST(t == 1 || w->codepoints[t] > w->codepoints[t - 1]);
        MUST(w->codepoints[t] <= 0x10FFFF && !(w->codepoints[t] >= 0xD800 && w->codepoints[t] <= 0xDFFF));
    }
    free(used);
}

// Each line of split k's text is found in split k or an earlier one; returns the lines.
static int check_lines(const mm_splits* s, int k, const char* text, size_t len) {
    int lines = 0;
    for (size_t a = 0, b = 0; b < len; b++) {
        if (text[b] != '\n') continue;
        int where = mm_splits_find(s, text + a, b - a);
        MUST(where >= 0 && where <= k);
        a = b + 1;
        lines++;
    }
    return lines;
}

static void check_split(const mm_words* w, size_t size) {
    mm_splits s;
    mm_err err = {0};
    int block = 1 + (int)(size % 8), shuffles = (int)(size % 3);
    MUST(mm_splits_build(&s, w, block, 42, shuffles, &err) == MM_OK);
    MUST(s.n_words[0] + s.n_words[1] + s.n_words[2] == w->n_words);
    char* all = NULL;
    size_t all_len = 0;
    for (int k = 0; k < 3; k++) {
        int n;
        const int* idx = mm_splits_words(&s, k, &n);
        for (int i = 0; i < n; i++) MUST(idx[i] >= 0 && idx[i] < w->n_words);
        char* text;
        size_t len;
        MUST(mm_splits_text(&s, k, &text, &len, &err) == MM_OK);
        MUST(check_lines(&s, k, text, len) == n);
        all = realloc(all, all_len + len + 4);
        memcpy(all + all_len, text, len);
        all_len += len;
        free(text);
    }
    // what the split writes parses back to the same list (in split order); a
    // byte-order mark first, so that a word starting with U+FEFF stays one
    mm_words back;
    all = realloc(all, all_len + 4);
    memmove(all + 3, all, all_len);
    memcpy(all, "\xEF\xBB\xBF", 3);
    MUST(mm_words_parse(&back, all, all_len + 3, &err) == MM_OK);
    MUST(back.n_words == w->n_words && back.n_tokens == w->n_tokens && back.vocab_size == w->vocab_size && back.max_len == w->max_len);
    MUST(!memcmp(back.codepoints + 1, w->codepoints + 1, sizeof(uint32_t) * (size_t)(w->vocab_size - 1)));
    mm_words_free(&back);
    free(all);
    mm_splits_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    mm_words w;
    mm_err err = {0};
    int rc = mm_words_parse(&w, (const char*)data, size, &err);
    fuzz_accepted = rc == MM_OK;
    if (rc == MM_OK) {
        fuzz_ok++;
        check_words(&w);
        check_split(&w, size);
    } else {
        fuzz_refused++;
        MUST(err.code == rc && err.msg[0]); // every refusal says why
        MUST(w.n_words == 0 && !w.tokens && !w.offsets && !w.codepoints);
        memcpy(fuzz_why, err.msg, sizeof fuzz_why);
    }
    mm_words_free(&w);
    return 0;
}

#ifndef MM_LIBFUZZER
// The replay's byte edits go over the first 64 bytes of each file.
static size_t fuzz_edit_end(const uint8_t* b, size_t n) { return n < 64 ? n : 64; }
static void fuzz_cleanup(void) {}
#define FUZZ_NAME "fuzz_words"
#define FUZZ_EXT ".txt"
#define FUZZ_EDITS {0x00, '\n', '\r', ' ', '\t', 0x7f, 0xff, 0xc3, 0x80, 0xf0, 'a'}
#include "fuzz_replay.h"
#endif
