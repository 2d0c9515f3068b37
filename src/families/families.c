// families/families.c: the registry of model families (one file each in src/families/).
// Adding a family: its file, and its name in FAMILIES below.
#include <string.h>
#include "families/family.h"

#define FAMILIES(X) X(examples) X(conv) X(gated) X(bigram) X(mlp) X(bow) X(rnn)

#define DECLARE(f) extern const mm_family mm_family_##f;
FAMILIES(DECLARE)
#define ENTRY(f) &mm_family_##f,
static const mm_family* const REGISTRY[] = {FAMILIES(ENTRY)};
#define NAME(f) #f,
const char* const mm_family_names[] = {FAMILIES(NAME) NULL}; // the schema's form values, in registry order

#define N_FAMILIES (int)(sizeof REGISTRY / sizeof REGISTRY[0])

int mm_family_count(void) { return N_FAMILIES; }
const mm_family* mm_family_at(int i) { return i >= 0 && i < N_FAMILIES ? REGISTRY[i] : NULL; }
const mm_family* mm_family_of(const mm_config* c) { return mm_family_at(c->form); }
const char* mm_family_name(int i) { return i >= 0 && i < N_FAMILIES ? REGISTRY[i]->name : NULL; }

int mm_config_word_batches(const mm_config* c) {
    const mm_family* f = c ? mm_family_of(c) : NULL;
    return f && f->words;
}

int mm_family_find(const char* name) {
    for (int i = 0; name && i < N_FAMILIES; i++)
        if (!strcmp(REGISTRY[i]->name, name)) return i;
    return -1;
}

int mm_family_uses_field(const mm_family* fam, const mm_field* f) {
    if (f->group != MM_GROUP_MODEL) return 0;
    if (f->owner) return !strcmp(f->owner, fam->name);
    static const struct { const char* name; int bit; } COMMON[] = {
        {"block_size", USES_BLOCK}, {"n_embd", USES_EMBD}, {"n_hidden", USES_HIDDEN}, {"n_consec", USES_CONSEC}};
    for (size_t k = 0; k < sizeof COMMON / sizeof COMMON[0]; k++)
        if (!strcmp(f->name, COMMON[k].name)) return (fam->uses & COMMON[k].bit) != 0;
    return 1; // vocab_size, form
}
