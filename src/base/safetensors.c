// safetensors.c: a strict reader of the safetensors container (see safetensors.h).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/internal.h"
#include "makemore.h"
#include "base/safetensors.h"

void mm_st_free(st_file* f) {
    for (int i = 0; i < f->n_meta; i++) free(f->meta[i].value);
    free(f->tensors);
    memset(f, 0, sizeof *f);
}

const char* mm_st_meta_get(const st_file* f, const char* key) {
    for (int i = 0; i < f->n_meta; i++)
        if (strcmp(f->meta[i].key, key) == 0) return f->meta[i].value;
    return NULL;
}

const st_tensor* mm_st_find(const st_file* f, const char* name) {
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

int mm_st_bad(st_cur* c, const char* what) {
    return mm_fail(c->err, MM_EFORMAT, "%s: %s at byte %zu%s%s", c->what ? c->what : "model file header", what, c->i,
                   c->where ? " in " : "", c->where ? c->where : "");
}

void mm_st_ws(st_cur* c) {
    while (c->i < c->n && (c->p[c->i] == ' ' || c->p[c->i] == '\t' || c->p[c->i] == '\n' || c->p[c->i] == '\r')) c->i++;
}

// Skips whitespace, then consumes ch or fails.
int mm_st_expect(st_cur* c, char ch) {
    mm_st_ws(c);
    if (c->i >= c->n) return mm_st_bad(c, "unexpected end of the header");
    if (c->p[c->i] != (uint8_t)ch) {
        char msg[48];
        uint8_t got = c->p[c->i];
        if (got >= 0x20 && got < 0x7f) snprintf(msg, sizeof msg, "expected '%c', found '%c'", ch, got);
        else snprintf(msg, sizeof msg, "expected '%c', found byte 0x%02x", ch, got);
        return mm_st_bad(c, msg);
    }
    c->i++;
    return MM_OK;
}

// Skips whitespace and peeks at the next byte (-1 at the end).
int mm_st_peek(st_cur* c) {
    mm_st_ws(c);
    return c->i < c->n ? c->p[c->i] : -1;
}

static int st_hex4(st_cur* c, uint32_t* v) {
    if (c->n - c->i < 4) return mm_st_bad(c, "a truncated \\u escape");
    *v = 0;
    for (int k = 0; k < 4; k++) {
        uint8_t h = c->p[c->i++];
        uint32_t d = h >= '0' && h <= '9' ? (uint32_t)(h - '0') : h >= 'a' && h <= 'f' ? (uint32_t)(h - 'a' + 10)
                   : h >= 'A' && h <= 'F' ? (uint32_t)(h - 'A' + 10) : 16u;
        if (d > 15) return mm_st_bad(c, "a bad hex digit in a \\u escape");
        *v = *v << 4 | d;
    }
    return MM_OK;
}

// A JSON string into out (UTF-8, NUL-terminated, at most cap - 1 bytes).
// NUL characters (raw or \u0000) are refused: every string here is a C string.
int mm_st_string(st_cur* c, char* out, size_t cap, size_t* out_len) {
    int rc = mm_st_expect(c, '"');
    if (rc) return rc;
    size_t k = 0;
    for (;;) {
        if (c->i >= c->n) return mm_st_bad(c, "an unterminated string");
        uint8_t b = c->p[c->i];
        uint32_t cp;
        if (b == '"') { c->i++; break; }
        if (b < 0x20) return mm_st_bad(c, "a control character in a string");
        if (b == '\\') {
            if (c->n - c->i < 2) return mm_st_bad(c, "an unterminated string");
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
                if (cp >= 0xDC00 && cp <= 0xDFFF) return mm_st_bad(c, "a lone low surrogate escape");
                if (cp >= 0xD800 && cp <= 0xDBFF) { // a surrogate pair
                    uint32_t lo;
                    if (c->n - c->i < 2 || c->p[c->i] != '\\' || c->p[c->i + 1] != 'u') return mm_st_bad(c, "a lone high surrogate escape");
                    c->i += 2;
                    if ((rc = st_hex4(c, &lo))) return rc;
                    if (lo < 0xDC00 || lo > 0xDFFF) return mm_st_bad(c, "a lone high surrogate escape");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                break;
            }
            default: return mm_st_bad(c, "an unknown escape in a string");
            }
        } else {
            int len = mm_utf8_decode(c->p + c->i, c->n - c->i, &cp);
            if (!len) return mm_st_bad(c, "invalid UTF-8 (overlong, surrogate, out of range or truncated)");
            c->i += (size_t)len;
        }
        if (cp == 0) return mm_st_bad(c, "a NUL character in a string");
        char buf[5];
        int m = mm_utf8_encode(cp, buf);
        if (k + (size_t)m >= cap) return mm_st_bad(c, "a string longer than this reader's limit");
        memcpy(out + k, buf, (size_t)m);
        k += (size_t)m;
    }
    out[k] = 0;
    if (out_len) *out_len = k;
    return MM_OK;
}

// A non-negative JSON integer, at most 2^53 (no sign, fraction, exponent or leading zeros).
static int st_uint(st_cur* c, uint64_t* v) {
    mm_st_ws(c);
    if (c->i >= c->n || c->p[c->i] < '0' || c->p[c->i] > '9') return mm_st_bad(c, "expected a non-negative integer");
    if (c->p[c->i] == '0' && c->i + 1 < c->n && c->p[c->i + 1] >= '0' && c->p[c->i + 1] <= '9')
        return mm_st_bad(c, "an integer with a leading zero");
    uint64_t x = 0;
    while (c->i < c->n && c->p[c->i] >= '0' && c->p[c->i] <= '9') {
        x = x * 10 + (uint64_t)(c->p[c->i++] - '0');
        if (x > ST_MAX_INT) return mm_st_bad(c, "an integer above 2^53");
    }
    if (c->i < c->n && (c->p[c->i] == '.' || c->p[c->i] == 'e' || c->p[c->i] == 'E')) return mm_st_bad(c, "a number that is not an integer");
    *v = x;
    return MM_OK;
}

// [u, u, ...] with at most max entries.
int mm_st_uint_array(st_cur* c, uint64_t* out, int max, int* n) {
    int rc = mm_st_expect(c, '[');
    if (rc) return rc;
    *n = 0;
    if (mm_st_peek(c) == ']') { c->i++; return MM_OK; }
    for (;;) {
        if (*n == max) return mm_st_bad(c, "an array longer than expected");
        if ((rc = st_uint(c, &out[(*n)++]))) return rc;
        int p = mm_st_peek(c);
        if (p == ',') { c->i++; continue; }
        if (p == ']') { c->i++; return MM_OK; }
        return mm_st_bad(c, "expected ',' or ']' in an array");
    }
}

// {"dtype": "...", "shape": [...], "data_offsets": [b, e]}: each key exactly once, nothing else.
static int st_tensor_entry(st_cur* c, st_tensor* t) {
    int rc = mm_st_expect(c, '{');
    if (rc) return rc;
    int seen[3] = {0, 0, 0};
    if (mm_st_peek(c) == '}') return mm_st_bad(c, "an empty tensor entry");
    for (;;) {
        char key[16];
        if ((rc = mm_st_string(c, key, sizeof key, NULL))) return rc;
        if ((rc = mm_st_expect(c, ':'))) return rc;
        int k = strcmp(key, "dtype") == 0 ? 0 : strcmp(key, "shape") == 0 ? 1 : strcmp(key, "data_offsets") == 0 ? 2 : -1;
        if (k < 0) return mm_st_bad(c, "an unknown key in a tensor entry (want dtype, shape, data_offsets)");
        if (seen[k]) return mm_st_bad(c, "a duplicate key in a tensor entry");
        seen[k] = 1;
        if (k == 0) {
            if ((rc = mm_st_string(c, t->dtype, sizeof t->dtype, NULL))) return rc;
        } else if (k == 1) {
            if ((rc = mm_st_uint_array(c, t->shape, ST_MAX_NDIM, &t->ndim))) return rc;
        } else {
            uint64_t off[2];
            int n;
            if ((rc = mm_st_uint_array(c, off, 2, &n))) return rc;
            if (n != 2) return mm_st_bad(c, "data_offsets must hold two integers");
            t->begin = off[0];
            t->end = off[1];
        }
        int p = mm_st_peek(c);
        if (p == ',') { c->i++; continue; }
        if (p == '}') { c->i++; break; }
        return mm_st_bad(c, "expected ',' or '}' in a tensor entry");
    }
    if (!seen[0] || !seen[1] || !seen[2]) return mm_st_bad(c, "a tensor entry without dtype, shape or data_offsets");
    return MM_OK;
}

// {"key": "value", ...}: string values only.
static int st_metadata(st_cur* c, st_file* f, char* buf) {
    int rc = mm_st_expect(c, '{');
    if (rc) return rc;
    if (mm_st_peek(c) == '}') { c->i++; return MM_OK; }
    for (;;) {
        if (f->n_meta == ST_MAX_META) return mm_st_bad(c, "more metadata entries than this reader's limit");
        st_meta* m = &f->meta[f->n_meta];
        if ((rc = mm_st_string(c, m->key, sizeof m->key, NULL))) return rc;
        for (int i = 0; i < f->n_meta; i++)
            if (strcmp(f->meta[i].key, m->key) == 0) return mm_st_bad(c, "a duplicate metadata key");
        if ((rc = mm_st_expect(c, ':'))) return rc;
        if (mm_st_peek(c) != '"') return mm_st_bad(c, "a metadata value that is not a string");
        if ((rc = mm_st_string(c, buf, ST_MAX_VALUE + 1, &m->len))) return rc;
        m->value = malloc(m->len + 1);
        if (!m->value) return mm_fail(c->err, MM_ENOMEM, "out of memory reading the model file");
        memcpy(m->value, buf, m->len + 1);
        f->n_meta++;
        int p = mm_st_peek(c);
        if (p == ',') { c->i++; continue; }
        if (p == '}') { c->i++; return MM_OK; }
        return mm_st_bad(c, "expected ',' or '}' in the metadata");
    }
}

static int st_cmp_begin(const void* a, const void* b) {
    const st_tensor* x = *(const st_tensor* const*)a;
    const st_tensor* y = *(const st_tensor* const*)b;
    return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : x->end < y->end ? -1 : x->end > y->end;
}

// The header's entries after its '{': __metadata__ and the tensors, each once.
static int st_entries(st_cur* c, st_file* f, char* buf) {
    int rc;
    if (mm_st_peek(c) == '}') { c->i++; return MM_OK; }
    for (;;) {
        char key[ST_MAX_NAME + 1];
        c->where = NULL;
        if ((rc = mm_st_string(c, key, sizeof key, NULL)) || (rc = mm_st_expect(c, ':'))) return rc;
        if (strcmp(key, "__metadata__") == 0) {
            if (f->has_meta) return mm_st_bad(c, "a second __metadata__");
            f->has_meta = 1;
            c->where = "__metadata__";
            if ((rc = st_metadata(c, f, buf))) return rc;
        } else {
            for (int i = 0; i < f->n_tensors; i++)
                if (strcmp(f->tensors[i].name, key) == 0) return mm_st_bad(c, "a duplicate tensor name");
            if (f->n_tensors == ST_MAX_TENSORS) return mm_st_bad(c, "more tensors than this reader's limit");
            st_tensor* t = &f->tensors[f->n_tensors++];
            memcpy(t->name, key, sizeof key);
            c->where = t->name;
            if ((rc = st_tensor_entry(c, t))) return rc;
        }
        c->where = NULL;
        int p = mm_st_peek(c);
        if (p == ',') { c->i++; continue; }
        if (p == '}') { c->i++; return MM_OK; }
        return mm_st_bad(c, "expected ',' or '}' after an entry");
    }
}

// Every tensor: a known dtype, a size that matches its shape, in range; together they tile the data.
static int st_check_tensors(const st_file* f, mm_err* err) {
    const st_tensor* order[ST_MAX_TENSORS];
    for (int i = 0; i < f->n_tensors; i++) {
        const st_tensor* t = &f->tensors[i];
        int es = st_dtype_size(t->dtype);
        if (!es) return mm_fail(err, MM_EFORMAT, "model file tensor '%s' has an unknown dtype '%s'", t->name, t->dtype);
        uint64_t bytes = (uint64_t)es;
        for (int d = 0; d < t->ndim; d++) {
            if (t->shape[d] != 0 && bytes > UINT64_MAX / t->shape[d]) bytes = UINT64_MAX; // saturate; caught below
            else bytes *= t->shape[d];
        }
        if (t->begin > t->end || t->end > f->data_len)
            return mm_fail(err, MM_EFORMAT, "model file tensor '%s' has data_offsets [%llu, %llu] outside the %llu bytes of data", t->name,
                           (unsigned long long)t->begin, (unsigned long long)t->end, (unsigned long long)f->data_len);
        if (t->end - t->begin != bytes)
            return mm_fail(err, MM_EFORMAT, "model file tensor '%s' holds %llu bytes but its shape and dtype need %llu", t->name,
                           (unsigned long long)(t->end - t->begin), (unsigned long long)bytes);
        order[i] = t;
    }
    qsort(order, (size_t)f->n_tensors, sizeof order[0], st_cmp_begin);
    uint64_t at = 0;
    for (int i = 0; i < f->n_tensors; i++) {
        if (order[i]->begin != at)
            return mm_fail(err, MM_EFORMAT, "model file tensor '%s' starts at byte %llu of the data, not %llu: tensors %s", order[i]->name,
                           (unsigned long long)order[i]->begin, (unsigned long long)at, order[i]->begin < at ? "overlap" : "leave a hole");
        at = order[i]->end;
    }
    if (at != f->data_len)
        return mm_fail(err, MM_EFORMAT, "model file has %llu bytes of tensor data but its tensors cover %llu bytes",
                       (unsigned long long)f->data_len, (unsigned long long)at);
    return MM_OK;
}

// Whether a file's first bytes look like text (a word list given as a model file, say): printable
// ASCII, tabs, line ends and the bytes of UTF-8. A safetensors file's first 8 bytes never do: they
// are its header's length, little-endian, whose high bytes are 0.
static int st_looks_like_text(const uint8_t* b, size_t len) {
    if (len == 0) return 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = b[i];
        if (!(c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c < 0x7f) || (c >= 0x80 && c != 0xc0 && c != 0xc1 && c < 0xf5))) return 0;
    }
    return 1;
}

// The message for a text file: what it starts with (at most 16 bytes, escaped, not cut inside a character).
static int st_text_file(const uint8_t* b, size_t len, mm_err* err) {
    char start[40];
    size_t k = len < 16 ? len : 16, o = 0;
    while (k < len && k > 0 && (b[k] & 0xc0) == 0x80) k--;
    for (size_t i = 0; i < k; i++) {
        uint8_t c = b[i];
        const char* e = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : c == '"' ? "\\\"" : c == '\\' ? "\\\\" : NULL;
        if (e) start[o++] = e[0], start[o++] = e[1];
        else start[o++] = (char)c;
    }
    start[o] = 0;
    return mm_fail(err, MM_EFORMAT, "not a model file: this looks like a text file (it starts \"%s%s\"), not a safetensors model file", start,
                   k < len ? "..." : "");
}

int mm_st_parse(const uint8_t* b, size_t len, st_file* f, mm_err* err) {
    memset(f, 0, sizeof *f);
    if (b && st_looks_like_text(b, len < 8 ? len : 8)) return st_text_file(b, len, err);
    if (!b || len < 8) return mm_fail(err, MM_EFORMAT, "not a model file: %zu bytes is shorter than the header", len);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--) n = n << 8 | b[i];
    if (n > MM_MAX_FILE_HEADER)
        return mm_fail(err, MM_EFORMAT,
                       "not a model file: not a safetensors file, whose first 8 bytes give its header's length: these give a header "
                       "length of %llu bytes, absurd (this reader's limit is %d)", (unsigned long long)n, MM_MAX_FILE_HEADER);
    if (n > len - 8)
        return mm_fail(err, MM_EFORMAT, "model file is %zu bytes, shorter than its %llu-byte header says", len, (unsigned long long)n);
    if (n < 2 || b[8] != '{')
        return mm_fail(err, MM_EFORMAT, "not a model file: not a safetensors file (its header, after the 8 bytes of its length, is not a JSON object)");
    f->data = b + 8 + n;
    f->data_len = (uint64_t)(len - 8 - n);
    f->tensors = calloc(ST_MAX_TENSORS, sizeof *f->tensors);
    char* buf = malloc(ST_MAX_VALUE + 1);
    st_cur c = {b + 8, (size_t)n, 0, err, NULL, NULL};
    int rc = !f->tensors || !buf ? mm_fail(err, MM_ENOMEM, "out of memory reading the model file") : MM_OK;
    if (!rc) rc = mm_st_expect(&c, '{');
    if (!rc) rc = st_entries(&c, f, buf);
    if (!rc) {
        mm_st_ws(&c);
        if (c.i != c.n) rc = mm_st_bad(&c, "bytes after the header's JSON object");
    }
    if (!rc) rc = st_check_tensors(f, err);
    free(buf);
    if (rc) mm_st_free(f);
    return rc;
}

int mm_st_parse_object(const char* text, size_t len, const char* what, st_file* f, mm_err* err) {
    memset(f, 0, sizeof *f);
    if (!text) return mm_fail(err, MM_EINVAL, "%s: no text", what);
    char* buf = malloc(ST_MAX_VALUE + 1);
    if (!buf) return mm_fail(err, MM_ENOMEM, "out of memory reading %s", what);
    st_cur c = {(const uint8_t*)text, len, 0, err, NULL, what};
    int rc = st_metadata(&c, f, buf);
    if (!rc) {
        mm_st_ws(&c);
        if (c.i != c.n) rc = mm_st_bad(&c, "bytes after the JSON object");
    }
    free(buf);
    if (rc) mm_st_free(f);
    f->has_meta = !rc;
    return rc;
}
