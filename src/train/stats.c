// train/stats.c: the training diagnostics of makemore part 3 ("activations, gradients,
// batchnorm"), computed at a step on request (mm_model_sgd_step_stats, or a
// trainer's mm_trainer_set_stats_every).
//
// Definitions, as the lecture's notebook computes them:
//  - per layer, t = layer.out: t.mean(), t.std() (unbiased, n - 1, as torch's .std());
//    Tanh: (t.abs() > 0.97).float().mean(); the same mean and std of t.grad =
//    dloss/dout; histograms as torch.histogram(t) (100 bins of equal width over
//    [t.min(), t.max()], a value equal to the max in the last bin; all values equal:
//    the range [v - 0.5, v + 0.5]), as counts (the lecture plots density=True: counts /
//    (count * bin width)).
//  - per parameter p (in model.parameters() order; BatchNorm's running buffers are
//    not parameters): p.mean(), p.std(), p.grad.mean(), p.grad.std(), grad:data =
//    p.grad.std() / p.std(), update:data = log10((lr * p.grad).std() / p.data.std()).
//    All taken after the update (the lecture's `ud` is computed right after
//    `p.data += -lr * p.grad`): p is the updated value; the gradient is the step's.
//    std(lr * grad) is taken as lr * std(grad) in double; log10 is this file's own (the
//    same digits in every build).
//  Sums in double (four accumulators in a fixed order); passes: the sum, min and max; the
//  squared deviations; the histogram.
//
// The activations and gradients are those the step computed; the pass only reads
// them, with one exception, which writes memory the step does not use:
//  - A fast pass may skip some layers' outputs or gradients (the embedding tables
//    compute neither the Embedding's output nor its gradient): before the update,
//    each pass fills them in as the plain layers would give them (its fill), and a
//    pass that runs layers on rows of its own (the distinct nodes) is left out of a
//    first, plain forward and backward, whose layers' numbers are taken instead.
//  - Views (FlattenConsecutive) have their input's numbers in another shape: their
//    statistics equal their input's.
//  - Sequence families (conv, gated) run on rows (model/rows.c): a layer's
//    output is (rows, C), one row per position of the batch's words plus the one
//    padding row 0 that all words share (its value is that of any all-padding
//    position; every word's first prediction reads it). The statistics cover the
//    rows as computed, each once: the padding row counts once, not once per word,
//    and its gradient is the sum of everything that read it.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/text.h"
#include "model/access.h"
#include "nn/layer.h" // the limits: MAX_LAYERS, MAX_TENSORS
#include "train/stats.h"

struct mm_stats {
    const mm_model* model; // made for
    long step;
    float lr;
    int n_layers, n_params;
    mm_layer_stats layers[MAX_LAYERS];
    mm_layer_stats next[MAX_LAYERS]; // the step's layers, until its update is made (a failed step leaves layers)
    mm_param_stats params[MAX_TENSORS];
    int param_tensor[MAX_TENSORS]; // the model's tensor index of each parameter
    float* before;  // the parameters before this step's update, when it is measured (mm_stats_before)
    mm_buf json;
};

mm_stats* mm_stats_new(const mm_model* m, mm_err* err) {
    if (!m) { mm_fail(err, MM_EINVAL, "no model for the statistics"); return NULL; }
    mm_stats* s = calloc(1, sizeof *s);
    if (!s) { mm_fail(err, MM_ENOMEM, "out of memory for the training statistics"); return NULL; }
    s->model = m;
    s->step = -1;
    s->n_layers = mm_model_num_layers(m);
    for (int i = 0; i < s->n_layers; i++) {
        mm_layer_stats* ls = &s->layers[i];
        mm_layer_info info;
        mm_model_layer(m, i, 1, &info, NULL);
        ls->index = i;
        ls->kind = info.kind;
        snprintf(ls->name, sizeof ls->name, "%s", info.prefix);
        s->next[i] = *ls;
    }
    for (int t = 0; t < mm_model_num_tensors(m); t++) {
        const mm_tensor_info* ti = mm_model_tensor(m, t);
        if (ti->is_buffer) continue;
        mm_param_stats* ps = &s->params[s->n_params];
        ps->name = ti->name;
        ps->ndim = ti->ndim;
        memcpy(ps->shape, ti->shape, sizeof ps->shape);
        s->param_tensor[s->n_params++] = t;
    }
    return s;
}

void mm_stats_free(mm_stats* s) {
    if (!s) return;
    free(s->json.p);
    free(s->before);
    free(s);
}

int mm_stats_for(const mm_stats* s, const mm_model* m) { return s && s->model == m; }
long mm_stats_step(const mm_stats* s) { return s ? s->step : -1; }
float mm_stats_lr(const mm_stats* s) { return s ? s->lr : 0.0f; }
int mm_stats_num_layers(const mm_stats* s) { return s ? s->n_layers : 0; }
int mm_stats_num_params(const mm_stats* s) { return s ? s->n_params : 0; }
const mm_layer_stats* mm_stats_layer(const mm_stats* s, int i) { return s && i >= 0 && i < s->n_layers ? &s->layers[i] : NULL; }
const mm_param_stats* mm_stats_param(const mm_stats* s, int i) { return s && i >= 0 && i < s->n_params ? &s->params[i] : NULL; }

// log10 from + - * / and frexp (exact) only, so every build gives the same digits (libm's log10
// differs in the last bit between the native and the wasm C libraries): x = f 2^e with f in
// [sqrt(1/2), sqrt(2)), ln f = 2 atanh(s) = 2 (s + s^3/3 + ...) with s = (f-1)/(f+1), |s| < 0.172.
static double log10_same(double x) {
    if (!(x > 0.0) || isinf(x)) return x == 0.0 ? -INFINITY : x; // NaN, a negative: NaN; inf: inf
    int e;
    double f = frexp(x, &e);
    if (f < 0.70710678118654752) { f *= 2.0; e--; }
    double s = (f - 1.0) / (f + 1.0), s2 = s * s, p = 0.0;
    for (int k = 13; k >= 0; k--) p = p * s2 + 1.0 / (2 * k + 1);
    return ((double)e * 0.69314718055994531 + 2.0 * s * p) / 2.3025850929940457;
}

// ---------------------------------------------------------------- one tensor's values

// Sum in double, min and max of x[0..n), n >= 1, and with over the count of |x| > 0.97: four
// accumulators in a fixed order (every build sums alike), so the loop is not one chain of
// dependent additions.
static double sum_min_max(const float* x, long n, float* lo_out, float* hi_out, long* over) {
    double s[4] = {0.0, 0.0, 0.0, 0.0};
    float lo[4], hi[4];
    long big = 0;
    for (int j = 0; j < 4; j++) lo[j] = hi[j] = x[0];
    long k = 0;
    for (; k + 4 <= n; k += 4)
        for (int j = 0; j < 4; j++) {
            float a = x[k + j];
            s[j] += a;
            lo[j] = a < lo[j] ? a : lo[j];
            hi[j] = a > hi[j] ? a : hi[j];
            if (over) big += fabsf(a) > 0.97f;
        }
    for (; k < n; k++) {
        s[0] += x[k];
        lo[0] = x[k] < lo[0] ? x[k] : lo[0];
        hi[0] = x[k] > hi[0] ? x[k] : hi[0];
        if (over) big += fabsf(x[k]) > 0.97f;
    }
    for (int j = 1; j < 4; j++) { lo[0] = lo[j] < lo[0] ? lo[j] : lo[0]; hi[0] = hi[j] > hi[0] ? hi[j] : hi[0]; }
    *lo_out = lo[0];
    *hi_out = hi[0];
    if (over) *over = big;
    return (s[0] + s[1]) + (s[2] + s[3]);
}

// Sum of (x - mean)^2 in double, four accumulators as above; with part, also the histogram of
// MM_STATS_BINS bins over [l, h) (scale = bins / (h - l)), one per lane, summed at the end by
// the caller: values in the same bin one after another (a peaked gradient) then do not wait for
// each other's increments.
static double sum_sq_hist(const float* x, long n, double mean, int32_t (*part)[MM_STATS_BINS], double l, double scale) {
    double s[4] = {0.0, 0.0, 0.0, 0.0};
    long k = 0;
    for (; k + 4 <= n; k += 4)
        for (int j = 0; j < 4; j++) {
            double d = x[k + j] - mean;
            s[j] += d * d;
            if (part) {
                // compared before the conversion: a value or range that is not finite makes f NaN or inf,
                // whose conversion to an integer is undefined (such a value goes to bin 0)
                double f = (x[k + j] - l) * scale;
                part[j][f >= 1.0 ? (f < MM_STATS_BINS ? (int)f : MM_STATS_BINS - 1) : 0]++;
            }
        }
    for (; k < n; k++) {
        double d = x[k] - mean;
        s[0] += d * d;
        if (part) {
            double f = (x[k] - l) * scale;
            part[k & 3][f >= 1.0 ? (f < MM_STATS_BINS ? (int)f : MM_STATS_BINS - 1) : 0]++;
        }
    }
    return (s[0] + s[1]) + (s[2] + s[3]);
}

// Mean and unbiased std of x[0..n) in double into v; with hist, also min, max and the
// histogram; with sat, the fraction of |x| > 0.97. Two passes over x.
static void value_stats(const float* x, long n, int hist, mm_value_stats* v, double* sat) {
    v->count = n;
    v->mean = v->std = v->lo = v->hi = NAN;
    if (sat) *sat = NAN;
    if (n < 1) return;
    float lo, hi;
    long over = 0;
    double mean = sum_min_max(x, n, &lo, &hi, sat ? &over : NULL) / (double)n;
    v->mean = mean;
    if (sat) *sat = (double)over / (double)n;
    double l = lo, h = hi;
    if (l == h) { l -= 0.5; h += 0.5; } // torch.histogram's range for equal values
    int32_t part[4][MM_STATS_BINS];
    if (hist) memset(part, 0, sizeof part);
    double ss = sum_sq_hist(x, n, mean, hist ? part : NULL, l, MM_STATS_BINS / (h - l));
    v->std = n > 1 ? sqrt(ss / (double)(n - 1)) : NAN;
    if (!hist) return;
    v->lo = l; v->hi = h;
    for (int b = 0; b < MM_STATS_BINS; b++) v->hist[b] = (part[0][b] + part[1][b]) + (part[2][b] + part[3][b]);
}

// ---------------------------------------------------------------- the two passes of a step

// The statistics of one tensor per task, split over the model's pool (each tensor's
// sums are one thread's, in a fixed order: the same numbers for any thread count).
typedef struct {
    mm_stats* s;
    mm_model* m;
    int B;
} stats_job;

// A gated cell's gates (their kinds' order in its per-row values, H each): the fraction saturated.
static void gate_stats(mm_layer_stats* ls, const mm_layer_values* v) {
    static const struct { const char* kind; const char* names[4]; int tanh[4]; int n; } CELLS[] = {
        {"GRUCell", {"z", "r", "hbar"}, {0, 0, 1}, 3}, {"LSTMCell", {"i", "f", "g", "o"}, {0, 0, 1, 0}, 4}};
    ls->n_gates = 0;
    for (size_t c = 0; c < sizeof CELLS / sizeof CELLS[0]; c++) {
        if (strcmp(ls->kind, CELLS[c].kind) || !v->aux) continue;
        int H = v->C;
        for (int g = 0; g < CELLS[c].n; g++) {
            long over = 0;
            for (long r = 0; r < v->rows; r++) {
                const float* x = v->aux + r * v->aux_per_row + (long)g * H;
                for (int k = 0; k < H; k++) over += fabsf(CELLS[c].tanh[g] ? x[k] : 2.0f * x[k] - 1.0f) > 0.97f;
            }
            ls->gates[g].name = CELLS[c].names[g];
            ls->gates[g].saturated = (double)over / (double)(v->rows * H);
        }
        ls->n_gates = CELLS[c].n;
    }
}

// Task 2i: layer i's output, 2i + 1: its gradient.
static void layer_task(void* p, int t) {
    const stats_job* j = p;
    mm_layer_values v;
    mm_model_layer_values(j->m, t / 2, j->B, &v);
    if (v.view_of >= 0) return;
    mm_layer_stats* ls = &j->s->next[t / 2];
    long n = v.rows * v.T * v.C;
    int sat = !strcmp(ls->kind, "Tanh") || !strcmp(ls->kind, "RNNCell");
    if (t % 2 == 0) {
        value_stats(v.out, n, 1, &ls->out, sat ? &ls->saturated : NULL);
        gate_stats(ls, &v);
    } else {
        value_stats(v.dout, n, 1, &ls->grad, NULL);
    }
}

// Before the update: every layer's output and gradient (X, B: the step's batch), kept aside
// until mm_stats_params, which only a step that updates reaches.
void mm_stats_layers(mm_stats* s, mm_model* m, const uint16_t* X, int B) {
    mm_model_passes_fill(m, X, B);
    int seq = mm_model_sequence(m);
    for (int i = 0; i < s->n_layers; i++) {
        mm_layer_values v;
        mm_model_layer_values(m, i, B, &v);
        mm_layer_stats* ls = &s->next[i];
        int three = !seq && v.T > 1;
        ls->ndim = three ? 3 : 2;
        ls->shape[0] = (int)v.rows;
        ls->shape[1] = three ? v.T : v.C;
        ls->shape[2] = three ? v.C : 0;
        ls->saturated = NAN;
    }
    stats_job j = {s, m, B};
    mm_parallel_for(mm_model_engine(m)->pool, 2 * s->n_layers, layer_task, &j);
    for (int i = 0; i < s->n_layers; i++) { // a view: its input's numbers in another shape
        mm_layer_values v;
        mm_model_layer_values(m, i, B, &v);
        if (v.view_of < 0) continue;
        s->next[i].out = s->next[v.view_of].out;
        s->next[i].grad = s->next[v.view_of].grad;
    }
}

// Task 3i: parameter i's data, 3i + 1: its gradient (mean and std), 3i + 2: its measured update's std.
static void param_task(void* p, int t) {
    const stats_job* j = p;
    const mm_tensor_info* ti = mm_model_tensor(j->m, j->s->param_tensor[t / 3]);
    mm_param_stats* ps = &j->s->params[t / 3];
    mm_value_stats v;
    if (t % 3 == 2) { // the update: after - before, in place of before
        float* d = j->s->before + ti->offset;
        const float* after = mm_model_params(j->m) + ti->offset;
        for (long i = 0; i < ti->size; i++) d[i] = after[i] - d[i];
        value_stats(d, ti->size, 0, &v, NULL);
        ps->update_std = v.std;
        return;
    }
    value_stats((t % 3 == 0 ? mm_model_params(j->m) : mm_model_grads(j->m)) + ti->offset, ti->size, 0, &v, NULL);
    if (t % 3 == 0) { ps->data_mean = v.mean; ps->data_std = v.std; }
    else { ps->grad_mean = v.mean; ps->grad_std = v.std; }
}

// SGD's: the update is lr * grad, not measured (the lecture's update:data).
static void param_task_unmeasured(void* p, int t) {
    if (t % 3 != 2) param_task(p, t);
}

int mm_stats_before(mm_stats* s, mm_model* m, mm_err* err) {
    long n = mm_model_num_params(m);
    if (!s->before && !(s->before = malloc(sizeof(float) * (size_t)n)))
        return mm_fail(err, MM_ENOMEM, "out of memory for the training statistics (the update's size); the model is left as before this step");
    memcpy(s->before, mm_model_params(m), sizeof(float) * (size_t)n);
    return MM_OK;
}

// After the update: every parameter's data (updated) and gradient; the step is then theirs.
void mm_stats_params(mm_stats* s, mm_model* m, float lr, long step, int measured) {
    memcpy(s->layers, s->next, sizeof(mm_layer_stats) * (size_t)s->n_layers);
    stats_job j = {s, m, 0};
    for (int i = 0; i < s->n_params; i++) s->params[i].update_std = NAN;
    mm_parallel_for(mm_model_engine(m)->pool, 3 * s->n_params, measured ? param_task : param_task_unmeasured, &j);
    for (int i = 0; i < s->n_params; i++) {
        mm_param_stats* ps = &s->params[i];
        ps->grad_to_data = ps->grad_std / ps->data_std;
        ps->update_to_data = log10_same(measured ? ps->update_std / ps->data_std : (double)lr * ps->grad_std / ps->data_std);
    }
    s->lr = lr;
    s->step = step;
}

// ---------------------------------------------------------------- JSON

static void put_num(mm_buf* b, double v) {
    if (isfinite(v)) mm_buf_printf(b, "%.17g", v);
    else mm_buf_puts(b, "null");
}

// ",<v>" or "<v>" (first) for a count: by hand, printf is slow in wasm's C library and a step's JSON has thousands.
static void put_count(mm_buf* b, int32_t v, int first) {
    char t[16];
    int at = 15;
    uint32_t u = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
    do { t[at--] = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) t[at--] = '-';
    if (!first) t[at--] = ',';
    mm_buf_put(b, t + at + 1, (size_t)(15 - at));
}

static void put_shape(mm_buf* b, int ndim, const int* shape) {
    mm_buf_puts(b, "[");
    for (int d = 0; d < ndim; d++) mm_buf_printf(b, "%s%d", d ? "," : "", shape[d]);
    mm_buf_puts(b, "]");
}

static void put_values(mm_buf* b, const mm_value_stats* v, int with_sat, double sat) {
    mm_buf_puts(b, "{\"mean\":"); put_num(b, v->mean);
    mm_buf_puts(b, ",\"std\":"); put_num(b, v->std);
    if (with_sat) { mm_buf_puts(b, ",\"saturated\":"); put_num(b, sat); }
    mm_buf_puts(b, ",\"hist\":{\"lo\":"); put_num(b, v->lo);
    mm_buf_puts(b, ",\"hi\":"); put_num(b, v->hi);
    mm_buf_puts(b, ",\"counts\":[");
    for (int k = 0; k < MM_STATS_BINS; k++) put_count(b, v->hist[k], k == 0);
    mm_buf_puts(b, "]}}");
}

static void put_param(mm_buf* b, const mm_param_stats* p) {
    mm_buf_puts(b, "{\"name\":"); mm_buf_json_string(b, p->name);
    mm_buf_puts(b, ",\"shape\":"); put_shape(b, p->ndim, p->shape);
    mm_buf_puts(b, ",\"dataMean\":"); put_num(b, p->data_mean);
    mm_buf_puts(b, ",\"dataStd\":"); put_num(b, p->data_std);
    mm_buf_puts(b, ",\"gradMean\":"); put_num(b, p->grad_mean);
    mm_buf_puts(b, ",\"gradStd\":"); put_num(b, p->grad_std);
    mm_buf_puts(b, ",\"gradToData\":"); put_num(b, p->grad_to_data);
    mm_buf_puts(b, ",\"updateToData\":"); put_num(b, p->update_to_data);
    mm_buf_puts(b, "}");
}

const char* mm_stats_json(mm_stats* s, size_t* len) {
    if (len) *len = 0;
    if (!s || s->step < 0) return NULL;
    mm_buf* b = &s->json;
    b->n = 0; b->oom = 0; // the buffer is kept: it grows on the first call, not after
    mm_buf_printf(b, "{\"step\":%ld,\"lr\":", s->step);
    put_num(b, (double)s->lr);
    mm_buf_puts(b, ",\"layers\":[");
    for (int i = 0; i < s->n_layers; i++) {
        const mm_layer_stats* l = &s->layers[i];
        mm_buf_printf(b, "%s{\"index\":%d,\"kind\":", i ? "," : "", l->index);
        mm_buf_json_string(b, l->kind);
        mm_buf_puts(b, ",\"name\":"); mm_buf_json_string(b, l->name);
        mm_buf_puts(b, ",\"shape\":"); put_shape(b, l->ndim, l->shape);
        mm_buf_puts(b, ",\"out\":"); put_values(b, &l->out, 1, l->saturated);
        mm_buf_puts(b, ",\"grad\":"); put_values(b, &l->grad, 0, 0.0);
        if (l->n_gates) {
            mm_buf_puts(b, ",\"gates\":[");
            for (int g = 0; g < l->n_gates; g++) {
                mm_buf_puts(b, g ? ",{\"name\":" : "{\"name\":");
                mm_buf_json_string(b, l->gates[g].name);
                mm_buf_puts(b, ",\"saturated\":"); put_num(b, l->gates[g].saturated);
                mm_buf_puts(b, "}");
            }
            mm_buf_puts(b, "]");
        }
        mm_buf_puts(b, "}");
    }
    mm_buf_puts(b, "],\"params\":[");
    for (int i = 0; i < s->n_params; i++) {
        if (i) mm_buf_puts(b, ",");
        put_param(b, &s->params[i]);
    }
    mm_buf_puts(b, "]}");
    const char* str = mm_buf_str(b);
    if (str && len) *len = b->n;
    return str;
}
