// exports.c: the flat C ABI over makemore.h that wasm/makemore.mjs calls.
//
// Only ints, floats and pointers cross the boundary. Objects are pointers
// (handles) with new/free pairs. A function that fails returns NULL, -1 or a
// nonzero MM_* code, and mmw_last_error() then points at the message (valid
// until the next mmw_* call). Settings (configurations, data settings,
// training parameters and states) travel as JSON text, {"block_size":"8",...}:
// the schema's names and text forms (makemore.h, "the settings' schema";
// mmw_schema_json describes them). 64-bit seeds of the hot paths travel as two
// uint32 halves. Nothing here prints or exits.

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "makemore.h"

#ifdef __EMSCRIPTEN__
#include <emscripten/emscripten.h>
#define MMW_EXPORT EMSCRIPTEN_KEEPALIVE
#elif defined(__wasm__)
#define MMW_EXPORT __attribute__((used, visibility("default"))) // wasm/fast.cmake: -fvisibility=hidden, --export-dynamic
#else
#define MMW_EXPORT
#endif

// ---------------------------------------------------------------- errors

static mm_err g_err;

static void clear_err(void) {
    g_err.code = MM_OK;
    g_err.msg[0] = '\0';
}

static int fail(int code, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    g_err.code = code;
    vsnprintf(g_err.msg, sizeof g_err.msg, fmt, ap);
    va_end(ap);
    return code;
}

static uint64_t seed64(uint32_t lo, uint32_t hi) { return ((uint64_t)hi << 32) | lo; }

// The message of the last failure, "" if the last call succeeded.
MMW_EXPORT const char* mmw_last_error(void) { return g_err.msg; }
MMW_EXPORT int mmw_last_error_code(void) { return g_err.code; }

// ---------------------------------------------------------------- memory

MMW_EXPORT void* mmw_malloc(int n) {
    clear_err();
    if (n < 0) { fail(MM_EINVAL, "mmw_malloc: negative size %d", n); return NULL; }
    void* p = malloc(n > 0 ? (size_t)n : 1);
    if (!p) fail(MM_ENOMEM, "out of memory allocating %d bytes", n);
    return p;
}
MMW_EXPORT void mmw_free(void* p) { free(p); }

// ---------------------------------------------------------------- words

// Parses len bytes of UTF-8 text, one word per line. NULL on failure.
MMW_EXPORT mm_words* mmw_words_parse(const char* text, int len) {
    clear_err();
    if (len < 0 || (!text && len > 0)) { fail(MM_EINVAL, "mmw_words_parse: bad text buffer"); return NULL; }
    mm_words* w = calloc(1, sizeof *w);
    if (!w) { fail(MM_ENOMEM, "out of memory"); return NULL; }
    if (mm_words_parse(w, text ? text : "", (size_t)len, &g_err) != MM_OK) {
        if (g_err.code == MM_OK) fail(MM_EDATA, "could not parse the word list");
        free(w);
        return NULL;
    }
    return w;
}
MMW_EXPORT void mmw_words_free(mm_words* w) {
    if (!w) return;
    mm_words_free(w);
    free(w);
}
MMW_EXPORT int mmw_words_n_words(const mm_words* w) { return w->n_words; }
MMW_EXPORT int mmw_words_n_tokens(const mm_words* w) { return w->n_tokens; }
MMW_EXPORT int mmw_words_max_len(const mm_words* w) { return w->max_len; }
MMW_EXPORT int mmw_words_vocab_size(const mm_words* w) { return w->vocab_size; }
MMW_EXPORT const uint32_t* mmw_words_codepoints(const mm_words* w) { return w->codepoints; }

// ---------------------------------------------------------------- configurations

// The schema as JSON (see mm_schema_json): malloc'd, free with mmw_free.
MMW_EXPORT char* mmw_schema_json(void) {
    clear_err();
    char* j = mm_schema_json();
    if (!j) fail(MM_ENOMEM, "out of memory");
    return j;
}

// A JSON object of settings (len bytes) over r's defaults (syntax checked; the
// limits are checked where they are used); groups_seen gets the groups it named.
static int settings_in(const mm_record* r, const char* json, int len, int* groups_seen) {
    mm_record_default(r);
    if (!json || len < 0) return fail(MM_EINVAL, "missing settings");
    return mm_record_from_json(r, json, (size_t)len, groups_seen, &g_err);
}

// The groups in mask of r as malloc'd JSON (free with mmw_free); NULL if out of memory.
static char* settings_out(const mm_record* r, int mask) {
    char* j = mm_record_json(r, mask);
    if (!j) fail(MM_ENOMEM, "out of memory");
    return j;
}

// One setting's text (name: the schema's snake_case name) read and checked against
// its limits as the core reads settings: its text form as the core writes it
// (malloc'd, free with mmw_free), or NULL and a message naming the field.
MMW_EXPORT char* mmw_setting_parse(const char* name, const char* text) {
    clear_err();
    const mm_field* f = name ? mm_field_find(name) : NULL;
    if (!f || strcmp(f->name, name) != 0) { fail(MM_EINVAL, "unknown setting '%.60s'", name ? name : "(null)"); return NULL; }
    mm_config c;
    mm_data_settings d;
    mm_train_state s;
    mm_record r = {&c, &d, &s.tp, &s};
    char out[64];
    mm_record_default(&r);
    mm_record_choose_owner(&r, f); // a family's or an optimizer's own setting: read with its owner chosen
    if (mm_field_parse(f, &r, text, &g_err) || mm_field_check(f, &r, &g_err) || mm_field_format(f, &r, out, sizeof out, &g_err)) return NULL;
    char* p = malloc(strlen(out) + 1);
    if (!p) { fail(MM_ENOMEM, "out of memory"); return NULL; }
    return strcpy(p, out);
}

// The parameter count of a configuration (model settings as JSON), -1 if it is invalid.
MMW_EXPORT long mmw_config_check(const char* json, int len) {
    clear_err();
    mm_config c;
    mm_record r = {&c, NULL, NULL, NULL};
    long n = 0;
    if (settings_in(&r, json, len, NULL) || mm_config_check(&c, &n, &g_err) != MM_OK) {
        if (g_err.code == MM_OK) fail(MM_EINVAL, "invalid configuration");
        return -1;
    }
    return n;
}

// ---------------------------------------------------------------- trainer

// A trainer on the words (copied) with the model, data and training settings of
// json (the others: their defaults; vocab_size is taken from the words).
MMW_EXPORT mm_trainer* mmw_trainer_new(const mm_words* w, const char* json, int len) {
    clear_err();
    if (!w) { fail(MM_EINVAL, "mmw_trainer_new: missing words"); return NULL; }
    mm_config c;
    mm_data_settings d;
    mm_train_params tp;
    mm_record r = {&c, &d, &tp, NULL};
    if (settings_in(&r, json, len, NULL)) return NULL;
    mm_trainer* t = mm_trainer_new(w, &c, &d, &tp, &g_err);
    if (!t && g_err.code == MM_OK) fail(MM_EINVAL, "could not create the trainer");
    return t;
}
MMW_EXPORT void mmw_trainer_free(mm_trainer* t) { mm_trainer_free(t); }
MMW_EXPORT mm_model* mmw_trainer_model(mm_trainer* t) { return mm_trainer_model(t); }
MMW_EXPORT long mmw_trainer_step(const mm_trainer* t) { return mm_trainer_step(t); }

// Examples in split i (0 train, 1 val, 2 test), -1 for a bad index.
MMW_EXPORT int mmw_trainer_split_size(const mm_trainer* t, int i) {
    clear_err();
    if (i < 0 || i > 2) { fail(MM_EINVAL, "split index %d is not 0, 1 or 2", i); return -1; }
    return mm_trainer_splits(t)->split[i].n;
}

// Runs up to n steps; losses (n floats, may be NULL) gets each step's loss, *done the steps run.
MMW_EXPORT int mmw_trainer_run(mm_trainer* t, long n, float* losses, long* done) {
    clear_err();
    long d = 0;
    int rc = mm_trainer_run(t, n, losses, &d, &g_err);
    if (done) *done = d;
    if (rc != MM_OK && g_err.code == MM_OK) fail(rc, "training failed (error %d)", rc);
    return rc;
}

MMW_EXPORT int mmw_trainer_eval(mm_trainer* t, int split, float* loss) {
    clear_err();
    if (split < 0 || split > 2) return fail(MM_EINVAL, "split index %d is not 0, 1 or 2", split);
    int rc = mm_trainer_eval(t, split, loss, &g_err);
    if (rc != MM_OK && g_err.code == MM_OK) fail(rc, "evaluation failed (error %d)", rc);
    return rc;
}

// Adds the losses of examples [start, start+count) of a split to *total (see mm_model_eval_range).
MMW_EXPORT int mmw_trainer_eval_range(mm_trainer* t, int split, int start, int count, double* total) {
    clear_err();
    int rc = mm_trainer_eval_range(t, split, start, count, total, &g_err);
    if (rc != MM_OK && g_err.code == MM_OK) fail(rc, "evaluation failed (error %d)", rc);
    return rc;
}

MMW_EXPORT int mmw_trainer_set_schedule(mm_trainer* t, double steps, float lr, float lr_decayed, double decay_step) {
    clear_err();
    // long is 32 bits here: whole numbers up to 2^31 - 1 only
    if (!(steps >= 0 && steps <= 2147483647.0 && (double)(long)steps == steps) ||
        !(decay_step >= 0 && decay_step <= 2147483647.0 && (double)(long)decay_step == decay_step))
        return fail(MM_EINVAL, "steps and decay step must be whole numbers from 0 to 2147483647");
    return mm_trainer_set_schedule(t, (long)steps, lr, lr_decayed, (long)decay_step, &g_err);
}

// Training diagnostics (issue 11; src/stats.c): statistics every n steps (0: off).
MMW_EXPORT int mmw_trainer_set_stats_every(mm_trainer* t, double n) {
    clear_err();
    if (!(n >= 0 && n <= 2147483647.0 && (double)(long)n == n))
        return fail(MM_EINVAL, "stats every %g steps: the interval must be a whole number from 0 (off) to 2147483647", n);
    return mm_trainer_set_stats_every(t, (long)n, &g_err);
}
// The step of the latest statistics (-1: none yet).
MMW_EXPORT double mmw_trainer_stats_step(mm_trainer* t) { return (double)mm_stats_step(mm_trainer_stats(t)); }
// The latest statistics as JSON (mm_stats_json), owned by the trainer until the next call; NULL if none.
MMW_EXPORT const char* mmw_trainer_stats_json(mm_trainer* t) {
    clear_err();
    const char* j = mm_stats_json(mm_trainer_stats(t), NULL);
    if (!j && mm_stats_step(mm_trainer_stats(t)) >= 0) fail(MM_ENOMEM, "out of memory for the statistics' text");
    return j;
}

// ---------------------------------------------------------------- model

MMW_EXPORT void mmw_model_free(mm_model* m) { mm_model_free(m); }
MMW_EXPORT long mmw_model_num_params(const mm_model* m) { return mm_model_num_params(m); }
MMW_EXPORT float* mmw_model_params(mm_model* m) { return mm_model_params(m); }
MMW_EXPORT long mmw_model_num_buffers(const mm_model* m) { return mm_model_num_buffers(m); }
MMW_EXPORT float* mmw_model_buffers(mm_model* m) { return mm_model_buffers(m); }
MMW_EXPORT const uint32_t* mmw_model_codepoints(const mm_model* m) { return mm_model_codepoints(m); }
// The model's configuration as JSON (malloc'd, free with mmw_free).
MMW_EXPORT char* mmw_model_config(const mm_model* m) {
    clear_err();
    mm_config c = *mm_model_config(m);
    mm_record r = {&c, NULL, NULL, NULL};
    return settings_out(&r, 1 << MM_GROUP_MODEL);
}

// ---------------------------------------------------------------- sampling

MMW_EXPORT mm_rng* mmw_rng_new(uint32_t seed_lo, uint32_t seed_hi) {
    clear_err();
    mm_rng* r = malloc(sizeof *r);
    if (!r) { fail(MM_ENOMEM, "out of memory"); return NULL; }
    mm_rng_seed(r, seed64(seed_lo, seed_hi));
    return r;
}
MMW_EXPORT void mmw_rng_free(mm_rng* r) { free(r); }

// One word into out (UTF-8, NUL-terminated, out_cap bytes), starting from prefix.
MMW_EXPORT int mmw_sample(mm_model* m, mm_rng* rng, float temperature, int top_k, float top_p, const char* prefix,
                          int max_len, char* out, int out_cap) {
    clear_err();
    if (!m || !rng || !out || out_cap <= 0) return fail(MM_EINVAL, "mmw_sample: bad arguments");
    mm_sampling s = {temperature, top_k, top_p};
    int rc = mm_sample(m, rng, &s, prefix ? prefix : "", max_len, out, (size_t)out_cap, &g_err);
    if (rc != MM_OK && g_err.code == MM_OK) fail(rc, "sampling failed (error %d)", rc);
    return rc;
}

// ---------------------------------------------------------------- model files

// Reads a model file; NULL (MM_EFORMAT and a message) unless it is whole and consistent.
MMW_EXPORT mm_model* mmw_model_load(const uint8_t* b, int len, int max_batch) {
    clear_err();
    if (!b || len < 0) { fail(MM_EINVAL, "mmw_model_load: bad buffer"); return NULL; }
    mm_model* m = mm_model_load(b, (size_t)len, max_batch, &g_err);
    if (!m && g_err.code == MM_OK) fail(MM_EFORMAT, "could not load the model");
    return m;
}

// Copies src's parameters and buffers into dst (e.g. a trainer's model), which
// must have the same configuration and vocabulary.
MMW_EXPORT int mmw_model_copy_weights(mm_model* dst, const mm_model* src) {
    clear_err();
    if (!dst || !src) return fail(MM_EINVAL, "mmw_model_copy_weights: missing model");
    const mm_config* ca_ = mm_model_config(dst);
    const mm_config* cs_ = mm_model_config(src);
    mm_config a = *ca_, b = *cs_;
    mm_record ra = {&a, NULL, NULL, NULL}, rb = {&b, NULL, NULL, NULL};
    for (int i = 0; i < mm_num_fields(); i++) {
        const mm_field* f = mm_field_at(i);
        char va[64], vb[64];
        if (f->group != MM_GROUP_MODEL || !mm_field_applies(f, &ra)) continue; // (the form first: then the same fields apply to both)
        if (mm_field_format(f, &ra, va, sizeof va, &g_err) || mm_field_format(f, &rb, vb, sizeof vb, &g_err)) return g_err.code;
        if (strcmp(va, vb) != 0) return fail(MM_EINVAL, "the models differ in %s (%s here, %s in the loaded model)", f->name, va, vb);
    }
    const uint32_t* ca = mm_model_codepoints(dst);
    const uint32_t* cs = mm_model_codepoints(src);
    for (int i = 1; i < a.vocab_size; i++)
        if (ca && cs && ca[i] != cs[i])
            return fail(MM_EINVAL, "the models have different vocabularies (token %d: U+%04X vs U+%04X)", i,
                        (unsigned)ca[i], (unsigned)cs[i]);
    long np = mm_model_num_params(dst), nb = mm_model_num_buffers(dst);
    if (np != mm_model_num_params(src) || nb != mm_model_num_buffers(src))
        return fail(MM_EINVAL, "the models differ in size");
    memcpy(mm_model_params(dst), mm_model_params((mm_model*)src), sizeof(float) * (size_t)np);
    memcpy(mm_model_buffers(dst), mm_model_buffers((mm_model*)src), sizeof(float) * (size_t)nb);
    return MM_OK;
}

// ---- model-level access (tests, notebooks)
//
// A bare model (no word list, no trainer): the forward/backward, SGD step and
// eval-mode logits of makemore.h, and its named tensors. Used by
// tests/torch-fixture.test.mjs to check the wasm builds against PyTorch.

// A model with the lecture's initialisation from a configuration as JSON (len
// bytes; vocab_size must be given), max_batch bounds B below. Token names are
// the core's defaults ('.', 'a'..). NULL on failure.
MMW_EXPORT mm_model* mmw_model_new(const char* json, int len, uint32_t seed_lo, uint32_t seed_hi, int max_batch) {
    clear_err();
    mm_config c;
    mm_record r = {&c, NULL, NULL, NULL};
    if (settings_in(&r, json, len, NULL)) return NULL;
    if (c.vocab_size < 2) { fail(MM_EINVAL, "vocab_size %d: a model needs vocab_size >= 2 (it is not taken from data here)", c.vocab_size); return NULL; }
    if (max_batch < 1 || max_batch > MM_MAX_BATCH) { fail(MM_EINVAL, "max batch %d is outside 1..%d", max_batch, MM_MAX_BATCH); return NULL; }
    mm_model* m = mm_model_new(&c, NULL, seed64(seed_lo, seed_hi), max_batch, &g_err);
    if (!m && g_err.code == MM_OK) fail(MM_EINVAL, "could not create the model");
    return m;
}

// Training-mode forward and backward on X (B, block_size), Y (B,): fills the
// gradients and the logits, *loss; parameters unchanged.
MMW_EXPORT int mmw_model_forward_backward(mm_model* m, const uint16_t* X, const uint16_t* Y, int B, float* loss) {
    clear_err();
    if (!m || !X || !Y || !loss) return fail(MM_EINVAL, "mmw_model_forward_backward: bad arguments");
    int rc = mm_model_forward_backward(m, X, Y, B, loss, &g_err);
    if (rc != MM_OK && g_err.code == MM_OK) fail(rc, "forward/backward failed (error %d)", rc);
    return rc;
}
MMW_EXPORT float* mmw_model_grads(mm_model* m) { return mm_model_grads(m); }
// (B, vocab_size) logits of the last forward_backward or sgd_step.
MMW_EXPORT const float* mmw_model_logits(const mm_model* m) { return mm_model_logits(m); }

// One SGD step (forward, backward, update, running stats); a non-finite step
// returns MM_ENONFINITE and changes nothing.
MMW_EXPORT int mmw_model_sgd_step(mm_model* m, const uint16_t* X, const uint16_t* Y, int B, float lr, float* loss) {
    clear_err();
    if (!m || !X || !Y || !loss) return fail(MM_EINVAL, "mmw_model_sgd_step: bad arguments");
    int rc = mm_model_sgd_step(m, X, Y, B, lr, loss, &g_err);
    if (rc != MM_OK && g_err.code == MM_OK) fail(rc, "SGD step failed (error %d)", rc);
    return rc;
}

// Eval-mode (running statistics) logits (B, vocab_size) of X (B, block_size),
// valid until the next call on m. NULL on failure.
MMW_EXPORT const float* mmw_model_eval_logits(mm_model* m, const uint16_t* X, int B) {
    clear_err();
    if (!m || !X) { fail(MM_EINVAL, "mmw_model_eval_logits: bad arguments"); return NULL; }
    const float* p = mm_model_eval_logits(m, X, B, &g_err);
    if (!p && g_err.code == MM_OK) fail(MM_EINVAL, "eval logits failed");
    return p;
}

// Named tensors, index 0 .. n-1 in the lecture's order. A bad index gives NULL / -1.
static const mm_tensor_info* tensor_at(const mm_model* m, int i) {
    clear_err();
    const mm_tensor_info* t = m ? mm_model_tensor(m, i) : NULL;
    if (!t) fail(MM_EINVAL, "tensor index %d is outside 0..%d", i, m ? mm_model_num_tensors(m) - 1 : -1);
    return t;
}
MMW_EXPORT int mmw_model_num_tensors(const mm_model* m) { return mm_model_num_tensors(m); }
MMW_EXPORT const char* mmw_model_tensor_name(const mm_model* m, int i) {
    const mm_tensor_info* t = tensor_at(m, i);
    return t ? t->name : NULL;
}
MMW_EXPORT int mmw_model_tensor_ndim(const mm_model* m, int i) {
    const mm_tensor_info* t = tensor_at(m, i);
    return t ? t->ndim : -1;
}
// Size of dimension d (0 <= d < ndim).
MMW_EXPORT int mmw_model_tensor_dim(const mm_model* m, int i, int d) {
    const mm_tensor_info* t = tensor_at(m, i);
    if (!t) return -1;
    if (d < 0 || d >= t->ndim) { fail(MM_EINVAL, "dimension %d of tensor %s is outside 0..%d", d, t->name, t->ndim - 1); return -1; }
    return t->shape[d];
}
// Offset into params (is_buffer 0) or buffers (is_buffer 1), in floats.
MMW_EXPORT long mmw_model_tensor_offset(const mm_model* m, int i) {
    const mm_tensor_info* t = tensor_at(m, i);
    return t ? t->offset : -1;
}
MMW_EXPORT long mmw_model_tensor_size(const mm_model* m, int i) {
    const mm_tensor_info* t = tensor_at(m, i);
    return t ? t->size : -1;
}
MMW_EXPORT int mmw_model_tensor_is_buffer(const mm_model* m, int i) {
    const mm_tensor_info* t = tensor_at(m, i);
    return t ? t->is_buffer : -1;
}

// ================================================================ checkpoints (issue 5: model files)
// A training state travels as JSON too: the training, data and state groups of
// the schema (what a checkpoint carries besides the model).
#define STATE_GROUPS (1 << MM_GROUP_DATA | 1 << MM_GROUP_TRAINING | 1 << MM_GROUP_STATE)

// The trainer's data settings (JSON, malloc'd; free with mmw_free).
MMW_EXPORT char* mmw_trainer_data(const mm_trainer* t) {
    clear_err();
    mm_data_settings d = *mm_trainer_data(t);
    mm_record r = {NULL, &d, NULL, NULL};
    return settings_out(&r, 1 << MM_GROUP_DATA);
}

// The trainer's state as a checkpoint would carry it (JSON, malloc'd).
MMW_EXPORT char* mmw_trainer_get_state(const mm_trainer* t) {
    clear_err();
    mm_data_settings d = *mm_trainer_data(t);
    mm_train_state s;
    mm_trainer_get_state(t, &s);
    mm_record r = {NULL, &d, &s.tp, &s};
    return settings_out(&r, STATE_GROUPS);
}

static uint8_t* bytes_out(int rc, uint8_t* b, size_t n, int* out_len) {
    if (rc != MM_OK) {
        if (g_err.code == MM_OK) fail(MM_ENOMEM, "could not save the model");
        return NULL;
    }
    if (n > INT32_MAX) { free(b); fail(MM_EINVAL, "model too large to save"); return NULL; }
    *out_len = (int)n;
    return b;
}

// The trainer as a checkpoint (model + training state): malloc'd bytes, *out_len.
MMW_EXPORT uint8_t* mmw_checkpoint_save(const mm_trainer* t, int* out_len) {
    clear_err();
    if (!t || !out_len) { fail(MM_EINVAL, "mmw_checkpoint_save: bad arguments"); return NULL; }
    uint8_t* b = NULL;
    size_t n = 0;
    return bytes_out(mm_checkpoint_save(t, &b, &n, &g_err), b, n, out_len);
}

// A model file (safetensors, see makemore.h) with the settings of json (len
// bytes): the data settings, and a training state if it names training or state
// fields (then all of them: a checkpoint). Malloc'd bytes, *out_len; NULL on failure.
MMW_EXPORT uint8_t* mmw_model_save(const mm_model* m, const char* json, int len, int* out_len) {
    clear_err();
    if (!m || !out_len) { fail(MM_EINVAL, "mmw_model_save: bad arguments"); return NULL; }
    mm_data_settings d;
    mm_train_state s;
    mm_record r = {NULL, &d, &s.tp, &s};
    int seen = 0;
    memset(&s, 0, sizeof s);
    if (settings_in(&r, json, len, &seen)) return NULL;
    uint8_t* b = NULL;
    size_t n = 0;
    int has = (seen & (1 << MM_GROUP_TRAINING | 1 << MM_GROUP_STATE)) != 0;
    return bytes_out(mm_model_save_state(m, &d, has ? &s : NULL, &b, &n, &g_err), b, n, out_len);
}

// Loads a model file. *json_out (may be NULL) gets its settings as JSON
// (malloc'd; free with mmw_free): its data settings and, if it is a checkpoint,
// its training state.
MMW_EXPORT mm_model* mmw_model_load_state(const uint8_t* b, int len, int max_batch, char** json_out) {
    clear_err();
    if (json_out) *json_out = NULL;
    if (!b || len < 0) { fail(MM_EINVAL, "mmw_model_load_state: bad buffer"); return NULL; }
    mm_data_settings d;
    mm_train_state s;
    int has = 0;
    mm_model* m = mm_model_load_state(b, (size_t)len, max_batch, &d, &s, &has, &g_err);
    if (!m) {
        if (g_err.code == MM_OK) fail(MM_EFORMAT, "could not load the model");
        return NULL;
    }
    mm_record r = {NULL, &d, has ? &s.tp : NULL, has ? &s : NULL};
    if (json_out && !(*json_out = settings_out(&r, STATE_GROUPS))) { mm_model_free(m); return NULL; }
    return m;
}

// The same, the model made in another family (an index, mm_model_load_form: a hierarchical
// model's file as conv, and back). A file whole but not of that family: the message names its own.
MMW_EXPORT mm_model* mmw_model_load_form(const uint8_t* b, int len, int form, int max_batch, char** json_out) {
    const mm_field* f = mm_field_find("form");
    int n_forms = 0;
    while (f->values[n_forms]) n_forms++;
    clear_err();
    if (form < 0 || form >= n_forms) { mm_model_load_form(b, 0, form, max_batch, &g_err); return NULL; } // the core's message
    mm_model* own = mmw_model_load_state(b, len, max_batch, json_out); // the file whole, and its settings
    if (!own) return NULL;
    mm_model* m = mm_model_load_form(b, (size_t)len, form, max_batch, &g_err);
    if (!m) {
        char why[sizeof g_err.msg];
        snprintf(why, sizeof why, "%s", g_err.msg);
        fail(g_err.code == MM_OK ? MM_EFORMAT : g_err.code, "its %s model does not load as the %s form: %s",
             f->values[mm_model_config(own)->form], f->values[form], why);
        if (json_out) { free(*json_out); *json_out = NULL; }
    }
    mm_model_free(own);
    return m;
}

// A trainer continuing a checkpoint on the word list it was trained on.
MMW_EXPORT mm_trainer* mmw_checkpoint_load(const uint8_t* b, int len, const mm_words* w) {
    clear_err();
    if (!b || len < 0 || !w) { fail(MM_EINVAL, "mmw_checkpoint_load: bad arguments"); return NULL; }
    mm_trainer* t = mm_checkpoint_load(b, (size_t)len, w, &g_err);
    if (!t && g_err.code == MM_OK) fail(MM_EFORMAT, "could not resume from the checkpoint");
    return t;
}
// ================================================================ end of checkpoints

// ================================================================ engines and threads (issue 8)
// A pool's helpers are Workers running instances of this module on its shared
// memory (wasm/makemore.mjs): each sets its own stack and calls mmw_pool_helper.

MMW_EXPORT int mmw_threads_supported(void) { return mm_threads_supported(); }
// Which module this is (wasm/makemore.mjs's engine names): "relaxed" (relaxed SIMD,
// threads), "simd-threads" (strict SIMD, threads), "simd", "scalar".
MMW_EXPORT const char* mmw_module_name(void) {
#if defined(__wasm_relaxed_simd__)
    return "relaxed";
#elif defined(__wasm_simd128__)
    return mm_threads_supported() ? "simd-threads" : "simd";
#else
    return "scalar";
#endif
}

// A pool of n threads (the caller's included); NULL on failure.
MMW_EXPORT mm_pool* mmw_pool_new(int n) {
    clear_err();
    mm_pool* p = mm_pool_new(n, &g_err);
    if (!p && g_err.code == MM_OK) fail(MM_EINVAL, "could not create the thread pool");
    return p;
}
// Helper i (1..n-1): runs the pool's tasks until mmw_pool_stop. Called in a helper instance.
MMW_EXPORT void mmw_pool_helper(mm_pool* p, int i) {
    if (p && i >= 1 && i < mm_pool_threads(p)) mm_pool_helper(p, i);
}
MMW_EXPORT int mmw_pool_running(const mm_pool* p) { return mm_pool_running(p); }
MMW_EXPORT void mmw_pool_set_caller_sleeps(mm_pool* p, int can_sleep) { mm_pool_set_caller_sleeps(p, can_sleep); }
MMW_EXPORT void mmw_pool_stop(mm_pool* p) { mm_pool_stop(p); }
// Frees a stopped pool; refused (nonzero) while a helper is still inside it.
MMW_EXPORT int mmw_pool_free(mm_pool* p) {
    clear_err();
    if (p && mm_pool_running(p) > 0) return fail(MM_EINVAL, "the pool still has %d running helpers", mm_pool_running(p));
    mm_pool_free(p);
    return MM_OK;
}

// engine: 0 reproducible, 1 fast; pool may be NULL (one thread).
MMW_EXPORT int mmw_model_set_engine(mm_model* m, int engine, mm_pool* pool) {
    clear_err();
    if (!m) return fail(MM_EINVAL, "mmw_model_set_engine: missing model");
    return mm_model_set_engine(m, engine, pool, &g_err);
}
MMW_EXPORT const char* mmw_model_kernels(const mm_model* m) { return mm_model_kernels(m); }

// Profiling: out[mmw_profile_n()] doubles get the seconds so far (may be NULL); then cleared.
MMW_EXPORT int mmw_profile_n(void) { return mm_profile_count(); }
MMW_EXPORT const char* mmw_profile_name(int i) { return mm_profile_name(i); }
MMW_EXPORT const char* mmw_profile_phase(int i) { return mm_profile_phase(i); }
MMW_EXPORT void mmw_model_profile(mm_model* m, int enable, double* out) { mm_model_profile(m, enable, out); }

// ================================================================ the split (issue 9)
// Which word went to train, val and test, and which split holds a word. A split
// handle is a trainer's (mmw_trainer_splits: valid while the trainer lives) or
// one of its own (mmw_splits_new, freed with mmw_splits_free). Split k: 0 train,
// 1 val, 2 test.

MMW_EXPORT const mm_splits* mmw_trainer_splits(const mm_trainer* t) { return t ? mm_trainer_splits(t) : NULL; }

// The split of a word list without a trainer: random.seed(seed), n_shuffles
// shuffles, 80/10/10, as a trainer splits it (examples counted as block size 1).
MMW_EXPORT mm_splits* mmw_splits_new(const mm_words* w, uint32_t seed, int n_shuffles) {
    clear_err();
    if (!w) { fail(MM_EINVAL, "mmw_splits_new: missing words"); return NULL; }
    mm_splits* s = calloc(1, sizeof *s);
    if (!s) { fail(MM_ENOMEM, "out of memory"); return NULL; }
    if (mm_splits_build(s, w, 1, seed, n_shuffles, &g_err) != MM_OK) {
        if (g_err.code == MM_OK) fail(MM_EINVAL, "could not split the word list");
        free(s);
        return NULL;
    }
    return s;
}
MMW_EXPORT void mmw_splits_free(mm_splits* s) {
    if (!s) return;
    mm_splits_free(s);
    free(s);
}

static int bad_split(const mm_splits* s, int k) {
    clear_err();
    if (!s) return fail(MM_EINVAL, "missing split");
    if (k < 0 || k > 2) return fail(MM_EINVAL, "split index %d is not 0, 1 or 2", k);
    return MM_OK;
}
// Words in split k; -1 for a bad index.
MMW_EXPORT int mmw_splits_n_words(const mm_splits* s, int k) { return bad_split(s, k) ? -1 : s->n_words[k]; }
// Examples (one per symbol and end token) in split k; -1 for a bad index.
MMW_EXPORT int mmw_splits_n_examples(const mm_splits* s, int k) { return bad_split(s, k) ? -1 : s->split[k].n; }
// Split k's words as indices into the parsed word list (mmw_splits_n_words of them); NULL for a bad index.
MMW_EXPORT const int* mmw_splits_word_indices(const mm_splits* s, int k) {
    if (bad_split(s, k)) return NULL;
    return mm_splits_words(s, k, NULL);
}
// Split k's words as UTF-8, each followed by '\n': malloc'd bytes (free with mmw_free), *out_len of them.
MMW_EXPORT char* mmw_splits_text(const mm_splits* s, int k, int* out_len) {
    if (bad_split(s, k) || !out_len) { if (!out_len) fail(MM_EINVAL, "mmw_splits_text: bad arguments"); return NULL; }
    char* b = NULL;
    size_t n = 0;
    if (mm_splits_text(s, k, &b, &n, &g_err) != MM_OK) return NULL;
    if (n > INT32_MAX) { free(b); fail(MM_EINVAL, "the split's words are too large to return"); return NULL; }
    *out_len = (int)n;
    return b;
}
// Which split holds each of the lines of text (len bytes, '\n'-separated, no
// trimming): out[i] gets 0, 1, 2 or -1 (none) for line i. Returns the number
// of lines (newlines + 1), or -1 if there are more than cap.
MMW_EXPORT int mmw_splits_find_lines(const mm_splits* s, const char* text, int len, int8_t* out, int cap) {
    clear_err();
    if (!s || len < 0 || (!text && len > 0) || !out) { fail(MM_EINVAL, "mmw_splits_find_lines: bad arguments"); return -1; }
    int n = 0;
    for (int a = 0, b = 0; b <= len; b++) {
        if (b < len && text[b] != '\n') continue;
        if (n == cap) { fail(MM_EINVAL, "more than %d lines", cap); return -1; }
        out[n++] = (int8_t)mm_splits_find(s, text + a, (size_t)(b - a));
        a = b + 1;
    }
    return n;
}
// ================================================================ end of the split

// ================================================================ sampling seeds (issue 9)
// The one rule (makemore.h, mm_sample_seed): out[2] gets the generator seed of
// stream (lo, hi halves) of seed (lo, hi halves) as low and high halves.
MMW_EXPORT void mmw_sample_seed(uint32_t seed_lo, uint32_t seed_hi, uint32_t stream_lo, uint32_t stream_hi, uint32_t* out) {
    uint64_t s = mm_sample_seed(seed64(seed_lo, seed_hi), seed64(stream_lo, stream_hi));
    out[0] = (uint32_t)s;
    out[1] = (uint32_t)(s >> 32);
}
// A sampling generator seeded by the rule: mm_sample_seed(seed, stream). Free with mmw_rng_free.
MMW_EXPORT mm_rng* mmw_sample_rng_new(uint32_t seed_lo, uint32_t seed_hi, uint32_t stream_lo, uint32_t stream_hi) {
    clear_err();
    mm_rng* r = malloc(sizeof *r);
    if (!r) { fail(MM_ENOMEM, "out of memory"); return NULL; }
    mm_rng_seed(r, mm_sample_seed(seed64(seed_lo, seed_hi), seed64(stream_lo, stream_hi)));
    return r;
}
// ================================================================ end of sampling seeds

// ================================================================ the layer list (issue 11, the model drawn)
// The layers as a JSON array (makemore.h, mm_layer_info), each
// {"index","kind","prefix","inputs":[i or -1 (the tokens)],"shape":[...],"perPosition","params","kernel","dilation","factor"}:
// malloc'd (free with mmw_free), NULL on failure (mmw_last_error says why).
static char* layers_json(const mm_layer_info* L, int n) {
    size_t cap = (size_t)n * 256 + 8, at = 0;
    char* j = malloc(cap);
    if (!j) { fail(MM_ENOMEM, "out of memory"); return NULL; }
    j[at++] = '[';
    for (int i = 0; i < n; i++) {
        const mm_layer_info* l = &L[i];
        char in[32], sh[48];
        if (l->n_in > 1) snprintf(in, sizeof in, "%d,%d", l->in[0], l->in[1]);
        else snprintf(in, sizeof in, "%d", l->in[0]);
        if (l->ndim == 3) snprintf(sh, sizeof sh, "%d,%d,%d", l->shape[0], l->shape[1], l->shape[2]);
        else snprintf(sh, sizeof sh, "%d,%d", l->shape[0], l->shape[1]);
        at += (size_t)snprintf(j + at, cap - at,
                               "%s{\"index\":%d,\"kind\":\"%s\",\"prefix\":\"%s\",\"inputs\":[%s],\"shape\":[%s],\"perPosition\":%s,"
                               "\"params\":%ld,\"kernel\":%d,\"dilation\":%d,\"factor\":%d}",
                               i ? "," : "", l->index, l->kind, l->prefix, in, sh, l->per_position ? "true" : "false", l->n_params,
                               l->kernel, l->dilation, l->factor);
    }
    j[at++] = ']';
    j[at] = '\0';
    return j;
}

// A configuration's layers (model settings as JSON, vocab_size included) for a batch of B examples.
MMW_EXPORT char* mmw_config_layers(const char* json, int len, int B) {
    clear_err();
    mm_config c;
    mm_record r = {&c, NULL, NULL, NULL};
    static mm_layer_info L[128];
    int n = 0;
    if (settings_in(&r, json, len, NULL) || mm_config_layers(&c, B, L, 128, &n, &g_err) != MM_OK) {
        if (g_err.code == MM_OK) fail(MM_EINVAL, "invalid configuration");
        return NULL;
    }
    return layers_json(L, n < 128 ? n : 128);
}

// A model's layers for a batch of B examples.
MMW_EXPORT char* mmw_model_layers(const mm_model* m, int B) {
    clear_err();
    if (!m) { fail(MM_EINVAL, "mmw_model_layers: missing model"); return NULL; }
    static mm_layer_info L[128];
    int n = mm_model_num_layers(m);
    for (int i = 0; i < n && i < 128; i++)
        if (mm_model_layer(m, i, B, &L[i], &g_err) != MM_OK) return NULL;
    return layers_json(L, n < 128 ? n : 128);
}
// ================================================================ end of the layer list
