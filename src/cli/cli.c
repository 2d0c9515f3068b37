#define _POSIX_C_SOURCE 200809L
// cli.c: makemore, the native command line.
//   makemore train [--preset NAME | model options] [training options] [--json] [--save FILE] [--checkpoint FILE]
//   makemore train --resume FILE [--steps N] [--decay-step N]
//   makemore info --preset NAME [--json]
//   makemore info --model FILE [--form NAME] [--json]
//   makemore sample --model FILE [--form NAME] [--count N] [--temperature T] [--top-k K] [--top-p P] [--prefix P] [--seed S] [--json]
//   makemore COMMAND --help
//   makemore -i FILE -o DIR [--max-steps N] [--type TYPE] [--resume] [--sample-only] ...   makemore.py's command line: train
//            (with --sample-only, sample) without a subcommand; DIR/model.safetensors and DIR/log.txt (DIR: out/ by default)
// The Node CLI (bin/makemore-wasm.mjs, bin/cli/) prints the same text and JSON for the same arguments.
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include "makemore.h"
#include "cli/probe.h"
#include "base/text.h"
#include "settings/settings.h"

#ifndef MM_DEFAULT_DATA
#define MM_DEFAULT_DATA "data/names.txt"
#endif

static int default_threads(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MM_MAX_THREADS ? MM_MAX_THREADS : (int)n;
}

static const char* const SAMPLE_OPTS =
    "sampling options: --temperature T (1; 0 = greedy) --top-k K (0 or -1 = all tokens) --top-p P (1 = all)\n"
    "                  --prefix P ('') --seed S (0)\n";
// makemore.py's options, named as it names them (bin/cli/args.mjs writes the same lines)
static const char* const PY_OPTS =
    "makemore.py's options (its names of ours): -i, --input-file FILE (the word list)  --max-steps N (the steps)\n"
    "  -b, --batch-size N (the batch size)  -l, --learning-rate X (the learning rate)  -w X (AdamW's weight decay)\n"
    "  --type bigram|mlp|bow|rnn|gru|PRESET (makemore.py's Bigram, MLP, BoW, RNN, GRU: the presets of those names; lstm\n"
    "  (the LSTM in its frame) or any preset's name; makemore.py's transformer is not here yet)\n"
    "  -o, --work-dir DIR  the model (DIR/model.safetensors, a checkpoint) and the run's output (DIR/log.txt) go there\n"
    "  --resume (no FILE: DIR's model, continued)  --sample-only (names from DIR's model, no training)\n";
static const char* const PY_INFO_OPTS =
    "makemore.py's options: -i, --input-file FILE (the word list)  --type bigram|mlp|PRESET (the model)\n"
    "  -o, --work-dir DIR (its model.safetensors, as --model)\n";
static const char* const PY_SAMPLE_OPTS =
    "makemore.py's options: -o, --work-dir DIR (its model.safetensors, as --model)  -i, --input-file FILE (as --data)\n";
static const char* const FORM_OPT =
    "model file option (info, sample): --form FAMILY  load the file as that family (a wavenet76k file as conv)\n";
static const char* const GROUP_TITLES[MM_N_GROUPS] = {
    "model options (over the preset's; these defaults are mlp3's):", "data options (how the word list is split; over the preset's):",
    "training options:", NULL};

// The presets line of the usage, from the core's list (bin/cli/args.mjs writes the same line).
static void presets_line(FILE* f) {
    fputs("presets:", f);
    for (int i = 0; mm_preset_name(i); i++) fprintf(f, " %s", mm_preset_name(i));
    fputs(" (default mlp3)\n", f);
}

// What a field's value looks like in a usage line: an enum's names joined by '|'.
static void placeholder(const mm_field* f, char* out, size_t cap) {
    snprintf(out, cap, "%s", f->type == MM_TYPE_FLOAT ? "X" : f->type == MM_TYPE_U64 ? "S" : "N");
    if (f->type != MM_TYPE_ENUM) return;
    out[0] = 0;
    for (int i = 0; f->values[i]; i++) {
        size_t u = strlen(out);
        snprintf(out + u, cap - u, i ? "|%s" : "%s", f->values[i]);
    }
}

// The options of a group's fields, one a line, from the schema (bin/cli/args.mjs writes the same lines).
static void field_lines(FILE* f, int group) {
    fprintf(f, "%s\n", GROUP_TITLES[group]);
    for (int i = 0; i < mm_num_fields(); i++) {
        const mm_field* d = mm_field_at(i);
        if (d->group != group || !d->flag) continue;
        char opt[96], value[64], range[64] = "";
        placeholder(d, value, sizeof value);
        snprintf(opt, sizeof opt, "%s %s", d->flag, value);
        if (d->type == MM_TYPE_INT) snprintf(range, sizeof range, "; %.0f..%.0f", d->min, d->max);
        else if (d->type == MM_TYPE_FLOAT) snprintf(range, sizeof range, "; %g..%g", d->min, d->max);
        fprintf(f, "  %-30s %s (%s%s)\n", opt, d->doc, d->def, range);
    }
}

static void train_usage(FILE* f, int all) {
    fprintf(f, "makemore train  [--preset NAME] [model, data and training options] [--json] [--losses] [--no-eval] [--save FILE]\n"
               "makemore train  ... --checkpoint FILE   also write a checkpoint (model + training state)\n"
               "makemore train  --resume FILE [--steps N] [--data FILE] ...   continue a checkpoint exactly\n"
               "  trains on the word list, prints the loss 10 to 25 times a run (every 10000 steps at most: more in a longer run), the split's\n"
               "  losses and --samples names, each marked as in the training split, in another split, or new\n"
               "  --steps without a decay step: the decay at the same fraction of the run as the preset's (4000: at 3000);\n"
               "  with --resume, a new total moves a decay not reached yet so (give the decay step to keep it)\n");
    if (all) return;
    presets_line(f);
    for (int g = MM_GROUP_MODEL; g <= MM_GROUP_TRAINING; g++) field_lines(f, g);
    fprintf(f, "run options: --data FILE (%s) --samples N (20)\n"
               "engine options: --threads N (1..%d; default: the faster of 1 and the cores available, here %d, measured on a run's first steps)\n"
               "                --reproducible (the reference kernels, no fused multiply-add: bitwise the numbers\n"
               "                of every build; default: the fast engine, FMA where the CPU has it)\n"
               "                --profile (time per operation of the step, printed at the end)\n"
               "diagnostics: --stats-every N (0 = off) per-layer statistics every N steps (makemore part 3): with --json\n"
               "             a {\"stats\":{...}} line each (see README), else the Tanh layers' mean, std, saturation\n",
            MM_DEFAULT_DATA, MM_MAX_THREADS, default_threads());
    fputs(SAMPLE_OPTS, f);
    fputs(PY_OPTS, f);
}

// The usage of one subcommand (cmd NULL or unknown: all of them).
static void usage(FILE* f, const char* cmd) {
    int all = !cmd || (strcmp(cmd, "train") && strcmp(cmd, "info") && strcmp(cmd, "sample"));
    if (all) fputs("usage: makemore train|info|sample [options]   (makemore COMMAND --help: its options)\n"
                   "  or, as makemore.py: makemore -i FILE -o DIR [--max-steps N] [--type TYPE] [--resume] [--sample-only] [options]\n"
                   "  (no subcommand: train, or with --sample-only sample; the work dir DIR is out/ unless -o says)\n", f);
    if (all || !strcmp(cmd, "train")) train_usage(f, all);
    if (all || !strcmp(cmd, "info")) {
        fputs("makemore info   [--preset NAME] [model and data options] [--data FILE] [--json]\n"
              "  the model's parameter count and the word list's split, without training\n"
              "makemore info   --model FILE [--form NAME] [--json]\n"
              "  a model file's parameter count and configuration\n", f);
        if (!all) { presets_line(f); field_lines(f, MM_GROUP_MODEL); field_lines(f, MM_GROUP_DATA); fputs(FORM_OPT, f); fputs(PY_INFO_OPTS, f); }
    }
    if (all || !strcmp(cmd, "sample")) {
        fputs("makemore sample --model FILE [--form NAME] [--count N (20)] [sampling options] [--data FILE] [--json]\n"
              "  names from a model file or checkpoint, marked as in the training split, another split, or new: the split\n"
              "  the file's data settings make of the word list (--data; none if the default one is missing; --json: not marked)\n", f);
        if (!all) { fputs(SAMPLE_OPTS, f); fputs(FORM_OPT, f); fputs(PY_SAMPLE_OPTS, f); }
    }
    if (all) {
        presets_line(f);
        for (int g = MM_GROUP_MODEL; g <= MM_GROUP_TRAINING; g++) field_lines(f, g);
        fputs(SAMPLE_OPTS, f);
        fputs(FORM_OPT, f);
        fputs(PY_OPTS, f);
    }
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

// The log of the run (-o DIR's log.txt), or NULL: out() writes there too.
static FILE* g_log;

// What a command prints on stdout (and with -o DIR, in its log).
static void out(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char* fmt, ...) {
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    vprintf(fmt, ap);
    if (g_log) vfprintf(g_log, fmt, again);
    va_end(again);
    va_end(ap);
}

static void json_string(const char* s) {
    mm_buf b = {0};
    mm_buf_json_string(&b, s);
    if (!b.oom) out("%s", b.p);
    free(b.p);
}

#define MAX_FIELDS 64

typedef struct {
    const char* cmd;
    const char* preset;
    mm_config cfg;
    mm_data_settings data;
    mm_train_params tp;
    const char* given[MAX_FIELDS]; // the schema fields' values on the command line, by field index
    const char* given_as[MAX_FIELDS]; // the option each was given by (makemore.py's name of it, or ours), for messages
    const char* data_file;
    int data_given; // --data given (else the default word list)
    const char* save;
    const char* resume;
    int preset_given;
    const char* preset_flag; // --preset, or makemore.py's --type
    const char* checkpoint;
    const char* model;
    const char* work_dir;  // -o DIR (makemore.py's): the model and the log of the run go there
    int sample_only;       // --sample-only: names from the work dir's model, no training
    int resume_here;       // --resume without a FILE: the work dir's model
    char work_model[4096]; // DIR/model.safetensors (a checkpoint: --resume continues it)
    char work_log[4096];   // DIR/log.txt
    const char* prefix;
    int json, losses, samples, count, no_eval;
    int threads, reproducible, profile;
    int threads_given; // --threads N: exactly N; else the faster of 1 and the cores, measured (cli/probe.h)
    long stats_every; // --stats-every N: the training diagnostics every N steps (0: off)
    mm_sampling samp;
    uint64_t seed; // the sampling seed (--seed; 0)
    int help;
} args;

static int parse_long(const char* s, long lo, long hi, long* out) {
    char* end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) return 1;
    *out = v;
    return 0;
}

static int bad_value(const char* o, const char* what, const char* v) {
    fprintf(stderr, "makemore: %s takes %s, not '%s'\n", o, what, v);
    return 1;
}

// The index of a schema field (in mm_field_at's order).
static int field_index(const mm_field* f) {
    for (int i = 0; i < mm_num_fields(); i++)
        if (mm_field_at(i) == f) return i;
    return -1;
}
// The text given for the field named name on the command line (NULL: none).
static const char* given(const args* a, const char* name) { return a->given[field_index(mm_field_find(name))]; }

// A schema field's option (o: ours, as given: o or makemore.py's name of it): its text, kept until the preset is known.
// -1: not one of them.
static int field_option(args* a, const char* o, const char* as, const char* v) {
    const mm_field* f = mm_field_find(o);
    if (!f || !f->flag || strcmp(o, f->flag) != 0) return -1;
    a->given[field_index(f)] = v;
    a->given_as[field_index(f)] = as;
    return 0;
}

// makemore.py's names of our options: ours for o, else o (bin/cli/args.mjs's ALIASES).
static const char* our_option(const char* o) {
    static const char* const ALIASES[][2] = {{"-i", "--data"}, {"--input-file", "--data"}, {"-o", "--work-dir"}, {"--max-steps", "--steps"},
                                             {"--batch-size", "--batch"}, {"-b", "--batch"}, {"--learning-rate", "--lr"}, {"-l", "--lr"},
                                             {"-w", "--weight-decay"}};
    for (size_t i = 0; i < sizeof ALIASES / sizeof ALIASES[0]; i++)
        if (!strcmp(o, ALIASES[i][0])) return ALIASES[i][1];
    return o;
}

// --type: makemore.py's model type as our preset (its bigram, mlp, bow, rnn, gru: the presets of those names; a
// preset's own name too); a type not here is refused, naming what is (bin/cli/args.mjs's typePreset). 1: refused (said).
static int type_option(args* a, const char* v) {
    static const char* const PY[][2] = {{"bigram", "bigram"}, {"mlp", "mlp"}, {"transformer", NULL}, {"rnn", "rnn"}, {"gru", "gru"},
                                        {"bow", "bow"}};
    static const char* const CLS[] = {NULL, NULL, "Transformer", NULL, NULL, NULL};
    int k = -1;
    for (int i = 0; i < 6; i++)
        if (!strcmp(v, PY[i][0])) k = i;
    int preset = k < 0 && mm_preset(v, &a->cfg, &a->data, NULL) == 0;
    if ((k >= 0 && PY[k][1]) || preset) {
        a->preset = k >= 0 ? PY[k][1] : v;
        a->preset_given = 1;
        a->preset_flag = "--type";
        return 0;
    }
    fprintf(stderr, "makemore: --type %s: ", v);
    if (k >= 0) fprintf(stderr, "makemore.py's %s is not here yet", CLS[k]);
    else fputs("not a type", stderr);
    fputs("; the types here: makemore.py's bigram, mlp, bow, rnn, gru, or a preset:", stderr);
    for (int i = 0; mm_preset_name(i); i++) fprintf(stderr, " %s", mm_preset_name(i));
    fputs("\n", stderr);
    return 1;
}

// The options that are not settings (files, output, engine, sampling). 1: bad, -1: unknown.
static int other_option(args* a, const char* o, const char* v) {
    long n;
    if (!strcmp(o, "--preset")) { a->preset = v; a->preset_given = 1; a->preset_flag = "--preset"; }
    else if (!strcmp(o, "--type")) return type_option(a, v);
    else if (!strcmp(o, "--data")) { a->data_file = v; a->data_given = 1; }
    else if (!strcmp(o, "--save")) a->save = v;
    else if (!strcmp(o, "--resume")) a->resume = v;
    else if (!strcmp(o, "--checkpoint")) a->checkpoint = v;
    else if (!strcmp(o, "--work-dir")) a->work_dir = v;
    else if (!strcmp(o, "--model")) a->model = v;
    else if (!strcmp(o, "--prefix")) a->prefix = v;
    else if (!strcmp(o, "--samples") || !strcmp(o, "--count")) {
        if (parse_long(v, 0, 100000, &n)) return bad_value(o, "a whole number from 0 to 100000", v);
        *(o[2] == 's' ? &a->samples : &a->count) = (int)n;
    } else if (!strcmp(o, "--top-k")) { // -1: all, as makemore.py
        if (strcmp(v, "-1") != 0 && parse_long(v, 0, MM_MAX_VOCAB, &n)) return bad_value(o, "a whole number from 0 (all tokens; -1 too) to 1024", v);
        a->samp.top_k = strcmp(v, "-1") != 0 ? (int)n : 0;
    } else if (!strcmp(o, "--stats-every")) {
        if (parse_long(v, 0, 2147483647L, &n)) return bad_value(o, "a whole number of steps from 0 (off) to 2147483647", v);
        a->stats_every = n;
    } else if (!strcmp(o, "--threads")) {
        if (parse_long(v, 1, MM_MAX_THREADS, &n)) return bad_value(o, "a whole number from 1 to 64", v);
        a->threads = (int)n;
        a->threads_given = 1;
    } else if (!strcmp(o, "--temperature") || !strcmp(o, "--top-p")) {
        char* end;
        float f = strtof(v, &end);
        int top_p = !strcmp(o, "--top-p");
        if (!*v || *end || (top_p ? !(f > 0.0f && f <= 1.0f) : !(f >= 0.0f && f <= 1e6f)))
            return bad_value(o, top_p ? "a number above 0 and at most 1" : "a number from 0 to 1e6", v);
        *(top_p ? &a->samp.top_p : &a->samp.temperature) = f;
    } else return -1;
    return 0;
}

// A resumed checkpoint continues with its own settings: any given but --steps and --decay-step is refused.
static int check_resume(const args* a) {
    const char* flag = a->preset_given ? a->preset_flag : NULL;
    for (int i = 0; i < mm_num_fields() && !flag; i++)
        if (a->given[i] && strcmp(mm_field_at(i)->name, "steps") != 0 && strcmp(mm_field_at(i)->name, "decay_step") != 0)
            flag = mm_field_at(i)->flag;
    if (!flag) return 0;
    fprintf(stderr, "makemore: %s with --resume: a checkpoint continues with its own settings (only --steps and --decay-step may be given)\n",
            flag);
    return 1;
}

// The decay step of a run of n steps at the same fraction of it as decay is of steps (the lecture's 150000 of
// 200000: 4000 steps decay at 3000), rounded, at most the schema's limit: the rule of --steps given without
// --decay-step (as wasm/api/settings.mjs's decayAtSameFraction).
static long decay_at_same_fraction(long decay, long steps, long n) {
    double x = round((double)decay * (double)n / (double)(steps > 1 ? steps : 1));
    double max = mm_field_find("decay_step")->max;
    return (long)(x < max ? x : max);
}

// The preset, then the settings given over it, each checked against the schema.
static int apply_settings(args* a) {
    mm_err err = {0};
    if (a->resume && check_resume(a)) return 1;
    if (mm_preset(a->preset, &a->cfg, &a->data, &err) || mm_preset_training(a->preset, &a->tp, &err)) {
        fprintf(stderr, "makemore: %s\n", err.msg);
        return 1;
    }
    long steps = a->tp.steps, decay = a->tp.decay_step; // the preset's schedule
    mm_record r = {&a->cfg, &a->data, &a->tp, NULL};
    for (int i = 0; i < mm_num_fields(); i++) {
        const mm_field* f = mm_field_at(i);
        if (!a->given[i]) continue;
        if (!mm_field_applies(f, &r) && f->owner) { // another family's or optimizer's own setting: why not
            mm_field_parse(f, &r, a->given[i], &err);
            fprintf(stderr, "makemore: %s: %s\n", f->flag, err.msg);
            return 1;
        }
        if (mm_field_parse(f, &r, a->given[i], NULL) || mm_field_check(f, &r, NULL)) {
            char want[96];
            mm_field_expects(f, want, sizeof want);
            return bad_value(a->given_as[i], want, a->given[i]);
        }
    }
    if (given(a, "seed")) a->seed = a->tp.seed; // --seed: the sampling seed too
    // --steps without --decay-step: the decay at the same fraction of the run as the preset's
    if (!a->resume && given(a, "steps") && !given(a, "decay_step")) a->tp.decay_step = decay_at_same_fraction(decay, steps, a->tp.steps);
    return 0;
}

// -o DIR: its files' names; --resume without a FILE continues DIR's model; sample, --sample-only and info read it
// (unless --model says). 1: cannot be (said).
static int use_work_dir(args* a) {
    const char* dir = a->work_dir;
    size_t n = dir ? strlen(dir) : 0;
    const char* sep = n && dir[n - 1] == '/' ? "" : "/";
    if (dir && ((size_t)snprintf(a->work_model, sizeof a->work_model, "%s%smodel.safetensors", dir, sep) >= sizeof a->work_model ||
                (size_t)snprintf(a->work_log, sizeof a->work_log, "%s%slog.txt", dir, sep) >= sizeof a->work_log)) {
        fprintf(stderr, "makemore: the work dir's name is too long: %s\n", dir);
        return 1;
    }
    if (a->resume_here) {
        if (!dir) { fprintf(stderr, "makemore: --resume without a FILE continues the work dir's model: give -o DIR (or --resume FILE)\n"); return 1; }
        a->resume = a->work_model;
    }
    if (dir && !a->model) a->model = a->work_model;
    return 0;
}

// The options from argv[first] on; py: makemore.py's command line (no subcommand: the work dir is out/ unless -o says).
static int parse_args(int argc, char** argv, int first, int py, args* a) {
    memset(a, 0, sizeof *a);
    a->cmd = py ? "train" : argc > 1 ? argv[1] : "";
    a->preset = "mlp3";
    a->data_file = MM_DEFAULT_DATA;
    a->samples = 20; a->count = 20; a->prefix = "";
    a->work_dir = py ? "out" : NULL;
    mm_sampling_default(&a->samp);
    a->threads = default_threads();
    if (mm_num_fields() > MAX_FIELDS) { fprintf(stderr, "makemore: the schema has more than %d fields\n", MAX_FIELDS); return 1; }
    for (int i = first; i < argc; i++) {
        const char* o = argv[i];
        const char* v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(o, "--json")) { a->json = 1; continue; }
        if (!strcmp(o, "--losses")) { a->losses = 1; continue; }
        if (!strcmp(o, "--no-eval")) { a->no_eval = 1; continue; }
        if (!strcmp(o, "--reproducible")) { a->reproducible = 1; continue; }
        if (!strcmp(o, "--profile")) { a->profile = 1; continue; }
        if (!strcmp(o, "--sample-only")) { a->sample_only = 1; continue; }
        if (!strcmp(o, "--resume") && (!v || v[0] == '-')) { a->resume_here = 1; continue; }
        if (!strcmp(o, "--help") || !strcmp(o, "-h")) { a->help = 1; return 0; }
        if (!v) { fprintf(stderr, "makemore: option %s needs a value\n", o); return 1; }
        i++;
        int rc = field_option(a, our_option(o), o, v);
        if (rc < 0) rc = other_option(a, our_option(o), v);
        if (rc < 0) { fprintf(stderr, "makemore: unknown option or bad value: %s %s\n", o, v); return 1; }
        if (rc) return 1;
    }
    if (a->sample_only && (py || !strcmp(a->cmd, "train"))) a->cmd = "sample";
    return use_work_dir(a) || apply_settings(a);
}

static int load_words(const args* a, mm_words* w) {
    size_t len;
    char* text = read_file(a->data_file, &len);
    if (!text) { fprintf(stderr, "makemore: cannot read the word list %s\n", a->data_file); return 1; }
    mm_err err = {0};
    int rc = mm_words_parse(w, text, len, &err);
    free(text);
    if (rc) { fprintf(stderr, "makemore: %s: %s\n", a->data_file, err.msg); return 1; }
    return 0;
}

// count names from m with the sampling options (the one sampling seed rule, makemore.h), each malloc'd into names.
static int draw_names(mm_model* m, int count, const args* a, char** names) {
    mm_rng rng;
    mm_rng_seed(&rng, mm_sample_seed(a->seed, 0));
    char word[MM_MAX_WORD_LEN * 4 + 1];
    mm_err err = {0};
    for (int i = 0; i < count; i++) {
        if (mm_sample(m, &rng, &a->samp, a->prefix, MM_MAX_WORD_LEN, word, sizeof word, &err)) {
            fprintf(stderr, "makemore: %s\n", err.msg);
            return 1;
        }
        if (!(names[i] = strdup(word))) { fprintf(stderr, "makemore: out of memory\n"); return 1; }
    }
    return 0;
}

static int code_points(const char* s) {
    int n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

// Names as text, one a line ("emma."); with a split, each marked where it holds it, the marks in one column
// ("emma.      in train", "kaelynn.   new"), as bin/cli/output.mjs's namesText writes them.
static void print_names_text(char** names, int n, const mm_splits* s) {
    static const char* const MARK[4] = {"in train", "in val", "in test", "new"};
    int width = 0;
    for (int i = 0; i < n; i++)
        if (code_points(names[i]) > width) width = code_points(names[i]);
    for (int i = 0; i < n; i++) {
        if (!s) { out("%s.\n", names[i]); continue; }
        int k = mm_splits_find(s, names[i], strlen(names[i]));
        out("%s.%*s  %s\n", names[i], width - code_points(names[i]), "", MARK[k < 0 ? 3 : k]);
    }
}

// Names as a JSON array; with a split, then ,"where":[...]: "train", "val", "test" or "new" for each.
static void print_names_json(char** names, int n, const mm_splits* s) {
    static const char* const WHERE[4] = {"train", "val", "test", "new"};
    out("[");
    for (int i = 0; i < n; i++) { if (i) out(","); json_string(names[i]); }
    out("]");
    if (!s) return;
    out(",\"where\":[");
    for (int i = 0; i < n; i++) {
        int k = mm_splits_find(s, names[i], strlen(names[i]));
        out("%s\"%s\"", i ? "," : "", WHERE[k < 0 ? 3 : k]);
    }
    out("]");
}

// count names from m, marked by where split s holds them (s NULL: not marked), as text or JSON (a sampling
// error: said on stderr, and in JSON an empty array, so that the line stays JSON).
static int print_samples(mm_model* m, int count, const args* a, const mm_splits* s, int json) {
    char** names = calloc((size_t)count + 1, sizeof *names);
    int rc = names ? draw_names(m, count, a, names) : 1;
    if (!names) fprintf(stderr, "makemore: out of memory\n");
    if (json) print_names_json(names, rc ? 0 : count, rc ? NULL : s);
    else if (!rc) print_names_text(names, count, s);
    for (int i = 0; names && i < count; i++) free(names[i]);
    free(names);
    return rc;
}

// The model file of --model (cmd: the command, for the message), made in the form --form names if
// given (mm_model_load_form: a wavenet76k file as conv); its data settings to *d (may be NULL). NULL: said on stderr.
static mm_model* load_model_file(const args* a, const char* cmd, mm_data_settings* d) {
    if (!a->model) { fprintf(stderr, "makemore: %s needs --model FILE\n", cmd); return NULL; }
    size_t len;
    char* bytes = read_file(a->model, &len);
    if (!bytes) { fprintf(stderr, "makemore: cannot read %s\n", a->model); return NULL; }
    const mm_field* form = mm_field_find("form");
    const char* as = given(a, "form");
    mm_err err = {0};
    const uint8_t* b = (const uint8_t*)bytes;
    mm_model* m = as ? mm_model_load_form(b, len, a->cfg.form, 1, &err) : mm_model_load(b, len, 1, &err);
    mm_model* own = m || !as ? NULL : mm_model_load(b, len, 1, NULL); // for the message: the file's own form
    if (m && d) mm_model_free(mm_model_load_state(b, len, 1, d, NULL, NULL, NULL));
    free(bytes);
    if (own) fprintf(stderr, "makemore: %s: its %s model does not load as the %s form: %s\n", a->model,
                     form->values[mm_model_config(own)->form], form->values[a->cfg.form], err.msg);
    else if (!m) fprintf(stderr, "makemore: %s: %s\n", a->model, err.msg);
    mm_model_free(own);
    return m;
}

// info --model FILE: the file's parameter count and configuration (the model fields its family uses, as the file writes them).
static int info_model(const args* a) {
    mm_model* m = load_model_file(a, "info", NULL);
    if (!m) return 1;
    mm_config c = *mm_model_config(m);
    mm_record r = {&c, NULL, NULL, NULL};
    if (a->json) { out("{\"model\":"); json_string(a->model); out(",\"params\":%ld,\"config\":{", mm_model_num_params(m)); }
    else out("%s: %ld parameters;", a->model, mm_model_num_params(m));
    for (int i = 0, n = 0; i < mm_num_fields(); i++) {
        const mm_field* f = mm_field_at(i);
        char v[64];
        if (f->group != MM_GROUP_MODEL || !mm_field_applies(f, &r) || mm_field_format(f, &r, v, sizeof v, NULL)) continue;
        if (a->json) out("%s\"%s\":\"%s\"", n++ ? "," : "", f->name, v);
        else out("%s %s %s", n++ ? "," : "", f->name, v);
    }
    out("%s\n", a->json ? "}}" : "");
    mm_model_free(m);
    return 0;
}

static int cmd_info(const args* a) {
    if (a->model) return info_model(a);
    mm_words w;
    if (load_words(a, &w)) return 1;
    mm_config c = a->cfg;
    c.vocab_size = w.vocab_size;
    long np;
    mm_err err = {0};
    mm_splits s;
    if (mm_config_check(&c, &np, &err) || mm_splits_build(&s, &w, c.block_size, a->data.split_seed, a->data.split_shuffles, &err)) {
        fprintf(stderr, "makemore: %s\n", err.msg);
        mm_words_free(&w);
        return 1;
    }
    if (a->json)
        out("{\"preset\":\"%s\",\"params\":%ld,\"split\":[%d,%d,%d],\"words\":%d,\"vocab_size\":%d,\"max_len\":%d,\"block_size\":%d}\n",
               a->preset, np, s.split[0].n, s.split[1].n, s.split[2].n, w.n_words, w.vocab_size, w.max_len, c.block_size);
    else
        out("%s: %ld parameters; %d words, %d symbols, longest %d; split %d / %d / %d examples\n", a->preset, np,
               w.n_words, w.vocab_size, w.max_len, s.split[0].n, s.split[1].n, s.split[2].n);
    mm_splits_free(&s);
    mm_words_free(&w);
    return 0;
}

// Writes what a save function made (rc its return code: on failure bytes is unset) and says so ("model written to
// m.safetensors (47.6 KiB)": what names it) on stdout, with --json on stderr; frees the bytes.
static int write_bytes(const args* a, const char* what, const char* path, int rc, uint8_t* bytes, size_t len, const mm_err* err) {
    if (rc) { fprintf(stderr, "makemore: %s\n", err->msg); return 1; }
    FILE* f = fopen(path, "wb");
    int bad = !f || fwrite(bytes, 1, len, f) != len;
    if (f && fclose(f)) bad = 1;
    free(bytes);
    if (bad) { fprintf(stderr, "makemore: cannot write %s\n", path); return 1; }
    char size[32];
    if (len < 1024) snprintf(size, sizeof size, "%zu bytes", len);
    else if (len < 1 << 20) snprintf(size, sizeof size, "%.1f KiB", (double)len / 1024);
    else snprintf(size, sizeof size, "%.1f MiB", (double)len / (1 << 20));
    if (a->json) fprintf(stderr, "makemore: %s written to %s (%s)\n", what, path, size);
    else out("%s written to %s (%s)\n", what, path, size);
    return 0;
}

// A new trainer, or one that continues a checkpoint exactly where it stopped, on the same word list.
static mm_trainer* open_trainer(const args* a, const mm_words* w, mm_err* err) {
    if (!a->resume) return mm_trainer_new(w, &a->cfg, &a->data, &a->tp, err);
    size_t len;
    char* bytes = read_file(a->resume, &len);
    if (!bytes) {
        err->code = MM_EINVAL;
        snprintf(err->msg, sizeof err->msg, "cannot read %s", a->resume);
        return NULL;
    }
    mm_trainer* t = mm_checkpoint_load((const uint8_t*)bytes, len, w, err);
    free(bytes);
    mm_train_state st;
    if (t && (given(a, "steps") || given(a, "decay_step"))) {
        // --steps: a new total; a decay not reached yet moves to the same fraction of it (one passed stays); --decay-step: as given
        mm_trainer_get_state(t, &st);
        long steps = given(a, "steps") ? a->tp.steps : st.tp.steps, decay = st.tp.decay_step;
        if (given(a, "decay_step")) decay = a->tp.decay_step;
        else if (given(a, "steps") && st.step < decay) decay = decay_at_same_fraction(decay, st.tp.steps, steps);
        if (mm_trainer_set_schedule(t, steps, st.tp.lr, st.tp.lr_decayed, decay, err)) { mm_trainer_free(t); t = NULL; }
    }
    return t;
}

// The schedule as the run applies it: "4000 steps, batch 32, sgd: lr 0.1 -> 0.01 at step 3000".
static void print_schedule(const mm_train_params* tp) {
    out("%ld steps, batch %d, %s: lr ", tp->steps, tp->batch_size, mm_field_find("optimizer")->values[tp->optimizer]);
    if (tp->decay_step <= 0) out("%g\n", (double)tp->lr_decayed);
    else if (tp->decay_step >= tp->steps || tp->lr == tp->lr_decayed) out("%g\n", (double)tp->lr);
    else out("%g -> %g at step %ld\n", (double)tp->lr, (double)tp->lr_decayed, tp->decay_step);
}

// The statistics of a step (--stats-every): a JSON line, or the lecture's print of its Tanh layers.
static void print_stats(const args* a, mm_trainer* t) {
    mm_stats* s = mm_trainer_stats(t);
    if (a->json) {
        const char* j = mm_stats_json(s, NULL);
        if (j) out("{\"stats\":%s}\n", j);
        return;
    }
    out("stats at step %ld:\n", mm_stats_step(s));
    for (int i = 0; i < mm_stats_num_layers(s); i++) {
        const mm_layer_stats* l = mm_stats_layer(s, i);
        if (strcmp(l->kind, "Tanh") == 0)
            out("  layer %d (%10s): mean %+.2f, std %.2f, saturated: %.2f%%\n", i, l->kind, l->out.mean, l->out.std, l->saturated * 100);
    }
}

// Steps between two progress lines of a run of steps: the largest of 1, 2, 5 x 10^k that gives at least 10
// lines (so 10 to 25 lines a run: 2000 steps every 200), at most 10000 (the lecture's); bin/cli/output.mjs's progressEvery.
static long progress_every(long steps) {
    long every = 1;
    for (long m = 1; m <= 10000; m *= 10)
        for (int f = 1; f <= 5; f += f == 1 ? 1 : 3) // 1, 2, 5
            if (f * m * 10 <= steps && f * m <= 10000) every = f * m;
    return every;
}

// Steps first..steps in chunks, printing the loss every progress_every(steps) steps (the lecture's every 10000
// in its run; more often in a shorter one), and with --stats-every, chunks that end at each statistics step, printed after it.
static int run_steps(const args* a, mm_trainer* t, float* losses, long first, long steps, mm_thread_probe* probe, mm_err* err) {
    long every = progress_every(steps);
    for (long at = first; at < steps;) {
        long chunk = every - at % every, done = 0, N = a->stats_every;
        if (N && (at + N - 1) / N * N - at + 1 < chunk) chunk = (at + N - 1) / N * N - at + 1;
        if (chunk > steps - at) chunk = steps - at;
        chunk = mm_probe_before(probe, t, chunk, now_sec()); // a chunk ends where a print or a statistics step is due
        int rc = mm_trainer_run(t, chunk, losses + (at - first), &done, err);
        mm_probe_after(probe, t, done, now_sec());
        if (at % every == 0 && done > 0) {
            if (a->json) out("{\"step\":%ld,\"loss\":%.6f}\n", at, (double)losses[at - first]);
            else out("%7ld/%7ld: %.4f\n", at, steps, (double)losses[at - first]);
            fflush(stdout);
        }
        long ss = N ? mm_stats_step(mm_trainer_stats(t)) : -1;
        if (ss >= at && ss < at + done) { print_stats(a, t); fflush(stdout); }
        at += done;
        if (rc) { fprintf(stderr, "makemore: %s\n", err->msg); return rc; }
    }
    return 0;
}

// Eval-mode losses as text; a split that is empty (a very short word list) or skipped (--no-eval) has none.
static int evaluate(const args* a, mm_trainer* t, char ls[3][32]) {
    static const char* split_name[3] = {"train", "val", "test"};
    float l[3] = {0, 0, 0};
    int have[3] = {0, 0, 0}, rc = 0;
    mm_err err = {0};
    for (int k = 0; k < 3 && !a->no_eval; k++) {
        int e = mm_trainer_eval(t, k, &l[k], &err);
        if (!e) have[k] = 1;
        else if (k == 0) { fprintf(stderr, "makemore: %s\n", err.msg); rc = e; break; }
        else fprintf(stderr, "makemore: no %s loss: %s\n", split_name[k], err.msg);
    }
    for (int k = 0; k < 3; k++) {
        if (have[k]) snprintf(ls[k], 32, a->json ? "%.6f" : "%.4f", (double)l[k]);
        else snprintf(ls[k], 32, a->json ? "null" : "n/a");
    }
    return rc;
}

typedef struct {
    long done_steps;
    double secs;
    double prof[64];
    char ls[3][32];
    mm_thread_probe probe; // the threads the run measured and chose (probe.threads)
} run_result;

static int report_json(const args* a, mm_trainer* t, const float* losses, const run_result* r) {
    mm_model* m = mm_trainer_model(t);
    const mm_splits* s = mm_trainer_splits(t);
    double sps = r->secs > 0 ? (double)r->done_steps / r->secs : 0.0;
    mm_train_state st;
    mm_trainer_get_state(t, &st);
    out("{\"params\":%ld,\"split\":[%d,%d,%d],\"steps\":%ld,\"lr\":%g,\"lr_decayed\":%g,\"decay_step\":%ld,\"train_loss\":%s,"
           "\"val_loss\":%s,\"test_loss\":%s,\"steps_per_sec\":%.1f,\"engine\":\"%s\",\"threads\":%d,",
           mm_model_num_params(m), s->split[0].n, s->split[1].n, s->split[2].n, mm_trainer_step(t), (double)st.tp.lr, (double)st.tp.lr_decayed,
           st.tp.decay_step, r->ls[0], r->ls[1], r->ls[2], sps, mm_model_kernels(m), r->probe.threads);
    if (!a->threads_given && a->threads > 1 && !a->profile) // the measured steps/s of each side (0: not measured)
        out("\"threads_measured\":{\"1\":%.1f,\"%d\":%.1f},", mm_probe_rate(&r->probe, 0), a->threads, mm_probe_rate(&r->probe, 1));
    out("\"samples\":");
    int rc = print_samples(m, a->samples, a, mm_trainer_splits(t), 1);
    if (a->profile) { // microseconds per step
        out(",\"profile\":[");
        for (int i = 0; i < mm_profile_count(); i++)
            out("%s{\"phase\":\"%s\",\"op\":\"%s\",\"us\":%.3f}", i ? "," : "", mm_profile_phase(i), mm_profile_name(i),
                   r->done_steps ? 1e6 * r->prof[i] / (double)r->done_steps : 0.0);
        out("]");
    }
    if (a->losses) {
        out(",\"losses\":[");
        for (long i = 0; i < r->done_steps; i++) out(i ? ",%.9g" : "%.9g", (double)losses[i]);
        out("]");
    }
    out("}\n");
    return rc;
}

static int report_text(const args* a, mm_trainer* t, const run_result* r) {
    double sps = r->secs > 0 ? (double)r->done_steps / r->secs : 0.0;
    out("train %s\nval %s\ntest %s\n%.1f steps/s\n", r->ls[0], r->ls[1], r->ls[2], sps);
    if (!a->threads_given && a->threads > 1 && !a->profile && mm_probe_rate(&r->probe, 0) > 0)
        out("threads: %d (measured on the first steps: 1 thread %.0f steps/s, %d threads %.0f)\n", r->probe.threads,
            mm_probe_rate(&r->probe, 0), a->threads, mm_probe_rate(&r->probe, 1));
    if (a->profile && r->done_steps) {
        double total = 0;
        for (int i = 0; i < mm_profile_count(); i++) total += r->prof[i];
        out("time per step by section (us; sections this model never ran are left out):\n");
        for (int i = 0; i < mm_profile_count(); i++)
            if (r->prof[i] > 0)
                out("  %-8s %-30s %8.1f  %5.1f%%\n", mm_profile_phase(i), mm_profile_name(i), 1e6 * r->prof[i] / (double)r->done_steps,
                       total > 0 ? 100.0 * r->prof[i] / total : 0.0);
    }
    return print_samples(mm_trainer_model(t), a->samples, a, mm_trainer_splits(t), 0);
}

// --save (the model with its data settings) and --checkpoint.
static int save_outputs(const args* a, mm_trainer* t) {
    mm_err err = {0};
    uint8_t* bytes;
    size_t len;
    int rc = 0;
    if (a->save) {
        int e = mm_model_save_state(mm_trainer_model(t), mm_trainer_data(t), NULL, &bytes, &len, &err);
        rc = write_bytes(a, "model", a->save, e, bytes, len, &err);
    }
    if (!rc && a->checkpoint) {
        int e = mm_checkpoint_save(t, &bytes, &len, &err);
        rc = write_bytes(a, "checkpoint", a->checkpoint, e, bytes, len, &err);
    }
    if (!rc && a->work_dir) { // -o DIR: the model as a checkpoint (--resume continues it), and where the log is
        int e = mm_checkpoint_save(t, &bytes, &len, &err);
        rc = write_bytes(a, "model", a->work_model, e, bytes, len, &err);
        if (!rc && a->json) fprintf(stderr, "makemore: log of the run: %s\n", a->work_log);
        else if (!rc) out("log of the run: %s\n", a->work_log);
    }
    return rc;
}

// -o DIR: makes it (and its parents) and opens its log of the run, appended to when resuming. 1: cannot (said).
static int open_work_dir(const args* a) {
    char p[4096];
    snprintf(p, sizeof p, "%s", a->work_dir);
    for (char* c = p + 1; *c; c++)
        if (*c == '/') {
            *c = 0;
            if (mkdir(p, 0777) && errno != EEXIST) break; // then the log cannot be opened: said below
            *c = '/';
        }
    mkdir(p, 0777);
    g_log = fopen(a->work_log, a->resume ? "a" : "w");
    if (!g_log) fprintf(stderr, "makemore: cannot write the work dir's log %s\n", a->work_log);
    return !g_log;
}

static int cmd_train(const args* a) {
    mm_words w;
    if (load_words(a, &w)) return 1;
    mm_err err = {0};
    mm_trainer* t = open_trainer(a, &w, &err);
    mm_pool* pool = t ? mm_pool_new(a->threads, &err) : NULL;
    if (!t || !pool || mm_trainer_set_engine(t, a->reproducible ? MM_ENGINE_REPRODUCIBLE : MM_ENGINE_FAST, pool, &err) ||
        mm_trainer_set_stats_every(t, a->stats_every, &err)) {
        fprintf(stderr, "makemore: %s\n", err.msg);
        mm_pool_free(pool); mm_trainer_free(t); mm_words_free(&w);
        return 1;
    }
    if (a->work_dir && open_work_dir(a)) { mm_pool_free(pool); mm_trainer_free(t); mm_words_free(&w); return 1; }
    mm_model* m = mm_trainer_model(t);
    if (a->profile) mm_model_profile(m, 1, NULL);
    const mm_splits* s = mm_trainer_splits(t);
    mm_train_state st;
    mm_trainer_get_state(t, &st);
    long first = st.step, steps = st.tp.steps; // steps is the run's total; a resumed run starts at first
    run_result r = {0};
    int engine = a->reproducible ? MM_ENGINE_REPRODUCIBLE : MM_ENGINE_FAST;
    // --threads not given (and no --profile, whose times one thread count must make): the faster of 1 and the cores
    if (a->threads_given || a->profile) r.probe = (mm_thread_probe){.threads = a->threads};
    else mm_probe_start(&r.probe, pool, engine, steps - first);
    if (!a->json && r.probe.threads)
        out("%ld parameters; split %d / %d / %d examples; engine %s, %d thread%s\n", mm_model_num_params(m), s->split[0].n,
            s->split[1].n, s->split[2].n, mm_model_kernels(m), r.probe.threads, r.probe.threads == 1 ? "" : "s");
    else if (!a->json)
        out("%ld parameters; split %d / %d / %d examples; engine %s, threads: the faster of 1 and %d, measured on the first steps\n",
            mm_model_num_params(m), s->split[0].n, s->split[1].n, s->split[2].n, mm_model_kernels(m), a->threads);
    if (!a->json && first) out("resuming at step %ld\n", first);
    if (!a->json) print_schedule(&st.tp);
    float* losses = malloc(sizeof(float) * (size_t)(steps > first ? steps - first : 1));
    int rc = losses ? 0 : 1;
    if (!losses) fprintf(stderr, "makemore: out of memory\n");
    double t0 = now_sec();
    if (!rc) rc = run_steps(a, t, losses, first, steps, &r.probe, &err);
    r.secs = now_sec() - t0;
    r.done_steps = mm_trainer_step(t) - first;
    if (a->profile) mm_model_profile(m, 0, r.prof);
    if (!rc) rc = evaluate(a, t, r.ls);
    if (!rc) rc = a->json ? report_json(a, t, losses, &r) : report_text(a, t, &r);
    if (!rc) rc = save_outputs(a, t);
    free(losses);
    mm_trainer_free(t);
    mm_pool_free(pool);
    mm_words_free(&w);
    if (g_log) fclose(g_log);
    g_log = NULL;
    return rc ? 1 : 0;
}

// The split that marks a model's names: the word list's (--data, else the default one if it can be read) by the
// model file's data settings. 0: *have says whether there is one; 1: a word list given could not be read (said).
static int marks_split(const args* a, const mm_model* m, const mm_data_settings* d, mm_words* w, mm_splits* s, int* have) {
    *have = 0;
    FILE* f = a->data_given ? NULL : fopen(a->data_file, "rb");
    if (!a->data_given && !f) return 0; // no word list here: names without marks
    if (f) fclose(f);
    if (load_words(a, w)) return 1;
    const mm_config* c = mm_model_config(m);
    if (w->vocab_size != c->vocab_size || memcmp(w->codepoints, mm_model_codepoints(m), sizeof(uint32_t) * (size_t)c->vocab_size) != 0) {
        fprintf(stderr, "makemore: names not marked: %s has another vocabulary than the model (--data names the word list it was trained on)\n",
                a->data_file);
        mm_words_free(w);
        return 0;
    }
    mm_err err = {0};
    if (mm_splits_build(s, w, c->block_size, d->split_seed, d->split_shuffles, &err)) {
        fprintf(stderr, "makemore: %s: %s\n", a->data_file, err.msg);
        mm_words_free(w);
        return 1;
    }
    *have = 1;
    return 0;
}

// sample: names from a model file; as text, marked by where the word list's split holds them (JSON: a plain array;
// --sample-only --json: {"model":...,"samples":[...],"where":[...]}, where null without a word list).
static int cmd_sample(const args* a) {
    mm_data_settings d;
    mm_model* m = load_model_file(a, "sample", &d);
    if (!m) return 1;
    mm_words w;
    mm_splits s;
    int object = a->json && a->sample_only, have = 0, rc = a->json && !object ? 0 : marks_split(a, m, &d, &w, &s, &have);
    if (!rc && object) { out("{\"model\":"); json_string(a->model); out(",\"samples\":"); }
    if (!rc) rc = print_samples(m, a->count, a, have ? &s : NULL, a->json);
    if (object && !rc) out("%s}", have ? "" : ",\"where\":null");
    if (a->json) out("\n");
    if (have) { mm_splits_free(&s); mm_words_free(&w); }
    mm_model_free(m);
    return rc;
}

int main(int argc, char** argv) {
    args a;
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout, argc > 2 ? argv[2] : NULL);
        return argc < 2 ? 2 : 0;
    }
    int py = argv[1][0] == '-'; // makemore.py's command line: options, no subcommand (train; with --sample-only, sample)
    if (parse_args(argc, argv, py ? 1 : 2, py, &a)) return 2;
    if (a.help) { usage(stdout, py ? NULL : a.cmd); return 0; }
    if (!strcmp(a.cmd, "train")) return cmd_train(&a);
    if (!strcmp(a.cmd, "info")) return cmd_info(&a);
    if (!strcmp(a.cmd, "sample")) return cmd_sample(&a);
    fprintf(stderr, "makemore: unknown command '%s'\n", a.cmd);
    usage(stderr, NULL);
    return 2;
}
