// safetensors.h: a strict reader of the safetensors container (src/safetensors.c).
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
// matches them against a model. Writing is io.c's (with mm_buf, text.h).
// Internal to the core, not part of the API.
#ifndef MM_SAFETENSORS_H
#define MM_SAFETENSORS_H
#include <stddef.h>
#include <stdint.h>
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

// Parses and checks the container. On success f owns its allocations (mm_st_free).
int mm_st_parse(const uint8_t* b, size_t len, st_file* f, mm_err* err);
// A JSON object of string values alone ({"key": "value", ...}: what __metadata__ holds)
// into f's metadata; what names the text in messages (e.g. "the settings").
int mm_st_parse_object(const char* text, size_t len, const char* what, st_file* f, mm_err* err);
void mm_st_free(st_file* f);
const char* mm_st_meta_get(const st_file* f, const char* key); // NULL if absent
const st_tensor* mm_st_find(const st_file* f, const char* name);

// A cursor over JSON text, for io.c's values that hold JSON (the vocabulary, split_sizes).
typedef struct {
    const uint8_t* p;
    size_t n, i;
    mm_err* err;
    const char* where; // what is being read, for messages
    const char* what;  // the whole text, for messages (NULL: "model file header")
} st_cur;
int mm_st_bad(st_cur* c, const char* what);             // fails with MM_EFORMAT: what, where
void mm_st_ws(st_cur* c);                                // skips whitespace
int mm_st_expect(st_cur* c, char ch);                    // whitespace, then ch
int mm_st_peek(st_cur* c);                               // whitespace, then the next byte (-1 at the end)
int mm_st_string(st_cur* c, char* out, size_t cap, size_t* out_len); // a JSON string (no NUL), UTF-8
int mm_st_uint_array(st_cur* c, uint64_t* out, int max, int* n);     // [u, ...], u <= 2^53
#endif
