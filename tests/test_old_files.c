// test_old_files.c: model files written by an earlier build still load and give
// bitwise the numbers they gave then.
//
// tests/fixtures/main-2026-12-01-mlp3.safetensors (a model file) and
// main-2026-12-01-wavenet22k-bnbug.safetensors (a checkpoint) were written by
// build/makemore of commit 6674bcf (tests/fixtures/README.md, "Old model files");
// main-2026-12-01.ref holds what that commit computed from them with this program
// (`test_old_files record`): eval-mode logits of fixed contexts (an FNV-1a hash of
// their bits and the first values), mean losses, sampled names, and for the
// checkpoint its split's eval losses and the losses of 150 resumed steps.
// Only the public API is used here (that commit's, but for mm_model_load_state's data-settings
// argument and the family's own settings read by the schema's offsets, added since).
// Usage: test_old_files [record] [names.txt [fixture dir]]
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "makemore.h"
#include "check.h"

#define PREFIX "main-2026-12-01"
#define N_CTX 256     // contexts whose logits are compared
#define N_RESUME 150  // steps run after resuming
#define N_NAMES 8


static uint32_t bits(float x) { uint32_t u; memcpy(&u, &x, 4); return u; }

// What the program computes: "key v1 v2 ..." lines, floats as their bits in hex.
typedef struct { char* p; size_t n, cap; } text;
static void put(text* t, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char line[4096];
    int k = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (t->n + (size_t)k + 1 > t->cap) { t->cap = 2 * (t->n + (size_t)k + 1); t->p = realloc(t->p, t->cap); }
    memcpy(t->p + t->n, line, (size_t)k + 1);
    t->n += (size_t)k;
}

// A model setting of the configuration as a number (an enum: its index), by the schema's offset
// (the file's family owns it: the lecture's "examples" family here).
static int setting(const mm_config* c, const char* name) {
    int v;
    memcpy(&v, (const char*)c + mm_field_find(name)->offset, sizeof v);
    return v;
}

// Fixed contexts and targets, the same in every build: a 32-bit LCG over the vocabulary.
static mm_dataset contexts(int block, int vocab) {
    mm_dataset d = {N_CTX, block, malloc(2u * N_CTX * (unsigned)block), malloc(2u * N_CTX)};
    uint32_t s = 12345u;
    for (int i = 0; i < N_CTX * block; i++) { s = s * 1664525u + 1013904223u; d.X[i] = (uint16_t)((s >> 16) % (uint32_t)vocab); }
    for (int i = 0; i < N_CTX; i++) { s = s * 1664525u + 1013904223u; d.Y[i] = (uint16_t)((s >> 16) % (uint32_t)vocab); }
    return d;
}

// Eval-mode logits of the fixed contexts (hash and the first 8), their mean loss, names sampled.
static void model_numbers(text* t, const char* key, mm_model* m) {
    const mm_config* c = mm_model_config(m);
    mm_dataset d = contexts(c->block_size, c->vocab_size);
    mm_err err = {0};
    const float* lg = mm_model_eval_logits(m, d.X, 64, &err);
    uint64_t h = 0xcbf29ce484222325ull;
    put(t, "%s.logits", key);
    for (int i = 0; i < 64 * c->vocab_size && lg; i++) {
        uint32_t u = bits(lg[i]);
        for (int k = 0; k < 4; k++) { h ^= (u >> (8 * k)) & 0xff; h *= 0x100000001b3ull; }
        if (i < 8) put(t, " %08x", u);
    }
    put(t, " %016llx\n", (unsigned long long)h);
    float loss = 0;
    if (mm_model_eval(m, &d, &loss, &err)) put(t, "%s.error %s\n", key, err.msg);
    put(t, "%s.loss %08x\n", key, bits(loss));
    mm_rng rng;
    mm_rng_seed(&rng, 7);
    put(t, "%s.names", key);
    for (int i = 0; i < N_NAMES; i++) {
        char w[1100];
        if (mm_sample(m, &rng, NULL, "", MM_MAX_WORD_LEN, w, sizeof w, &err)) snprintf(w, sizeof w, "(error)");
        put(t, " %s", w);
    }
    put(t, "\n");
    free(d.X); free(d.Y);
}

// The checkpoint resumed on names.txt: its split's eval losses, 150 more steps, the val loss after.
static void resume_numbers(text* t, const char* key, const uint8_t* b, size_t n, const mm_words* w) {
    mm_err err = {0};
    mm_trainer* tr = mm_checkpoint_load(b, n, w, &err);
    if (!tr) { put(t, "%s.error %s\n", key, err.msg); return; }
    float l[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++) mm_trainer_eval(tr, k, &l[k], &err);
    const mm_splits* s = mm_trainer_splits(tr);
    put(t, "%s.split %d %d %d\n", key, s->split[0].n, s->split[1].n, s->split[2].n);
    put(t, "%s.eval %08x %08x %08x\n", key, bits(l[0]), bits(l[1]), bits(l[2]));
    mm_train_state st;
    mm_trainer_get_state(tr, &st);
    float losses[N_RESUME] = {0};
    long done = 0;
    if (mm_trainer_set_schedule(tr, st.step + N_RESUME, st.tp.lr, st.tp.lr_decayed, st.tp.decay_step, &err) ||
        mm_trainer_run(tr, N_RESUME, losses, &done, &err))
        put(t, "%s.error %s\n", key, err.msg);
    put(t, "%s.resume %ld", key, done);
    for (int i = 0; i < N_RESUME; i++) put(t, " %08x", bits(losses[i]));
    put(t, "\n");
    mm_trainer_eval(tr, 1, &l[1], &err);
    put(t, "%s.val_after %08x\n", key, bits(l[1]));
    char after[64];
    snprintf(after, sizeof after, "%s.resumed", key);
    model_numbers(t, after, mm_trainer_model(tr));
    mm_trainer_free(tr);
}

static void compute(text* t, const char* dir, const mm_words* w) {
    static const char* const files[2] = {"mlp3", "wavenet22k-bnbug"};
    for (int f = 0; f < 2; f++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/" PREFIX "-%s.safetensors", dir, files[f]);
        size_t n;
        uint8_t* b = read_file(path, &n);
        mm_err err = {0};
        mm_train_state st;
        int has = 0;
        mm_model* m = b ? mm_model_load_state(b, n, 64, NULL, &st, &has, &err) : NULL;
        if (!m) { put(t, "%s.error %s\n", files[f], b ? err.msg : "cannot read"); free(b); continue; }
        const mm_config* c = mm_model_config(m);
        put(t, "%s.config %d %d %d %d %d %d %d checkpoint %d\n", files[f], c->vocab_size, c->block_size, c->n_embd, c->n_hidden,
            c->n_consec, setting(c, "n_flat_layers"), setting(c, "bn_mode"), has);
        if (has) put(t, "%s.state %ld %ld %d %08x %08x %ld %llu %016llx\n", files[f], st.step, st.tp.steps, st.tp.batch_size,
                     bits(st.tp.lr), bits(st.tp.lr_decayed), st.tp.decay_step, (unsigned long long)st.tp.seed,
                     (unsigned long long)st.batch_rng);
        model_numbers(t, files[f], m);
        if (has) resume_numbers(t, files[f], b, n, w);
        mm_model_free(m);
        free(b);
    }
}

int main(int argc, char** argv) {
    int record = argc > 1 && strcmp(argv[1], "record") == 0;
    const char* data = argc > 1 + record ? argv[1 + record] : MM_DATA;
    const char* dir = argc > 2 + record ? argv[2 + record] : MM_FIXTURE_DIR;
    size_t len;
    char* words = (char*)read_file(data, &len);
    mm_words w;
    mm_err err = {0};
    if (!words || mm_words_parse(&w, words, len, &err)) { printf("FAIL cannot read %s %s\n", data, err.msg); return 1; }
    free(words);
    text t = {0};
    compute(&t, dir, &w);
    mm_words_free(&w);
    char path[1024];
    snprintf(path, sizeof path, "%s/" PREFIX ".ref", dir);
    if (record) {
        FILE* f = fopen(path, "wb");
        if (!f || fwrite(t.p, 1, t.n, f) != t.n || fclose(f)) { printf("cannot write %s\n", path); return 1; }
        printf("wrote %s\n", path);
        return 0;
    }
    size_t rn;
    char* want = (char*)read_file(path, &rn);
    CHECK(want != NULL, "cannot read %s", path);
    // line by line, so a failure says which number differs
    for (char *a = t.p, *b = want; want && a && b && (*a || *b);) {
        char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);
        CHECK(la == lb && memcmp(a, b, la) == 0, "differs from %s:\n  now:  %.*s\n  then: %.*s", path, (int)(la > 300 ? 300 : la), a,
              (int)(lb > 300 ? 300 : lb), b);
        a = ea ? ea + 1 : a + la;
        b = eb ? eb + 1 : b + lb;
    }
    free(want);
    free(t.p);
    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
