// io.c: a model as bytes ("MMW1"): config, vocabulary, parameters, running statistics.
// Little-endian throughout. Every field is checked on load; nothing is trusted.
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "makemore.h"

#define MMW_MAGIC "MMW1"
#define MMW_HEADER (4 + 4 * 11)

static void put_u32(uint8_t* p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }
static uint32_t get_u32(const uint8_t* p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static void put_f32(uint8_t* p, float f) { uint32_t u; memcpy(&u, &f, 4); put_u32(p, u); }
static float get_f32(const uint8_t* p) { uint32_t u = get_u32(p); float f; memcpy(&f, &u, 4); return f; }

int mm_model_save(const mm_model* m_, uint8_t** out, size_t* out_len, mm_err* err) {
    mm_model* m = (mm_model*)m_;
    const mm_config* c = mm_model_config(m);
    long np = mm_model_num_params(m), nb = mm_model_num_buffers(m);
    size_t len = MMW_HEADER + 4 * ((size_t)c->vocab_size + (size_t)np + (size_t)nb);
    uint8_t* b = malloc(len);
    if (!b) return mm_fail(err, MM_ENOMEM, "out of memory saving the model");
    memcpy(b, MMW_MAGIC, 4);
    uint32_t h[11] = {1, (uint32_t)c->vocab_size, (uint32_t)c->block_size, (uint32_t)c->n_embd, (uint32_t)c->n_hidden,
                      (uint32_t)c->n_consec, (uint32_t)c->n_flat_layers, (uint32_t)c->bn_mode, (uint32_t)c->split_shuffles,
                      (uint32_t)np, (uint32_t)nb};
    for (int i = 0; i < 11; i++) put_u32(b + 4 + 4 * i, h[i]);
    uint8_t* p = b + MMW_HEADER;
    for (int i = 0; i < c->vocab_size; i++, p += 4) put_u32(p, mm_model_codepoints(m)[i]);
    for (long i = 0; i < np; i++, p += 4) put_f32(p, mm_model_params(m)[i]);
    for (long i = 0; i < nb; i++, p += 4) put_f32(p, mm_model_buffers(m)[i]);
    *out = b;
    *out_len = len;
    return MM_OK;
}

mm_model* mm_model_load(const uint8_t* b, size_t len, int max_batch, mm_err* err) {
    if (!b || len < MMW_HEADER) { mm_fail(err, MM_EFORMAT, "not a model file: %zu bytes is shorter than the header", len); return NULL; }
    if (memcmp(b, MMW_MAGIC, 4) != 0) { mm_fail(err, MM_EFORMAT, "not a model file: the magic bytes are not MMW1"); return NULL; }
    uint32_t h[11];
    for (int i = 0; i < 11; i++) h[i] = get_u32(b + 4 + 4 * i);
    if (h[0] != 1) { mm_fail(err, MM_EFORMAT, "model file version %u is not supported (this build reads version 1)", h[0]); return NULL; }
    for (int i = 1; i < 9; i++)
        if (h[i] > 1000000u) { mm_fail(err, MM_EFORMAT, "model file header field %d holds an absurd value %u", i, h[i]); return NULL; }
    mm_config c = {(int)h[1], (int)h[2], (int)h[3], (int)h[4], (int)h[5], (int)h[6], (int)h[7], (int)h[8]};
    long np;
    if (mm_config_check(&c, &np, err)) {
        if (err) { char msg[sizeof err->msg]; memcpy(msg, err->msg, sizeof msg); mm_fail(err, MM_EFORMAT, "model file configuration: %s", msg); }
        return NULL;
    }
    size_t want = MMW_HEADER + 4 * ((size_t)c.vocab_size + (size_t)h[9] + (size_t)h[10]);
    if ((long)h[9] != np) { mm_fail(err, MM_EFORMAT, "model file holds %u parameters but its configuration has %ld", h[9], np); return NULL; }
    if (len != want) { mm_fail(err, MM_EFORMAT, "model file is %zu bytes; its header says %zu", len, want); return NULL; }
    const uint8_t* p = b + MMW_HEADER;
    uint32_t* cps = malloc(sizeof(uint32_t) * (size_t)c.vocab_size);
    if (!cps) { mm_fail(err, MM_ENOMEM, "out of memory loading the model"); return NULL; }
    for (int i = 0; i < c.vocab_size; i++) {
        cps[i] = get_u32(p + 4 * i);
        int bad = cps[i] > 0x10FFFF || (cps[i] >= 0xD800 && cps[i] <= 0xDFFF) || (cps[i] < 0x20 && cps[i] != '\t') || (i > 1 && cps[i] <= cps[i - 1]);
        if (bad) {
            mm_fail(err, MM_EFORMAT, "model file vocabulary entry %d (U+%04X) is invalid or out of order", i, cps[i]);
            free(cps);
            return NULL;
        }
    }
    p += 4 * (size_t)c.vocab_size;
    mm_model* m = mm_model_new(&c, cps, 0, max_batch, err);
    free(cps);
    if (!m) return NULL;
    long nb = mm_model_num_buffers(m);
    if ((long)h[10] != nb) {
        mm_model_free(m);
        mm_fail(err, MM_EFORMAT, "model file holds %u running statistics but its configuration has %ld", h[10], nb);
        return NULL;
    }
    float* dst[2] = {mm_model_params(m), mm_model_buffers(m)};
    long n[2] = {np, (long)h[10]};
    for (int s = 0; s < 2; s++)
        for (long i = 0; i < n[s]; i++, p += 4) {
            float f = get_f32(p);
            if (!isfinite(f)) {
                mm_model_free(m);
                mm_fail(err, MM_EFORMAT, "model file %s %ld is not a finite number", s ? "statistic" : "parameter", i);
                return NULL;
            }
            dst[s][i] = f;
        }
    return m;
}
