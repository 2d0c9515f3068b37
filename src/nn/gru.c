// nn/gru.c: makemore.py's GRUCell over a sequence family's rows:
//   xh = [x_t, h_{t-1}];  r = sigmoid(xh_to_r(xh));  z = sigmoid(xh_to_z(xh))
//   hbar = tanh(xh_to_hbar([x_t, r * h_{t-1}]));  h_t = (1 - z) * h_{t-1} + z * hbar
// h before a word's start the learned `start`. Tensors as makemore.py names them
// (`start`, <name>.xh_to_z / xh_to_r / xh_to_hbar .weight (H, E + H) and .bias); z's and
// r's weights (and biases) are declared one after the other, so they are one (2H, E + H)
// matrix: one matmul gives both gates. Steps as in rnn.c (recurrent.c).
#include <string.h>
#include "base/mathf_inline.h"
#include "nn/layer.h"

enum { START, WZ, WR, WH, BZ, BR, BH };

static void gru_declare(const layer* l, layer_decl* d) {
    int E = l->C_in, H = l->C_out, K = E + H;
    static const char* const NAMES[] = {"start", "xh_to_z.weight", "xh_to_r.weight", "xh_to_hbar.weight", "xh_to_z.bias",
                                        "xh_to_r.bias", "xh_to_hbar.bias"};
    d->param[START] = (tensor_decl){NAMES[START], 2, {1, H, 0}, H, INIT_ZEROS, 0, 0, 1};
    for (int k = WZ; k <= WH; k++) d->param[k] = (tensor_decl){NAMES[k], 2, {H, K, 0}, (int64_t)H * K, INIT_UNIFORM, K, 0, 0};
    for (int k = BZ; k <= BH; k++) d->param[k] = (tensor_decl){NAMES[k], 1, {H, 0, 0}, H, INIT_UNIFORM, K, 0, 0};
    d->n_params = 7;
    d->aux_per_row[0] = 3 * H; // z, r, hbar of each row
    d->n_aux = 1;
    d->work = 2 * (int64_t)K * H + mm_steps_ints(0);
    d->work_per_row = 2 + 4 * K + 7 * H; // ints; XH, XHR, DXH, DXHR; ZR/DZR, HB/DHB, DH, DZ, DHP
}

// A step's [x, h_prev] rows into xh and [x, r * h_prev] into xhr (r from aux; forward sets it first).
static void gather(const layer* l, const layer_run* r, const mm_steps* st, int s, float* xh, float* xhr, int with_r) {
    int E = l->C_in, H = l->C_out, K = E + H;
    mm_steps_gather(st, s, xh, K, r->in[0], E, NULL, r->pos, 0);
    mm_steps_gather(st, s, xh + E, K, r->out, H, r->p[START], r->pos, 1);
    if (!with_r) return;
    for (int k = 0; k < st->first[s + 1] - st->first[s]; k++) {
        const float* g = r->aux[0] + (long)st->order[st->first[s] + k] * 3 * H;
        const float* x = xh + (long)k * K;
        float* y = xhr + (long)k * K;
        memcpy(y, x, sizeof(float) * (size_t)E);
        for (int c = 0; c < H; c++) y[E + c] = g[H + c] * x[E + c];
    }
}

static void gru_fwd(const layer* l, const layer_run* r) {
    int E = l->C_in, H = l->C_out, K = E + H;
    float* w = r->work;
    mm_steps st;
    mm_steps_plan_from(&st, r->pos, r->from, r->rows, (int*)mm_take(&w, mm_steps_ints(r->rows)));
    float *xh = mm_take(&w, r->rows * K), *xhr = mm_take(&w, r->rows * K);
    float *zr = mm_take(&w, r->rows * 2 * H), *hb = mm_take(&w, r->rows * H), *scratch = mm_take(&w, 2 * (int64_t)K * H);
    for (int s = 0; s < st.n_steps; s++) {
        int f = st.first[s], n = st.first[s + 1] - f;
        if (n == 0) continue; // rows before r->from only
        gather(l, r, &st, s, xh, NULL, 0);
        op_matmul_nt(r->eng, zr, xh, r->p[WZ], scratch, n, K, 2 * H); // [z, r] pre-activations: WZ, WR are one matrix
        mm_bias_add(zr, r->p[BZ], n, 2 * H);
        for (int k = 0; k < n; k++) { // z, r into aux first: the gather of [x, r * h_prev] reads r there
            float* g = r->aux[0] + (long)st.order[f + k] * 3 * H;
            for (int c = 0; c < 2 * H; c++) g[c] = mm_sigmoid_inline(zr[(long)k * 2 * H + c]);
        }
        gather(l, r, &st, s, xh, xhr, 1);
        op_matmul_nt(r->eng, hb, xhr, r->p[WH], scratch, n, K, H);
        mm_bias_add(hb, r->p[BH], n, H);
        for (int k = 0; k < n; k++) {
            long row = st.order[f + k];
            float* g = r->aux[0] + row * 3 * H;
            float* h = r->out + row * H;
            const float* hp = xh + (long)k * K + E;
            op_tanh_fwd(r->eng, g + 2 * H, hb + (long)k * H, H);
            for (int c = 0; c < H; c++) h[c] = (1.0f - g[c]) * hp[c] + g[c] * g[2 * H + c];
        }
    }
}

// One step's gradients, its rows' dh complete: DHB (n, H) and DZR (n, 2H) of the pre-activations
// (kept in step order for the weights' gradients), dx of its rows, dh_prev added to the rows before.
static void gru_step_back(const layer* l, const layer_run* r, const mm_steps* st, int s, const float* xh, float* dh, float* dhb,
                          float* dzr, float* w) {
    int E = l->C_in, H = l->C_out, K = E + H, f = st->first[s], n = st->first[s + 1] - f;
    float *dz = mm_take(&w, (int64_t)n * H), *dhp = mm_take(&w, (int64_t)n * H), *dxhr = mm_take(&w, (int64_t)n * K);
    float* dxh = mm_take(&w, (int64_t)n * K);
    for (int k = 0; k < n; k++) {
        long row = st->order[f + k];
        const float *g = r->aux[0] + row * 3 * H, *d = dh + row * H, *hp = xh + (long)k * K + E;
        for (int c = 0; c < H; c++) {
            float z = g[c], hbar = g[2 * H + c];
            dhb[(long)k * H + c] = d[c] * z * (1.0f - hbar * hbar);
            dz[(long)k * H + c] = d[c] * (hbar - hp[c]);
            dhp[(long)k * H + c] = d[c] * (1.0f - z);
        }
    }
    op_matmul_nn(r->eng, dxhr, dhb, r->p[WH], NULL, n, H, K); // d[x, r * h_prev]
    for (int k = 0; k < n; k++) {
        const float *g = r->aux[0] + (long)st->order[f + k] * 3 * H, *hp = xh + (long)k * K + E, *d = dxhr + (long)k * K + E;
        for (int c = 0; c < H; c++) {
            float z = g[c], rr = g[H + c];
            dzr[(long)k * 2 * H + c] = dz[(long)k * H + c] * z * (1.0f - z);
            dzr[(long)k * 2 * H + H + c] = d[c] * hp[c] * rr * (1.0f - rr);
            dhp[(long)k * H + c] += d[c] * rr;
        }
    }
    op_matmul_nn(r->eng, dxh, dzr, r->p[WZ], NULL, n, 2 * H, K); // d[x, h_prev] through the gates
    for (int k = 0; k < n; k++) {
        long row = st->order[f + k], prev = mm_step_prev(r->pos, row);
        const float *a = dxhr + (long)k * K, *b = dxh + (long)k * K;
        if (r->din[0]) for (int c = 0; c < E; c++) r->din[0][row * E + c] = a[c] + b[c];
        float* to = prev < 0 ? r->g[START] : dh + prev * H;
        for (int c = 0; c < H; c++) to[c] += dhp[(long)k * H + c] + b[E + c];
    }
}

static void gru_bwd(const layer* l, const layer_run* r) {
    int E = l->C_in, H = l->C_out, K = E + H;
    float* w = r->work;
    mm_steps st;
    mm_steps_plan(&st, r->pos, r->rows, (int*)mm_take(&w, mm_steps_ints(r->rows)));
    float *xh = mm_take(&w, r->rows * K), *xhr = mm_take(&w, r->rows * K);
    float *dzr = mm_take(&w, r->rows * 2 * H), *dhb = mm_take(&w, r->rows * H), *dh = mm_take(&w, r->rows * H);
    memcpy(dh, r->dout, sizeof(float) * (size_t)(r->rows * H));
    for (int s = st.n_steps - 1; s >= 0; s--) {
        long f = st.first[s];
        gather(l, r, &st, s, xh + f * K, xhr + f * K, 1);
        gru_step_back(l, r, &st, s, xh + f * K, dh, dhb + f * H, dzr + f * 2 * H, w);
    }
    int rows = (int)r->rows;
    op_matmul_tn_acc(r->eng, r->g[WZ], dzr, xh, 2 * H, rows, K); // WZ, WR: one (2H, K) matrix
    op_matmul_tn_acc(r->eng, r->g[WH], dhb, xhr, H, rows, K);
    mm_bias_grad_add(r->g[BZ], dzr, rows, 2 * H);
    mm_bias_grad_add(r->g[BH], dhb, rows, H);
}

const layer_type mm_layer_gru = {.name = "GRUCell", .n_in = 1, .extends = 1, .shape = mm_cell_shape, .declare = gru_declare,
                                 .forward = gru_fwd, .backward = gru_bwd};
