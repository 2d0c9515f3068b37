// nn/rnn.c: makemore.py's RNNCell over a sequence family's rows (Mikolov 2010):
// h_t = tanh(xh_to_h([x_t, h_{t-1}])), h before a word's start the learned `start`
// (1, H). Its input x (rows, E), its output h (rows, H). The tensors are named as
// makemore.py's RNN's: `start` and <name>.xh_to_h.weight (H, E + H) / .bias, an
// nn.Linear (torch's layout and initialisation). Forward runs the steps in order
// (recurrent.c), backward in reverse, each step one matmul over all words.
#include <string.h>
#include "nn/layer.h"

static void rnn_declare(const layer* l, layer_decl* d) {
    int E = l->C_in, H = l->C_out, K = E + H;
    d->param[0] = (tensor_decl){"start", 2, {1, H, 0}, H, INIT_ZEROS, 0, 0, 1};
    d->param[1] = (tensor_decl){"xh_to_h.weight", 2, {H, K, 0}, (int64_t)H * K, INIT_UNIFORM, K, 0, 0};
    d->param[2] = (tensor_decl){"xh_to_h.bias", 1, {H, 0, 0}, H, INIT_UNIFORM, K, 0, 0};
    d->n_params = 3;
    d->work = (int64_t)K * H + mm_steps_ints(0);
    d->work_per_row = 2 + 2 * K + 2 * H; // ints; XH, DXH; A, DH
}

// A step's [x, h_prev] rows (n, K) into xh.
static void gather_xh(const layer* l, const layer_run* r, const mm_steps* st, int s, float* xh) {
    int E = l->C_in, H = l->C_out, K = E + H;
    mm_steps_gather(st, s, xh, K, r->in[0], E, NULL, r->pos, 0);
    mm_steps_gather(st, s, xh + E, K, r->out, H, r->p[0], r->pos, 1);
}

static void rnn_fwd(const layer* l, const layer_run* r) {
    int E = l->C_in, H = l->C_out, K = E + H;
    float* w = r->work;
    mm_steps st;
    mm_steps_plan_from(&st, r->pos, r->from, r->rows, (int*)mm_take(&w, mm_steps_ints(r->rows)));
    float* xh = mm_take(&w, r->rows * K);
    float* a = mm_take(&w, r->rows * H);
    float* scratch = mm_take(&w, (int64_t)K * H);
    for (int s = 0; s < st.n_steps; s++) {
        int f = st.first[s], n = st.first[s + 1] - f;
        if (n == 0) continue; // rows before r->from only
        gather_xh(l, r, &st, s, xh + (long)f * K);
        op_matmul_nt(r->eng, a + (long)f * H, xh + (long)f * K, r->p[1], scratch, n, K, H);
        mm_bias_add(a + (long)f * H, r->p[2], n, H);
        for (int k = 0; k < n; k++) op_tanh_fwd(r->eng, r->out + (long)st.order[f + k] * H, a + (long)(f + k) * H, H);
    }
}

static void rnn_bwd(const layer* l, const layer_run* r) {
    int E = l->C_in, H = l->C_out, K = E + H;
    float* w = r->work;
    mm_steps st;
    mm_steps_plan(&st, r->pos, r->rows, (int*)mm_take(&w, mm_steps_ints(r->rows)));
    float* xh = mm_take(&w, r->rows * K);
    float* da = mm_take(&w, r->rows * H);
    float* dh = mm_take(&w, r->rows * H);
    float* dxh = mm_take(&w, r->rows * K);
    memcpy(dh, r->dout, sizeof(float) * (size_t)(r->rows * H));
    for (int s = st.n_steps - 1; s >= 0; s--) {
        int f = st.first[s], n = st.first[s + 1] - f;
        gather_xh(l, r, &st, s, xh + (long)f * K);
        for (int k = 0; k < n; k++) { // dpre = dh * (1 - h^2)
            long row = st.order[f + k];
            op_tanh_bwd(r->eng, da + (long)(f + k) * H, r->out + row * H, dh + row * H, H);
        }
        op_matmul_nn(r->eng, dxh, da + (long)f * H, r->p[1], NULL, n, H, K); // d[x, h_prev] = dpre @ W
        for (int k = 0; k < n; k++) {
            long row = st.order[f + k], prev = mm_step_prev(r->pos, row);
            const float* d = dxh + (long)k * K;
            if (r->din[0]) memcpy(r->din[0] + row * E, d, sizeof(float) * (size_t)E);
            float* to = prev < 0 ? r->g[0] : dh + prev * H;
            for (int c = 0; c < H; c++) to[c] += d[E + c];
        }
    }
    op_matmul_tn_acc(r->eng, r->g[1], da, xh, H, (int)r->rows, K); // dW += dpre^T @ [x, h_prev]
    mm_bias_grad_add(r->g[2], da, r->rows, H);
}

const layer_type mm_layer_rnn = {.name = "RNNCell", .n_in = 1, .extends = 1, .shape = mm_cell_shape, .declare = rnn_declare,
                                 .forward = rnn_fwd, .backward = rnn_bwd};
