// io.c: model files and checkpoints as safetensors (see makemore.h, "model files
// and checkpoints"). The container is read by safetensors.c and written here
// (with text.c's mm_buf); the tensors and metadata are matched against the model, nothing trusted.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "makemore.h"
#include "safetensors.h"

static const char* const CONFIG_KEYS[] = {"vocab_size", "block_size", "n_embd", "n_hidden", "n_consec", "n_flat_layers", "split_shuffles"};
static const char* const STATE_KEYS[] = {"step", "steps", "batch_size", "lr", "lr_decayed", "decay_step", "seed",
                                         "batch_rng", "split_seed", "split_sizes", "data_hash"};
#define N_STATE_KEYS (int)(sizeof STATE_KEYS / sizeof STATE_KEYS[0])

static void put_meta(mm_buf* b, const char* key, const char* value) {
    mm_buf_puts(b, ",");
    mm_buf_json_string(b, key);
    mm_buf_puts(b, ":");
    mm_buf_json_string(b, value);
}
static void put_meta_u64(mm_buf* b, const char* key, unsigned long long v) {
    char s[24];
    snprintf(s, sizeof s, "%llu", v);
    put_meta(b, key, s);
}
static void put_meta_f32(mm_buf* b, const char* key, float v) {
    char s[32];
    snprintf(s, sizeof s, "%.9g", (double)v); // 9 significant digits: reads back as the same float
    put_meta(b, key, s);
}

int mm_model_save_state(const mm_model* m_, const mm_train_state* s, uint8_t** out, size_t* out_len, mm_err* err) {
    mm_model* m = (mm_model*)m_;
    const mm_config* c = mm_model_config(m);
    mm_buf h = {0}, v = {0};
    // the vocabulary: a JSON array of the token strings
    mm_buf_puts(&v, "[\".\"");
    for (int i = 1; i < c->vocab_size; i++) {
        char tok[5];
        mm_utf8_encode(mm_model_codepoints(m)[i], tok);
        mm_buf_puts(&v, ",");
        mm_buf_json_string(&v, tok);
    }
    mm_buf_puts(&v, "]");
    mm_buf_puts(&h, "{\"__metadata__\":{\"format\":\"" MM_FILE_FORMAT "\"");
    if (!v.oom) put_meta(&h, "vocab", v.p);
    free(v.p);
    const int cv[] = {c->vocab_size, c->block_size, c->n_embd, c->n_hidden, c->n_consec, c->n_flat_layers, c->split_shuffles};
    for (int i = 0; i < 7; i++) put_meta_u64(&h, CONFIG_KEYS[i], (unsigned long long)cv[i]);
    put_meta(&h, "bn_mode", c->bn_mode == MM_BN_PER_POSITION ? "per-position" : "fixed");
    if (s) {
        char tmp[64];
        put_meta_u64(&h, "step", (unsigned long long)s->step);
        put_meta_u64(&h, "steps", (unsigned long long)s->tp.steps);
        put_meta_u64(&h, "batch_size", (unsigned long long)s->tp.batch_size);
        put_meta_f32(&h, "lr", s->tp.lr);
        put_meta_f32(&h, "lr_decayed", s->tp.lr_decayed);
        put_meta_u64(&h, "decay_step", (unsigned long long)s->tp.decay_step);
        put_meta_u64(&h, "seed", (unsigned long long)s->tp.seed);
        put_meta_u64(&h, "batch_rng", (unsigned long long)s->batch_rng);
        put_meta_u64(&h, "split_seed", s->split_seed);
        snprintf(tmp, sizeof tmp, "[%d,%d,%d]", s->split_sizes[0], s->split_sizes[1], s->split_sizes[2]);
        put_meta(&h, "split_sizes", tmp);
        snprintf(tmp, sizeof tmp, "fnv1a64:%016llx", (unsigned long long)s->data_hash);
        put_meta(&h, "data_hash", tmp);
    }
    mm_buf_puts(&h, "}");
    // the tensors, in the lecture's order, packed one after another
    uint64_t at = 0;
    int nt = mm_model_num_tensors(m);
    for (int i = 0; i < nt; i++) {
        const mm_tensor_info* t = mm_model_tensor(m, i);
        char e[160];
        mm_buf_puts(&h, ",");
        mm_buf_json_string(&h, t->name);
        mm_buf_puts(&h, ":{\"dtype\":\"F32\",\"shape\":[");
        for (int d = 0; d < t->ndim; d++) {
            snprintf(e, sizeof e, d ? ",%d" : "%d", t->shape[d]);
            mm_buf_puts(&h, e);
        }
        snprintf(e, sizeof e, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)at, (unsigned long long)(at + 4 * (uint64_t)t->size));
        mm_buf_puts(&h, e);
        at += 4 * (uint64_t)t->size;
    }
    mm_buf_puts(&h, "}");
    while ((8 + h.n) % 8) mm_buf_puts(&h, " "); // the data starts 8-aligned, like the reference writer's
    size_t len = 8 + h.n + (size_t)at;
    uint8_t* b = h.oom ? NULL : malloc(len);
    if (!b) { free(h.p); return mm_fail(err, MM_ENOMEM, "out of memory saving the model"); }
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)((uint64_t)h.n >> (8 * i));
    memcpy(b + 8, h.p, h.n);
    free(h.p);
    uint8_t* p = b + 8 + h.n;
    for (int i = 0; i < nt; i++) {
        const mm_tensor_info* t = mm_model_tensor(m, i);
        const float* src = (t->is_buffer ? mm_model_buffers(m) : mm_model_params(m)) + t->offset;
        for (long k = 0; k < t->size; k++, p += 4) {
            uint32_t u;
            memcpy(&u, &src[k], 4);
            p[0] = (uint8_t)u; p[1] = (uint8_t)(u >> 8); p[2] = (uint8_t)(u >> 16); p[3] = (uint8_t)(u >> 24);
        }
    }
    *out = b;
    *out_len = len;
    return MM_OK;
}

int mm_model_save(const mm_model* m, uint8_t** out, size_t* out_len, mm_err* err) {
    return mm_model_save_state(m, NULL, out, out_len, err);
}

int mm_checkpoint_save(const mm_trainer* t, uint8_t** out, size_t* out_len, mm_err* err) {
    mm_train_state s;
    mm_trainer_get_state(t, &s);
    return mm_model_save_state(mm_trainer_model((mm_trainer*)t), &s, out, out_len, err);
}

// ---------------------------------------------------------------- loading

// A metadata value as a decimal integer in lo..hi (no sign, no spaces, no leading zeros).
static int meta_uint(const st_file* f, const char* key, unsigned long long lo, unsigned long long hi, unsigned long long* v, mm_err* err) {
    const char* s = mm_st_meta_get(f, key);
    if (!s) return mm_fail(err, MM_EFORMAT, "model file metadata has no '%s'", key);
    unsigned long long x = 0;
    int ok = *s != 0 && !(s[0] == '0' && s[1] != 0);
    for (const char* p = s; ok && *p; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (*p < '0' || *p > '9' || x > (~0ull - d) / 10) ok = 0;
        else x = x * 10 + d;
    }
    if (!ok || x < lo || x > hi)
        return mm_fail(err, MM_EFORMAT, "model file metadata '%s' is \"%.40s\", not a whole number in %llu..%llu", key, s, lo, hi);
    *v = x;
    return MM_OK;
}

static int meta_f32(const st_file* f, const char* key, float* v, mm_err* err) {
    const char* s = mm_st_meta_get(f, key);
    if (!s) return mm_fail(err, MM_EFORMAT, "model file metadata has no '%s'", key);
    char* end;
    int ok = *s >= '0' && *s <= '9' && strlen(s) < 40;
    float x = ok ? strtof(s, &end) : 0.0f;
    if (!ok || *end || !(x >= 0.0f && x <= 1e30f))
        return mm_fail(err, MM_EFORMAT, "model file metadata '%s' is \"%.40s\", not a finite non-negative number", key, s);
    *v = x;
    return MM_OK;
}

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

static int read_config(const st_file* f, mm_config* c, long* np, mm_err* err) {
    const char* fmt = mm_st_meta_get(f, "format");
    if (!f->has_meta || !fmt)
        return mm_fail(err, MM_EFORMAT, "not a makemore-wasm model file: the safetensors metadata has no 'format' (want \"%s\")", MM_FILE_FORMAT);
    if (strcmp(fmt, MM_FILE_FORMAT) != 0)
        return mm_fail(err, MM_EFORMAT, "model file format \"%.60s\" is not supported (this build reads \"%s\")", fmt, MM_FILE_FORMAT);
    unsigned long long v[7];
    static const unsigned long long hi[7] = {MM_MAX_VOCAB, MM_MAX_BLOCK, MM_MAX_WIDTH, MM_MAX_WIDTH, MM_MAX_BLOCK, 16, 100};
    for (int i = 0; i < 7; i++)
        if (meta_uint(f, CONFIG_KEYS[i], 0, hi[i], &v[i], err)) return MM_EFORMAT;
    const char* bn = mm_st_meta_get(f, "bn_mode");
    if (!bn) return mm_fail(err, MM_EFORMAT, "model file metadata has no 'bn_mode'");
    int bn_mode = strcmp(bn, "fixed") == 0 ? MM_BN_FIXED : strcmp(bn, "per-position") == 0 ? MM_BN_PER_POSITION : -1;
    if (bn_mode < 0) return mm_fail(err, MM_EFORMAT, "model file bn_mode \"%.40s\" is not \"fixed\" or \"per-position\"", bn);
    mm_config cfg = {(int)v[0], (int)v[1], (int)v[2], (int)v[3], (int)v[4], (int)v[5], bn_mode, (int)v[6]};
    if (mm_config_check(&cfg, np, err)) {
        if (err) { char msg[sizeof err->msg]; memcpy(msg, err->msg, sizeof msg); mm_fail(err, MM_EFORMAT, "model file configuration: %s", msg); }
        return MM_EFORMAT;
    }
    *c = cfg;
    return MM_OK;
}

static int read_state(const st_file* f, const mm_config* c, mm_train_state* s, int* has, mm_err* err) {
    int n = 0;
    for (int i = 0; i < N_STATE_KEYS; i++) n += mm_st_meta_get(f, STATE_KEYS[i]) != NULL;
    *has = n > 0;
    if (n == 0) return MM_OK;
    if (n < N_STATE_KEYS)
        for (int i = 0; i < N_STATE_KEYS; i++)
            if (!mm_st_meta_get(f, STATE_KEYS[i]))
                return mm_fail(err, MM_EFORMAT, "model file training state is incomplete: no '%s'", STATE_KEYS[i]);
    memset(s, 0, sizeof *s);
    unsigned long long step, steps, batch, decay, seed, rng, split_seed;
    const unsigned long long LMAX = (unsigned long long)(((unsigned long)-1) >> 1); // LONG_MAX: 32 bits in wasm
    if (meta_uint(f, "steps", 0, LMAX, &steps, err) || meta_uint(f, "step", 0, steps, &step, err) ||
        meta_uint(f, "batch_size", 2, MM_MAX_BATCH, &batch, err) || meta_uint(f, "decay_step", 0, LMAX, &decay, err) ||
        meta_uint(f, "seed", 0, ~0ull, &seed, err) || meta_uint(f, "batch_rng", 0, ~0ull, &rng, err) ||
        meta_uint(f, "split_seed", 0, 0xffffffffull, &split_seed, err) || meta_f32(f, "lr", &s->tp.lr, err) ||
        meta_f32(f, "lr_decayed", &s->tp.lr_decayed, err))
        return MM_EFORMAT;
    s->step = (long)step;
    s->tp.steps = (long)steps;
    s->tp.batch_size = (int)batch;
    s->tp.decay_step = (long)decay;
    s->tp.seed = seed;
    s->batch_rng = rng;
    s->split_seed = (uint32_t)split_seed;
    s->split_shuffles = c->split_shuffles;
    // split_sizes: "[a,b,c]", each at most MM_MAX_WORDS * (MM_MAX_WORD_LEN + 1)
    const char* sz = mm_st_meta_get(f, "split_sizes");
    st_cur cur = {(const uint8_t*)sz, strlen(sz), 0, err, "split_sizes", NULL};
    uint64_t a[3];
    int k;
    if (mm_st_uint_array(&cur, a, 3, &k) || k != 3 || (mm_st_ws(&cur), cur.i != cur.n) || a[0] > 0x7fffffff || a[1] > 0x7fffffff || a[2] > 0x7fffffff)
        return mm_fail(err, MM_EFORMAT, "model file metadata 'split_sizes' is \"%.40s\", not [n_train,n_val,n_test]", sz);
    for (int i = 0; i < 3; i++) s->split_sizes[i] = (int)a[i];
    const char* dh = mm_st_meta_get(f, "data_hash");
    int ok = strlen(dh) == 8 + 16 && strncmp(dh, "fnv1a64:", 8) == 0;
    uint64_t hv = 0;
    for (int i = 8; ok && i < 24; i++) {
        char ch = dh[i];
        int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
        if (d < 0) ok = 0;
        else hv = hv << 4 | (uint64_t)d;
    }
    if (!ok) return mm_fail(err, MM_EFORMAT, "model file metadata 'data_hash' is \"%.40s\", not fnv1a64:<16 hex digits>", dh);
    s->data_hash = hv;
    return MM_OK;
}

mm_model* mm_model_load_state(const uint8_t* b, size_t len, int max_batch, mm_train_state* s_out, int* has_state, mm_err* err) {
    st_file f;
    if (mm_st_parse(b, len, &f, err)) return NULL;
    mm_model* m = NULL;
    uint32_t* cps = NULL;
    mm_config c;
    long np;
    mm_train_state s;
    int has = 0;
    if (read_config(&f, &c, &np, err) || read_state(&f, &c, &s, &has, err)) goto fail;
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
    m = mm_model_new(&c, cps, 0, max_batch, err);
    if (!m) goto fail;
    int nt = mm_model_num_tensors(m);
    for (int i = 0; i < nt; i++) {
        const mm_tensor_info* want = mm_model_tensor(m, i);
        const st_tensor* t = mm_st_find(&f, want->name);
        if (!t) { mm_fail(err, MM_EFORMAT, "model file has no tensor '%s'", want->name); goto fail; }
        if (strcmp(t->dtype, "F32") != 0) {
            mm_fail(err, MM_EFORMAT, "model file tensor '%s' has dtype %s; model files hold F32", t->name, t->dtype);
            goto fail;
        }
        int same = t->ndim == want->ndim;
        for (int d = 0; same && d < t->ndim; d++) same = t->shape[d] == (uint64_t)want->shape[d];
        if (!same) {
            char got[96] = "", exp[64] = "";
            for (int d = 0; d < t->ndim; d++) {
                size_t u = strlen(got);
                snprintf(got + u, sizeof got - u, d ? ", %llu" : "%llu", (unsigned long long)t->shape[d]);
            }
            for (int d = 0; d < want->ndim; d++) {
                size_t u = strlen(exp);
                snprintf(exp + u, sizeof exp - u, d ? ", %d" : "%d", want->shape[d]);
            }
            mm_fail(err, MM_EFORMAT, "model file tensor '%s' has shape (%s); the configuration needs (%s)", t->name, got, exp);
            goto fail;
        }
        float* dst = (want->is_buffer ? mm_model_buffers(m) : mm_model_params(m)) + want->offset;
        const uint8_t* p = f.data + t->begin;
        int is_var = want->is_variance;
        for (long k = 0; k < want->size; k++, p += 4) {
            uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
            float x;
            memcpy(&x, &u, 4);
            if (!isfinite(x)) {
                mm_fail(err, MM_EFORMAT, "model file tensor '%s' element %ld is not a finite number", t->name, k);
                goto fail;
            }
            if (is_var && x < 0.0f) {
                mm_fail(err, MM_EFORMAT, "model file tensor '%s' element %ld is a negative variance", t->name, k);
                goto fail;
            }
            dst[k] = x;
        }
    }
    if (f.n_tensors != nt) { // every expected tensor was found, so some are extra
        for (int i = 0; i < f.n_tensors; i++) {
            int known = 0;
            for (int j = 0; j < nt && !known; j++) known = strcmp(f.tensors[i].name, mm_model_tensor(m, j)->name) == 0;
            if (!known) {
                mm_fail(err, MM_EFORMAT, "model file has an unexpected tensor '%.100s'", f.tensors[i].name);
                goto fail;
            }
        }
    }
    free(cps);
    mm_st_free(&f);
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

mm_model* mm_model_load(const uint8_t* b, size_t len, int max_batch, mm_err* err) {
    return mm_model_load_state(b, len, max_batch, NULL, NULL, err);
}

mm_trainer* mm_checkpoint_load(const uint8_t* b, size_t len, const mm_words* words, mm_err* err) {
    if (!words) { mm_fail(err, MM_EINVAL, "resuming needs the word list the checkpoint was trained on"); return NULL; }
    mm_train_state s;
    int has = 0;
    mm_model* m = mm_model_load_state(b, len, 1, &s, &has, err);
    if (!m) return NULL;
    mm_trainer* t = NULL;
    const mm_config* c = mm_model_config(m);
    if (!has) {
        mm_fail(err, MM_EFORMAT, "this model file has no training state to resume (it was saved as a model, not a checkpoint)");
        goto done;
    }
    if (words->vocab_size != c->vocab_size) {
        mm_fail(err, MM_EINVAL, "the word list has %d symbols but the checkpoint's vocabulary has %d: not the word list it was trained on",
                words->vocab_size, c->vocab_size);
        goto done;
    }
    for (int i = 1; i < c->vocab_size; i++)
        if (words->codepoints[i] != mm_model_codepoints(m)[i]) {
            mm_fail(err, MM_EINVAL, "the word list's symbol %d (U+%04X) differs from the checkpoint's (U+%04X): not the word list it was trained on",
                    i, (unsigned)words->codepoints[i], (unsigned)mm_model_codepoints(m)[i]);
            goto done;
        }
    t = mm_trainer_new(words, c, &s.tp, err);
    if (!t) goto done;
    if (mm_trainer_set_state(t, &s, err)) { mm_trainer_free(t); t = NULL; goto done; }
    mm_model* tm = mm_trainer_model(t);
    memcpy(mm_model_params(tm), mm_model_params(m), sizeof(float) * (size_t)mm_model_num_params(m));
    memcpy(mm_model_buffers(tm), mm_model_buffers(m), sizeof(float) * (size_t)mm_model_num_buffers(m));
done:
    mm_model_free(m);
    return t;
}
