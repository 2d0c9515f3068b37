// settings/schema.c: the settings' values as text and as JSON, and their checks,
// for every field of the schema (fields.c; see makemore.h, "the settings' schema").
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/internal.h"
#include "families/family.h"
#include "settings/settings.h"
#include "train/optim.h"
#include "makemore.h"
#include "base/safetensors.h"

static const char* const GROUP_NAMES[MM_N_GROUPS] = {"model", "data", "training", "state"};
static const char* const TYPE_NAMES[] = {"int", "enum", "float", "u64", "int3", "hash"};
const char* mm_group_name(int group) { return group >= 0 && group < MM_N_GROUPS ? GROUP_NAMES[group] : "?"; }
const char* mm_type_name(int type) { return type >= 0 && type <= MM_TYPE_HASH ? TYPE_NAMES[type] : "?"; }

void* mm_record_base(const mm_record* r, int group) {
    switch (group) {
    case MM_GROUP_MODEL: return r->model;
    case MM_GROUP_DATA: return r->data;
    case MM_GROUP_TRAINING: return r->training;
    case MM_GROUP_STATE: return r->state;
    default: return NULL;
    }
}
int mm_record_has(const mm_record* r, int group) { return mm_record_base(r, group) != NULL; }

// The name of the group's current choice (a family, an optimizer), NULL if unknown.
static const char* chosen(const mm_record* r, int group) {
    if (group == MM_GROUP_MODEL && r->model) return mm_family_name(r->model->form);
    if (group == MM_GROUP_TRAINING && r->training) return mm_optimizer_name(r->training->optimizer);
    return NULL;
}

// Whether an owned field's owner is the one chosen (a common field: always).
static int owner_chosen(const mm_field* f, const mm_record* r) {
    const char* c = f->owner ? chosen(r, f->group) : NULL;
    return !f->owner || (c && !strcmp(c, f->owner));
}

int mm_field_applies(const mm_field* f, const mm_record* r) {
    if (!mm_record_has(r, f->group) || !owner_chosen(f, r)) return 0;
    if (f->group != MM_GROUP_MODEL || f->owner) return 1;
    const mm_family* fam = mm_family_of(r->model);
    return !fam || mm_family_uses_field(fam, f);
}

void mm_record_choose_owner(const mm_record* r, const mm_field* f) {
    const mm_field* sel = f->owner ? mm_selector_of(f->group) : NULL;
    if (sel) mm_field_parse(sel, r, f->owner, NULL);
}

static void* member(const mm_field* f, const mm_record* r) {
    char* base = mm_record_base(r, f->group);
    return base && owner_chosen(f, r) ? base + f->offset : NULL;
}

// The message for a field r has not: a group it has not, or another family's or optimizer's own setting.
static int no_member(const mm_field* f, const mm_record* r, mm_err* err) {
    if (!mm_record_has(r, f->group)) return mm_fail(err, MM_EINVAL, "%s: this record has no %s settings", f->name, GROUP_NAMES[f->group]);
    const char* c = chosen(r, f->group);
    const char* what = f->group == MM_GROUP_MODEL ? "family" : "optimizer";
    return mm_fail(err, MM_EINVAL, "%s is a setting of the %s %s, not of the %s %s (set %s first)", f->label, f->owner, what,
                   c ? c : "chosen", what, f->group == MM_GROUP_MODEL ? "form" : "optimizer");
}

// Integer members (int, long, uint32_t, and the int3's first) as long long; u64 apart.
static long long get_int(const mm_field* f, const void* p) {
    switch (f->ctype) {
    case MM_C_LONG: return *(const long*)p;
    case MM_C_U32: return *(const uint32_t*)p;
    default: return *(const int*)p;
    }
}

// Stores v if the member can hold it.
static int set_int(const mm_field* f, void* p, long long v) {
    switch (f->ctype) {
    case MM_C_LONG:
        if (v < LONG_MIN || v > LONG_MAX) return 0;
        *(long*)p = (long)v;
        return 1;
    case MM_C_U32:
        if (v < 0 || v > 0xffffffffll) return 0;
        *(uint32_t*)p = (uint32_t)v;
        return 1;
    default:
        if (v < INT_MIN || v > INT_MAX) return 0;
        *(int*)p = (int)v;
        return 1;
    }
}

// ---------------------------------------------------------------- text

// A decimal integer: an optional '-', digits, no leading zeros, no spaces.
static int parse_ll(const char* s, long long* v) {
    int neg = *s == '-';
    const char* d = s + neg;
    if (!*d || (d[0] == '0' && (d[1] || neg))) return 0;
    unsigned long long x = 0;
    for (; *d; d++) {
        if (*d < '0' || *d > '9' || x > 922337203685477580ull) return 0;
        x = x * 10 + (unsigned long long)(*d - '0');
    }
    if (x > 9223372036854775807ull) return 0;
    *v = neg ? -(long long)x : (long long)x;
    return 1;
}

static int parse_u64(const char* s, uint64_t* v) {
    if (!*s || (s[0] == '0' && s[1])) return 0;
    uint64_t x = 0;
    for (; *s; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (*s < '0' || *s > '9' || x > (UINT64_MAX - d) / 10) return 0;
        x = x * 10 + d;
    }
    *v = x;
    return 1;
}

// A float as strtof reads it, the whole text (no leading space or '+').
static int parse_f32(const char* s, float* v) {
    if (!*s || *s == ' ' || *s == '\t' || *s == '+' || strlen(s) > 60) return 0;
    char* end;
    float x = strtof(s, &end);
    if (*end) return 0;
    *v = x;
    return 1;
}

static int parse_hash(const char* s, uint64_t* v) {
    if (strlen(s) != 8 + 16 || strncmp(s, "fnv1a64:", 8) != 0) return 0;
    uint64_t h = 0;
    for (int i = 8; i < 24; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) return 0;
        h = h << 4 | (uint64_t)d;
    }
    *v = h;
    return 1;
}

// "[a,b,c]" (JSON whitespace allowed), each a whole number the member holds.
static int parse_int3(const char* s, int* out) {
    mm_err e = {0};
    st_cur c = {(const uint8_t*)s, strlen(s), 0, &e, NULL, NULL};
    uint64_t a[3];
    int k;
    if (mm_st_uint_array(&c, a, 3, &k) || k != 3) return 0;
    mm_st_ws(&c);
    if (c.i != c.n) return 0;
    for (int i = 0; i < 3; i++) {
        if (a[i] > 2147483647u) return 0;
        out[i] = (int)a[i];
    }
    return 1;
}

static void enum_list(const mm_field* f, char* out, size_t cap, const char* last) {
    size_t n = 0;
    out[0] = 0;
    for (int i = 0; f->values[i]; i++) {
        const char* sep = i == 0 ? "" : f->values[i + 1] ? ", " : last;
        int k = snprintf(out + n, n < cap ? cap - n : 0, "%s%s", sep, f->values[i]);
        if (k > 0) n += (size_t)k;
    }
}

void mm_field_expects(const mm_field* f, char* out, size_t cap) {
    switch (f->type) {
    case MM_TYPE_INT: snprintf(out, cap, "a whole number in %.0f..%.0f", f->min, f->max); break;
    case MM_TYPE_ENUM: enum_list(f, out, cap, " or "); break;
    case MM_TYPE_FLOAT:
        if (f->min == 0 && f->max >= 1e30) snprintf(out, cap, "a finite non-negative number");
        else snprintf(out, cap, "a number in %g..%g", f->min, f->max);
        break;
    case MM_TYPE_U64: snprintf(out, cap, "a whole number in 0..18446744073709551615"); break;
    case MM_TYPE_INT3: snprintf(out, cap, "three whole numbers in %.0f..%.0f, as [a,b,c]", f->min, f->max); break;
    default: snprintf(out, cap, "fnv1a64:<16 hex digits>"); break;
    }
}

int mm_field_format(const mm_field* f, const mm_record* r, char* out, size_t cap, mm_err* err) {
    const void* p = member(f, r);
    if (!p) return no_member(f, r, err);
    const int* v3 = p;
    switch (f->type) {
    case MM_TYPE_ENUM: {
        int v = *(const int*)p, n = 0;
        while (f->values[n]) n++;
        if (v < 0 || v >= n) return mm_field_check(f, r, err);
        snprintf(out, cap, "%s", f->values[v]);
        break;
    }
    case MM_TYPE_FLOAT: snprintf(out, cap, "%.9g", (double)*(const float*)p); break; // 9 digits: the same float back
    case MM_TYPE_U64: snprintf(out, cap, "%llu", (unsigned long long)*(const uint64_t*)p); break;
    case MM_TYPE_INT3: snprintf(out, cap, "[%d,%d,%d]", v3[0], v3[1], v3[2]); break;
    case MM_TYPE_HASH: snprintf(out, cap, "fnv1a64:%016llx", (unsigned long long)*(const uint64_t*)p); break;
    default: snprintf(out, cap, "%lld", get_int(f, p)); break;
    }
    return MM_OK;
}

// Text into the member: 1, or 0 if the syntax is bad or the member cannot hold the value.
static int parse_into(const mm_field* f, void* p, const char* s) {
    long long v;
    switch (f->type) {
    case MM_TYPE_ENUM:
        for (int i = 0; f->values[i]; i++)
            if (!strcmp(s, f->values[i])) { *(int*)p = i; return 1; }
        return 0;
    case MM_TYPE_FLOAT: return parse_f32(s, p);
    case MM_TYPE_U64: return parse_u64(s, p);
    case MM_TYPE_INT3: return parse_int3(s, p);
    case MM_TYPE_HASH: return parse_hash(s, p);
    default: return parse_ll(s, &v) && set_int(f, p, v);
    }
}

// The cells of the group's choice at their defaults (the others zero).
static void reset_owned(const mm_record* r, int group) {
    mm_cell* own = group == MM_GROUP_MODEL ? r->model->own : r->training->own;
    memset(own, 0, sizeof(mm_cell) * MM_OWN_CELLS);
    for (int i = 0; i < mm_num_fields(); i++) {
        const mm_field* f = mm_field_at(i);
        if (f->group == group && f->owner && owner_chosen(f, r) && f->def) parse_into(f, member(f, r), f->def);
    }
}

int mm_field_parse(const mm_field* f, const mm_record* r, const char* text, mm_err* err) {
    void* p = member(f, r);
    if (!p) return no_member(f, r, err);
    int before = (f->flags & MM_FIELD_SELECTOR) ? *(int*)p : 0;
    if (!text || !parse_into(f, p, text)) {
        char want[96];
        mm_field_expects(f, want, sizeof want);
        return mm_fail(err, MM_EINVAL, "%s must be %s, not \"%.40s\"", f->label, want, text ? text : "(null)");
    }
    if ((f->flags & MM_FIELD_SELECTOR) && *(int*)p != before) reset_owned(r, f->group);
    return MM_OK;
}

int mm_record_set(const mm_record* r, int group, const char* name, const char* text, mm_err* err) {
    const mm_field* f = name ? mm_field_find(name) : NULL;
    if (!f || strcmp(f->name, name) != 0 || f->group != group)
        return mm_fail(err, MM_EINVAL, "unknown %s setting '%.60s'", GROUP_NAMES[group], name ? name : "(null)");
    return mm_field_parse(f, r, text, err);
}

int mm_field_check(const mm_field* f, const mm_record* r, mm_err* err) {
    const void* p = member(f, r);
    if (!p) return no_member(f, r, err);
    char list[96];
    if (f->type == MM_TYPE_INT) {
        long long v = get_int(f, p);
        if (v < f->min || v > f->max) return mm_fail(err, MM_EINVAL, "%s %lld is outside %.0f..%.0f", f->label, v, f->min, f->max);
    } else if (f->type == MM_TYPE_INT3) {
        const int* v = p;
        for (int i = 0; i < 3; i++)
            if (v[i] < f->min || v[i] > f->max)
                return mm_fail(err, MM_EINVAL, "%s [%d,%d,%d] have a value outside %.0f..%.0f", f->label, v[0], v[1], v[2], f->min, f->max);
    } else if (f->type == MM_TYPE_FLOAT) {
        float x = *(const float*)p;
        if (!(x >= f->min && x <= f->max)) {
            mm_field_expects(f, list, sizeof list);
            return mm_fail(err, MM_EINVAL, "%s %g is not %s", f->label, (double)x, list);
        }
    } else if (f->type == MM_TYPE_ENUM) {
        int v = *(const int*)p, n = 0;
        while (f->values[n]) n++;
        if (v < 0 || v >= n) {
            enum_list(f, list, sizeof list, ", ");
            return mm_fail(err, MM_EINVAL, "%s %d is not one of %s", f->label, v, list);
        }
    }
    return MM_OK;
}

void mm_record_default(const mm_record* r) {
    for (int i = 0; i < mm_num_fields(); i++) { // the common fields, selectors included
        const mm_field* f = mm_field_at(i);
        void* p = f->owner ? NULL : member(f, r);
        if (!p) continue;
        if (f->def) parse_into(f, p, f->def);
        else if (f->ctype == MM_C_INT3) memset(p, 0, 3 * sizeof(int));
        else if (f->ctype == MM_C_U64) *(uint64_t*)p = 0;
        else set_int(f, p, 0);
    }
    if (r->model) reset_owned(r, MM_GROUP_MODEL); // then the chosen family's and optimizer's own
    if (r->training) reset_owned(r, MM_GROUP_TRAINING);
}

// ---------------------------------------------------------------- JSON

// r's fields of the groups in mask (except those with a flag in skip) as "name":"text" pairs.
int mm_record_put_pairs(mm_buf* b, const mm_record* r, int mask, int skip, int first) {
    for (int i = 0; i < mm_num_fields(); i++) {
        const mm_field* f = mm_field_at(i);
        char v[64];
        if (!(mask & (1 << f->group)) || !mm_field_applies(f, r) || (f->flags & skip)) continue;
        if (mm_field_format(f, r, v, sizeof v, NULL)) return MM_EINVAL;
        if (!first) mm_buf_puts(b, ",");
        first = 0;
        mm_buf_json_string(b, f->name);
        mm_buf_puts(b, ":");
        mm_buf_json_string(b, v);
    }
    return MM_OK;
}

char* mm_record_json(const mm_record* r, int group_mask) {
    mm_buf b = {0};
    mm_buf_puts(&b, "{");
    int rc = mm_record_put_pairs(&b, r, group_mask, 0, 1);
    mm_buf_puts(&b, "}");
    if (rc || b.oom) { free(b.p); return NULL; }
    return b.p;
}

int mm_record_from_json(const mm_record* r, const char* json, size_t len, int* groups_seen, mm_err* err) {
    st_file o;
    if (groups_seen) *groups_seen = 0;
    int rc = mm_st_parse_object(json, len, "the settings' JSON", &o, err);
    if (rc == MM_EFORMAT) { // bad JSON from a caller: a bad argument, not a bad model file
        if (err) err->code = MM_EINVAL;
        return MM_EINVAL;
    }
    if (rc) return rc;
    for (int pass = 0; pass < 2; pass++) // the selectors first: the settings they own follow them
        for (int i = 0; i < o.n_meta && !rc; i++) {
            const mm_field* f = mm_field_find(o.meta[i].key);
            if (f && !strcmp(f->name, o.meta[i].key) && !(f->flags & MM_FIELD_SELECTOR) == !pass) continue;
            if (!f || strcmp(f->name, o.meta[i].key) != 0)
                rc = mm_fail(err, MM_EINVAL, "unknown setting '%.60s'", o.meta[i].key);
            else if (!mm_record_has(r, f->group))
                rc = mm_fail(err, MM_EINVAL, "'%s' is a %s setting: not taken here", f->name, GROUP_NAMES[f->group]);
            else
                rc = mm_field_parse(f, r, o.meta[i].value, err);
            if (!rc && groups_seen) *groups_seen |= 1 << f->group;
        }
    mm_st_free(&o);
    return rc;
}

// ---------------------------------------------------------------- defaults and limits of the groups

void mm_data_settings_default(mm_data_settings* d) {
    mm_record r = {NULL, d, NULL, NULL};
    mm_record_default(&r);
}

void mm_train_params_default(mm_train_params* p) {
    mm_record r = {NULL, NULL, p, NULL};
    mm_record_default(&r);
}

int mm_train_params_set(mm_train_params* p, const char* name, const char* text, mm_err* err) {
    mm_record r = {NULL, NULL, p, NULL};
    return mm_record_set(&r, MM_GROUP_TRAINING, name, text, err);
}

int mm_config_default(mm_config* c, int form, mm_err* err) {
    mm_record r = {c, NULL, NULL, NULL};
    mm_record_default(&r);
    if (!mm_family_at(form)) return mm_fail(err, MM_EINVAL, "unknown model family %d (0..%d)", form, mm_family_count() - 1);
    return mm_record_set(&r, MM_GROUP_MODEL, "form", mm_family_at(form)->name, err);
}

int mm_config_set(mm_config* c, const char* name, const char* text, mm_err* err) {
    mm_record r = {c, NULL, NULL, NULL};
    return mm_record_set(&r, MM_GROUP_MODEL, name, text, err);
}

int mm_record_check(const mm_record* r, mm_err* err) {
    for (int i = 0; i < mm_num_fields(); i++) {
        const mm_field* f = mm_field_at(i);
        if (!mm_field_applies(f, r)) continue; // (a group the record has not, too)
        int rc = mm_field_check(f, r, err);
        if (rc) return rc;
    }
    return MM_OK;
}

// Each field within its limits (the family's structural rules are its check's).
int mm_config_validate(const mm_config* c, mm_err* err) {
    mm_record r = {(mm_config*)c, NULL, NULL, NULL};
    return mm_record_check(&r, err);
}
