// families/family.h: what a model family is. Each family is one file in
// src/families/ (its name, its own settings, its check, its builder, its presets),
// registered by one line in families.c.
//
// A family's own settings are schema rows (makemore.h, mm_field) whose owner is
// the family's name; their values live in the configuration's cells
// (mm_config.own[k]), k the row's cell, and are valid while cfg.form is that
// family. The settings every family may read (block size, widths, group size)
// are mm_config's named members; a family says which it reads (uses).
#ifndef MM_FAMILIES_FAMILY_H
#define MM_FAMILIES_FAMILY_H
#include <stdio.h>
#include "makemore.h"
#include "nn/layer.h"

// The common settings a family reads (the others are ignored, and neither shown nor saved for it).
enum { USES_BLOCK = 1, USES_EMBD = 2, USES_HIDDEN = 4, USES_CONSEC = 8 };

// A list of layers under construction.
typedef struct {
    layer* L;
    int n, cap;
} mm_builder;
// Appends l; its index (or -1 once the list is full: the plan then refuses the list, n past cap).
static inline int mm_build_add(mm_builder* b, layer l) {
    if (b->n >= b->cap) { b->n = b->cap + 1; return -1; }
    b->L[b->n] = l;
    return b->n++;
}

// A layer named `name` (its tensors' prefix: makemore.py's module path), appended.
static inline int mm_build_named(mm_builder* b, layer l, const char* name) {
    snprintf(l.name, sizeof l.name, "%s", name);
    return mm_build_add(b, l);
}
// torch's nn.Linear (with bias, its layout and initialisation) after layer `in`, `width` wide, named `name`.
static inline int mm_build_torch_linear(mm_builder* b, int in, int width, const char* name) {
    layer l = mm_layer_make(L_LINEAR, in, 0);
    l.C_out = width;
    l.has_bias = 1;
    l.torch = 1;
    return mm_build_named(b, l, name);
}
// makemore.py's models read whole words from their start token: a block of at least 2 (what is `what`).
static inline int mm_check_whole_words(const mm_config* c, const char* what, mm_err* err) {
    if (c->block_size < 2)
        return mm_fail(err, MM_EINVAL, "%s reads whole words: block_size must be at least 2, not %d", what, c->block_size);
    return MM_OK;
}
// makemore.py's sizes and training for its presets (mlp.c, bow.c, rnn.c): block 16 (names.txt's longest word
// and its end), n_embd 64, n_embd2 64 (n_hidden), the lecture's split; AdamW(lr 5e-4, betas (0.9, 0.99), eps 1e-8,
// weight_decay 0.01) at a constant rate, batches of 32 words, 10000 steps.
#define MM_MAKEMORE_PRESET "block_size 16 n_embd 64 n_hidden 64 split_shuffles 2 optimizer adamw lr 0.0005 lr_decayed 0.0005 " \
                           "weight_decay 0.01 steps 10000 decay_step 10000 batch_size 32"

// A preset: settings as "name value" pairs (the schema's names and text forms), over the defaults.
typedef struct {
    const char* name;
    const char* settings; // model, data and training settings, e.g. "block_size 8 n_embd 24 split_shuffles 2"
    const char* doc;
} mm_preset_def;

typedef struct mm_family {
    const char* name;  // the model file's `form` value: "examples", "conv", "gated", "bigram"
    const char* label; // for the page: "the lecture's MLP (flat or hierarchical)"
    const char* doc;
    const mm_field* fields; // its own settings (owner: its name; offset: MM_OWN_CELL(k))
    int n_fields;
    int uses;         // USES_*: the common settings it reads
    int sequence;     // 1: its layers run on rows, one per position of the batch's words (model/rows.c),
                      //    and it trains on batches of whole words
    int words;        // 1: makemore.py's training: batch_size counts words (each all its positions, the loss their
                      //    mean), and the block holds the longest word and its end (block_size >= longest + 1)
    // The structural rules of a configuration whose fields are within their limits.
    int (*check)(const mm_config* c, mm_err* err);
    // Its layers (the last gives (1, vocab_size) logits per example); a layer's tensors are
    // named "layers.<index>" unless the builder names them.
    int (*build)(mm_builder* b, const mm_config* c, mm_err* err);
    const mm_preset_def* presets;
    int n_presets;
} mm_family;

// The registry (families.c).
extern const char* const mm_family_names[]; // NULL-terminated, in registry order: the schema's form values
int mm_family_count(void);
const mm_family* mm_family_at(int i);          // NULL past the end
const mm_family* mm_family_of(const mm_config* c); // cfg.form's (NULL: not a family)
// The family's settings that a configuration uses, in the schema's order: its own and the
// common ones it reads (vocab_size always): whether field f is one of them.
int mm_family_uses_field(const mm_family* fam, const mm_field* f);

// A cell of the configuration's own settings, as the schema's offset of a family row.
#define MM_OWN_CELL(k) (offsetof(mm_config, own) + (size_t)(k) * sizeof(mm_cell))
#define OWN_I(c, k) ((c)->own[k].i)

#endif
