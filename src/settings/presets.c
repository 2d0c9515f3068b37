// settings/presets.c: the presets of every family (src/families/), read through the
// schema: each is "name value" pairs of the schema's names and text forms over the
// defaults, the selectors (form, optimizer) first.
#include <stdio.h>
#include <string.h>
#include "base/internal.h"
#include "families/family.h"
#include "settings/settings.h"

static const mm_preset_def* find(const char* name) {
    for (int i = 0; name && mm_family_at(i); i++) {
        const mm_family* f = mm_family_at(i);
        for (int k = 0; k < f->n_presets; k++)
            if (!strcmp(f->presets[k].name, name)) return &f->presets[k];
    }
    return NULL;
}

const char* mm_preset_name(int i) {
    for (int j = 0; i >= 0 && mm_family_at(j); j++) {
        const mm_family* f = mm_family_at(j);
        if (i < f->n_presets) return f->presets[i].name;
        i -= f->n_presets;
    }
    return NULL;
}

const char* mm_preset_doc(const char* name) {
    const mm_preset_def* p = find(name);
    return p && p->doc ? p->doc : "";
}

// The preset's pairs of the groups r has, selectors first (a bad preset is a bug: its message names it).
static int apply(const mm_preset_def* p, const mm_record* r, mm_err* err) {
    mm_record_default(r);
    for (int pass = 0; pass < 2; pass++) {
        const char* s = p->settings;
        while (*s) {
            char key[40], value[40];
            int used = 0;
            if (sscanf(s, " %39s %39s%n", key, value, &used) != 2)
                return mm_fail(err, MM_EINVAL, "preset %s: bad settings text at \"%.20s\"", p->name, s);
            s += used;
            while (*s == ' ') s++;
            const mm_field* f = mm_field_find(key);
            if (!f || strcmp(f->name, key)) return mm_fail(err, MM_EINVAL, "preset %s: unknown setting '%s'", p->name, key);
            if (!mm_record_has(r, f->group) || !(f->flags & MM_FIELD_SELECTOR) == !pass) continue;
            int rc = mm_field_parse(f, r, value, err);
            if (rc) return rc;
        }
    }
    return MM_OK;
}

// "unknown preset 'x' (presets: mlp3, ...)"
static int unknown(const char* name, mm_err* err) {
    char list[512];
    size_t n = 0;
    list[0] = 0;
    for (int i = 0; mm_preset_name(i) && n < sizeof list; i++) {
        int k = snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", mm_preset_name(i));
        if (k > 0) n += (size_t)k;
    }
    return mm_fail(err, MM_EINVAL, "unknown preset '%s' (presets: %s)", name ? name : "(null)", list);
}

int mm_preset(const char* name, mm_config* cfg, mm_data_settings* data, mm_err* err) {
    const mm_preset_def* p = find(name);
    if (!p) return unknown(name, err);
    mm_config c;
    mm_data_settings d;
    mm_record r = {&c, &d, NULL, NULL};
    int rc = apply(p, &r, err);
    if (rc) return rc;
    if (cfg) *cfg = c;
    if (data) *data = d;
    return MM_OK;
}

int mm_config_preset(mm_config* cfg, const char* name, mm_err* err) { return mm_preset(name, cfg, NULL, err); }

int mm_preset_training(const char* name, mm_train_params* tp, mm_err* err) {
    const mm_preset_def* p = find(name);
    if (!p) return unknown(name, err);
    mm_train_params t;
    mm_record r = {NULL, NULL, &t, NULL};
    int rc = apply(p, &r, err);
    if (!rc) *tp = t;
    return rc;
}
