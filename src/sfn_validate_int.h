/*
 * sfn_validate_int.h: what the parts of the definition validator share (not
 * a public header): the validation context, the current location, and the
 * diagnostic helpers.
 *
 * The location is kept in one buffer that grows as the walk descends
 * ("/States/A/Catch[0]") and is cut back with vx_pop; diagnostics copy it.
 */
#ifndef SFN_VALIDATE_INT_H
#define SFN_VALIDATE_INT_H

#include "sfn_validate.h"

#define VX_CODE_SCHEMA "SCHEMA_VALIDATION_FAILED"
#define VX_CODE_TARGET "MISSING_TRANSITION_TARGET"

/* Query languages. */
enum { VX_JSONPATH = 0, VX_JSONATA = 1 };

/* Value types, for "Expected value of type [...]". */
enum {
  VX_T_STRING = 1,
  VX_T_INTEGER = 2,
  VX_T_NUMBER = 4,
  VX_T_BOOLEAN = 8,
  VX_T_OBJECT = 16,
  VX_T_ARRAY = 32,
  VX_T_NULL = 64
};

typedef struct vx_name {
  const char *s; /* borrowed from the definition */
  size_t len;
} vx_name;

typedef struct sfn_vctx {
  sfn_diagnostics *d;
  const sfn_validate_opts *opts;
  int oom;
  int machine_lang; /* the definition's QueryLanguage */
  size_t schema_errors;
  sfn_buf loc;
  /* every state name seen (duplicate detection across the machine) */
  vx_name *names;
  uint32_t *name_index; /* open addressing: position + 1 */
  size_t nnames, names_cap, index_cap;
} sfn_vctx;

/* Location. */
size_t vx_push(sfn_vctx *v, const char *seg);
size_t vx_pushn(sfn_vctx *v, const char *seg, size_t len);
size_t vx_push_index(sfn_vctx *v, size_t i);
void vx_pop(sfn_vctx *v, size_t mark);

/* Add a diagnostic at the current location + "/field" (field NULL: the
 * current location itself; "/" when that is empty). */
void vx_diag(sfn_vctx *v, int severity, const char *code, const char *field, const char *fmt, ...)
    SFN_PRINTF(5, 6);
/* SCHEMA_VALIDATION_FAILED error. */
void vx_schema(sfn_vctx *v, const char *field, const char *fmt, ...) SFN_PRINTF(3, 4);
/* An error at an explicit location (NULL: no location). */
void vx_diag_at(sfn_vctx *v, const char *code, const char *location, const char *message,
                char *create_message);

/* Remember a state name; returns 1 when it was already seen. */
int vx_name_seen(sfn_vctx *v, const char *s, size_t len);

/* Helpers on values. */
int vx_is_type(const sfn_value *val, int types);
const char *vx_type_names(int types, char *buf, size_t cap);
/* Check val's type; emits "Expected value of type [...]" at field. */
int vx_want(sfn_vctx *v, const sfn_value *val, int types, const char *field);
int vx_str_eq(const sfn_value *val, const char *s);
int vx_is_jsonata_expr(const sfn_value *val);

/* QueryLanguage: the language obj selects (exactly "JSONPath" is JSONPath,
 * absent inherits, any other value is JSONata, as AWS resolves it), and the
 * check of its value (at .../QueryLanguage). */
int vx_query_language(const sfn_value *obj, int inherited);
void vx_check_query_language(sfn_vctx *v, const sfn_value *ql);

/* A container: an object with StartAt and States (the definition itself,
 * a Parallel branch, a Map ItemProcessor/Iterator).  kind: 0 definition,
 * 1 branch, 2 ItemProcessor, 3 Iterator. */
enum { VX_TOP = 0, VX_BRANCH = 1, VX_PROCESSOR = 2, VX_ITERATOR = 3 };
void vx_container(sfn_vctx *v, const sfn_value *obj, int kind, int lang);

/* One state (sfn_validate_states.c); location is /.../States/<name>. */
void vx_state(sfn_vctx *v, const sfn_value *state, int inherited_lang);

/* Shared field checks (sfn_validate_states.c): a field of the other query
 * language (reported at the object); a string (or null) path field of the
 * given kind (sfn_path_kind); an RFC 3339 timestamp field. */
void vx_wrong_language(sfn_vctx *v, const char *field, int lang);
void vx_check_path_field(sfn_vctx *v, const char *field, const sfn_value *val, int kind,
                         int nullable);
void vx_check_timestamp(sfn_vctx *v, const char *field, const sfn_value *val, int lang);

/* The Choices array of a Choice state (sfn_validate_choice.c). */
void vx_check_choices(sfn_vctx *v, const sfn_value *arr, int lang);

/* Graph checks of a container and everything nested in it. */
void vx_graph(sfn_vctx *v, const sfn_value *container, int top);

/* Map Label checks over the whole definition (location-free walk). */
void vx_labels(sfn_vctx *v, const sfn_value *container);

#endif
