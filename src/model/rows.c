// model/rows.c: the row plan of a sequence family (conv, gated). Its layers run on
// rows, one per position of the batch's words, all layers alike. The batch is still
// B examples, in contexts X (B, block): an example whose context is all padding (0)
// starts a word and is row 0, the one padding row every word shares (its value at
// every layer is that of any position whose inputs are all padding); an example
// whose context continues the previous one's by a token is a new row after it; any
// other example (evaluation chunks, sampling) adds a row for each token of its
// context after the padding. A row's position counts from its word's first token,
// so a Conv1d tap that reaches before it reads row 0. Each example's logits are its
// row's (ex_row).
#include <string.h>
#include "model/model.h"

void mm_rows_plan(mm_model* m, const uint16_t* X, int B) {
    int bs = m->cfg.block_size, R = 1, n_pad = 0, prev_row = -1;
    m->row_tok[0] = 0;
    m->row_pos[0] = -1;
    for (int e = 0; e < B; e++) {
        const uint16_t* x = X + (long)e * bs;
        int z = 0;
        while (z < bs && x[z] == 0) z++;
        if (z == bs) { // a word's first example
            m->ex_row[e] = prev_row = 0;
            n_pad++;
        } else if (prev_row >= 0 && memcmp(x, x - bs + 1, sizeof(uint16_t) * (size_t)(bs - 1)) == 0) { // the next position
            m->row_tok[R] = x[bs - 1];
            m->row_pos[R] = prev_row == 0 ? 0 : m->row_pos[prev_row] + 1;
            m->ex_row[e] = prev_row = R++;
        } else { // a context alone: its tokens after the padding
            for (int t = z; t < bs; t++, R++) { m->row_tok[R] = x[t]; m->row_pos[R] = t - z; }
            m->ex_row[e] = prev_row = R - 1;
        }
    }
    m->n_rows = R;
    m->n_pad = n_pad;
}

void mm_rows_gather_logits(mm_model* m, int B) {
    int V = m->cfg.vocab_size;
    for (int e = 0; e < B; e++)
        memcpy(m->acts + m->logits + (long)e * V, m->acts + m->row_logits + (long)m->ex_row[e] * V, sizeof(float) * (size_t)V);
}

void mm_rows_scatter_dlogits(mm_model* m, int B) {
    int V = m->cfg.vocab_size;
    float* d = m->dacts + m->row_logits;
    memset(d, 0, sizeof(float) * (size_t)m->n_rows * (size_t)V);
    for (int e = 0; e < B; e++) {
        float* dr = d + (long)m->ex_row[e] * V;
        const float* de = m->dacts + m->logits + (long)e * V;
        for (int v = 0; v < V; v++) dr[v] += de[v];
    }
}
