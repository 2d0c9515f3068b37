// fuzz_resume.c: a fuzz target for resuming training from a checkpoint
// (mm_checkpoint_load with the word list it was trained on). The seeds are
// checkpoints trained on this file's word list, so that mutations get past the
// vocabulary and data-hash checks to the training state itself. A refused file
// must say why; a resumed trainer must be within its schedule, save a checkpoint
// that resumes to the same state, and run two steps that give bitwise the same
// losses on both (or stop on a non-finite loss, as both must).
//
// libFuzzer (clang, AddressSanitizer and UBSan), built and run by
//   bash bench/fuzz.sh resume [SECONDS]     (seeds: tests/corpus/resume/*.safetensors)
// Replay mode (any compiler; no -DMM_LIBFUZZER; ctest's fuzz_resume_replay):
//   fuzz_resume [--mutate] [--expect-ok] FILE|DIR ...    (see tests/fuzz_replay.h)
//   fuzz_resume --write-seeds DIR      writes the seed checkpoints (tests/corpus/resume/)
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "makemore.h"
#include "config.h"

static const char WORDS[] = "emma\nolivia\nava\nisabella\nsophia\ncharlotte\nmia\namelia\nharper\nevelyn\nabigail\nemily\nzo\xc3\xab\n"
                            "quinn\nxavier\njack\nkyle\nwyatt\nbrody\nren\xc3\xa9" "e\n";
static mm_words g_words;
static int g_words_ready = 0;
static long fuzz_ok = 0, fuzz_refused = 0, fuzz_skipped = 0;
static int fuzz_accepted = 0;
static char fuzz_why[256];

#define MUST(cond) do { if (!(cond)) { fprintf(stderr, "fuzz_resume: %s:%d: %s\n", __FILE__, __LINE__, #cond); abort(); } } while (0)

static void words_ready(void) {
    mm_err err = {0};
    if (!g_words_ready) MUST(mm_words_parse(&g_words, WORDS, sizeof WORDS - 1, &err) == MM_OK);
    g_words_ready = 1;
}

// Whether the file asks for more memory than a fuzzing run should give (its
// batch times its context): such a file is skipped, not refused.
static int too_big(const uint8_t* data, size_t size) {
    mm_err err = {0};
    mm_train_state s;
    int has = 0;
    mm_model* m = mm_model_load_state(data, size, 1, NULL, &s, &has, &err);
    int big = m && has && (long long)s.tp.batch_size * mm_model_config(m)->block_size > (1 << 16);
    mm_model_free(m);
    return big;
}

static void check_resumed(mm_trainer* t) {
    mm_err err = {0};
    mm_train_state a, b;
    mm_trainer_get_state(t, &a);
    MUST(a.step >= 0 && a.step <= a.tp.steps);
    uint8_t* bytes;
    size_t n;
    MUST(mm_checkpoint_save(t, &bytes, &n, &err) == MM_OK);
    mm_trainer* r = mm_checkpoint_load(bytes, n, &g_words, &err); // what we write, we must read
    free(bytes);
    MUST(r != NULL);
    mm_trainer_get_state(r, &b);
    MUST(!memcmp(&a, &b, sizeof a));
    float la[2], lb[2];
    long da = 0, db = 0;
    int ra = mm_trainer_run(t, 2, la, &da, &err);
    int rb = mm_trainer_run(r, 2, lb, &db, &err);
    MUST(ra == rb && da == db && (ra == MM_OK || ra == MM_ENONFINITE));
    MUST(da <= 2 && !memcmp(la, lb, sizeof(float) * (size_t)da));
    MUST(mm_trainer_step(t) == a.step + da && mm_trainer_step(r) == mm_trainer_step(t));
    mm_trainer_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    words_ready();
    fuzz_accepted = 0;
    if (too_big(data, size)) { fuzz_skipped++; return 0; }
    mm_err err = {0};
    mm_trainer* t = mm_checkpoint_load(data, size, &g_words, &err);
    fuzz_accepted = t != NULL;
    if (!t) {
        fuzz_refused++;
        MUST(err.code != MM_OK && err.msg[0]); // every refusal says why
        memcpy(fuzz_why, err.msg, sizeof fuzz_why);
        return 0;
    }
    fuzz_ok++;
    check_resumed(t);
    mm_trainer_free(t);
    return 0;
}

#ifndef MM_LIBFUZZER
// One seed: a small model trained `run` steps of `steps` on WORDS, as a checkpoint.
static int write_seed(const char* dir, const char* name, mm_config c, int shuffles, int batch, long steps, long decay, long run) {
    mm_err err = {0};
    mm_train_params tp;
    mm_train_params_default(&tp);
    tp.batch_size = batch; tp.steps = steps; tp.decay_step = decay; tp.seed = 7;
    mm_data_settings d = {42, shuffles};
    mm_trainer* t = mm_trainer_new(&g_words, &c, &d, &tp, &err);
    uint8_t* b = NULL;
    size_t n = 0;
    if (!t || mm_trainer_run(t, run, NULL, NULL, &err) || mm_checkpoint_save(t, &b, &n, &err)) {
        fprintf(stderr, "fuzz_resume: seed %s: %s\n", name, err.msg);
        mm_trainer_free(t);
        return -1;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.safetensors", dir, name);
    FILE* f = fopen(path, "wb");
    int bad = !f || fwrite(b, 1, n, f) != n;
    if (f && fclose(f)) bad = 1;
    if (bad) fprintf(stderr, "fuzz_resume: cannot write %s\n", path);
    free(b);
    mm_trainer_free(t);
    return bad ? -1 : 0;
}

// --write-seeds DIR: the seed corpus (flat and hierarchical models, both
// BatchNorm modes, 1 and 2 shuffles; fresh, mid-schedule, past the decay, done).
static int write_seeds(int argc, char** argv) {
    if (strcmp(argv[0], "--write-seeds")) return 0;
    if (argc < 2) { fprintf(stderr, "fuzz_resume: --write-seeds takes a folder\n"); return -1; }
    words_ready();
    // vocab, block, n_embd, n_hidden, n_consec, n_flat_layers, bn_mode (then the split's shuffles)
    mm_config flat = cfg_text("block_size 3 n_embd 2 n_hidden 6 n_consec 0"), flat2 = cfg_text("block_size 2 n_embd 2 n_hidden 4 n_consec 0 n_flat_layers 2");
    mm_config hier = cfg_text("block_size 4 n_embd 2 n_hidden 6 n_consec 2"), hier_pp = cfg_text("block_size 4 n_embd 2 n_hidden 5 n_consec 2 bn_mode per-position");
    int rc = write_seed(argv[1], "flat-mid", flat, 1, 4, 20, 10, 5);
    rc |= write_seed(argv[1], "flat2-done", flat2, 2, 3, 6, 3, 6);
    rc |= write_seed(argv[1], "hier-decayed", hier, 2, 5, 30, 4, 8);
    rc |= write_seed(argv[1], "hier-perpos-fresh", hier_pp, 1, 2, 10, 5, 0);
    return rc ? -1 : 2;
}
#define FUZZ_OPTION write_seeds

static size_t fuzz_edit_end(const uint8_t* b, size_t n) { // the JSON header, as fuzz_load
    uint64_t h = 0;
    for (int i = 7; i >= 0 && n >= 8; i--) h = h << 8 | b[i];
    return n >= 8 && h < n - 8 ? 8 + (size_t)h : n;
}
static void fuzz_cleanup(void) {
    if (fuzz_skipped) printf("fuzz_resume: %ld inputs skipped (too much memory)\n", fuzz_skipped);
    if (g_words_ready) mm_words_free(&g_words);
}
#define FUZZ_NAME "fuzz_resume"
#define FUZZ_EXT ".safetensors"
#define FUZZ_EDITS {0x00, 0xff, '"', '}', ']', ',', '0', '1', '9', '-', 'e', 0xc3}
#include "fuzz_replay.h"
#endif
