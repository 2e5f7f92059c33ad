/*
 * sfn_exec_jsonata.c: states whose QueryLanguage is JSONata.  Their data
 * flow, as AWS describes it: no InputPath/Parameters/ResultSelector/
 * ResultPath/OutputPath; Arguments (Task, Parallel) or Items/ItemSelector
 * (Map) make the work's input; Output (default: the result, or the input
 * for states without one) is the state's output; Assign sets variables
 * (evaluated with Output, before either takes effect).  Expressions see
 * `$states` ({input, context, result | errorOutput}) and the workflow
 * variables.  An expression that fails fails the state with
 * States.QueryEvaluationError after an EvaluationFailed event.
 */
#include "sfn_exec_int.h"

#include <stdio.h>
#include <string.h>

#include "sfn_json.h"
#include "sfn_time.h"

typedef struct jstates {
  sfn_exec *e;
  sfn_value *states;
} jstates;

static sfn_value *lookup(void *ud, const char *name, size_t len) {
  jstates *j = ud;
  if (len == 6 && memcmp(name, "states", 6) == 0) return j->states;
  return sfn_eval_var(&j->e->env, name, len);
}

static uint64_t jrandom(void *ud) { return sfn_eval_random(&((sfn_exec *)ud)->env); }

/* $states: input, context, and result or errorOutput (key/extra may be NULL). */
static sfn_value *states_of(sfn_exec *e, frame *f, sfn_value *input, const char *key, sfn_value *extra,
                            sfn_value *context) {
  sfn_value *o = sfn_object_new(3);
  if (!o || sfn_object_sets(o, "input", sfn_incref(input ? input : sfn_null())) != SFN_OK ||
      sfn_object_sets(o, "context", context ? sfn_incref(context) : sfn_object_new(0)) != SFN_OK ||
      (key && sfn_object_sets(o, key, sfn_incref(extra)) != SFN_OK)) {
    sfn_decref(o);
    e->oom = 1;
    return NULL;
  }
  (void)f;
  return o;
}

static const char *type_name(const sfn_value *v) {
  switch (sfn_type_of(v)) {
    case SFN_NULL: return "null";
    case SFN_BOOL: return "boolean";
    case SFN_INT:
    case SFN_DOUBLE: return "number";
    case SFN_STRING: return "string";
    case SFN_ARRAY: return "array";
    default: return "object";
  }
}

/* Fail the state with States.QueryEvaluationError (msg: AWS's text after
 * the state prefix), after EvaluationFailed.  `final`: fail the frame even
 * if a Catch would take it (an error inside a Catch's own Output/Assign). */
static void jfail(sfn_exec *e, frame *f, const char *msg, const char *location, int final) {
  const sfn_state *s = &f->m->states[f->state];
  sfn_buf b;
  char *text;
  sfn_value *error = sfn_cstring("States.QueryEvaluationError"), *cause, *loc;
  uint32_t prev = f->last_event;
  sfn_buf_init(&b);
  sfn_buf_printf(&b, "An error occurred while executing the state '%s' (entered at the event id #%u). %s",
                 sfn_str(s->name), (unsigned)f->entered_event, msg ? msg : "");
  text = sfn_buf_take(&b, NULL);
  cause = text ? sfn_cstring(text) : NULL;
  sfn_free(text);
  loc = location ? sfn_cstring(location) : NULL;
  if (!error || !cause) e->oom = 1;
  /* AWS links the event to the state's previous event, except in a Wait state */
  if (prev == f->entered_event && s->type != SFN_STATE_WAIT) prev = f->entered_prev;
  f->last_event = sfn_exec_record(e, EV_EVALUATION_FAILED, prev, s, loc, error, cause);
  sfn_decref(loc);
  sfn_exec_abort_fanout(e, f); /* an ItemSelector failed while iterations run */
  if (s->type == SFN_STATE_MAP || s->type == SFN_STATE_PARALLEL)
    f->last_event = sfn_exec_record(e, s->type == SFN_STATE_MAP ? EV_MAP_FAILED : EV_PARALLEL_FAILED, f->last_event, s,
                                    NULL, NULL, NULL);
  f->phase = PH_ENTER;
  if (final)
    sfn_exec_fail_frame(e, f, error, cause);
  else
    sfn_exec_raise(e, f, error, cause);
}

/* Evaluate t with $states; NULL with *failed after failing the state. */
static sfn_value *jeval(sfn_exec *e, frame *f, const sfn_jtemplate *t, sfn_value *states, int final, int *failed) {
  jstates js;
  sfn_jsonata_env env;
  sfn_value *out = NULL, *input = states ? sfn_object_gets(states, "input") : NULL;
  sfn_error err = {{0}, NULL, 0, 0};
  const char *loc = NULL;
  js.e = e;
  js.states = states;
  memset(&env, 0, sizeof env);
  env.input = input;
  env.lookup = lookup;
  env.lookup_ud = &js;
  env.random = jrandom;
  env.random_ud = e;
  env.now_ms = e->now;
  if (!e->jcache && e->status == SFN_EXEC_RUNNING) e->jcache = sfn_jsonata_cache_new(); /* NULL: no sharing */
  env.cache = e->jcache;
  e->env.vars = f->vars;
  *failed = 0;
  if (sfn_jtemplate_eval(t, &env, &out, &loc, &err) == SFN_OK) return out;
  *failed = 1;
  if (!strcmp(err.code, "OutOfMemory")) e->oom = 1;
  jfail(e, f, err.message, loc, final);
  sfn_error_clear(&err);
  return NULL;
}

/* Output (default dflt) and Assign, then leave for `next`. */
static void finish(sfn_exec *e, frame *f, sfn_value *states, sfn_value *dflt, long next,
                   const sfn_jtemplate *output, const sfn_jtemplate *assign, const sfn_jtemplate *rule_assign,
                   int final) {
  sfn_value *assigned = NULL, *rule = NULL, *out;
  int failed = 0;
  if (assign && !(assigned = jeval(e, f, assign, states, final, &failed))) return;
  if (rule_assign && !(rule = jeval(e, f, rule_assign, states, final, &failed))) {
    sfn_decref(assigned);
    return;
  }
  if ((assigned && sfn_type_of(assigned) != SFN_OBJECT) || (rule && sfn_type_of(rule) != SFN_OBJECT)) {
    sfn_decref(assigned);
    sfn_decref(rule);
    jfail(e, f, "The value of the field 'Assign' must be an object.", "Assign", final);
    return;
  }
  assigned = sfn_exec_merge_assigned(e, assigned, rule);
  out = output ? jeval(e, f, output, states, final, &failed) : sfn_incref(dflt);
  if (!out) {
    sfn_decref(assigned);
    return;
  }
  sfn_exec_exit_state(e, f, out, next, assigned);
}

/* A non-negative integer from an expression's value, or -1. */
static int64_t as_count(const sfn_value *v) {
  if (sfn_type_of(v) == SFN_INT && v->u.i >= 0) return v->u.i;
  if (sfn_type_of(v) == SFN_DOUBLE && v->u.d >= 0 && v->u.d == (double)(int64_t)v->u.d) return (int64_t)v->u.d;
  return -1;
}

static void unexpected(sfn_exec *e, frame *f, const sfn_jtemplate *t, const char *expected, const sfn_value *v) {
  char *txt = sfn_json_encode(v, NULL, NULL);
  sfn_buf b;
  char *msg;
  sfn_buf_init(&b);
  sfn_buf_printf(&b,
                 "The JSONata expression '%s' specified for the field '%s' returned an unexpected result type. "
                 "Expected '%s', but was '%s' for value: %s",
                 sfn_jtemplate_text(t) ? sfn_jtemplate_text(t) : "", sfn_jtemplate_location(t) ? sfn_jtemplate_location(t) : "",
                 expected, type_name(v), txt ? txt : "");
  sfn_free(txt);
  msg = sfn_buf_take(&b, NULL);
  jfail(e, f, msg, sfn_jtemplate_location(t), 0);
  sfn_free(msg);
}

/* A Task's TimeoutSeconds/HeartbeatSeconds: the literal or the expression's value; -1 after failing. */
static int64_t seconds_of(sfn_exec *e, frame *f, const sfn_jtemplate *t, int64_t lit, sfn_value *states) {
  int failed = 0;
  sfn_value *v;
  int64_t n;
  if (!t) return lit;
  v = jeval(e, f, t, states, 0, &failed);
  if (!v) return -1;
  n = as_count(v);
  if (n <= 0) {
    unexpected(e, f, t, "integer", v);
    sfn_decref(v);
    return -1;
  }
  sfn_decref(v);
  return n;
}

static sfn_value *as_string(sfn_value *v) {
  char *txt;
  sfn_value *s;
  if (!v || sfn_type_of(v) == SFN_STRING) return v;
  txt = sfn_json_encode(v, NULL, NULL);
  sfn_decref(v);
  s = txt ? sfn_cstring(txt) : NULL;
  sfn_free(txt);
  return s;
}

void sfn_exec_jsonata_run(sfn_exec *e, frame *f) {
  const sfn_state *s = &f->m->states[f->state];
  sfn_value *input = f->input, *states = states_of(e, f, input, NULL, NULL, f->context), *v;
  int failed = 0;
  if (!states) return;
  switch (s->type) {
    case SFN_STATE_FAIL: {
      sfn_value *error = NULL, *cause = NULL;
      if (s->j_error && !(error = jeval(e, f, s->j_error, states, 0, &failed))) break;
      if (s->j_cause && !(cause = jeval(e, f, s->j_cause, states, 0, &failed))) {
        sfn_decref(error);
        break;
      }
      sfn_exec_fail_frame(e, f, as_string(error), as_string(cause));
      break;
    }
    case SFN_STATE_PASS:
    case SFN_STATE_SUCCEED:
      finish(e, f, states, input, s->type == SFN_STATE_SUCCEED ? -1 : s->next, s->j_output, s->j_assign, NULL, 0);
      break;
    case SFN_STATE_CHOICE: {
      size_t i;
      long matched = -1, next;
      for (i = 0; i < s->j_nrules && matched < 0; i++) {
        if (!s->j_conditions[i]) continue;
        v = jeval(e, f, s->j_conditions[i], states, 0, &failed);
        if (!v) goto done;
        if (sfn_type_of(v) != SFN_BOOL) {
          unexpected(e, f, s->j_conditions[i], "boolean", v);
          sfn_decref(v);
          goto done;
        }
        if (v->u.b) matched = (long)i;
        sfn_decref(v);
      }
      next = matched >= 0 ? s->choice_next[matched] : s->default_next;
      if (next < 0) {
        sfn_exec_raise(e, f, sfn_cstring("States.NoChoiceMatched"), sfn_cstring("No Matches!"));
        break;
      }
      finish(e, f, states, input, next,
             matched >= 0 && s->j_rule_output[matched] ? s->j_rule_output[matched] : s->j_output, s->j_assign,
             matched >= 0 ? s->j_rule_assign[matched] : NULL, 0);
      break;
    }
    case SFN_STATE_WAIT: {
      int64_t until;
      if (s->j_wait) {
        v = jeval(e, f, s->j_wait, states, 0, &failed);
        if (!v) break;
        if (s->wait_kind == SFN_WAIT_SECONDS) {
          int64_t n = as_count(v);
          if (n < 0) {
            unexpected(e, f, s->j_wait, "integer", v);
            sfn_decref(v);
            break;
          }
          until = e->now + n * 1000;
        } else if (sfn_type_of(v) != SFN_STRING || sfn_time_parse(sfn_str(v), sfn_strlen(v), &until) != SFN_OK) {
          sfn_value *t = as_string(sfn_incref(v));
          sfn_buf b;
          char *msg;
          sfn_buf_init(&b);
          sfn_buf_printf(&b, "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: %s",
                         t ? sfn_str(t) : "");
          sfn_decref(t);
          msg = sfn_buf_take(&b, NULL);
          jfail(e, f, msg, "Timestamp", 0);
          sfn_free(msg);
          sfn_decref(v);
          break;
        }
        sfn_decref(v);
      } else if (s->wait_kind == SFN_WAIT_SECONDS) {
        until = e->now + (s->wait_seconds > 0 ? s->wait_seconds : 0) * 1000;
      } else if (s->wait_timestamp_ms == INT64_MIN) {
        jfail(e, f, "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string",
              "Timestamp", 0);
        break;
      } else {
        until = s->wait_timestamp_ms;
      }
      f->eff = sfn_incref(input);
      f->wake = until;
      f->phase = PH_TIMER;
      break;
    }
    case SFN_STATE_TASK: {
      int64_t to = seconds_of(e, f, s->j_timeout, s->timeout_s, states), hb = 0;
      sfn_value *args;
      if (to < 0) break;
      hb = seconds_of(e, f, s->j_heartbeat, s->heartbeat_s, states);
      if (hb < 0) break;
      args = s->j_args ? jeval(e, f, s->j_args, states, 0, &failed) : sfn_incref(input);
      if (!args) break;
      sfn_exec_schedule_task(e, f, s, args, to, hb);
      break;
    }
    case SFN_STATE_PARALLEL: {
      sfn_value *args = s->j_args ? jeval(e, f, s->j_args, states, 0, &failed) : sfn_incref(input);
      if (!args) break;
      sfn_exec_start_fanout(e, f, s, args, NULL, 0);
      break;
    }
    case SFN_STATE_MAP: {
      sfn_value *items;
      int64_t maxc = s->max_concurrency;
      if (s->j_max_concurrency) {
        v = jeval(e, f, s->j_max_concurrency, states, 0, &failed);
        if (!v) break;
        maxc = as_count(v);
        if (maxc < 0) {
          unexpected(e, f, s->j_max_concurrency, "integer", v);
          sfn_decref(v);
          break;
        }
        sfn_decref(v);
      }
      items = s->j_items ? jeval(e, f, s->j_items, states, 0, &failed) : sfn_incref(input);
      if (!items) break;
      if (sfn_type_of(items) != SFN_ARRAY) {
        if (s->j_items) {
          unexpected(e, f, s->j_items, "array", items);
        } else {
          char *txt = sfn_json_encode(items, NULL, NULL);
          sfn_buf b;
          char *msg;
          sfn_buf_init(&b);
          sfn_buf_printf(&b, "Map state input must be an array but was: %s", txt ? txt : "");
          sfn_free(txt);
          msg = sfn_buf_take(&b, NULL);
          jfail(e, f, msg, NULL, 0); /* AWS gives no location here */
          sfn_free(msg);
        }
        sfn_decref(items);
        break;
      }
      sfn_exec_start_fanout(e, f, s, sfn_incref(input), items, maxc);
      break;
    }
    default: break;
  }
done:
  sfn_decref(states);
}

void sfn_exec_jsonata_complete(sfn_exec *e, frame *f, sfn_value *result) {
  const sfn_state *s = &f->m->states[f->state];
  sfn_value *states = states_of(e, f, f->input, "result", result, f->context);
  if (!states) return;
  finish(e, f, states, result, s->next, s->j_output, s->j_assign, NULL, 0);
  sfn_decref(states);
}

void sfn_exec_jsonata_wake(sfn_exec *e, frame *f) {
  const sfn_state *s = &f->m->states[f->state];
  sfn_value *states = states_of(e, f, f->input, NULL, NULL, f->context);
  if (!states) return;
  finish(e, f, states, f->input, s->next, s->j_output, s->j_assign, NULL, 0);
  sfn_decref(states);
}

void sfn_exec_jsonata_catch(sfn_exec *e, frame *f, const sfn_catcher *c, sfn_value *error, sfn_value *cause) {
  sfn_value *eo = sfn_object_new(2), *states;
  if (!eo || sfn_object_sets(eo, "Error", error ? sfn_incref(error) : sfn_cstring("")) != SFN_OK ||
      sfn_object_sets(eo, "Cause", cause ? sfn_incref(cause) : sfn_cstring("")) != SFN_OK) {
    sfn_decref(eo);
    e->oom = 1;
    return;
  }
  states = states_of(e, f, f->input, "errorOutput", eo, f->context);
  if (states) finish(e, f, states, eo, c->next, c->j_output, c->j_assign, NULL, 1);
  sfn_decref(states);
  sfn_decref(eo);
}

sfn_value *sfn_exec_jsonata_item(sfn_exec *e, frame *f, size_t i) {
  const sfn_state *s = &f->m->states[f->state];
  fanout *fan = f->fan;
  sfn_value *ctx, *states, *out;
  int failed = 0;
  if (!(ctx = sfn_exec_item_context(e, f, i))) return NULL;
  states = states_of(e, f, fan->input, NULL, NULL, ctx);
  sfn_decref(ctx);
  if (!states) return NULL;
  out = jeval(e, f, s->j_item_selector, states, 0, &failed);
  sfn_decref(states);
  return out;
}
