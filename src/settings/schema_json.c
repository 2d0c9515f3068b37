// settings/schema_json.c: the schema as JSON (mm_schema_json): every field, the families,
// the optimizers and the presets, for the JS API (mm.schema) and through it the page.
#include <math.h>
#include <stdlib.h>
#include "base/internal.h"
#include "families/family.h"
#include "settings/settings.h"
#include "train/optim.h"

// ---------------------------------------------------------------- the schema as JSON

static void put_number(mm_buf* b, const char* key, double v) {
    if (v == floor(v) && fabs(v) < 1e15) mm_buf_printf(b, ",\"%s\":%.0f", key, v);
    else mm_buf_printf(b, ",\"%s\":%.9g", key, v);
}

static void put_field(mm_buf* b, const mm_field* f) {
    char want[96];
    mm_buf_puts(b, "{\"name\":");
    mm_buf_json_string(b, f->name);
    mm_buf_puts(b, ",\"js\":");
    mm_buf_json_string(b, f->js);
    mm_buf_puts(b, ",\"flag\":");
    if (f->flag) mm_buf_json_string(b, f->flag);
    else mm_buf_puts(b, "null");
    mm_buf_printf(b, ",\"label\":");
    mm_buf_json_string(b, f->label);
    mm_buf_printf(b, ",\"group\":\"%s\",\"type\":\"%s\"", mm_group_name(f->group), mm_type_name(f->type));
    if (f->type == MM_TYPE_INT || f->type == MM_TYPE_INT3 || f->type == MM_TYPE_FLOAT) {
        put_number(b, "min", f->min);
        put_number(b, "max", f->max);
    }
    mm_buf_puts(b, ",\"default\":");
    if (f->def) mm_buf_json_string(b, f->def);
    else mm_buf_puts(b, "null");
    if (f->values) {
        mm_buf_puts(b, ",\"values\":[");
        for (int i = 0; f->values[i]; i++) {
            if (i) mm_buf_puts(b, ",");
            mm_buf_json_string(b, f->values[i]);
        }
        mm_buf_puts(b, "]");
    }
    mm_field_expects(f, want, sizeof want);
    mm_buf_puts(b, ",\"expects\":");
    mm_buf_json_string(b, want);
    mm_buf_printf(b, ",\"fromData\":%s,\"optional\":%s,\"checkpointOnly\":%s,\"selector\":%s,\"owner\":",
                  f->flags & MM_FIELD_FROM_DATA ? "true" : "false", f->flags & MM_FIELD_OPTIONAL ? "true" : "false",
                  f->flags & MM_FIELD_CHECKPOINT ? "true" : "false", f->flags & MM_FIELD_SELECTOR ? "true" : "false");
    if (f->owner) mm_buf_json_string(b, f->owner);
    else mm_buf_puts(b, "null");
    mm_buf_puts(b, ",\"doc\":");
    mm_buf_json_string(b, f->doc);
    mm_buf_puts(b, "}");
}

// `{"name":..,"label":..,"doc":..` of a family or an optimizer (the object left open).
static void put_named(mm_buf* b, const char* name, const char* label, const char* doc) {
    mm_buf_puts(b, "{\"name\":");
    mm_buf_json_string(b, name);
    mm_buf_puts(b, ",\"label\":");
    mm_buf_json_string(b, label);
    mm_buf_puts(b, ",\"doc\":");
    mm_buf_json_string(b, doc);
}

// A family: its name, label, doc, whether it runs on whole words, whether its batch_size counts words
// (makemore.py's batches), and the model settings it uses (by name).
static void put_family(mm_buf* b, const mm_family* fam) {
    put_named(b, fam->name, fam->label, fam->doc);
    mm_buf_printf(b, ",\"sequence\":%s,\"words\":%s,\"uses\":[", fam->sequence ? "true" : "false", fam->words ? "true" : "false");
    int first = 1;
    for (int i = 0; i < mm_num_fields(); i++) {
        const mm_field* f = mm_field_at(i);
        if (f->group != MM_GROUP_MODEL || (f->flags & (MM_FIELD_FROM_DATA | MM_FIELD_SELECTOR)) || !mm_family_uses_field(fam, f)) continue;
        if (!first) mm_buf_puts(b, ",");
        first = 0;
        mm_buf_json_string(b, f->name);
    }
    mm_buf_puts(b, "]}");
}

static void put_optimizer(mm_buf* b, const mm_optimizer_type* o) {
    put_named(b, o->name, o->label, o->doc);
    mm_buf_puts(b, "}");
}

static void put_preset(mm_buf* b, const char* name) {
    mm_config c;
    mm_data_settings d;
    mm_train_params tp;
    mm_preset(name, &c, &d, NULL);
    mm_preset_training(name, &tp, NULL);
    mm_record r = {&c, &d, &tp, NULL};
    mm_buf_puts(b, "{\"name\":");
    mm_buf_json_string(b, name);
    mm_buf_puts(b, ",\"doc\":");
    mm_buf_json_string(b, mm_preset_doc(name));
    mm_buf_puts(b, ",\"model\":{");
    mm_record_put_pairs(b, &r, 1 << MM_GROUP_MODEL, MM_FIELD_FROM_DATA, 1);
    mm_buf_puts(b, "},\"data\":{");
    mm_record_put_pairs(b, &r, 1 << MM_GROUP_DATA, 0, 1);
    mm_buf_puts(b, "},\"training\":{");
    mm_record_put_pairs(b, &r, 1 << MM_GROUP_TRAINING, 0, 1);
    mm_buf_puts(b, "}}");
}

char* mm_schema_json(void) {
    mm_buf b = {0};
    mm_buf_puts(&b, "{\"format\":\"" MM_FILE_FORMAT "\",\"groups\":[\"model\",\"data\",\"training\",\"state\"],\"fields\":[");
    for (int i = 0; i < mm_num_fields(); i++) {
        if (i) mm_buf_puts(&b, ",");
        put_field(&b, mm_field_at(i));
    }
    mm_buf_puts(&b, "],\"families\":[");
    for (int i = 0; mm_family_at(i); i++) {
        if (i) mm_buf_puts(&b, ",");
        put_family(&b, mm_family_at(i));
    }
    mm_buf_puts(&b, "],\"optimizers\":[");
    for (int i = 0; mm_optimizer_at(i); i++) {
        if (i) mm_buf_puts(&b, ",");
        put_optimizer(&b, mm_optimizer_at(i));
    }
    mm_buf_puts(&b, "],\"presets\":[");
    for (int i = 0; mm_preset_name(i); i++) {
        if (i) mm_buf_puts(&b, ",");
        put_preset(&b, mm_preset_name(i));
    }
    mm_buf_puts(&b, "]}");
    if (b.oom) { free(b.p); return NULL; }
    return b.p;
}

