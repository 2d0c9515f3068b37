#define _POSIX_C_SOURCE 200809L
// cli.c: makemore, the native command line.
//   makemore train [--preset NAME | model options] [training options] [--json] [--save FILE] [--checkpoint FILE]
//   makemore train --resume FILE [--steps N]
//   makemore info --preset NAME [--json]
//   makemore sample --model FILE [--count N] [--temperature T] [--top-k K] [--top-p P] [--prefix P] [--seed S] [--json]
//   makemore COMMAND --help
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "makemore.h"
#include "text.h"

#ifndef MM_DEFAULT_DATA
#define MM_DEFAULT_DATA "data/names.txt"
#endif

static int default_threads(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MM_MAX_THREADS ? MM_MAX_THREADS : (int)n;
}

static const char* const PRESETS_LINE = "presets: mlp3 mlp8 wavenet22k-bnbug wavenet22k wavenet76k (default mlp3)\n";
static const char* const MODEL_OPTS =
    "model options: --block N --embd N --hidden N --consec K (0 = flat) --flat-layers N\n"
    "               --bn fixed|per-position --shuffles N\n";
static const char* const SAMPLE_OPTS =
    "sampling options: --temperature T (1; 0 = greedy) --top-k K (0 = all tokens) --top-p P (1 = all)\n"
    "                  --prefix P ('') --seed S (0)\n";

// The usage of one subcommand (cmd NULL or unknown: all of them).
static void usage(FILE* f, const char* cmd) {
    int all = !cmd || (strcmp(cmd, "train") && strcmp(cmd, "info") && strcmp(cmd, "sample"));
    if (all) fputs("usage: makemore train|info|sample [options]   (makemore COMMAND --help: its options)\n", f);
    if (all || !strcmp(cmd, "train")) {
        fprintf(f,
                "makemore train  [--preset NAME] [model options] [training options] [--json] [--losses] [--no-eval] [--save FILE]\n"
                "makemore train  ... --checkpoint FILE   also write a checkpoint (model + training state)\n"
                "makemore train  --resume FILE [--steps N] [--data FILE] ...   continue a checkpoint exactly\n"
                "  trains on the word list, prints the loss every 10000 steps, the split's losses and --samples names\n");
        if (!all) {
            fputs(PRESETS_LINE, f);
            fputs(MODEL_OPTS, f);
            fprintf(f,
                    "training options: --steps N (200000) --batch N (32) --lr X (0.1) --lr2 X (0.01)\n"
                    "                  --decay-step N (150000) --seed S (42) --data FILE (%s) --samples N (20)\n"
                    "engine options: --threads N (1..%d; default: the cores available, here %d)\n"
                    "                --reproducible (the reference kernels, no fused multiply-add: bitwise the numbers\n"
                    "                of every build; default: the fast engine, FMA where the CPU has it)\n"
                    "                --profile (time per operation of the step, printed at the end)\n",
                    MM_DEFAULT_DATA, MM_MAX_THREADS, default_threads());
            fputs(SAMPLE_OPTS, f);
        }
    }
    if (all || !strcmp(cmd, "info")) {
        fputs("makemore info   [--preset NAME] [model options] [--data FILE] [--json]\n"
              "  the model's parameter count and the word list's split, without training\n", f);
        if (!all) { fputs(PRESETS_LINE, f); fputs(MODEL_OPTS, f); }
    }
    if (all || !strcmp(cmd, "sample")) {
        fputs("makemore sample --model FILE [--count N (20)] [sampling options] [--json]\n"
              "  names from a model file or checkpoint\n", f);
        if (!all) fputs(SAMPLE_OPTS, f);
    }
    if (all) { fputs(PRESETS_LINE, f); fputs(MODEL_OPTS, f); fputs(SAMPLE_OPTS, f); }
}

static double now_sec(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static char* read_file(const char* path, size_t* len) {
    FILE* f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char* b = malloc(cap);
    for (;;) {
        if (n == cap) { char* nb = realloc(b, cap *= 2); if (!nb) { free(b); fclose(f); return NULL; } b = nb; }
        size_t k = fread(b + n, 1, cap - n, f);
        if (k == 0) break;
        n += k;
    }
    fclose(f);
    *len = n;
    return b;
}

static void json_string(FILE* f, const char* s) {
    mm_buf b = {0};
    mm_buf_json_string(&b, s);
    if (!b.oom) fputs(b.p, f);
    free(b.p);
}

typedef struct {
    const char* cmd;
    const char* preset;
    mm_config cfg;
    mm_train_params tp;
    const char* data;
    const char* save;
    const char* resume;
    const char* checkpoint;
    int steps_given;
    const char* model;
    const char* prefix;
    int json, losses, samples, count, no_eval;
    int threads, reproducible, profile;
    mm_sampling samp;
    uint64_t seed;
    int help;
} args;

static int parse_long(const char* s, long lo, long hi, long* out) {
    char* end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) return 1;
    *out = v;
    return 0;
}

static int parse_args(int argc, char** argv, args* a) {
    memset(a, 0, sizeof *a);
    a->cmd = argc > 1 ? argv[1] : "";
    a->preset = "mlp3";
    a->data = MM_DEFAULT_DATA;
    a->samples = 20; a->count = 20; a->prefix = "";
    mm_sampling_default(&a->samp);
    a->threads = default_threads();
    mm_train_params_default(&a->tp);
    mm_err err = {0};
    int custom[8] = {0}; long cv[8] = {0};
    static const char* copt[8] = {"--block", "--embd", "--hidden", "--consec", "--flat-layers", "--bn", "--shuffles", NULL};
    for (int i = 2; i < argc; i++) {
        const char* o = argv[i];
        const char* v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
        if (!strcmp(o, "--json")) { a->json = 1; continue; }
        if (!strcmp(o, "--losses")) { a->losses = 1; continue; }
        if (!strcmp(o, "--no-eval")) { a->no_eval = 1; continue; }
        if (!strcmp(o, "--reproducible")) { a->reproducible = 1; continue; }
        if (!strcmp(o, "--profile")) { a->profile = 1; continue; }
        if (!strcmp(o, "--help") || !strcmp(o, "-h")) { a->help = 1; return 0; }
        if (!v) { fprintf(stderr, "makemore: option %s needs a value\n", o); return 1; }
        i++;
        int k;
        for (k = 0; copt[k]; k++) if (!strcmp(o, copt[k])) break;
        if (copt[k]) {
            custom[k] = 1;
            if (k == 5) {
                if (!strcmp(v, "fixed")) cv[k] = MM_BN_FIXED;
                else if (!strcmp(v, "per-position")) cv[k] = MM_BN_PER_POSITION;
                else { fprintf(stderr, "makemore: --bn takes fixed or per-position, not '%s'\n", v); return 1; }
            } else if (parse_long(v, 0, 1000000, &cv[k])) { fprintf(stderr, "makemore: %s takes a whole number, not '%s'\n", o, v); return 1; }
        } else if (!strcmp(o, "--preset")) a->preset = v;
        else if (!strcmp(o, "--data")) a->data = v;
        else if (!strcmp(o, "--save")) a->save = v;
        else if (!strcmp(o, "--resume")) a->resume = v;
        else if (!strcmp(o, "--checkpoint")) a->checkpoint = v;
        else if (!strcmp(o, "--model")) a->model = v;
        else if (!strcmp(o, "--prefix")) a->prefix = v;
        else if (!strcmp(o, "--steps") && !parse_long(v, 0, 1000000000L, &n)) { a->tp.steps = n; a->steps_given = 1; }
        else if (!strcmp(o, "--decay-step") && !parse_long(v, 0, 1000000000L, &n)) a->tp.decay_step = n;
        else if (!strcmp(o, "--batch") && !parse_long(v, 2, MM_MAX_BATCH, &n)) a->tp.batch_size = (int)n;
        else if (!strcmp(o, "--samples") && !parse_long(v, 0, 100000, &n)) a->samples = (int)n;
        else if (!strcmp(o, "--count") && !parse_long(v, 0, 100000, &n)) a->count = (int)n;
        else if (!strcmp(o, "--top-k")) {
            if (parse_long(v, 0, MM_MAX_VOCAB, &n)) { fprintf(stderr, "makemore: --top-k takes a whole number from 0 (all tokens) to %d, not '%s'\n", MM_MAX_VOCAB, v); return 1; }
            a->samp.top_k = (int)n;
        }
        else if (!strcmp(o, "--threads")) {
            if (parse_long(v, 1, MM_MAX_THREADS, &n)) { fprintf(stderr, "makemore: --threads takes a whole number from 1 to %d, not '%s'\n", MM_MAX_THREADS, v); return 1; }
            a->threads = (int)n;
        }
        else if (!strcmp(o, "--seed")) {
            char* end;
            unsigned long long s = strtoull(v, &end, 10);
            if (!*v || *end) { fprintf(stderr, "makemore: --seed takes a whole number, not '%s'\n", v); return 1; }
            a->tp.seed = a->seed = s;
        } else if (!strcmp(o, "--lr") || !strcmp(o, "--lr2") || !strcmp(o, "--temperature") || !strcmp(o, "--top-p")) {
            char* end;
            float f = strtof(v, &end);
            if (!*v || *end) { fprintf(stderr, "makemore: %s takes a number, not '%s'\n", o, v); return 1; }
            if (!strcmp(o, "--lr")) a->tp.lr = f;
            else if (!strcmp(o, "--lr2")) a->tp.lr_decayed = f;
            else if (!strcmp(o, "--top-p")) {
                if (!(f > 0.0f && f <= 1.0f)) { fprintf(stderr, "makemore: --top-p takes a number above 0 and at most 1, not '%s'\n", v); return 1; }
                a->samp.top_p = f;
            } else {
                if (!(f >= 0.0f && f <= 1e6f)) { fprintf(stderr, "makemore: --temperature takes a number from 0 to 1e6, not '%s'\n", v); return 1; }
                a->samp.temperature = f;
            }
        } else { fprintf(stderr, "makemore: unknown option or bad value: %s %s\n", o, v); return 1; }
    }
    if (mm_config_preset(&a->cfg, a->preset, &err)) { fprintf(stderr, "makemore: %s\n", err.msg); return 1; }
    if (custom[0]) a->cfg.block_size = (int)cv[0];
    if (custom[1]) a->cfg.n_embd = (int)cv[1];
    if (custom[2]) a->cfg.n_hidden = (int)cv[2];
    if (custom[3]) a->cfg.n_consec = (int)cv[3];
    if (custom[4]) a->cfg.n_flat_layers = (int)cv[4];
    if (custom[5]) a->cfg.bn_mode = (int)cv[5];
    if (custom[6]) a->cfg.split_shuffles = (int)cv[6];
    return 0;
}

static int load_words(const args* a, mm_words* w) {
    size_t len;
    char* text = read_file(a->data, &len);
    if (!text) { fprintf(stderr, "makemore: cannot read the word list %s\n", a->data); return 1; }
    mm_err err = {0};
    int rc = mm_words_parse(w, text, len, &err);
    free(text);
    if (rc) { fprintf(stderr, "makemore: %s: %s\n", a->data, err.msg); return 1; }
    return 0;
}

static int print_samples(mm_model* m, int count, const mm_sampling* samp, const char* prefix, uint64_t seed, int json) {
    mm_rng rng;
    mm_rng_seed(&rng, mm_sample_seed(seed, 0)); // the one sampling seed rule (makemore.h)
    char word[MM_MAX_WORD_LEN * 4 + 1];
    mm_err err = {0};
    if (json) fputs("[", stdout);
    for (int i = 0; i < count; i++) {
        if (mm_sample(m, &rng, samp, prefix, MM_MAX_WORD_LEN, word, sizeof word, &err)) {
            if (json) fputs("]", stdout);
            fprintf(stderr, "makemore: %s\n", err.msg);
            return 1;
        }
        if (json) { if (i) fputs(",", stdout); json_string(stdout, word); }
        else printf("%s.\n", word);
    }
    if (json) fputs("]", stdout);
    return 0;
}

static int cmd_info(const args* a) {
    mm_words w;
    if (load_words(a, &w)) return 1;
    mm_config c = a->cfg;
    c.vocab_size = w.vocab_size;
    long np;
    mm_err err = {0};
    mm_splits s;
    if (mm_config_check(&c, &np, &err) || mm_splits_build(&s, &w, c.block_size, 42, c.split_shuffles, &err)) {
        fprintf(stderr, "makemore: %s\n", err.msg);
        mm_words_free(&w);
        return 1;
    }
    if (a->json)
        printf("{\"preset\":\"%s\",\"params\":%ld,\"split\":[%d,%d,%d],\"words\":%d,\"vocab_size\":%d,\"max_len\":%d,\"block_size\":%d}\n",
               a->preset, np, s.split[0].n, s.split[1].n, s.split[2].n, w.n_words, w.vocab_size, w.max_len, c.block_size);
    else
        printf("%s: %ld parameters; %d words, %d symbols, longest %d; split %d / %d / %d examples\n", a->preset, np,
               w.n_words, w.vocab_size, w.max_len, s.split[0].n, s.split[1].n, s.split[2].n);
    mm_splits_free(&s);
    mm_words_free(&w);
    return 0;
}

// Writes what a save function made (rc its return code: on failure bytes is unset); frees the bytes.
static int write_bytes(const char* path, int rc, uint8_t* bytes, size_t len, const mm_err* err) {
    if (rc) { fprintf(stderr, "makemore: %s\n", err->msg); return 1; }
    FILE* f = fopen(path, "wb");
    int bad = !f || fwrite(bytes, 1, len, f) != len;
    if (f && fclose(f)) bad = 1;
    free(bytes);
    if (bad) { fprintf(stderr, "makemore: cannot write %s\n", path); return 1; }
    return 0;
}

static int cmd_train(const args* a) {
    mm_words w;
    if (load_words(a, &w)) return 1;
    mm_err err = {0};
    mm_trainer* t = NULL;
    if (a->resume) { // a checkpoint continues exactly where it stopped, on the same word list
        size_t len;
        char* bytes = read_file(a->resume, &len);
        if (!bytes) { fprintf(stderr, "makemore: cannot read %s\n", a->resume); mm_words_free(&w); return 1; }
        t = mm_checkpoint_load((const uint8_t*)bytes, len, &w, &err);
        free(bytes);
        mm_train_state st;
        if (t && a->steps_given) {
            mm_trainer_get_state(t, &st);
            if (mm_trainer_set_schedule(t, a->tp.steps, st.tp.lr, st.tp.lr_decayed, st.tp.decay_step, &err)) { mm_trainer_free(t); t = NULL; }
        }
    } else {
        t = mm_trainer_new(&w, &a->cfg, &a->tp, &err);
    }
    if (!t) { fprintf(stderr, "makemore: %s\n", err.msg); mm_words_free(&w); return 1; }
    mm_pool* pool = mm_pool_new(a->threads, &err);
    if (!pool || mm_trainer_set_engine(t, a->reproducible ? MM_ENGINE_REPRODUCIBLE : MM_ENGINE_FAST, pool, &err)) {
        fprintf(stderr, "makemore: %s\n", err.msg);
        mm_pool_free(pool); mm_trainer_free(t); mm_words_free(&w);
        return 1;
    }
    mm_model* m = mm_trainer_model(t);
    if (a->profile) mm_model_profile(m, 1, NULL);
    const mm_splits* s = mm_trainer_splits(t);
    mm_train_state st;
    uint8_t* bytes;
    size_t len;
    mm_trainer_get_state(t, &st);
    long first = st.step, steps = st.tp.steps; // steps is the run's total; a resumed run starts at first
    if (!a->json) printf("%ld parameters; split %d / %d / %d examples; engine %s, %d thread%s\n", mm_model_num_params(m), s->split[0].n,
                         s->split[1].n, s->split[2].n, mm_model_kernels(m), a->threads, a->threads == 1 ? "" : "s");
    if (!a->json && first) printf("resuming at step %ld\n", first);
    float* losses = malloc(sizeof(float) * (size_t)(steps > first ? steps - first : 1));
    if (!losses) { fprintf(stderr, "makemore: out of memory\n"); mm_trainer_free(t); mm_words_free(&w); return 1; }
    double t0 = now_sec();
    int rc = 0;
    for (long at = first; at < steps;) {
        long chunk = 10000 - at % 10000, done = 0;
        if (chunk > steps - at) chunk = steps - at;
        rc = mm_trainer_run(t, chunk, losses + (at - first), &done, &err);
        if (at % 10000 == 0 && done > 0) { // the lecture prints every 10000th step
            if (a->json) printf("{\"step\":%ld,\"loss\":%.6f}\n", at, (double)losses[at - first]);
            else printf("%7ld/%7ld: %.4f\n", at, steps, (double)losses[at - first]);
            fflush(stdout);
        }
        at += done;
        if (rc) { fprintf(stderr, "makemore: %s\n", err.msg); break; }
    }
    double secs = now_sec() - t0;
    long done_steps = mm_trainer_step(t) - first;
    double prof[MM_PROF_N];
    if (a->profile) mm_model_profile(m, 0, prof);
    // eval-mode losses; a split that is empty (a very short word list) or skipped (--no-eval) has none
    float l[3] = {0, 0, 0};
    int have[3] = {0, 0, 0};
    static const char* split_name[3] = {"train", "val", "test"};
    for (int k = 0; k < 3 && !rc && !a->no_eval; k++) {
        int e = mm_trainer_eval(t, k, &l[k], &err);
        if (!e) have[k] = 1;
        else if (k == 0) { fprintf(stderr, "makemore: %s\n", err.msg); rc = e; }
        else fprintf(stderr, "makemore: no %s loss: %s\n", split_name[k], err.msg);
    }
    char ls[3][32];
    for (int k = 0; k < 3; k++) {
        if (have[k]) snprintf(ls[k], sizeof ls[k], a->json ? "%.6f" : "%.4f", (double)l[k]);
        else snprintf(ls[k], sizeof ls[k], a->json ? "null" : "n/a");
    }
    if (!rc) {
        double sps = secs > 0 ? (double)done_steps / secs : 0.0;
        if (a->json) {
            printf("{\"params\":%ld,\"split\":[%d,%d,%d],\"steps\":%ld,\"train_loss\":%s,\"val_loss\":%s,\"test_loss\":%s,\"steps_per_sec\":%.1f,"
                   "\"engine\":\"%s\",\"threads\":%d,\"samples\":",
                   mm_model_num_params(m), s->split[0].n, s->split[1].n, s->split[2].n, mm_trainer_step(t), ls[0], ls[1], ls[2], sps,
                   mm_model_kernels(m), a->threads);
            rc = print_samples(m, a->samples, &a->samp, a->prefix, a->seed, 1);
            if (a->profile) { // microseconds per step
                fputs(",\"profile\":[", stdout);
                for (int i = 0; i < MM_PROF_N; i++)
                    printf("%s{\"phase\":\"%s\",\"op\":\"%s\",\"us\":%.3f}", i ? "," : "", mm_profile_phase(i), mm_profile_name(i),
                           done_steps ? 1e6 * prof[i] / (double)done_steps : 0.0);
                fputs("]", stdout);
            }
            if (a->losses) {
                fputs(",\"losses\":[", stdout);
                for (long i = 0; i < done_steps; i++) printf(i ? ",%.9g" : "%.9g", (double)losses[i]);
                fputs("]", stdout);
            }
            puts("}");
        } else {
            printf("train %s\nval %s\ntest %s\n%.1f steps/s\n", ls[0], ls[1], ls[2], sps);
            if (a->profile && done_steps) {
                double total = 0;
                for (int i = 0; i < MM_PROF_N; i++) total += prof[i];
                printf("time per step by operation (us):\n");
                for (int i = 0; i < MM_PROF_N; i++)
                    printf("  %-8s %-14s %8.1f  %5.1f%%\n", mm_profile_phase(i), mm_profile_name(i), 1e6 * prof[i] / (double)done_steps,
                           total > 0 ? 100.0 * prof[i] / total : 0.0);
            }
            rc = print_samples(m, a->samples, &a->samp, a->prefix, a->seed, 0);
        }
    }
    if (!rc && a->save) {
        int e = mm_model_save(m, &bytes, &len, &err);
        rc = write_bytes(a->save, e, bytes, len, &err);
    }
    if (!rc && a->checkpoint) {
        int e = mm_checkpoint_save(t, &bytes, &len, &err);
        rc = write_bytes(a->checkpoint, e, bytes, len, &err);
    }
    free(losses);
    mm_trainer_free(t);
    mm_pool_free(pool);
    mm_words_free(&w);
    return rc ? 1 : 0;
}

static int cmd_sample(const args* a) {
    if (!a->model) { fprintf(stderr, "makemore: sample needs --model FILE\n"); return 1; }
    size_t len;
    char* bytes = read_file(a->model, &len);
    if (!bytes) { fprintf(stderr, "makemore: cannot read %s\n", a->model); return 1; }
    mm_err err = {0};
    mm_model* m = mm_model_load((const uint8_t*)bytes, len, 1, &err);
    free(bytes);
    if (!m) { fprintf(stderr, "makemore: %s: %s\n", a->model, err.msg); return 1; }
    int rc = print_samples(m, a->count, &a->samp, a->prefix, a->seed, a->json);
    if (a->json) puts("");
    mm_model_free(m);
    return rc;
}

int main(int argc, char** argv) {
    args a;
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout, argc > 2 ? argv[2] : NULL);
        return argc < 2 ? 2 : 0;
    }
    if (parse_args(argc, argv, &a)) return 2;
    if (a.help) { usage(stdout, a.cmd); return 0; }
    if (!strcmp(a.cmd, "train")) return cmd_train(&a);
    if (!strcmp(a.cmd, "info")) return cmd_info(&a);
    if (!strcmp(a.cmd, "sample")) return cmd_sample(&a);
    fprintf(stderr, "makemore: unknown command '%s'\n", a.cmd);
    usage(stderr, NULL);
    return 2;
}
