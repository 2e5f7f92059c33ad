/*
 * sfn_validate_states.c: the definition validator's checks of one state:
 * which fields each state type and query language takes, their types and
 * values, field combinations AWS forbids, Retry/Catch, Map configuration
 * and payload templates (Parameters, ResultSelector, ...).  Choice rules are
 * in sfn_validate_choice.c.
 *
 * Within a state AWS reports, in this order: the QueryLanguage downgrade,
 * fields of the other query language, missing required fields, fields the
 * state type does not take, then each field's value in definition order,
 * and last a QueryLanguage value outside its enum.
 */
#include <string.h>

#include "sfn_intrinsic.h"
#include "sfn_path.h"
#include "sfn_time.h"
#include "sfn_validate_int.h"

/* State types, as bits. */
enum {
  S_PASS = 1,
  S_TASK = 2,
  S_CHOICE = 4,
  S_WAIT = 8,
  S_SUCCEED = 16,
  S_FAIL = 32,
  S_PARALLEL = 64,
  S_MAP = 128,
  S_ALL = 255,
  S_FLOW = S_PASS | S_TASK | S_WAIT | S_PARALLEL | S_MAP, /* Next / End */
  S_RESULT = S_TASK | S_PARALLEL | S_MAP                  /* Retry, Catch, ResultSelector */
};

static const char *const type_names[] = {"Pass",    "Task", "Choice",   "Wait",
                                         "Succeed", "Fail", "Parallel", "Map"};

/* Which language a field belongs to. */
enum { L_BOTH = 0, L_PATH = 1, L_ATA = 2 };

typedef struct field_rule {
  const char *name;
  unsigned types; /* state types that take it */
  int lang;
} field_rule;

static const field_rule state_fields[] = {
    {"Type", S_ALL, L_BOTH},
    {"Comment", S_ALL, L_BOTH},
    {"QueryLanguage", S_ALL, L_BOTH},
    {"Next", S_FLOW, L_BOTH},
    {"End", S_FLOW, L_BOTH},
    {"Assign", S_ALL & ~(S_SUCCEED | S_FAIL), L_BOTH},
    {"InputPath", S_ALL & ~S_FAIL, L_PATH},
    {"OutputPath", S_ALL & ~S_FAIL, L_PATH},
    {"Output", S_ALL & ~S_FAIL, L_ATA},
    {"Parameters", S_PASS | S_TASK | S_PARALLEL | S_MAP, L_PATH},
    {"Arguments", S_TASK | S_PARALLEL, L_ATA},
    {"ResultPath", S_PASS | S_TASK | S_PARALLEL | S_MAP, L_PATH},
    {"ResultSelector", S_RESULT, L_PATH},
    {"Retry", S_RESULT, L_BOTH},
    {"Catch", S_RESULT, L_BOTH},
    {"Result", S_PASS, L_PATH},
    {"Resource", S_TASK, L_BOTH},
    {"TimeoutSeconds", S_TASK, L_BOTH},
    {"TimeoutSecondsPath", S_TASK, L_PATH},
    {"HeartbeatSeconds", S_TASK, L_BOTH},
    {"HeartbeatSecondsPath", S_TASK, L_PATH},
    {"Credentials", S_TASK, L_BOTH},
    {"Choices", S_CHOICE, L_BOTH},
    {"Default", S_CHOICE, L_BOTH},
    {"Seconds", S_WAIT, L_BOTH},
    {"SecondsPath", S_WAIT, L_PATH},
    {"Timestamp", S_WAIT, L_BOTH},
    {"TimestampPath", S_WAIT, L_PATH},
    {"Error", S_FAIL, L_BOTH},
    {"ErrorPath", S_FAIL, L_PATH},
    {"Cause", S_FAIL, L_BOTH},
    {"CausePath", S_FAIL, L_PATH},
    {"Branches", S_PARALLEL, L_BOTH},
    {"ItemProcessor", S_MAP, L_BOTH},
    {"Iterator", S_MAP, L_BOTH},
    {"ItemsPath", S_MAP, L_PATH},
    {"Items", S_MAP, L_ATA},
    {"ItemSelector", S_MAP, L_BOTH},
    {"ItemReader", S_MAP, L_BOTH},
    {"ItemBatcher", S_MAP, L_BOTH},
    {"ResultWriter", S_MAP, L_BOTH},
    {"MaxConcurrency", S_MAP, L_BOTH},
    {"MaxConcurrencyPath", S_MAP, L_PATH},
    {"ToleratedFailurePercentage", S_MAP, L_BOTH},
    {"ToleratedFailurePercentagePath", S_MAP, L_PATH},
    {"ToleratedFailureCount", S_MAP, L_BOTH},
    {"ToleratedFailureCountPath", S_MAP, L_PATH},
    {"Label", S_MAP, L_BOTH},
};

static const field_rule *find_rule(const field_rule *rules, size_t n, const char *name) {
  size_t i;
  for (i = 0; i < n; i++)
    if (!strcmp(rules[i].name, name)) return &rules[i];
  return NULL;
}

#define NRULES(a) (sizeof(a) / sizeof((a)[0]))

static const char *lang_name(int lang) { return lang == VX_JSONATA ? "JSONata" : "JSONPath"; }

/* A field of the other query language (reported at the object). */
void vx_wrong_language(sfn_vctx *v, const char *field, int lang) {
  vx_schema(v, NULL,
            "The QueryLanguage is set to '%s', but field '%s' is only supported for the '%s' "
            "QueryLanguage",
            lang_name(lang), field, lang_name(lang == VX_JSONATA ? VX_JSONPATH : VX_JSONATA));
}

/* ---- paths, intrinsics, templates ---- */

/* A `$name...` variable reference (Assign variables), which the path
 * compiler does not know. */
static int is_variable_ref(const char *s, size_t n) {
  return n >= 2 && s[0] == '$' && (s[1] == '_' || (s[1] >= 'a' && s[1] <= 'z') ||
                                   (s[1] >= 'A' && s[1] <= 'Z'));
}

static int path_valid(sfn_vctx *v, const sfn_value *val, sfn_path_kind kind) {
  sfn_error e;
  sfn_path *p;
  if (val->type != SFN_STRING) return 0;
  memset(&e, 0, sizeof e);
  p = sfn_path_compile(sfn_str(val), sfn_strlen(val), kind, &e);
  if (p) {
    sfn_path_free(p);
    return 1;
  }
  if (!strcmp(e.code, "OutOfMemory")) v->oom = 1;
  sfn_error_clear(&e);
  return is_variable_ref(sfn_str(val), sfn_strlen(val));
}

/* An intrinsic call with a `$name` variable argument (outside quoted
 * literals): variables (Assign) are not modelled, so such a call is taken as
 * valid rather than rejected. */
static int has_variable_arg(const char *s, size_t n) {
  size_t i;
  int quoted = 0;
  for (i = 0; i < n; i++) {
    if (quoted) {
      if (s[i] == '\\')
        i++;
      else if (s[i] == '\'')
        quoted = 0;
    } else if (s[i] == '\'') {
      quoted = 1;
    } else if (s[i] == '$' && is_variable_ref(s + i, n - i)) {
      return 1;
    }
  }
  return 0;
}

static int intrinsic_valid(sfn_vctx *v, const sfn_value *val) {
  sfn_error e;
  sfn_intrinsic *f;
  if (val->type != SFN_STRING || !sfn_intrinsic_is_call(sfn_str(val), sfn_strlen(val))) return 0;
  memset(&e, 0, sizeof e);
  f = sfn_intrinsic_compile(sfn_str(val), sfn_strlen(val), &e);
  if (f) {
    sfn_intrinsic_free(f);
    return 1;
  }
  if (!strcmp(e.code, "OutOfMemory")) v->oom = 1;
  sfn_error_clear(&e);
  return has_variable_arg(sfn_str(val), sfn_strlen(val));
}

/* A string or null field holding a path of the given kind. */
void vx_check_path_field(sfn_vctx *v, const char *field, const sfn_value *val, int kind,
                         int nullable) {
  if (!vx_want(v, val, VX_T_STRING | (nullable ? VX_T_NULL : 0), field)) return;
  if (val->type == SFN_NULL) return;
  /* variables may be read through any path field except ResultPath */
  if (path_valid(v, val, kind) &&
      (strcmp(field, "ResultPath") || !is_variable_ref(sfn_str(val), sfn_strlen(val))))
    return;
  if (kind == SFN_PATH_REFERENCE)
    vx_schema(v, field, "The value for the field '%s' must be a valid ReferencePath", field);
  else
    vx_schema(v, field, "The value for the field '%s' must be a valid JSONPath", field);
}

/* Payload template (Parameters, ResultSelector, ItemSelector, ...): every
 * "key.$" must hold a path or an intrinsic call.  AWS reports the key at the
 * object that holds it. */
static void check_template(sfn_vctx *v, const sfn_value *val) {
  size_t i;
  if (val->type == SFN_OBJECT) {
    for (i = 0; i < sfn_object_len(val) && !v->oom; i++) {
      const sfn_value *key = sfn_object_key(val, i);
      const sfn_value *x = sfn_object_val(val, i);
      size_t kl = sfn_strlen(key);
      const char *k = sfn_str(key);
      if (kl > 2 && k[kl - 2] == '.' && k[kl - 1] == '$') {
        if (!(x->type == SFN_STRING && (path_valid(v, x, SFN_PATH_ANY) || intrinsic_valid(v, x))))
          vx_schema(v, NULL,
                    "The value for the field '%s' must be a valid JSONPath or a valid intrinsic "
                    "function call",
                    k);
      } else if (x->type == SFN_OBJECT || x->type == SFN_ARRAY) {
        size_t m = vx_push(v, "/");
        vx_pushn(v, k, kl);
        check_template(v, x);
        vx_pop(v, m);
      }
    }
  } else if (val->type == SFN_ARRAY) {
    for (i = 0; i < sfn_array_len(val) && !v->oom; i++) {
      const sfn_value *x = sfn_array_at(val, i);
      if (x->type == SFN_OBJECT || x->type == SFN_ARRAY) {
        size_t m = vx_push_index(v, i);
        check_template(v, x);
        vx_pop(v, m);
      }
    }
  }
}

/* A template field (any JSON value; JSONata fields are not parsed). */
static void check_template_field(sfn_vctx *v, const char *field, const sfn_value *val, int lang) {
  size_t m;
  if (lang == VX_JSONATA) return;
  m = vx_push(v, "/");
  vx_push(v, field);
  check_template(v, val);
  vx_pop(v, m);
}

/* ---- scalar fields ---- */

/* An integer in [min, max]; JSONata also takes an expression. */
static void check_int(sfn_vctx *v, const char *field, const sfn_value *val, double min, double max,
                      int lang) {
  double d;
  if (lang == VX_JSONATA && vx_is_jsonata_expr(val)) return;
  if (!vx_want(v, val, VX_T_INTEGER, field)) return;
  d = sfn_number(val);
  if (d < min)
    vx_schema(v, field, "Minimum value is %.0f", min);
  else if (d > max)
    vx_schema(v, field, "Maximum value is %.0f", max);
}

static void check_number(sfn_vctx *v, const char *field, const sfn_value *val, double min,
                         double max, int lang) {
  double d;
  if (lang == VX_JSONATA && vx_is_jsonata_expr(val)) return;
  if (!vx_want(v, val, VX_T_NUMBER, field)) return;
  d = sfn_number(val);
  if (d < min)
    vx_schema(v, field, "Minimum value is %g", min);
  else if (d > max)
    vx_schema(v, field, "Maximum value is %g", max);
}

static int timestamp_valid(const sfn_value *val) {
  int64_t ms;
  return val->type == SFN_STRING &&
         sfn_time_parse(sfn_str(val), sfn_strlen(val), &ms) == SFN_OK;
}

void vx_check_timestamp(sfn_vctx *v, const char *field, const sfn_value *val, int lang) {
  if (lang == VX_JSONATA && vx_is_jsonata_expr(val)) return;
  if (!vx_want(v, val, VX_T_STRING, field)) return;
  if (!timestamp_valid(val)) vx_schema(v, field, "String does not match RFC3339 timestamp");
}

/* A value from a fixed list (names: NULL-terminated). */
static void check_enum(sfn_vctx *v, const char *field, const sfn_value *val,
                       const char *const *names) {
  sfn_buf b;
  size_t i;
  if (!vx_want(v, val, VX_T_STRING, field)) return;
  for (i = 0; names[i]; i++)
    if (vx_str_eq(val, names[i])) return;
  sfn_buf_init(&b);
  for (i = 0; names[i]; i++) {
    if (i) sfn_buf_adds(&b, ", ");
    sfn_buf_adds(&b, names[i]);
  }
  sfn_buf_addc(&b, 0);
  if (b.oom) {
    v->oom = 1;
  } else {
    vx_schema(v, field, "Value should be one of the following: [%s]", b.data);
  }
  sfn_buf_free(&b);
}

/* Fields of an object that only one of may be present (reported at the
 * first of them). */
static void check_exclusive(sfn_vctx *v, const sfn_value *obj, const char *a, const char *b) {
  if (sfn_object_gets(obj, a) && sfn_object_gets(obj, b))
    vx_schema(v, a, "These fields are mutually exclusive: [%s, %s]", a, b);
}

/* ---- Retry / Catch ---- */

static int has_states_all(const sfn_value *errors, size_t *count) {
  size_t i;
  int all = 0;
  *count = errors->type == SFN_ARRAY ? sfn_array_len(errors) : 0;
  for (i = 0; i < *count; i++)
    if (vx_str_eq(sfn_array_at(errors, i), "States.ALL")) all = 1;
  return all;
}

static void check_error_equals(sfn_vctx *v, const sfn_value *val) {
  size_t i;
  if (!vx_want(v, val, VX_T_ARRAY, "ErrorEquals")) return;
  if (sfn_array_len(val) == 0) {
    vx_schema(v, "ErrorEquals", "Value cannot be empty");
    return;
  }
  for (i = 0; i < sfn_array_len(val); i++) {
    size_t m = vx_push(v, "/ErrorEquals");
    vx_push_index(v, i);
    vx_want(v, sfn_array_at(val, i), VX_T_STRING, NULL);
    vx_pop(v, m);
  }
}

static const char *const jitter_values[] = {"FULL", "NONE", NULL};

/* Retry (catch = 0) or Catch (catch = 1). */
static void check_handlers(sfn_vctx *v, const char *field, const sfn_value *arr, int catch,
                           int lang) {
  size_t i, j;
  if (!vx_want(v, arr, VX_T_ARRAY, field)) return;
  for (i = 0; i < sfn_array_len(arr); i++) {
    const sfn_value *h = sfn_array_at(arr, i);
    const sfn_value *errors;
    size_t m = vx_push(v, "/");
    vx_push(v, field);
    vx_push_index(v, i);
    if (!vx_want(v, h, VX_T_OBJECT, NULL)) {
      vx_pop(v, m);
      continue;
    }
    errors = sfn_object_gets(h, "ErrorEquals");
    for (j = 0; j < sfn_object_len(h); j++) {
      const char *k = sfn_str(sfn_object_key(h, j));
      if (lang == VX_JSONPATH && catch && !strcmp(k, "Output")) vx_wrong_language(v, k, lang);
      if (lang == VX_JSONATA && catch && !strcmp(k, "ResultPath")) vx_wrong_language(v, k, lang);
    }
    if (catch && (!errors || !sfn_object_gets(h, "Next")))
      vx_schema(v, NULL, "These fields are required: [%s]",
                !errors && !sfn_object_gets(h, "Next") ? "ErrorEquals, Next"
                : !errors                              ? "ErrorEquals"
                                                       : "Next");
    else if (!errors)
      vx_schema(v, NULL, "These fields are required: [ErrorEquals]");
    for (j = 0; j < sfn_object_len(h); j++) {
      const char *k = sfn_str(sfn_object_key(h, j));
      const sfn_value *x = sfn_object_val(h, j);
      if (!strcmp(k, "ErrorEquals")) {
        size_t n;
        check_error_equals(v, x);
        if (has_states_all(x, &n)) {
          if (n > 1)
            vx_schema(v, k, "'States.ALL' must appear alone in 'ErrorEquals'");
          else if (i + 1 < sfn_array_len(arr))
            vx_schema(v, k, "'States.ALL' must be in the last %s", catch ? "Catcher" : "Retrier");
        }
      } else if (!strcmp(k, "Comment")) {
        vx_want(v, x, VX_T_STRING, k);
      } else if (!catch && !strcmp(k, "IntervalSeconds")) {
        check_int(v, k, x, 1, 99999999, VX_JSONPATH);
      } else if (!catch && !strcmp(k, "MaxAttempts")) {
        check_int(v, k, x, 0, 99999999, VX_JSONPATH);
      } else if (!catch && !strcmp(k, "BackoffRate")) {
        check_number(v, k, x, 1, 1e300, VX_JSONPATH);
      } else if (!catch && !strcmp(k, "MaxDelaySeconds")) {
        check_int(v, k, x, 1, 31622400, VX_JSONPATH);
      } else if (!catch && !strcmp(k, "JitterStrategy")) {
        check_enum(v, k, x, jitter_values);
      } else if (catch && !strcmp(k, "Next")) {
        vx_want(v, x, VX_T_STRING, k);
      } else if (catch && !strcmp(k, "ResultPath")) {
        if (lang == VX_JSONPATH) vx_check_path_field(v, k, x, SFN_PATH_REFERENCE, 1);
      } else if (catch && (!strcmp(k, "Output") || !strcmp(k, "Assign"))) {
        if (!strcmp(k, "Assign")) vx_want(v, x, VX_T_OBJECT, k);
      } else {
        vx_schema(v, NULL, "Field '%s' is not supported", k);
      }
    }
    vx_pop(v, m);
  }
}

/* ---- Task ---- */

static int ends_with(const char *s, size_t n, const char *suffix) {
  size_t k = strlen(suffix);
  return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static int contains(const char *s, size_t n, const char *needle) {
  size_t k = strlen(needle), i;
  for (i = 0; i + k <= n; i++)
    if (memcmp(s + i, needle, k) == 0) return 1;
  return 0;
}

static void check_resource(sfn_vctx *v, const sfn_value *val, int lang) {
  const char *s;
  size_t n;
  if (lang == VX_JSONATA && vx_is_jsonata_expr(val)) return;
  if (!vx_want(v, val, VX_T_STRING, "Resource")) return;
  s = sfn_str(val);
  n = sfn_strlen(val);
  if (v->opts && v->opts->express) {
    if (ends_with(s, n, ".sync") || contains(s, n, ".sync:"))
      vx_schema(v, "Resource", "Express state machine does not support '.sync' service integration");
    else if (ends_with(s, n, ".waitForTaskToken"))
      vx_schema(v, "Resource",
                "Express state machine does not support '.waitForTaskToken' service integration");
  }
}

static void check_credentials(sfn_vctx *v, const sfn_value *val, int lang) {
  const sfn_value *role, *role_path;
  if (lang == VX_JSONATA && vx_is_jsonata_expr(val)) return;
  if (!vx_want(v, val, VX_T_OBJECT, "Credentials")) return;
  role = sfn_object_gets(val, "RoleArn");
  role_path = lang == VX_JSONPATH ? sfn_object_gets(val, "RoleArn.$") : NULL;
  if (!role && !role_path) {
    vx_schema(v, "Credentials", "The field 'RoleArn' is required but was missing");
    return;
  }
  if (role && !(lang == VX_JSONATA && vx_is_jsonata_expr(role)))
    vx_want(v, role, VX_T_STRING, "Credentials/RoleArn");
  if (role_path) {
    size_t m = vx_push(v, "/Credentials");
    check_template(v, val);
    vx_pop(v, m);
  }
}

/* ---- Map ---- */

static const char *const mode_values[] = {"INLINE", "DISTRIBUTED", NULL};
static const char *const exec_values[] = {"STANDARD", "EXPRESS", NULL};
static const char *const input_type_values[] = {"CSV", "JSON", "JSONL", "MANIFEST", "PARQUET", NULL};

static void check_processor(sfn_vctx *v, const char *field, const sfn_value *proc, int lang) {
  const sfn_value *cfg;
  size_t m, i;
  if (!vx_want(v, proc, VX_T_OBJECT, field)) return;
  m = vx_push(v, "/");
  vx_push(v, field);
  cfg = sfn_object_gets(proc, "ProcessorConfig");
  if (cfg && vx_want(v, cfg, VX_T_OBJECT, "ProcessorConfig")) {
    size_t mc = vx_push(v, "/ProcessorConfig");
    for (i = 0; i < sfn_object_len(cfg); i++) {
      const char *k = sfn_str(sfn_object_key(cfg, i));
      const sfn_value *x = sfn_object_val(cfg, i);
      if (!strcmp(k, "Mode"))
        check_enum(v, k, x, mode_values);
      else if (!strcmp(k, "ExecutionType"))
        check_enum(v, k, x, exec_values);
      else
        vx_schema(v, NULL, "Field '%s' is not supported", k);
    }
    vx_pop(v, mc);
  }
  vx_container(v, proc, !strcmp(field, "Iterator") ? VX_ITERATOR : VX_PROCESSOR, lang);
  vx_pop(v, m);
}

/* ItemReader / ResultWriter / ItemBatcher: objects whose inner fields are
 * checked loosely (types of the well-known ones). */
static void check_map_object(sfn_vctx *v, const char *field, const sfn_value *val, int lang) {
  size_t m, i;
  if (lang == VX_JSONATA && vx_is_jsonata_expr(val)) return;
  if (!vx_want(v, val, VX_T_OBJECT, field)) return;
  m = vx_push(v, "/");
  vx_push(v, field);
  if (!strcmp(field, "ItemReader") && !sfn_object_gets(val, "Resource"))
    vx_schema(v, NULL, "These fields are required: [Resource]");
  for (i = 0; i < sfn_object_len(val); i++) {
    const char *k = sfn_str(sfn_object_key(val, i));
    const sfn_value *x = sfn_object_val(val, i);
    if (!strcmp(k, "Resource")) {
      vx_want(v, x, VX_T_STRING, k);
    } else if (!strcmp(k, "Parameters") || !strcmp(k, "BatchInput")) {
      if (lang == VX_JSONATA && !strcmp(k, "Parameters"))
        vx_wrong_language(v, k, lang);
      else
        check_template_field(v, k, x, lang);
    } else if (!strcmp(k, "Arguments")) {
      if (lang == VX_JSONPATH) vx_wrong_language(v, k, lang);
    } else if (!strcmp(k, "ReaderConfig")) {
      if (vx_want(v, x, VX_T_OBJECT, k)) {
        const sfn_value *it = sfn_object_gets(x, "InputType");
        size_t mr = vx_push(v, "/ReaderConfig");
        if (it) check_enum(v, "InputType", it, input_type_values);
        check_exclusive(v, x, "MaxItems", "MaxItemsPath");
        vx_pop(v, mr);
      }
    } else if (!strcmp(k, "WriterConfig")) {
      vx_want(v, x, VX_T_OBJECT, k);
    } else if (!strcmp(k, "MaxItemsPerBatch") || !strcmp(k, "MaxInputBytesPerBatch")) {
      check_int(v, k, x, 0, 9.2e18, lang);
    } else if (!strcmp(k, "MaxItemsPerBatchPath") || !strcmp(k, "MaxInputBytesPerBatchPath")) {
      if (lang == VX_JSONPATH)
        vx_check_path_field(v, k, x, SFN_PATH_REFERENCE, 0);
      else
        vx_wrong_language(v, k, lang);
    } else {
      vx_schema(v, NULL, "Field '%s' is not supported", k);
    }
  }
  vx_pop(v, m);
}

/* ---- one state ---- */

static int state_type_bit(const sfn_value *type) {
  size_t i;
  for (i = 0; i < NRULES(type_names); i++)
    if (vx_str_eq(type, type_names[i])) return 1 << i;
  return 0;
}

/* Required fields of a state type ("These fields are required: [...]"). */
static void check_required(sfn_vctx *v, const sfn_value *st, int t) {
  const char *missing = NULL;
  if (t == S_TASK && !sfn_object_gets(st, "Resource")) missing = "Resource";
  if (t == S_CHOICE && !sfn_object_gets(st, "Choices")) missing = "Choices";
  if (t == S_PARALLEL && !sfn_object_gets(st, "Branches")) missing = "Branches";
  if (t == S_MAP && !sfn_object_gets(st, "ItemProcessor") && !sfn_object_gets(st, "Iterator"))
    missing = "ItemProcessor";
  if (missing) vx_schema(v, NULL, "These fields are required: [%s]", missing);
  if (t & S_FLOW) {
    const sfn_value *end = sfn_object_gets(st, "End");
    int is_end = end && end->type == SFN_BOOL && end->u.b;
    if (is_end && sfn_object_gets(st, "Next"))
      vx_schema(v, NULL, "These fields are mutually exclusive: [Next, End]");
    else if (!is_end && !sfn_object_gets(st, "Next"))
      vx_schema(v, NULL, "These fields are required: [Next]");
  }
  if (t == S_WAIT) {
    static const char *const w[] = {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"};
    size_t i, n = 0;
    for (i = 0; i < 4; i++)
      if (sfn_object_gets(st, w[i])) n++;
    if (n == 0)
      vx_schema(v, NULL,
                "One of these fields is required: [Seconds, SecondsPath, Timestamp, TimestampPath]");
    else if (n > 1)
      vx_schema(v, NULL,
                "These fields are mutually exclusive: [Seconds, SecondsPath, Timestamp, "
                "TimestampPath]");
  }
}

static void check_field(sfn_vctx *v, const sfn_value *st, const char *k, const sfn_value *x, int t,
                        int lang) {
  size_t i;
  if (!strcmp(k, "Comment") || !strcmp(k, "Next") || !strcmp(k, "Default")) {
    vx_want(v, x, VX_T_STRING, k);
  } else if (!strcmp(k, "End")) {
    vx_want(v, x, VX_T_BOOLEAN, k);
  } else if (!strcmp(k, "InputPath") || !strcmp(k, "OutputPath")) {
    vx_check_path_field(v, k, x, SFN_PATH_ANY, 1);
  } else if (!strcmp(k, "ItemsPath")) {
    vx_check_path_field(v, k, x, SFN_PATH_REFERENCE, 0);
  } else if (!strcmp(k, "ResultPath")) {
    vx_check_path_field(v, k, x, SFN_PATH_REFERENCE, 1);
  } else if (!strcmp(k, "Parameters") || !strcmp(k, "ResultSelector") ||
             !strcmp(k, "ItemSelector")) {
    check_template_field(v, k, x, lang);
  } else if (!strcmp(k, "Assign")) {
    if (!(lang == VX_JSONATA && vx_is_jsonata_expr(x))) vx_want(v, x, VX_T_OBJECT, k);
  } else if (!strcmp(k, "Retry") || !strcmp(k, "Catch")) {
    check_handlers(v, k, x, !strcmp(k, "Catch"), lang);
  } else if (!strcmp(k, "Resource")) {
    check_resource(v, x, lang);
  } else if (!strcmp(k, "TimeoutSeconds") || !strcmp(k, "HeartbeatSeconds")) {
    check_int(v, k, x, 1, 99999999, lang);
  } else if (!strcmp(k, "TimeoutSecondsPath") || !strcmp(k, "HeartbeatSecondsPath") ||
             !strcmp(k, "SecondsPath") || !strcmp(k, "TimestampPath") ||
             !strcmp(k, "MaxConcurrencyPath") || !strcmp(k, "ToleratedFailureCountPath") ||
             !strcmp(k, "ToleratedFailurePercentagePath")) {
    vx_check_path_field(v, k, x, SFN_PATH_REFERENCE, 0);
  } else if (!strcmp(k, "Credentials")) {
    check_credentials(v, x, lang);
  } else if (!strcmp(k, "Choices")) {
    vx_check_choices(v, x, lang);
  } else if (!strcmp(k, "Seconds")) {
    check_int(v, k, x, 0, 99999999, lang);
  } else if (!strcmp(k, "Timestamp")) {
    vx_check_timestamp(v, k, x, lang);
  } else if (!strcmp(k, "Error") || !strcmp(k, "Cause")) {
    if (!(lang == VX_JSONATA && vx_is_jsonata_expr(x))) vx_want(v, x, VX_T_STRING, k);
  } else if (!strcmp(k, "ErrorPath") || !strcmp(k, "CausePath")) {
    if (vx_want(v, x, VX_T_STRING, k) && !path_valid(v, x, SFN_PATH_REFERENCE) &&
        !intrinsic_valid(v, x))
      vx_schema(v, k,
                "The value for the field '%s' must be a valid ReferencePath or a valid intrinsic "
                "function call",
                k);
  } else if (!strcmp(k, "Branches")) {
    if (lang == VX_JSONATA && vx_is_jsonata_expr(x)) return;
    if (!vx_want(v, x, VX_T_ARRAY, k)) return;
    if (sfn_array_len(x) == 0) {
      vx_schema(v, k, "Value cannot be empty");
      return;
    }
    for (i = 0; i < sfn_array_len(x) && !v->oom; i++) {
      size_t m = vx_push(v, "/Branches");
      vx_push_index(v, i);
      if (vx_want(v, sfn_array_at(x, i), VX_T_OBJECT, NULL))
        vx_container(v, sfn_array_at(x, i), VX_BRANCH, lang);
      vx_pop(v, m);
    }
  } else if (!strcmp(k, "ItemProcessor") || !strcmp(k, "Iterator")) {
    check_processor(v, k, x, lang);
  } else if (!strcmp(k, "ItemReader") || !strcmp(k, "ItemBatcher") ||
             !strcmp(k, "ResultWriter")) {
    check_map_object(v, k, x, lang);
  } else if (!strcmp(k, "MaxConcurrency") || !strcmp(k, "ToleratedFailureCount")) {
    check_int(v, k, x, 0, 9.2e18, lang);
  } else if (!strcmp(k, "ToleratedFailurePercentage")) {
    check_number(v, k, x, 0, 100, lang);
  } else if (!strcmp(k, "Label")) {
    vx_want(v, x, VX_T_STRING, k);
  }
  /* Type, QueryLanguage, Result, Output, Arguments, Items: any value */
  (void)st;
  (void)t;
}

void vx_state(sfn_vctx *v, const sfn_value *st, int inherited) {
  const sfn_value *type = sfn_object_gets(st, "Type");
  const sfn_value *ql = sfn_object_gets(st, "QueryLanguage");
  int lang = vx_query_language(st, inherited);
  int t, downgraded;
  size_t i;
  if (!type) {
    vx_schema(v, NULL, "These fields are required: [Type]");
    return;
  }
  t = state_type_bit(type);
  if (!t) {
    vx_schema(v, "Type",
              "The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, "
              "Fail, Choice, Parallel, Map]");
    return;
  }
  downgraded = v->machine_lang == VX_JSONATA && vx_str_eq(ql, "JSONPath");
  if (downgraded)
    vx_schema(v, NULL,
              "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine");
  /* fields of the other query language */
  for (i = 0; i < sfn_object_len(st) && !downgraded; i++) {
    const char *k = sfn_str(sfn_object_key(st, i));
    const field_rule *r = find_rule(state_fields, NRULES(state_fields), k);
    if (r && r->lang == L_PATH && lang == VX_JSONATA) vx_wrong_language(v, k, lang);
    if (r && r->lang == L_ATA && lang == VX_JSONPATH) vx_wrong_language(v, k, lang);
  }
  check_required(v, st, t);
  /* fields this state type does not take */
  for (i = 0; i < sfn_object_len(st); i++) {
    const char *k = sfn_str(sfn_object_key(st, i));
    const field_rule *r = find_rule(state_fields, NRULES(state_fields), k);
    if (!r || !(r->types & (unsigned)t)) vx_schema(v, NULL, "Field '%s' is not supported", k);
  }
  /* combinations */
  check_exclusive(v, st, "TimeoutSeconds", "TimeoutSecondsPath");
  check_exclusive(v, st, "HeartbeatSeconds", "HeartbeatSecondsPath");
  check_exclusive(v, st, "Error", "ErrorPath");
  check_exclusive(v, st, "Cause", "CausePath");
  check_exclusive(v, st, "ItemProcessor", "Iterator");
  check_exclusive(v, st, "ItemSelector", "Parameters");
  check_exclusive(v, st, "MaxConcurrency", "MaxConcurrencyPath");
  check_exclusive(v, st, "ToleratedFailureCount", "ToleratedFailureCountPath");
  check_exclusive(v, st, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath");
  /* each field's value */
  for (i = 0; i < sfn_object_len(st) && !v->oom; i++) {
    const char *k = sfn_str(sfn_object_key(st, i));
    const field_rule *r = find_rule(state_fields, NRULES(state_fields), k);
    if (!r || !(r->types & (unsigned)t)) continue;
    if ((r->lang == L_PATH && lang == VX_JSONATA) || (r->lang == L_ATA && lang == VX_JSONPATH))
      continue;
    check_field(v, st, k, sfn_object_val(st, i), t, lang);
  }
  if (ql) vx_check_query_language(v, ql);
}
