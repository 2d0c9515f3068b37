// fused.c: the fast engine's fused Embedding + first Linear (or, in a sequence
// model, + first Conv1d: its k taps read the tokens of k rows, the same tables).
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
#include "nn/layer.h"

// The gather and scatter split over the pool from this many values up (see ops.c's GEMM_MIN_PAR).
#ifndef FUSED_MIN_PAR
#define FUSED_MIN_PAR 32768
#endif

// The fused layer (the Linear or Conv1d), its rows and the tokens each row's groups read.
static const layer* fused_layer(const mm_model* m) { return &m->L[m->fuse_first == 2 ? 1 : 2]; }
static long fused_rows(const mm_model* m, int B) { return m->fuse_first == 2 ? m->n_rows : (long)B * m->L[2].T_out; }

// Decided per model (place_fused), never per call: a split evaluated in parts of any
// size then sums alike (mm_model_eval_range), on the fast engine too.
int mm_fused_first_used(const mm_model* m) { return m->fuse_first && m->eng.k->fused; }

// The tokens of each row's groups: the context's (B, block) as it is, or a Conv1d's taps' (rows, k).
static const uint16_t* fused_tokens(mm_model* m, const uint16_t* X) {
    if (m->fuse_first != 2) return X;
    const layer* l = &m->L[1];
    for (long r = 0; r < m->n_rows; r++)
        for (int j = 0; j < l->n; j++) m->tap_tok[r * l->n + j] = m->row_tok[mm_conv_tap_row(l, m->row_pos, r, j)];
    return m->tap_tok;
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

void mm_fused_first_fwd_rows(mm_model* m, const uint16_t* tok, long rows) {
    const layer* le = &m->L[0]; const layer* ll = fused_layer(m);
    int n = m->L[1].n, V = m->cfg.vocab_size, C = le->C_out, H = ll->C_out;
    float* P = m->scratch + m->fuse_at;
    const float* E = m->params + le->w; const float* W = m->params + ll->w;
    for (int g = 0; g < n; g++) op_matmul_nn(&m->eng, P + (long)g * V * H, E, W + (long)g * C * H, NULL, V, C, H);
    fuse_job j = {m->acts + ll->out, NULL, P, NULL, ll->has_bias ? m->params + ll->b : NULL, tok, n, V, H, rows};
    op_ranges(&m->eng, H, 16, j.rows * n * H >= FUSED_MIN_PAR ? 32 : H + 1, fused_gather, &j);
}

void mm_fused_first_fwd(mm_model* m, const uint16_t* X, int B) { mm_fused_first_fwd_rows(m, fused_tokens(m, X), fused_rows(m, B)); }

void mm_fused_first_bwd_rows(mm_model* m, const uint16_t* tok, long rows) {
    const layer* le = &m->L[0]; const layer* ll = fused_layer(m);
    int n = m->L[1].n, V = m->cfg.vocab_size, C = le->C_out, H = ll->C_out;
    float* G = m->scratch + m->fuse_at + (long)n * V * H;
    float* tmp = G + (long)n * V * H; // (V, C)
    const float* dout = m->dacts + ll->out;
    fuse_job j = {NULL, G, NULL, dout, NULL, tok, n, V, H, rows};
    op_ranges(&m->eng, H, 16, j.rows * n * H >= FUSED_MIN_PAR ? 32 : H + 1, fused_scatter, &j);
    const float* E = m->params + le->w; const float* W = m->params + ll->w;
    float* dW = m->grads + ll->w; float* dE = m->grads + le->w;
    float* nt_scratch = m->scratch + (m->n_scratch - (long)C * H);
    for (int g = 0; g < n; g++) {
        const float* Gg = G + (long)g * V * H;
        op_matmul_tn(&m->eng, dW + (long)g * C * H, E, Gg, C, V, H);                 // dW_j (C,H) = E^T @ G_j
        op_matmul_nt(&m->eng, g ? tmp : dE, Gg, W + (long)g * C * H, nt_scratch, V, H, C); // G_j @ W_j^T (V,C)
        if (g) for (long k = 0; k < (long)V * C; k++) dE[k] += tmp[k];
    }
    if (ll->has_bias) mm_bias_grad(m->grads + ll->b, dout, j.rows, H);
}

void mm_fused_first_bwd(mm_model* m, const uint16_t* X, int B) {
    mm_fused_first_bwd_rows(m, m->fuse_first == 2 ? m->tap_tok : X, fused_rows(m, B)); // the forward pass's tokens
}
