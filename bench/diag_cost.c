// diag_cost.c: the native side of bench/diag-cost.mjs: the cost of the training diagnostics
// (mm_trainer_set_stats_every, plus mm_stats_json as the CLI prints it) in process, without the
// CLI's start and output. For each engine and thread count: segments of `every` steps off and on
// in turns (medians), and single steps: a statistics step against the plain step after it.
//   diag_cost [--preset NAME] [--batch B] [--every N] [--rounds R] [--data FILE]
// Prints one line per configuration: engine threads ms_off ms_on ms_plain_step ms_stats_step.
#define _POSIX_C_SOURCE 199309L // clock_gettime
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "makemore.h"

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static int cmp(const void* a, const void* b) {
    double x = *(const double*)a, y = *(const double*)b;
    return x < y ? -1 : x > y;
}
static double median(double* v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// ms of n steps; with stats on, each statistics step's JSON made as the CLI does
static double segment(mm_trainer* t, long n, int on) {
    double t0 = now_ms();
    long done = 0;
    mm_err err = {0};
    for (long left = n; left > 0;) {
        long step = mm_trainer_step(t), every = mm_trainer_stats_every(t);
        long chunk = on ? (step + every - 1) / every * every - step + 1 : left;
        if (chunk > left) chunk = left;
        if (mm_trainer_run(t, chunk, NULL, &done, &err) || done != chunk) { fprintf(stderr, "diag_cost: %s\n", err.msg); exit(1); }
        if (on && mm_stats_step(mm_trainer_stats(t)) >= step) mm_stats_json(mm_trainer_stats(t), NULL);
        left -= chunk;
    }
    return now_ms() - t0;
}

static void measure(const mm_words* w, const char* preset, int batch, long every, int rounds, int engine, int threads) {
    mm_config cfg;
    mm_data_settings ds;
    mm_train_params tp;
    mm_err err = {0};
    if (mm_preset(preset, &cfg, &ds, &err)) { fprintf(stderr, "diag_cost: %s\n", err.msg); exit(2); }
    mm_train_params_default(&tp);
    tp.batch_size = batch;
    tp.steps = 100000000;
    mm_trainer* t = mm_trainer_new(w, &cfg, &ds, &tp, &err);
    mm_pool* pool = t ? mm_pool_new(threads, &err) : NULL;
    if (!t || !pool || mm_trainer_set_engine(t, engine, pool, &err)) { fprintf(stderr, "diag_cost: %s\n", err.msg); exit(1); }
    double* off = malloc(sizeof(double) * (size_t)rounds * 4);
    double *on = off + rounds, *plain = on + rounds, *stat = plain + rounds;
    segment(t, every, 0); // warm-up
    for (int r = 0; r < rounds; r++) {
        mm_trainer_set_stats_every(t, 0, &err);
        off[r] = segment(t, every, 0);
        mm_trainer_set_stats_every(t, every, &err);
        on[r] = segment(t, every, 1);
    }
    for (int r = 0; r < rounds; r++) {
        long step = mm_trainer_step(t);
        segment(t, (step + every - 1) / every * every - step, 0); // up to the next statistics step
        stat[r] = segment(t, 1, 1);
        plain[r] = segment(t, 1, 1);
    }
    printf("%s %d %.4f %.4f %.4f %.4f\n", engine ? "fast" : "reproducible", threads, median(off, rounds), median(on, rounds),
           median(plain, rounds), median(stat, rounds));
    free(off);
    mm_pool_free(pool);
    mm_trainer_free(t);
}

int main(int argc, char** argv) {
    const char *preset = "wavenet76k", *data = "data/names.txt";
    int batch = 32, rounds = 40;
    long every = 100;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--preset")) preset = argv[i + 1];
        else if (!strcmp(argv[i], "--batch")) batch = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--every")) every = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--rounds")) rounds = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--data")) data = argv[i + 1];
    }
    if (every < 1 || rounds < 1 || batch < 2) { fprintf(stderr, "diag_cost: bad --every, --rounds or --batch\n"); return 2; }
    FILE* f = fopen(data, "rb");
    if (!f) { fprintf(stderr, "diag_cost: cannot read %s\n", data); return 1; }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char* text = malloc((size_t)len + 1);
    if (!text || fread(text, 1, (size_t)len, f) != (size_t)len) { fclose(f); return 1; }
    fclose(f);
    mm_words w;
    mm_err err = {0};
    if (mm_words_parse(&w, text, (size_t)len, &err)) { fprintf(stderr, "diag_cost: %s\n", err.msg); return 1; }
    free(text);
    measure(&w, preset, batch, every, rounds, MM_ENGINE_REPRODUCIBLE, 1);
    measure(&w, preset, batch, every, rounds, MM_ENGINE_FAST, 1);
    measure(&w, preset, batch, every, rounds, MM_ENGINE_FAST, 2);
    mm_words_free(&w);
    return 0;
}
