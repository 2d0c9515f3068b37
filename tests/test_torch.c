// test_torch.c: the C core against the lecture's PyTorch classes.
//
// Each fixture (tests/fixtures/<name>.bin, written by tests/reference.py from
// mm_dump_inputs' inputs; format in tests/dump_inputs.c, magic "MMFX") holds a
// config, initial params/buffers, 4 batches and torch's results. For each, on the
// reference engine and then on the fast one (mm_model_set_engine; natively it fuses
// multiply-adds where the CPU has FMA, printed as its kernels; without, it is the reference):
//   1. mm_model_new with the fixture's config; copy init.* into params/buffers;
//   2. mm_model_forward_backward on batch 0: logits, loss, every gradient;
//   3. mm_model_train_step on batches 1..3 with the fixture's optimizer (the lecture's
//      SGD, or AdamW: then also every parameter after steps 1 and 2 and AdamW's
//      moments after step 3): each loss;
//   4. the final params and buffers (BatchNorm running stats, a causal mask);
//   5. mm_model_eval_logits on batch 0 (running statistics).
// makemore.py's families (mm-mlp, mm-bow, mm-rnn, mm-gru, mm-lstm) come with batches of
// whole words (B = their examples), the loss the mean over them, as makemore.py's.
// A value passes when |a - r| <= atol + rtol*|r| with rtol = 1e-4, atol = 1e-6.
// Why these: float32 rounding alone (reference.py prints torch float32 against
// the same run in float64) moves order-1 values (weights, gamma, running_var)
// by up to 2.4e-7 (2 ulp), the ~3.3 losses by up to 7e-7, logits and gradients
// by up to 2e-7; the C core, summing in its own order, lands as close (worst
// element 0.05 of its tolerance). An element near zero in a tensor of sums
// (a logit, a gradient) carries an absolute error set by the size of its terms,
// not by itself, hence atol: 1e-6 is ~8 ulp at 1.0. A wrong formula is far
// outside: the biased variance of torch.nn (a 1/32 .. 1/128 change), the other
// BatchNorm mode, or a 1e-3 error in one gradient element all fail (shown by
// --flip-bn, --perturb-grad, and a biased-variance reference tried by hand).
// The max relative error is reported too, over the elements with |r| > 1e-3
// (below that the absolute term dominates and |a - r|/|r| says nothing).
//
// Usage: test_torch [--perturb-grad | --flip-bn] [FIXTURE.bin ...]
//   no files: every fixture in MM_FIXTURE_DIR (set by CMake; else tests/fixtures)
//   --perturb-grad: scale the largest gradient element by (1 + 1e-3) before
//     comparing; every fixture must then fail (on both engines).
//   --flip-bn: build with the other BatchNorm mode (keeping the core's initial
//     running stats, whose shape changes); every hierarchical fixture must then
//     fail and every flat one (2-D BatchNorm inputs, modes agree) still pass.
//     The conv and gated forms have one mode: mm_model_new must refuse the other.
//   These two prove the test can fail; they exit 0 when it behaved so.
// Exit status: 0 all passed (or, with an option, the expected failures seen), 1 otherwise.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "makemore.h"
#include "settings/settings.h"

#ifndef MM_FIXTURE_DIR
#define MM_FIXTURE_DIR "tests/fixtures"
#endif

static const char* FIXTURES[] = {"wavenet22k-adamw", "wavenet76k-adamw", "bigram", "wavenet22k", "wavenet22k-bnbug", "mlp3", "hier3-small", "hier16-bnbug", "flat2", "flat3-residual",
                                 "conv8", "conv9-k3", "gated8", "gated7-nobn", "mm-mlp", "mm-bow", "mm-rnn", "mm-gru", "mm-lstm"};

#define RTOL 1e-4
#define ATOL 1e-6
#define REL_FLOOR 1e-3

static int opt_perturb_grad = 0, opt_flip_bn = 0;

// ---------------------------------------------------------------- fixture file

typedef struct {
    char name[128];
    int dtype; // 0 float32, 1 int32
    int ndim;
    int dims[4];
    long count;
    void* data; // (count,) float or int32_t, decoded and aligned
} record;

typedef struct {
    unsigned char* buf;
    int n;
    record* recs;
} fixture;

static void fixture_free(fixture* fx) {
    for (int i = 0; fx->recs && i < fx->n; i++) free(fx->recs[i].data);
    free(fx->buf);
    free(fx->recs);
}

static uint32_t rd_u32(const unsigned char* p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

// Loads path into fx; returns 0, or -1 with a message printed.
static int fixture_load(fixture* fx, const char* path) {
    memset(fx, 0, sizeof *fx);
    FILE* f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    fx->buf = malloc(len > 0 ? (size_t)len : 1);
    if (!fx->buf || fread(fx->buf, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        fprintf(stderr, "%s: read failed\n", path);
        return -1;
    }
    fclose(f);
#define NEED(k) do { if (pos + (long)(k) > len) goto truncated; } while (0)
    long pos = 0;
    NEED(12);
    if (memcmp(fx->buf, "MMFX", 4) != 0 || rd_u32(fx->buf + 4) != 1) {
        fprintf(stderr, "%s: not an MMFX version 1 fixture\n", path);
        return -1;
    }
    fx->n = (int)rd_u32(fx->buf + 8);
    pos = 12;
    fx->recs = calloc((size_t)fx->n + 1, sizeof(record));
    if (!fx->recs) return -1;
    for (int i = 0; i < fx->n; i++) {
        record* r = &fx->recs[i];
        NEED(4);
        uint32_t nl = rd_u32(fx->buf + pos);
        pos += 4;
        NEED(nl + 8);
        if (nl >= sizeof r->name) goto truncated;
        memcpy(r->name, fx->buf + pos, nl);
        pos += nl;
        r->dtype = (int)rd_u32(fx->buf + pos);
        r->ndim = (int)rd_u32(fx->buf + pos + 4);
        pos += 8;
        if (r->ndim > 4 || r->dtype > 1) goto truncated;
        NEED(4 * r->ndim);
        r->count = 1;
        for (int d = 0; d < r->ndim; d++, pos += 4) r->count *= (r->dims[d] = (int)rd_u32(fx->buf + pos));
        NEED(4 * r->count);
        uint32_t* v = malloc(sizeof(uint32_t) * (size_t)(r->count > 0 ? r->count : 1));
        if (!v) return -1;
        for (long k = 0; k < r->count; k++, pos += 4) v[k] = rd_u32(fx->buf + pos);
        r->data = v; // float / int32_t bits, host order
    }
    if (pos != len) goto truncated;
    return 0;
truncated:
    fprintf(stderr, "%s: malformed or truncated at byte %ld\n", path, pos);
    return -1;
#undef NEED
}

static const record* find(const fixture* fx, const char* name) {
    for (int i = 0; i < fx->n; i++)
        if (strcmp(fx->recs[i].name, name) == 0) return &fx->recs[i];
    return NULL;
}

// The record name (dtype, count) or NULL with a message.
static const record* need(const fixture* fx, const char* name, int dtype, long count) {
    const record* r = find(fx, name);
    if (!r) fprintf(stderr, "  missing record %s\n", name);
    else if (r->dtype != dtype || (count >= 0 && r->count != count)) {
        fprintf(stderr, "  record %s: dtype %d, %ld values; want dtype %d, %ld values\n", name, r->dtype, r->count, dtype, count);
        r = NULL;
    }
    return r;
}

// The configuration from the fixture's "config.<name>" records, through the
// schema (an optional field the fixture lacks keeps its default).
static int read_config(const fixture* fx, mm_config* cfg) {
    mm_record r = {cfg, NULL, NULL, NULL};
    mm_record_default(&r);
    mm_err err = {0};
    for (int pass = 0; pass < 2; pass++) // the family (form) first: which fields apply follows it
        for (int i = 0; i < mm_num_fields(); i++) {
            const mm_field* f = mm_field_at(i);
            if (f->group != MM_GROUP_MODEL || !(f->flags & MM_FIELD_SELECTOR) == !pass || !mm_field_applies(f, &r)) continue;
            char key[80], text[32];
            snprintf(key, sizeof key, "config.%s", f->name);
            const record* rec = find(fx, key);
            if (!rec && (f->flags & MM_FIELD_OPTIONAL)) continue;
            if (!(rec = need(fx, key, 1, 1))) return -1;
            int v = ((const int32_t*)rec->data)[0], n = 0;
            while (f->values && f->values[n]) n++;
            if (f->type == MM_TYPE_ENUM) snprintf(text, sizeof text, "%s", v >= 0 && v < n ? f->values[v] : "?");
            else snprintf(text, sizeof text, "%d", v);
            if (mm_field_parse(f, &r, text, &err)) { fprintf(stderr, "  %s: %s\n", key, err.msg); return -1; }
        }
    return 0;
}

// ---------------------------------------------------------------- comparison

typedef struct {
    double max_abs, max_rel; // over all checked values; rel over |r| > REL_FLOOR
    char worst_abs_name[160], worst_rel_name[160];
    int n_checked, n_failed;
} summary;

// Compares n values a against reference r; prints one line; returns 1 if any fails.
static int compare(summary* s, const char* name, const float* a, const float* r, long n) {
    double max_abs = 0.0, max_rel = 0.0, worst = -1.0;
    long worst_i = 0, n_bad = 0;
    for (long i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)r[i]), ar = fabs((double)r[i]);
        double ratio = d / (ATOL + RTOL * ar);
        if (!(ratio <= 1.0)) n_bad++; // also catches NaN
        if (!(ratio <= worst)) { worst = ratio; worst_i = i; }
        if (d > max_abs) max_abs = d;
        if (ar > REL_FLOOR && d / ar > max_rel) max_rel = d / ar;
    }
    printf("  %-4s %-30s n=%-6ld max|err| %.2e  max rel %.2e  worst [%ld] %.9g vs %.9g (%.2f of tol)\n",
           n_bad ? "FAIL" : "ok", name, n, max_abs, max_rel, worst_i, n ? a[worst_i] : 0.0, n ? r[worst_i] : 0.0, worst);
    if (max_abs >= s->max_abs) { s->max_abs = max_abs; snprintf(s->worst_abs_name, sizeof s->worst_abs_name, "%s", name); }
    if (max_rel >= s->max_rel) { s->max_rel = max_rel; snprintf(s->worst_rel_name, sizeof s->worst_rel_name, "%s", name); }
    s->n_checked++;
    s->n_failed += n_bad > 0;
    return n_bad > 0;
}

// ---------------------------------------------------------------- one fixture

// The fixture's optimizer into tp: "train.optimizer" (the schema's index) and its own settings
// "train.<name>" (float32); without them the lecture's SGD. lr: the fixture's.
static int read_training(const fixture* fx, float lr, mm_train_params* tp) {
    mm_train_params_default(tp);
    tp->lr = lr;
    const record* ro = find(fx, "train.optimizer");
    if (!ro) return 0;
    mm_err err = {0};
    if (mm_train_params_set(tp, "optimizer", mm_optimizer_name(((const int32_t*)ro->data)[0]), &err)) {
        fprintf(stderr, "  train.optimizer: %s\n", err.msg);
        return -1;
    }
    mm_record r = {NULL, NULL, tp, NULL};
    for (int i = 0; i < mm_num_fields(); i++) {
        const mm_field* f = mm_field_at(i);
        if (f->group != MM_GROUP_TRAINING || !f->owner || !mm_field_applies(f, &r)) continue;
        char key[80], text[48];
        snprintf(key, sizeof key, "train.%s", f->name);
        const record* rec = need(fx, key, 0, 1);
        if (!rec) return -1;
        snprintf(text, sizeof text, "%.9g", (double)((const float*)rec->data)[0]);
        if (mm_field_parse(f, &r, text, &err)) { fprintf(stderr, "  %s: %s\n", key, err.msg); return -1; }
    }
    return 0;
}

// The model's parameters against the fixture's "<prefix>.<name>" records (those it has; need: every one).
static int compare_params(summary* s, const fixture* fx, mm_model* m, const char* prefix, const float* values, int need_all) {
    for (int i = 0; i < mm_model_num_tensors(m); i++) {
        const mm_tensor_info* t = mm_model_tensor(m, i);
        if (t->is_buffer) continue;
        char key[256];
        snprintf(key, sizeof key, "%s.%s", prefix, t->name);
        const record* r = need_all ? need(fx, key, 0, t->size) : find(fx, key);
        if (need_all && !r) return -1;
        if (r) compare(s, key, values + t->offset, r->data, t->size);
    }
    return 0;
}

static void tokens(uint16_t* dst, const record* r) {
    const int32_t* src = r->data;
    for (long i = 0; i < r->count; i++) dst[i] = (uint16_t)src[i];
}

// Runs the whole check for one fixture file. Returns the number of mismatching
// tensors, or -1 if the check could not run to the end (a bad file, an API error).
// *hier is set to 1 for a hierarchical model (3-D BatchNorm inputs).
static int run_fixture(const char* path, int engine, int* hier) {
    printf("%s (%s engine)\n", path, engine == MM_ENGINE_FAST ? "fast" : "reference");
    fflush(stdout);
    fixture fx;
    mm_model* m = NULL;
    uint16_t* X = NULL;
    uint16_t* Y = NULL;
    float* gcopy = NULL;
    int fails = -1;
    char key[160];
    mm_optimizer* opt = NULL;
    *hier = 0;
    mm_err err = {0};
    summary s = {0};
    if (fixture_load(&fx, path)) goto done;

    mm_config cfg;
    const record* rlr = need(&fx, "lr", 0, 1);
    if (!rlr || read_config(&fx, &cfg)) goto done;
    *hier = cfg.n_consec != 0;
    if (opt_flip_bn) { // the other BatchNorm mode; a family without one refuses it: the other mode cannot match either
        mm_record rc = {&cfg, NULL, NULL, NULL};
        char mode[32] = "";
        const mm_field* bn = mm_field_find("bn_mode");
        if (*hier && (mm_field_format(bn, &rc, mode, sizeof mode, &err) ||
                      mm_config_set(&cfg, "bn_mode", strcmp(mode, "fixed") ? "fixed" : "per-position", &err))) {
            printf("  FAIL the other BatchNorm mode refused: %s\n", err.msg);
            fails = 1;
            goto done;
        } // a flat model's BatchNorm sees one position: both modes are one (a bigram has none)
        if (!*hier && mm_field_format(bn, &rc, mode, sizeof mode, &err) == MM_OK)
            mm_config_set(&cfg, "bn_mode", strcmp(mode, "fixed") ? "fixed" : "per-position", &err);
    }
    const record* rx0 = need(&fx, "X0", 1, -1);
    if (!rx0) goto done;
    int B = rx0->dims[0];
    m = mm_model_new(&cfg, NULL, 1, B, &err);
    if (!m || mm_model_set_engine(m, engine, NULL, &err)) {
        fprintf(stderr, "  %s: %s\n", m ? "mm_model_set_engine" : "mm_model_new", err.msg);
        goto done;
    }
    if (engine == MM_ENGINE_FAST) printf("  kernels: %s\n", mm_model_kernels(m));
    int V = cfg.vocab_size;
    float* params = mm_model_params(m);
    float* grads = mm_model_grads(m);
    float* buffers = mm_model_buffers(m);
    int nt = mm_model_num_tensors(m);

    // 1. initial params and buffers; every tensor must be in the fixture with its shape
    long covered_p = 0, covered_b = 0;
    int n_init = 0;
    for (int i = 0; i < fx.n; i++) n_init += strncmp(fx.recs[i].name, "init.", 5) == 0;
    if (n_init != nt) {
        fprintf(stderr, "  the fixture has %d init tensors, the model %d\n", n_init, nt);
        goto done;
    }
    for (int i = 0; i < nt; i++) {
        const mm_tensor_info* t = mm_model_tensor(m, i);
        snprintf(key, sizeof key, "init.%s", t->name);
        if (opt_flip_bn && t->is_buffer) { // other stats shape: keep the core's zeros/ones (the lecture's init too)
            *(t->is_buffer ? &covered_b : &covered_p) += t->size;
            continue;
        }
        const record* r = need(&fx, key, 0, t->size);
        if (!r) goto done;
        int same = r->ndim == t->ndim;
        for (int d = 0; same && d < t->ndim; d++) same = r->dims[d] == t->shape[d];
        if (!same && !t->is_buffer) { // buffers: torch may store (C,) where the core has (1,T,C)
            fprintf(stderr, "  %s: shape differs from the fixture's\n", t->name);
            goto done;
        }
        if (!t->is_buffer && t->offset != covered_p) { // mm_model_params is the lecture's list, packed
            fprintf(stderr, "  %s: offset %ld, want %ld (params out of the lecture's order)\n", t->name, t->offset, covered_p);
            goto done;
        }
        memcpy((t->is_buffer ? buffers : params) + t->offset, r->data, sizeof(float) * (size_t)t->size);
        *(t->is_buffer ? &covered_b : &covered_p) += t->size;
    }
    if (covered_p != mm_model_num_params(m) || covered_b != mm_model_num_buffers(m)) {
        fprintf(stderr, "  tensors cover %ld/%ld params, %ld/%ld buffers\n", covered_p, mm_model_num_params(m),
                covered_b, mm_model_num_buffers(m));
        goto done;
    }

    // 2. forward/backward on batch 0
    X = malloc(sizeof(uint16_t) * (size_t)B * (size_t)cfg.block_size);
    Y = malloc(sizeof(uint16_t) * (size_t)B);
    gcopy = malloc(sizeof(float) * (size_t)mm_model_num_params(m));
    const record *ry0 = need(&fx, "Y0", 1, B), *rlogits = need(&fx, "ref.logits", 0, (long)B * V),
                 *rloss = need(&fx, "ref.loss", 0, 1);
    if (!X || !Y || !gcopy || !ry0 || !rlogits || !rloss || rx0->count != (long)B * cfg.block_size) goto done;
    tokens(X, rx0);
    tokens(Y, ry0);
    float loss;
    if (mm_model_forward_backward(m, X, Y, B, &loss, &err)) {
        fprintf(stderr, "  forward_backward: %s\n", err.msg);
        goto done;
    }
    memcpy(gcopy, grads, sizeof(float) * (size_t)mm_model_num_params(m));
    if (opt_perturb_grad) { // the largest gradient element, 1e-3 off
        long at = 0;
        for (long k = 1; k < mm_model_num_params(m); k++)
            if (fabsf(gcopy[k]) > fabsf(gcopy[at])) at = k;
        gcopy[at] *= 1.001f;
    }
    compare(&s, "logits", mm_model_logits(m), rlogits->data, (long)B * V);
    compare(&s, "loss", &loss, rloss->data, 1);
    for (int i = 0; i < nt; i++) {
        const mm_tensor_info* t = mm_model_tensor(m, i);
        if (t->is_buffer) continue;
        snprintf(key, sizeof key, "grad.%s", t->name);
        const record* r = need(&fx, key, 0, t->size);
        if (!r) goto done;
        compare(&s, key, gcopy + t->offset, r->data, t->size);
    }

    // 3. steps on batches 1..3: the lecture's SGD, or the fixture's optimizer (torch.optim.AdamW)
    const record* rsl = need(&fx, "ref.step_losses", 0, -1);
    mm_train_params tp;
    if (!rsl || read_training(&fx, ((const float*)rlr->data)[0], &tp)) goto done;
    opt = mm_optimizer_new(m, &tp, &err);
    if (!opt) { fprintf(stderr, "  optimizer: %s\n", err.msg); goto done; }
    for (int k = 0; k < rsl->count; k++) {
        char nx[16], ny[16];
        snprintf(nx, sizeof nx, "X%d", k + 1);
        snprintf(ny, sizeof ny, "Y%d", k + 1);
        const record *rx = need(&fx, nx, 1, (long)B * cfg.block_size), *ry = need(&fx, ny, 1, B);
        if (!rx || !ry) goto done;
        tokens(X, rx);
        tokens(Y, ry);
        if (mm_model_train_step(m, opt, X, Y, B, tp.lr, &loss, NULL, k, &err)) {
            fprintf(stderr, "  train_step %d: %s\n", k, err.msg);
            goto done;
        }
        snprintf(key, sizeof key, "step %d loss", k + 1);
        compare(&s, key, &loss, (const float*)rsl->data + k, 1);
        snprintf(key, sizeof key, "step%d", k + 1); // every parameter after the step (the AdamW fixtures)
        if (compare_params(&s, &fx, m, key, params, 0)) goto done;
    }
    for (int k = 0; k < mm_optimizer_num_state(opt); k++) { // the optimizer's state after the steps: AdamW's moments
        snprintf(key, sizeof key, "adamw.%s", mm_optimizer_state_name(opt, k));
        if (compare_params(&s, &fx, m, key, mm_optimizer_state(opt, k), 1)) goto done;
    }

    // 4. final params and buffers
    for (int i = 0; i < nt; i++) {
        const mm_tensor_info* t = mm_model_tensor(m, i);
        snprintf(key, sizeof key, "final.%s", t->name);
        const record* r = need(&fx, key, 0, opt_flip_bn && t->is_buffer ? -1 : t->size);
        if (!r) goto done;
        if (r->count != t->size) { // only with --flip-bn
            printf("  FAIL %-30s %ld values, the fixture has %ld\n", key, t->size, r->count);
            s.n_checked++, s.n_failed++;
            continue;
        }
        compare(&s, key, (t->is_buffer ? buffers : params) + t->offset, r->data, t->size);
    }

    // 5. eval-mode logits on batch 0
    const record* rel = need(&fx, "ref.eval_logits", 0, (long)B * V);
    if (!rel) goto done;
    tokens(X, rx0);
    const float* el = mm_model_eval_logits(m, X, B, &err);
    if (!el) {
        fprintf(stderr, "  eval_logits: %s\n", err.msg);
        goto done;
    }
    compare(&s, "eval logits", el, rel->data, (long)B * V);

    fails = s.n_failed;
    printf("  %s: %d/%d tensors ok; max|err| %.2e (%s), max rel err %.2e (%s)\n", fails ? "FAIL" : "PASS",
           s.n_checked - s.n_failed, s.n_checked, s.max_abs, s.worst_abs_name, s.max_rel,
           s.worst_rel_name);
done:
    if (fails < 0) printf("  FAIL: could not run the check\n");
    free(X);
    free(Y);
    free(gcopy);
    mm_optimizer_free(opt);
    mm_model_free(m);
    fixture_free(&fx);
    return fails;
}

// Without options: every fixture must match. With --perturb-grad every fixture
// must be caught; with --flip-bn every hierarchical one (the flat models only see
// 2-D BatchNorm inputs, where both modes agree, so they must still match). In
// those modes the exit status says whether the test caught what it should.
int main(int argc, char** argv) {
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (strcmp(argv[first], "--perturb-grad") == 0) opt_perturb_grad = 1;
        else if (strcmp(argv[first], "--flip-bn") == 0) opt_flip_bn = 1;
        else {
            fprintf(stderr, "usage: %s [--perturb-grad] [--flip-bn] [FIXTURE.bin ...]\n", argv[0]);
            return 2;
        }
    }
    int n_files = 0, n_bad = 0, hier;
    char path[1024];
    for (int i = 0;; i++) {
        const char* p;
        if (first < argc) {
            if (first + i >= argc) break;
            p = argv[first + i];
        } else {
            if (i >= (int)(sizeof FIXTURES / sizeof FIXTURES[0])) break;
            snprintf(path, sizeof path, "%s/%s.bin", MM_FIXTURE_DIR, FIXTURES[i]);
            p = path;
        }
        for (int engine = MM_ENGINE_REPRODUCIBLE; engine <= MM_ENGINE_FAST; engine++) {
            int fails = run_fixture(p, engine, &hier);
            int should_fail = opt_perturb_grad || (opt_flip_bn && hier);
            if (opt_perturb_grad || opt_flip_bn)
                printf("  self-check: %s %s\n", should_fail ? "a mismatch must be found:" : "must still match:",
                       fails < 0 ? "COULD NOT RUN" : (fails > 0) == should_fail ? "yes" : "NO");
            n_bad += fails < 0 || (fails > 0) != should_fail;
            n_files++;
        }
    }
    if (opt_perturb_grad || opt_flip_bn)
        printf("%s: %d/%d fixture runs (each fixture on 2 engines) behaved as expected under %s\n", n_bad ? "FAIL" : "PASS", n_files - n_bad, n_files,
               opt_perturb_grad ? "--perturb-grad" : "--flip-bn");
    else
        printf("%s: %d/%d fixture runs (each fixture on the reference and the fast engine) match PyTorch (rtol %g, atol %g)\n", n_bad ? "FAIL" : "PASS", n_files - n_bad,
               n_files, RTOL, ATOL);
    return n_bad || n_files == 0 ? 1 : 0;
}
