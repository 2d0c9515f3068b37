// test_schema.c: the settings' schema (src/settings/, and the families' and optimizers' own rows).
//   1. the list: names, JS names, flags and labels unique and well formed; defaults
//      within their limits; the presets valid;
//   2. limits: for every field with limits, min-1 and max+1 (as text, and in the
//      member where it holds them) are refused with MM_EINVAL and a message naming
//      the field (its label), min and max accepted;
//   3. text and JSON: every field's text form reads back to the same value
//      (formats of the defaults and of edge values), a record's JSON reads back
//      to the same record, bad JSON and unknown or misplaced names are refused.
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "makemore.h"

static int failures = 0, checks = 0;
#define CHECK(cond, ...) do { checks++; if (!(cond)) { failures++; printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

typedef struct {
    mm_config c;
    mm_data_settings d;
    mm_train_state s; // its tp: the training group
    mm_record r;
} all_groups;

static void all_defaults(all_groups* a) {
    memset(a, 0, sizeof *a);
    mm_record r = {&a->c, &a->d, &a->s.tp, &a->s};
    a->r = r;
    mm_record_default(&a->r);
    a->c.vocab_size = 27;
}

// The defaults with the field's owner chosen (a family's or optimizer's own setting: that one's).
static void defaults_for(all_groups* a, const mm_field* f) {
    all_defaults(a);
    mm_record_choose_owner(&a->r, f);
}

// The member of field f in a (its group's struct).
static void* member_of(all_groups* a, const mm_field* f) {
    char* base = f->group == MM_GROUP_MODEL ? (char*)&a->c : f->group == MM_GROUP_DATA ? (char*)&a->d
               : f->group == MM_GROUP_TRAINING ? (char*)&a->s.tp : (char*)&a->s;
    return base + f->offset;
}

static int is_snake(const char* s) {
    for (; *s; s++) if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

// snake_case name -> camelCase, as the JS names are made
static void camel(const char* s, char* out) {
    for (int up = 0; *s; s++) {
        if (*s == '_') { up = 1; continue; }
        *out++ = up && *s >= 'a' && *s <= 'z' ? (char)(*s - 32) : *s;
        up = 0;
    }
    *out = 0;
}

static void test_list(void) {
    int n = mm_num_fields();
    CHECK(n >= 19 && mm_field_at(n) == NULL && mm_field_at(-1) == NULL, "%d fields", n);
    for (int i = 0; i < n; i++) {
        const mm_field* f = mm_field_at(i);
        char js[64];
        camel(f->name, js);
        CHECK(is_snake(f->name) && strcmp(js, f->js) == 0, "%s: JS name %s, want %s", f->name, f->js, js);
        CHECK(f->label && *f->label && f->doc && strlen(f->doc) > 10, "%s: a label and a doc", f->name);
        CHECK(f->group >= 0 && f->group < MM_N_GROUPS, "%s: group %d", f->name, f->group);
        CHECK(!f->flag || (f->group != MM_GROUP_STATE && !strncmp(f->flag, "--", 2)), "%s: flag %s", f->name, f->flag);
        CHECK((f->def != NULL) == ((f->group != MM_GROUP_STATE && !(f->flags & MM_FIELD_FROM_DATA)) || (f->flags & MM_FIELD_OPTIONAL)),
              "%s: a default iff a setting (or an optional state field: written when not it)", f->name);
        CHECK((f->flag != NULL) == (f->def != NULL && f->group != MM_GROUP_STATE), "%s: every setting has a flag", f->name);
        for (int j = 0; j < i; j++) CHECK(mm_field_at(j)->key != f->key, "%s and %s share a file key place", f->name, mm_field_at(j)->name);
        CHECK((f->type == MM_TYPE_ENUM) == (f->values != NULL), "%s: enum values", f->name);
        CHECK(mm_field_find(f->name) == f && mm_field_find(f->js) == f && (!f->flag || mm_field_find(f->flag) == f), "%s: found", f->name);
        for (int j = 0; j < i; j++) {
            const mm_field* g = mm_field_at(j);
            CHECK(strcmp(f->name, g->name) && strcmp(f->js, g->js) && strcmp(f->label, g->label) &&
                      (!f->flag || !g->flag || strcmp(f->flag, g->flag)),
                  "%s and %s share a name, label or flag", f->name, g->name);
        }
    }
    CHECK(mm_field_find("nope") == NULL && mm_field_find(NULL) == NULL, "an unknown key is not found");
    all_groups a;
    all_defaults(&a);
    mm_err err = {0};
    CHECK(mm_record_check(&a.r, &err) == MM_OK || strstr(err.msg, "split sizes") == NULL, "defaults: %s", err.msg);
    mm_record settings = {&a.c, &a.d, &a.s.tp, NULL};
    CHECK(mm_record_check(&settings, &err) == MM_OK, "the defaults are within their limits: %s", err.msg);
    for (int i = 0; mm_preset_name(i); i++) {
        mm_record p = {&a.c, &a.d, NULL, NULL};
        CHECK(mm_preset(mm_preset_name(i), &a.c, &a.d, &err) == MM_OK, "preset %s", mm_preset_name(i));
        a.c.vocab_size = 27;
        long np = 0;
        CHECK(mm_record_check(&p, &err) == MM_OK && mm_config_check(&a.c, &np, &err) == MM_OK && np > 0, "preset %s: %s",
              mm_preset_name(i), err.msg);
    }
    mm_data_settings d;
    CHECK(mm_preset("mlp3", NULL, &d, &err) == MM_OK && d.split_seed == 42 && d.split_shuffles == 1, "mlp3: one shuffle");
    CHECK(mm_preset("wavenet76k", NULL, &d, &err) == MM_OK && d.split_shuffles == 2, "wavenet76k: two shuffles");
    CHECK(mm_preset("nope", NULL, &d, &err) == MM_EINVAL && strstr(err.msg, "unknown preset 'nope'"), "unknown preset: %s", err.msg);
    mm_train_params tp;
    mm_train_params_default(&tp);
    CHECK(tp.batch_size == 32 && tp.steps == 200000 && tp.lr == 0.1f && tp.lr_decayed == 0.01f && tp.decay_step == 150000 && tp.seed == 42,
          "the lecture's training defaults");
}

// Whether f refuses text (parse or check) with MM_EINVAL and a message naming it.
static int refuses(const mm_field* f, const char* text) {
    all_groups a;
    defaults_for(&a, f);
    mm_err err = {0};
    int rc = mm_field_parse(f, &a.r, text, &err);
    if (rc == MM_OK) rc = mm_field_check(f, &a.r, &err);
    if (rc == MM_OK) return 0;
    int ok = rc == MM_EINVAL && err.code == MM_EINVAL && strstr(err.msg, f->label) != NULL;
    if (!ok) printf("  %s \"%s\": %d %s\n", f->name, text, rc, err.msg);
    return ok;
}

static int accepts(const mm_field* f, const char* text) {
    all_groups a;
    defaults_for(&a, f);
    mm_err err = {0};
    int ok = mm_field_parse(f, &a.r, text, &err) == MM_OK && mm_field_check(f, &a.r, &err) == MM_OK;
    if (!ok) printf("  %s \"%s\": %s\n", f->name, text, err.msg);
    return ok;
}

static void test_limits(void) {
    int tested = 0;
    for (int i = 0; i < mm_num_fields(); i++) {
        const mm_field* f = mm_field_at(i);
        char lo[64], hi[64], below[64], above[64];
        if (f->type == MM_TYPE_INT) {
            snprintf(lo, sizeof lo, "%.0f", f->min); snprintf(hi, sizeof hi, "%.0f", f->max);
            snprintf(below, sizeof below, "%.0f", f->min - 1); snprintf(above, sizeof above, "%.0f", f->max + 1);
        } else if (f->type == MM_TYPE_INT3) {
            snprintf(lo, sizeof lo, "[%.0f,%.0f,%.0f]", f->min, f->min, f->min); snprintf(hi, sizeof hi, "[%.0f,0,%.0f]", f->max, f->max);
            snprintf(below, sizeof below, "[0,%.0f,0]", f->min - 1); snprintf(above, sizeof above, "[0,0,%.0f]", f->max + 1);
        } else if (f->type == MM_TYPE_FLOAT) {
            snprintf(lo, sizeof lo, "%.9g", f->min); snprintf(hi, sizeof hi, "%.9g", f->max);
            snprintf(below, sizeof below, "%.9g", (double)nextafterf((float)f->min, -INFINITY));
            snprintf(above, sizeof above, "%.9g", (double)nextafterf((float)f->max, INFINITY));
            CHECK(refuses(f, "nan") && refuses(f, "inf") && refuses(f, "-inf"), "%s: nan and infinities refused", f->name);
        } else if (f->type == MM_TYPE_ENUM) {
            snprintf(lo, sizeof lo, "%s", f->values[0]); snprintf(hi, sizeof hi, "%s", f->values[1]);
            snprintf(below, sizeof below, "-1"); snprintf(above, sizeof above, "%s-", f->values[1]);
            // the member's index out of range: refused by the check, naming the field
            all_groups a;
            defaults_for(&a, f);
            mm_err err = {0};
            int n = 0;
            while (f->values[n]) n++;
            for (int v = -1; v <= n; v += n + 1) {
                *(int*)member_of(&a, f) = v;
                CHECK(mm_field_check(f, &a.r, &err) == MM_EINVAL && strstr(err.msg, f->label), "%s = %d: %s", f->name, v, err.msg);
                CHECK(mm_record_check(&a.r, &err) == MM_EINVAL, "%s = %d passes the record's check", f->name, v);
            }
        } else {
            CHECK(accepts(f, f->type == MM_TYPE_U64 ? "18446744073709551615" : "fnv1a64:ffffffffffffffff"), "%s: the largest", f->name);
            CHECK(refuses(f, f->type == MM_TYPE_U64 ? "18446744073709551616" : "fnv1a64:fffffffffffffff"), "%s: past it", f->name);
            CHECK(refuses(f, "-1") && refuses(f, "") && refuses(f, "0x10"), "%s: not its form", f->name);
            continue;
        }
        tested++;
        CHECK(accepts(f, lo) && accepts(f, hi), "%s: %s and %s accepted", f->name, lo, hi);
        CHECK(refuses(f, below), "%s: min-1 (%s) refused with a message naming it", f->name, below);
        CHECK(refuses(f, above), "%s: max+1 (%s) refused with a message naming it", f->name, above);
        CHECK(refuses(f, "") && refuses(f, "x") && refuses(f, " 1"), "%s: junk refused", f->name);
        if (f->type == MM_TYPE_INT) CHECK(refuses(f, "+1") && refuses(f, "01") && refuses(f, "1.5") && refuses(f, "1e3"), "%s: not a whole number", f->name);
    }
    CHECK(tested >= 15, "%d fields with limits tested", tested);
    // a record's check: each group's first failure, named
    all_groups a;
    all_defaults(&a);
    mm_err err = {0};
    mm_record model = {&a.c, NULL, NULL, NULL};
    a.c.block_size = 0;
    CHECK(mm_record_check(&model, &err) == MM_EINVAL && strstr(err.msg, "block size 0 is outside 1..256"), "%s", err.msg);
    a.c.block_size = 3;
    CHECK(mm_config_set(&a.c, "n_flat_layers", "0", &err) == MM_OK && mm_record_check(&model, &err) == MM_OK, "0 is within the limits");
    long np;
    CHECK(mm_config_check(&a.c, &np, &err) == MM_EINVAL && strstr(err.msg, "flat hidden layers 0"), "a flat MLP needs a block: %s", err.msg);
    a.c.n_consec = 3; // hierarchical: the flat form's count is unused, 0 is allowed (files may hold it)
    CHECK(mm_config_check(&a.c, &np, &err) == MM_OK, "hierarchical with 0 flat layers: %s", err.msg);
    // another family's own setting is refused, naming its family
    CHECK(mm_config_set(&a.c, "n_blocks", "3", &err) == MM_EINVAL && strstr(err.msg, "gated blocks is a setting of the gated family"),
          "n_blocks of an examples model: %s", err.msg);
    // choosing a family resets its own settings to their defaults
    CHECK(mm_config_set(&a.c, "form", "gated", &err) == MM_OK && mm_config_set(&a.c, "n_blocks", "3", &err) == MM_OK &&
              mm_config_set(&a.c, "form", "examples", &err) == MM_OK && mm_config_set(&a.c, "form", "gated", &err) == MM_OK,
          "form: %s", err.msg);
    char text[32];
    CHECK(mm_field_format(mm_field_find("n_blocks"), &model, text, sizeof text, &err) == MM_OK && !strcmp(text, "0"),
          "a family chosen again starts from its defaults: n_blocks %s", text);
    mm_config_set(&a.c, "form", "examples", &err);
    a.s.tp.lr = INFINITY;
    mm_record tr = {NULL, NULL, &a.s.tp, NULL};
    CHECK(mm_record_check(&tr, &err) == MM_EINVAL && !strcmp(err.msg, "learning rate inf is not a finite non-negative number"), "%s", err.msg);
}

static void test_text_and_json(void) {
    all_groups a, b;
    all_defaults(&a);
    mm_err err = {0};
    a.s.step = 12345; a.s.batch_rng = 0xfedcba9876543210ull; a.s.data_hash = 0x0123456789abcdefull;
    a.s.split_sizes[0] = 182473; a.s.split_sizes[1] = 22827; a.s.split_sizes[2] = 22846;
    a.s.tp.lr = 0.1f; a.s.tp.lr_decayed = 1e-7f; a.s.tp.seed = ~0ull; a.d.split_seed = 4294967295u;
    mm_config_set(&a.c, "bn_mode", "per-position", &err);
    char* j = mm_record_json(&a.r, 0xf);
    CHECK(j && strstr(j, "\"lr\":\"0.100000001\"") && strstr(j, "\"bn_mode\":\"per-position\"") && strstr(j, "\"split_sizes\":\"[182473,22827,22846]\"") &&
              strstr(j, "\"data_hash\":\"fnv1a64:0123456789abcdef\"") && strstr(j, "\"seed\":\"18446744073709551615\""),
          "the record's JSON: %s", j ? j : "(null)");
    memset(&b, 0xa5, sizeof b);
    mm_record rb = {&b.c, &b.d, &b.s.tp, &b.s};
    int seen = 0;
    CHECK(j && mm_record_from_json(&rb, j, strlen(j), &seen, &err) == MM_OK && seen == 0xf, "read back: %s", err.msg);
    CHECK(!memcmp(&a.c, &b.c, sizeof a.c) && !memcmp(&a.d, &b.d, sizeof a.d) && a.s.step == b.s.step && a.s.batch_rng == b.s.batch_rng &&
              a.s.data_hash == b.s.data_hash && !memcmp(a.s.split_sizes, b.s.split_sizes, sizeof a.s.split_sizes) &&
              !memcmp(&a.s.tp.lr, &b.s.tp.lr, 4) && !memcmp(&a.s.tp.lr_decayed, &b.s.tp.lr_decayed, 4) && a.s.tp.seed == b.s.tp.seed,
          "the JSON gives the record back");
    free(j);
    mm_record model_only = {&b.c, NULL, NULL, NULL};
    static const struct { const char* json; const char* needle; } BAD[] = {
        {"{\"block_sizes\":\"3\"}", "unknown setting 'block_sizes'"}, {"{\"blockSize\":\"3\"}", "unknown setting 'blockSize'"},
        {"{\"steps\":\"3\"}", "'steps' is a training setting"},      {"{\"block_size\":3}", "not a string"},
        {"{\"block_size\":\"x\"}", "block size must be a whole number in 1..256, not \"x\""},
        {"{\"bn_mode\":\"sideways\"}", "BatchNorm mode must be fixed or per-position"},
        {"[", "expected '{'"}, {"{\"block_size\":\"3\"} x", "bytes after"}, {"{\"block_size\":\"3\",\"block_size\":\"4\"}", "duplicate"},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        int rc = mm_record_from_json(&model_only, BAD[i].json, strlen(BAD[i].json), NULL, &err);
        CHECK(rc == MM_EINVAL && err.code == MM_EINVAL && strstr(err.msg, BAD[i].needle), "%s: %d %s", BAD[i].json, rc, err.msg);
    }
    char* schema = mm_schema_json();
    CHECK(schema && strstr(schema, "\"name\":\"block_size\",\"js\":\"blockSize\",\"flag\":\"--block\"") && strstr(schema, "\"presets\":[{\"name\":\"mlp3\""),
          "the schema's JSON: %.200s", schema ? schema : "(null)");
    free(schema);
}

int main(void) {
    test_list();
    test_limits();
    test_text_and_json();
    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
