// model.c: the lecture's layers, the Sequential stack, forward and backward.
//
// Shapes per example are (T, C); T == 1 means the lecture's 2-D (B, C) after
// FlattenConsecutive squeezes the middle dimension. A batch of B examples of
// shape (T, C) is one contiguous (B, T, C) block, so FlattenConsecutive(n)
// moves no data: (B, T, C) read as (B, T/n, C*n) is the same memory.
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "makemore.h"
#include "ops.h"

#define MAX_LAYERS 64
#define MAX_TENSORS 160
#define BN_EPS 1e-5f
#define BN_MOMENTUM 0.1f

enum { L_EMBED, L_FLATTEN, L_LINEAR, L_BATCHNORM, L_TANH };

typedef struct {
    int type;
    int T_in, C_in, T_out, C_out; // per-example shapes
    int n;                        // FlattenConsecutive factor
    int has_bias;
    int stat_T;                   // BatchNorm: positions with their own statistics (1, or T per-position)
    long w, b;                    // params offsets: weight/gamma, bias/beta (-1: none)
    long rm, rv;                  // buffers offsets: running mean, running var
    long out, xhat;               // activation offsets (per max_batch)
    long bmean, bvar, binv;       // scratch offsets: batch mean, var, inverse std
} layer;

struct mm_model {
    mm_config cfg;
    int n_layers;
    layer L[MAX_LAYERS];
    int n_tensors;
    mm_tensor_info tensors[MAX_TENSORS];
    char names[MAX_TENSORS][32];
    int max_batch;
    long n_params, n_buffers, n_acts, n_scratch;
    float* params;  // (n_params,)
    float* grads;   // (n_params,)
    float* buffers; // (n_buffers,) running statistics
    float* acts;    // (n_acts,) layer outputs, BatchNorm xhat, logits
    float* dacts;   // (n_acts,) their gradients
    float* scratch; // (n_scratch,) weight repack, batch statistics, the fused first layer's tables
    int fuse_first; // layers 0-2 are Embedding, FlattenConsecutive, Linear: the fast engine may fuse them
    long fuse_at;   // scratch offset of its tables: P, G (n_group, V, H) each, then a (V, n_embd) temporary
    long logits;    // offset in acts of the (B, V) logits = last layer's out
    uint32_t* codepoints; // (vocab_size,)
    int last_B;
    mm_engine eng;        // its kernels and the pool they run on
    int profiling;
    double prof[MM_PROF_N]; // seconds per operation (mm_model_profile)
};

// Lays out the layer stack and every offset for cfg; m may be a zeroed scratch model.
static int plan(mm_model* m, const mm_config* c, int max_batch, mm_err* err) {
    int rc = mm_config_validate(c, err);
    if (rc) return rc;
    if (c->n_consec != 0) {
        if (c->n_consec < 2 || c->n_consec > c->block_size)
            return mm_fail(err, MM_EINVAL, "hierarchical group size %d must be 2..block size (%d)", c->n_consec, c->block_size);
        int t = c->block_size;
        while (t % c->n_consec == 0) t /= c->n_consec;
        if (t != 1)
            return mm_fail(err, MM_EINVAL, "a hierarchical model needs the block size (%d) to be a power of the group size (%d)",
                           c->block_size, c->n_consec);
    }
    if (max_batch < 1 || max_batch > MM_MAX_BATCH)
        return mm_fail(err, MM_EINVAL, "batch size %d is outside 1..%d", max_batch, MM_MAX_BATCH);

    memset(m->L, 0, sizeof m->L);
    m->n_layers = 0; m->n_tensors = 0; m->n_params = 0; m->n_buffers = 0; m->n_acts = 0; m->n_scratch = 0;
    int T = c->block_size, C = c->n_embd, H = c->n_hidden, V = c->vocab_size;
#define ADD(ty) (&m->L[m->n_layers++])
    layer* l = ADD(L_EMBED);
    l->type = L_EMBED; l->T_in = T; l->C_in = 1; l->T_out = T; l->C_out = C;
    int blocks = c->n_consec ? 0 : c->n_flat_layers;
    int first = 1;
    for (;;) {
        if (c->n_consec) { if (T == 1) break; }
        else if (blocks-- == 0) break;
        if (first || c->n_consec) {
            int n = c->n_consec ? c->n_consec : T;
            l = ADD(L_FLATTEN);
            l->type = L_FLATTEN; l->n = n; l->T_in = T; l->C_in = C; T /= n; C *= n;
            l->T_out = T; l->C_out = C;
        }
        first = 0;
        l = ADD(L_LINEAR);
        l->type = L_LINEAR; l->T_in = l->T_out = T; l->C_in = C; l->C_out = H; C = H;
        l = ADD(L_BATCHNORM);
        l->type = L_BATCHNORM; l->T_in = l->T_out = T; l->C_in = l->C_out = C;
        l->stat_T = c->bn_mode == MM_BN_PER_POSITION ? T : 1;
        l = ADD(L_TANH);
        l->type = L_TANH; l->T_in = l->T_out = T; l->C_in = l->C_out = C;
    }
    l = ADD(L_LINEAR);
    l->type = L_LINEAR; l->T_in = l->T_out = T; l->C_in = C; l->C_out = V; l->has_bias = 1;
#undef ADD

    // Parameters, buffers, activations. Sizes are summed in 64 bits and checked
    // after every layer, so nothing wraps where long is 32 bits (wasm32); every
    // offset stored in a layer is at most LIMIT.
    const int64_t LIMIT = (int64_t)1 << 28; // floats in any one allocation
    int64_t np = 0, nb = 0, na = 0, ns = 0, max_w = 0;
    long prev_out = -1;
    for (int i = 0; i < m->n_layers; i++) {
        l = &m->L[i];
        l->w = l->b = l->rm = l->rv = l->xhat = -1;
        int64_t per_ex = (int64_t)l->T_out * l->C_out, w_size = (int64_t)l->C_in * l->C_out;
        if (l->type == L_EMBED) { l->w = (long)np; np += (int64_t)V * l->C_out; }
        if (l->type == L_LINEAR) {
            l->w = (long)np; np += w_size;
            if (w_size > max_w) max_w = w_size;
            if (l->has_bias) { l->b = (long)np; np += l->C_out; }
        }
        if (l->type == L_BATCHNORM) {
            l->w = (long)np; np += l->C_out;
            l->b = (long)np; np += l->C_out;
            int64_t nstat = (int64_t)l->stat_T * l->C_out;
            l->rm = (long)nb; nb += nstat;
            l->rv = (long)nb; nb += nstat;
            l->bmean = (long)ns; ns += nstat;
            l->bvar = (long)ns; ns += nstat;
            l->binv = (long)ns; ns += nstat;
        }
        if (l->type == L_FLATTEN) l->out = prev_out; // a view of its input
        else { l->out = (long)na; na += per_ex * max_batch; }
        if (l->type == L_BATCHNORM) { l->xhat = (long)na; na += per_ex * max_batch; }
        prev_out = l->out;
        if (np > LIMIT || na > LIMIT || nb > LIMIT || ns + max_w > LIMIT)
            return mm_fail(err, MM_EINVAL, "the model is too large: more than %ld values in one block of %s (at batch %d)",
                           (long)LIMIT, np > LIMIT ? "parameters" : na > LIMIT ? "activations" : "statistics", max_batch);
    }
    m->n_params = (long)np; m->n_buffers = (long)nb; m->n_acts = (long)na;
    m->logits = prev_out;
    // The fast engine's fused Embedding + first Linear (see embed_linear_fwd): its
    // tables, when they are small (64K floats) or no larger than that Linear's output activations.
    m->fuse_first = 0;
    if (m->n_layers >= 3 && m->L[0].type == L_EMBED && m->L[1].type == L_FLATTEN && m->L[2].type == L_LINEAR) {
        int64_t tables = 2 * (int64_t)m->L[1].n * V * m->L[2].C_out + (int64_t)V * m->L[0].C_out;
        if (tables <= 65536 || tables <= (int64_t)m->L[2].T_out * m->L[2].C_out * max_batch) {
            m->fuse_first = 1;
            m->fuse_at = (long)ns;
            ns += tables;
        }
    }
    m->n_scratch = (long)(ns + max_w);
    m->max_batch = max_batch;
    m->cfg = *c;
    return MM_OK;
}

int mm_config_check(const mm_config* cfg, long* n_params, mm_err* err) {
    mm_model* m = calloc(1, sizeof *m);
    if (!m) return mm_fail(err, MM_ENOMEM, "out of memory");
    int rc = plan(m, cfg, 1, err);
    if (!rc && n_params) *n_params = m->n_params;
    free(m);
    return rc;
}

// ---------------------------------------------------------------- random numbers (splitmix64)

void mm_rng_seed(mm_rng* r, uint64_t seed) { r->s = seed; }
uint32_t mm_rng_u32(mm_rng* r) {
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}
float mm_rng_uniform(mm_rng* r) { return (float)(mm_rng_u32(r) >> 8) * (1.0f / 16777216.0f); }
// Marsaglia's polar method (one of the pair), with mm_logf so every build agrees.
float mm_rng_normal(mm_rng* r) {
    for (;;) {
        float u = 2.0f * mm_rng_uniform(r) - 1.0f, v = 2.0f * mm_rng_uniform(r) - 1.0f;
        float s = u * u + v * v;
        if (s > 0.0f && s < 1.0f) return u * sqrtf(-2.0f * mm_logf(s) / s);
    }
}

// ---------------------------------------------------------------- construction

static void add_tensor(mm_model* m, int layer_idx, const char* what, int ndim, int d0, int d1, int d2,
                       long offset, int is_buffer) {
    mm_tensor_info* t = &m->tensors[m->n_tensors];
    snprintf(m->names[m->n_tensors], sizeof m->names[0], "layers.%d.%s", layer_idx, what);
    t->name = m->names[m->n_tensors];
    t->ndim = ndim; t->shape[0] = d0; t->shape[1] = d1; t->shape[2] = d2;
    t->size = (long)d0 * (ndim > 1 ? d1 : 1) * (ndim > 2 ? d2 : 1);
    t->offset = offset; t->is_buffer = is_buffer;
    m->n_tensors++;
}

mm_model* mm_model_new(const mm_config* cfg, const uint32_t* codepoints, uint64_t seed, int max_batch, mm_err* err) {
    mm_model* m = calloc(1, sizeof *m);
    if (!m) { mm_fail(err, MM_ENOMEM, "out of memory creating the model"); return NULL; }
    if (plan(m, cfg, max_batch, err)) { free(m); return NULL; }
    m->eng.k = mm_kernels_for(MM_ENGINE_REPRODUCIBLE);
    m->eng.pool = NULL;
    int V = cfg->vocab_size;
    m->params = calloc((size_t)m->n_params, sizeof(float));
    m->grads = calloc((size_t)m->n_params, sizeof(float));
    m->buffers = calloc((size_t)m->n_buffers + 1, sizeof(float));
    m->acts = calloc((size_t)m->n_acts, sizeof(float));
    m->dacts = calloc((size_t)m->n_acts, sizeof(float));
    m->scratch = calloc((size_t)m->n_scratch + 1, sizeof(float));
    m->codepoints = calloc((size_t)V, sizeof(uint32_t));
    if (!m->params || !m->grads || !m->buffers || !m->acts || !m->dacts || !m->scratch || !m->codepoints) {
        mm_model_free(m);
        mm_fail(err, MM_ENOMEM, "out of memory creating the model");
        return NULL;
    }
    if (codepoints) memcpy(m->codepoints, codepoints, sizeof(uint32_t) * (size_t)V);
    else for (int i = 0; i < V; i++) m->codepoints[i] = i == 0 ? '.' : (uint32_t)('a' + i - 1); // a, b, ... distinct
    for (int i = 1; i < V; i++) {
        uint32_t cp = m->codepoints[i];
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || (cp < 0x20 && cp != '\t') || (i > 1 && cp <= m->codepoints[i - 1])) {
            mm_model_free(m);
            mm_fail(err, MM_EINVAL, "vocabulary entry %d (U+%04X) is not a character or not in increasing order", i, cp);
            return NULL;
        }
    }

    // The lecture's initialisation, in its parameter order.
    mm_rng r;
    mm_rng_seed(&r, seed);
    for (int i = 0; i < m->n_layers; i++) {
        layer* l = &m->L[i];
        float* w = l->w >= 0 ? m->params + l->w : NULL;
        if (l->type == L_EMBED) {
            for (long k = 0; k < (long)V * l->C_out; k++) w[k] = mm_rng_normal(&r);     // randn(V, n_embd)
            add_tensor(m, i, "weight", 2, V, l->C_out, 0, l->w, 0);
        } else if (l->type == L_LINEAR) {
            float scale = (float)sqrt((double)l->C_in);
            for (long k = 0; k < (long)l->C_in * l->C_out; k++) w[k] = mm_rng_normal(&r) / scale; // randn / fan_in**0.5
            add_tensor(m, i, "weight", 2, l->C_in, l->C_out, 0, l->w, 0);
            if (l->has_bias) add_tensor(m, i, "bias", 1, l->C_out, 0, 0, l->b, 0);            // zeros
        } else if (l->type == L_BATCHNORM) {
            for (int k = 0; k < l->C_out; k++) m->params[l->w + k] = 1.0f;                   // gamma ones
            long ns = (long)l->stat_T * l->C_out;
            for (long k = 0; k < ns; k++) m->buffers[l->rv + k] = 1.0f;                      // running_var ones
            add_tensor(m, i, "gamma", 1, l->C_out, 0, 0, l->w, 0);
            add_tensor(m, i, "beta", 1, l->C_out, 0, 0, l->b, 0);
            if (l->stat_T > 1) { // the pre-fix layer keeps (1, T, C) statistics
                add_tensor(m, i, "running_mean", 3, 1, l->stat_T, l->C_out, l->rm, 1);
                add_tensor(m, i, "running_var", 3, 1, l->stat_T, l->C_out, l->rv, 1);
            } else {
                add_tensor(m, i, "running_mean", 1, l->C_out, 0, 0, l->rm, 1);
                add_tensor(m, i, "running_var", 1, l->C_out, 0, 0, l->rv, 1);
            }
        }
    }
    layer* last = &m->L[m->n_layers - 1];
    for (long k = 0; k < (long)last->C_in * last->C_out; k++) m->params[last->w + k] *= 0.1f; // last layer less confident
    return m;
}

void mm_model_free(mm_model* m) {
    if (!m) return;
    free(m->params); free(m->grads); free(m->buffers); free(m->acts); free(m->dacts); free(m->scratch);
    free(m->codepoints);
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

// ---------------------------------------------------------------- engine, threads, profile

int mm_model_set_engine(mm_model* m, int engine, mm_pool* pool, mm_err* err) {
    if (engine != MM_ENGINE_REPRODUCIBLE && engine != MM_ENGINE_FAST)
        return mm_fail(err, MM_EINVAL, "unknown engine %d (0: reproducible, 1: fast)", engine);
    m->eng.k = mm_kernels_for(engine);
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
    "linear dW", "linear db", "linear dX", "batchnorm", "tanh", "embedding", "SGD update",
};
static const char* PROF_PHASES[MM_PROF_N] = {
    "data", "forward", "forward", "forward", "forward", "forward",
    "backward", "backward", "backward", "backward", "backward", "backward", "update",
};
const char* mm_profile_name(int i) { return i >= 0 && i < MM_PROF_N ? PROF_NAMES[i] : NULL; }
const char* mm_profile_phase(int i) { return i >= 0 && i < MM_PROF_N ? PROF_PHASES[i] : NULL; }

#define PROF_T0 double t0_ = m->profiling ? mm_now_sec() : 0.0
#define PROF(what) do { if (m->profiling) { m->prof[what] += mm_now_sec() - t0_; t0_ = mm_now_sec(); } } while (0)

// ---------------------------------------------------------------- forward

// ---------------------------------------------------------------- the fast engine's fused first layer
//
// Embedding E (V, C), FlattenConsecutive(n), Linear W (n*C, H): row r of the
// Linear's input is [E[x_r0], ..., E[x_r(n-1)]], so with W_j the rows j*C..
// of W, out[r] = bias + sum_j (E @ W_j)[x_rj]. Computing the n tables
// P_j = E @ W_j (V, H) first costs n*V*C*H multiply-adds instead of rows*n*C*H:
// far fewer when the batch has many more rows than the vocabulary has tokens.
// Backward: G_j[v] = sum of dout[r] over the rows whose j-th token is v; then
// dW_j = E^T @ G_j and dE = sum_j G_j @ W_j^T. The same sums in another order,
// so only the fast engine (not bitwise the reference) uses it; each output is
// still computed alike whatever the thread count.

// db (C,) = column sums of dy (rows, C), summed in row order
static void bias_grad(float* db, const float* dy, long rows, int C) {
    for (int c = 0; c < C; c++) db[c] = 0.0f;
    for (long r = 0; r < rows; r++)
        for (int c = 0; c < C; c++) db[c] += dy[r * C + c];
}

static int use_fused_first(const mm_model* m, int B) {
    return m->fuse_first && m->eng.k->fused && (long)B * m->L[2].T_out >= 2L * m->cfg.vocab_size;
}

typedef struct {
    float* out; float* G; const float* P; const float* dout; const float* bias; const uint16_t* X;
    int n, V, H; long rows;
} fuse_job;

// out[r][c] = bias[c] + sum_j P_j[x_rj][c], for columns [lo, hi)
static void fused_gather(void* ctx, long lo, long hi) {
    const fuse_job* j = ctx;
    for (long r = 0; r < j->rows; r++) {
        float* o = j->out + r * j->H;
        const uint16_t* x = j->X + r * j->n;
        for (long c = lo; c < hi; c++) o[c] = j->bias ? j->bias[c] : 0.0f;
        for (int g = 0; g < j->n; g++) {
            const float* p = j->P + ((long)g * j->V + x[g]) * j->H;
            for (long c = lo; c < hi; c++) o[c] += p[c];
        }
    }
}

// G_j[x_rj][c] += dout[r][c] over rows in order, for columns [lo, hi) (G zeroed here)
static void fused_scatter(void* ctx, long lo, long hi) {
    const fuse_job* j = ctx;
    for (long v = 0; v < (long)j->n * j->V; v++)
        for (long c = lo; c < hi; c++) j->G[v * j->H + c] = 0.0f;
    for (long r = 0; r < j->rows; r++) {
        const float* d = j->dout + r * j->H;
        const uint16_t* x = j->X + r * j->n;
        for (int g = 0; g < j->n; g++) {
            float* gp = j->G + ((long)g * j->V + x[g]) * j->H;
            for (long c = lo; c < hi; c++) gp[c] += d[c];
        }
    }
}

static void embed_linear_fwd(mm_model* m, const uint16_t* X, int B) {
    const layer* le = &m->L[0]; const layer* ll = &m->L[2];
    int n = m->L[1].n, V = m->cfg.vocab_size, C = le->C_out, H = ll->C_out;
    float* P = m->scratch + m->fuse_at;
    const float* E = m->params + le->w; const float* W = m->params + ll->w;
    for (int g = 0; g < n; g++) op_matmul_nn(&m->eng, P + (long)g * V * H, E, W + (long)g * C * H, NULL, V, C, H);
    fuse_job j = {m->acts + ll->out, NULL, P, NULL, ll->has_bias ? m->params + ll->b : NULL, X, n, V, H, (long)B * ll->T_out};
    op_ranges(&m->eng, H, 16, j.rows * n * H >= 8192 ? 32 : H + 1, fused_gather, &j);
}

static void embed_linear_bwd(mm_model* m, const uint16_t* X, int B) {
    const layer* le = &m->L[0]; const layer* ll = &m->L[2];
    int n = m->L[1].n, V = m->cfg.vocab_size, C = le->C_out, H = ll->C_out;
    float* G = m->scratch + m->fuse_at + (long)n * V * H;
    float* tmp = G + (long)n * V * H; // (V, C)
    const float* dout = m->dacts + ll->out;
    fuse_job j = {NULL, G, NULL, dout, NULL, X, n, V, H, (long)B * ll->T_out};
    op_ranges(&m->eng, H, 16, j.rows * n * H >= 8192 ? 32 : H + 1, fused_scatter, &j);
    const float* E = m->params + le->w; const float* W = m->params + ll->w;
    float* dW = m->grads + ll->w; float* dE = m->grads + le->w;
    float* nt_scratch = m->scratch + (m->n_scratch - (long)C * H);
    for (int g = 0; g < n; g++) {
        const float* Gg = G + (long)g * V * H;
        op_matmul_tn(&m->eng, dW + (long)g * C * H, E, Gg, C, V, H);                 // dW_j (C,H) = E^T @ G_j
        op_matmul_nt(&m->eng, g ? tmp : dE, Gg, W + (long)g * C * H, nt_scratch, V, H, C); // G_j @ W_j^T (V,C)
        if (g) for (long k = 0; k < (long)V * C; k++) dE[k] += tmp[k];
    }
    if (ll->has_bias) bias_grad(m->grads + ll->b, dout, j.rows, H);
}

// Forward pass of B examples X (B, block). training: batch statistics (kept in
// scratch for the running update), else the running statistics.
static void forward(mm_model* m, const uint16_t* X, int B, int training) {
    const mm_engine* e = &m->eng;
    PROF_T0;
    int i0 = 0;
    if (use_fused_first(m, B)) {
        embed_linear_fwd(m, X, B);
        PROF(MM_PROF_FWD_LINEAR);
        i0 = 3;
    }
    for (int i = i0; i < m->n_layers; i++) {
        layer* l = &m->L[i];
        float* out = m->acts + l->out;
        const float* in = i > 0 ? m->acts + m->L[i - 1].out : NULL;
        long rows = (long)B * l->T_out; // rows of C_out values
        switch (l->type) {
        case L_EMBED: { // out (B, T, C) = weight[X]
            const float* w = m->params + l->w;
            for (long k = 0; k < (long)B * l->T_out; k++)
                memcpy(out + k * l->C_out, w + (long)X[k] * l->C_out, sizeof(float) * (size_t)l->C_out);
            PROF(MM_PROF_FWD_EMBED);
            break;
        }
        case L_FLATTEN: break; // same memory, new shape
        case L_LINEAR:         // out (rows, C_out) = in (rows, C_in) @ W (C_in, C_out) + b
            op_matmul_nn(e, out, in, m->params + l->w, l->has_bias ? m->params + l->b : NULL, (int)rows, l->C_in, l->C_out);
            PROF(MM_PROF_FWD_LINEAR);
            break;
        case L_BATCHNORM: {
            int C = l->C_out, ST = l->stat_T, T = l->T_out;
            float* mean = m->scratch + l->bmean; float* var = m->scratch + l->bvar; float* inv = m->scratch + l->binv;
            const float* gamma = m->params + l->w; const float* beta = m->params + l->b;
            float* xhat = m->acts + l->xhat;
            if (training) {
                // fixed: statistics over all B*T rows; per-position: over B rows for each position
                if (ST == 1) op_colstats(e, mean, var, in, C, (int)rows, C);
                else for (int t = 0; t < T; t++) op_colstats(e, mean + t * C, var + t * C, in + t * C, T * C, B, C);
                for (long k = 0; k < (long)ST * C; k++) inv[k] = 1.0f / sqrtf(var[k] + BN_EPS);
            } else {
                const float* rv = m->buffers + l->rv;
                memcpy(mean, m->buffers + l->rm, sizeof(float) * (size_t)ST * C);
                for (long k = 0; k < (long)ST * C; k++) inv[k] = 1.0f / sqrtf(rv[k] + BN_EPS);
            }
            if (ST == 1) op_bn_fwd(e, out, xhat, in, C, (int)rows, C, mean, inv, gamma, beta);
            else for (int t = 0; t < T; t++)
                op_bn_fwd(e, out + t * C, xhat + t * C, in + t * C, T * C, B, C, mean + t * C, inv + t * C, gamma, beta);
            PROF(MM_PROF_FWD_BN);
            break;
        }
        case L_TANH: op_tanh_fwd(e, out, in, rows * l->C_out); PROF(MM_PROF_FWD_TANH); break;
        }
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

static void backward(mm_model* m, const uint16_t* X, int B) {
    const mm_engine* e = &m->eng;
    PROF_T0;
    int fused = use_fused_first(m, B);
    for (int i = m->n_layers - 1; i >= (fused ? 3 : 0); i--) {
        layer* l = &m->L[i];
        const float* dout = m->dacts + l->out;
        float* din = i > 0 ? m->dacts + m->L[i - 1].out : NULL;
        const float* in = i > 0 ? m->acts + m->L[i - 1].out : NULL;
        long rows = (long)B * l->T_out;
        switch (l->type) {
        case L_EMBED: { // dweight[X[k]] += dout[k]
            float* dw = m->grads + l->w;
            memset(dw, 0, sizeof(float) * (size_t)m->cfg.vocab_size * l->C_out);
            for (long k = 0; k < rows; k++) {
                float* d = dw + (long)X[k] * l->C_out;
                const float* g = dout + k * l->C_out;
                for (int c = 0; c < l->C_out; c++) d[c] += g[c];
            }
            PROF(MM_PROF_BWD_EMBED);
            break;
        }
        case L_FLATTEN: break;
        case L_LINEAR: {
            // dW (C_in, C_out) = in^T @ dout; db = column sums of dout; din = dout @ W^T
            op_matmul_tn(e, m->grads + l->w, in, dout, l->C_in, (int)rows, l->C_out);
            PROF(MM_PROF_BWD_LINEAR_DW);
            if (l->has_bias) {
                bias_grad(m->grads + l->b, dout, rows, l->C_out);
                PROF(MM_PROF_BWD_BIAS);
            }
            float* scratch = m->scratch + (m->n_scratch - (long)l->C_in * l->C_out);
            op_matmul_nt(e, din, dout, m->params + l->w, scratch, (int)rows, l->C_out, l->C_in);
            PROF(MM_PROF_BWD_LINEAR_DX);
            break;
        }
        case L_BATCHNORM: {
            int C = l->C_out, T = l->T_out;
            float* dgamma = m->grads + l->w; float* dbeta = m->grads + l->b;
            const float* inv = m->scratch + l->binv; const float* gamma = m->params + l->w;
            const float* xhat = m->acts + l->xhat;
            for (int c = 0; c < C; c++) { dgamma[c] = 0.0f; dbeta[c] = 0.0f; }
            if (l->stat_T == 1) op_bn_bwd(e, din, dgamma, dbeta, dout, xhat, C, (int)rows, C, inv, gamma);
            else for (int t = 0; t < T; t++)
                op_bn_bwd(e, din + t * C, dgamma, dbeta, dout + t * C, xhat + t * C, T * C, B, C, inv + t * C, gamma);
            PROF(MM_PROF_BWD_BN);
            break;
        }
        case L_TANH: op_tanh_bwd(e, din, m->acts + l->out, dout, rows * l->C_out); PROF(MM_PROF_BWD_TANH); break;
        }
    }
    if (fused) {
        embed_linear_bwd(m, X, B);
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

// The SGD update p += -lr * g over ranges of the parameters: first a check that
// no gradient or new value is inf or NaN (an all-ones exponent; OR over integers
// vectorises), one flag per range, then the update itself.
typedef struct {
    float* p;
    const float* g;
    float nlr;
    atomic_uint bad; // OR of the ranges' flags
} sgd_job;

static void sgd_check(void* ctx, long lo, long hi) {
    sgd_job* j = ctx;
    const float* p = j->p; const float* g = j->g;
    float nlr = j->nlr;
    uint32_t bad = 0;
    for (long k = lo; k < hi; k++) {
        float np = p[k] + nlr * g[k];
        uint32_t ug, up;
        memcpy(&ug, &g[k], 4);
        memcpy(&up, &np, 4);
        bad |= ((ug & 0x7f800000u) == 0x7f800000u) | ((up & 0x7f800000u) == 0x7f800000u);
    }
    if (bad) atomic_fetch_or(&j->bad, 1u);
}

static void sgd_apply(void* ctx, long lo, long hi) {
    sgd_job* j = ctx;
    float* p = j->p; const float* g = j->g;
    float nlr = j->nlr;
    for (long k = lo; k < hi; k++) p[k] = p[k] + nlr * g[k];
}

int mm_model_sgd_step(mm_model* m, const uint16_t* X, const uint16_t* Y, int B, float lr, float* loss, mm_err* err) {
    if (!(lr == lr) || lr < 0.0f || lr > 1e30f) return mm_fail(err, MM_EINVAL, "learning rate %g is not a finite non-negative number", (double)lr);
    int rc = mm_model_forward_backward(m, X, Y, B, loss, err);
    if (rc) return rc;
    if (!isfinite(*loss))
        return mm_fail(err, MM_ENONFINITE, "the loss became %s (learning rate %g too high?); the model is left as before this step",
                       isnan(*loss) ? "NaN" : "infinite", (double)lr);
    // check the whole update before writing any of it, so a bad step changes nothing
    PROF_T0;
    sgd_job j = {m->params, m->grads, -lr, 0};
    atomic_init(&j.bad, 0);
    op_ranges(&m->eng, m->n_params, 64, 16384, sgd_check, &j);
    if (atomic_load(&j.bad))
        return mm_fail(err, MM_ENONFINITE, "a gradient or parameter became non-finite (learning rate %g too high?); the model is left as before this step",
                       (double)lr);
    op_ranges(&m->eng, m->n_params, 64, 16384, sgd_apply, &j);
    // running statistics: (1 - momentum) * running + momentum * batch
    for (int i = 0; i < m->n_layers; i++) {
        layer* l = &m->L[i];
        if (l->type != L_BATCHNORM) continue;
        long ns = (long)l->stat_T * l->C_out;
        float* rm = m->buffers + l->rm; float* rv = m->buffers + l->rv;
        const float* bm = m->scratch + l->bmean; const float* bv = m->scratch + l->bvar;
        for (long k = 0; k < ns; k++) {
            rm[k] = (1.0f - BN_MOMENTUM) * rm[k] + BN_MOMENTUM * bm[k];
            rv[k] = (1.0f - BN_MOMENTUM) * rv[k] + BN_MOMENTUM * bv[k];
        }
    }
    PROF(MM_PROF_UPDATE);
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
