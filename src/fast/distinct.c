// fast/distinct.c: the pass "distinct nodes": each distinct node of a hierarchical
// model's batch computed once, on the fast engine.
//
// Every level of the lecture's hierarchical model applies the same
// FlattenConsecutive(n) + Linear + BatchNorm1d + Tanh to each group of n nodes
// of the level below, whatever the group's position, so two nodes with the
// same inputs (the same tokens, at the first level) have the same value, in
// training too (BatchNorm's statistics are the whole batch's). Most contexts
// start with padding: in names.txt's examples 54% of the first level's nodes,
// 42% of the second's and 14% of the third's (a word's first character) are
// all padding. So a level's rows here are the batch's distinct nodes, each
// standing for w of its B * T nodes: BatchNorm counts row r w[r] times, each
// row's gradient is the sum of its copies' (every other layer is linear in
// its rows, or elementwise), and a Flatten gathers the rows it groups. The
// numbers are the full batch's, summed in another order: the fast engine only.
//
// The conv family (model/rows.c's row plan) is the same model on rows, one per
// position of the batch's words: its nodes are shared within a word already,
// and here across words too (the words that start alike, the same pairs of
// letters anywhere), a Conv1d's k taps being a Flatten's group.
//
// Where it applies: the embedding tables pass applies (it computes the first
// level, on the distinct nodes' tokens), then levels of [FlattenConsecutive(n)]
// Linear, or Conv1d, then BatchNorm1d (statistics over all positions) and Tanh
// (a hierarchical model's last level one position long); then the output Linear.
#include <stdlib.h>
#include <string.h>
#include "fast/distinct.h"
#include "fast/tables.h"

#define MAX_LEVELS 24
#define MAX_GROUP 256 // a Flatten's group or a Conv1d's kernel (at most the block size, 256)

typedef struct {
    int lin, bn, tanh; // its layers
    int n;             // its FlattenConsecutive's group size or Conv1d's kernel (0: none, the level below's rows)
    int conv;          // its inputs are a Conv1d's taps (a sequence model)
    int T;             // nodes per example (a hierarchical model)
    long n_nodes;      // the batch's nodes: B * T, or a sequence model's rows with the padding row's weight
    int C_below;       // values per node of the level below (the first level: 1 token)
    int rows;          // distinct nodes of the current batch
    int* kid;          // (nodes, n) each row's inputs: rows of the level below (the first level: tokens)
    uint16_t* tok;     // the first level: (nodes, n) each row's tokens, for the fused layer
    float* w;          // (nodes,) how many of the batch's nodes each row stands for
    int* of;           // (nodes,) the row of each of the batch's nodes (example b, position t: b * T + t)
    float* x;          // a Flatten's gathered inputs (nodes, n * C_below), then their gradient
    float* dx;
} level;

struct mm_distinct {
    struct mm_tables* tables; // the embedding tables pass's state (the first level)
    int n_levels, out; // levels; the output Linear
    level lv[MAX_LEVELS];
    int* slot;         // (mask + 1,) hash table of the level being planned: a row, or -1
    uint32_t mask;
    int* first;        // (most nodes,) the first example of each output row (backward)
    int* ints;         // the allocations: every int, float and token array above
    float* floats;
    uint16_t* toks;
    long ran_in;       // the model's forward pass (m->forwards) that last ran it: its rows are that batch's
};

// The levels of m after the tables pass's fused layer lin (0: it is not such a model), described in lv.
static int find_levels(const mm_model* m, int lin, level* lv) {
    const layer* L = m->L;
    int i = 1, k = 0, below = 0;
    if (lin != (m->seq ? 1 : 2)) return 0;
    while (i < m->n_layers - 1) {
        if (k == MAX_LEVELS) return 0;
        level* v = &lv[k];
        memset(v, 0, sizeof *v);
        int in = below;
        if (m->seq) {
            if (L[i].type != L_CONV1D || L[i].in[0] != below || L[i].n > MAX_GROUP) return 0;
            v->n = L[i].n;
            v->conv = 1;
        } else if (L[i].type == L_FLATTEN) {
            if (L[i].in[0] != below || L[i].n > MAX_GROUP) return 0;
            v->n = L[i].n;
            in = i++;
        } else if (k == 0) return 0;
        if (i + 2 >= m->n_layers) return 0;
        const layer *ll = &L[i], *lb = &L[i + 1], *lt = &L[i + 2];
        if (ll->type != (m->seq ? L_CONV1D : L_LINEAR) || ll->in[0] != in || lb->type != L_BATCHNORM || lb->in[0] != i ||
            lb->stat_T != 1 || lt->type != L_TANH || lt->in[0] != i + 1)
            return 0;
        v->lin = i; v->bn = i + 1; v->tanh = i + 2;
        v->T = ll->T_out;
        v->C_below = k ? L[below].C_out : 1;
        below = i + 2;
        i += 3;
        k++;
    }
    const layer* out = &L[m->n_layers - 1];
    if (k == 0 || i != m->n_layers - 1 || out->type != L_LINEAR || out->in[0] != below || L[below].T_out != 1) return 0;
    return k;
}

// The most nodes level v has: a hierarchical model's B * T at the largest batch, a sequence model's rows.
static long capacity(const mm_model* m, const level* v) { return m->seq ? m->max_rows : (long)m->max_batch * v->T; }

static void distinct_free(void* st) {
    mm_distinct* s = st;
    if (!s) return;
    free(s->ints); free(s->floats); free(s->toks);
    free(s);
}

static void* distinct_make(const mm_model* m, const struct mm_pass_set* with, int* first, int* last, int* oom) {
    level lv[MAX_LEVELS];
    struct mm_tables* tables = NULL;
    int lin = 0;
    for (int k = 0; with && k < with->n; k++)
        if (with->at[k].pass == &mm_pass_tables) { tables = with->at[k].st; lin = with->at[k].last; }
    int n_levels = tables ? find_levels(m, lin, lv) : 0;
    if (!n_levels) return NULL;
    mm_distinct* s = calloc(1, sizeof *s);
    if (!s) { *oom = 1; return NULL; }
    s->tables = tables;
    s->n_levels = n_levels;
    s->ran_in = -1;
    s->out = m->n_layers - 1;
    memcpy(s->lv, lv, sizeof lv);
    long most = 0, ints = 0, floats = 0, toks = 0;
    for (int k = 0; k < n_levels; k++) {
        const level* v = &s->lv[k];
        long nodes = capacity(m, v);
        if (nodes > most) most = nodes;
        ints += nodes * (v->n + 1);
        floats += nodes + (k && v->n ? 2 * nodes * v->n * v->C_below : 0);
        if (k == 0) toks += nodes * v->n;
    }
    uint32_t size = 2;
    while (size < 2 * (uint32_t)most) size *= 2;
    s->mask = size - 1;
    ints += size + most;
    s->ints = malloc(sizeof(int) * (size_t)ints);
    s->floats = malloc(sizeof(float) * (size_t)floats);
    s->toks = malloc(sizeof(uint16_t) * (size_t)toks);
    if (!s->ints || !s->floats || !s->toks) { distinct_free(s); *oom = 1; return NULL; }
    int* ip = s->ints; float* fp = s->floats;
    for (int k = 0; k < n_levels; k++) {
        level* v = &s->lv[k];
        long nodes = capacity(m, v);
        v->kid = ip; ip += nodes * v->n;
        v->of = ip; ip += nodes;
        v->w = fp; fp += nodes;
        if (k && v->n) {
            v->x = fp; fp += nodes * v->n * v->C_below;
            v->dx = fp; fp += nodes * v->n * v->C_below;
        }
    }
    s->lv[0].tok = s->toks;
    s->slot = ip; ip += size;
    s->first = ip;
    *first = 0;
    *last = m->n_layers - 1;
    return s;
}

static const mm_distinct* state_of(const mm_model* m) {
    for (int k = 0; m->passes && k < m->passes->n; k++)
        if (m->passes->at[k].pass == &mm_pass_distinct) return m->passes->at[k].st;
    return NULL;
}

int mm_distinct_on(const mm_model* m) { return state_of(m) && !m->plain; }

int mm_distinct_rows(const mm_model* m, int at) {
    const mm_distinct* s = state_of(m);
    return s && s->ran_in == m->forwards && at >= 0 && at < s->n_levels ? s->lv[at].rows : -1;
}

// ---------------------------------------------------------------- the plan of a batch

// Each level's distinct nodes of the batch X (B, block), in order of first appearance: a
// hierarchical model's (example b, position t) as b * T + t, a sequence model's rows
// (model/rows.c's plan, already made), the padding row 0 weighing the positions it stands for.
static void plan(mm_distinct* s, const mm_model* m, const uint16_t* X, int B) {
    int block = m->cfg.block_size;
    for (int k = 0; k < s->n_levels; k++) {
        level* v = &s->lv[k];
        const level* below = k ? &s->lv[k - 1] : NULL;
        long nodes = m->seq ? m->n_rows : (long)B * v->T;
        float w0 = m->seq ? (float)m->L[v->bn].pad_span * (float)m->n_pad : 1.0f;
        v->n_nodes = m->seq ? nodes - 1 + (long)m->L[v->bn].pad_span * m->n_pad : nodes;
        if (!v->n) { // the rows of the level below, one node each
            v->rows = below->rows;
            memcpy(v->w, below->w, sizeof(float) * (size_t)below->rows);
            memcpy(v->of, below->of, sizeof(int) * (size_t)nodes);
            continue;
        }
        uint32_t mask = 1; // a table at least twice the nodes (at most the one allocated)
        while (mask + 1 < 2 * (uint32_t)nodes && mask < s->mask) mask = 2 * mask + 1;
        for (uint32_t h = 0; h <= mask; h++) s->slot[h] = -1;
        const layer* conv = &m->L[v->lin];
        int n = v->n, rows = 0;
        for (long i = 0; i < nodes; i++) {
            int key[MAX_GROUP]; // n <= MAX_GROUP (find_levels)
            uint32_t h = 2166136261u;
            for (int j = 0; j < n; j++) {
                if (v->conv) {
                    long tap = mm_conv_tap_row(conv, m->row_pos, i, j);
                    key[j] = k ? below->of[tap] : m->row_tok[tap];
                } else {
                    long b = i / v->T, t = i % v->T;
                    key[j] = k ? below->of[b * below->T + t * n + j] : X[b * block + t * n + j];
                }
                h = (h ^ (uint32_t)key[j]) * 16777619u;
            }
            h ^= h >> 15;
            int r;
            for (h &= mask;; h = (h + 1) & mask) {
                r = s->slot[h];
                if (r < 0) { // a new row
                    r = s->slot[h] = rows++;
                    memcpy(v->kid + (long)r * n, key, sizeof(int) * (size_t)n);
                    if (!k) for (int j = 0; j < n; j++) v->tok[(long)r * n + j] = (uint16_t)key[j];
                    v->w[r] = 0.0f;
                    break;
                }
                if (memcmp(v->kid + (long)r * n, key, sizeof(int) * (size_t)n) == 0) break;
            }
            v->w[r] += m->seq && i == 0 ? w0 : 1.0f;
            v->of[i] = r;
        }
        v->rows = rows;
    }
}

// ---------------------------------------------------------------- forward and backward

// A layer as it runs on rows: one position each; a Conv1d, a Linear of its gathered taps.
static layer on_rows(const layer* l) {
    layer r = *l;
    r.T_in = r.T_out = 1;
    if (r.type == L_CONV1D) {
        r.type = L_LINEAR;
        r.C_in *= r.n;
    }
    return r;
}

// Layer i's forward or backward on the level's rows (one position each, no row plan; a
// Conv1d as a Linear of its gathered taps): input in, its gradient din; v: BatchNorm's row weights.
static void run_layer(mm_model* m, int i, int backward, long rows, int training, const float* in, float* din, const level* v) {
    layer l = on_rows(&m->L[i]);
    layer_run r;
    mm_layer_run_init(m, i, rows, training, backward, &r);
    r.pos = NULL;
    r.n_pad = 0;
    r.tok = NULL;
    r.in[0] = in;
    r.din[0] = backward ? din : NULL;
    if (v) { r.row_w = v->w; r.n_nodes = v->n_nodes; }
    mm_layer_call(m, &l, &r, backward);
}

// FlattenConsecutive on the distinct rows: each row's n inputs side by side.
static void gather(const level* v, const float* below) {
    long C = v->C_below;
    for (long r = 0; r < v->rows; r++)
        for (int j = 0; j < v->n; j++) memcpy(v->x + (r * v->n + j) * C, below + v->kid[r * v->n + j] * C, sizeof(float) * (size_t)C);
}

// Each row's n input gradients back to the rows (of the level below, lb_rows of them) they were gathered from.
static void scatter(const level* v, float* dbelow, int lb_rows) {
    long C = v->C_below;
    memset(dbelow, 0, sizeof(float) * (size_t)lb_rows * (size_t)C);
    for (long r = 0; r < v->rows; r++)
        for (int j = 0; j < v->n; j++) {
            float* to = dbelow + v->kid[r * v->n + j] * C;
            const float* from = v->dx + (r * v->n + j) * C;
            for (long c = 0; c < C; c++) to[c] += from[c];
        }
}

// Each example's logits from its row (in place for a hierarchical model: a row's index is at most its first example's).
static void examples_logits(mm_model* m, const level* top, int B) {
    int V = m->cfg.vocab_size;
    float* logits = m->acts + m->logits;
    const float* rows = m->acts + m->row_logits;
    for (int e = B - 1; e >= 0; e--) {
        int r = top->of[m->seq ? m->ex_row[e] : e];
        if (m->seq || r != e) memcpy(logits + (long)e * V, rows + (long)r * V, sizeof(float) * (size_t)V);
    }
}

static void distinct_forward(mm_model* m, void* st, const uint16_t* X, int B, int training) {
    mm_distinct* s = st;
    double t0 = mm_prof_start(&m->prof);
    plan(s, m, X, B);
    s->ran_in = m->forwards;
    mm_prof_add(&m->prof, PROF_ROWS_FWD, t0);
    const float* below = NULL; // the level below's Tanh output
    for (int k = 0; k < s->n_levels; k++) {
        level* v = &s->lv[k];
        if (k == 0) {
            t0 = mm_prof_start(&m->prof);
            mm_tables_forward_rows(m, s->tables, v->tok, v->rows);
            mm_prof_add(&m->prof, PROF_TABLES_FWD, t0);
        } else {
            if (v->n) {
                t0 = mm_prof_start(&m->prof);
                gather(v, below);
                mm_prof_add(&m->prof, PROF_ROWS_FWD, t0);
            }
            run_layer(m, v->lin, 0, v->rows, training, v->n ? v->x : below, NULL, NULL);
        }
        run_layer(m, v->bn, 0, v->rows, training, m->acts + m->L[v->lin].out, NULL, v);
        run_layer(m, v->tanh, 0, v->rows, training, m->acts + m->L[v->bn].out, NULL, NULL);
        below = m->acts + m->L[v->tanh].out;
    }
    const level* top = &s->lv[s->n_levels - 1];
    run_layer(m, s->out, 0, top->rows, training, below, NULL, NULL);
    t0 = mm_prof_start(&m->prof);
    examples_logits(m, top, B);
    mm_prof_add(&m->prof, PROF_ROWS_FWD, t0);
}

// The examples' logit gradients summed into their rows, in place (a row's first example is at or after it).
static void rows_dlogits(mm_model* m, mm_distinct* s, const level* top, int B) {
    int V = m->cfg.vocab_size;
    float* d = m->dacts + m->row_logits;
    const float* dl = m->dacts + m->logits; // the same memory as d in a hierarchical model
    for (int r = 0; r < top->rows; r++) s->first[r] = -1;
    for (int e = 0; e < B; e++) {
        int r = top->of[m->seq ? m->ex_row[e] : e];
        float* dr = d + (long)r * V;
        const float* de = dl + (long)e * V;
        if (s->first[r] < 0) {
            s->first[r] = e;
            if (dr != de) memcpy(dr, de, sizeof(float) * (size_t)V);
        } else
            for (int c = 0; c < V; c++) dr[c] += de[c];
    }
    for (int r = 0; r < top->rows; r++) // a row no example reads (a lone context's earlier positions)
        if (s->first[r] < 0) memset(d + (long)r * V, 0, sizeof(float) * (size_t)V);
}

static void distinct_backward(mm_model* m, void* st, const uint16_t* X, int B) {
    mm_distinct* s = st;
    const level* top = &s->lv[s->n_levels - 1];
    double t0 = mm_prof_start(&m->prof);
    rows_dlogits(m, s, top, B);
    mm_prof_add(&m->prof, PROF_ROWS_BWD, t0);
    const layer* last_tanh = &m->L[top->tanh];
    run_layer(m, s->out, 1, top->rows, 1, m->acts + last_tanh->out, m->dacts + last_tanh->out, NULL);
    for (int k = s->n_levels - 1; k >= 0; k--) {
        level* v = &s->lv[k];
        run_layer(m, v->tanh, 1, v->rows, 1, m->acts + m->L[v->bn].out, m->dacts + m->L[v->bn].out, NULL);
        run_layer(m, v->bn, 1, v->rows, 1, m->acts + m->L[v->lin].out, m->dacts + m->L[v->lin].out, v);
        if (k == 0) {
            t0 = mm_prof_start(&m->prof);
            mm_tables_backward_rows(m, s->tables, v->tok, v->rows);
            mm_prof_add(&m->prof, PROF_TABLES_BWD, t0);
            break;
        }
        const level* lb = &s->lv[k - 1];
        const float* below = m->acts + m->L[lb->tanh].out;
        float* dbelow = m->dacts + m->L[lb->tanh].out;
        run_layer(m, v->lin, 1, v->rows, 1, v->n ? v->x : below, v->n ? v->dx : dbelow, NULL);
        if (v->n) {
            t0 = mm_prof_start(&m->prof);
            scatter(v, dbelow, lb->rows);
            mm_prof_add(&m->prof, PROF_ROWS_BWD, t0);
        }
    }
}

const mm_pass mm_pass_distinct = {
    .name = "distinct nodes",
    .make = distinct_make,
    .free = distinct_free,
    .forward = distinct_forward,
    .backward = distinct_backward,
    .own_rows = 1,
    .writes_logits = 1,
};
