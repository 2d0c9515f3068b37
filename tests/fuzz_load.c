// fuzz_load.c: a fuzz target for the model file loader (mm_model_load_state,
// and mm_checkpoint_load on a small word list).
//
// libFuzzer (clang, AddressSanitizer and UBSan), built and run by
//   bash bench/fuzz.sh load [SECONDS]     (seeds: tests/fixtures/st_*.safetensors)
// Replay mode (any compiler; no -DMM_LIBFUZZER; ctest's fuzz_load_replay):
//   fuzz_load [--mutate] [--expect-ok] FILE|DIR ...    (see tests/fuzz_replay.h)
// --mutate edits every byte of the JSON header.
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "makemore.h"

static mm_words g_words;
static int g_words_ready = 0;
static long fuzz_ok = 0, fuzz_refused = 0;
static int fuzz_accepted = 0;
static char fuzz_why[256];

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    mm_err err = {0};
    if (!g_words_ready) {
        const char* text = "emma\nolivia\nava\nisabella\nsophia\ncharlotte\nmia\namelia\nharper\nevelyn\nabigail\nemily\nzoe\nquinn\nxavier\n"
                           "jack\nkyle\nwyatt\nbrody\n";
        if (mm_words_parse(&g_words, text, strlen(text), &err)) abort();
        g_words_ready = 1;
    }
    mm_data_settings d;
    mm_train_state s;
    int has = 0;
    mm_model* m = mm_model_load_state(data, size, 1, &d, &s, &has, &err);
    fuzz_accepted = m != NULL;
    if (m) {
        fuzz_ok++;
        // a loaded model must be usable: sample one word and write it back out
        mm_rng r;
        mm_rng_seed(&r, 1);
        char word[64];
        mm_sample(m, &r, NULL, "", 16, word, sizeof word, &err);
        uint8_t* b;
        size_t n;
        if (mm_model_save_state(m, &d, has ? &s : NULL, &b, &n, &err) == MM_OK) {
            mm_model* m2 = mm_model_load(b, n, 1, &err);
            if (!m2) abort(); // what we write, we must read
            mm_model_free(m2);
            free(b);
        }
        mm_model_free(m);
        if (has) mm_trainer_free(mm_checkpoint_load(data, size, &g_words, &err));
    } else {
        fuzz_refused++;
        if (err.code == MM_OK || !err.msg[0]) abort(); // every refusal says why
        memcpy(fuzz_why, err.msg, sizeof fuzz_why);
    }
    return 0;
}

#ifndef MM_LIBFUZZER
// The replay's byte edits go over the JSON header (u64 length, then the header).
static size_t fuzz_edit_end(const uint8_t* b, size_t n) {
    uint64_t h = 0;
    for (int i = 7; i >= 0 && n >= 8; i--) h = h << 8 | b[i];
    return n >= 8 && h < n - 8 ? 8 + (size_t)h : n;
}
static void fuzz_cleanup(void) {
    if (g_words_ready) mm_words_free(&g_words);
}
#define FUZZ_NAME "fuzz_load"
#define FUZZ_EXT ".safetensors"
#define FUZZ_EDITS {0x00, 0xff, '"', '}', ']', ',', '0', '9', 0xc3}
#include "fuzz_replay.h"
#endif
