// nn/bow.c: makemore.py's CausalBoW over a sequence family's rows: each position's
// output is the average of the inputs at its word's positions up to it (makemore.py:
// softmax of a causally masked zero matrix, times x). Row 0 is every word's position
// 0. Its buffer `bias` is makemore.py's mask, tril(ones(block, block)) (1, block,
// block), kept so its files load into makemore.py's BoW; the mask is causal by
// construction here.
#include <string.h>
#include "nn/layer.h"

static int bow_shape(layer* l, const layer* const* in, mm_err* err) {
    if (l->T_in != 1) return mm_fail(err, MM_EINVAL, "the causal bag of words runs on a sequence family's rows, not on (%d, %d) examples",
                                     l->T_in, l->C_in);
    if (l->n < 1) return mm_fail(err, MM_EINVAL, "the causal bag of words needs a block size of at least 1, not %d", l->n);
    return mm_shape_same(l, in, err);
}
static void bow_declare(const layer* l, layer_decl* d) {
    d->buffer[0] = (tensor_decl){"bias", 3, {1, l->n, l->n}, (int64_t)l->n * l->n, INIT_TRIL, 0, 0, 0};
    d->n_buffers = 1;
}
// The rows row r averages, in position order: row 0, then its word's rows up to r.
static long chain(const int* pos, long r, long j) { return j == 0 ? 0 : r - pos[r] + j - 1; }

static void bow_fwd(const layer* l, const layer_run* r) {
    int C = l->C_out;
    for (long i = r->from; i < r->rows; i++) {
        long n = r->pos[i] + 2; // positions averaged (row 0: itself)
        float w = 1.0f / (float)n, *y = r->out + i * C;
        memset(y, 0, sizeof(float) * (size_t)C);
        for (long j = 0; j < n; j++) {
            const float* x = r->in[0] + chain(r->pos, i, j) * C;
            for (int c = 0; c < C; c++) y[c] += w * x[c];
        }
    }
}
static void bow_bwd(const layer* l, const layer_run* r) {
    int C = l->C_out;
    float* dx = r->din[0];
    if (!dx) return;
    memset(dx, 0, sizeof(float) * (size_t)(r->rows * C));
    for (long i = 0; i < r->rows; i++) {
        long n = r->pos[i] + 2;
        float w = 1.0f / (float)n;
        const float* dy = r->dout + i * C;
        for (long j = 0; j < n; j++) {
            float* d = dx + chain(r->pos, i, j) * C;
            for (int c = 0; c < C; c++) d[c] += w * dy[c];
        }
    }
}
const layer_type mm_layer_bow = {.name = "CausalBoW", .n_in = 1, .extends = 1, .shape = bow_shape, .declare = bow_declare,
                                 .forward = bow_fwd, .backward = bow_bwd};
