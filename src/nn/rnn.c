// nn/rnn.c: makemore.py's RNNCell over a sequence family's rows (Mikolov 2010):
// h_t = tanh(xh_to_h([x_t, h_{t-1}])), h before a word's start the learned `start`
// (1, H). Its input x (rows, E), its output h (rows, H). The tensors are named as
// makemore.py's RNN's: `start` and <name>.xh_to_h.weight (H, E + H) / .bias, an
// nn.Linear (torch's layout and initialisation). The x part of every row is one
// matmul before the steps (W's x columns); then the steps run in order (recurrent.c),
// each one matmul of the step's h_prev over all words; backward in reverse, the
// weights' and the input's gradients again one matmul each after the steps.
#include <string.h>
#include "nn/layer.h"

static void rnn_declare(const layer* l, layer_decl* d) {
    int E = l->C_in, H = l->C_out, K = E + H;
    d->param[0] = (tensor_decl){"start", 2, {1, H, 0}, H, INIT_ZEROS, 0, 0, 1};
    d->param[1] = (tensor_decl){"xh_to_h.weight", 2, {H, K, 0}, (int64_t)H * K, INIT_UNIFORM, K, 0, 0};
    d->param[2] = (tensor_decl){"xh_to_h.bias", 1, {H, 0, 0}, H, INIT_UNIFORM, K, 0, 0};
    d->n_params = 3;
    d->work = 3 * (int64_t)K * H + mm_steps_ints(0); // Wx, Wh; dWx, dWh; a matmul's scratch
    d->work_per_row = 2 + 5 * (int64_t)H;           // ints; GX/DG, A, HP, DH, DHP
}

static void rnn_fwd(const layer* l, const layer_run* r) {
    int E = l->C_in, H = l->C_out, K = E + H;
    long from = r->from;
    float* w = r->work;
    mm_steps st;
    mm_steps_plan_from(&st, r->pos, from, r->rows, (int*)mm_take(&w, mm_steps_ints(r->rows)));
    float *wx = mm_take(&w, (int64_t)H * E), *wh = mm_take(&w, (int64_t)H * H), *scratch = mm_take(&w, (int64_t)K * H);
    float *gx = mm_take(&w, r->rows * H), *a = mm_take(&w, r->rows * H), *hp = mm_take(&w, r->rows * H);
    mm_split_columns(r->p[1], H, E, H, wx, wh);
    op_matmul_nt(r->eng, gx + from * H, r->in[0] + from * E, wx, scratch, (int)(r->rows - from), E, H); // every (new) row's x part
    for (int s = 0; s < st.n_steps; s++) {
        int f = st.first[s], n = st.first[s + 1] - f;
        if (n == 0) continue; // rows before r->from only
        mm_steps_gather(&st, s, hp, H, r->out, H, r->p[0], r->pos, 1);
        op_matmul_nt(r->eng, a, hp, wh, scratch, n, H, H);
        for (int k = 0; k < n; k++) {
            long row = st.order[f + k];
            float* v = a + (long)k * H;
            for (int c = 0; c < H; c++) v[c] = (gx[row * H + c] + r->p[2][c]) + v[c];
            op_tanh_fwd(r->eng, r->out + row * H, v, H);
        }
    }
}

static void rnn_bwd(const layer* l, const layer_run* r) {
    int E = l->C_in, H = l->C_out, K = E + H, rows = (int)r->rows;
    float* w = r->work;
    mm_steps st;
    mm_steps_plan(&st, r->pos, r->rows, (int*)mm_take(&w, mm_steps_ints(r->rows)));
    float *wx = mm_take(&w, (int64_t)H * E), *wh = mm_take(&w, (int64_t)H * H);
    float *dwx = mm_take(&w, (int64_t)H * E), *dwh = mm_take(&w, (int64_t)H * H);
    float *dg = mm_take(&w, r->rows * H), *da = mm_take(&w, r->rows * H), *hp = mm_take(&w, r->rows * H);
    float *dh = mm_take(&w, r->rows * H), *dhp = mm_take(&w, r->rows * H);
    mm_split_columns(r->p[1], H, E, H, wx, wh);
    memcpy(dh, r->dout, sizeof(float) * (size_t)(r->rows * H));
    for (int s = st.n_steps - 1; s >= 0; s--) {
        int f = st.first[s], n = st.first[s + 1] - f;
        mm_steps_gather(&st, s, hp + (long)f * H, H, r->out, H, r->p[0], r->pos, 1);
        for (int k = 0; k < n; k++) { // dpre = dh * (1 - h^2), in step order and in row order
            long row = st.order[f + k];
            op_tanh_bwd(r->eng, da + (long)(f + k) * H, r->out + row * H, dh + row * H, H);
            memcpy(dg + row * H, da + (long)(f + k) * H, sizeof(float) * (size_t)H);
        }
        op_matmul_nn(r->eng, dhp, da + (long)f * H, wh, NULL, n, H, H); // dh_prev = dpre @ Wh
        for (int k = 0; k < n; k++) {
            long prev = mm_step_prev(r->pos, st.order[f + k]);
            float* to = prev < 0 ? r->g[0] : dh + prev * H;
            for (int c = 0; c < H; c++) to[c] += dhp[(long)k * H + c];
        }
    }
    memset(dwx, 0, sizeof(float) * (size_t)H * (size_t)K); // dwx, dwh
    op_matmul_tn_acc(r->eng, dwx, dg, r->in[0], H, rows, E); // the x columns: dpre^T @ x, every row at once
    op_matmul_tn_acc(r->eng, dwh, da, hp, H, rows, H);       // the h columns: dpre^T @ h_prev
    mm_add_columns(r->g[1], H, E, H, dwx, dwh);
    mm_bias_grad_add(r->g[2], dg, rows, H);
    if (r->din[0]) op_matmul_nn(r->eng, r->din[0], dg, wx, NULL, rows, H, E); // dx = dpre @ Wx
}

const layer_type mm_layer_rnn = {.name = "RNNCell", .n_in = 1, .extends = 1, .shape = mm_cell_shape, .declare = rnn_declare,
                                 .forward = rnn_fwd, .backward = rnn_bwd};
