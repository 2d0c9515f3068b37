// safetensors.c: a strict reader and a small writer of the safetensors container.
//
//   u64 little-endian N | N bytes of JSON header | tensor data
//   header: {"__metadata__": {"key": "value", ...},
//            "name": {"dtype": "F32", "shape": [d0, ...], "data_offsets": [begin, end]}, ...}
//   offsets are relative to the start of the data; the tensors tile it exactly.
//
// The reader accepts exactly that shape of JSON and nothing else (no nesting
// beyond it, so no recursion at all), with limits on every length and count,
// strict UTF-8 (no overlong forms, no surrogates), no duplicate keys, integers
// only where integers belong (0 .. 2^53), and checks every offset, shape and
// dtype before anyone touches the data. It does not interpret tensors; io.c
// matches them against a model.
//
// Compiled as part of io.c (#include), so every function here is static.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "makemore.h"

#define ST_MAX_TENSORS 256
#define ST_MAX_META 64
#define ST_MAX_NAME 128          // bytes in a tensor name or metadata key
#define ST_MAX_VALUE (64 * 1024) // bytes in a metadata value
#define ST_MAX_NDIM 8
#define ST_MAX_INT 9007199254740992ull // 2^53: integers JSON readers agree on

typedef struct {
    char name[ST_MAX_NAME + 1];
    char dtype[8];
    int ndim;
    uint64_t shape[ST_MAX_NDIM];
    uint64_t begin, end; // byte offsets into the data
} st_tensor;

typedef struct {
    char key[ST_MAX_NAME + 1];
    char* value; // NUL-terminated (NUL is refused inside values), malloc'd
    size_t len;
} st_meta;

typedef struct {
    int n_tensors, n_meta, has_meta;
    st_tensor* tensors; // (ST_MAX_TENSORS,)
    st_meta meta[ST_MAX_META];
    const uint8_t* data;
    uint64_t data_len;
} st_file;

static void st_free(st_file* f) {
    for (int i = 0; i < f->n_meta; i++) free(f->meta[i].value);
    free(f->tensors);
    memset(f, 0, sizeof *f);
}

static const char* st_meta_get(const st_file* f, const char* key) {
    for (int i = 0; i < f->n_meta; i++)
        if (strcmp(f->meta[i].key, key) == 0) return f->meta[i].value;
    return NULL;
}

static const st_tensor* st_find(const st_file* f, const char* name) {
    for (int i = 0; i < f->n_tensors; i++)
        if (strcmp(f->tensors[i].name, name) == 0) return &f->tensors[i];
    return NULL;
}

// Bytes per element of a safetensors dtype, 0 if unknown.
static int st_dtype_size(const char* d) {
    static const struct { const char* name; int size; } T[] = {
        {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8}, {"I32", 4}, {"I16", 2}, {"I8", 1},
        {"U64", 8}, {"U32", 4}, {"U16", 2}, {"U8", 1}, {"BOOL", 1}, {"F8_E4M3", 1}, {"F8_E5M2", 1},
    };
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
        if (strcmp(d, T[i].name) == 0) return T[i].size;
    return 0;
}

// ---------------------------------------------------------------- JSON cursor

typedef struct {
    const uint8_t* p;
    size_t n, i;
    mm_err* err;
    const char* where; // what is being read, for messages
} st_cur;

static int st_bad(st_cur* c, const char* what) {
    return mm_fail(c->err, MM_EFORMAT, "model file header: %s at byte %zu%s%s", what, c->i, c->where ? " in " : "",
                   c->where ? c->where : "");
}

static void st_ws(st_cur* c) {
    while (c->i < c->n && (c->p[c->i] == ' ' || c->p[c->i] == '\t' || c->p[c->i] == '\n' || c->p[c->i] == '\r')) c->i++;
}

// Skips whitespace, then consumes ch or fails.
static int st_expect(st_cur* c, char ch) {
    st_ws(c);
    if (c->i >= c->n) return st_bad(c, "unexpected end of the header");
    if (c->p[c->i] != (uint8_t)ch) {
        char msg[48];
        uint8_t got = c->p[c->i];
        if (got >= 0x20 && got < 0x7f) snprintf(msg, sizeof msg, "expected '%c', found '%c'", ch, got);
        else snprintf(msg, sizeof msg, "expected '%c', found byte 0x%02x", ch, got);
        return st_bad(c, msg);
    }
    c->i++;
    return MM_OK;
}

// Skips whitespace and peeks at the next byte (-1 at the end).
static int st_peek(st_cur* c) {
    st_ws(c);
    return c->i < c->n ? c->p[c->i] : -1;
}

static int st_hex4(st_cur* c, uint32_t* v) {
    if (c->n - c->i < 4) return st_bad(c, "a truncated \\u escape");
    *v = 0;
    for (int k = 0; k < 4; k++) {
        uint8_t h = c->p[c->i++];
        uint32_t d = h >= '0' && h <= '9' ? (uint32_t)(h - '0') : h >= 'a' && h <= 'f' ? (uint32_t)(h - 'a' + 10)
                   : h >= 'A' && h <= 'F' ? (uint32_t)(h - 'A' + 10) : 16u;
        if (d > 15) return st_bad(c, "a bad hex digit in a \\u escape");
        *v = *v << 4 | d;
    }
    return MM_OK;
}

// One UTF-8 sequence at c (strict: shortest form, no surrogates, <= U+10FFFF).
static int st_utf8(st_cur* c, uint32_t* cp) {
    uint8_t b0 = c->p[c->i];
    int len = b0 < 0x80 ? 1 : (b0 & 0xE0) == 0xC0 ? 2 : (b0 & 0xF0) == 0xE0 ? 3 : (b0 & 0xF8) == 0xF0 ? 4 : 0;
    if (!len) return st_bad(c, "invalid UTF-8");
    if (c->n - c->i < (size_t)len) return st_bad(c, "truncated UTF-8");
    uint32_t v = len == 1 ? b0 : b0 & (0x7Fu >> len);
    for (int k = 1; k < len; k++) {
        uint8_t b = c->p[c->i + (size_t)k];
        if ((b & 0xC0) != 0x80) return st_bad(c, "invalid UTF-8");
        v = v << 6 | (b & 0x3F);
    }
    static const uint32_t MIN[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < MIN[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return st_bad(c, "invalid UTF-8 (overlong, surrogate or out of range)");
    c->i += (size_t)len;
    *cp = v;
    return MM_OK;
}

// A JSON string into out (UTF-8, NUL-terminated, at most cap - 1 bytes).
// NUL characters (raw or \u0000) are refused: every string here is a C string.
static int st_string(st_cur* c, char* out, size_t cap, size_t* out_len) {
    int rc = st_expect(c, '"');
    if (rc) return rc;
    size_t k = 0;
    for (;;) {
        if (c->i >= c->n) return st_bad(c, "an unterminated string");
        uint8_t b = c->p[c->i];
        uint32_t cp;
        if (b == '"') { c->i++; break; }
        if (b < 0x20) return st_bad(c, "a control character in a string");
        if (b == '\\') {
            if (c->n - c->i < 2) return st_bad(c, "an unterminated string");
            uint8_t e = c->p[c->i + 1];
            c->i += 2;
            switch (e) {
            case '"': cp = '"'; break;
            case '\\': cp = '\\'; break;
            case '/': cp = '/'; break;
            case 'b': cp = '\b'; break;
            case 'f': cp = '\f'; break;
            case 'n': cp = '\n'; break;
            case 'r': cp = '\r'; break;
            case 't': cp = '\t'; break;
            case 'u': {
                if ((rc = st_hex4(c, &cp))) return rc;
                if (cp >= 0xDC00 && cp <= 0xDFFF) return st_bad(c, "a lone low surrogate escape");
                if (cp >= 0xD800 && cp <= 0xDBFF) { // a surrogate pair
                    uint32_t lo;
                    if (c->n - c->i < 2 || c->p[c->i] != '\\' || c->p[c->i + 1] != 'u') return st_bad(c, "a lone high surrogate escape");
                    c->i += 2;
                    if ((rc = st_hex4(c, &lo))) return rc;
                    if (lo < 0xDC00 || lo > 0xDFFF) return st_bad(c, "a lone high surrogate escape");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                break;
            }
            default: return st_bad(c, "an unknown escape in a string");
            }
        } else if ((rc = st_utf8(c, &cp))) {
            return rc;
        }
        if (cp == 0) return st_bad(c, "a NUL character in a string");
        char buf[5];
        int m = mm_utf8_encode(cp, buf);
        if (k + (size_t)m >= cap) return st_bad(c, "a string longer than this reader's limit");
        memcpy(out + k, buf, (size_t)m);
        k += (size_t)m;
    }
    out[k] = 0;
    if (out_len) *out_len = k;
    return MM_OK;
}

// A non-negative JSON integer, at most 2^53 (no sign, fraction, exponent or leading zeros).
static int st_uint(st_cur* c, uint64_t* v) {
    st_ws(c);
    if (c->i >= c->n || c->p[c->i] < '0' || c->p[c->i] > '9') return st_bad(c, "expected a non-negative integer");
    if (c->p[c->i] == '0' && c->i + 1 < c->n && c->p[c->i + 1] >= '0' && c->p[c->i + 1] <= '9')
        return st_bad(c, "an integer with a leading zero");
    uint64_t x = 0;
    while (c->i < c->n && c->p[c->i] >= '0' && c->p[c->i] <= '9') {
        x = x * 10 + (uint64_t)(c->p[c->i++] - '0');
        if (x > ST_MAX_INT) return st_bad(c, "an integer above 2^53");
    }
    if (c->i < c->n && (c->p[c->i] == '.' || c->p[c->i] == 'e' || c->p[c->i] == 'E')) return st_bad(c, "a number that is not an integer");
    *v = x;
    return MM_OK;
}

// [u, u, ...] with at most max entries.
static int st_uint_array(st_cur* c, uint64_t* out, int max, int* n) {
    int rc = st_expect(c, '[');
    if (rc) return rc;
    *n = 0;
    if (st_peek(c) == ']') { c->i++; return MM_OK; }
    for (;;) {
        if (*n == max) return st_bad(c, "an array longer than expected");
        if ((rc = st_uint(c, &out[(*n)++]))) return rc;
        int p = st_peek(c);
        if (p == ',') { c->i++; continue; }
        if (p == ']') { c->i++; return MM_OK; }
        return st_bad(c, "expected ',' or ']' in an array");
    }
}

// {"dtype": "...", "shape": [...], "data_offsets": [b, e]}: each key exactly once, nothing else.
static int st_tensor_entry(st_cur* c, st_tensor* t) {
    int rc = st_expect(c, '{');
    if (rc) return rc;
    int seen[3] = {0, 0, 0};
    if (st_peek(c) == '}') return st_bad(c, "an empty tensor entry");
    for (;;) {
        char key[16];
        if ((rc = st_string(c, key, sizeof key, NULL))) return rc;
        if ((rc = st_expect(c, ':'))) return rc;
        int k = strcmp(key, "dtype") == 0 ? 0 : strcmp(key, "shape") == 0 ? 1 : strcmp(key, "data_offsets") == 0 ? 2 : -1;
        if (k < 0) return st_bad(c, "an unknown key in a tensor entry (want dtype, shape, data_offsets)");
        if (seen[k]) return st_bad(c, "a duplicate key in a tensor entry");
        seen[k] = 1;
        if (k == 0) {
            if ((rc = st_string(c, t->dtype, sizeof t->dtype, NULL))) return rc;
        } else if (k == 1) {
            if ((rc = st_uint_array(c, t->shape, ST_MAX_NDIM, &t->ndim))) return rc;
        } else {
            uint64_t off[2];
            int n;
            if ((rc = st_uint_array(c, off, 2, &n))) return rc;
            if (n != 2) return st_bad(c, "data_offsets must hold two integers");
            t->begin = off[0];
            t->end = off[1];
        }
        int p = st_peek(c);
        if (p == ',') { c->i++; continue; }
        if (p == '}') { c->i++; break; }
        return st_bad(c, "expected ',' or '}' in a tensor entry");
    }
    if (!seen[0] || !seen[1] || !seen[2]) return st_bad(c, "a tensor entry without dtype, shape or data_offsets");
    return MM_OK;
}

// {"key": "value", ...}: string values only.
static int st_metadata(st_cur* c, st_file* f, char* buf) {
    int rc = st_expect(c, '{');
    if (rc) return rc;
    if (st_peek(c) == '}') { c->i++; return MM_OK; }
    for (;;) {
        if (f->n_meta == ST_MAX_META) return st_bad(c, "more metadata entries than this reader's limit");
        st_meta* m = &f->meta[f->n_meta];
        if ((rc = st_string(c, m->key, sizeof m->key, NULL))) return rc;
        for (int i = 0; i < f->n_meta; i++)
            if (strcmp(f->meta[i].key, m->key) == 0) return st_bad(c, "a duplicate metadata key");
        if ((rc = st_expect(c, ':'))) return rc;
        if (st_peek(c) != '"') return st_bad(c, "a metadata value that is not a string");
        if ((rc = st_string(c, buf, ST_MAX_VALUE + 1, &m->len))) return rc;
        m->value = malloc(m->len + 1);
        if (!m->value) return mm_fail(c->err, MM_ENOMEM, "out of memory reading the model file");
        memcpy(m->value, buf, m->len + 1);
        f->n_meta++;
        int p = st_peek(c);
        if (p == ',') { c->i++; continue; }
        if (p == '}') { c->i++; return MM_OK; }
        return st_bad(c, "expected ',' or '}' in the metadata");
    }
}

static int st_cmp_begin(const void* a, const void* b) {
    const st_tensor* x = *(const st_tensor* const*)a;
    const st_tensor* y = *(const st_tensor* const*)b;
    return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : x->end < y->end ? -1 : x->end > y->end;
}

// Parses and checks the container. On success f owns its allocations (st_free).
static int st_parse(const uint8_t* b, size_t len, st_file* f, mm_err* err) {
    memset(f, 0, sizeof *f);
    if (!b || len < 8) return mm_fail(err, MM_EFORMAT, "not a model file: %zu bytes is shorter than the header", len);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--) n = n << 8 | b[i];
    if (n > MM_MAX_FILE_HEADER)
        return mm_fail(err, MM_EFORMAT, "not a model file: a header length of %llu bytes is absurd (this reader's limit is %d)",
                       (unsigned long long)n, MM_MAX_FILE_HEADER);
    if (n > len - 8)
        return mm_fail(err, MM_EFORMAT, "model file is %zu bytes, shorter than its %llu-byte header says", len, (unsigned long long)n);
    if (n < 2 || b[8] != '{') return mm_fail(err, MM_EFORMAT, "not a model file: the header is not a JSON object");
    f->data = b + 8 + n;
    f->data_len = (uint64_t)(len - 8 - n);
    f->tensors = calloc(ST_MAX_TENSORS, sizeof *f->tensors);
    char* buf = malloc(ST_MAX_VALUE + 1);
    int rc = MM_OK;
    if (!f->tensors || !buf) { rc = mm_fail(err, MM_ENOMEM, "out of memory reading the model file"); goto done; }

    st_cur c = {b + 8, (size_t)n, 0, err, NULL};
    if ((rc = st_expect(&c, '{'))) goto done;
    if (st_peek(&c) == '}') c.i++;
    else for (;;) {
        char key[ST_MAX_NAME + 1];
        c.where = NULL;
        if ((rc = st_string(&c, key, sizeof key, NULL))) goto done;
        if ((rc = st_expect(&c, ':'))) goto done;
        if (strcmp(key, "__metadata__") == 0) {
            if (f->has_meta) { rc = st_bad(&c, "a second __metadata__"); goto done; }
            f->has_meta = 1;
            c.where = "__metadata__";
            if ((rc = st_metadata(&c, f, buf))) goto done;
        } else {
            for (int i = 0; i < f->n_tensors; i++)
                if (strcmp(f->tensors[i].name, key) == 0) { rc = st_bad(&c, "a duplicate tensor name"); goto done; }
            if (f->n_tensors == ST_MAX_TENSORS) { rc = st_bad(&c, "more tensors than this reader's limit"); goto done; }
            st_tensor* t = &f->tensors[f->n_tensors++];
            memcpy(t->name, key, sizeof key);
            c.where = t->name;
            if ((rc = st_tensor_entry(&c, t))) goto done;
        }
        c.where = NULL;
        int p = st_peek(&c);
        if (p == ',') { c.i++; continue; }
        if (p == '}') { c.i++; break; }
        rc = st_bad(&c, "expected ',' or '}' after an entry");
        goto done;
    }
    st_ws(&c);
    if (c.i != c.n) { rc = st_bad(&c, "bytes after the header's JSON object"); goto done; }

    // every tensor: a known dtype, a size that matches its shape, in range; together they tile the data
    const st_tensor* order[ST_MAX_TENSORS];
    for (int i = 0; i < f->n_tensors; i++) {
        st_tensor* t = &f->tensors[i];
        int es = st_dtype_size(t->dtype);
        if (!es) { rc = mm_fail(err, MM_EFORMAT, "model file tensor '%s' has an unknown dtype '%s'", t->name, t->dtype); goto done; }
        uint64_t bytes = (uint64_t)es;
        for (int d = 0; d < t->ndim; d++) {
            if (t->shape[d] != 0 && bytes > UINT64_MAX / t->shape[d]) bytes = UINT64_MAX; // saturate; caught below
            else bytes *= t->shape[d];
        }
        if (t->begin > t->end || t->end > f->data_len) {
            rc = mm_fail(err, MM_EFORMAT, "model file tensor '%s' has data_offsets [%llu, %llu] outside the %llu bytes of data", t->name,
                         (unsigned long long)t->begin, (unsigned long long)t->end, (unsigned long long)f->data_len);
            goto done;
        }
        if (t->end - t->begin != bytes) {
            rc = mm_fail(err, MM_EFORMAT, "model file tensor '%s' holds %llu bytes but its shape and dtype need %llu", t->name,
                         (unsigned long long)(t->end - t->begin), (unsigned long long)bytes);
            goto done;
        }
        order[i] = t;
    }
    qsort(order, (size_t)f->n_tensors, sizeof order[0], st_cmp_begin);
    uint64_t at = 0;
    for (int i = 0; i < f->n_tensors; i++) {
        if (order[i]->begin != at) {
            rc = mm_fail(err, MM_EFORMAT, "model file tensor '%s' starts at byte %llu of the data, not %llu: tensors %s", order[i]->name,
                         (unsigned long long)order[i]->begin, (unsigned long long)at, order[i]->begin < at ? "overlap" : "leave a hole");
            goto done;
        }
        at = order[i]->end;
    }
    if (at != f->data_len)
        rc = mm_fail(err, MM_EFORMAT, "model file has %llu bytes of tensor data but its tensors cover %llu bytes",
                     (unsigned long long)f->data_len, (unsigned long long)at);
done:
    free(buf);
    if (rc) st_free(f);
    return rc;
}

// ---------------------------------------------------------------- writing

typedef struct {
    uint8_t* p;
    size_t n, cap;
    int oom;
} st_buf;

static void st_put(st_buf* b, const void* s, size_t n) {
    if (b->oom) return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n) cap *= 2;
        uint8_t* p = realloc(b->p, cap);
        if (!p) { b->oom = 1; return; }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}
static void st_puts(st_buf* b, const char* s) { st_put(b, s, strlen(s)); }

// s as a JSON string (UTF-8 passes through; quotes, backslashes and controls escaped).
static void st_put_json_string(st_buf* b, const char* s) {
    st_puts(b, "\"");
    for (const unsigned char* p = (const unsigned char*)s; *p; p++) {
        char e[8];
        if (*p == '"' || *p == '\\') { e[0] = '\\'; e[1] = (char)*p; st_put(b, e, 2); }
        else if (*p < 0x20) { snprintf(e, sizeof e, "\\u%04x", *p); st_puts(b, e); }
        else st_put(b, p, 1);
    }
    st_puts(b, "\"");
}
