// model/file.c: model files and checkpoints as safetensors (see makemore.h, "model
// files and checkpoints"). The container is read by base/safetensors.c; the metadata
// is the schema's fields (settings/), written and read by their text forms; here the
// tensors and metadata are matched against the model, nothing trusted. A checkpoint
// adds the optimizer's state tensors ("optimizer.<name>").
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/internal.h"
#include "makemore.h"
#include "base/safetensors.h"
#include "families/family.h"
#include "settings/settings.h"

#define STATE_GROUPS (1 << MM_GROUP_TRAINING | 1 << MM_GROUP_STATE) // a checkpoint's

// Whether a field is written with the training state only (a checkpoint's).
static int in_checkpoint(const mm_field* f) { return (STATE_GROUPS & (1 << f->group)) || (f->flags & MM_FIELD_CHECKPOINT); }

static void put_meta(mm_buf* b, const char* key, const char* value) {
    mm_buf_puts(b, ",");
    mm_buf_json_string(b, key);
    mm_buf_puts(b, ":");
    mm_buf_json_string(b, value);
}

// format, the vocabulary (a JSON array of the token strings), then r's fields in the files' key order.
static int put_metadata(mm_buf* h, const mm_model* m, const mm_record* r, mm_err* err) {
    const mm_config* c = mm_model_config(m);
    mm_buf v = {0};
    mm_buf_puts(&v, "[\".\"");
    for (int i = 1; i < c->vocab_size; i++) {
        char tok[5];
        mm_utf8_encode(mm_model_codepoints(m)[i], tok);
        mm_buf_puts(&v, ",");
        mm_buf_json_string(&v, tok);
    }
    mm_buf_puts(&v, "]");
    mm_buf_puts(h, "{\"__metadata__\":{\"format\":\"" MM_FILE_FORMAT "\"");
    if (!v.oom) put_meta(h, "vocab", v.p);
    free(v.p);
    const mm_field* keys[128]; // the fields in the files' key order (mm_field.key)
    int n = 0;
    for (int i = 0; i < mm_num_fields() && n < 128; i++) {
        const mm_field* f = mm_field_at(i);
        int k = n++;
        for (; k > 0 && keys[k - 1]->key > f->key; k--) keys[k] = keys[k - 1];
        keys[k] = f;
    }
    for (int i = 0; i < n; i++) {
        const mm_field* f = keys[i];
        char text[64];
        if (!mm_field_applies(f, r) || (in_checkpoint(f) && !r->state)) continue;
        if (mm_field_check(f, r, err) || mm_field_format(f, r, text, sizeof text, err)) return MM_EINVAL;
        if ((f->flags & MM_FIELD_OPTIONAL) && f->def && !strcmp(text, f->def)) continue; // as files before it
        put_meta(h, f->name, text);
    }
    mm_buf_puts(h, "}");
    return MM_OK;
}

// The tensors a file holds: the model's, in its order, then (a checkpoint) the optimizer's state.
typedef struct {
    char name[48];
    int ndim, shape[3];
    long size;
    const float* data;
} file_tensor;

static int file_tensors(mm_model* m, mm_optimizer* o, file_tensor* out, int cap) {
    int n = 0;
    for (int i = 0; i < mm_model_num_tensors(m) && n < cap; i++, n++) {
        const mm_tensor_info* t = mm_model_tensor(m, i);
        snprintf(out[n].name, sizeof out[n].name, "%s", t->name);
        out[n].ndim = t->ndim;
        memcpy(out[n].shape, t->shape, sizeof out[n].shape);
        out[n].size = t->size;
        out[n].data = (t->is_buffer ? mm_model_buffers(m) : mm_model_params(m)) + t->offset;
    }
    for (int k = 0; k < mm_optimizer_num_state(o) && n < cap; k++, n++) {
        snprintf(out[n].name, sizeof out[n].name, "optimizer.%s", mm_optimizer_state_name(o, k));
        out[n].ndim = 1;
        out[n].shape[0] = (int)mm_model_num_params(m);
        out[n].size = mm_model_num_params(m);
        out[n].data = mm_optimizer_state(o, k);
    }
    return n;
}

// The tensors' entries packed one after another; *total gets their bytes.
static void put_tensor_entries(mm_buf* h, const file_tensor* t, int n, uint64_t* total) {
    uint64_t at = 0;
    for (int i = 0; i < n; i++) {
        mm_buf_puts(h, ",");
        mm_buf_json_string(h, t[i].name);
        mm_buf_puts(h, ":{\"dtype\":\"F32\",\"shape\":[");
        for (int d = 0; d < t[i].ndim; d++) mm_buf_printf(h, d ? ",%d" : "%d", t[i].shape[d]);
        mm_buf_printf(h, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)at, (unsigned long long)(at + 4 * (uint64_t)t[i].size));
        at += 4 * (uint64_t)t[i].size;
    }
    *total = at;
}

// The k-th float of little-endian F32 data.
static float f32_at(const uint8_t* p, long k) {
    p += 4 * k;
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    float x;
    memcpy(&x, &u, 4);
    return x;
}

static void put_tensor_data(uint8_t* p, const file_tensor* t, int n) {
    for (int i = 0; i < n; i++)
        for (long k = 0; k < t[i].size; k++, p += 4) {
            uint32_t u;
            memcpy(&u, &t[i].data[k], 4);
            p[0] = (uint8_t)u; p[1] = (uint8_t)(u >> 8); p[2] = (uint8_t)(u >> 16); p[3] = (uint8_t)(u >> 24);
        }
}

// A model file, with a training state and the optimizer's state when s and o are given.
static int save(mm_model* m, const mm_data_settings* d, const mm_train_state* s, mm_optimizer* o, uint8_t** out, size_t* out_len,
                mm_err* err) {
    mm_config c = *mm_model_config(m);
    mm_data_settings ds;
    mm_train_state st;
    if (d) ds = *d;
    else mm_data_settings_default(&ds);
    if (s) st = *s;
    mm_record r = {&c, &ds, s ? &st.tp : NULL, s ? &st : NULL};
    mm_buf h = {0};
    uint64_t data_len;
    if (put_metadata(&h, m, &r, err)) { free(h.p); return MM_EINVAL; }
    int cap = mm_model_num_tensors(m) + mm_optimizer_num_state(o);
    file_tensor* tensors = malloc(sizeof(file_tensor) * (size_t)cap);
    if (!tensors) { free(h.p); return mm_fail(err, MM_ENOMEM, "out of memory saving the model"); }
    int nt = file_tensors(m, o, tensors, cap);
    put_tensor_entries(&h, tensors, nt, &data_len);
    mm_buf_puts(&h, "}");
    while ((8 + h.n) % 8) mm_buf_puts(&h, " "); // the data starts 8-aligned, like the reference writer's
    size_t len = 8 + h.n + (size_t)data_len;
    uint8_t* b = h.oom ? NULL : malloc(len);
    if (!b) { free(h.p); free(tensors); return mm_fail(err, MM_ENOMEM, "out of memory saving the model"); }
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)((uint64_t)h.n >> (8 * i));
    memcpy(b + 8, h.p, h.n);
    free(h.p);
    put_tensor_data(b + 8 + h.n, tensors, nt);
    free(tensors);
    *out = b;
    *out_len = len;
    return MM_OK;
}

int mm_model_save_state(const mm_model* m, const mm_data_settings* d, const mm_train_state* s, uint8_t** out, size_t* out_len,
                        mm_err* err) {
    return save((mm_model*)m, d, s, NULL, out, out_len, err);
}

int mm_model_save(const mm_model* m, uint8_t** out, size_t* out_len, mm_err* err) {
    return mm_model_save_state(m, NULL, NULL, out, out_len, err);
}

int mm_checkpoint_save(const mm_trainer* t_, uint8_t** out, size_t* out_len, mm_err* err) {
    mm_trainer* t = (mm_trainer*)t_;
    mm_train_state s;
    mm_trainer_get_state(t, &s);
    return save(mm_trainer_model(t), mm_trainer_data(t), &s, mm_trainer_optimizer(t), out, out_len, err);
}

// ---------------------------------------------------------------- loading

// The vocabulary: a JSON array of token strings, [0] = ".", then one code point each, increasing.
static int parse_vocab(const char* s, int V, uint32_t* cps, mm_err* err) {
    st_cur c = {(const uint8_t*)s, strlen(s), 0, err, "the vocabulary", NULL};
    int rc = mm_st_expect(&c, '[');
    if (rc) return rc;
    for (int i = 0;; i++) {
        if (i == V) return mm_fail(err, MM_EFORMAT, "model file vocabulary has more than its vocab_size %d tokens", V);
        char tok[16];
        size_t n;
        if ((rc = mm_st_string(&c, tok, sizeof tok, &n))) return rc;
        if (i == 0) {
            if (strcmp(tok, ".") != 0) return mm_fail(err, MM_EFORMAT, "model file vocabulary token 0 is not the end token \".\"");
            cps[0] = '.';
        } else {
            uint32_t cp = 0;
            if (n == 0 || mm_utf8_decode((const unsigned char*)tok, n, &cp) != (int)n)
                return mm_fail(err, MM_EFORMAT, "model file vocabulary token %d is not one character", i);
            int bad = (cp < 0x20 && cp != '\t') || (i > 1 && cp <= cps[i - 1]);
            if (bad) return mm_fail(err, MM_EFORMAT, "model file vocabulary token %d (U+%04X) is invalid or out of order", i, (unsigned)cp);
            cps[i] = cp;
        }
        int p = mm_st_peek(&c);
        if (p == ',') { c.i++; continue; }
        if (p != ']') return mm_st_bad(&c, "expected ',' or ']'");
        c.i++;
        mm_st_ws(&c);
        if (c.i != c.n) return mm_st_bad(&c, "bytes after the array");
        if (i + 1 != V) return mm_fail(err, MM_EFORMAT, "model file vocabulary has %d tokens but vocab_size is %d", i + 1, V);
        return MM_OK;
    }
}

// One field from the metadata text s: its syntax and its limits.
static int read_field(const mm_field* fd, const mm_record* r, const char* s, mm_err* err) {
    static const char* const PART[MM_N_GROUPS] = {"configuration", "data settings", "training state", "training state"};
    if (!mm_field_parse(fd, r, s, NULL) && !mm_field_check(fd, r, NULL)) return MM_OK;
    char want[96];
    mm_field_expects(fd, want, sizeof want);
    return mm_fail(err, MM_EFORMAT, "model file %s: metadata '%s' is \"%.40s\", not %s", PART[fd->group], fd->name, s, want);
}

// The metadata's fields into r (defaults first); *has: whether it holds a training state.
static int read_fields(const st_file* f, const mm_record* r, int* has, mm_err* err) {
    mm_record_default(r);
    *has = 0;
    for (int i = 0; i < mm_num_fields(); i++)
        if (in_checkpoint(mm_field_at(i))) *has |= mm_st_meta_get(f, mm_field_at(i)->name) != NULL;
    for (int pass = 0; pass < 2; pass++) // the selectors (form, optimizer) first: which settings apply follows them
        for (int i = 0; i < mm_num_fields(); i++) {
            const mm_field* fd = mm_field_at(i);
            if (!(fd->flags & MM_FIELD_SELECTOR) == !pass) continue;
            if (!mm_field_applies(fd, r)) continue; // another family's or optimizer's, or a setting its family does not read
            const char* s = mm_st_meta_get(f, fd->name);
            int in_state = in_checkpoint(fd);
            if (s && (*has || !in_state)) {
                if (read_field(fd, r, s, err)) return MM_EFORMAT;
            } else if (fd->flags & MM_FIELD_OPTIONAL) {
                continue; // added after the files began: it keeps its default
            } else if (in_state && *has) {
                return mm_fail(err, MM_EFORMAT, "model file training state is incomplete: no '%s'", fd->name);
            } else if (!in_state) {
                return mm_fail(err, MM_EFORMAT, "model file metadata has no '%s'", fd->name);
            } // else a checkpoint's field in a plain file: it keeps its default
        }
    if (*has && r->state->step > r->training->steps)
        return mm_fail(err, MM_EFORMAT, "model file metadata 'step' is \"%ld\", not a whole number in 0..%ld (the steps)", r->state->step,
                       r->training->steps);
    return MM_OK;
}

static int read_settings(const st_file* f, const mm_record* r, int* has, long* np, mm_err* err) {
    const char* fmt = mm_st_meta_get(f, "format");
    if (!f->has_meta || !fmt)
        return mm_fail(err, MM_EFORMAT, "not a makemore-wasm model file: the safetensors metadata has no 'format' (want \"%s\")", MM_FILE_FORMAT);
    if (strcmp(fmt, MM_FILE_FORMAT) != 0)
        return mm_fail(err, MM_EFORMAT, "model file format \"%.60s\" is not supported (this build reads \"%s\")", fmt, MM_FILE_FORMAT);
    if (read_fields(f, r, has, err)) return MM_EFORMAT;
    if (mm_config_check(r->model, np, err)) {
        if (err) { char msg[sizeof err->msg]; memcpy(msg, err->msg, sizeof msg); mm_fail(err, MM_EFORMAT, "model file configuration: %s", msg); }
        return MM_EFORMAT;
    }
    return MM_OK;
}

static int shape_matches(const st_tensor* t, const mm_tensor_info* want, mm_err* err) {
    int same = t->ndim == want->ndim;
    for (int d = 0; same && d < t->ndim; d++) same = t->shape[d] == (uint64_t)want->shape[d];
    if (same) return MM_OK;
    char got[96] = "", exp[64] = "";
    for (int d = 0; d < t->ndim; d++) {
        size_t u = strlen(got);
        snprintf(got + u, sizeof got - u, d ? ", %llu" : "%llu", (unsigned long long)t->shape[d]);
    }
    for (int d = 0; d < want->ndim; d++) {
        size_t u = strlen(exp);
        snprintf(exp + u, sizeof exp - u, d ? ", %d" : "%d", want->shape[d]);
    }
    return mm_fail(err, MM_EFORMAT, "model file tensor '%s' has shape (%s); the configuration needs (%s)", t->name, got, exp);
}

// Every tensor the model has, by name: F32, its shape, finite (a variance: not negative); nothing
// else but, in a checkpoint (state), the optimizer's ("optimizer.<name>", read by mm_checkpoint_load).
static int read_tensors(const st_file* f, mm_model* m, int state, mm_err* err) {
    int nt = mm_model_num_tensors(m);
    for (int i = 0; i < nt; i++) {
        const mm_tensor_info* want = mm_model_tensor(m, i);
        const st_tensor* t = mm_st_find(f, want->name);
        if (!t) return mm_fail(err, MM_EFORMAT, "model file has no tensor '%s'", want->name);
        if (strcmp(t->dtype, "F32") != 0)
            return mm_fail(err, MM_EFORMAT, "model file tensor '%s' has dtype %s; model files hold F32", t->name, t->dtype);
        if (shape_matches(t, want, err)) return MM_EFORMAT;
        float* dst = (want->is_buffer ? mm_model_buffers(m) : mm_model_params(m)) + want->offset;
        for (long k = 0; k < want->size; k++) {
            float x = f32_at(f->data + t->begin, k);
            if (!isfinite(x)) return mm_fail(err, MM_EFORMAT, "model file tensor '%s' element %ld is not a finite number", t->name, k);
            if (want->is_variance && x < 0.0f)
                return mm_fail(err, MM_EFORMAT, "model file tensor '%s' element %ld is a negative variance", t->name, k);
            dst[k] = x;
        }
    }
    for (int i = 0; f->n_tensors != nt && i < f->n_tensors; i++) { // every expected tensor was found, so some are extra
        int known = 0;
        for (int j = 0; j < nt && !known; j++) known = strcmp(f->tensors[i].name, mm_model_tensor(m, j)->name) == 0;
        if (state && !strncmp(f->tensors[i].name, "optimizer.", 10)) known = 1;
        if (!known) return mm_fail(err, MM_EFORMAT, "model file has an unexpected tensor '%.100s'", f->tensors[i].name);
    }
    return MM_OK;
}

// form >= 0: the model is made in that family (its tensors must be the file's). keep: the parsed
// file is kept there for the caller (who frees it), else freed.
static mm_model* load(const uint8_t* b, size_t len, int max_batch, int form, mm_data_settings* d_out, mm_train_state* s_out,
                      int* has_state, st_file* keep, mm_err* err) {
    st_file f;
    if (mm_st_parse(b, len, &f, err)) return NULL;
    mm_model* m = NULL;
    uint32_t* cps = NULL;
    mm_config c;
    mm_data_settings d;
    mm_train_state s;
    memset(&s, 0, sizeof s);
    mm_record r = {&c, &d, &s.tp, &s};
    long np;
    int has = 0;
    if (read_settings(&f, &r, &has, &np, err)) goto fail;
    // before allocating a model: does the data even hold its parameters?
    if (f.data_len < 4 * (uint64_t)np) {
        mm_fail(err, MM_EFORMAT, "model file has %llu bytes of tensor data; its configuration needs %ld parameters (%llu bytes)",
                (unsigned long long)f.data_len, np, 4 * (unsigned long long)np);
        goto fail;
    }
    const char* vocab = mm_st_meta_get(&f, "vocab");
    if (!vocab) { mm_fail(err, MM_EFORMAT, "model file metadata has no 'vocab'"); goto fail; }
    cps = malloc(sizeof(uint32_t) * (size_t)c.vocab_size);
    if (!cps) { mm_fail(err, MM_ENOMEM, "out of memory loading the model"); goto fail; }
    if (parse_vocab(vocab, c.vocab_size, cps, err)) goto fail;
    if (form >= 0 && form != c.form && mm_config_set(&c, "form", mm_family_name(form), err)) goto fail;
    m = mm_model_new(&c, cps, 0, max_batch, err);
    if (!m || read_tensors(&f, m, has, err)) goto fail;
    free(cps);
    if (keep) *keep = f;
    else mm_st_free(&f);
    if (d_out) *d_out = d;
    if (has_state) *has_state = has;
    if (s_out && has) *s_out = s;
    return m;
fail:
    if (err && err->code == MM_OK) mm_fail(err, MM_EFORMAT, "bad model file");
    mm_model_free(m);
    free(cps);
    mm_st_free(&f);
    return NULL;
}

mm_model* mm_model_load_state(const uint8_t* b, size_t len, int max_batch, mm_data_settings* d_out, mm_train_state* s_out,
                              int* has_state, mm_err* err) {
    return load(b, len, max_batch, -1, d_out, s_out, has_state, NULL, err);
}

mm_model* mm_model_load(const uint8_t* b, size_t len, int max_batch, mm_err* err) {
    return load(b, len, max_batch, -1, NULL, NULL, NULL, NULL, err);
}

mm_model* mm_model_load_form(const uint8_t* b, size_t len, int form, int max_batch, mm_err* err) {
    if (!mm_family_name(form)) { mm_fail(err, MM_EINVAL, "unknown model family %d (0..%d)", form, mm_family_count() - 1); return NULL; }
    return load(b, len, max_batch, form, NULL, NULL, NULL, NULL, err);
}

// The optimizer's state tensors of a checkpoint into o (n parameters each): F32 (n,), a state it could reach.
static int read_optimizer(const st_file* f, mm_optimizer* o, long n, mm_err* err) {
    for (int k = 0; k < mm_optimizer_num_state(o); k++) {
        char name[64];
        snprintf(name, sizeof name, "optimizer.%s", mm_optimizer_state_name(o, k));
        const st_tensor* t = mm_st_find(f, name);
        if (!t) return mm_fail(err, MM_EFORMAT, "checkpoint has no tensor '%s' (its optimizer's state)", name);
        if (strcmp(t->dtype, "F32") != 0 || t->ndim != 1 || t->shape[0] != (uint64_t)n)
            return mm_fail(err, MM_EFORMAT, "checkpoint tensor '%s' is not F32 of shape (%ld)", name, n);
        float* dst = mm_optimizer_state(o, k);
        for (long i = 0; i < n; i++) dst[i] = f32_at(f->data + t->begin, i);
    }
    if (mm_optimizer_check_state(o, err)) { // a state its updates could not have reached: a bad file
        if (err) err->code = MM_EFORMAT;
        return MM_EFORMAT;
    }
    for (int i = 0; i < f->n_tensors; i++) // another optimizer's state: not this checkpoint's
        if (!strncmp(f->tensors[i].name, "optimizer.", 10)) {
            int known = 0;
            for (int k = 0; k < mm_optimizer_num_state(o) && !known; k++) known = !strcmp(f->tensors[i].name + 10, mm_optimizer_state_name(o, k));
            if (!known) return mm_fail(err, MM_EFORMAT, "checkpoint has an unexpected tensor '%.100s'", f->tensors[i].name);
        }
    return MM_OK;
}

// Whether words are the checkpoint's word list, as far as the vocabulary tells.
static int same_vocabulary(const mm_words* words, const mm_model* m, mm_err* err) {
    const mm_config* c = mm_model_config(m);
    if (words->vocab_size != c->vocab_size)
        return mm_fail(err, MM_EINVAL, "the word list has %d symbols but the checkpoint's vocabulary has %d: not the word list it was trained on",
                       words->vocab_size, c->vocab_size);
    for (int i = 1; i < c->vocab_size; i++)
        if (words->codepoints[i] != mm_model_codepoints(m)[i])
            return mm_fail(err, MM_EINVAL, "the word list's symbol %d (U+%04X) differs from the checkpoint's (U+%04X): not the word list it was trained on",
                           i, (unsigned)words->codepoints[i], (unsigned)mm_model_codepoints(m)[i]);
    return MM_OK;
}

mm_trainer* mm_checkpoint_load(const uint8_t* b, size_t len, const mm_words* words, mm_err* err) {
    if (!words) { mm_fail(err, MM_EINVAL, "resuming needs the word list the checkpoint was trained on"); return NULL; }
    mm_data_settings d;
    mm_train_state s;
    int has = 0;
    st_file f;
    mm_model* m = load(b, len, 1, -1, &d, &s, &has, &f, err);
    if (!m) return NULL;
    mm_trainer* t = NULL;
    if (!has) mm_fail(err, MM_EFORMAT, "this model file has no training state to resume (it was saved as a model, not a checkpoint)");
    else if (!same_vocabulary(words, m, err)) t = mm_trainer_new(words, mm_model_config(m), &d, &s.tp, err);
    if (t && (mm_trainer_set_state(t, &s, err) || read_optimizer(&f, mm_trainer_optimizer(t), mm_model_num_params(m), err))) {
        mm_trainer_free(t);
        t = NULL;
    }
    if (t) {
        mm_model* tm = mm_trainer_model(t);
        memcpy(mm_model_params(tm), mm_model_params(m), sizeof(float) * (size_t)mm_model_num_params(m));
        memcpy(mm_model_buffers(tm), mm_model_buffers(m), sizeof(float) * (size_t)mm_model_num_buffers(m));
    }
    mm_st_free(&f);
    mm_model_free(m);
    return t;
}
