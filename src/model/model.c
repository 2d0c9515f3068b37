// model/model.c: a model's lifetime, accessors, engine and profile. It is planned
// and made in plan.c, run in run.c.
#include <stdlib.h>
#include <string.h>
#include "fast/pass.h"
#include "model/model.h"

void mm_model_free(mm_model* m) {
    if (!m) return;
    free(m->params); free(m->grads); free(m->acts); free(m->state); free(m->work); free(m->tmp);
    free(m->codepoints);
    free(m->row_tok); free(m->row_pos); free(m->ex_row);
    mm_passes_free(m->passes);
    free(m);
}

const mm_config* mm_model_config(const mm_model* m) { return &m->cfg; }
const uint32_t* mm_model_codepoints(const mm_model* m) { return m->codepoints; }
long mm_model_num_params(const mm_model* m) { return m->n_params; }
float* mm_model_params(mm_model* m) { return m->params; }
float* mm_model_grads(mm_model* m) { return m->grads; }
long mm_model_num_buffers(const mm_model* m) { return m->n_buffers; }
float* mm_model_buffers(mm_model* m) { return m->buffers; }
int mm_model_num_tensors(const mm_model* m) { return m->n_tensors; }
const mm_tensor_info* mm_model_tensor(const mm_model* m, int i) {
    return i >= 0 && i < m->n_tensors ? &m->tensors[i] : NULL;
}
const float* mm_model_logits(const mm_model* m) { return m->acts + m->logits; }
const mm_engine* mm_model_engine(const mm_model* m) { return &m->eng; }
int mm_model_sequence(const mm_model* m) { return m->seq; }
double mm_model_prof_start(const mm_model* m) { return mm_prof_start(&m->prof); }
double mm_model_prof_add(mm_model* m, int s, double t0) { return mm_prof_add(&m->prof, s, t0); }

// ---------------------------------------------------------------- engine

int mm_model_set_engine(mm_model* m, int engine, mm_pool* pool, mm_err* err) {
    if (engine != MM_ENGINE_REPRODUCIBLE && engine != MM_ENGINE_FAST)
        return mm_fail(err, MM_EINVAL, "unknown engine %d (0: reproducible, 1: fast)", engine);
    const mm_kernels* k = mm_kernels_for(engine);
    if (k != m->eng.k) { // the fast passes, chosen for the new kernels (none on the reference ones)
        int oom = 0;
        struct mm_pass_set* s = mm_passes_choose(m, k, &oom);
        if (oom) return mm_fail(err, MM_ENOMEM, "out of memory for the fast engine's passes (the engine is unchanged)");
        mm_passes_free(m->passes);
        m->passes = s;
    }
    m->eng.k = k;
    m->eng.pool = pool;
    return MM_OK;
}
const char* mm_model_kernels(const mm_model* m) { return m->eng.k->name; }

// ---------------------------------------------------------------- profile

static const char* const OWN_SECTIONS[PROF_LAYER0][2] = {
    {"batch", "data"}, {"row plan", "forward"}, {"cross-entropy", "forward"}, {"optimizer", "update"}};

int mm_profile_count(void) {
    int n = PROF_PASS0;
    while (mm_pass_section_name(n - PROF_PASS0)) n++;
    return n;
}
const char* mm_profile_name(int i) {
    if (i < 0) return NULL;
    if (i < PROF_LAYER0) return OWN_SECTIONS[i][0];
    if (i < PROF_PASS0) return mm_layer_type_name((i - PROF_LAYER0) / 2);
    return mm_pass_section_name(i - PROF_PASS0);
}
const char* mm_profile_phase(int i) {
    if (i < 0) return NULL;
    if (i < PROF_LAYER0) return OWN_SECTIONS[i][1];
    if (i < PROF_PASS0) return (i - PROF_LAYER0) % 2 ? "backward" : "forward";
    return mm_pass_section_phase(i - PROF_PASS0);
}

void mm_model_profile(mm_model* m, int enable, double* out) {
    if (out) memcpy(out, m->prof.sec, sizeof(double) * (size_t)mm_profile_count());
    m->prof.on = enable;
    memset(m->prof.sec, 0, sizeof m->prof.sec);
}
