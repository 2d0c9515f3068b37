// model/plan.c: a model made in separate steps: its family's layer list, each
// layer's shape rule, the layout (every tensor the layers declare, given an offset
// in its arena before anything is allocated, sizes summed in 64 bits so nothing
// wraps where long is 32 bits), then the allocation (one arena per kind of
// tensor) and the initialisation, in the layers' order (the lecture's).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "families/family.h"
#include "model/model.h"
#include "settings/settings.h"

#define LIMIT ((int64_t)1 << 28) // floats in any one arena

// ---------------------------------------------------------------- shapes

// For a sequence family, each BatchNorm's pad_span: the padding positions a word has at
// its input, 1 + (k-1) * (the dilations of the convolutions above it), as when the
// convolutions run word by word without padding (see rows.c).
static void set_pad_spans(mm_model* m) {
    int above = 0;
    for (int i = m->n_layers - 1; i >= 0; i--) {
        layer* l = &m->L[i];
        if (l->type == L_BATCHNORM) l->pad_span = 1 + above;
        if (l->type == L_CONV1D) above += (l->n - 1) * l->dilation;
    }
}

// Each layer's inputs (earlier layers, or the tokens), its input shape, then its type's rule.
static int shapes(mm_model* m, mm_err* err) {
    for (int i = 0; i < m->n_layers; i++) {
        layer* l = &m->L[i];
        if (l->type < 0 || l->type >= L_N_TYPES) return mm_fail(err, MM_EINVAL, "layer %d has an unknown type %d", i, l->type);
        const layer_type* ty = mm_layer_types[l->type];
        const layer* in[MAX_IN] = {NULL};
        l->n_in = ty->n_in;
        for (int k = 0; k < ty->n_in; k++) {
            int tokens = k == 0 && ty->reads_tokens;
            if (tokens ? l->in[k] != IN_TOKENS : l->in[k] < 0 || l->in[k] >= i)
                return mm_fail(err, MM_EINVAL, "layer %d (%s) reads %s", i, ty->name,
                               tokens ? "something other than the tokens" : "an input that is not an earlier layer");
            if (!tokens) in[k] = &m->L[l->in[k]];
        }
        if (ty->reads_tokens) { l->T_in = m->seq ? 1 : m->cfg.block_size; l->C_in = 1; } // a row's token, or a context
        else { l->T_in = in[0]->T_out; l->C_in = in[0]->C_out; }
        int rc = ty->shape(l, in, err);
        if (rc) return rc;
    }
    const layer* last = &m->L[m->n_layers - 1];
    if (last->T_out != 1 || last->C_out != m->cfg.vocab_size)
        return mm_fail(err, MM_EINVAL, "the last layer gives (%d, %d) per example, not the (1, %d) logits", last->T_out, last->C_out,
                       m->cfg.vocab_size);
    return MM_OK;
}

// ---------------------------------------------------------------- layout

// Running sizes while the plan lays out memory.
typedef struct {
    int64_t params, buffers, acts, state, work, rows;
} sizes;

static int too_large(const sizes* s) { return s->params + s->buffers > LIMIT || s->acts > LIMIT || s->state > LIMIT || s->work > LIMIT; }

// The tensors layer i declares: its own parameters (or a shared one's offsets), buffers,
// per-row tensors, state and workspace.
static int place_layer(mm_model* m, int i, sizes* s, mm_err* err) {
    layer* l = &m->L[i];
    layer_decl d;
    mm_layer_declare(l, &d);
    for (int k = 0; k < d.n_params; k++) {
        int j = l->share[k];
        if (j < 0) { l->p[k] = (long)s->params; s->params += d.param[k].size; continue; }
        if (mm_layer_types[l->type]->one_block)
            return mm_fail(err, MM_EINVAL, "layer %d (%s) reads its parameters as one block: it cannot share one", i, mm_layer_types[l->type]->name);
        layer_decl dj;
        if (j >= i || m->L[j].type != l->type) return mm_fail(err, MM_EINVAL, "layer %d shares a parameter of layer %d, not an earlier layer of its type", i, j);
        mm_layer_declare(&m->L[j], &dj);
        if (k >= dj.n_params || dj.param[k].size != d.param[k].size || m->L[j].share[k] >= 0)
            return mm_fail(err, MM_EINVAL, "layer %d's parameter %d does not match layer %d's, which it shares", i, k, j);
        l->p[k] = m->L[j].p[k];
    }
    for (int k = 0; k < d.n_buffers; k++) { l->buf[k] = (long)s->buffers; s->buffers += d.buffer[k].size; }
    for (int k = 0; k < d.n_aux; k++) { l->aux[k] = (long)s->acts; s->acts += d.aux_per_row[k] * s->rows; }
    for (int k = 0; k < d.n_stats; k++) { l->stat[k] = (long)s->state; s->state += d.stat_size[k]; }
    l->n_p = d.n_params; l->n_buf = d.n_buffers; l->n_aux = d.n_aux; l->n_stat = d.n_stats;
    int64_t work = d.work + d.work_per_row * s->rows;
    if (work > s->work) s->work = work;
    return MM_OK;
}

// The layer whose memory index i's output is (views share their input's).
static int root(const mm_model* m, int i) {
    while (i >= 0 && mm_layer_types[m->L[i].type]->is_view) i = m->L[i].in[0];
    return i;
}

// Marks each input whose gradient a later reader (earlier in backward order) writes first: its
// gradient then goes to a temporary, added in. Returns the floats the temporaries need at once.
static int64_t mark_gradient_sums(mm_model* m, int64_t rows) {
    int readers[MAX_LAYERS];
    int64_t need = 0;
    memset(readers, 0, sizeof readers);
    for (int i = m->n_layers - 1; i >= 0; i--) {
        layer* l = &m->L[i];
        if (mm_layer_types[l->type]->is_view) continue;
        int64_t here = 0;
        for (int k = 0; k < l->n_in; k++) {
            int r = root(m, l->in[k]);
            l->din_tmp[k] = r >= 0 && readers[r] > 0;
            if (r < 0) continue;
            if (l->din_tmp[k]) here += (int64_t)m->L[r].T_out * m->L[r].C_out * rows;
            readers[r]++;
        }
        if (here > need) need = here;
    }
    return need;
}

// Every offset; then the arenas' sizes (every offset is at most LIMIT).
static int layout(mm_model* m, int max_batch, mm_err* err) {
    m->max_batch = max_batch;
    int64_t rows = 1 + (int64_t)max_batch * m->cfg.block_size; // a sequence family's rows: the padding row, a context each
    if (m->seq && rows > LIMIT / 8)
        return mm_fail(err, MM_EINVAL, "the model is too large: batch %d of contexts of %d makes more than %ld rows", max_batch,
                       m->cfg.block_size, (long)(LIMIT / 8));
    m->max_rows = m->seq ? (int)rows : 0;
    sizes s = {0, 0, 0, 0, 0, m->seq ? m->max_rows : max_batch};
    for (int i = 0; i < m->n_layers; i++) {
        layer* l = &m->L[i];
        if (mm_layer_types[l->type]->is_view) l->out = m->L[l->in[0]].out;
        else { l->out = (long)s.acts; s.acts += (int64_t)l->T_out * l->C_out * s.rows; }
        int rc = place_layer(m, i, &s, err);
        if (rc) return rc;
        if (too_large(&s))
            return mm_fail(err, MM_EINVAL, "the model is too large: more than %ld values in one block of %s (at batch %d%s): lower "
                           "batch_size or block_size", (long)LIMIT,
                           s.params + s.buffers > LIMIT ? "parameters" : s.acts > LIMIT ? "activations" : s.state > LIMIT ? "state" : "workspace",
                           max_batch, m->seq ? " examples of whole words" : "");
    }
    m->row_logits = m->L[m->n_layers - 1].out;
    m->logits = m->row_logits;
    if (m->seq) { // the examples' logits, gathered from their rows
        m->logits = (long)s.acts;
        s.acts += (int64_t)max_batch * m->cfg.vocab_size;
    }
    int64_t tmp = mark_gradient_sums(m, s.rows);
    if (too_large(&s) || tmp > LIMIT)
        return mm_fail(err, MM_EINVAL, "the model is too large: more than %ld values of activations (at batch %d)", (long)LIMIT, max_batch);
    m->n_params = (long)s.params; m->n_buffers = (long)s.buffers; m->n_acts = (long)s.acts;
    m->n_state = (long)s.state; m->n_work = (long)s.work; m->n_tmp = (long)tmp;
    return MM_OK;
}

// ---------------------------------------------------------------- the plan

// The family's layers of configuration c, planned into m (m may be a zeroed scratch model).
static int plan(mm_model* m, const mm_config* c, int max_batch, mm_err* err) {
    int rc = mm_config_validate(c, err);
    if (rc) return rc;
    const mm_family* fam = mm_family_of(c);
    if (!fam) return mm_fail(err, MM_EINVAL, "unknown model family %d", c->form);
    if ((rc = fam->check(c, err))) return rc;
    m->cfg = *c;
    m->family = fam;
    m->seq = fam->sequence;
    mm_builder b = {m->L, 0, MAX_LAYERS};
    if ((rc = fam->build(&b, c, err))) return rc;
    m->n_layers = b.n; // the builder counts past MAX_LAYERS: mm_model_plan_layers refuses it
    return mm_model_plan_layers(m, max_batch, err);
}

int mm_model_plan_layers(mm_model* m, int max_batch, mm_err* err) {
    if (max_batch < 1 || max_batch > MM_MAX_BATCH)
        return mm_fail(err, MM_EINVAL, "batch size %d is outside 1..%d", max_batch, MM_MAX_BATCH);
    if (m->n_layers > MAX_LAYERS) return mm_fail(err, MM_EINVAL, "the model has more than %d layers", MAX_LAYERS);
    if (m->n_layers < 1) return mm_fail(err, MM_EINVAL, "a model has 1..%d layers, not %d", MAX_LAYERS, m->n_layers);
    set_pad_spans(m);
    int rc = shapes(m, err);
    return rc ? rc : layout(m, max_batch, err);
}

int mm_config_check(const mm_config* cfg, long* n_params, mm_err* err) {
    mm_model* m = calloc(1, sizeof *m);
    if (!m) return mm_fail(err, MM_ENOMEM, "out of memory");
    int rc = plan(m, cfg, 1, err);
    if (!rc && n_params) *n_params = m->n_params;
    free(m);
    return rc;
}

int mm_model_plan_config(mm_model* m, const mm_config* c, int max_batch, mm_err* err) { return plan(m, c, max_batch, err); }

// ---------------------------------------------------------------- tensors and initialisation

// "<prefix>.<what>", or the prefix alone (a bare parameter); the prefix "layers.<i>" unless named.
static void add_tensor(mm_model* m, int i, const tensor_decl* t, long offset, int is_buffer) {
    const layer* l = &m->L[i];
    char prefix[32];
    if (l->name[0]) snprintf(prefix, sizeof prefix, "%s", l->name);
    else snprintf(prefix, sizeof prefix, "layers.%d", i);
    mm_tensor_info* ti = &m->tensors[m->n_tensors];
    if (l->bare) snprintf(m->names[m->n_tensors], sizeof m->names[0], "%s", prefix);
    else if (t->top) snprintf(m->names[m->n_tensors], sizeof m->names[0], "%s", t->what);
    else snprintf(m->names[m->n_tensors], sizeof m->names[0], "%s.%s", prefix, t->what);
    ti->name = m->names[m->n_tensors];
    ti->ndim = t->ndim;
    memcpy(ti->shape, t->shape, sizeof ti->shape);
    ti->size = t->size;
    ti->offset = offset;
    ti->is_buffer = is_buffer;
    ti->is_variance = t->is_variance;
    m->n_tensors++;
}

// Fills x (n) as the declaration says: zeros, ones, randn, randn / sqrt(fan_in), torch's uniform, a causal
// mask; gain scales (0: none).
static void init_values(float* x, const tensor_decl* t, float gain, int zeros, mm_rng* r) {
    float scale = (float)sqrt((double)t->fan_in);
    if (!zeros && t->init == INIT_UNIFORM) { // U(-bound, bound), bound = 1/sqrt(fan_in)
        float bound = 1.0f / scale;
        for (long k = 0; k < t->size; k++) x[k] = (2.0f * mm_rng_uniform(r) - 1.0f) * bound;
        return;
    }
    if (!zeros && t->init == INIT_TRIL) { // (..., n, n): 1 on and below the diagonal
        int n = t->shape[t->ndim - 1];
        for (long k = 0; k < t->size; k++) x[k] = (k % n) <= (k / n) % n ? 1.0f : 0.0f;
        return;
    }
    for (long k = 0; k < t->size; k++) {
        float v = zeros || t->init == INIT_ZEROS ? 0.0f : t->init == INIT_ONES ? 1.0f : mm_rng_normal(r);
        if (!zeros && t->init == INIT_FAN_IN) v = v / scale;
        if (gain != 0.0f) v = v * gain;
        x[k] = v;
    }
}

// Names every tensor and initialises the parameters and buffers, layer by layer (the lecture's order).
static int init_tensors(mm_model* m, uint64_t seed, mm_err* err) {
    mm_rng r;
    mm_rng_seed(&r, seed);
    m->n_tensors = 0;
    for (int i = 0; i < m->n_layers; i++) {
        const layer* l = &m->L[i];
        layer_decl d;
        mm_layer_declare(l, &d);
        if (m->n_tensors + d.n_params + d.n_buffers > MAX_TENSORS)
            return mm_fail(err, MM_EINVAL, "the model has more than %d tensors", MAX_TENSORS);
        for (int k = 0; k < d.n_params; k++) {
            if (l->share[k] >= 0) continue; // another layer's
            add_tensor(m, i, &d.param[k], l->p[k], 0);
            init_values(m->params + l->p[k], &d.param[k], k == 0 ? l->init_gain : 0.0f, l->init_zeros, &r);
        }
        for (int k = 0; k < d.n_buffers; k++) {
            add_tensor(m, i, &d.buffer[k], l->buf[k], 1);
            init_values(m->buffers + l->buf[k], &d.buffer[k], 0.0f, 0, &r);
        }
    }
    return MM_OK;
}

// The token names: the given code points (checked), or '.', 'a', 'b', ...
static int set_codepoints(mm_model* m, const uint32_t* codepoints, mm_err* err) {
    int V = m->cfg.vocab_size;
    if (codepoints) memcpy(m->codepoints, codepoints, sizeof(uint32_t) * (size_t)V);
    else for (int i = 0; i < V; i++) m->codepoints[i] = i == 0 ? '.' : (uint32_t)('a' + i - 1);
    for (int i = 1; i < V; i++) {
        uint32_t cp = m->codepoints[i];
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || (cp < 0x20 && cp != '\t') || (i > 1 && cp <= m->codepoints[i - 1]))
            return mm_fail(err, MM_EINVAL, "vocabulary entry %d (U+%04X) is not a character or not in increasing order", i, cp);
    }
    return MM_OK;
}

static int allocate(mm_model* m) {
    m->params = calloc((size_t)m->n_params + (size_t)m->n_buffers + 1, sizeof(float));
    m->grads = calloc((size_t)m->n_params + 1, sizeof(float));
    m->acts = calloc(2 * (size_t)m->n_acts + 1, sizeof(float));
    m->state = calloc((size_t)m->n_state + 1, sizeof(float));
    m->work = calloc((size_t)m->n_work + 1, sizeof(float));
    m->tmp = calloc((size_t)m->n_tmp + 1, sizeof(float));
    m->codepoints = calloc((size_t)m->cfg.vocab_size, sizeof(uint32_t));
    if (m->seq) {
        m->row_tok = calloc((size_t)m->max_rows, sizeof(uint16_t));
        m->row_pos = calloc((size_t)m->max_rows, sizeof(int));
        m->ex_row = calloc((size_t)m->max_batch, sizeof(int));
    }
    if (!m->params || !m->grads || !m->acts || !m->state || !m->work || !m->tmp || !m->codepoints ||
        (m->seq && (!m->row_tok || !m->row_pos || !m->ex_row)))
        return MM_ENOMEM;
    m->buffers = m->params + m->n_params;
    m->dacts = m->acts + m->n_acts;
    return MM_OK;
}

mm_model* mm_model_finish(mm_model* m, const uint32_t* codepoints, uint64_t seed, mm_err* err) {
    m->eng.k = mm_kernels_for(MM_ENGINE_REPRODUCIBLE);
    m->eng.pool = NULL;
    if (allocate(m)) {
        mm_model_free(m);
        mm_fail(err, MM_ENOMEM, "out of memory creating the model");
        return NULL;
    }
    if (set_codepoints(m, codepoints, err) || init_tensors(m, seed, err)) { mm_model_free(m); return NULL; }
    return m;
}

mm_model* mm_model_new(const mm_config* cfg, const uint32_t* codepoints, uint64_t seed, int max_batch, mm_err* err) {
    mm_model* m = calloc(1, sizeof *m);
    if (!m) { mm_fail(err, MM_ENOMEM, "out of memory creating the model"); return NULL; }
    if (plan(m, cfg, max_batch, err)) { free(m); return NULL; }
    return mm_model_finish(m, codepoints, seed, err);
}

mm_model* mm_model_new_layers(const mm_config* cfg, const layer* L, int n_layers, uint64_t seed, int max_batch, mm_err* err) {
    if (mm_config_validate(cfg, err)) return NULL;
    if (n_layers < 1 || n_layers > MAX_LAYERS) { mm_fail(err, MM_EINVAL, "a model has 1..%d layers, not %d", MAX_LAYERS, n_layers); return NULL; }
    mm_model* m = calloc(1, sizeof *m);
    if (!m) { mm_fail(err, MM_ENOMEM, "out of memory creating the model"); return NULL; }
    m->cfg = *cfg;
    m->family = mm_family_of(cfg);
    m->seq = m->family && m->family->sequence;
    memcpy(m->L, L, sizeof(layer) * (size_t)n_layers);
    m->n_layers = n_layers;
    if (mm_model_plan_layers(m, max_batch, err)) { free(m); return NULL; }
    return mm_model_finish(m, NULL, seed, err);
}
