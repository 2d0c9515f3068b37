// fast/tables.h: the embedding tables pass (tables.c), and its use on given rows by the
// distinct nodes pass (distinct.c).
#ifndef MM_FAST_TABLES_H
#define MM_FAST_TABLES_H
#include "fast/pass.h"

extern const mm_pass mm_pass_tables;
struct mm_tables;
// The fused layer's output for rows whose groups read tok (rows, n), and its backward.
void mm_tables_forward_rows(mm_model* m, struct mm_tables* t, const uint16_t* tok, long rows);
void mm_tables_backward_rows(mm_model* m, struct mm_tables* t, const uint16_t* tok, long rows);

#endif
