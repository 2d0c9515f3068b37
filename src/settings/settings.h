// settings/settings.h: the schema's internals shared by the core's files (not part of the API).
#ifndef MM_SETTINGS_SETTINGS_H
#define MM_SETTINGS_SETTINGS_H
#include "base/text.h"
#include "makemore.h"

// The struct of a record's group: r->model, r->data, ...; NULL if it has none (schema.c).
void* mm_record_base(const mm_record* r, int group);
int mm_record_has(const mm_record* r, int group);
// The selector of a group (form, optimizer), NULL if it has none (fields.c).
const mm_field* mm_selector_of(int group);
// Sets the group's field named name (snake_case) from its text, as mm_field_parse.
int mm_record_set(const mm_record* r, int group, const char* name, const char* text, mm_err* err);
// A preset's one line of documentation ("" if none) (presets.c).
const char* mm_preset_doc(const char* name);
// The names of a group ("model") and of a field type ("int"), as the schema's JSON writes them (schema.c).
const char* mm_group_name(int group);
const char* mm_type_name(int type);
// r's fields of the groups in mask (bits 1 << MM_GROUP_*; those with a flag in skip left out) as
// "name":"text" pairs, comma-separated (a comma first unless first) (schema.c).
int mm_record_put_pairs(mm_buf* b, const mm_record* r, int mask, int skip, int first);
// Each field of the configuration within its limits (the family's check is its structural rules).
int mm_config_validate(const mm_config* c, mm_err* err);

#endif
