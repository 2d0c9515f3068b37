// layer_tanh.c: Tanh.
#include "nn/layer.h"

static void tanh_fwd(mm_model* m, const layer* l, const layer_io* io) {
    PROF_T0;
    op_tanh_fwd(&m->eng, io->out, io->in[0], (long)io->B * l->T_out * l->C_out);
    PROF(MM_PROF_FWD_TANH);
}
static void tanh_bwd(mm_model* m, const layer* l, const layer_io* io) {
    PROF_T0;
    op_tanh_bwd(&m->eng, io->din[0], io->out, io->dout, (long)io->B * l->T_out * l->C_out);
    PROF(MM_PROF_BWD_TANH);
}
const layer_type mm_layer_tanh = {.name = "Tanh", .n_in = 1, .shape = mm_layer_same_shape, .forward = tanh_fwd, .backward = tanh_bwd};
