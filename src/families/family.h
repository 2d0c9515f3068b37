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
