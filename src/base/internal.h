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

// The struct of a record's group (schema.c): r->model, r->data, ...; NULL if it has none.
void* mm_record_base(const mm_record* r, int group);
int mm_record_has(const mm_record* r, int group);

// Each configuration field within its limits (config.c); the model's
// structural rules (block a power of the group size, ...) are model.c's.
int mm_config_validate(const mm_config* c, mm_err* err);

// Profiling (model.c): adds mm_now_sec() - t0 to operation what, if profiling.
void mm_model_prof_add(mm_model* m, int what, double t0);
int mm_model_profiling(const mm_model* m);

#endif
