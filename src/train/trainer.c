// train/trainer.c: the training loop (random batches of examples, or of whole words
// for the sequence families; the schedule's learning rate; the optimizer), evaluation,
// checkpoint state.
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "base/internal.h"
#include "makemore.h"
#include "kernels/pool.h"
#include "model/access.h"
#include "model/profile.h"
#include "settings/settings.h"

struct mm_trainer {
    mm_train_params tp;
    mm_data_settings data; // the split's seed and shuffles
    mm_splits splits;
    mm_model* model;
    mm_optimizer* opt;
    mm_rng batch_rng;
    long step;
    uint16_t* Xb; // (batch, block)
    uint16_t* Yb; // (batch,)
    int whole_words;  // a sequence family: batches of whole words
    int word_batches; // makemore.py's models: batch_size words a batch, B their examples (Xb, Yb: batch * block)
    int n_words;      // then: the training split's words,
    int* word_start;  // (n_words + 1,) the first example of each (a word's examples are consecutive)
    long stats_every; // diagnostics every this many steps (0: off)
    mm_stats* stats;  // their storage, made at the first stats_every > 0
};

// The training split's words: each ends at an example whose target is the end token 0.
static int index_words(mm_trainer* t, mm_err* err) {
    const mm_dataset* d = &t->splits.split[MM_SPLIT_TRAIN];
    int n = 0;
    for (int i = 0; i < d->n; i++) n += d->Y[i] == 0;
    t->word_start = malloc(sizeof(int) * (size_t)(n + 1));
    if (!t->word_start) return mm_fail(err, MM_ENOMEM, "out of memory creating the trainer");
    t->word_start[0] = 0;
    for (int i = 0, w = 0; i < d->n; i++)
        if (d->Y[i] == 0) t->word_start[++w] = i + 1;
    t->n_words = n;
    return MM_OK;
}

// batch_size examples of whole words drawn uniformly with replacement (the last one cut to fit); with
// word_batches, batch_size words (makemore.py's torch.randint over words) with all their examples.
// Returns the examples drawn.
static int draw_words(mm_trainer* t, const mm_dataset* d) {
    int bs = d->block_size, B = t->tp.batch_size, b = 0;
    for (int words = 0; t->word_batches ? words < B : b < B; words++) {
        uint32_t w = (uint32_t)(((uint64_t)mm_rng_u32(&t->batch_rng) * (uint64_t)t->n_words) >> 32);
        int first = t->word_start[w], n = t->word_start[w + 1] - first;
        if (!t->word_batches && n > B - b) n = B - b;
        memcpy(t->Xb + (long)b * bs, d->X + (long)first * bs, sizeof(uint16_t) * (size_t)n * (size_t)bs);
        memcpy(t->Yb + b, d->Y + first, sizeof(uint16_t) * (size_t)n);
        b += n;
    }
    return b;
}

// The training and data settings within the schema's limits (settings/).
static int check_params(const mm_train_params* tp, const mm_data_settings* data, mm_err* err) {
    mm_record r = {NULL, (mm_data_settings*)data, (mm_train_params*)tp, NULL};
    return mm_record_check(&r, err);
}

mm_trainer* mm_trainer_new(const mm_words* words, const mm_config* cfg_in, const mm_data_settings* data_in, const mm_train_params* tp,
                           mm_err* err) {
    if (!words || words->n_words < 1) { mm_fail(err, MM_EINVAL, "no words to train on"); return NULL; }
    mm_data_settings data;
    if (data_in) data = *data_in;
    else mm_data_settings_default(&data);
    if (check_params(tp, &data, err)) return NULL;
    mm_config cfg = *cfg_in;
    cfg.vocab_size = words->vocab_size;
    if (mm_config_check(&cfg, NULL, err)) return NULL;
    if (mm_config_word_batches(&cfg) && words->max_len + 1 > MM_MAX_BLOCK) {
        mm_fail(err, MM_EINVAL, "%s reads whole words, and this list's longest has %d characters: no block_size (at most %d) holds it "
                "and its end", mm_family_name(cfg.form), words->max_len, MM_MAX_BLOCK);
        return NULL;
    }
    if (mm_config_word_batches(&cfg) && cfg.block_size < words->max_len + 1) {
        mm_fail(err, MM_EINVAL, "block_size %d is too small for this word list: %s reads whole words, and the longest "
                       "has %d characters, so block_size must be at least %d (the word and its end)", cfg.block_size,
                       mm_family_name(cfg.form), words->max_len, words->max_len + 1);
        return NULL;
    }
    mm_trainer* t = calloc(1, sizeof *t);
    if (!t) { mm_fail(err, MM_ENOMEM, "out of memory creating the trainer"); return NULL; }
    t->tp = *tp;
    t->data = data;
    if (mm_splits_build(&t->splits, words, cfg.block_size, data.split_seed, data.split_shuffles, err)) { free(t); return NULL; }
    if (t->splits.split[MM_SPLIT_TRAIN].n < 1) {
        mm_splits_free(&t->splits); free(t);
        mm_fail(err, MM_EDATA, "the training split is empty: the word list needs at least 2 words");
        return NULL;
    }
    // makemore.py's models: a batch of batch_size words, each at most block_size examples (checked above)
    long examples = mm_config_word_batches(&cfg) ? (long)tp->batch_size * cfg.block_size : tp->batch_size;
    if (examples > MM_MAX_BATCH) {
        mm_splits_free(&t->splits); free(t);
        mm_fail(err, MM_EINVAL, "batch size %d words of up to %d positions is %ld examples, over %d: lower batch_size", tp->batch_size,
                cfg.block_size, examples, MM_MAX_BATCH);
        return NULL;
    }
    int max_batch = examples > 256 ? (int)examples : 256;
    t->model = mm_model_new(&cfg, words->codepoints, tp->seed, max_batch, err);
    if (t->model && !(t->opt = mm_optimizer_new(t->model, tp, err))) { mm_trainer_free(t); return NULL; }
    t->Xb = malloc(sizeof(uint16_t) * (size_t)examples * (size_t)cfg.block_size);
    t->Yb = malloc(sizeof(uint16_t) * (size_t)examples);
    if (!t->model || !t->Xb || !t->Yb) {
        if (t->model) mm_fail(err, MM_ENOMEM, "out of memory creating the trainer");
        mm_trainer_free(t);
        return NULL;
    }
    // batches come from their own stream, so they do not depend on the model's size
    mm_rng_seed(&t->batch_rng, tp->seed ^ 0x5DEECE66Dull);
    t->word_batches = mm_config_word_batches(&cfg);
    t->whole_words = mm_model_sequence(t->model) || t->word_batches;
    if (t->whole_words && index_words(t, err)) { mm_trainer_free(t); return NULL; }
    return t;
}

void mm_trainer_free(mm_trainer* t) {
    if (!t) return;
    mm_model_free(t->model);
    mm_optimizer_free(t->opt);
    mm_splits_free(&t->splits);
    free(t->Xb); free(t->Yb); free(t->word_start);
    mm_stats_free(t->stats);
    free(t);
}

mm_model* mm_trainer_model(mm_trainer* t) { return t->model; }
mm_optimizer* mm_trainer_optimizer(mm_trainer* t) { return t->opt; }
const mm_splits* mm_trainer_splits(const mm_trainer* t) { return &t->splits; }
const mm_data_settings* mm_trainer_data(const mm_trainer* t) { return &t->data; }
long mm_trainer_step(const mm_trainer* t) { return t->step; }

int mm_trainer_run(mm_trainer* t, long n, float* losses, long* done, mm_err* err) {
    if (done) *done = 0;
    if (n < 0) return mm_fail(err, MM_EINVAL, "cannot run %ld steps", n);
    const mm_dataset* d = &t->splits.split[MM_SPLIT_TRAIN];
    int B = t->tp.batch_size, bs = d->block_size;
    for (long i = 0; i < n && t->step < t->tp.steps; i++) {
        // a batch drawn uniformly with replacement, like torch.randint(0, n, (B,))
        mm_rng saved = t->batch_rng;
        double t0 = mm_model_prof_start(t->model);
        int n_ex = B;
        if (t->whole_words) n_ex = draw_words(t, d);
        else for (int b = 0; b < B; b++) {
            uint32_t ix = (uint32_t)(((uint64_t)mm_rng_u32(&t->batch_rng) * (uint64_t)d->n) >> 32);
            memcpy(t->Xb + (long)b * bs, d->X + (long)ix * bs, sizeof(uint16_t) * (size_t)bs);
            t->Yb[b] = d->Y[ix];
        }
        mm_model_prof_add(t->model, PROF_BATCH, t0);
        float lr = t->step < t->tp.decay_step ? t->tp.lr : t->tp.lr_decayed;
        float loss;
        mm_stats* s = t->stats_every && t->step % t->stats_every == 0 ? t->stats : NULL;
        int rc = mm_model_train_step(t->model, t->opt, t->Xb, t->Yb, n_ex, lr, &loss, s, t->step, err);
        if (rc) {
            t->batch_rng = saved; // the failed step leaves no trace
            if (err && rc == MM_ENONFINITE) {
                char msg[sizeof err->msg];
                memcpy(msg, err->msg, sizeof msg);
                mm_fail(err, rc, "training stopped at step %ld: %s", t->step, msg);
            }
            return rc;
        }
        if (losses) losses[i] = loss;
        t->step++;
        if (done) (*done)++;
    }
    return MM_OK;
}

int mm_trainer_eval(mm_trainer* t, int split, float* loss, mm_err* err) {
    if (split < 0 || split > 2) return mm_fail(err, MM_EINVAL, "unknown split %d", split);
    return mm_model_eval(t->model, &t->splits.split[split], loss, err);
}

int mm_trainer_eval_range(mm_trainer* t, int split, int start, int count, double* total, mm_err* err) {
    if (split < 0 || split > 2) return mm_fail(err, MM_EINVAL, "unknown split %d", split);
    return mm_model_eval_range(t->model, &t->splits.split[split], start, count, total, err);
}

int mm_trainer_set_schedule(mm_trainer* t, long steps, float lr, float lr_decayed, long decay_step, mm_err* err) {
    mm_train_params tp = t->tp;
    tp.steps = steps; tp.lr = lr; tp.lr_decayed = lr_decayed; tp.decay_step = decay_step;
    if (steps < t->step) return mm_fail(err, MM_EINVAL, "total steps %ld is below the %ld steps already done", steps, t->step);
    int rc = check_params(&tp, &t->data, err);
    if (rc) return rc;
    t->tp = tp;
    return MM_OK;
}

int mm_trainer_set_stats_every(mm_trainer* t, long n, mm_err* err) {
    if (n < 0) return mm_fail(err, MM_EINVAL, "stats every %ld steps: the interval must be 0 (off) or a whole number of steps >= 1", n);
    if (n > 0 && !t->stats && !(t->stats = mm_stats_new(t->model, err))) return err ? err->code : MM_ENOMEM;
    t->stats_every = n;
    return MM_OK;
}
long mm_trainer_stats_every(const mm_trainer* t) { return t->stats_every; }
mm_stats* mm_trainer_stats(mm_trainer* t) { return t->stats; }

int mm_trainer_set_engine(mm_trainer* t, int engine, mm_pool* pool, mm_err* err) {
    return mm_model_set_engine(t->model, engine, pool, err);
}

// ================================================================ checkpoint state (issue 5: model files)
// The trainer's schedule, step and batch generator, for mm_checkpoint_save/load (model/file.c).

// FNV-1a 64 of the three splits' sizes and targets: the targets, in split order,
// spell out every word, so equal hashes mean the same words split the same way.
static uint64_t splits_hash(const mm_splits* s) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (int k = 0; k < 3; k++) {
        const mm_dataset* d = &s->split[k];
        uint32_t n = (uint32_t)d->n;
        for (int i = 0; i < 4; i++) { h ^= (n >> (8 * i)) & 0xff; h *= 0x100000001b3ull; }
        for (int i = 0; i < d->n; i++) {
            h ^= d->Y[i] & 0xff; h *= 0x100000001b3ull;
            h ^= d->Y[i] >> 8; h *= 0x100000001b3ull;
        }
    }
    return h;
}

void mm_trainer_get_state(const mm_trainer* t, mm_train_state* s) {
    memset(s, 0, sizeof *s);
    s->tp = t->tp;
    s->step = t->step;
    s->optimizer_step = mm_optimizer_steps(t->opt);
    s->batch_rng = t->batch_rng.s;
    for (int k = 0; k < 3; k++) s->split_sizes[k] = t->splits.split[k].n;
    s->data_hash = splits_hash(&t->splits);
}

int mm_trainer_set_state(mm_trainer* t, const mm_train_state* s, mm_err* err) {
    const mm_train_params* a = &t->tp;
    const mm_train_params* b = &s->tp;
    if (a->batch_size != b->batch_size || a->steps != b->steps || a->decay_step != b->decay_step || a->seed != b->seed ||
        memcmp(&a->lr, &b->lr, sizeof a->lr) != 0 || memcmp(&a->lr_decayed, &b->lr_decayed, sizeof a->lr_decayed) != 0 ||
        a->optimizer != b->optimizer || memcmp(a->own, b->own, sizeof a->own) != 0)
        return mm_fail(err, MM_EINVAL, "the training state's schedule or optimizer differs from the trainer's");
    for (int k = 0; k < 3; k++)
        if (s->split_sizes[k] != t->splits.split[k].n)
            return mm_fail(err, MM_EINVAL,
                           "the word list is not the one this checkpoint was trained on (split %d has %d examples here, %d in the checkpoint)",
                           k, t->splits.split[k].n, s->split_sizes[k]);
    if (s->data_hash != splits_hash(&t->splits))
        return mm_fail(err, MM_EINVAL, "the word list is not the one this checkpoint was trained on (its data hash differs)");
    if (s->step < 0 || s->step > t->tp.steps)
        return mm_fail(err, MM_EINVAL, "step %ld is outside 0..%ld (the schedule's steps)", s->step, t->tp.steps);
    long updates = mm_optimizer_num_state(t->opt) ? s->step : 0; // an optimizer with state counts every step; SGD none
    if (s->optimizer_step != updates)
        return mm_fail(err, MM_EINVAL, "the optimizer's step count %ld is not %ld (%s at step %ld)", s->optimizer_step, updates,
                       mm_optimizer_name(t->tp.optimizer), s->step);
    t->step = s->step;
    t->batch_rng.s = s->batch_rng;
    mm_optimizer_set_steps(t->opt, s->optimizer_step);
    return MM_OK;
}
// ================================================================ end of checkpoint state
