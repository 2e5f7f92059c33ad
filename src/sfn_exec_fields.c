/*
 * sfn_exec_fields.c: what a state works out before it runs: its context
 * object ($$), the Fail state's Error/Cause (literal, path or intrinsic), the
 * Wait state's wake-up time, and a Task's TimeoutSeconds/HeartbeatSeconds
 * (literal or *Path).  Evaluation failures fail the state with AWS's causes.
 */
#include "sfn_exec_int.h"

#include <string.h>

#include "sfn_json.h"
#include "sfn_time.h"

/* ---- context object ---- */

/* The context object of f's current state: the engine's nodes, or the
 * host's where it gave them (sfn_exec_config.context). */
sfn_value *sfn_exec_build_context(sfn_exec *e, frame *f) {
  const sfn_state *s = &f->m->states[f->state];
  sfn_value *ctx = sfn_object_new(4), *st = NULL;
  if (!ctx) goto oom;
  if ((e->ctx_execution && sfn_object_sets(ctx, "Execution", sfn_incref(e->ctx_execution)) != SFN_OK) ||
      (e->ctx_state_machine && sfn_object_sets(ctx, "StateMachine", sfn_incref(e->ctx_state_machine)) != SFN_OK))
    goto oom;
  if (e->host_state) {
    if (e->ctx_state && sfn_object_sets(ctx, "State", sfn_incref(e->ctx_state)) != SFN_OK) goto oom;
  } else {
    st = sfn_object_new(3);
    if (!st || sfn_object_sets(st, "Name", sfn_incref(s->name)) != SFN_OK ||
        sfn_object_sets(st, "EnteredTime", sfn_exec_time_string(f->entered_ms)) != SFN_OK)
      goto oom;
    if (s->nretry && sfn_object_sets(st, "RetryCount", sfn_int(f->retry_count)) != SFN_OK) goto oom;
    if (sfn_object_sets(ctx, "State", st) != SFN_OK) {
      st = NULL;
      goto oom;
    }
    st = NULL;
  }
  if (e->host_task) {
    if (e->ctx_task && sfn_object_sets(ctx, "Task", sfn_incref(e->ctx_task)) != SFN_OK) goto oom;
  } else if (f->token) {
    sfn_value *task = sfn_object_new(1);
    if (!task || sfn_object_sets(task, "Token", sfn_incref(f->token)) != SFN_OK) {
      sfn_decref(task);
      goto oom;
    }
    if (sfn_object_sets(ctx, "Task", task) != SFN_OK) goto oom;
  }
  return ctx;
oom:
  sfn_decref(st);
  sfn_decref(ctx);
  e->oom = 1;
  return NULL;
}

sfn_value *sfn_exec_dyn_string(sfn_exec *e, frame *f, const sfn_dyn_string *d, const char *fieldname,
                                int *failed) {
  sfn_value *out = NULL;
  sfn_error err = {{0}, NULL, 0, 0};
  int rc;
  *failed = 0;
  if (d->literal) return sfn_incref(d->literal);
  if (!d->path && !d->call) return NULL;
  e->env.input = f->input;
  rc = d->call ? sfn_intrinsic_eval(d->call, &e->env, &out, &err)
               : sfn_path_eval(d->path, &e->env, &out, &err);
  if (rc == SFN_NOTFOUND) {
    char *in = sfn_json_encode(f->input, NULL, NULL);
    sfn_error_set(&err, "States.Runtime",
                  "The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'",
                  sfn_str(d->path_text), fieldname, in ? in : "");
    sfn_free(in);
    rc = SFN_ERR;
  }
  if (rc != SFN_OK) {
    sfn_exec_fail_state(e, f, &err);
    *failed = 1;
    return NULL;
  }
  if (sfn_type_of(out) != SFN_STRING) {
    char *txt = sfn_json_encode(out, NULL, NULL);
    sfn_decref(out);
    out = txt ? sfn_cstring(txt) : NULL;
    sfn_free(txt);
  }
  return out;
}

/* Compute the wake-up time of a Wait state; -1 after failing the state. */
int64_t sfn_exec_wait_until(sfn_exec *e, frame *f, const sfn_state *s, sfn_value *eff) {
  sfn_value *v = NULL;
  sfn_error err = {{0}, NULL, 0, 0};
  int rc;
  char *txt;
  int64_t ms;
  switch (s->wait_kind) {
    case SFN_WAIT_SECONDS: return e->now + (s->wait_seconds > 0 ? s->wait_seconds : 0) * 1000;
    case SFN_WAIT_TIMESTAMP:
      if (s->wait_timestamp_ms == INT64_MIN) {
        sfn_error_set(&err, "States.Runtime",
                      "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: %s",
                      sfn_str(s->wait_timestamp));
        sfn_exec_fail_state(e, f, &err);
        return -1;
      }
      return s->wait_timestamp_ms;
    default: break;
  }
  e->env.input = eff;
  rc = sfn_path_eval(s->wait_path, &e->env, &v, &err);
  if (rc == SFN_ERR) {
    sfn_exec_fail_state(e, f, &err);
    return -1;
  }
  if (s->wait_kind == SFN_WAIT_SECONDS_PATH) {
    if (rc == SFN_NOTFOUND) {
      sfn_error_set(&err, "States.Runtime",
                    "The SecondsPath parameter does not reference an input value: %s",
                    sfn_path_text(s->wait_path));
      sfn_exec_fail_state(e, f, &err);
      return -1;
    }
    if (sfn_type_of(v) == SFN_INT && v->u.i >= 0) {
      ms = e->now + v->u.i * 1000;
      sfn_decref(v);
      return ms;
    }
    txt = sfn_json_encode(v, NULL, NULL);
    sfn_error_set(&err, "States.Runtime",
                  "The SecondsPath parameter cannot be parsed as a long value: %s == %s",
                  sfn_path_text(s->wait_path), txt ? txt : "");
    sfn_free(txt);
    sfn_decref(v);
    sfn_exec_fail_state(e, f, &err);
    return -1;
  }
  if (rc == SFN_NOTFOUND) {
    sfn_error_set(&err, "States.Runtime",
                  "The TimestampPath parameter does not reference an input value: %s",
                  sfn_path_text(s->wait_path));
    sfn_exec_fail_state(e, f, &err);
    return -1;
  }
  if (sfn_type_of(v) == SFN_STRING && sfn_time_parse(sfn_str(v), sfn_strlen(v), &ms) == SFN_OK) {
    sfn_decref(v);
    return ms;
  }
  if (sfn_type_of(v) == SFN_STRING)
    sfn_error_set(&err, "States.Runtime",
                  "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s == %s",
                  sfn_path_text(s->wait_path), sfn_str(v));
  else {
    txt = sfn_json_encode(v, NULL, NULL);
    sfn_error_set(&err, "States.Runtime",
                  "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s == %s",
                  sfn_path_text(s->wait_path), txt ? txt : "");
    sfn_free(txt);
  }
  sfn_decref(v);
  sfn_exec_fail_state(e, f, &err);
  return -1;
}

/* TimeoutSeconds/HeartbeatSeconds of a Task: the literal, or the path's value
 * read from the effective input.  0 = none; -1 after failing the state. */
int64_t sfn_exec_task_seconds(sfn_exec *e, frame *f, int64_t lit, const sfn_path *p, sfn_value *eff,
                              const char *fieldname) {
  sfn_value *v = NULL;
  sfn_error err = {{0}, NULL, 0, 0};
  int rc;
  if (!p) return lit;
  e->env.input = eff;
  rc = sfn_path_eval(p, &e->env, &v, &err);
  if (rc == SFN_NOTFOUND) {
    sfn_buf b;
    char *why;
    sfn_buf_init(&b);
    sfn_path_explain_miss(p, eff, &b);
    why = sfn_buf_take(&b, NULL);
    sfn_error_set(&err, "States.Runtime", "Invalid path '%s' : %s", sfn_path_text(p), why ? why : "");
    sfn_free(why);
    rc = SFN_ERR;
  } else if (rc == SFN_OK && !(sfn_type_of(v) == SFN_INT && v->u.i > 0)) {
    char *txt = sfn_json_encode(v, NULL, NULL);
    sfn_error_set(&err, "States.Runtime", "The %s parameter cannot be parsed as a positive long value: %s == %s",
                  fieldname, sfn_path_text(p), txt ? txt : "");
    sfn_free(txt);
    rc = SFN_ERR;
  }
  if (rc != SFN_OK) {
    sfn_decref(v);
    sfn_exec_fail_state(e, f, &err);
    return -1;
  }
  lit = v->u.i;
  sfn_decref(v);
  return lit;
}
