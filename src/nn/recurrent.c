// nn/recurrent.c: what the recurrent cells (rnn.c, gru.c, lstm.c) share: the time
// steps of a sequence family's rows, and the gathers of a step's inputs.
//
// The rows (model/rows.c) hold each word's positions one after another, and row 0
// is the position every word starts at (makemore.py's x_0 = 0, the start token).
// A cell reads, at each row, its input x and the hidden state of the row before
// (the row's previous position; row 0's is the learned start state). Step 0 is row
// 0, step s the rows at position s-1: a step's rows depend only on the step
// before, so each step is one small matmul over all words at once.
#include <string.h>
#include "nn/layer.h"

void mm_steps_plan(mm_steps* s, const int* pos, long rows, int* ints) { mm_steps_plan_from(s, pos, 0, rows, ints); }

void mm_steps_plan_from(mm_steps* s, const int* pos, long from, long rows, int* ints) {
    int n_steps = 0;
    for (long r = from; r < rows; r++) if (pos[r] + 2 > n_steps) n_steps = pos[r] + 2;
    s->order = ints;
    s->first = ints + rows;
    s->n_steps = n_steps;
    int* at = s->first + n_steps + 1; // (n_steps,) the next free place of each step
    memset(s->first, 0, sizeof(int) * (size_t)(n_steps + 1));
    for (long r = from; r < rows; r++) s->first[pos[r] + 2]++;
    for (int k = 0; k < n_steps; k++) { s->first[k + 1] += s->first[k]; at[k] = s->first[k]; }
    for (long r = from; r < rows; r++) s->order[at[pos[r] + 1]++] = (int)r;
}

void mm_steps_gather(const mm_steps* s, int step, float* dst, int ld, const float* src, int C, const float* start, const int* pos,
                     int prev) {
    for (int k = s->first[step]; k < s->first[step + 1]; k++) {
        long r = s->order[k], from = prev ? mm_step_prev(pos, r) : r;
        const float* x = from < 0 ? start : src + from * C;
        memcpy(dst + (long)(k - s->first[step]) * ld, x, sizeof(float) * (size_t)C);
    }
}

int64_t mm_steps_ints(long rows) { return 2 * (int64_t)rows + 2 * (MM_MAX_BLOCK + 2); }

int mm_cell_shape(layer* l, const layer* const* in, mm_err* err) {
    if (l->T_in != 1) return mm_fail(err, MM_EINVAL, "a recurrent cell runs on a sequence family's rows, not on (%d, %d) examples", l->T_in, l->C_in);
    if (l->C_out < 1) return mm_fail(err, MM_EINVAL, "a recurrent cell needs a hidden size of at least 1, not %d", l->C_out);
    l->T_out = 1;
    return MM_OK;
}

void mm_split_columns(const float* W, int rows, int E, int H, float* Wx, float* Wh) {
    for (int i = 0; i < rows; i++) {
        memcpy(Wx + (long)i * E, W + (long)i * (E + H), sizeof(float) * (size_t)E);
        memcpy(Wh + (long)i * H, W + (long)i * (E + H) + E, sizeof(float) * (size_t)H);
    }
}

void mm_add_columns(float* G, int rows, int E, int H, const float* dWx, const float* dWh) {
    for (int i = 0; i < rows; i++) {
        float* g = G + (long)i * (E + H);
        for (int c = 0; c < E; c++) g[c] += dWx[(long)i * E + c];
        for (int c = 0; c < H; c++) g[E + c] += dWh[(long)i * H + c];
    }
}
