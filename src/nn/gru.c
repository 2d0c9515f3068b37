// nn/gru.c: makemore.py's GRUCell over a sequence family's rows:
//   xh = [x_t, h_{t-1}];  r = sigmoid(xh_to_r(xh));  z = sigmoid(xh_to_z(xh))
//   hbar = tanh(xh_to_hbar([x_t, r * h_{t-1}]));  h_t = (1 - z) * h_{t-1} + z * hbar
// h before a word's start the learned `start`. Tensors as makemore.py names them
// (`start`, <name>.xh_to_z / xh_to_r / xh_to_hbar .weight (H, E + H) and .bias),
// declared one after the other: the three weights are one (3H, E + H) matrix, the
// biases one (3H). The x part of all three for every row is one matmul before the
// steps (the weights' x columns, rnn.c's way); a step multiplies h_prev by z's and
// r's h columns (one matmul), then r * h_prev by hbar's.
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
    d->work = 3 * 3 * (int64_t)K * H + mm_steps_ints(0); // Wx, Wh; dWx, dWh; a matmul's scratch
    d->work_per_row = 2 + 15 * (int64_t)H;              // ints; GX/DG, HP, RH, A (2H), B, DZR (2H), DHB, DH, DRH, DHP, DT
}

// The step's h_prev rows (n, H) into hp, and r * h_prev into rh (r from aux).
static void gather(const layer_run* r, const mm_steps* st, int s, int H, float* hp, float* rh) {
    mm_steps_gather(st, s, hp, H, r->out, H, r->p[START], r->pos, 1);
    for (int k = 0; k < st->first[s + 1] - st->first[s]; k++) {
        const float* g = r->aux[0] + (long)st->order[st->first[s] + k] * 3 * H;
        for (int c = 0; c < H; c++) rh[(long)k * H + c] = g[H + c] * hp[(long)k * H + c];
    }
}

static void gru_fwd(const layer* l, const layer_run* r) {
    int E = l->C_in, H = l->C_out, K = E + H;
    long from = r->from;
    float* w = r->work;
    mm_steps st;
    mm_steps_plan_from(&st, r->pos, from, r->rows, (int*)mm_take(&w, mm_steps_ints(r->rows)));
    float *wx = mm_take(&w, 3 * (int64_t)H * E), *wh = mm_take(&w, 3 * (int64_t)H * H), *scratch = mm_take(&w, 3 * (int64_t)K * H);
    float *gx = mm_take(&w, r->rows * 3 * H), *hp = mm_take(&w, r->rows * H), *rh = mm_take(&w, r->rows * H);
    float *a = mm_take(&w, r->rows * 2 * H), *b = mm_take(&w, r->rows * H);
    mm_split_columns(r->p[WZ], 3 * H, E, H, wx, wh);
    op_matmul_nt(r->eng, gx + from * 3 * H, r->in[0] + from * E, wx, scratch, (int)(r->rows - from), E, 3 * H); // [z, r, hbar]'s x parts
    for (int s = 0; s < st.n_steps; s++) {
        int f = st.first[s], n = st.first[s + 1] - f;
        if (n == 0) continue; // rows before r->from only
        mm_steps_gather(&st, s, hp, H, r->out, H, r->p[START], r->pos, 1);
        op_matmul_nt(r->eng, a, hp, wh, scratch, n, H, 2 * H); // z's and r's h parts
        for (int k = 0; k < n; k++) { // z, r into aux: the gather of r * h_prev reads r there
            float* g = r->aux[0] + (long)st.order[f + k] * 3 * H;
            const float* x = gx + (long)st.order[f + k] * 3 * H;
            for (int c = 0; c < 2 * H; c++) g[c] = mm_sigmoid_inline((x[c] + r->p[BZ][c]) + a[(long)k * 2 * H + c]);
        }
        gather(r, &st, s, H, hp, rh);
        op_matmul_nt(r->eng, b, rh, wh + 2 * (long)H * H, scratch, n, H, H); // hbar's h part
        for (int k = 0; k < n; k++) {
            long row = st.order[f + k];
            float *g = r->aux[0] + row * 3 * H, *h = r->out + row * H, *v = b + (long)k * H;
            const float *x = gx + row * 3 * H + 2 * H, *p = hp + (long)k * H;
            for (int c = 0; c < H; c++) v[c] = (x[c] + r->p[BH][c]) + v[c];
            op_tanh_fwd(r->eng, g + 2 * H, v, H);
            for (int c = 0; c < H; c++) h[c] = (1.0f - g[c]) * p[c] + g[c] * g[2 * H + c];
        }
    }
}

// One step's gradients, its rows' dh complete: the pre-activations' DZR (n, 2H), DHB (n, H) in step
// order (for the h columns' gradients) and dg (rows, 3H) in row order (the x columns', the input's);
// dh_prev added to the rows before (or start).
static void gru_step_back(const layer* l, const layer_run* r, const mm_steps* st, int s, const float* hp, const float* wh, float* dh,
                          float* dzr, float* dhb, float* dg, float* w) {
    int H = l->C_out, f = st->first[s], n = st->first[s + 1] - f;
    float *dhp = mm_take(&w, (int64_t)n * H), *drh = mm_take(&w, (int64_t)n * H), *dt = mm_take(&w, (int64_t)n * H);
    for (int k = 0; k < n; k++) {
        long row = st->order[f + k];
        const float *g = r->aux[0] + row * 3 * H, *d = dh + row * H, *p = hp + (long)k * H;
        for (int c = 0; c < H; c++) {
            float z = g[c], hbar = g[2 * H + c];
            dhb[(long)k * H + c] = d[c] * z * (1.0f - hbar * hbar);
            dzr[(long)k * 2 * H + c] = d[c] * (hbar - p[c]) * z * (1.0f - z);
            dhp[(long)k * H + c] = d[c] * (1.0f - z);
        }
    }
    op_matmul_nn(r->eng, drh, dhb, wh + 2 * (long)H * H, NULL, n, H, H); // d(r * h_prev)
    for (int k = 0; k < n; k++) {
        const float *g = r->aux[0] + (long)st->order[f + k] * 3 * H, *p = hp + (long)k * H, *d = drh + (long)k * H;
        for (int c = 0; c < H; c++) {
            float rr = g[H + c];
            dzr[(long)k * 2 * H + H + c] = d[c] * p[c] * rr * (1.0f - rr);
            dhp[(long)k * H + c] += d[c] * rr;
        }
    }
    op_matmul_nn(r->eng, dt, dzr, wh, NULL, n, 2 * H, H); // d h_prev through z and r
    for (int k = 0; k < n; k++) {
        long row = st->order[f + k], prev = mm_step_prev(r->pos, row);
        float* to = prev < 0 ? r->g[START] : dh + prev * H;
        for (int c = 0; c < H; c++) to[c] += dhp[(long)k * H + c] + dt[(long)k * H + c];
        memcpy(dg + row * 3 * H, dzr + (long)k * 2 * H, sizeof(float) * 2 * (size_t)H);
        memcpy(dg + row * 3 * H + 2 * H, dhb + (long)k * H, sizeof(float) * (size_t)H);
    }
}

static void gru_bwd(const layer* l, const layer_run* r) {
    int E = l->C_in, H = l->C_out, K = E + H, rows = (int)r->rows;
    float* w = r->work;
    mm_steps st;
    mm_steps_plan(&st, r->pos, r->rows, (int*)mm_take(&w, mm_steps_ints(r->rows)));
    float *wx = mm_take(&w, 3 * (int64_t)H * E), *wh = mm_take(&w, 3 * (int64_t)H * H);
    float *dwx = mm_take(&w, 3 * (int64_t)H * E), *dwh = mm_take(&w, 3 * (int64_t)H * H);
    float *dg = mm_take(&w, r->rows * 3 * H), *hp = mm_take(&w, r->rows * H), *rh = mm_take(&w, r->rows * H);
    float *dzr = mm_take(&w, r->rows * 2 * H), *dhb = mm_take(&w, r->rows * H), *dh = mm_take(&w, r->rows * H);
    mm_split_columns(r->p[WZ], 3 * H, E, H, wx, wh);
    memcpy(dh, r->dout, sizeof(float) * (size_t)(r->rows * H));
    for (int s = st.n_steps - 1; s >= 0; s--) {
        long f = st.first[s];
        gather(r, &st, s, H, hp + f * H, rh + f * H);
        gru_step_back(l, r, &st, s, hp + f * H, wh, dh, dzr + f * 2 * H, dhb + f * H, dg, w);
    }
    memset(dwx, 0, sizeof(float) * 3 * (size_t)H * (size_t)K); // dwx, dwh
    op_matmul_tn_acc(r->eng, dwx, dg, r->in[0], 3 * H, rows, E);         // the x columns of all three, every row at once
    op_matmul_tn_acc(r->eng, dwh, dzr, hp, 2 * H, rows, H);              // z's and r's h columns
    op_matmul_tn_acc(r->eng, dwh + 2 * (long)H * H, dhb, rh, H, rows, H); // hbar's h columns: of r * h_prev
    mm_add_columns(r->g[WZ], 3 * H, E, H, dwx, dwh);
    mm_bias_grad_add(r->g[BZ], dg, rows, 3 * H);
    if (r->din[0]) op_matmul_nn(r->eng, r->din[0], dg, wx, NULL, rows, 3 * H, E); // dx through all three
}

const layer_type mm_layer_gru = {.name = "GRUCell", .n_in = 1, .extends = 1, .one_block = 1, .shape = mm_cell_shape, .declare = gru_declare,
                                 .forward = gru_fwd, .backward = gru_bwd};
