// model/run.c: the executor: forward over the layer list (or a fast pass in
// place of the layers it covers), the loss, backward in reverse order with the
// gradients of outputs read by several layers summed, and evaluation.
#include <math.h>
#include <string.h>
#include "families/family.h"
#include "fast/pass.h"
#include "model/model.h"

long mm_model_rows(const mm_model* m, int B) { return m->seq ? m->n_rows : B; }
const uint16_t* mm_model_tokens(const mm_model* m, const uint16_t* X) { return m->seq ? m->row_tok : X; }

// ---------------------------------------------------------------- one layer

void mm_layer_run_init(mm_model* m, int i, long rows, int training, int backward, layer_run* r) {
    const layer* l = &m->L[i];
    memset(r, 0, sizeof *r);
    r->eng = &m->eng;
    r->rows = rows;
    r->tok = m->seq ? m->row_tok : NULL; // the executor sets the examples' tokens
    r->pos = m->seq ? m->row_pos : NULL;
    r->n_pad = m->n_pad;
    r->training = training;
    r->out = m->acts + l->out;
    if (backward) r->dout = m->dacts + l->out;
    float* tmp = m->tmp;
    for (int k = 0; k < l->n_in; k++) {
        if (l->in[k] < 0) continue;
        const layer* src = &m->L[l->in[k]];
        r->in[k] = m->acts + src->out;
        if (!backward) continue;
        if (l->din_tmp[k]) { r->din[k] = tmp; tmp += rows * src->T_out * src->C_out; }
        else r->din[k] = m->dacts + src->out;
    }
    for (int k = 0; k < l->n_p; k++) { r->p[k] = m->params + l->p[k]; r->g[k] = m->grads + l->p[k]; }
    for (int k = 0; k < l->n_buf; k++) r->buf[k] = m->buffers + l->buf[k];
    for (int k = 0; k < l->n_aux; k++) { r->aux[k] = m->acts + l->aux[k]; r->daux[k] = m->dacts + l->aux[k]; }
    for (int k = 0; k < l->n_stat; k++) r->stat[k] = m->state + l->stat[k];
    r->work = m->work;
}

void mm_layer_call(mm_model* m, const layer* l, layer_run* r, int backward) {
    double t0 = mm_prof_start(&m->prof);
    if (backward) mm_layer_types[l->type]->backward(l, r);
    else mm_layer_types[l->type]->forward(l, r);
    mm_prof_add(&m->prof, PROF_LAYER(l->type, backward), t0);
}

void mm_layer_forward(mm_model* m, int i, layer_run* r) { mm_layer_call(m, &m->L[i], r, 0); }

void mm_layer_backward(mm_model* m, int i, layer_run* r) {
    const layer* l = &m->L[i];
    mm_layer_call(m, l, r, 1);
    double t0 = mm_prof_start(&m->prof);
    for (int k = 0; k < l->n_in; k++) { // a gradient a later reader wrote first: add this one
        if (!l->din_tmp[k] || !r->din[k]) continue;
        const layer* src = &m->L[l->in[k]];
        float* d = m->dacts + src->out;
        long n = r->rows * src->T_out * src->C_out;
        for (long j = 0; j < n; j++) d[j] += r->din[k][j];
    }
    mm_prof_add(&m->prof, PROF_LAYER(l->type, 1), t0);
}

// ---------------------------------------------------------------- forward and backward

// Whether chosen pass k runs now (a plain run: not those that run layers on rows of their own).
static int pass_on(const mm_model* m, int k) { return !(m->plain && m->passes->at[k].pass->own_rows); }
// The pass that runs from layer i (-1: none).
static int pass_at(const mm_model* m, int i) {
    const struct mm_pass_set* s = m->passes;
    for (int k = 0; s && k < s->n; k++)
        if (s->at[k].first == i && pass_on(m, k)) return k;
    return -1;
}
// The pass that runs to layer i, for backward (-1: none).
static int pass_to(const mm_model* m, int i) {
    const struct mm_pass_set* s = m->passes;
    for (int k = 0; s && k < s->n; k++)
        if (s->at[k].last == i && pass_on(m, k) && pass_at(m, s->at[k].first) == k) return k;
    return -1;
}

// Forward pass of B examples X (B, block). training: batch statistics (kept for the
// running update and backward), else the running statistics.
static void forward(mm_model* m, const uint16_t* X, int B, int training) {
    m->forwards++;
    if (m->seq) {
        double t0 = mm_prof_start(&m->prof);
        mm_rows_plan(m, X, B);
        mm_prof_add(&m->prof, PROF_ROWS, t0);
    }
    long rows = mm_model_rows(m, B);
    int logits_done = 0;
    for (int i = 0; i < m->n_layers;) {
        int k = pass_at(m, i);
        if (k >= 0) {
            const struct mm_pass_set* s = m->passes;
            s->at[k].pass->forward(m, s->at[k].st, X, B, training);
            logits_done |= s->at[k].pass->writes_logits;
            i = s->at[k].last + 1;
            continue;
        }
        if (!mm_layer_types[m->L[i].type]->is_view) { // a view: the same memory, a new shape
            layer_run r;
            mm_layer_run_init(m, i, rows, training, 0, &r);
            if (!m->seq) r.tok = X;
            mm_layer_forward(m, i, &r);
        }
        i++;
    }
    if (m->seq && !logits_done) mm_rows_gather_logits(m, B);
}

static void backward(mm_model* m, const uint16_t* X, int B) {
    const struct mm_pass_set* s = m->passes;
    int k = pass_to(m, m->n_layers - 1);
    if (k >= 0 && s->at[k].pass->writes_logits) { s->at[k].pass->backward(m, s->at[k].st, X, B); return; }
    if (m->seq) mm_rows_scatter_dlogits(m, B);
    long rows = mm_model_rows(m, B);
    for (int i = m->n_layers - 1; i >= 0; i--) {
        k = pass_to(m, i);
        if (k >= 0) { // a pass's layers, from the last it covers
            s->at[k].pass->backward(m, s->at[k].st, X, B);
            i = s->at[k].first;
            continue;
        }
        if (mm_layer_types[m->L[i].type]->is_view) continue; // its gradient is its input's
        layer_run r;
        mm_layer_run_init(m, i, rows, 1, 1, &r);
        if (!m->seq) r.tok = X;
        mm_layer_backward(m, i, &r);
    }
}

// Cross-entropy of logits (B, V) against Y: each row's loss is added, in row
// order, to *total (so a split evaluated in any chunks sums alike). With
// dlogits, also writes (softmax - onehot) * scale.
static void cross_entropy(const mm_kernels* k, const float* logits, const uint16_t* Y, int B, int V, float* dlogits, float scale,
                          double* total) {
    float e[MM_MAX_VOCAB];
    for (int b = 0; b < B; b++) {
        const float* l = logits + (long)b * V;
        float mx = l[0];
        for (int v = 1; v < V; v++) if (l[v] > mx) mx = l[v];
        k->exp_shift(e, l, mx, V); // e[v] = mm_expf(l[v] - mx), vectorised
        float s = 0.0f;
        for (int v = 0; v < V; v++) s += e[v];
        float lse = mx + mm_logf(s);
        *total += (double)(lse - l[Y[b]]);
        if (dlogits) {
            float* d = dlogits + (long)b * V;
            float invs = 1.0f / s;
            for (int v = 0; v < V; v++) d[v] = e[v] * invs * scale;
            d[Y[b]] -= scale;
        }
    }
}

// ---------------------------------------------------------------- the API

static int check_batch(const mm_model* m, const uint16_t* X, const uint16_t* Y, int B, int training, mm_err* err) {
    if (!X || (training && !Y)) return mm_fail(err, MM_EINVAL, "no batch given");
    if (B < 1 || B > m->max_batch) return mm_fail(err, MM_EINVAL, "batch of %d is outside 1..%d", B, m->max_batch);
    if (training && B < 2) return mm_fail(err, MM_EINVAL, "training needs a batch of at least 2 (BatchNorm's unbiased variance)");
    long n = (long)B * m->cfg.block_size;
    for (long k = 0; k < n; k++)
        if (X[k] >= m->cfg.vocab_size) return mm_fail(err, MM_EINVAL, "token %d is outside the vocabulary of %d", X[k], m->cfg.vocab_size);
    if (Y)
        for (int b = 0; b < B; b++)
            if (Y[b] >= m->cfg.vocab_size) return mm_fail(err, MM_EINVAL, "target %d is outside the vocabulary of %d", Y[b], m->cfg.vocab_size);
    if (m->family && m->family->words) // makemore.py's models read a word from its start: at most block_size - 1 characters
        for (int b = 0; b < B; b++)
            if (X[(long)b * m->cfg.block_size] != 0)
                return mm_fail(err, MM_EINVAL, "context %d has no start: %s reads whole words of at most block_size - 1 = %d characters",
                               b, m->family->name, m->cfg.block_size - 1);
    return MM_OK;
}

void mm_model_zero_grad(mm_model* m) { memset(m->grads, 0, sizeof(float) * (size_t)m->n_params); }

// Forward, loss and backward of a checked batch, adding into the gradients.
static void accumulate(mm_model* m, const uint16_t* X, const uint16_t* Y, int B, float* loss) {
    forward(m, X, B, 1);
    double total = 0.0, t0 = mm_prof_start(&m->prof);
    cross_entropy(m->eng.k, m->acts + m->logits, Y, B, m->cfg.vocab_size, m->dacts + m->logits, 1.0f / (float)B, &total);
    mm_prof_add(&m->prof, PROF_LOSS, t0);
    *loss = (float)(total / B);
    backward(m, X, B);
}

int mm_model_accumulate(mm_model* m, const uint16_t* X, const uint16_t* Y, int B, float* loss, mm_err* err) {
    int rc = check_batch(m, X, Y, B, 1, err);
    if (!rc) accumulate(m, X, Y, B, loss);
    return rc;
}

int mm_model_forward_backward(mm_model* m, const uint16_t* X, const uint16_t* Y, int B, float* loss, mm_err* err) {
    int rc = check_batch(m, X, Y, B, 1, err);
    if (rc) return rc;
    mm_model_zero_grad(m);
    accumulate(m, X, Y, B, loss);
    return MM_OK;
}

const float* mm_model_eval_logits(mm_model* m, const uint16_t* X, int B, mm_err* err) {
    if (check_batch(m, X, NULL, B, 0, err)) return NULL;
    forward(m, X, B, 0);
    return m->acts + m->logits;
}

int mm_model_eval_range(mm_model* m, const mm_dataset* d, int start, int count, double* total, mm_err* err) {
    if (!d || d->n < 1) return mm_fail(err, MM_EINVAL, "the split is empty (the word list is too short to have one)");
    if (d->block_size != m->cfg.block_size)
        return mm_fail(err, MM_EINVAL, "dataset block size %d does not match the model's %d", d->block_size, m->cfg.block_size);
    if (start < 0 || count < 0 || start > d->n || count > d->n - start)
        return mm_fail(err, MM_EINVAL, "examples %d..%d are outside the split's 0..%d", start, start + count, d->n);
    for (int at = start; at < start + count; at += m->max_batch) {
        int B = start + count - at < m->max_batch ? start + count - at : m->max_batch;
        const uint16_t* X = d->X + (long)at * d->block_size;
        int rc = check_batch(m, X, d->Y + at, B, 0, err);
        if (rc) return rc;
        forward(m, X, B, 0);
        cross_entropy(m->eng.k, m->acts + m->logits, d->Y + at, B, m->cfg.vocab_size, NULL, 0.0f, total);
    }
    return MM_OK;
}

int mm_model_eval(mm_model* m, const mm_dataset* d, float* loss, mm_err* err) {
    double total = 0.0;
    int rc = mm_model_eval_range(m, d, 0, d ? d->n : 0, &total, err);
    if (rc) return rc;
    *loss = (float)(total / d->n);
    return MM_OK;
}

// ---------------------------------------------------------------- extending the rows (sampling)

void mm_model_set_extend(mm_model* m, int on) { m->no_extend = !on; }

int mm_model_can_extend(const mm_model* m) {
    if (!m->seq || m->passes || m->no_extend) return 0;
    for (int i = 0; i < m->n_layers; i++) {
        const layer_type* ty = mm_layer_types[m->L[i].type];
        if (!ty->is_view && !ty->row_local && !ty->extends) return 0;
    }
    return 1;
}

static void rows_reset(mm_model* m) {
    m->n_rows = 1;
    m->n_pad = 1;
    m->row_tok[0] = 0;
    m->row_pos[0] = -1;
}

// Layer i's forward on rows from..n_rows-1: a row-local type on those rows alone (its pointers moved
// past the rows before), a type that extends told where to start.
static void forward_from(mm_model* m, int i, long from) {
    const layer* l = &m->L[i];
    const layer_type* ty = mm_layer_types[l->type];
    layer_run r;
    mm_layer_run_init(m, i, m->n_rows, 0, 0, &r);
    r.from = from;
    if (ty->row_local) {
        for (int k = 0; k < l->n_in; k++)
            if (l->in[k] >= 0) r.in[k] += from * (long)m->L[l->in[k]].T_out * m->L[l->in[k]].C_out;
        r.out += from * (long)l->T_out * l->C_out;
        r.tok += from;
        r.pos += from;
        r.rows -= from;
    }
    mm_layer_forward(m, i, &r);
}

const float* mm_model_extend(mm_model* m, int tok, mm_err* err) {
    if (!mm_model_can_extend(m)) { mm_fail(err, MM_EINVAL, "this model cannot extend its rows"); return NULL; }
    if (tok < 0 || tok >= m->cfg.vocab_size) { mm_fail(err, MM_EINVAL, "token %d is outside the vocabulary of %d", tok, m->cfg.vocab_size); return NULL; }
    if (m->n_rows >= m->max_rows || m->n_rows > m->cfg.block_size) { mm_fail(err, MM_EINVAL, "the word is longer than the block size"); return NULL; }
    long R = m->n_rows++;
    m->row_tok[R] = (uint16_t)tok;
    m->row_pos[R] = (int)R - 1;
    for (int i = 0; i < m->n_layers; i++)
        if (!mm_layer_types[m->L[i].type]->is_view) forward_from(m, i, R);
    return m->acts + m->row_logits + R * m->cfg.vocab_size;
}

const float* mm_model_rows_start(mm_model* m, mm_err* err) {
    if (!mm_model_can_extend(m)) { mm_fail(err, MM_EINVAL, "this model cannot extend its rows"); return NULL; }
    rows_reset(m);
    for (int i = 0; i < m->n_layers; i++)
        if (!mm_layer_types[m->L[i].type]->is_view) forward_from(m, i, 0);
    return m->acts + m->row_logits;
}

// ---------------------------------------------------------------- the passes, for the statistics

int mm_model_passes_own_rows(const mm_model* m) {
    for (int k = 0; m->passes && k < m->passes->n; k++)
        if (m->passes->at[k].pass->own_rows) return 1;
    return 0;
}

void mm_model_passes_fill(mm_model* m, const uint16_t* X, int B) {
    for (int i = 0; i < m->n_layers; i++) {
        int k = pass_at(m, i);
        if (k >= 0 && m->passes->at[k].pass->fill) m->passes->at[k].pass->fill(m, m->passes->at[k].st, X, B);
    }
}

void mm_model_set_plain(mm_model* m, int plain) { m->plain = plain; }

void mm_model_after_step(mm_model* m) {
    for (int i = 0; i < m->n_layers; i++) {
        const layer_type* ty = mm_layer_types[m->L[i].type];
        if (!ty->after_step) continue;
        layer_run r;
        mm_layer_run_init(m, i, 0, 1, 0, &r);
        ty->after_step(&m->L[i], &r);
    }
}

void mm_model_layer_values(const mm_model* m, int i, int B, mm_layer_values* v) {
    const layer* l = &m->L[i];
    v->type = l->type;
    v->view_of = mm_layer_types[l->type]->is_view ? l->in[0] : -1;
    v->rows = mm_model_rows(m, B);
    v->T = l->T_out;
    v->C = l->C_out;
    v->out = m->acts + l->out;
    v->dout = m->dacts + l->out;
    layer_decl d;
    mm_layer_declare(l, &d);
    v->aux = l->n_aux ? m->acts + l->aux[0] : NULL;
    v->aux_per_row = l->n_aux ? (long)d.aux_per_row[0] : 0;
}
