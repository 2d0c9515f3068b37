// check.h: what the C test programs share: CHECK (counts checks, prints each
// failure with its place, never stops), reading a file whole, the data paths.
#ifndef MM_TEST_CHECK_H
#define MM_TEST_CHECK_H
#include <stdio.h>
#include <stdlib.h>

#ifndef MM_DATA
#define MM_DATA "data/names.txt"
#endif
#ifndef MM_FIXTURE_DIR
#define MM_FIXTURE_DIR "tests/fixtures"
#endif

static int failures = 0, checks = 0;
#define CHECK(cond, ...)                                                                      \
    do {                                                                                      \
        checks++;                                                                             \
        if (!(cond)) {                                                                        \
            failures++;                                                                       \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                       \
            printf(__VA_ARGS__);                                                              \
            printf("\n");                                                                     \
        }                                                                                     \
    } while (0)

// The whole file, NUL-terminated (the NUL not counted in *len); NULL if it cannot be read.
static inline void* read_file(const char* path, size_t* len) {
    FILE* f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char* b = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!b) { fclose(f); return NULL; }
    *len = fread(b, 1, (size_t)n, f);
    b[*len] = 0;
    fclose(f);
    return b;
}

#endif
