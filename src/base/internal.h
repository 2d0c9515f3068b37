// internal.h: helpers shared by the core's files, not part of the API.
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H
#include "makemore.h"
#include "base/text.h"

// Fills err (if given) with code and a printf-style message; returns code.
int mm_fail(mm_err* err, int code, const char* fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
// UTF-8 and JSON text: text.h (mm_utf8_decode, mm_utf8_encode, mm_buf).

#endif
