// fast/tables.c: the pass "embedding tables": the Embedding folded into the first
// Linear (or, in a sequence family, the first Conv1d: its k taps read the tokens of
// k rows, the same tables).
//
// Embedding E (V, C), FlattenConsecutive(n), Linear W (n*C, H): row r of the
// Linear's input is [E[x_r0], ..., E[x_r(n-1)]], so with W_j the rows j*C..
// of W, out[r] = bias + sum_j (E @ W_j)[x_rj]. Computing the n tables
// P_j = E @ W_j (V, H) first costs n*V*C*H multiply-adds instead of rows*n*C*H:
// far fewer when the batch has many more rows than the vocabulary has tokens.
// Backward: G_j[v] = sum of dout[r] over the rows whose j-th token is v; then
// dW_j += E^T @ G_j and dE += sum_j G_j @ W_j^T. The same sums in another order,
// so only the fast engine uses it; each output is still computed alike whatever
// the thread count. It applies per model (by its largest batch), never per call,
// so a split evaluated in parts of any size sums alike.
//
// makemore.py's MLP is the same: its Embedding reads each context's tokens last
// first with a blank before the start (row_tokens maps them), and its Linear is
// torch's, W (H, n*C): the pass works on W^T, transposed each step (n*C*H floats,
// a few microseconds), and adds dW^T back.
#include <stdlib.h>
#include <string.h>
#include "fast/pass.h"
#include "fast/tables.h"

// The gather and scatter split over the pool from this many values up (see ops.c's GEMM_MIN_PAR).
#ifndef FUSED_MIN_PAR
#define FUSED_MIN_PAR 32768
#endif

struct mm_tables {
    int lin;           // the fused layer: 2 (Embedding, FlattenConsecutive, Linear) or 1 (Embedding, Conv1d)
    int n, V, C, H;    // group (taps), vocabulary, embedding and output widths
    float* P;          // (n, V, H) the tables E @ W_j
    float* G;          // (n, V, H) their gradients
    float* tmp;        // (V, C)
    uint16_t* tap_tok; // a Conv1d: (max rows, n) the tokens each row's taps read; the MLP's context: (max batch, n)
    int context;       // the Embedding reads makemore.py's MLP's context (EMBED_MLP_CONTEXT)
    float* Wt;         // a torch Linear: (n*C, H) its weight transposed, then (n*C, H) the gradient's
};

// Layer 0 is read by one layer only (directly or through a view).
static int one_reader_of_embedding(const mm_model* m) {
    int readers = 0;
    for (int i = 1; i < m->n_layers; i++) {
        const layer* l = &m->L[i];
        if (mm_layer_types[l->type]->is_view) continue;
        for (int k = 0; k < l->n_in; k++) {
            int r = l->in[k];
            while (r > 0 && mm_layer_types[m->L[r].type]->is_view) r = m->L[r].in[0];
            readers += r == 0;
        }
    }
    return readers == 1;
}

static void* tables_make(const mm_model* m, const struct mm_pass_set* with, int* first, int* last, int* oom) {
    const layer* L = m->L;
    int flat = m->n_layers >= 3 && L[0].type == L_EMBED && L[1].type == L_FLATTEN && L[2].type == L_LINEAR && L[1].in[0] == 0 &&
               L[2].in[0] == 1;
    int conv = m->n_layers >= 2 && L[0].type == L_EMBED && L[1].type == L_CONV1D && L[1].in[0] == 0;
    if ((!flat && !conv) || !one_reader_of_embedding(m)) return NULL;
    const layer* l = &L[conv ? 1 : 2];
    if (l->share[0] >= 0 || L[0].share[0] >= 0) return NULL;
    if (L[0].embed == EMBED_POSITIONS || (conv && (L[0].embed != EMBED_TOKENS || l->torch))) return NULL;
    int64_t n = L[1].n, V = L[0].n, C = L[0].C_out, H = l->C_out; // 64-bit: long is 32 bits in wasm
    int64_t tables = 2 * n * V * H + V * C;
    int64_t rows = (int64_t)l->T_out * (m->seq ? m->max_rows : m->max_batch); // its rows at the largest batch
    if (rows < 2 * (int64_t)m->cfg.vocab_size || (tables > 65536 && tables > rows * H) || tables > ((int64_t)1 << 28)) return NULL;
    struct mm_tables* t = calloc(1, sizeof *t);
    float* f = malloc(sizeof(float) * (size_t)tables);
    int context = L[0].embed == EMBED_MLP_CONTEXT;
    size_t n_tt = conv ? (size_t)m->max_rows * (size_t)n : context ? (size_t)m->max_batch * (size_t)n : 0;
    uint16_t* tt = n_tt ? malloc(sizeof(uint16_t) * n_tt) : NULL;
    float* wt = l->torch ? malloc(sizeof(float) * 2 * (size_t)(n * C * H)) : NULL;
    if (!t || !f || (n_tt && !tt) || (l->torch && !wt)) { free(t); free(f); free(tt); free(wt); *oom = 1; return NULL; }
    *t = (struct mm_tables){conv ? 1 : 2, (int)n, (int)V, (int)C, (int)H, f, f + n * V * H, f + 2 * n * V * H, tt, context, wt};
    *first = 0;
    *last = t->lin;
    return t;
}

static void tables_free(void* st) {
    struct mm_tables* t = st;
    if (!t) return;
    free(t->P);
    free(t->tap_tok);
    free(t->Wt);
    free(t);
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

void mm_tables_forward_rows(mm_model* m, struct mm_tables* t, const uint16_t* tok, long rows) {
    const layer* ll = &m->L[t->lin];
    int n = t->n, V = t->V, C = t->C, H = t->H;
    const float* E = m->params + m->L[0].p[0];
    const float* W = m->params + ll->p[0];
    if (t->Wt) { // torch's W (H, n*C): the pass's W^T
        m->eng.k->transpose(t->Wt, W, H, n * C);
        W = t->Wt;
    }
    for (int g = 0; g < n; g++) op_matmul_nn(&m->eng, t->P + (long)g * V * H, E, W + (long)g * C * H, NULL, V, C, H);
    fuse_job j = {m->acts + ll->out, NULL, t->P, NULL, ll->has_bias ? m->params + ll->p[1] : NULL, tok, n, V, H, rows};
    op_ranges(&m->eng, H, 16, j.rows * n * H >= FUSED_MIN_PAR ? 32 : H + 1, fused_gather, &j);
}

// Group g's backward through torch's W (H, n*C), whose columns g*C.. are W_g^T (H, C): dW's columns
// += G_g^T @ E, and t->tmp (V, C) = G_g @ W_g^T, through W_g^T copied whole (no transposes).
static void torch_group_back(struct mm_tables* t, const float* W, float* dW, const float* E, const float* Gg, int g,
                             const mm_engine* e) {
    int n = t->n, V = t->V, C = t->C, H = t->H;
    float *blk = t->Wt, *dblk = t->Wt + (long)H * C; // (H, C) each
    for (int h = 0; h < H; h++) memcpy(blk + (long)h * C, W + (long)h * n * C + (long)g * C, sizeof(float) * (size_t)C);
    memset(dblk, 0, sizeof(float) * (size_t)H * (size_t)C);
    op_matmul_tn_acc(e, dblk, Gg, E, H, V, C); // (H, C) = G_g^T @ E
    for (int h = 0; h < H; h++) {
        float* d = dW + (long)h * n * C + (long)g * C;
        for (int c = 0; c < C; c++) d[c] += dblk[(long)h * C + c];
    }
    op_matmul_nn(e, t->tmp, Gg, blk, NULL, V, H, C);
}

void mm_tables_backward_rows(mm_model* m, struct mm_tables* t, const uint16_t* tok, long rows) {
    const layer* ll = &m->L[t->lin];
    int n = t->n, V = t->V, C = t->C, H = t->H;
    const float* dout = m->dacts + ll->out;
    fuse_job j = {NULL, t->G, NULL, dout, NULL, tok, n, V, H, rows};
    op_ranges(&m->eng, H, 16, j.rows * n * H >= FUSED_MIN_PAR ? 32 : H + 1, fused_scatter, &j);
    const float* E = m->params + m->L[0].p[0];
    const float* W = m->params + ll->p[0];
    float* dW = m->grads + ll->p[0];
    float* dE = m->grads + m->L[0].p[0];
    for (int g = 0; g < n; g++) {
        const float* Gg = t->G + (long)g * V * H;
        if (t->Wt) torch_group_back(t, W, dW, E, Gg, g, &m->eng); // t->tmp = G_j @ W_j^T
        else {
            op_matmul_tn_acc(&m->eng, dW + (long)g * C * H, E, Gg, C, V, H);          // dW_j (C,H) += E^T @ G_j
            op_matmul_nt(&m->eng, t->tmp, Gg, W + (long)g * C * H, m->work, V, H, C); // G_j @ W_j^T (V,C)
        }
        for (long k = 0; k < (long)V * C; k++) dE[k] += t->tmp[k];
    }
    if (ll->has_bias) mm_bias_grad_add(m->grads + ll->p[1], dout, rows, H);
}

// The tokens of each row's groups: the context's (B, block) as it is, or a Conv1d's taps' (rows, k).
static const uint16_t* row_tokens(mm_model* m, struct mm_tables* t, const uint16_t* X, int B) {
    if (t->lin == 2 && t->context) { // makemore.py's MLP: the table rows its Embedding reads
        for (long b = 0; b < B; b++)
            for (int k = 0; k < t->n; k++) t->tap_tok[b * t->n + k] = (uint16_t)mm_mlp_context_token(X + b * t->n, t->n, k, t->V - 1);
        return t->tap_tok;
    }
    if (t->lin == 2) return X;
    const layer* l = &m->L[1];
    for (long r = 0; r < m->n_rows; r++)
        for (int j = 0; j < l->n; j++) t->tap_tok[r * l->n + j] = m->row_tok[mm_conv_tap_row(l, m->row_pos, r, j)];
    return t->tap_tok;
}
static long row_count(const mm_model* m, const struct mm_tables* t, int B) {
    return t->lin == 1 ? m->n_rows : (long)B * m->L[2].T_out;
}

static void tables_forward(mm_model* m, void* st, const uint16_t* X, int B, int training) {
    double t0 = mm_prof_start(&m->prof);
    mm_tables_forward_rows(m, st, row_tokens(m, st, X, B), row_count(m, st, B));
    mm_prof_add(&m->prof, PROF_TABLES_FWD, t0);
}

static void tables_backward(mm_model* m, void* st, const uint16_t* X, int B) {
    struct mm_tables* t = st;
    double t0 = mm_prof_start(&m->prof);
    mm_tables_backward_rows(m, t, t->lin == 1 || t->context ? t->tap_tok : X, row_count(m, t, B)); // the forward pass's tokens
    mm_prof_add(&m->prof, PROF_TABLES_BWD, t0);
}

// The Embedding's output and gradient, which the tables never compute: the output = the table's
// rows of the batch's tokens (the reference engine's numbers), the gradient = dout @ W^T of the
// fused layer with the engine's kernels (for a Conv1d into its (unused) gathered-taps gradient, then
// each tap's back to the row it read), as the plain layers would give them.
static void tables_fill(mm_model* m, void* st, const uint16_t* X, int B) {
    struct mm_tables* t = st;
    const layer* le = &m->L[0];
    const layer* ll = &m->L[t->lin];
    int C = le->C_out, H = ll->C_out, K = ll->C_in * (t->lin == 1 ? ll->n : 1);
    long n_tok = m->seq ? m->n_rows : (long)B * le->T_out;
    const uint16_t* tok = t->context ? t->tap_tok : mm_model_tokens(m, X); // the MLP's: as the forward mapped them
    const float* E = m->params + le->p[0];
    float* out = m->acts + le->out;
    float* dx = m->dacts + le->out;
    for (long k = 0; k < n_tok; k++) memcpy(out + k * C, E + (long)tok[k] * C, sizeof(float) * (size_t)C);
    long rows = row_count(m, t, B);
    float* d = t->lin == 1 ? m->dacts + ll->aux[0] : dx; // (rows, K)
    if (ll->torch) op_matmul_nn(&m->eng, d, m->dacts + ll->out, m->params + ll->p[0], NULL, (int)rows, H, K);
    else op_matmul_nt(&m->eng, d, m->dacts + ll->out, m->params + ll->p[0], m->work, (int)rows, H, K);
    if (t->lin == 1) mm_conv_taps_back(ll, m->row_pos, d, rows, dx, n_tok);
}

const mm_pass mm_pass_tables = {
    .name = "embedding tables",
    .make = tables_make,
    .free = tables_free,
    .forward = tables_forward,
    .backward = tables_backward,
    .fill = tables_fill,
};
