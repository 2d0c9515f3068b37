// fuzz_load.c: a fuzz target for the model file loader (mm_model_load_state,
// and mm_checkpoint_load on a small word list).
//
// libFuzzer (clang), with AddressSanitizer and UBSan:
//   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
//     -Isrc -DMM_LIBFUZZER tests/fuzz_load.c src/io.c src/model.c src/train.c src/data.c
//     src/mathf.c src/kernels_scalar.c -lm -o build/fuzz_load_lf      (one line)
//   mkdir -p build/fuzz-corpus && cp tests/fixtures/st_*.safetensors build/fuzz-corpus/
//   build/fuzz_load_lf -max_total_time=60 -max_len=65536 -rss_limit_mb=2048 build/fuzz-corpus
//
// Replay mode (any compiler; no -DMM_LIBFUZZER): runs the target over files and
// folders (every *.safetensors in them), and with --mutate also over every
// truncation and a fixed set of byte edits of each file, deterministically:
//   fuzz_load [--mutate] FILE|DIR ...     (exit 1 if a file could not be read)
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "makemore.h"

static mm_words g_words;
static int g_words_ready = 0;
static long g_loaded = 0, g_refused = 0;

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    mm_err err = {0};
    if (!g_words_ready) {
        const char* text = "emma\nolivia\nava\nisabella\nsophia\ncharlotte\nmia\namelia\nharper\nevelyn\nabigail\nemily\nzoe\nquinn\nxavier\n"
                           "jack\nkyle\nwyatt\nbrody\n";
        if (mm_words_parse(&g_words, text, strlen(text), &err)) abort();
        g_words_ready = 1;
    }
    mm_train_state s;
    int has = 0;
    mm_model* m = mm_model_load_state(data, size, 1, &s, &has, &err);
    if (m) {
        g_loaded++;
        // a loaded model must be usable: sample one word and write it back out
        mm_rng r;
        mm_rng_seed(&r, 1);
        char word[64];
        mm_sample(m, &r, NULL, "", 16, word, sizeof word, &err);
        uint8_t* b;
        size_t n;
        if (mm_model_save_state(m, has ? &s : NULL, &b, &n, &err) == MM_OK) {
            mm_model* m2 = mm_model_load(b, n, 1, &err);
            if (!m2) abort(); // what we write, we must read
            mm_model_free(m2);
            free(b);
        }
        mm_model_free(m);
        if (has) mm_trainer_free(mm_checkpoint_load(data, size, &g_words, &err));
    } else {
        g_refused++;
        if (err.code == MM_OK || !err.msg[0]) abort(); // every refusal says why
    }
    return 0;
}

#ifndef MM_LIBFUZZER
#include <dirent.h>

static uint8_t* read_all(const char* path, size_t* len) {
    FILE* f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t* b = malloc(cap);
    for (;;) {
        if (n == cap) b = realloc(b, cap *= 2);
        size_t k = fread(b + n, 1, cap - n, f);
        if (!k) break;
        n += k;
    }
    fclose(f);
    *len = n;
    return b;
}

static void run_file(const char* path, int mutate) {
    size_t n;
    uint8_t* b = read_all(path, &n);
    if (!b) { fprintf(stderr, "fuzz_load: cannot read %s\n", path); exit(1); }
    LLVMFuzzerTestOneInput(b, n);
    if (mutate) {
        uint64_t h = 0;
        for (int i = 7; i >= 0 && n >= 8; i--) h = h << 8 | b[i];
        size_t header_end = n >= 8 && h < n - 8 ? 8 + (size_t)h : n;
        uint8_t* e = malloc(n + 1);
        for (size_t k = 0; k < header_end + 16 && k < n; k++) LLVMFuzzerTestOneInput(b, k);  // truncations in the header
        for (size_t k = header_end + 16; k < n; k += 97) LLVMFuzzerTestOneInput(b, k);     // and some in the data
        static const uint8_t EDITS[] = {0x00, 0xff, '"', '}', ']', ',', '0', '9', 0xc3};
        for (size_t k = 0; k < header_end; k++)
            for (size_t j = 0; j < sizeof EDITS; j++) {
                memcpy(e, b, n);
                e[k] = EDITS[j];
                LLVMFuzzerTestOneInput(e, n);
            }
        free(e);
    }
    free(b);
}

int main(int argc, char** argv) {
    int mutate = 0, files = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mutate")) { mutate = 1; continue; }
        DIR* d = opendir(argv[i]);
        if (!d) { run_file(argv[i], mutate); files++; continue; }
        struct dirent* de;
        char** names = NULL;
        int nn = 0;
        while ((de = readdir(d))) {
            size_t l = strlen(de->d_name);
            if (l > 12 && !strcmp(de->d_name + l - 12, ".safetensors")) {
                names = realloc(names, sizeof *names * (size_t)(nn + 1));
                names[nn++] = strdup(de->d_name);
            }
        }
        closedir(d);
        for (int k = 0; k < nn; k++) {
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", argv[i], names[k]);
            run_file(path, mutate);
            files++;
            free(names[k]);
        }
        free(names);
    }
    printf("fuzz_load: %d files, %ld inputs loaded, %ld refused\n", files, g_loaded, g_refused);
    if (g_words_ready) mm_words_free(&g_words);
    return files ? 0 : 1;
}
#endif
