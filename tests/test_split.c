// test_split.c: the split the core keeps (which word went to train, val, test)
// against Python's own random module (tests/fixtures/split_names.json, written
// by tests/split_reference.py), and the word lookup against a sorted reference.
// Usage: test_split [names.txt [split_names.json]]
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "makemore.h"
#include "check.h"



// Word i of the parsed list as UTF-8 into buf.
static const char* word_text(const mm_words* w, int i, char* buf, size_t cap) {
    size_t at = 0;
    for (int p = w->offsets[i]; p < w->offsets[i + 1]; p++) {
        char u[5];
        int k = mm_token_utf8(w->codepoints, w->vocab_size, w->tokens[p], u);
        if (at + (size_t)k < cap) { memcpy(buf + at, u, (size_t)k); at += (size_t)k; }
    }
    buf[at] = 0;
    return buf;
}

// ---------------------------------------------------------------- the Python fixture
typedef struct {
    int words, examples;
    char first[3][32], last[3][32];
} ref_split;

// Reads `"words": N, "examples": N, "first": ["a", "b", "c"], "last": [...]` after key in s.
static int parse_ref(const char* s, const char* key, ref_split* r) {
    const char* p = strstr(s, key);
    if (!p || sscanf(p + strlen(key), " {\"words\": %d, \"examples\": %d", &r->words, &r->examples) != 2) return 0;
    for (int f = 0; f < 2; f++) {
        p = strstr(p, f ? "\"last\": [" : "\"first\": [");
        if (!p) return 0;
        p = strchr(p, '[');
        for (int i = 0; i < 3; i++) {
            char(*dst)[32] = f ? r->last : r->first;
            if (sscanf(p, "%*[^\"]\"%31[^\"]\"", dst[i]) != 1) return 0;
            p = strchr(strchr(p, '"') + 1, '"') + 1;
        }
    }
    return 1;
}

static void check_split(const mm_words* w, const mm_splits* s, int k, const ref_split* r, int shuffles) {
    static const char* names[3] = {"train", "val", "test"};
    int n;
    const int* idx = mm_splits_words(s, k, &n);
    CHECK(idx && n == r->words, "%d shuffle(s), %s: %d words, Python %d", shuffles, names[k], n, r->words);
    CHECK(s->split[k].n == r->examples, "%d shuffle(s), %s: %d examples, Python %d", shuffles, names[k], s->split[k].n, r->examples);
    if (!idx || n < 3) return;
    char buf[1100];
    for (int i = 0; i < 3; i++) {
        CHECK(!strcmp(word_text(w, idx[i], buf, sizeof buf), r->first[i]), "%d shuffle(s), %s word %d: '%s', Python '%s'", shuffles,
              names[k], i, buf, r->first[i]);
        CHECK(!strcmp(word_text(w, idx[n - 3 + i], buf, sizeof buf), r->last[i]), "%d shuffle(s), %s word %d: '%s', Python '%s'",
              shuffles, names[k], n - 3 + i, buf, r->last[i]);
    }
    // the split's text is its words, in order, one per line
    char* text;
    size_t len;
    mm_err err = {0};
    CHECK(mm_splits_text(s, k, &text, &len, &err) == MM_OK, "mm_splits_text: %s", err.msg);
    size_t at = 0;
    int same = 1;
    for (int i = 0; i < n && same; i++) {
        size_t l = strlen(word_text(w, idx[i], buf, sizeof buf));
        same = at + l < len && !memcmp(text + at, buf, l) && text[at + l] == '\n';
        at += l + 1;
    }
    CHECK(same && at == len && strlen(text) == len, "%d shuffle(s), %s: mm_splits_text is not the split's words one per line", shuffles, names[k]);
    free(text);
}

static void test_python_split(const mm_words* w, const char* fixture) {
    size_t len;
    char* json = read_file(fixture, &len);
    CHECK(json != NULL, "cannot read %s", fixture);
    if (!json) return;
    for (int shuffles = 1; shuffles <= 2; shuffles++) {
        char key[32];
        snprintf(key, sizeof key, "{\"shuffles\": %d,", shuffles);
        const char* line = strstr(json, key);
        CHECK(line != NULL, "%s has no entry for %d shuffle(s)", fixture, shuffles);
        if (!line) continue;
        mm_splits s;
        mm_err err = {0};
        CHECK(mm_splits_build(&s, w, shuffles == 1 ? 3 : 8, 42, shuffles, &err) == MM_OK, "split: %s", err.msg);
        static const char* keys[3] = {"\"train\":", "\"val\":", "\"test\":"};
        for (int k = 0; k < 3; k++) {
            ref_split r;
            CHECK(parse_ref(line, keys[k], &r), "%s: cannot read %s of %d shuffle(s)", fixture, keys[k], shuffles);
            check_split(w, &s, k, &r, shuffles);
        }
        // mm_split_order gives the same order without the datasets
        int* order = malloc(sizeof(int) * (size_t)w->n_words);
        int nw[3];
        CHECK(mm_split_order(w, 42, shuffles, order, nw, &err) == MM_OK, "mm_split_order: %s", err.msg);
        CHECK(!memcmp(order, s.words, sizeof(int) * (size_t)w->n_words) && !memcmp(nw, s.n_words, sizeof nw),
              "mm_split_order differs from mm_splits_build's order");
        free(order);
        mm_splits_free(&s);
    }
    free(json);
}

// ---------------------------------------------------------------- the lookup
typedef struct {
    const char* text;
    int split;
} entry;
static int cmp_entry(const void* a, const void* b) {
    const entry *x = a, *y = b;
    int c = strcmp(x->text, y->text);
    return c ? c : x->split - y->split;
}

// Every word of the list is found in the first split that holds it (reference:
// the words sorted with their splits); near misses are found nowhere.
static void test_lookup(const mm_words* w) {
    mm_splits s;
    mm_err err = {0};
    CHECK(mm_splits_build(&s, w, 3, 42, 1, &err) == MM_OK, "split: %s", err.msg);
    int n = w->n_words;
    entry* e = malloc(sizeof(entry) * (size_t)n);
    char* texts = malloc((size_t)n * 64);
    for (int k = 0, at = 0; k < 3; k++) {
        int m;
        const int* idx = mm_splits_words(&s, k, &m);
        for (int i = 0; i < m; i++, at++) {
            e[at].text = word_text(w, idx[i], texts + (size_t)at * 64, 64);
            e[at].split = k;
        }
    }
    qsort(e, (size_t)n, sizeof *e, cmp_entry);
    int bad = 0, repeated = 0, in_two = 0;
    for (int i = 0; i < n; i++) {
        int first = i == 0 || strcmp(e[i].text, e[i - 1].text) ? i : -1; // the first of equal words has the lowest split
        if (first < 0) { repeated++; if (e[i].split != e[i - 1].split) in_two++; continue; }
        int got = mm_splits_find(&s, e[i].text, strlen(e[i].text));
        if (got != e[i].split && bad++ < 5) printf("  '%s': split %d, expected %d\n", e[i].text, got, e[i].split);
    }
    CHECK(bad == 0, "%d words found in the wrong split", bad);
    CHECK(repeated == 2539 && in_two > 0, "names.txt repeats %d words (%d across splits); Python: 2539 of 32033", repeated, in_two);
    // near misses: a prefix, an extension, a symbol outside the vocabulary, bad UTF-8, empty, a trimmed form
    static const char* miss[] = {"emm", "emmaa", "\xc3\xa9mile", "em\xffma", "", " emma", "emma\n", "a.b"};
    for (size_t i = 0; i < sizeof miss / sizeof *miss; i++) {
        const entry* hit = NULL;
        for (int j = 0; j < n && !hit; j++) if (!strcmp(e[j].text, miss[i])) hit = &e[j];
        CHECK(!hit && mm_splits_find(&s, miss[i], strlen(miss[i])) == -1, "'%s' is not in names.txt but was found", miss[i]);
    }
    CHECK(mm_splits_find(&s, "emma", 4) >= 0 && mm_splits_find(&s, "emma", 3) == -1, "the length bounds the word");
    CHECK(mm_splits_find(NULL, "emma", 4) == -1 && mm_splits_find(&s, NULL, 4) == -1, "no splits or no word: -1");
    free(texts);
    free(e);
    mm_splits_free(&s);
}

// A small list with repeats and a multi-byte symbol: positions by hand.
static void test_small(void) {
    const char* text = "b\xc3\xa9\nab\nbe\nab\nc\nd\ne\nf\ng\nh\n"; // 10 words
    mm_words w;
    mm_err err = {0};
    CHECK(mm_words_parse(&w, text, strlen(text), &err) == MM_OK, "parse: %s", err.msg);
    mm_splits s;
    CHECK(mm_splits_build(&s, &w, 2, 42, 0, &err) == MM_OK, "split: %s", err.msg); // no shuffle: file order
    int n;
    const int* tr = mm_splits_words(&s, 0, &n);
    CHECK(n == 8 && tr[0] == 0 && tr[7] == 7, "0 shuffles: train is words 0..7 (got %d words, %d..%d)", n, tr ? tr[0] : -1, tr ? tr[n - 1] : -1);
    CHECK(s.n_words[1] == 1 && s.n_words[2] == 1 && mm_splits_words(&s, 2, &n)[0] == 9, "0 shuffles: val 8, test 9");
    CHECK(mm_splits_find(&s, "b\xc3\xa9", 3) == 0 && mm_splits_find(&s, "ab", 2) == 0 && mm_splits_find(&s, "g", 1) == 1 &&
          mm_splits_find(&s, "h", 1) == 2 && mm_splits_find(&s, "b", 1) == -1, "lookups in a 10-word list");
    CHECK(mm_splits_words(&s, 3, &n) == NULL && n == 0, "split 3 does not exist");
    char* out;
    size_t len;
    CHECK(mm_splits_text(&s, 2, &out, &len, &err) == MM_OK && len == 2 && !strcmp(out, "h\n"), "test split text");
    free(out);
    CHECK(mm_splits_text(&s, -1, &out, &len, &err) == MM_EINVAL && out == NULL && strstr(err.msg, "split -1"), "bad split: %s", err.msg);
    int order[10], nw[3];
    CHECK(mm_split_order(&w, 42, 101, order, nw, &err) == MM_EINVAL && strstr(err.msg, "101"), "101 shuffles: %s", err.msg);
    mm_splits_free(&s);
    mm_splits_free(&s); // freeing twice is harmless
    mm_words_free(&w);
}

// The trainer keeps its split; a resumed trainer has the same one.
static void test_trainer(const mm_words* w) {
    mm_config c;
    mm_data_settings d;
    mm_err err = {0};
    mm_preset("wavenet22k", &c, &d, &err);
    mm_train_params tp;
    mm_train_params_default(&tp);
    tp.steps = 2;
    mm_trainer* t = mm_trainer_new(w, &c, &d, &tp, &err);
    CHECK(t != NULL, "trainer: %s", err.msg);
    if (!t) return;
    mm_splits ref;
    CHECK(mm_splits_build(&ref, w, c.block_size, 42, d.split_shuffles, &err) == MM_OK, "split: %s", err.msg);
    const mm_splits* s = mm_trainer_splits(t);
    CHECK(!memcmp(s->n_words, ref.n_words, sizeof ref.n_words) && !memcmp(s->words, ref.words, sizeof(int) * (size_t)w->n_words),
          "the trainer's split is mm_splits_build's");
    CHECK(mm_splits_find(s, "cathy", 5) == 0, "cathy is the lecture's first training word (2 shuffles)");
    uint8_t* b;
    size_t len;
    CHECK(mm_checkpoint_save(t, &b, &len, &err) == MM_OK, "save: %s", err.msg);
    mm_trainer* r = mm_checkpoint_load(b, len, w, &err);
    CHECK(r != NULL, "resume: %s", err.msg);
    if (r) {
        const mm_splits* rs = mm_trainer_splits(r);
        CHECK(!memcmp(rs->words, s->words, sizeof(int) * (size_t)w->n_words), "a resumed trainer has the same split");
        CHECK(mm_splits_find(rs, "cathy", 5) == 0, "a resumed trainer finds cathy in train");
    }
    free(b);
    mm_trainer_free(r);
    mm_trainer_free(t);
    mm_splits_free(&ref);
}

int main(int argc, char** argv) {
    const char* data = argc > 1 ? argv[1] : MM_DATA;
    const char* fixture = argc > 2 ? argv[2] : MM_FIXTURE_DIR "/split_names.json";
    size_t len;
    char* text = read_file(data, &len);
    CHECK(text != NULL, "cannot read %s", data);
    mm_words w;
    mm_err err = {0};
    if (text && mm_words_parse(&w, text, len, &err) == MM_OK) {
        test_python_split(&w, fixture);
        test_lookup(&w);
        test_trainer(&w);
        mm_words_free(&w);
    } else {
        CHECK(0, "parse %s: %s", data, err.msg);
    }
    free(text);
    test_small();
    printf("%d checks, %d failed\n", checks, failures);
    return failures != 0;
}
