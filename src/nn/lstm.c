// nn/lstm.c: an LSTM cell over a sequence family's rows, torch.nn.LSTMCell's
// equations and gate order (Graves 2014; makemore.py has none):
//   [i, f, g, o] = x_t @ W_ih^T + b_ih + h_{t-1} @ W_hh^T + b_hh
//   i, f, o = sigmoid;  g = tanh;  c_t = f * c_{t-1} + i * g;  h_t = o * tanh(c_t)
// in makemore.py's frame: before a word's start h and c are learned (`start`,
// `start_c`, (1, H)); <name>.weight_ih (4H, E), .weight_hh (4H, H), .bias_ih, .bias_hh
// as LSTMCell's, all ~ U(-1/sqrt(H), 1/sqrt(H)). The input part of the gates is one
// matmul over all rows; the steps (recurrent.c) add the hidden part.
#include <string.h>
#include "base/mathf_inline.h"
#include "nn/layer.h"

enum { START, START_C, W_IH, W_HH, B_IH, B_HH };

static void lstm_declare(const layer* l, layer_decl* d) {
    int E = l->C_in, H = l->C_out;
    d->param[START] = (tensor_decl){"start", 2, {1, H, 0}, H, INIT_ZEROS, 0, 0, 1};
    d->param[START_C] = (tensor_decl){"start_c", 2, {1, H, 0}, H, INIT_ZEROS, 0, 0, 1};
    d->param[W_IH] = (tensor_decl){"weight_ih", 2, {4 * H, E, 0}, 4 * (int64_t)H * E, INIT_UNIFORM, H, 0, 0};
    d->param[W_HH] = (tensor_decl){"weight_hh", 2, {4 * H, H, 0}, 4 * (int64_t)H * H, INIT_UNIFORM, H, 0, 0};
    d->param[B_IH] = (tensor_decl){"bias_ih", 1, {4 * H, 0, 0}, 4 * H, INIT_UNIFORM, H, 0, 0};
    d->param[B_HH] = (tensor_decl){"bias_hh", 1, {4 * H, 0, 0}, 4 * H, INIT_UNIFORM, H, 0, 0};
    d->n_params = 6;
    d->aux_per_row[0] = 6 * (int64_t)H; // i, f, g, o (activated), c and tanh(c) of each row
    d->n_aux = 1;
    int64_t KN = 4 * (int64_t)H * (E > H ? E : H);
    d->work = KN + mm_steps_ints(0);
    d->work_per_row = 2 + 4 * (int64_t)H + 4 * (int64_t)H + 4 * (int64_t)H + 3 * (int64_t)H; // ints; GX/DG, GH/DGR, HP, DH, DC, DHP
}

static void lstm_fwd(const layer* l, const layer_run* r) {
    int E = l->C_in, H = l->C_out, G = 4 * H;
    float* w = r->work;
    mm_steps st;
    mm_steps_plan_from(&st, r->pos, r->from, r->rows, (int*)mm_take(&w, mm_steps_ints(r->rows)));
    float *gx = mm_take(&w, r->rows * G), *gh = mm_take(&w, r->rows * G), *hp = mm_take(&w, r->rows * H);
    float* scratch = mm_take(&w, 4 * (int64_t)H * (E > H ? E : H));
    long from = r->from; // the input part, every (new) row at once
    op_matmul_nt(r->eng, gx + from * G, r->in[0] + from * E, r->p[W_IH], scratch, (int)(r->rows - from), E, G);
    for (int s = 0; s < st.n_steps; s++) {
        int f = st.first[s], n = st.first[s + 1] - f;
        if (n == 0) continue; // rows before r->from only
        mm_steps_gather(&st, s, hp, H, r->out, H, r->p[START], r->pos, 1);
        op_matmul_nt(r->eng, gh, hp, r->p[W_HH], scratch, n, H, G);
        for (int k = 0; k < n; k++) {
            long row = st.order[f + k], prev = mm_step_prev(r->pos, row);
            const float *a = gx + row * G, *b = gh + (long)k * G;
            const float* cp = prev < 0 ? r->p[START_C] : r->aux[0] + prev * 6 * H + G;
            float *y = r->aux[0] + row * 6 * H, *h = r->out + row * H;
            const float *bi = r->p[B_IH], *bh = r->p[B_HH];
            for (int c = 0; c < G; c++) y[c] = (a[c] + bi[c]) + (b[c] + bh[c]); // one loop per kind: they vectorise
            for (int c = 0; c < 2 * H; c++) y[c] = mm_sigmoid_inline(y[c]);       // i, f
            for (int c = 2 * H; c < 3 * H; c++) y[c] = mm_tanh_inline(y[c]);     // g
            for (int c = 3 * H; c < G; c++) y[c] = mm_sigmoid_inline(y[c]);       // o
            for (int c = 0; c < H; c++) y[G + c] = y[H + c] * cp[c] + y[c] * y[2 * H + c];
            for (int c = 0; c < H; c++) y[G + H + c] = mm_tanh_inline(y[G + c]);
            for (int c = 0; c < H; c++) h[c] = y[3 * H + c] * y[G + H + c];
        }
    }
}

// One step's gate gradients dg (n, 4H) (of the pre-activations), its rows' dh and dc complete; dc
// added to the rows before (or start_c).
static void lstm_gates_back(const layer* l, const layer_run* r, const mm_steps* st, int s, const float* dh, float* dc, float* dg) {
    int H = l->C_out, G = 4 * H, f = st->first[s], n = st->first[s + 1] - f;
    for (int k = 0; k < n; k++) {
        long row = st->order[f + k], prev = mm_step_prev(r->pos, row);
        const float* y = r->aux[0] + row * 6 * H;
        const float* cp = prev < 0 ? r->p[START_C] : r->aux[0] + prev * 6 * H + G;
        float* to = prev < 0 ? r->g[START_C] : dc + prev * H;
        float* d = dg + (long)k * G;
        for (int c = 0; c < H; c++) {
            float i = y[c], fg = y[H + c], g = y[2 * H + c], o = y[3 * H + c], tc = y[G + H + c];
            float dhv = dh[row * H + c], dct = dc[row * H + c] + dhv * o * (1.0f - tc * tc);
            d[c] = dct * g * i * (1.0f - i);
            d[H + c] = dct * cp[c] * fg * (1.0f - fg);
            d[2 * H + c] = dct * i * (1.0f - g * g);
            d[3 * H + c] = dhv * tc * o * (1.0f - o);
            to[c] += dct * fg;
        }
    }
}

static void lstm_bwd(const layer* l, const layer_run* r) {
    int E = l->C_in, H = l->C_out, G = 4 * H, rows = (int)r->rows;
    float* w = r->work;
    mm_steps st;
    mm_steps_plan(&st, r->pos, r->rows, (int*)mm_take(&w, mm_steps_ints(r->rows)));
    float *dg = mm_take(&w, r->rows * G), *dgr = mm_take(&w, r->rows * G), *hp = mm_take(&w, r->rows * H);
    float *dh = mm_take(&w, r->rows * H), *dc = mm_take(&w, r->rows * H), *dhp = mm_take(&w, r->rows * H);
    memcpy(dh, r->dout, sizeof(float) * (size_t)(r->rows * H));
    memset(dc, 0, sizeof(float) * (size_t)(r->rows * H));
    for (int s = st.n_steps - 1; s >= 0; s--) {
        int f = st.first[s], n = st.first[s + 1] - f;
        mm_steps_gather(&st, s, hp + (long)f * H, H, r->out, H, r->p[START], r->pos, 1);
        lstm_gates_back(l, r, &st, s, dh, dc, dg + (long)f * G);
        op_matmul_nn(r->eng, dhp, dg + (long)f * G, r->p[W_HH], NULL, n, G, H); // dh_prev = dg @ W_hh
        for (int k = 0; k < n; k++) {
            long row = st.order[f + k], prev = mm_step_prev(r->pos, row);
            float* to = prev < 0 ? r->g[START] : dh + prev * H;
            for (int c = 0; c < H; c++) to[c] += dhp[(long)k * H + c];
            memcpy(dgr + row * G, dg + (long)(f + k) * G, sizeof(float) * (size_t)G); // in row order, for the input part
        }
    }
    op_matmul_tn_acc(r->eng, r->g[W_IH], dgr, r->in[0], G, rows, E);
    op_matmul_tn_acc(r->eng, r->g[W_HH], dg, hp, G, rows, H);
    mm_bias_grad_add(r->g[B_IH], dg, rows, G);
    mm_bias_grad_add(r->g[B_HH], dg, rows, G);
    if (r->din[0]) op_matmul_nn(r->eng, r->din[0], dgr, r->p[W_IH], NULL, rows, G, E);
}

const layer_type mm_layer_lstm = {.name = "LSTMCell", .n_in = 1, .extends = 1, .shape = mm_cell_shape, .declare = lstm_declare,
                                  .forward = lstm_fwd, .backward = lstm_bwd};
