// nn/linear.c: Linear(C_in, C_out[, bias]): out = in @ W + b, W ~ randn / sqrt(fan_in).
#include "nn/layer.h"

static int linear_shape(layer* l, const layer* const* in, mm_err* err) {
    if (l->C_out < 1) return mm_fail(err, MM_EINVAL, "Linear needs a width of at least 1, not %d", l->C_out);
    l->T_out = l->T_in; // C_out is set when the layer is made
    return MM_OK;
}
static void linear_declare(const layer* l, layer_decl* d) {
    if (l->torch) { // nn.Linear: weight (C_out, C_in), both ~ U(-1/sqrt(C_in), 1/sqrt(C_in))
        d->param[0] = (tensor_decl){"weight", 2, {l->C_out, l->C_in, 0}, (int64_t)l->C_out * l->C_in, INIT_UNIFORM, l->C_in, 0, 0};
        d->n_params = 1;
        if (l->has_bias) d->param[d->n_params++] = (tensor_decl){"bias", 1, {l->C_out, 0, 0}, l->C_out, INIT_UNIFORM, l->C_in, 0, 0};
    } else {
        mm_declare_weight(l, d, l->C_in);
    }
    d->work = (int64_t)l->C_in * l->C_out; // dX = dY @ W^T (or Y = X @ W^T): W repacked
}
// out (rows, C_out) = in (rows, C_in) @ W (C_in, C_out) + b
static void linear_fwd(const layer* l, const layer_run* r) {
    int rows = (int)(r->rows * l->T_out);
    if (l->torch) { // out = in @ W^T + b, W (C_out, C_in)
        op_matmul_nt(r->eng, r->out, r->in[0], r->p[0], r->work, rows, l->C_in, l->C_out);
        if (l->has_bias) mm_bias_add(r->out, r->p[1], rows, l->C_out);
        return;
    }
    op_matmul_nn(r->eng, r->out, r->in[0], r->p[0], l->has_bias ? r->p[1] : NULL, (int)(r->rows * l->T_out), l->C_in, l->C_out);
}
// dW += in^T @ dout; db += column sums of dout; din = dout @ W^T
static void linear_bwd(const layer* l, const layer_run* r) {
    int rows = (int)(r->rows * l->T_out);
    if (l->torch) { // dW (C_out, C_in) += dout^T @ in; db += column sums; din = dout @ W
        op_matmul_tn_acc(r->eng, r->g[0], r->dout, r->in[0], l->C_out, rows, l->C_in);
        if (l->has_bias) mm_bias_grad_add(r->g[1], r->dout, rows, l->C_out);
        if (r->din[0]) op_matmul_nn(r->eng, r->din[0], r->dout, r->p[0], NULL, rows, l->C_out, l->C_in);
        return;
    }
    op_matmul_tn_acc(r->eng, r->g[0], r->in[0], r->dout, l->C_in, rows, l->C_out);
    if (l->has_bias) mm_bias_grad_add(r->g[1], r->dout, rows, l->C_out);
    if (r->din[0]) op_matmul_nt(r->eng, r->din[0], r->dout, r->p[0], r->work, rows, l->C_out, l->C_in);
}
const layer_type mm_layer_linear = {.name = "Linear", .row_local = 1, .n_in = 1, .shape = linear_shape, .declare = linear_declare,
                                    .forward = linear_fwd, .backward = linear_bwd};
