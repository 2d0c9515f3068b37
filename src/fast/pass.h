// fast/pass.h: a fast pass: another way to run some of a model's layers on the fast
// engine, with the same numbers summed in another order (so never on the
// reproducible engine). A pass says where it applies when it is made for a model
// (the layers it covers); the executor (model/run.c) runs it in their place; which
// passes a model gets is decided in one place (fast/passes.c) when a fast engine is
// chosen. Families, layers, optimizers and statistics never name a pass.
#ifndef MM_FAST_PASS_H
#define MM_FAST_PASS_H
#include "model/model.h"

typedef struct mm_pass {
    const char* name;
    // Whether it applies to model m; if so, its state (NULL and *oom 1: out of memory; NULL, *oom 0:
    // it does not apply) and the layers [*first, *last] it runs. `with` holds the passes chosen
    // before it (one may build on another).
    void* (*make)(const mm_model* m, const struct mm_pass_set* with, int* first, int* last, int* oom);
    void (*free)(void* st);
    // Runs its layers' forward (their outputs), and their backward (the gradients of their
    // parameters, added, and of their first layer's input).
    void (*forward)(mm_model* m, void* st, const uint16_t* X, int B, int training);
    void (*backward)(mm_model* m, void* st, const uint16_t* X, int B);
    // Writes the outputs and gradients of its layers that it does not compute, as the plain layers
    // would (a diagnostics step's statistics read every layer's); NULL: it computes them all.
    void (*fill)(mm_model* m, void* st, const uint16_t* X, int B);
    // 1: it runs its layers on rows of its own (not one per example or position): their outputs
    // are not the batch's, so a diagnostics step takes its statistics from a plain pass first.
    int own_rows;
    // 1: it covers the last layer and writes the examples' logits itself.
    int writes_logits;
} mm_pass;

// The passes chosen for a model: at most one starting at any layer.
#define MAX_PASSES 4
struct mm_pass_set {
    int n;
    struct {
        const mm_pass* pass;
        void* st;
        int first, last;
    } at[MAX_PASSES];
};

// The passes for m on kernels k (fast/passes.c): NULL when none applies (the reference
// kernels, or a model no pass fits); *oom 1 if out of memory.
struct mm_pass_set* mm_passes_choose(const mm_model* m, const mm_kernels* k, int* oom);
void mm_passes_free(struct mm_pass_set* s);
// The passes' profile sections: the i-th name and phase (NULL past the end).
const char* mm_pass_section_name(int i);
const char* mm_pass_section_phase(int i);
// Section ids of the passes (fast/passes.c's list), for their own timers.
enum { PROF_TABLES_FWD = PROF_PASS0, PROF_TABLES_BWD, PROF_ROWS_FWD, PROF_ROWS_BWD };

#endif
