// internal.h: helpers shared by the core's files, not part of the API.
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H
#include "makemore.h"

// Fills err (if given) with code and a printf-style message; returns code.
int mm_fail(mm_err* err, int code, const char* fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
// Decodes one well-formed UTF-8 code point from s[0..n) (no overlong forms,
// surrogates or values past U+10FFFF); returns its length, or 0 if invalid.
int mm_utf8_decode(const unsigned char* s, size_t n, uint32_t* cp);
// UTF-8 of cp into buf (NUL-terminated); returns its length in bytes.
int mm_utf8_encode(uint32_t cp, char buf[5]);

// Each configuration field within its limits (config.c); the model's
// structural rules (block a power of the group size, ...) are model.c's.
int mm_config_validate(const mm_config* c, mm_err* err);

// Profiling (model.c): adds mm_now_sec() - t0 to operation what, if profiling.
void mm_model_prof_add(mm_model* m, int what, double t0);
int mm_model_profiling(const mm_model* m);

#endif
