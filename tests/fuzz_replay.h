// fuzz_replay.h: the replay main() of the libFuzzer targets (tests/fuzz_*.c),
// for builds without libFuzzer (any compiler; ctest runs it over the committed
// seed corpora). Included by a target after its LLVMFuzzerTestOneInput; the
// target defines first:
//   FUZZ_NAME     its name, for messages ("fuzz_words")
//   FUZZ_EXT      the file name ending replayed from a folder (".txt")
//   fuzz_edit_end(b, n)  how many leading bytes the byte edits go over
//   FUZZ_EDITS    the bytes written at each of those positions, e.g. {0x00, '\n'}
// and may define FUZZ_OPTION(argc, argv): an option of its own at argv[0]; returns
// how many arguments it took (0: not its option; -1: it failed).
//
//   fuzz_x [--mutate] [--expect-ok] FILE|DIR ...
// runs the target over each file (a folder: its files ending in FUZZ_EXT, in
// name order); --mutate also over every truncation of the first
// fuzz_edit_end + 16 bytes, some later ones, and every edit of each of the first
// fuzz_edit_end bytes to each of FUZZ_EDITS, deterministically; --expect-ok
// fails (exit 1) unless the target accepts each file as given (fuzz_accepted).
// Exit 1 if a file cannot be read or none was given. Not for -DMM_LIBFUZZER builds.
// (The target defines _POSIX_C_SOURCE 200809L before its includes, for strdup.)
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long fuzz_inputs = 0;

static uint8_t* fuzz_read_all(const char* path, size_t* len) {
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

static void fuzz_run(const uint8_t* b, size_t n) {
    fuzz_inputs++;
    LLVMFuzzerTestOneInput(b, n);
}

// Returns 0, or 1 if the file could not be read or (expect_ok) was refused.
static int fuzz_run_file(const char* path, int mutate, int expect_ok) {
    size_t n;
    uint8_t* b = fuzz_read_all(path, &n);
    if (!b) { fprintf(stderr, FUZZ_NAME ": cannot read %s\n", path); return 1; }
    int bad = 0;
    fuzz_run(b, n);
    if (expect_ok && !fuzz_accepted) { fprintf(stderr, FUZZ_NAME ": %s was refused: %s\n", path, fuzz_why); bad = 1; }
    if (mutate) {
        size_t end = fuzz_edit_end(b, n);
        uint8_t* e = malloc(n + 1);
        for (size_t k = 0; k < end + 16 && k < n; k++) fuzz_run(b, k); // truncations
        for (size_t k = end + 16; k < n; k += 97) fuzz_run(b, k);
        static const uint8_t EDITS[] = FUZZ_EDITS;
        for (size_t k = 0; k < end; k++)
            for (size_t j = 0; j < sizeof EDITS; j++) {
                memcpy(e, b, n);
                e[k] = EDITS[j];
                fuzz_run(e, n);
            }
        free(e);
    }
    free(b);
    return bad;
}

static int cmp_names(const void* a, const void* b) { return strcmp(*(char* const*)a, *(char* const*)b); }

// Runs every FUZZ_EXT file of dir, in name order; *files counts them.
static int fuzz_run_dir(DIR* d, const char* dir, int mutate, int expect_ok, int* files) {
    struct dirent* de;
    char** names = NULL;
    int nn = 0, bad = 0;
    size_t el = strlen(FUZZ_EXT);
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l > el && !strcmp(de->d_name + l - el, FUZZ_EXT)) {
            names = realloc(names, sizeof *names * (size_t)(nn + 1));
            names[nn++] = strdup(de->d_name);
        }
    }
    if (nn) qsort(names, (size_t)nn, sizeof *names, cmp_names);
    for (int k = 0; k < nn; k++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        bad |= fuzz_run_file(path, mutate, expect_ok);
        (*files)++;
        free(names[k]);
    }
    free(names);
    return bad;
}

int main(int argc, char** argv) {
    int mutate = 0, expect_ok = 0, files = 0, bad = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mutate")) { mutate = 1; continue; }
        if (!strcmp(argv[i], "--expect-ok")) { expect_ok = 1; continue; }
#ifdef FUZZ_OPTION
        int used = FUZZ_OPTION(argc - i, argv + i); // the target's own option: arguments used, -1 on failure
        if (used < 0) return 1;
        if (used > 0) { i += used - 1; files++; continue; }
#endif
        DIR* d = opendir(argv[i]);
        if (!d) { bad |= fuzz_run_file(argv[i], mutate, expect_ok); files++; continue; }
        bad |= fuzz_run_dir(d, argv[i], mutate, expect_ok, &files);
        closedir(d);
    }
    printf(FUZZ_NAME ": %d files, %ld inputs: %ld accepted, %ld refused\n", files, fuzz_inputs, fuzz_ok, fuzz_refused);
    fuzz_cleanup();
    return files && !bad ? 0 : 1;
}
