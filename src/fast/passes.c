// fast/passes.c: which fast passes a model gets, decided in one place, when a fast
// engine is chosen: in this order, each pass that applies (one may build on an
// earlier one: the distinct nodes on the embedding tables). The executor runs, at
// each layer, the first chosen pass that starts there.
#include <stdlib.h>
#include "fast/distinct.h"
#include "fast/tables.h"

// In the order they are tried; the executor prefers a later one where two start at one layer.
static const mm_pass* const PASSES[] = {&mm_pass_tables, &mm_pass_distinct};
#define N_PASSES (int)(sizeof PASSES / sizeof PASSES[0])

// Their profile sections (model/profile.h's PROF_PASS0 + i: fast/pass.h's ids).
static const char* const SECTIONS[][2] = {
    {"embedding tables", "forward"}, {"embedding tables", "backward"},
    {"distinct nodes (plan, gathers)", "forward"}, {"distinct nodes (gathers)", "backward"},
};
const char* mm_pass_section_name(int i) { return i >= 0 && i < (int)(sizeof SECTIONS / sizeof SECTIONS[0]) ? SECTIONS[i][0] : NULL; }
const char* mm_pass_section_phase(int i) { return i >= 0 && i < (int)(sizeof SECTIONS / sizeof SECTIONS[0]) ? SECTIONS[i][1] : NULL; }

void mm_passes_free(struct mm_pass_set* s) {
    if (!s) return;
    for (int k = 0; k < s->n; k++) s->at[k].pass->free(s->at[k].st);
    free(s);
}

struct mm_pass_set* mm_passes_choose(const mm_model* m, const mm_kernels* k, int* oom) {
    *oom = 0;
    if (!k->fast) return NULL; // the reference kernels run every layer as it is
    struct mm_pass_set* s = calloc(1, sizeof *s);
    if (!s) { *oom = 1; return NULL; }
    for (int i = 0; i < N_PASSES && s->n < MAX_PASSES; i++) {
        int first = 0, last = 0;
        void* st = PASSES[i]->make(m, s, &first, &last, oom);
        if (*oom) { mm_passes_free(s); return NULL; }
        if (!st) continue;
        // the later pass first: where two start at one layer, it is the one run
        for (int j = s->n; j > 0; j--) s->at[j] = s->at[j - 1];
        s->at[0].pass = PASSES[i];
        s->at[0].st = st;
        s->at[0].first = first;
        s->at[0].last = last;
        s->n++;
    }
    if (s->n == 0) { free(s); return NULL; }
    return s;
}
