// config.h: configurations for the C tests, written as the schema's "name value" pairs
// over a family's defaults: cfg_text("vocab_size 7 block_size 4 n_consec 2 bn_mode per-position").
#ifndef MM_TEST_CONFIG_H
#define MM_TEST_CONFIG_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "makemore.h"

// The pairs over the defaults of the family the text names with "form" (else examples); a
// bad pair ends the test program (a broken test, not a failing check).
static inline mm_config cfg_text(const char* text) {
    mm_config c;
    mm_err err = {0};
    char key[64], value[64];
    int used = 0;
    const char* s = text;
    mm_config_default(&c, 0, NULL);
    for (int pass = 0; pass < 2; pass++, s = text) // "form" first: it resets the family's own settings
        while (sscanf(s, " %63s %63s%n", key, value, &used) == 2) {
            s += used;
            if ((strcmp(key, "form") == 0) != (pass == 0)) continue;
            if (mm_config_set(&c, key, value, &err)) {
                fprintf(stderr, "cfg_text(\"%s\"): %s\n", text, err.msg);
                exit(2);
            }
        }
    return c;
}

// Sets one model setting by its schema name and text; a bad one ends the test program.
static inline void cfg_set(mm_config* c, const char* name, const char* text) {
    mm_err err = {0};
    if (mm_config_set(c, name, text, &err)) {
        fprintf(stderr, "cfg_set(%s, \"%s\"): %s\n", name, text, err.msg);
        exit(2);
    }
}

// A model setting written straight into the configuration (bypassing its checks): an int member or cell.
static inline void cfg_poke(mm_config* c, const char* name, int value) {
    const mm_field* f = mm_field_find(name);
    memcpy((char*)c + f->offset, &value, sizeof value);
}

#endif
