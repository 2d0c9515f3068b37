// model.c: a model as a list of layers (layers.h). Made in separate steps:
// build (the configuration's layer list), shapes (each layer's rule), layout
// (every offset, before anything is allocated), allocation (one arena per kind
// of tensor) and initialisation; then forward, loss and backward over the list,
// and evaluation.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/layer.h"

// ---------------------------------------------------------------- build: the lecture's Sequential

static layer* add_layer(mm_model* m, int type, int in0, int in1) {
    layer* l = &m->L[m->n_layers];
    memset(l, 0, sizeof *l);
    l->type = type;
    l->in[0] = in0;
    l->in[1] = in1;
    l->w = l->b = l->rm = l->rv = l->xhat = -1;
    l->pad_span = 1;
    m->n_layers++;
    return l;
}

// A Linear with a bias (the output layer, the gated form's 1x1 convolutions).
static layer* add_linear(mm_model* m, int in, int C_out) {
    layer* l = add_layer(m, L_LINEAR, in, 0);
    l->C_out = C_out;
    l->has_bias = 1;
    return l;
}

// A hidden block: Linear (no bias: BatchNorm's beta), BatchNorm1d, Tanh after layer `in`; returns the Tanh.
static int hidden_block(mm_model* m, const mm_config* c, int in) {
    layer* l = add_layer(m, L_LINEAR, in, 0);
    l->C_out = c->n_hidden;
    l = add_layer(m, L_BATCHNORM, m->n_layers - 1, 0);
    l->stat_T = c->bn_mode == MM_BN_PER_POSITION; // per position: shape sets stat_T to the length
    add_layer(m, L_TANH, m->n_layers - 1, 0);
    return m->n_layers - 1;
}

// Embedding, then FlattenConsecutive and hidden blocks (flat: one Flatten of the
// whole context, then n_flat_layers blocks, each after the first with an Add of
// its input if residual; hierarchical: Flatten(k) and a block until the length
// is 1), then the Linear to the vocabulary.
static void build_examples(mm_model* m, const mm_config* c, int at) {
    if (c->n_consec) {
        for (int T = c->block_size; T > 1; T /= c->n_consec) {
            add_layer(m, L_FLATTEN, at, 0)->n = c->n_consec;
            at = hidden_block(m, c, m->n_layers - 1);
        }
    } else {
        add_layer(m, L_FLATTEN, at, 0)->n = c->block_size;
        at = m->n_layers - 1;
        for (int b = 0; b < c->n_flat_layers; b++) {
            int out = hidden_block(m, c, at);
            if (c->residual && b > 0) { // h + tanh(bn(linear(h)))
                add_layer(m, L_ADD, out, at);
                out = m->n_layers - 1;
            }
            at = out;
        }
    }
    add_linear(m, at, c->vocab_size);
}

static layer* add_conv(mm_model* m, int in, int k, int dilation, int C_out, int bias) {
    layer* l = add_layer(m, L_CONV1D, in, 0);
    l->n = k; l->dilation = dilation; l->C_out = C_out; l->has_bias = bias;
    return l;
}

// Sets each BatchNorm's pad_span: the padding positions a word has at its input,
// 1 + (k-1) * (the dilations of the convolutions above it), as when the
// convolutions run word by word without padding (see model.c's row plan).
static void set_pad_spans(mm_model* m) {
    int above = 0;
    for (int i = m->n_layers - 1; i >= 0; i--) {
        layer* l = &m->L[i];
        if (l->type == L_BATCHNORM) l->pad_span = 1 + above;
        if (l->type == L_CONV1D) above += (l->n - 1) * l->dilation;
    }
}

// The hierarchical model as dilated causal convolutions: Conv1d(k, dilation k^level)
// in the place of FlattenConsecutive(k) + Linear, named as the lecture's layers.
static void build_conv(mm_model* m, const mm_config* c) {
    int k = c->n_consec, at = 0, level = 0;
    for (int d = 1; d < c->block_size; d *= k, level++) {
        add_conv(m, at, k, d, c->n_hidden, 0)->name_at = level + 1; // the lecture's Flatten before each Linear
        layer* l = add_layer(m, L_BATCHNORM, m->n_layers - 1, 0);
        l->name_at = level + 1;
        add_layer(m, L_TANH, m->n_layers - 1, 0)->name_at = level + 1;
        at = m->n_layers - 1;
    }
    add_linear(m, at, c->vocab_size)->name_at = level;
}


// Gated residual blocks (the WaveNet paper's figure 4): per block a dilated causal
// Conv1d to 2 * n_hidden, [BatchNorm1d,] the gate tanh(filter) * sigmoid(gate),
// a 1x1 (Linear) back to n_embd added to the block's input (not in the last
// block: nothing reads it) and a 1x1 to the skip width, summed over the blocks;
// then ReLU, 1x1, ReLU, 1x1 to the logits.
static void build_gated(mm_model* m, const mm_config* c) {
    int k = c->n_consec, x = 0, skip = -1, d = 1;
    for (int b = 0; b < c->n_blocks; b++) {
        if (c->dilation_cycle && b % c->dilation_cycle == 0) d = 1;
        add_conv(m, x, k, d, 2 * c->n_hidden, c->gated_norm == MM_GATED_NO_NORM);
        d *= k;
        if (c->gated_norm == MM_GATED_BATCHNORM) add_layer(m, L_BATCHNORM, m->n_layers - 1, 0);
        add_layer(m, L_GATE, m->n_layers - 1, 0);
        int z = m->n_layers - 1;
        if (b + 1 < c->n_blocks) {
            add_linear(m, z, c->n_embd);
            add_layer(m, L_ADD, m->n_layers - 1, x);
            x = m->n_layers - 1;
        }
        add_linear(m, z, c->n_skip);
        if (skip >= 0) add_layer(m, L_ADD, skip, m->n_layers - 1);
        skip = m->n_layers - 1;
    }
    add_layer(m, L_RELU, skip, 0);
    add_linear(m, m->n_layers - 1, c->n_skip);
    add_layer(m, L_RELU, m->n_layers - 1, 0);
    add_linear(m, m->n_layers - 1, c->vocab_size);
}

static int build(mm_model* m, const mm_config* c, mm_err* err) {
    m->n_layers = 0;
    layer* l = add_layer(m, L_EMBED, IN_TOKENS, 0);
    l->n = c->vocab_size;
    l->C_out = c->n_embd;
    int max_blocks = c->form == MM_FORM_GATED ? c->n_blocks : 0;
    if (1 + 7 * max_blocks + 4 > MAX_LAYERS) return mm_fail(err, MM_EINVAL, "the model has more than %d layers", MAX_LAYERS);
    if (c->form == MM_FORM_CONV) build_conv(m, c);
    else if (c->form == MM_FORM_GATED) build_gated(m, c);
    else build_examples(m, c, 0);
    if (m->n_layers > MAX_LAYERS) return mm_fail(err, MM_EINVAL, "the model has more than %d layers", MAX_LAYERS);
    return MM_OK;
}

// The receptive field of the gated form's dilations: 1 + (k-1) * their sum.
static long gated_field(const mm_config* c) {
    long sum = 0, d = 1;
    for (int b = 0; b < c->n_blocks; b++) {
        if (c->dilation_cycle && b % c->dilation_cycle == 0) d = 1;
        sum += d;
        if (sum > MM_MAX_BLOCK) break;
        d *= c->n_consec;
    }
    return 1 + (long)(c->n_consec - 1) * sum;
}

static int check_gated(const mm_config* c, mm_err* err) {
    if (c->n_blocks < 1) return mm_fail(err, MM_EINVAL, "a gated model needs at least 1 block (gated blocks is 0)");
    if (c->n_skip < 1) return mm_fail(err, MM_EINVAL, "a gated model needs a skip width of at least 1 (skip width is 0)");
    if (c->n_consec < 2)
        return mm_fail(err, MM_EINVAL, "a gated model needs a kernel size (the group size) of at least 2, not %d", c->n_consec);
    long field = gated_field(c);
    if (field > MM_MAX_BLOCK)
        return mm_fail(err, MM_EINVAL, "the gated model's dilations (%d blocks of kernel %d, cycle %d) cover more than %d positions, "
                       "the largest block size", c->n_blocks, c->n_consec, c->dilation_cycle, MM_MAX_BLOCK);
    if (field != c->block_size)
        return mm_fail(err, MM_EINVAL,
                       "the gated model's dilations (%d blocks of kernel %d, cycle %d) cover %ld positions, not the block size %d: "
                       "set the block size to %ld or change the blocks",
                       c->n_blocks, c->n_consec, c->dilation_cycle, field, c->block_size, field);
    return MM_OK;
}

// The structural rules of a configuration whose fields are within their limits.
static int check_structure(const mm_config* c, mm_err* err) {
    if (c->form != MM_FORM_EXAMPLES && c->bn_mode != MM_BN_FIXED)
        return mm_fail(err, MM_EINVAL, "the %s form needs BatchNorm mode fixed: per-position statistics are of examples",
                       c->form == MM_FORM_CONV ? "conv" : "gated");
    if (c->form != MM_FORM_EXAMPLES && c->residual)
        return mm_fail(err, MM_EINVAL, "residual connections belong to the flat MLP (the gated form has its own)");
    if (c->form == MM_FORM_GATED) return check_gated(c, err);
    if (c->residual && c->n_consec)
        return mm_fail(err, MM_EINVAL, "residual connections need a flat model (hierarchical group size 0, not %d): a hierarchical "
                       "block's output is shorter than its input", c->n_consec);
    if (c->form == MM_FORM_CONV && c->n_consec == 0)
        return mm_fail(err, MM_EINVAL, "the conv form needs a hierarchical group size (the kernel size) of at least 2, not 0");
    if (c->n_consec == 0) return MM_OK;
    if (c->n_consec < 2 || c->n_consec > c->block_size)
        return mm_fail(err, MM_EINVAL, "hierarchical group size %d must be 2..block size (%d)", c->n_consec, c->block_size);
    int t = c->block_size;
    while (t % c->n_consec == 0) t /= c->n_consec;
    if (t != 1)
        return mm_fail(err, MM_EINVAL, "a %s model needs the block size (%d) to be a power of the group size (%d)%s",
                       c->form == MM_FORM_CONV ? "conv" : "hierarchical", c->block_size, c->n_consec,
                       c->form == MM_FORM_CONV ? ": its dilations 1, k, k^2, ... cover a power of k" : "");
    return MM_OK;
}

// ---------------------------------------------------------------- shapes

// Each layer's input shape from its first input, then its own rule.
static int shapes(mm_model* m, mm_err* err) {
    for (int i = 0; i < m->n_layers; i++) {
        layer* l = &m->L[i];
        const layer_type* ty = mm_layer_types[l->type];
        for (int k = 0; k < ty->n_in; k++) {
            int tokens = k == 0 && ty->reads_tokens;
            if (tokens ? l->in[k] != IN_TOKENS : l->in[k] < 0 || l->in[k] >= i)
                return mm_fail(err, MM_EINVAL, "layer %d (%s) reads %s", i, ty->name,
                               tokens ? "something other than the tokens" : "an input that is not an earlier layer");
        }
        if (l->in[0] == IN_TOKENS) { l->T_in = m->seq ? 1 : m->cfg.block_size; l->C_in = 1; } // a row's token, or a context
        else { l->T_in = m->L[l->in[0]].T_out; l->C_in = m->L[l->in[0]].C_out; }
        int rc = ty->shape(l, ty->n_in > 1 ? &m->L[l->in[1]] : NULL, err);
        if (rc) return rc;
    }
    return MM_OK;
}

// ---------------------------------------------------------------- layout

// The layer whose memory index i's output is (views share their input's).
static int root(const mm_model* m, int i) {
    while (i >= 0 && mm_layer_types[m->L[i].type]->is_view) i = m->L[i].in[0];
    return i;
}

// Marks, for each input, whether a later reader (earlier in backward order) has
// already written that output's gradient; returns the floats one gradient-sum
// buffer needs (0: a chain, nothing to add). readers[r] counts r's readers.
static int64_t mark_gradient_sums(mm_model* m, int readers[MAX_LAYERS]) {
    int64_t need = 0;
    memset(readers, 0, sizeof(int) * MAX_LAYERS);
    for (int i = m->n_layers - 1; i >= 0; i--) {
        layer* l = &m->L[i];
        const layer_type* ty = mm_layer_types[l->type];
        if (ty->is_view) continue;
        for (int k = 0; k < ty->n_in; k++) {
            int r = root(m, l->in[k]);
            l->acc[k] = r >= 0 && readers[r] > 0;
            if (r < 0) continue;
            if (l->acc[k]) {
                int64_t n = (int64_t)m->L[r].T_out * m->L[r].C_out * (m->seq ? m->max_rows : m->max_batch);
                if (n > need) need = n;
            }
            readers[r]++;
        }
    }
    return need;
}

// The fast engine's fused Embedding + first Linear (fused.c): its tables, when
// layers 0-2 are Embedding, FlattenConsecutive, Linear (or 0-1 Embedding, Conv1d)
// with no other reader and the tables are small (64K floats) or no larger than
// that layer's outputs.
static void place_fused(mm_model* m, const int readers[MAX_LAYERS], mm_layout* s) {
    const layer* L = m->L;
    m->fuse_first = 0;
    int flat = m->n_layers >= 3 && L[0].type == L_EMBED && L[1].type == L_FLATTEN && L[2].type == L_LINEAR && L[1].in[0] == 0 &&
               L[2].in[0] == 1 && readers[0] == 1;
    int conv = m->n_layers >= 2 && L[0].type == L_EMBED && L[1].type == L_CONV1D && L[1].in[0] == 0 && readers[0] == 1;
    if (!flat && !conv) return;
    const layer* l = &L[conv ? 1 : 2];
    int64_t tables = 2 * (int64_t)L[1].n * L[0].n * l->C_out + (int64_t)L[0].n * L[0].C_out;
    int64_t rows = (int64_t)l->T_out * s->max_batch; // its rows at the largest batch (max_batch: a sequence model's rows)
    if (rows >= 2L * m->cfg.vocab_size && (tables <= 65536 || tables <= rows * l->C_out)) {
        m->fuse_first = conv ? 2 : 1;
        m->fuse_at = (long)s->scratch;
        s->scratch += tables;
    }
}

// Every offset. Sizes are summed in 64 bits and checked after every layer, so
// nothing wraps where long is 32 bits (wasm32); every offset is at most LIMIT.
static int layout(mm_model* m, int max_batch, mm_err* err) {
    const int64_t LIMIT = (int64_t)1 << 28; // floats in any one arena
    m->max_batch = max_batch;
    int64_t rows = 1 + (int64_t)max_batch * m->cfg.block_size; // a sequence model's rows: the padding row, at most a context each
    if (m->seq && rows > LIMIT / 8)
        return mm_fail(err, MM_EINVAL, "the model is too large: batch %d of contexts of %d makes more than %ld rows", max_batch,
                       m->cfg.block_size, (long)(LIMIT / 8));
    m->max_rows = m->seq ? (int)rows : 0;
    mm_layout s = {0, 0, 0, 0, 0, m->seq ? m->max_rows : max_batch};
    for (int i = 0; i < m->n_layers; i++) {
        layer* l = &m->L[i];
        const layer_type* ty = mm_layer_types[l->type];
        if (ty->is_view) l->out = m->L[l->in[0]].out;
        else { l->out = (long)s.acts; s.acts += (int64_t)l->T_out * l->C_out * s.max_batch; } // examples, or rows
        if (ty->place) ty->place(l, &s);
        if (s.params + s.buffers > LIMIT || s.acts > LIMIT || s.scratch + s.max_weight > LIMIT)
            return mm_fail(err, MM_EINVAL, "the model is too large: more than %ld values in one block of %s (at batch %d)",
                           (long)LIMIT, s.params + s.buffers > LIMIT ? "parameters" : s.acts > LIMIT ? "activations" : "statistics",
                           max_batch);
    }
    int readers[MAX_LAYERS];
    int64_t acc = mark_gradient_sums(m, readers);
    place_fused(m, readers, &s);
    m->row_logits = m->L[m->n_layers - 1].out;
    if (m->seq) { // the examples' logits, gathered from their rows
        m->logits = (long)s.acts;
        s.acts += (int64_t)max_batch * m->cfg.vocab_size;
    }
    m->acc_at = (long)s.scratch;
    m->acc_size = (long)acc;
    s.scratch += 2 * acc;
    if (s.scratch + s.max_weight > LIMIT)
        return mm_fail(err, MM_EINVAL, "the model is too large: more than %ld values of scratch (at batch %d)", (long)LIMIT, max_batch);
    m->n_params = (long)s.params; m->n_buffers = (long)s.buffers; m->n_acts = (long)s.acts;
    m->n_scratch = (long)(s.scratch + s.max_weight);
    if (!m->seq) m->logits = m->row_logits;
    if (s.acts > LIMIT) return mm_fail(err, MM_EINVAL, "the model is too large: more than %ld values of activations", (long)LIMIT);
    return MM_OK;
}

// Shapes and offsets of the layers in m (m->cfg set); the last must give (1, vocab_size) logits.
static int plan_layers(mm_model* m, int max_batch, mm_err* err) {
    if (max_batch < 1 || max_batch > MM_MAX_BATCH)
        return mm_fail(err, MM_EINVAL, "batch size %d is outside 1..%d", max_batch, MM_MAX_BATCH);
    if (m->n_layers < 1 || m->n_layers > MAX_LAYERS)
        return mm_fail(err, MM_EINVAL, "a model has 1..%d layers, not %d", MAX_LAYERS, m->n_layers);
    set_pad_spans(m);
    int rc = shapes(m, err);
    if (rc) return rc;
    const layer* last = &m->L[m->n_layers - 1];
    if (last->T_out != 1 || last->C_out != m->cfg.vocab_size)
        return mm_fail(err, MM_EINVAL, "the last layer gives (%d, %d) per example, not the (1, %d) logits", last->T_out, last->C_out,
                       m->cfg.vocab_size);
    return layout(m, max_batch, err);
}

// The configuration's model, planned: layers, shapes and offsets (m may be a zeroed scratch model).
static int plan(mm_model* m, const mm_config* c, int max_batch, mm_err* err) {
    int rc = mm_config_validate(c, err);
    if (!rc) rc = check_structure(c, err);
    if (rc) return rc;
    m->cfg = *c;
    m->seq = c->form != MM_FORM_EXAMPLES;
    if ((rc = build(m, c, err))) return rc;
    return plan_layers(m, max_batch, err);
}

int mm_model_plan(mm_model* m, const mm_config* c, int max_batch, mm_err* err) { return plan(m, c, max_batch, err); }

int mm_config_check(const mm_config* cfg, long* n_params, mm_err* err) {
    mm_model* m = calloc(1, sizeof *m);
    if (!m) return mm_fail(err, MM_ENOMEM, "out of memory");
    int rc = plan(m, cfg, 1, err);
    if (!rc && n_params) *n_params = m->n_params;
    free(m);
    return rc;
}

// ---------------------------------------------------------------- allocation and initialisation

void mm_model_add_tensor(mm_model* m, int index, const char* what, int ndim, int d0, int d1, int d2, long offset,
                         int is_buffer, int is_variance) {
    mm_tensor_info* t = &m->tensors[m->n_tensors];
    snprintf(m->names[m->n_tensors], sizeof m->names[0], "layers.%d.%s", index + m->L[index].name_at, what);
    t->name = m->names[m->n_tensors];
    t->ndim = ndim; t->shape[0] = d0; t->shape[1] = d1; t->shape[2] = d2;
    t->size = (long)d0 * (ndim > 1 ? d1 : 1) * (ndim > 2 ? d2 : 1);
    t->offset = offset; t->is_buffer = is_buffer; t->is_variance = is_variance;
    m->n_tensors++;
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

// Allocates a planned model's arenas and initialises it from the seed; frees m on failure.
static mm_model* finish(mm_model* m, const uint32_t* codepoints, uint64_t seed, mm_err* err) {
    m->eng.k = mm_kernels_for(MM_ENGINE_REPRODUCIBLE);
    m->eng.pool = NULL;
    m->params = calloc((size_t)m->n_params + (size_t)m->n_buffers + 1, sizeof(float));
    m->grads = calloc((size_t)m->n_params + 1, sizeof(float));
    m->acts = calloc(2 * (size_t)m->n_acts + 1, sizeof(float));
    m->scratch = calloc((size_t)m->n_scratch + 1, sizeof(float));
    m->codepoints = calloc((size_t)m->cfg.vocab_size, sizeof(uint32_t));
    if (m->fuse_first == 2) m->tap_tok = calloc((size_t)m->max_rows * (size_t)m->L[1].n, sizeof(uint16_t));
    if (m->seq) {
        m->row_tok = calloc((size_t)m->max_rows, sizeof(uint16_t));
        m->row_pos = calloc((size_t)m->max_rows, sizeof(int));
        m->ex_row = calloc((size_t)m->max_batch, sizeof(int));
    }
    if (!m->params || !m->grads || !m->acts || !m->scratch || !m->codepoints ||
        (m->seq && (!m->row_tok || !m->row_pos || !m->ex_row)) || (m->fuse_first == 2 && !m->tap_tok)) {
        mm_model_free(m);
        mm_fail(err, MM_ENOMEM, "out of memory creating the model");
        return NULL;
    }
    m->buffers = m->params + m->n_params;
    m->dacts = m->acts + m->n_acts;
    if (set_codepoints(m, codepoints, err)) { mm_model_free(m); return NULL; }
    // the lecture's initialisation, in its parameter order
    mm_rng r;
    mm_rng_seed(&r, seed);
    for (int i = 0; i < m->n_layers; i++)
        if (mm_layer_types[m->L[i].type]->init) mm_layer_types[m->L[i].type]->init(m, i, &r);
    const layer* last = &m->L[m->n_layers - 1];
    if (last->type == L_LINEAR) // the last layer less confident
        for (long k = 0; k < (long)last->C_in * last->C_out; k++) m->params[last->w + k] *= 0.1f;
    return m;
}

mm_model* mm_model_new(const mm_config* cfg, const uint32_t* codepoints, uint64_t seed, int max_batch, mm_err* err) {
    mm_model* m = calloc(1, sizeof *m);
    if (!m) { mm_fail(err, MM_ENOMEM, "out of memory creating the model"); return NULL; }
    if (plan(m, cfg, max_batch, err)) { free(m); return NULL; }
    return finish(m, codepoints, seed, err);
}

mm_model* mm_model_new_layers(const mm_config* cfg, const layer* L, int n_layers, uint64_t seed, int max_batch, mm_err* err) {
    int rc = mm_config_validate(cfg, err);
    if (rc) return NULL;
    if (n_layers < 1 || n_layers > MAX_LAYERS) { mm_fail(err, MM_EINVAL, "a model has 1..%d layers, not %d", MAX_LAYERS, n_layers); return NULL; }
    mm_model* m = calloc(1, sizeof *m);
    if (!m) { mm_fail(err, MM_ENOMEM, "out of memory creating the model"); return NULL; }
    m->cfg = *cfg;
    m->seq = cfg->form != MM_FORM_EXAMPLES;
    memcpy(m->L, L, sizeof(layer) * (size_t)n_layers);
    m->n_layers = n_layers;
    if (plan_layers(m, max_batch, err)) { free(m); return NULL; }
    return finish(m, NULL, seed, err);
}

void mm_model_free(mm_model* m) {
    if (!m) return;
    free(m->params); free(m->grads); free(m->acts); free(m->scratch);
    free(m->codepoints);
    free(m->row_tok); free(m->row_pos); free(m->ex_row); free(m->tap_tok);
    mm_shared_free(m->shared);
    free(m);
}

// ---------------------------------------------------------------- accessors

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

// ---------------------------------------------------------------- engine, threads, profile

int mm_model_set_engine(mm_model* m, int engine, mm_pool* pool, mm_err* err) {
    if (engine != MM_ENGINE_REPRODUCIBLE && engine != MM_ENGINE_FAST)
        return mm_fail(err, MM_EINVAL, "unknown engine %d (0: reproducible, 1: fast)", engine);
    const mm_kernels* k = mm_kernels_for(engine);
    if (k->fused && !m->shared) { // the shared nodes' tables, made when a fast engine is first chosen
        int oom = 0;
        m->shared = mm_shared_new(m, &oom);
        if (oom) return mm_fail(err, MM_ENOMEM, "out of memory for the fast engine's shared nodes (the engine is unchanged)");
    }
    m->eng.k = k;
    m->eng.pool = pool;
    return MM_OK;
}
const char* mm_model_kernels(const mm_model* m) { return m->eng.k->name; }

void mm_model_profile(mm_model* m, int enable, double* out) {
    if (out) memcpy(out, m->prof, sizeof m->prof);
    m->profiling = enable;
    memset(m->prof, 0, sizeof m->prof);
}
void mm_model_prof_add(mm_model* m, int what, double t0) {
    if (m->profiling) m->prof[what] += mm_now_sec() - t0;
}
int mm_model_profiling(const mm_model* m) { return m->profiling; }

static const char* PROF_NAMES[MM_PROF_N] = {
    "batch", "embedding", "linear", "batchnorm", "tanh", "cross-entropy",
    "linear dW", "linear db", "linear dX", "batchnorm", "tanh", "embedding", "SGD update", "gather rows", "gather rows",
};
static const char* PROF_PHASES[MM_PROF_N] = {
    "data", "forward", "forward", "forward", "forward", "forward",
    "backward", "backward", "backward", "backward", "backward", "backward", "update", "forward", "backward",
};
const char* mm_profile_name(int i) { return i >= 0 && i < MM_PROF_N ? PROF_NAMES[i] : NULL; }
const char* mm_profile_phase(int i) { return i >= 0 && i < MM_PROF_N ? PROF_PHASES[i] : NULL; }


// ---------------------------------------------------------------- forward

// ---------------------------------------------------------------- the row plan of a sequence model
// A sequence model (form conv, gated) runs its layers on rows, one per position
// of the batch's words, all layers alike. The batch is still B examples, in
// contexts X (B, block): an example whose context is all padding (0) starts a
// word and is row 0, the one padding row every word shares (its value at every
// layer is that of any position whose inputs are all padding); an example whose
// context continues the previous one's by a token is a new row after it; any
// other example (evaluation chunks, sampling) adds a row for each token of its
// context after the padding. A row's position counts from its word's first
// token, so a Conv1d tap that reaches before it reads row 0. Each example's
// logits are its row's (ex_row).
static void plan_rows(mm_model* m, const uint16_t* X, int B) {
    int bs = m->cfg.block_size, R = 1, n_pad = 0, prev_row = -1;
    m->row_tok[0] = 0;
    m->row_pos[0] = -1;
    for (int e = 0; e < B; e++) {
        const uint16_t* x = X + (long)e * bs;
        int z = 0;
        while (z < bs && x[z] == 0) z++;
        if (z == bs) { // a word's first example
            m->ex_row[e] = prev_row = 0;
            n_pad++;
        } else if (prev_row >= 0 && memcmp(x, x - bs + 1, sizeof(uint16_t) * (size_t)(bs - 1)) == 0) { // the next position
            m->row_tok[R] = x[bs - 1];
            m->row_pos[R] = prev_row == 0 ? 0 : m->row_pos[prev_row] + 1;
            m->ex_row[e] = prev_row = R++;
        } else { // a context alone: its tokens after the padding
            for (int t = z; t < bs; t++, R++) { m->row_tok[R] = x[t]; m->row_pos[R] = t - z; }
            m->ex_row[e] = prev_row = R - 1;
        }
    }
    m->n_rows = R;
    m->n_pad = n_pad;
}

// Forward pass of B examples X (B, block). training: batch statistics (kept in
// scratch for the running update), else the running statistics.
static void forward(mm_model* m, const uint16_t* X, int B, int training) {
    int i0 = 0, rows = B;
    const uint16_t* tok = X;
    if (m->seq) {
        PROF_T0;
        plan_rows(m, X, B);
        rows = m->n_rows;
        tok = m->row_tok;
        PROF(MM_PROF_FWD_TAPS);
    }
    m->shared_on = mm_shared_used(m);
    if (m->shared_on) {
        mm_shared_forward(m, X, B, training);
        return;
    }
    if (mm_fused_first_used(m)) {
        PROF_T0;
        mm_fused_first_fwd(m, X, B);
        PROF(MM_PROF_FWD_LINEAR);
        i0 = m->fuse_first == 2 ? 2 : 3;
    }
    for (int i = i0; i < m->n_layers; i++) {
        const layer* l = &m->L[i];
        const layer_type* ty = mm_layer_types[l->type];
        if (ty->is_view) continue; // same memory, new shape
        layer_io io = {tok, rows, m->seq ? m->row_pos : NULL, m->n_pad, training, {NULL, NULL}, m->acts + l->out, NULL, {NULL, NULL}, NULL, 0};
        for (int k = 0; k < ty->n_in; k++) io.in[k] = l->in[k] >= 0 ? m->acts + m->L[l->in[k]].out : NULL;
        ty->forward(m, l, &io);
    }
    if (m->seq) { // each example's logits from its row
        int V = m->cfg.vocab_size;
        for (int e = 0; e < B; e++)
            memcpy(m->acts + m->logits + (long)e * V, m->acts + m->row_logits + (long)m->ex_row[e] * V, sizeof(float) * (size_t)V);
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


// ---------------------------------------------------------------- backward

// A sequence model: the examples' logit gradients summed into their rows'.
static void gather_row_grads(mm_model* m, int B) {
    int V = m->cfg.vocab_size;
    float* d = m->dacts + m->row_logits;
    memset(d, 0, sizeof(float) * (size_t)m->n_rows * (size_t)V);
    for (int e = 0; e < B; e++) {
        float* dr = d + (long)m->ex_row[e] * V;
        const float* de = m->dacts + m->logits + (long)e * V;
        for (int v = 0; v < V; v++) dr[v] += de[v];
    }
}

static void backward(mm_model* m, const uint16_t* X, int B) {
    if (m->shared_on) {
        mm_shared_backward(m, B);
        return;
    }
    int fused = mm_fused_first_used(m), rows = B;
    const uint16_t* tok = X;
    if (m->seq) {
        gather_row_grads(m, B);
        rows = m->n_rows;
        tok = m->row_tok;
    }
    for (int i = m->n_layers - 1; i >= (fused ? (m->fuse_first == 2 ? 2 : 3) : 0); i--) {
        const layer* l = &m->L[i];
        const layer_type* ty = mm_layer_types[l->type];
        if (ty->is_view) continue; // its gradient is its input's
        layer_io io = {tok, rows, m->seq ? m->row_pos : NULL, m->n_pad, 1, {NULL, NULL}, m->acts + l->out, m->dacts + l->out, {NULL, NULL}, NULL, 0};
        for (int k = 0; k < ty->n_in; k++) {
            if (l->in[k] < 0) continue;
            io.in[k] = m->acts + m->L[l->in[k]].out;
            io.din[k] = l->acc[k] ? m->scratch + m->acc_at + k * m->acc_size : m->dacts + m->L[l->in[k]].out;
        }
        ty->backward(m, l, &io);
        for (int k = 0; k < ty->n_in; k++) { // a gradient a later reader wrote: add this one
            if (!l->acc[k]) continue;
            const layer* src = &m->L[l->in[k]];
            float* d = m->dacts + src->out;
            long n = (long)rows * src->T_out * src->C_out;
            for (long j = 0; j < n; j++) d[j] += io.din[k][j];
        }
    }
    if (fused) {
        PROF_T0;
        mm_fused_first_bwd(m, X, B);
        PROF(MM_PROF_BWD_LINEAR_DW);
    }
}

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
    return MM_OK;
}

int mm_model_forward_backward(mm_model* m, const uint16_t* X, const uint16_t* Y, int B, float* loss, mm_err* err) {
    int rc = check_batch(m, X, Y, B, 1, err);
    if (rc) return rc;
    forward(m, X, B, 1);
    double total = 0.0;
    PROF_T0;
    cross_entropy(m->eng.k, m->acts + m->logits, Y, B, m->cfg.vocab_size, m->dacts + m->logits, 1.0f / (float)B, &total);
    PROF(MM_PROF_LOSS);
    *loss = (float)(total / B);
    backward(m, X, B);
    m->last_B = B;
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
