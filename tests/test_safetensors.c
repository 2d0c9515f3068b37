#define _GNU_SOURCE // memmem
// test_safetensors.c: model files (safetensors) and checkpoints.
//   1. round trip: save, load, save gives the same bytes, the same parameters and logits;
//   2. exact resume: N steps, checkpoint, load, N more steps == 2N steps in one go, bitwise;
//   3. resuming is refused on another word list, a plain model file, a bad state;
//   4. hostile files: every case refused with MM_EFORMAT and a message naming the problem,
//      plus every truncation and thousands of byte edits of a small file (run it under
//      ASan/UBSan, build-asan/, to see that nothing reads out of bounds);
//   5. PyTorch fixtures (tests/torch_roundtrip.py): files made here and read by the
//      lecture's classes, and files made there read here, give torch's eval logits.
// Usage: test_safetensors [names.txt [fixture dir]]
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "makemore.h"
#include "check.h"
#include "config.h"



static mm_words g_words;

// A trainer of the preset, SGD at 0.1 then 0.03, or with optimizer "adamw" (AdamW, lr 0.005 then 0.002).
static mm_trainer* new_trainer_with(const char* preset, const char* optimizer, const mm_words* w, long steps, long decay_step,
                                    uint64_t seed) {
    mm_config c;
    mm_data_settings d;
    mm_err err = {0};
    mm_preset(preset, &c, &d, &err);
    mm_train_params tp;
    mm_train_params_default(&tp);
    tp.steps = steps;
    tp.decay_step = decay_step;
    tp.seed = seed;
    tp.lr = 0.1f;
    tp.lr_decayed = 0.03f;
    if (optimizer) {
        CHECK(mm_train_params_set(&tp, "optimizer", optimizer, &err) == MM_OK && mm_train_params_set(&tp, "beta2", "0.95", &err) == MM_OK,
              "optimizer %s: %s", optimizer, err.msg);
        tp.lr = 0.005f;
        tp.lr_decayed = 0.002f;
    }
    mm_trainer* t = mm_trainer_new(w, &c, &d, &tp, &err);
    CHECK(t != NULL, "trainer %s: %s", preset, err.msg);
    return t;
}

static mm_trainer* new_trainer(const char* preset, const mm_words* w, long steps, long decay_step, uint64_t seed) {
    return new_trainer_with(preset, NULL, w, steps, decay_step, seed);
}

// ---------------------------------------------------------------- 1. round trip

static void test_round_trip(void) {
    const char* presets[] = {"mlp3", "wavenet22k-bnbug", "wavenet22k"};
    for (int k = 0; k < 3; k++) {
        mm_trainer* t = new_trainer(presets[k], &g_words, 1000, 1000, 5);
        if (!t) continue;
        mm_err err = {0};
        long done;
        mm_trainer_run(t, 40, NULL, &done, &err);
        mm_model* m = mm_trainer_model(t);
        uint8_t *b1 = NULL, *b2 = NULL;
        size_t n1 = 0, n2 = 0;
        CHECK(mm_model_save(m, &b1, &n1, &err) == MM_OK, "save: %s", err.msg);
        CHECK(n1 % 4 == 0 && b1[8] == '{' && (8 + (b1[0] | b1[1] << 8)) % 8 == 0, "%s: the data is not 8-aligned", presets[k]);
        CHECK(memcmp(b1 + 8, "{\"__metadata__\":{\"format\":\"makemore-wasm/1\"", 42) == 0, "header starts %.50s", (char*)b1 + 8);
        mm_model* m2 = mm_model_load(b1, n1, 64, &err);
        CHECK(m2 != NULL, "%s: load: %s", presets[k], err.msg);
        if (!m2) { free(b1); mm_trainer_free(t); continue; }
        CHECK(memcmp(mm_model_config(m), mm_model_config(m2), sizeof(mm_config)) == 0, "%s: config differs", presets[k]);
        CHECK(memcmp(mm_model_params(m), mm_model_params(m2), sizeof(float) * (size_t)mm_model_num_params(m)) == 0, "params differ");
        CHECK(memcmp(mm_model_buffers(m), mm_model_buffers(m2), sizeof(float) * (size_t)mm_model_num_buffers(m)) == 0, "buffers differ");
        CHECK(memcmp(mm_model_codepoints(m), mm_model_codepoints(m2), 4 * (size_t)mm_model_config(m)->vocab_size) == 0, "vocab differs");
        mm_model_save(m2, &b2, &n2, &err);
        CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0, "%s: save(load(save(m))) differs from save(m)", presets[k]);
        // eval logits bitwise equal
        const mm_dataset* d = &mm_trainer_splits(t)->split[MM_SPLIT_VAL];
        float* l1 = malloc(sizeof(float) * 64 * 27);
        const float* l = mm_model_eval_logits(m, d->X, 64, &err);
        memcpy(l1, l, sizeof(float) * 64 * 27);
        l = mm_model_eval_logits(m2, d->X, 64, &err);
        CHECK(l && memcmp(l1, l, sizeof(float) * 64 * 27) == 0, "%s: eval logits differ after load", presets[k]);
        free(l1);
        // a checkpoint loads as a model too, with the same weights
        uint8_t* cb;
        size_t cn;
        CHECK(mm_checkpoint_save(t, &cb, &cn, &err) == MM_OK, "checkpoint save: %s", err.msg);
        mm_train_state s;
        int has = 0;
        mm_model* m3 = mm_model_load_state(cb, cn, 1, NULL, &s, &has, &err);
        CHECK(m3 && has && s.step == 40 && s.tp.steps == 1000 && s.tp.seed == 5 && s.tp.lr_decayed == 0.03f,
              "checkpoint as model: %s has %d step %ld", err.msg, has, s.step);
        if (m3) CHECK(memcmp(mm_model_params(m), mm_model_params(m3), sizeof(float) * (size_t)mm_model_num_params(m)) == 0, "params");
        has = 1;
        mm_model_free(mm_model_load_state(b1, n1, 1, NULL, &s, &has, &err));
        CHECK(has == 0, "a plain model file reports a training state");
        mm_model_free(m3);
        free(cb);
        free(b1);
        free(b2);
        mm_model_free(m2);
        mm_trainer_free(t);
    }
}

// Unicode, quotes and backslashes in the vocabulary survive the JSON-in-JSON round trip.
static void test_unicode_vocab(void) {
    const char* text = "zo\xc3\xab\nJos\xc3\xa9\na\"b\nc\\d\n\xf0\x9f\x98\x80x\nt\tab\n";
    mm_words w;
    mm_err err = {0};
    CHECK(mm_words_parse(&w, text, strlen(text), &err) == MM_OK, "parse: %s", err.msg);
    mm_config c;
    mm_config_preset(&c, "mlp3", &err);
    c.vocab_size = w.vocab_size;
    mm_model* m = mm_model_new(&c, w.codepoints, 1, 4, &err);
    uint8_t* b;
    size_t n;
    CHECK(m && mm_model_save(m, &b, &n, &err) == MM_OK, "save: %s", err.msg);
    if (!m) { mm_words_free(&w); return; }
    mm_model* m2 = mm_model_load(b, n, 1, &err);
    CHECK(m2 && memcmp(mm_model_codepoints(m2), w.codepoints, 4 * (size_t)w.vocab_size) == 0, "unicode vocabulary: %s", err.msg);
    mm_model_free(m2);
    free(b);
    mm_model_free(m);
    mm_words_free(&w);
}

// ---------------------------------------------------------------- 2. exact resume

// Whether the bytes hold the text.
static int holds(const uint8_t* b, size_t n, const char* text) { return memmem(b, n, text, strlen(text)) != NULL; }

static void test_resume(void) {
    // decay_step inside the second half, so the schedule is carried over too; AdamW's moments and step count too
    const char* presets[] = {"mlp3", "wavenet22k-bnbug", "wavenet22k", "wavenet22k", "bigram", "wavenet76k-conv"};
    const char* optimizers[] = {NULL, NULL, NULL, "adamw", "adamw", "adamw"};
    const long N = 120;
    for (int k = 0; k < 6; k++) {
        mm_err err = {0};
        long done;
        float* full = malloc(sizeof(float) * 2 * N);
        float* half = malloc(sizeof(float) * 2 * N);
        mm_trainer* a = new_trainer_with(presets[k], optimizers[k], &g_words, 2 * N, N + 37, 11);
        mm_trainer* b = new_trainer_with(presets[k], optimizers[k], &g_words, 2 * N, N + 37, 11);
        if (!a || !b) return;
        CHECK(mm_trainer_run(a, 2 * N, full, &done, &err) == MM_OK && done == 2 * N, "run: %s", err.msg);
        mm_trainer_run(b, N, half, &done, &err);
        uint8_t* cb;
        size_t cn;
        CHECK(mm_checkpoint_save(b, &cb, &cn, &err) == MM_OK, "checkpoint: %s", err.msg);
        if (optimizers[k]) { // AdamW's state is in it: its two moments as tensors, its step count in the metadata
            CHECK(holds(cb, cn, "\"optimizer.exp_avg\":{\"dtype\":\"F32\"") && holds(cb, cn, "\"optimizer.exp_avg_sq\"") &&
                      holds(cb, cn, "\"optimizer_step\":\"120\"") && holds(cb, cn, "\"optimizer\":\"adamw\""),
                  "%s: the AdamW checkpoint holds its moments and step count", presets[k]);
            long nz = 0;
            for (long i = 0; i < mm_model_num_params(mm_trainer_model(b)); i++) nz += mm_optimizer_state(mm_trainer_optimizer(b), 1)[i] != 0.0f;
            CHECK(nz > 0 && mm_optimizer_steps(mm_trainer_optimizer(b)) == N, "%s: AdamW has state (%ld)", presets[k], nz);
        }
        mm_trainer_free(b);
        mm_trainer* c = mm_checkpoint_load(cb, cn, &g_words, &err);
        CHECK(c != NULL, "%s: resume: %s", presets[k], err.msg);
        if (c) {
            CHECK(mm_trainer_step(c) == N, "resumed at step %ld", mm_trainer_step(c));
            CHECK(mm_trainer_run(c, 2 * N, half + N, &done, &err) == MM_OK && done == N, "resumed run: %s (%ld)", err.msg, done);
            CHECK(memcmp(full, half, sizeof(float) * 2 * N) == 0, "%s %s: losses of N + save/load + N differ from 2N in one go", presets[k],
                  optimizers[k] ? optimizers[k] : "sgd");
            mm_model *ma = mm_trainer_model(a), *mc = mm_trainer_model(c);
            CHECK(memcmp(mm_model_params(ma), mm_model_params(mc), sizeof(float) * (size_t)mm_model_num_params(ma)) == 0, "%s: params", presets[k]);
            CHECK(memcmp(mm_model_buffers(ma), mm_model_buffers(mc), sizeof(float) * (size_t)mm_model_num_buffers(ma)) == 0, "%s: buffers", presets[k]);
            // and its checkpoint equals the uninterrupted trainer's
            uint8_t *x, *y;
            size_t xn, yn;
            mm_checkpoint_save(a, &x, &xn, &err);
            mm_checkpoint_save(c, &y, &yn, &err);
            CHECK(xn == yn && memcmp(x, y, xn) == 0, "%s: final checkpoints differ", presets[k]);
            free(x);
            free(y);
            mm_trainer_free(c);
        }
        free(cb);
        free(full);
        free(half);
        mm_trainer_free(a);
    }
}

// ---------------------------------------------------------------- 3. resume refused

static void test_resume_refused(void) {
    mm_err err = {0};
    long done;
    mm_trainer* t = new_trainer("mlp3", &g_words, 100, 100, 1);
    if (!t) return;
    mm_trainer_run(t, 10, NULL, &done, &err);
    uint8_t *cb, *mb;
    size_t cn, mn;
    mm_checkpoint_save(t, &cb, &cn, &err);
    mm_model_save(mm_trainer_model(t), &mb, &mn, &err);
    CHECK(mm_checkpoint_load(mb, mn, &g_words, &err) == NULL && strstr(err.msg, "no training state"), "plain model resumed: %s", err.msg);
    CHECK(mm_checkpoint_load(cb, cn, NULL, &err) == NULL && err.code == MM_EINVAL, "resumed without words");
    // another word list with the same symbols: the split differs
    mm_words w2;
    const char* text = "emma\nolivia\nava\nisabella\nsophia\ncharlotte\nmia\namelia\nharper\nevelyn\nabigail\nemily\nelizabeth\n"
                       "bcdfghjklmnpqrstuvwxyz\n";
    mm_words_parse(&w2, text, strlen(text), &err);
    CHECK(w2.vocab_size == 27, "test list has %d symbols", w2.vocab_size);
    CHECK(mm_checkpoint_load(cb, cn, &w2, &err) == NULL && strstr(err.msg, "not the one this checkpoint"), "another word list: %s", err.msg);
    mm_words_free(&w2);
    const char* text3 = "anna\nbob\n";
    mm_words_parse(&w2, text3, strlen(text3), &err);
    CHECK(mm_checkpoint_load(cb, cn, &w2, &err) == NULL && strstr(err.msg, "symbols"), "another vocabulary: %s", err.msg);
    mm_words_free(&w2);
    free(cb);
    free(mb);
    mm_trainer_free(t);
}

// ---------------------------------------------------------------- 4. hostile files

typedef struct {
    char* header; // the JSON, without padding
    uint8_t* data;
    size_t data_len;
} parts;

static parts split_file(const uint8_t* b, size_t n) {
    parts p;
    uint64_t h = 0;
    for (int i = 7; i >= 0; i--) h = h << 8 | b[i];
    p.header = malloc((size_t)h + 1);
    memcpy(p.header, b + 8, (size_t)h);
    p.header[h] = 0;
    while (h && p.header[h - 1] == ' ') p.header[--h] = 0;
    p.data_len = n - 8 - (size_t)((b[0] | b[1] << 8 | b[2] << 16)); // header < 16 MiB
    p.data = malloc(p.data_len + 1);
    memcpy(p.data, b + n - p.data_len, p.data_len);
    return p;
}

static uint8_t* join(const char* header, const uint8_t* data, size_t data_len, size_t* n) {
    size_t h = strlen(header);
    *n = 8 + h + data_len;
    uint8_t* b = malloc(*n);
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)((uint64_t)h >> (8 * i));
    memcpy(b + 8, header, h);
    if (data_len) memcpy(b + 8 + h, data, data_len);
    return b;
}

// s with the first occurrence of from replaced by to (malloc'd); NULL if from is absent.
static char* replace(const char* s, const char* from, const char* to) {
    const char* at = strstr(s, from);
    if (!at) return NULL;
    size_t a = (size_t)(at - s), f = strlen(from), t = strlen(to), n = strlen(s);
    char* r = malloc(n - f + t + 1);
    memcpy(r, s, a);
    memcpy(r + a, to, t);
    memcpy(r + a + t, at + f, n - a - f + 1);
    return r;
}

// Loads bytes; expects MM_EFORMAT with a message containing want.
static void expect_refused(const char* what, const uint8_t* b, size_t n, const char* want) {
    mm_err err = {0};
    mm_model* m = mm_model_load(b, n, 1, &err);
    CHECK(m == NULL && err.code == MM_EFORMAT && strstr(err.msg, want), "%s: loaded=%d code %d msg \"%s\" (want \"%s\")", what, m != NULL,
          err.code, err.msg, want);
    mm_model_free(m);
}

// The valid file with its header edited (from -> to) and data (optionally) replaced.
typedef void (*expect_fn)(const char* what, const uint8_t* b, size_t n, const char* want);

static void edit_and_expect(expect_fn expect, const char* what, const parts* p, const char* from, const char* to, const char* want) {
    char* h = replace(p->header, from, to);
    CHECK(h != NULL, "%s: '%s' not in the header", what, from);
    if (!h) return;
    size_t n;
    uint8_t* b = join(h, p->data, p->data_len, &n);
    expect(what, b, n, want);
    free(b);
    free(h);
}

static void expect_edit_refused(const char* what, const parts* p, const char* from, const char* to, const char* want) {
    edit_and_expect(expect_refused, what, p, from, to, want);
}

static void test_hostile(void) {
    // a small model: quick to load thousands of times
    mm_config c = cfg_text("vocab_size 27 block_size 4 n_embd 3 n_hidden 6 n_consec 2 bn_mode per-position");
    mm_err err = {0};
    mm_model* m = mm_model_new(&c, g_words.codepoints, 9, 1, &err);
    CHECK(m != NULL, "tiny model: %s", err.msg);
    if (!m) return;
    uint8_t* good;
    size_t n;
    mm_model_save(m, &good, &n, &err);
    mm_model* ok = mm_model_load(good, n, 1, &err);
    CHECK(ok != NULL, "the tiny model loads: %s", err.msg);
    mm_model_free(ok);
    parts p = split_file(good, n);
    char* h;
    uint8_t* b;
    size_t bn;

    // framing
    expect_refused("empty", good, 0, "shorter than the header");
    expect_refused("3 bytes", good, 3, "shorter than the header");
    uint8_t* t = malloc(n);
    memcpy(t, good, n);
    memset(t, 0xff, 8);
    expect_refused("header length 2^64-1", t, n, "absurd");
    memset(t, 0, 8); t[7] = 0x80;
    expect_refused("header length 2^63", t, n, "absurd");
    memcpy(t, good, n); t[0] = 0; t[1] = 0; t[2] = 0x10; // 1 MiB + ... > file
    expect_refused("header longer than the file", t, n, "header");
    memcpy(t, good, n); memset(t, 0, 8);
    expect_refused("header length 0", t, n, "not a JSON object");
    expect_refused("truncated by one byte", good, n - 1, "bytes");
    free(t);
    b = join(p.header, p.data, p.data_len, &bn);
    b = realloc(b, bn + 4); memset(b + bn, 0, 4);
    expect_refused("4 extra bytes of data", b, bn + 4, "cover");
    free(b);

    // offsets
    expect_edit_refused("out of range", &p, "\"data_offsets\":[0,", "\"data_offsets\":[100000,", "outside");
    expect_edit_refused("begin > end", &p, "\"data_offsets\":[0,324]", "\"data_offsets\":[324,0]", "outside");
    expect_edit_refused("overlap", &p, "\"data_offsets\":[324,", "\"data_offsets\":[320,", "bytes");
    h = replace(p.header, "\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[27,3],\"data_offsets\":[0,324]}",
                "\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[28,3],\"data_offsets\":[0,336]}");
    CHECK(h != NULL, "embedding entry not found: %.300s", p.header);
    if (h) {
        b = join(h, p.data, p.data_len, &bn);
        expect_refused("overlapping tensors", b, bn, "overlap");
        free(b);
        free(h);
    }
    expect_edit_refused("a hole", &p, "\"shape\":[27,3],\"data_offsets\":[0,324]", "\"shape\":[27,2],\"data_offsets\":[0,216]", "hole");
    expect_edit_refused("offset above 2^53", &p, "\"data_offsets\":[0,", "\"data_offsets\":[18446744073709551616,", "2^53");
    expect_edit_refused("three offsets", &p, "\"data_offsets\":[0,324]", "\"data_offsets\":[0,324,5]", "longer than expected");
    expect_edit_refused("negative offset", &p, "\"data_offsets\":[0,", "\"data_offsets\":[-0,", "non-negative integer");
    expect_edit_refused("fractional offset", &p, "\"data_offsets\":[0,324]", "\"data_offsets\":[0,324.0]", "not an integer");
    expect_edit_refused("leading zero", &p, "\"data_offsets\":[0,324]", "\"data_offsets\":[0,0324]", "leading zero");

    // dtypes and shapes
    expect_edit_refused("F16", &p, "{\"dtype\":\"F32\",\"shape\":[27,3],\"data_offsets\":[0,324]}",
                        "{\"dtype\":\"F16\",\"shape\":[27,6],\"data_offsets\":[0,324]}", "dtype F16");
    expect_edit_refused("I32", &p, "{\"dtype\":\"F32\",\"shape\":[27,3]", "{\"dtype\":\"I32\",\"shape\":[27,3]", "dtype I32");
    expect_edit_refused("unknown dtype", &p, "{\"dtype\":\"F32\",\"shape\":[27,3]", "{\"dtype\":\"F33\",\"shape\":[27,3]", "unknown dtype");
    expect_edit_refused("shape vs size", &p, "\"shape\":[27,3]", "\"shape\":[27,4]", "need");
    expect_edit_refused("transposed", &p, "\"shape\":[27,3]", "\"shape\":[3,27]", "shape (3, 27); the configuration needs (27, 3)");
    expect_edit_refused("extra dim", &p, "\"shape\":[27,3]", "\"shape\":[1,27,3]", "shape (1, 27, 3)");
    expect_edit_refused("huge shape", &p, "\"shape\":[27,3]", "\"shape\":[9007199254740992,9007199254740992,9007199254740992]", "need");
    expect_edit_refused("too many dims", &p, "\"shape\":[27,3]", "\"shape\":[1,1,1,1,1,1,1,1,27,3]", "longer than expected");

    // missing, extra, duplicate
    expect_edit_refused("missing tensor", &p, "\"layers.0.weight\"", "\"layers.0.weigh\"", "no tensor 'layers.0.weight'");
    {
        char entry[160];
        snprintf(entry, sizeof entry, "\"extra\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[%zu,%zu]},\"__metadata__\"",
                 p.data_len, p.data_len + 4);
        h = replace(p.header, "\"__metadata__\"", entry);
        uint8_t* d = malloc(p.data_len + 4);
        memcpy(d, p.data, p.data_len);
        memset(d + p.data_len, 0, 4);
        b = join(h, d, p.data_len + 4, &bn);
        expect_refused("extra tensor", b, bn, "unexpected tensor 'extra'");
        free(b); free(d); free(h);
    }
    expect_edit_refused("duplicate tensor", &p, "\"layers.2.weight\"", "\"layers.0.weight\"", "duplicate tensor name");
    expect_edit_refused("duplicate metadata key", &p, "\"n_embd\"", "\"block_size\"", "duplicate metadata key");
    expect_edit_refused("duplicate dtype", &p, "\"shape\":[27,3]", "\"dtype\":\"F32\",\"shape\":[27,3]", "duplicate key");
    expect_edit_refused("two __metadata__", &p, "\"layers.0.weight\"", "\"__metadata__\":{},\"layers.0.weight\"", "second __metadata__");
    expect_edit_refused("unknown tensor key", &p, "\"shape\":[27,3]", "\"shape\":[27,3],\"x\":1", "unknown key");

    // metadata
    expect_edit_refused("no format", &p, "\"format\"", "\"formax\"", "no 'format'");
    expect_edit_refused("other format", &p, "makemore-wasm/1", "makemore-wasm/2", "not supported");
    expect_edit_refused("huge vocab_size", &p, "\"vocab_size\":\"27\"", "\"vocab_size\":\"100000\"", "'vocab_size'");
    expect_edit_refused("vocab_size vs vocab", &p, "\"vocab_size\":\"27\"", "\"vocab_size\":\"28\"", "vocab");
    expect_edit_refused("bad integer", &p, "\"block_size\":\"4\"", "\"block_size\":\"4 \"", "'block_size'");
    expect_edit_refused("signed integer", &p, "\"block_size\":\"4\"", "\"block_size\":\"+4\"", "'block_size'");
    expect_edit_refused("bad config", &p, "\"block_size\":\"4\"", "\"block_size\":\"6\"", "configuration");
    expect_edit_refused("bn_mode", &p, "per-position", "sideways", "bn_mode");
    expect_edit_refused("numeric metadata", &p, "\"block_size\":\"4\"", "\"block_size\":4", "not a string");
    expect_edit_refused("no metadata", &p, "\"__metadata__\"", "\"__metadatx__\"", "");
    expect_edit_refused("token 0", &p, "[\\\".\\\",", "[\\\"x\\\",", "end token");
    expect_edit_refused("out of order", &p, "\\\"a\\\",\\\"b\\\"", "\\\"b\\\",\\\"a\\\"", "out of order");
    expect_edit_refused("two-character token", &p, "\\\"a\\\"", "\\\"aa\\\"", "not one character");
    expect_edit_refused("control token", &p, "\\\"a\\\"", "\\\"\\\\u0001\\\"", "invalid");
    expect_edit_refused("vocab not JSON", &p, "\"vocab\":\"[", "\"vocab\":\"{", "expected '['");
    expect_edit_refused("incomplete state", &p, "\"bn_mode\"", "\"step\":\"3\",\"bn_mode\"", "incomplete");
    {
        // a vocabulary longer than any vocab_size allows
        size_t cap = 2000 * 12 + 64;
        char* v = malloc(cap);
        size_t k = (size_t)snprintf(v, cap, "\"vocab\":\"[\\\".\\\"");
        for (int i = 0; i < 2000; i++) k += (size_t)snprintf(v + k, cap - k, ",\\\"\\\\u%04x\\\"", 0x100 + i);
        snprintf(v + k, cap - k, "]\",\"vocab_size\"");
        char* h2 = replace(p.header, "\"vocab_size\"", v);
        char* vs = strstr(h2, "\"vocab\":\"[\\\".\\\",\\\"a"); // drop the original vocab key: rename it
        if (vs) memcpy(vs, "\"vocax\"", 7);
        b = join(h2, p.data, p.data_len, &bn);
        expect_refused("huge vocabulary", b, bn, "more than its vocab_size");
        free(b); free(h2); free(v);
    }

    // JSON and UTF-8
    expect_edit_refused("trailing bytes", &p, "}}", "}}x", "");
    expect_edit_refused("nested value", &p, "\"shape\":[27,3]", "\"shape\":[[27],3]", "non-negative integer");
    expect_edit_refused("control char", &p, "\"layers.0.weight\"", "\"layers.0.\nweight\"", "control character");
    expect_edit_refused("bad escape", &p, "\"layers.0.weight\"", "\"layers.0.\\qweight\"", "unknown escape");
    expect_edit_refused("lone surrogate", &p, "\"layers.0.weight\"", "\"layers.0.\\ud800weight\"", "surrogate");
    expect_edit_refused("NUL escape", &p, "\"layers.0.weight\"", "\"layers.0.\\u0000weight\"", "NUL");
    expect_edit_refused("invalid UTF-8", &p, "\"layers.0.weight\"", "\"layers.0.\xff" "weight\"", "UTF-8");
    expect_edit_refused("overlong UTF-8", &p, "\"layers.0.weight\"", "\"layers.0.\xc0\xaf" "weight\"", "UTF-8");
    expect_edit_refused("UTF-8 surrogate", &p, "\"layers.0.weight\"", "\"layers.0.\xed\xa0\x80" "weight\"", "UTF-8");
    expect_edit_refused("truncated UTF-8", &p, "\"layers.0.weight\"", "\"layers.0.weight\xe2\x82\"", "UTF-8");
    {
        // deeply nested JSON: refused at the first unexpected '[' or '{', no recursion
        size_t depth = 200000;
        char* deep = malloc(2 * depth + 64);
        size_t k = (size_t)sprintf(deep, "{\"a\":");
        for (size_t i = 0; i < depth; i++) deep[k++] = '[';
        for (size_t i = 0; i < depth; i++) deep[k++] = ']';
        deep[k++] = '}';
        deep[k] = 0;
        b = join(deep, NULL, 0, &bn);
        expect_refused("deeply nested", b, bn, "expected '{'");
        free(b);
        k = (size_t)sprintf(deep, "{\"__metadata__\":");
        for (size_t i = 0; i < depth; i++) deep[k++] = '{';
        deep[k] = 0;
        b = join(deep, NULL, 0, &bn);
        expect_refused("deeply nested metadata", b, bn, "");
        free(b);
        free(deep);
        char long_name[400];
        memset(long_name, 'x', sizeof long_name);
        long_name[0] = '"';
        long_name[398] = '"';
        long_name[399] = 0;
        char* h2 = replace(p.header, "\"layers.0.weight\"", long_name);
        b = join(h2, p.data, p.data_len, &bn);
        expect_refused("a long name", b, bn, "limit");
        free(b); free(h2);
    }

    // values
    b = join(p.header, p.data, p.data_len, &bn);
    uint8_t* d = b + bn - p.data_len;
    memcpy(d + 8, "\x00\x00\xc0\x7f", 4);
    expect_refused("NaN weight", b, bn, "not a finite number");
    memcpy(d + 8, "\x00\x00\x80\xff", 4);
    expect_refused("-inf weight", b, bn, "not a finite number");
    free(b);
    char* var = strstr(p.header, "\"layers.3.running_var\"");
    CHECK(var != NULL, "no running_var in the tiny model");
    if (var) {
        unsigned long long beg = 0;
        sscanf(strstr(var, "data_offsets\":[") + 15, "%llu", &beg);
        b = join(p.header, p.data, p.data_len, &bn);
        memcpy(b + bn - p.data_len + beg, "\x00\x00\x80\xbf", 4); // -1
        expect_refused("negative variance", b, bn, "negative variance");
        free(b);
    }

    // every truncation, and byte edits everywhere: refused or loaded, never a crash
    int refused = 0, loaded = 0;
    for (size_t k = 0; k < n; k++) {
        mm_model* x = mm_model_load(good, k, 1, &err);
        CHECK(x == NULL && err.code == MM_EFORMAT && err.msg[0], "truncation to %zu bytes loaded", k);
        mm_model_free(x);
    }
    static const uint8_t EDITS[] = {0x00, 0xff, '"', '\\', '{', '[', ',', '9', ' ', 0x80};
    uint8_t* e = malloc(n);
    for (size_t k = 0; k < n; k++)
        for (size_t j = 0; j < sizeof EDITS; j++) {
            if (k >= n - p.data_len && j > 1) break; // in the data only the bit patterns matter
            memcpy(e, good, n);
            e[k] = EDITS[j];
            mm_model* x = mm_model_load(e, n, 1, &err);
            if (x) loaded++;
            else {
                refused++;
                CHECK(err.code == MM_EFORMAT && err.msg[0], "edit at %zu: code %d", k, err.code);
            }
            mm_model_free(x);
        }
    free(e);
    printf("byte edits: %d refused, %d loaded (harmless edits: padding, values)\n", refused, loaded);
    free(p.header);
    free(p.data);
    free(good);
    mm_model_free(m);
}

// ---------------------------------------------------------------- 5. optimizer state refused

// A checkpoint whose optimizer state its updates could not have reached: refused on resume, naming it.
static void expect_resume_refused(const char* what, const uint8_t* b, size_t n, const char* want) {
    mm_err err = {0};
    mm_trainer* t = mm_checkpoint_load(b, n, &g_words, &err);
    CHECK(t == NULL && err.code != MM_OK && strstr(err.msg, want), "%s: resumed=%d msg \"%s\" (want \"%s\")", what, t != NULL, err.msg, want);
    mm_trainer_free(t);
}

static void expect_resume_edit_refused(const char* what, const uint8_t* b, size_t n, const char* from, const char* to, const char* want) {
    parts p = split_file(b, n);
    edit_and_expect(expect_resume_refused, what, &p, from, to, want);
    free(p.header);
    free(p.data);
}

static void test_optimizer_state_refused(void) {
    mm_err err = {0};
    long done;
    mm_trainer* t = new_trainer_with("bigram", "adamw", &g_words, 100, 100, 1);
    if (!t) return;
    mm_trainer_run(t, 10, NULL, &done, &err);
    uint8_t* cb;
    size_t cn;
    CHECK(mm_checkpoint_save(t, &cb, &cn, &err) == MM_OK, "checkpoint: %s", err.msg);
    mm_trainer* ok = mm_checkpoint_load(cb, cn, &g_words, &err);
    CHECK(ok != NULL, "the checkpoint itself resumes: %s", err.msg);
    mm_trainer_free(ok);
    // its step count: AdamW counts one update per step (a restarted count would change the bias correction)
    expect_resume_edit_refused("step count 0", cb, cn, "\"optimizer_step\":\"10\"", "\"optimizer_step\":\"0\"", "step count 0 is not 10");
    expect_resume_edit_refused("step count 2^31 - 1", cb, cn, "\"optimizer_step\":\"10\"", "\"optimizer_step\":\"2147483647\"",
                               "step count 2147483647 is not 10");
    expect_resume_edit_refused("no step count", cb, cn, "\"optimizer_step\"", "\"optimizer_stex\"", "step count 0 is not 10");
    expect_resume_edit_refused("missing moment", cb, cn, "\"optimizer.exp_avg_sq\"", "\"optimizer.exp_avg_sx\"", "no tensor 'optimizer.exp_avg_sq'");
    free(cb);
    // a negative running average of squares (its square root would be NaN at every step)
    mm_optimizer_state(mm_trainer_optimizer(t), 1)[5] = -1e-3f;
    CHECK(mm_checkpoint_save(t, &cb, &cn, &err) == MM_OK, "checkpoint: %s", err.msg);
    expect_resume_refused("negative exp_avg_sq", cb, cn, "'exp_avg_sq' element 5 is negative");
    free(cb);
    mm_optimizer_state(mm_trainer_optimizer(t), 1)[5] = 0;
    mm_optimizer_state(mm_trainer_optimizer(t), 0)[7] = INFINITY;
    CHECK(mm_checkpoint_save(t, &cb, &cn, &err) == MM_OK, "checkpoint: %s", err.msg);
    expect_resume_refused("infinite exp_avg", cb, cn, "'exp_avg' element 7 is not a finite number");
    free(cb);
    // an optimizer made for another model is refused by the step
    mm_trainer* u = new_trainer("mlp3", &g_words, 100, 100, 1);
    if (u) {
        float loss;
        uint16_t X[6] = {0, 0, 0, 0, 0, 1}, Y[2] = {1, 2};
        CHECK(mm_model_train_step(mm_trainer_model(u), mm_trainer_optimizer(t), X, Y, 2, 0.1f, &loss, NULL, 0, &err) == MM_EINVAL &&
                  strstr(err.msg, "made for a model of 729 parameters"),
              "another model's optimizer: %s", err.msg);
        mm_trainer_free(u);
    }
    mm_trainer_free(t);
}

// ---------------------------------------------------------------- 6. PyTorch fixtures

// <name>.ref: "MMSR", u32 version 1, u32 B, u32 block, u32 V, int32 X[B*block], float32 logits[B*V]
static void check_fixture(const char* dir, const char* name) {
    char path[512];
    size_t mn = 0, rn = 0;
    snprintf(path, sizeof path, "%s/%s.safetensors", dir, name);
    uint8_t* mb = read_file(path, &mn);
    snprintf(path, sizeof path, "%s/%s.ref", dir, name);
    uint8_t* rb = read_file(path, &rn);
    CHECK(mb && rb, "fixture %s missing", name);
    if (!mb || !rb) { free(mb); free(rb); return; }
    mm_err err = {0};
    uint32_t hd[5];
    memcpy(hd, rb, sizeof hd);
    int B = (int)hd[2], T = (int)hd[3], V = (int)hd[4];
    CHECK(memcmp(rb, "MMSR", 4) == 0 && hd[1] == 1 && rn == 20 + 4 * ((size_t)B * T + (size_t)B * V), "%s.ref is malformed", name);
    mm_model* m = mm_model_load(mb, mn, B, &err);
    CHECK(m != NULL, "%s: %s", name, err.msg);
    if (m && mm_model_config(m)->block_size == T && mm_model_config(m)->vocab_size == V) {
        uint16_t* X = malloc(sizeof(uint16_t) * (size_t)B * T);
        for (long i = 0; i < (long)B * T; i++) { int32_t v; memcpy(&v, rb + 20 + 4 * i, 4); X[i] = (uint16_t)v; }
        const float* l = mm_model_eval_logits(m, X, B, &err);
        CHECK(l != NULL, "%s: %s", name, err.msg);
        double worst = 0;
        int bad = 0;
        for (long i = 0; l && i < (long)B * V; i++) {
            float r;
            memcpy(&r, rb + 20 + 4 * ((size_t)B * T) + 4 * i, 4);
            double diff = fabs((double)l[i] - r), tol = 1e-5 + 1e-4 * fabs(r);
            if (diff / tol > worst) worst = diff / tol;
            if (!(diff <= tol) && bad++ < 3) printf("  %s logit %ld: %.8g here, torch %.8g\n", name, i, (double)l[i], (double)r);
        }
        CHECK(bad == 0, "%s: %d logits differ from torch's", name, bad);
        printf("fixture %s: %d x %d eval logits match torch's (worst at %.3f of the tolerance)\n", name, B, V, worst);
        free(X);
    } else if (m) {
        CHECK(0, "%s: the .ref does not match the model's shape", name);
    }
    mm_model_free(m);
    free(mb);
    free(rb);
}

// Not a safetensors file at all: the message says so in plain words, with what the bytes look like.
static void test_not_safetensors(const char* text, size_t len) {
    // a word list given as a model file (its first 8 bytes, "emma\nol", read as a header length: 7596568761842101605)
    expect_refused("a text file", (const uint8_t*)text, len,
                   "not a model file: this looks like a text file (it starts \"emma\\nolivia\\nava\\n...\"), not a safetensors model file");
    expect_refused("a short text file", (const uint8_t*)"hello", 5, "this looks like a text file (it starts \"hello\"), not a safetensors model file");
    // bytes that are no text: the header length they give, named as what a safetensors file's first 8 bytes hold
    const uint8_t junk[16] = {0x6e, 0x9e, 0x3c, 0xda, 0x79, 0x17, 0xb5, 0x54, 1, 2, 3, 4, 5, 6, 7, 8};
    expect_refused("junk", junk, sizeof junk, "not a model file: not a safetensors file, whose first 8 bytes give its header's length: "
                   "these give a header length of 6103810682090462830 bytes, absurd (this reader's limit is 1048576)");
}

int main(int argc, char** argv) {
    const char* data = argc > 1 ? argv[1] : MM_DATA;
    const char* dir = argc > 2 ? argv[2] : MM_FIXTURE_DIR;
    size_t len;
    char* text = (char*)read_file(data, &len);
    mm_err err = {0};
    if (!text || mm_words_parse(&g_words, text, len, &err)) { printf("FAIL cannot read %s %s\n", data, err.msg); return 1; }
    test_not_safetensors(text, len);
    free(text);
    test_round_trip();
    test_unicode_vocab();
    test_resume();
    test_resume_refused();
    test_optimizer_state_refused();
    test_hostile();
    const char* fixtures[] = {"st_c_hier_bnbug", "st_c_flat2", "st_torch_hier", "st_torch_flat2", "st_torch_hier_bnbug", "st_c_bigram",
                              "st_torch_bigram", "st_c_mlp", "st_c_bow", "st_c_rnn", "st_c_gru", "st_c_lstm", "st_torch_mlp",
                              "st_torch_bow", "st_torch_rnn", "st_torch_gru", "st_torch_lstm"};
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) check_fixture(dir, fixtures[i]);
    mm_words_free(&g_words);
    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
