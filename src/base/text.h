// text.h: UTF-8 and JSON text, shared by the core's files (and the native CLI); not part of the API.
#ifndef MM_TEXT_H
#define MM_TEXT_H
#include <stddef.h>
#include <stdint.h>

// Decodes one well-formed UTF-8 code point from s[0..n) (no overlong forms,
// surrogates or values past U+10FFFF); returns its length, or 0 if invalid.
int mm_utf8_decode(const unsigned char* s, size_t n, uint32_t* cp);
// UTF-8 of cp into buf (NUL-terminated); returns its length in bytes.
int mm_utf8_encode(uint32_t cp, char buf[5]);

// A growing byte buffer; after a failed allocation it stays as it was and oom is set.
typedef struct {
    char* p;
    size_t n, cap;
    int oom;
} mm_buf;
void mm_buf_put(mm_buf* b, const void* s, size_t n);
void mm_buf_puts(mm_buf* b, const char* s);
void mm_buf_printf(mm_buf* b, const char* fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
// s as a JSON string: UTF-8 passes through; quotes, backslashes and control characters are escaped.
void mm_buf_json_string(mm_buf* b, const char* s);
// The text so far, NUL-terminated (NULL after a failed allocation); the buffer keeps owning it.
const char* mm_buf_str(mm_buf* b);
#endif
