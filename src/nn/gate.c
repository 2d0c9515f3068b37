// nn/gate.c: the WaveNet's gated activation over a (rows, 2C) input a:
// out (rows, C) = tanh(a[:, :C]) * sigmoid(a[:, C:]) (the filter and the gate).
#include "nn/layer.h"
#include "base/mathf_inline.h"

static int gate_shape(layer* l, const layer* const* in, mm_err* err) {
    if (l->C_in < 2 || l->C_in % 2)
        return mm_fail(err, MM_EINVAL, "the gate needs an even number of channels (filter and gate), not %d", l->C_in);
    l->T_out = l->T_in;
    l->C_out = l->C_in / 2;
    return MM_OK;
}
#define sigmoid mm_sigmoid_inline
static void gate_fwd(const layer* l, const layer_run* r) {
    long rows = r->rows * l->T_out;
    int C = l->C_out;
    for (long i = 0; i < rows; i++) {
        const float* a = r->in[0] + i * 2 * C;
        float* y = r->out + i * C;
        for (int c = 0; c < C; c++) y[c] = mm_tanh_inline(a[c]) * sigmoid(a[C + c]);
    }
}
static void gate_bwd(const layer* l, const layer_run* r) {
    long rows = r->rows * l->T_out;
    int C = l->C_out;
    for (long i = 0; i < rows; i++) {
        const float* a = r->in[0] + i * 2 * C;
        const float* dy = r->dout + i * C;
        float* da = r->din[0] + i * 2 * C;
        for (int c = 0; c < C; c++) {
            float t = mm_tanh_inline(a[c]), s = sigmoid(a[C + c]);
            da[c] = dy[c] * s * (1.0f - t * t);
            da[C + c] = dy[c] * t * s * (1.0f - s);
        }
    }
}
const layer_type mm_layer_gate = {.name = "Gate", .row_local = 1, .n_in = 1, .shape = gate_shape, .forward = gate_fwd, .backward = gate_bwd};
