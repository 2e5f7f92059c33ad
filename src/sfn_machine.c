/*
 * sfn_machine.c: compiles a validated ASL definition into sfn_machine (see
 * sfn_machine.h).  Validation with AWS's messages is sfn_validate's job;
 * this file resolves names to indexes and precompiles every path, template,
 * rule and intrinsic call, and refuses features the engine does not run yet
 * (so nothing is ever silently run with the wrong semantics).
 */
#include "sfn_machine.h"

#include <stdio.h>
#include <string.h>

#include "sfn_time.h"

typedef struct compiler {
  sfn_error *err;
  sfn_value *names; /* object: state name -> index, of the machine being built */
  const char *where; /* state name, for messages */
  int jsonata;       /* the machine's QueryLanguage is JSONata */
} compiler;

static int unsupported(compiler *c, const char *what) {
  return sfn_error_set(c->err, "UnsupportedFeature", "%s is not supported yet (state '%s')", what,
                       c->where ? c->where : "");
}

static int invalid(compiler *c, const char *fmt, const char *field) {
  sfn_error_set(c->err, "InvalidDefinition", fmt, field, c->where ? c->where : "");
  return SFN_ERR;
}

static sfn_value *field(const sfn_value *obj, const char *name) { return sfn_object_gets(obj, name); }

static int sfn_jtemplate_is_expr_field(const sfn_value *obj, const char *name) {
  sfn_value *v = sfn_object_gets(obj, name);
  return v && sfn_jtemplate_is_expr(v);
}

static int compile_path(compiler *c, const sfn_value *st, const char *name, sfn_path_kind kind,
                        sfn_opt_path *out) {
  sfn_value *v = field(st, name);
  out->mode = SFN_FIELD_ABSENT;
  out->path = NULL;
  if (!v) return SFN_OK;
  if (sfn_type_of(v) == SFN_NULL) {
    out->mode = SFN_FIELD_NULL;
    return SFN_OK;
  }
  if (sfn_type_of(v) != SFN_STRING)
    return invalid(c, "Invalid State Machine Definition: the field '%s' of state '%s' must be a string", name);
  out->path = sfn_path_compile(sfn_str(v), sfn_strlen(v), kind, c->err);
  if (!out->path) return SFN_ERR;
  out->mode = SFN_FIELD_SET;
  return SFN_OK;
}

static int compile_template(compiler *c, const sfn_value *st, const char *name, sfn_template **out) {
  sfn_value *v = field(st, name);
  *out = NULL;
  if (!v) return SFN_OK;
  *out = sfn_template_compile(v, c->err);
  return *out ? SFN_OK : SFN_ERR;
}

static long lookup(compiler *c, const sfn_value *name_v) {
  sfn_value *i;
  if (!name_v || sfn_type_of(name_v) != SFN_STRING) return -1;
  i = sfn_object_get(c->names, sfn_str(name_v), sfn_strlen(name_v));
  return i ? (long)i->u.i : -1;
}

static int resolve_next(compiler *c, const sfn_value *st, sfn_state *s) {
  sfn_value *next = field(st, "Next");
  s->next = -1;
  if (!next) return SFN_OK;
  s->next = lookup(c, next);
  if (s->next < 0)
    return invalid(c, "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: %s at /States/%s/Next'",
                   sfn_type_of(next) == SFN_STRING ? sfn_str(next) : "?");
  return SFN_OK;
}

/* Split a Task resource ARN into kind, resourceType and resource as AWS
 * reports them in TaskScheduled events. */
static int classify_resource(sfn_state *s) {
  const char *r = sfn_str(s->resource);
  size_t len = sfn_strlen(s->resource);
  const char *p;
  s->task_kind = SFN_TASK_GENERIC;
  if (len > 18 && strstr(r, ":lambda:") && strstr(r, ":function:") && strncmp(r, "arn:", 4) == 0 &&
      !strstr(r, ":states:::")) {
    s->task_kind = SFN_TASK_LAMBDA_FN;
    return SFN_OK;
  }
  if (strncmp(r, "arn:", 4) == 0 && strstr(r, ":states:") && strstr(r, ":activity:")) {
    s->task_kind = SFN_TASK_ACTIVITY;
    return SFN_OK;
  }
  p = strstr(r, ":states:::");
  if (p) {
    const char *svc = p + 10, *action = strrchr(svc, ':');
    s->task_kind = SFN_TASK_SERVICE;
    if (action && action > svc) {
      s->resource_type = sfn_string(svc, (size_t)(action - svc));
      s->resource_name = sfn_cstring(action + 1);
    } else {
      s->resource_type = sfn_cstring(svc);
      s->resource_name = sfn_cstring(svc);
    }
    if (!s->resource_type || !s->resource_name) return SFN_ERR;
    if (len > 17 && strcmp(r + len - 17, ".waitForTaskToken") == 0) s->wait_for_token = 1;
    return SFN_OK;
  }
  return SFN_OK;
}

static int compile_dyn(compiler *c, const sfn_value *st, const char *lit, const char *pathf,
                       sfn_dyn_string *d) {
  sfn_value *v = field(st, lit), *p = field(st, pathf);
  if (v && sfn_type_of(v) == SFN_STRING) d->literal = sfn_incref(v);
  if (p && sfn_type_of(p) == SFN_STRING) {
    d->path_text = sfn_incref(p);
    if (sfn_intrinsic_is_call(sfn_str(p), sfn_strlen(p))) {
      d->call = sfn_intrinsic_compile(sfn_str(p), sfn_strlen(p), c->err);
      if (!d->call) return SFN_ERR;
    } else {
      d->path = sfn_path_compile(sfn_str(p), sfn_strlen(p), SFN_PATH_ANY, c->err);
      if (!d->path) return SFN_ERR;
    }
  }
  return SFN_OK;
}

static int get_int(const sfn_value *v, int64_t *out) {
  if (!v) return 0;
  if (sfn_type_of(v) == SFN_INT) {
    *out = v->u.i;
    return 1;
  }
  if (sfn_type_of(v) == SFN_DOUBLE && v->u.d == (double)(int64_t)v->u.d) {
    *out = (int64_t)v->u.d;
    return 1;
  }
  return 0;
}

/* Fields whose semantics the engine does not implement yet. */
static int check_supported(compiler *c, const sfn_value *st, int jsonata) {
  static const char *const later[] = {"Output", "Arguments", "Items", NULL};
  size_t i;
  if (jsonata) return SFN_OK;
  for (i = 0; later[i]; i++) {
    sfn_value *v = field(st, later[i]);
    if (!v) continue;
    {
      char what[64];
      snprintf(what, sizeof what, "The field '%s'", later[i]);
      return unsupported(c, what);
    }
  }
  return SFN_OK;
}

static sfn_machine *compile_machine(compiler *c, sfn_value *def);

/* A JSONata field as a template (NULL when absent). */
static int compile_j(compiler *c, const sfn_value *obj, const char *name, sfn_jtemplate **out) {
  sfn_value *v = field(obj, name);
  *out = NULL;
  if (!v) return SFN_OK;
  *out = sfn_jtemplate_compile(v, name, c->err);
  return *out ? SFN_OK : SFN_ERR;
}

/* Assign of a JSONata state/rule/catcher (NULL when absent or {}). */
static int compile_j_assign(compiler *c, const sfn_value *obj, sfn_jtemplate **out) {
  sfn_value *v = field(obj, "Assign");
  *out = NULL;
  if (!v || (sfn_type_of(v) == SFN_OBJECT && sfn_object_len(v) == 0)) return SFN_OK;
  return compile_j(c, obj, "Assign", out);
}

/* The JSONata fields of a state (structure already validated). */
static int compile_jsonata_state(compiler *c, const sfn_value *st, sfn_state *s, const char *t) {
  sfn_value *v;
  size_t i;
  if (compile_j(c, st, "Output", &s->j_output) != SFN_OK || compile_j_assign(c, st, &s->j_assign) != SFN_OK)
    return SFN_ERR;
  if ((!strcmp(t, "Task") || !strcmp(t, "Parallel")) && compile_j(c, st, "Arguments", &s->j_args) != SFN_OK)
    return SFN_ERR;
  if (!strcmp(t, "Task") &&
      ((sfn_jtemplate_is_expr_field(st, "TimeoutSeconds") && compile_j(c, st, "TimeoutSeconds", &s->j_timeout) != SFN_OK) ||
       (sfn_jtemplate_is_expr_field(st, "HeartbeatSeconds") && compile_j(c, st, "HeartbeatSeconds", &s->j_heartbeat) != SFN_OK)))
    return SFN_ERR;
  if (!strcmp(t, "Map") &&
      (compile_j(c, st, "Items", &s->j_items) != SFN_OK || compile_j(c, st, "ItemSelector", &s->j_item_selector) != SFN_OK ||
       (sfn_jtemplate_is_expr_field(st, "MaxConcurrency") && compile_j(c, st, "MaxConcurrency", &s->j_max_concurrency) != SFN_OK)))
    return SFN_ERR;
  if (!strcmp(t, "Wait")) {
    if (sfn_jtemplate_is_expr_field(st, "Seconds") && compile_j(c, st, "Seconds", &s->j_wait) != SFN_OK) return SFN_ERR;
    if (sfn_jtemplate_is_expr_field(st, "Timestamp") && compile_j(c, st, "Timestamp", &s->j_wait) != SFN_OK) return SFN_ERR;
  }
  if (!strcmp(t, "Fail") && (compile_j(c, st, "Error", &s->j_error) != SFN_OK || compile_j(c, st, "Cause", &s->j_cause) != SFN_OK))
    return SFN_ERR;
  if (!strcmp(t, "Choice") && (v = field(st, "Choices")) != NULL && sfn_type_of(v) == SFN_ARRAY) {
    size_t n = sfn_array_len(v);
    s->j_conditions = sfn_malloc((n ? n : 1) * sizeof(sfn_jtemplate *));
    s->j_rule_output = sfn_malloc((n ? n : 1) * sizeof(sfn_jtemplate *));
    s->j_rule_assign = sfn_malloc((n ? n : 1) * sizeof(sfn_jtemplate *));
    if (!s->j_conditions || !s->j_rule_output || !s->j_rule_assign) return sfn_error_oom(c->err);
    memset(s->j_conditions, 0, (n ? n : 1) * sizeof(sfn_jtemplate *));
    memset(s->j_rule_output, 0, (n ? n : 1) * sizeof(sfn_jtemplate *));
    memset(s->j_rule_assign, 0, (n ? n : 1) * sizeof(sfn_jtemplate *));
    s->j_nrules = n;
    s->choice_next = sfn_malloc((n ? n : 1) * sizeof(long));
    if (!s->choice_next) return sfn_error_oom(c->err);
    for (i = 0; i < n; i++) {
      const sfn_value *r = sfn_array_at(v, i);
      if (sfn_type_of(r) != SFN_OBJECT)
        return invalid(c, "Invalid State Machine Definition: %s in state '%s' must be objects", "Choices");
      if (compile_j(c, r, "Condition", &s->j_conditions[i]) != SFN_OK || compile_j(c, r, "Output", &s->j_rule_output[i]) != SFN_OK ||
          compile_j_assign(c, r, &s->j_rule_assign[i]) != SFN_OK)
        return SFN_ERR;
      s->choice_next[i] = lookup(c, field(r, "Next"));
      if (s->choice_next[i] < 0)
        return invalid(c, "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: %s at /States/%s/Choices'",
                       field(r, "Next") && sfn_type_of(field(r, "Next")) == SFN_STRING ? sfn_str(field(r, "Next")) : "?");
    }
  }
  for (i = 0; i < s->ncatch; i++) {
    const sfn_value *r = sfn_array_at(field(st, "Catch"), i);
    if (compile_j(c, r, "Output", &s->catches[i].j_output) != SFN_OK || compile_j_assign(c, r, &s->catches[i].j_assign) != SFN_OK)
      return SFN_ERR;
  }
  return SFN_OK;
}

/* Assign of a state, Choice rule or Catch: NULL when absent or empty. */
static int compile_assign(compiler *c, const sfn_value *obj, sfn_template **out) {
  sfn_value *v = field(obj, "Assign");
  *out = NULL;
  if (!v || (sfn_type_of(v) == SFN_OBJECT && sfn_object_len(v) == 0)) return SFN_OK;
  *out = sfn_template_compile(v, c->err);
  return *out ? SFN_OK : SFN_ERR;
}

/* Does any string inside v mention the context object? */
static int mentions_context(const sfn_value *v) {
  size_t i;
  switch (sfn_type_of(v)) {
    case SFN_STRING: return strstr(sfn_str(v), "$$") != NULL;
    case SFN_ARRAY:
      for (i = 0; i < sfn_array_len(v); i++)
        if (mentions_context(sfn_array_at(v, i))) return 1;
      return 0;
    case SFN_OBJECT:
      for (i = 0; i < sfn_object_len(v); i++)
        if (mentions_context(sfn_object_val(v, i))) return 1;
      return 0;
    default: return 0;
  }
}

static double get_num(const sfn_value *v, double dflt) {
  return v && sfn_is_number(v) ? sfn_number(v) : dflt;
}

/* Retry and Catch arrays (structure already validated). */
static int compile_retry_catch(compiler *c, const sfn_value *st, sfn_state *s) {
  sfn_value *retry = field(st, "Retry"), *catches = field(st, "Catch");
  size_t i;
  if (retry && sfn_type_of(retry) == SFN_ARRAY && sfn_array_len(retry)) {
    s->retry = sfn_malloc(sfn_array_len(retry) * sizeof(sfn_retrier));
    if (!s->retry) return sfn_error_oom(c->err);
    for (i = 0; i < sfn_array_len(retry); i++) {
      const sfn_value *r = sfn_array_at(retry, i), *js;
      sfn_retrier *t = &s->retry[s->nretry++];
      if (sfn_type_of(r) != SFN_OBJECT)
        return invalid(c, "Invalid State Machine Definition: %s in state '%s' must be objects", "Retry entries");
      t->errors = field(r, "ErrorEquals");
      t->interval_s = get_num(field(r, "IntervalSeconds"), 1.0);
      t->max_attempts = (int64_t)get_num(field(r, "MaxAttempts"), 3.0);
      t->backoff = get_num(field(r, "BackoffRate"), 2.0);
      t->max_delay_s = (int64_t)get_num(field(r, "MaxDelaySeconds"), 0.0);
      js = field(r, "JitterStrategy");
      t->jitter_full = js && sfn_type_of(js) == SFN_STRING && strcmp(sfn_str(js), "FULL") == 0;
    }
  }
  if (catches && sfn_type_of(catches) == SFN_ARRAY && sfn_array_len(catches)) {
    s->catches = sfn_malloc(sfn_array_len(catches) * sizeof(sfn_catcher));
    if (!s->catches) return sfn_error_oom(c->err);
    for (i = 0; i < sfn_array_len(catches); i++) {
      const sfn_value *r = sfn_array_at(catches, i);
      sfn_catcher *t = &s->catches[s->ncatch++];
      memset(t, 0, sizeof *t);
      if (sfn_type_of(r) != SFN_OBJECT)
        return invalid(c, "Invalid State Machine Definition: %s in state '%s' must be objects", "Catch entries");
      t->errors = field(r, "ErrorEquals");
      t->next = lookup(c, field(r, "Next"));
      if (t->next < 0)
        return invalid(c, "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: %s at /States/%s/Catch'",
                       field(r, "Next") && sfn_type_of(field(r, "Next")) == SFN_STRING ? sfn_str(field(r, "Next")) : "?");
      if (compile_path(c, r, "ResultPath", SFN_PATH_REFERENCE, &t->result_path) != SFN_OK ||
          compile_assign(c, r, &t->assign) != SFN_OK)
        return SFN_ERR;
    }
  }
  return SFN_OK;
}

static int compile_state(compiler *c, sfn_machine *m, const sfn_value *st, sfn_state *s) {
  sfn_value *type = field(st, "Type"), *v;
  const char *t;
  if (!type || sfn_type_of(type) != SFN_STRING)
    return invalid(c, "Invalid State Machine Definition: %s missing in state '%s'", "Type");
  t = sfn_str(type);
  s->next = -1;
  s->default_next = -1;
  s->uses_context = mentions_context(st);
  {
    sfn_value *ql = field(st, "QueryLanguage");
    s->jsonata = ql && sfn_type_of(ql) == SFN_STRING ? strcmp(sfn_str(ql), "JSONata") == 0 : c->jsonata;
  }
  if (s->jsonata) s->uses_context = 1; /* $states.context */
  if (check_supported(c, st, s->jsonata) != SFN_OK) return SFN_ERR;
  if (s->jsonata) {
    if (resolve_next(c, st, s) != SFN_OK || compile_retry_catch(c, st, s) != SFN_OK ||
        compile_jsonata_state(c, st, s, t) != SFN_OK)
      return SFN_ERR;
  } else if (compile_path(c, st, "InputPath", SFN_PATH_ANY, &s->input_path) != SFN_OK ||
      compile_path(c, st, "OutputPath", SFN_PATH_ANY, &s->output_path) != SFN_OK ||
      compile_path(c, st, "ResultPath", SFN_PATH_REFERENCE, &s->result_path) != SFN_OK ||
      compile_template(c, st, "Parameters", &s->parameters) != SFN_OK ||
      compile_template(c, st, "ResultSelector", &s->result_selector) != SFN_OK ||
      resolve_next(c, st, s) != SFN_OK || compile_retry_catch(c, st, s) != SFN_OK ||
      compile_assign(c, st, &s->assign) != SFN_OK)
    return SFN_ERR;
  if (strcmp(t, "Pass") == 0) {
    s->type = SFN_STATE_PASS;
    v = field(st, "Result");
    if (v) s->result = sfn_incref(v);
  } else if (strcmp(t, "Task") == 0) {
    s->type = SFN_STATE_TASK;
    v = field(st, "Resource");
    if (!v || sfn_type_of(v) != SFN_STRING)
      return invalid(c, "Invalid State Machine Definition: %s missing in state '%s'", "Resource");
    s->resource = sfn_incref(v);
    if (classify_resource(s) != SFN_OK) return sfn_error_oom(c->err);
    if (get_int(field(st, "TimeoutSeconds"), &s->timeout_s) && s->timeout_s < 0) s->timeout_s = 0;
    if (get_int(field(st, "HeartbeatSeconds"), &s->heartbeat_s) && s->heartbeat_s < 0) s->heartbeat_s = 0;
    if ((v = field(st, "TimeoutSecondsPath")) != NULL && sfn_type_of(v) == SFN_STRING &&
        !(s->timeout_path = sfn_path_compile(sfn_str(v), sfn_strlen(v), SFN_PATH_ANY, c->err)))
      return SFN_ERR;
    if ((v = field(st, "HeartbeatSecondsPath")) != NULL && sfn_type_of(v) == SFN_STRING &&
        !(s->heartbeat_path = sfn_path_compile(sfn_str(v), sfn_strlen(v), SFN_PATH_ANY, c->err)))
      return SFN_ERR;
  } else if (strcmp(t, "Choice") == 0) {
    size_t i, n;
    s->type = SFN_STATE_CHOICE;
    v = field(st, "Choices");
    if (!v || sfn_type_of(v) != SFN_ARRAY)
      return invalid(c, "Invalid State Machine Definition: %s missing in state '%s'", "Choices");
    if (s->jsonata) {
      if ((v = field(st, "Default")) != NULL && (s->default_next = lookup(c, v)) < 0)
        return invalid(c, "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Default' target: %s at /States/%s/Default'",
                       sfn_type_of(v) == SFN_STRING ? sfn_str(v) : "?");
      return SFN_OK;
    }
    s->choice = sfn_choice_compile(v, c->err);
    if (!s->choice) return SFN_ERR;
    n = sfn_choice_count(s->choice);
    s->choice_next = sfn_malloc((n ? n : 1) * sizeof(long));
    s->choice_assign = sfn_malloc((n ? n : 1) * sizeof(sfn_template *));
    if (!s->choice_next || !s->choice_assign) return sfn_error_oom(c->err);
    memset(s->choice_assign, 0, (n ? n : 1) * sizeof(sfn_template *));
    for (i = 0; i < n && i < sfn_array_len(v); i++) {
      const sfn_value *rule = sfn_array_at(v, i);
      if (sfn_type_of(rule) == SFN_OBJECT && compile_assign(c, rule, &s->choice_assign[i]) != SFN_OK)
        return SFN_ERR;
    }
    for (i = 0; i < n; i++) {
      const char *nx = sfn_choice_next(s->choice, i);
      sfn_value *idx = nx ? sfn_object_get(c->names, nx, strlen(nx)) : NULL;
      if (!idx)
        return invalid(c, "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: %s at /States/%s/Choices'",
                       nx ? nx : "?");
      s->choice_next[i] = (long)idx->u.i;
    }
    v = field(st, "Default");
    if (v) {
      s->default_next = lookup(c, v);
      if (s->default_next < 0)
        return invalid(c, "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Default' target: %s at /States/%s/Default'",
                       sfn_type_of(v) == SFN_STRING ? sfn_str(v) : "?");
    }
  } else if (strcmp(t, "Wait") == 0) {
    s->type = SFN_STATE_WAIT;
    if (s->j_wait) {
      s->wait_kind = field(st, "Seconds") ? SFN_WAIT_SECONDS : SFN_WAIT_TIMESTAMP;
    } else if ((v = field(st, "Seconds")) != NULL) {
      s->wait_kind = SFN_WAIT_SECONDS;
      if (!get_int(v, &s->wait_seconds))
        return invalid(c, "Invalid State Machine Definition: '%s' must be an integer in state '%s'", "Seconds");
    } else if ((v = field(st, "Timestamp")) != NULL && sfn_type_of(v) == SFN_STRING) {
      s->wait_kind = SFN_WAIT_TIMESTAMP;
      s->wait_timestamp = sfn_incref(v);
      if (sfn_time_parse(sfn_str(v), sfn_strlen(v), &s->wait_timestamp_ms) != SFN_OK)
        s->wait_timestamp_ms = INT64_MIN; /* AWS fails the state at run time */
    } else if ((v = field(st, "SecondsPath")) != NULL && sfn_type_of(v) == SFN_STRING) {
      s->wait_kind = SFN_WAIT_SECONDS_PATH;
      s->wait_path = sfn_path_compile(sfn_str(v), sfn_strlen(v), SFN_PATH_ANY, c->err);
      if (!s->wait_path) return SFN_ERR;
    } else if ((v = field(st, "TimestampPath")) != NULL && sfn_type_of(v) == SFN_STRING) {
      s->wait_kind = SFN_WAIT_TIMESTAMP_PATH;
      s->wait_path = sfn_path_compile(sfn_str(v), sfn_strlen(v), SFN_PATH_ANY, c->err);
      if (!s->wait_path) return SFN_ERR;
    } else {
      return invalid(c, "Invalid State Machine Definition: %s missing in state '%s'", "Seconds");
    }
  } else if (strcmp(t, "Succeed") == 0) {
    s->type = SFN_STATE_SUCCEED;
  } else if (strcmp(t, "Fail") == 0) {
    s->type = SFN_STATE_FAIL;
    if (s->jsonata) return SFN_OK;
    if (compile_dyn(c, st, "Error", "ErrorPath", &s->fail_error) != SFN_OK ||
        compile_dyn(c, st, "Cause", "CausePath", &s->fail_cause) != SFN_OK)
      return SFN_ERR;
  } else if (strcmp(t, "Parallel") == 0) {
    size_t i;
    s->type = SFN_STATE_PARALLEL;
    v = field(st, "Branches");
    if (!v || sfn_type_of(v) != SFN_ARRAY || !sfn_array_len(v))
      return invalid(c, "Invalid State Machine Definition: %s missing in state '%s'", "Branches");
    s->branches = sfn_malloc(sfn_array_len(v) * sizeof(sfn_machine *));
    if (!s->branches) return sfn_error_oom(c->err);
    for (i = 0; i < sfn_array_len(v); i++) {
      const char *where = c->where;
      sfn_machine *b = compile_machine(c, sfn_array_at(v, i));
      c->where = where;
      if (!b) return SFN_ERR;
      s->branches[s->nbranches++] = b;
    }
  } else if (strcmp(t, "Map") == 0) {
    sfn_value *proc = field(st, "ItemProcessor"), *cfg, *mode;
    const char *where = c->where;
    s->type = SFN_STATE_MAP;
    if (!proc) proc = field(st, "Iterator");
    if (!proc || sfn_type_of(proc) != SFN_OBJECT)
      return invalid(c, "Invalid State Machine Definition: %s missing in state '%s'", "ItemProcessor");
    cfg = field(proc, "ProcessorConfig");
    mode = cfg && sfn_type_of(cfg) == SFN_OBJECT ? field(cfg, "Mode") : NULL;
    if (mode && sfn_type_of(mode) == SFN_STRING && strcmp(sfn_str(mode), "DISTRIBUTED") == 0)
      return unsupported(c, "A distributed Map (ProcessorConfig Mode DISTRIBUTED)");
    if (field(st, "ItemReader")) return unsupported(c, "The field 'ItemReader'");
    if (field(st, "ItemBatcher")) return unsupported(c, "The field 'ItemBatcher'");
    if (field(st, "ResultWriter")) return unsupported(c, "The field 'ResultWriter'");
    /* For Map, Parameters is the older name of ItemSelector (per item). */
    sfn_template_free(s->parameters);
    s->parameters = NULL;
    if (!s->jsonata &&
        (compile_template(c, st, field(st, "ItemSelector") ? "ItemSelector" : "Parameters", &s->item_selector) != SFN_OK ||
         compile_path(c, st, "ItemsPath", SFN_PATH_REFERENCE, &s->items_path) != SFN_OK))
      return SFN_ERR;
    get_int(field(st, "MaxConcurrency"), &s->max_concurrency);
    if (s->max_concurrency < 0) s->max_concurrency = 0;
    if ((v = field(st, "MaxConcurrencyPath")) != NULL && sfn_type_of(v) == SFN_STRING &&
        !(s->max_concurrency_path = sfn_path_compile(sfn_str(v), sfn_strlen(v), SFN_PATH_REFERENCE, c->err)))
      return SFN_ERR;
    s->processor = compile_machine(c, proc);
    c->where = where;
    if (!s->processor) return SFN_ERR;
  } else {
    return invalid(c, "Invalid State Machine Definition: unknown Type '%s' in state '%s'", t);
  }
  (void)m;
  return SFN_OK;
}

static void free_dyn(sfn_dyn_string *d) {
  sfn_decref(d->literal);
  sfn_path_free(d->path);
  sfn_intrinsic_free(d->call);
  sfn_decref(d->path_text);
}

static void free_state(sfn_state *s) {
  size_t i;
  for (i = 0; i < s->nbranches; i++) sfn_machine_free(s->branches[i]);
  sfn_free(s->branches);
  sfn_machine_free(s->processor);
  sfn_path_free(s->items_path.path);
  sfn_template_free(s->item_selector);
  sfn_path_free(s->max_concurrency_path);
  for (i = 0; i < s->ncatch; i++) {
    sfn_path_free(s->catches[i].result_path.path);
    sfn_template_free(s->catches[i].assign);
  }
  sfn_template_free(s->assign);
  for (i = 0; i < s->ncatch; i++) {
    sfn_jtemplate_free(s->catches[i].j_output);
    sfn_jtemplate_free(s->catches[i].j_assign);
  }
  sfn_jtemplate_free(s->j_args);
  sfn_jtemplate_free(s->j_output);
  sfn_jtemplate_free(s->j_assign);
  sfn_jtemplate_free(s->j_items);
  sfn_jtemplate_free(s->j_item_selector);
  sfn_jtemplate_free(s->j_max_concurrency);
  sfn_jtemplate_free(s->j_timeout);
  sfn_jtemplate_free(s->j_heartbeat);
  sfn_jtemplate_free(s->j_wait);
  sfn_jtemplate_free(s->j_error);
  sfn_jtemplate_free(s->j_cause);
  for (i = 0; i < s->j_nrules; i++) {
    if (s->j_conditions) sfn_jtemplate_free(s->j_conditions[i]);
    if (s->j_rule_output) sfn_jtemplate_free(s->j_rule_output[i]);
    if (s->j_rule_assign) sfn_jtemplate_free(s->j_rule_assign[i]);
  }
  sfn_free(s->j_conditions);
  sfn_free(s->j_rule_output);
  sfn_free(s->j_rule_assign);
  if (s->choice_assign && s->choice)
    for (i = 0; i < sfn_choice_count(s->choice); i++) sfn_template_free(s->choice_assign[i]);
  sfn_free(s->choice_assign);
  sfn_free(s->catches);
  sfn_free(s->retry);
  sfn_path_free(s->input_path.path);
  sfn_path_free(s->output_path.path);
  sfn_path_free(s->result_path.path);
  sfn_template_free(s->parameters);
  sfn_template_free(s->result_selector);
  sfn_decref(s->result);
  sfn_decref(s->resource);
  sfn_path_free(s->timeout_path);
  sfn_path_free(s->heartbeat_path);
  sfn_decref(s->resource_type);
  sfn_decref(s->resource_name);
  if (s->choice) sfn_choice_free(s->choice);
  sfn_free(s->choice_next);
  sfn_decref(s->wait_timestamp);
  sfn_path_free(s->wait_path);
  free_dyn(&s->fail_error);
  free_dyn(&s->fail_cause);
}

void sfn_machine_free(sfn_machine *m) {
  size_t i;
  if (!m) return;
  for (i = 0; i < m->n; i++) free_state(&m->states[i]);
  sfn_free(m->states);
  sfn_decref(m->def);
  sfn_free(m);
}

long sfn_machine_find(const sfn_machine *m, const char *name, size_t len) {
  size_t i;
  for (i = 0; i < m->n; i++)
    if (sfn_strlen(m->states[i].name) == len && memcmp(sfn_str(m->states[i].name), name, len) == 0)
      return (long)i;
  return -1;
}

/* Compile the States/StartAt of one (sub-)machine. */
static sfn_machine *compile_machine(compiler *c, sfn_value *def) {
  sfn_machine *m = sfn_malloc(sizeof *m);
  sfn_value *states, *start, *names = NULL, *saved_names = c->names, *to;
  size_t i, n;
  if (!m) {
    sfn_error_oom(c->err);
    return NULL;
  }
  memset(m, 0, sizeof *m);
  m->def = sfn_incref(def);
  states = field(def, "States");
  start = field(def, "StartAt");
  if (!states || sfn_type_of(states) != SFN_OBJECT || !start || sfn_type_of(start) != SFN_STRING) {
    c->where = NULL;
    invalid(c, "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [%s] at /'%s",
            "States, StartAt");
    goto fail;
  }
  to = field(def, "TimeoutSeconds");
  if (to) get_int(to, &m->timeout_seconds);
  n = sfn_object_len(states);
  m->states = sfn_malloc((n ? n : 1) * sizeof(sfn_state));
  names = sfn_object_new(n);
  if (!m->states || !names) {
    sfn_error_oom(c->err);
    goto fail;
  }
  memset(m->states, 0, (n ? n : 1) * sizeof(sfn_state));
  m->n = n;
  for (i = 0; i < n; i++) {
    m->states[i].name = sfn_object_key(states, i);
    if (sfn_object_setk(names, sfn_object_key(states, i), sfn_int((int64_t)i)) != SFN_OK) {
      sfn_error_oom(c->err);
      goto fail;
    }
  }
  c->names = names;
  {
    sfn_value *idx = sfn_object_get(names, sfn_str(start), sfn_strlen(start));
    if (!idx) {
      c->where = NULL;
      sfn_error_set(c->err, "InvalidDefinition",
                    "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'StartAt' target: %s at /StartAt'",
                    sfn_str(start));
      goto fail;
    }
    m->start = (long)idx->u.i;
  }
  for (i = 0; i < n; i++) {
    sfn_value *st = sfn_object_val(states, i);
    c->where = sfn_str(m->states[i].name);
    if (sfn_type_of(st) != SFN_OBJECT) {
      invalid(c, "Invalid State Machine Definition: %s of state '%s' must be an object", "the value");
      goto fail;
    }
    if (compile_state(c, m, st, &m->states[i]) != SFN_OK) goto fail;
  }
  sfn_decref(names);
  c->names = saved_names;
  return m;
fail:
  sfn_decref(names);
  c->names = saved_names;
  sfn_machine_free(m);
  return NULL;
}

sfn_machine *sfn_machine_compile(sfn_value *def, const sfn_validate_opts *opts,
                                 sfn_diagnostics *diags, sfn_error *err) {
  sfn_diagnostics local = {NULL, 0, 0};
  sfn_diagnostics *d = diags ? diags : &local;
  compiler c = {err, NULL, NULL, 0};
  sfn_validate_opts defaults;
  sfn_value *ql;
  if (!opts) {
    memset(&defaults, 0, sizeof defaults);
    opts = &defaults;
  }
  if (sfn_type_of(def) != SFN_OBJECT) {
    sfn_error_set(err, "InvalidDefinition",
                  "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Definition must be a valid JSON object'");
    return NULL;
  }
  if (sfn_validate(def, opts, d, err) != SFN_OK) {
    if (d->n) {
      char *msg = sfn_validate_message(d);
      sfn_error_set(err, "InvalidDefinition", "%s", msg ? msg : "Invalid State Machine Definition");
      sfn_free(msg);
    } else if (!err || !err->code[0]) {
      sfn_error_set(err, "InvalidDefinition", "Invalid State Machine Definition");
    }
    sfn_diagnostics_free(&local);
    return NULL;
  }
  sfn_diagnostics_free(&local);
  ql = field(def, "QueryLanguage");
  c.jsonata = ql && sfn_type_of(ql) == SFN_STRING && strcmp(sfn_str(ql), "JSONata") == 0;
  return compile_machine(&c, def);
}
