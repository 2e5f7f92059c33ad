/*
 * sfn_exec.c: runs a compiled machine (see sfn_exec.h; the structures are in
 * sfn_exec_int.h, the API shapes of the history in sfn_history.c).
 *
 * The data flow of a state, in AWS's order:
 *   raw input -> InputPath -> Parameters (effective input)
 *   -> the state's work (Pass Result, Task result, branches, iterations ...)
 *   -> ResultSelector -> ResultPath (merged into the raw input) -> OutputPath.
 * Absent fields mean `$` (ResultPath absent: the result replaces the input);
 * null InputPath/OutputPath mean `{}`; null ResultPath discards the result.
 *
 * Failures inside a state carry AWS's error name and cause; causes of
 * evaluation errors get AWS's prefix "An error occurred while executing the
 * state 'S' (entered at the event id #N). ".  An error is retried or caught
 * by the state (Retry/Catch), else it ends the frame: the execution for the
 * root, the Parallel/Map state for a branch or iteration.
 *
 * previousEventId follows AWS: each event points at the last event of its
 * branch; the first state's entry points at 0 (not at ExecutionStarted); an
 * iteration's first event points at its MapIterationStarted, a branch's at
 * ParallelStateStarted.
 */
#include "sfn_exec_int.h"
#include "sfn_jsonata.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sfn_json.h"
#include "sfn_time.h"

#define PAYLOAD_LIMIT (256 * 1024)
#define STANDARD_HISTORY_LIMIT 25000

const char *const sfn_exec_state_type_names[] = {"Pass", "Task", "Choice", "Wait",
                                                 "Succeed", "Fail", "Parallel", "Map"};

/* ---- history records ---- */

/* Record an event; returns its id (ids are counted even when not recording). */
uint32_t sfn_exec_record(sfn_exec *e, ev_type t, uint32_t prev, const sfn_state *st,
                       sfn_value *payload, sfn_value *error, sfn_value *cause) {
  uint32_t id = ++e->next_id;
  event *v;
  if (!e->record) return id;
  if (e->nev == e->cap) {
    size_t cap = e->cap ? e->cap * 2 : 32;
    event *n = sfn_realloc(e->ev, cap * sizeof(event));
    if (!n) {
      e->oom = 1;
      return id;
    }
    e->ev = n;
    e->cap = cap;
  }
  v = &e->ev[e->nev++];
  v->ts = e->now;
  v->id = id;
  v->prev = prev;
  v->type = (uint16_t)t;
  v->state = st;
  v->payload = sfn_incref(payload);
  v->error = sfn_incref(error);
  v->cause = sfn_incref(cause);
  v->timeout_s = v->heartbeat_s = 0;
  v->n = 0;
  v->assigned = NULL;
  return id;
}

/* The last recorded event (for details known only to the caller), or NULL. */
event *sfn_exec_last_event(sfn_exec *e, uint32_t id) {
  return e->record && e->nev && e->ev[e->nev - 1].id == id ? &e->ev[e->nev - 1] : NULL;
}

static sfn_value *fmt_string(const char *fmt, ...) SFN_PRINTF(1, 2);
static sfn_value *fmt_string(const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return NULL;
  if ((size_t)n < sizeof buf) return sfn_string(buf, (size_t)n);
  {
    sfn_value *s = sfn_string_alloc((size_t)n);
    if (!s) return NULL;
    va_start(ap, fmt);
    vsnprintf(sfn_str(s), (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
  }
}

sfn_value *sfn_exec_time_string(int64_t ms) {
  char buf[40];
  size_t n = sfn_time_format(ms, buf);
  return sfn_string(buf, n);
}

/* ---- frames ---- */

frame *sfn_exec_frame_new(sfn_exec *e, const sfn_machine *m, sfn_value *input, frame *parent,
                        size_t index) {
  frame *f = sfn_malloc(sizeof *f);
  if (!f) {
    e->oom = 1;
    return NULL;
  }
  memset(f, 0, sizeof *f);
  f->m = m;
  f->state = m->start;
  f->input = sfn_incref(input);
  f->phase = PH_ENTER;
  f->task_deadline = f->hb_deadline = -1;
  f->parent = parent;
  f->index = index;
  if (parent) f->vars = sfn_incref(parent->vars); /* inner scopes see the outer variables */
  if (parent && parent->fan) {
    f->sib_next = parent->fan->children;
    if (f->sib_next) f->sib_next->sib_prev = f;
    parent->fan->children = f;
  }
  e->live_frames++;
  return f;
}

void sfn_exec_clear_task(frame *f) {
  sfn_decref(f->eff);
  f->eff = NULL;
  sfn_decref(f->token);
  f->token = NULL;
}

void sfn_exec_clear_wait(frame *f) {
  sfn_exec_clear_task(f);
  sfn_decref(f->context);
  f->context = NULL;
}


void sfn_exec_fan_free(sfn_exec *e, fanout *fan) {
  if (!fan) return;
  while (fan->children) sfn_exec_frame_free(e, fan->children);
  sfn_decref(fan->items);
  sfn_decref(fan->input);
  sfn_decref(fan->results);
  sfn_decref(fan->error);
  sfn_decref(fan->cause);
  sfn_free(fan);
}

/* Free f (and its children), unlinking it from its parent. */
void sfn_exec_frame_free(sfn_exec *e, frame *f) {
  if (!f) return;
  sfn_sched_unschedule(e, f);
  sfn_exec_fan_free(e, f->fan);
  f->fan = NULL;
  if (f->parent && f->parent->fan) {
    if (f->sib_prev)
      f->sib_prev->sib_next = f->sib_next;
    else
      f->parent->fan->children = f->sib_next;
    if (f->sib_next) f->sib_next->sib_prev = f->sib_prev;
  }
  sfn_exec_clear_wait(f);
  sfn_decref(f->input);
  sfn_decref(f->vars);
  sfn_free(f->retry_attempts);
  sfn_free(f);
  e->live_frames--;
}

/* ---- ending ---- */

static void finish(sfn_exec *e, sfn_exec_status st) {
  e->status = st;
  sfn_jsonata_cache_free(e->jcache); /* a closed execution evaluates nothing more */
  e->jcache = NULL;
  e->stop_ms = e->now;
  if (e->root) e->root->phase = PH_DONE;
}


/* The frame failed (its state's error was neither retried nor caught):
 * the execution for the root, the Parallel/Map for a child.  Steals. */
void sfn_exec_fail_frame(sfn_exec *e, frame *f, sfn_value *error, sfn_value *cause) {
  f->phase = PH_DONE;
  sfn_exec_clear_wait(f);
  if (f->parent) {
    sfn_exec_child_ended(e, f, NULL, error, cause);
    return;
  }
  sfn_decref(e->error);
  sfn_decref(e->cause);
  e->error = error;
  e->cause = cause;
  sfn_exec_record(e, EV_EXECUTION_FAILED, f->last_event, NULL, NULL, error, cause);
  finish(e, SFN_EXEC_FAILED);
}

/* The frame reached an End (or Succeed) with `out` (stolen). */
static void succeed_frame(sfn_exec *e, frame *f, sfn_value *out) {
  f->phase = PH_DONE;
  sfn_exec_clear_wait(f);
  if (f->parent) {
    sfn_exec_child_ended(e, f, out, NULL, NULL);
    return;
  }
  sfn_decref(e->output);
  e->output = out;
  sfn_exec_record(e, EV_EXECUTION_SUCCEEDED, f->last_event, NULL, out, NULL, NULL);
  finish(e, SFN_EXEC_SUCCEEDED);
}

/* Fail the state with an error from an evaluation (err) or given texts.
 * `prefixed`: add AWS's "An error occurred while executing the state" prefix. */

static void fail_state_err(sfn_exec *e, frame *f, const char *code, const char *msg, int prefixed) {
  sfn_value *error = sfn_cstring(code), *cause;
  const sfn_state *s = &f->m->states[f->state];
  if (prefixed)
    cause = fmt_string("An error occurred while executing the state '%s' (entered at the event id #%u). %s",
                       sfn_str(s->name), (unsigned)f->entered_event, msg ? msg : "");
  else
    cause = msg ? sfn_cstring(msg) : NULL;
  if (!error || (msg && !cause)) e->oom = 1;
  sfn_exec_raise(e, f, error, cause);
}

void sfn_exec_fail_state(sfn_exec *e, frame *f, sfn_error *err) {
  const char *code = err->code[0] ? err->code : "States.Runtime";
  if (strcmp(code, "OutOfMemory") == 0) e->oom = 1;
  fail_state_err(e, f, code, err->message, strcmp(code, "States.DataLimitExceeded") != 0);
  sfn_error_clear(err);
}

/* ---- data flow helpers ---- */

/* Apply InputPath/OutputPath (kind of field `opt`) to v; new reference or NULL (failed). */
static sfn_value *apply_path(sfn_exec *e, frame *f, const sfn_opt_path *opt, sfn_value *v) {
  sfn_value *out = NULL;
  sfn_error err = {{0}, NULL, 0, 0};
  int rc;
  if (opt->mode == SFN_FIELD_ABSENT) return sfn_incref(v);
  if (opt->mode == SFN_FIELD_NULL) {
    out = sfn_object_new(0);
    if (!out) e->oom = 1;
    return out;
  }
  if (sfn_path_is_root(opt->path)) return sfn_incref(v);
  e->env.input = v;
  rc = sfn_path_eval(opt->path, &e->env, &out, &err);
  if (rc == SFN_OK) return out;
  if (rc == SFN_NOTFOUND) {
    sfn_buf b;
    char *why;
    sfn_buf_init(&b);
    sfn_path_explain_miss(opt->path, v, &b);
    why = sfn_buf_take(&b, NULL);
    sfn_error_set(&err, "States.Runtime", "Invalid path '%s' : %s", sfn_path_text(opt->path),
                  why ? why : "");
    sfn_free(why);
  }
  sfn_exec_fail_state(e, f, &err);
  return NULL;
}

static sfn_value *apply_template(sfn_exec *e, frame *f, const sfn_template *t, sfn_value *v) {
  sfn_value *out = NULL;
  sfn_error err = {{0}, NULL, 0, 0};
  if (!t) return sfn_incref(v);
  e->env.input = v;
  if (sfn_template_eval(t, &e->env, &out, &err) == SFN_OK) return out;
  sfn_exec_fail_state(e, f, &err);
  return NULL;
}

/* ResultPath: merge result into the raw input. */
static sfn_value *apply_result_path(sfn_exec *e, frame *f, const sfn_state *s, sfn_value *raw,
                                    sfn_value *result) {
  sfn_value *out = NULL;
  sfn_error err = {{0}, NULL, 0, 0};
  if (s->result_path.mode == SFN_FIELD_ABSENT) return sfn_incref(result);
  if (s->result_path.mode == SFN_FIELD_NULL) return sfn_incref(raw);
  if (sfn_path_set(s->result_path.path, raw, result, &out, &err) == SFN_OK) return out;
  sfn_exec_fail_state(e, f, &err);
  return NULL;
}

/* Size of v as JSON text, stopping once past `limit`. */
static size_t json_size(const sfn_value *v, size_t limit) {
  size_t n = 0, i;
  switch (sfn_type_of(v)) {
    case SFN_NULL: return 4;
    case SFN_BOOL: return v->u.b ? 4 : 5;
    case SFN_INT: return 20;
    case SFN_DOUBLE: return 24;
    case SFN_STRING: return sfn_strlen(v) + 2;
    case SFN_ARRAY:
      n = 2;
      for (i = 0; i < sfn_array_len(v) && n <= limit; i++) n += json_size(sfn_array_at(v, i), limit) + 1;
      return n;
    case SFN_OBJECT:
      n = 2;
      for (i = 0; i < sfn_object_len(v) && n <= limit; i++)
        n += sfn_strlen(sfn_object_key(v, i)) + 4 + json_size(sfn_object_val(v, i), limit);
      return n;
  }
  return n;
}

/* Exact check, only done when the estimate says it may be over. */
int sfn_exec_over_limit(const sfn_exec *e, const sfn_value *v) {
  size_t len = 0, limit = e->payload_limit;
  char *text;
  if (!limit || json_size(v, limit) <= limit) return 0;
  text = sfn_json_encode(v, &len, NULL);
  sfn_free(text);
  return text && len > limit;
}

static int check_size(sfn_exec *e, frame *f, sfn_value *v) {
  const sfn_state *s = &f->m->states[f->state];
  char msg[512];
  if (!sfn_exec_over_limit(e, v)) return SFN_OK;
  snprintf(msg, sizeof msg,
           "The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.",
           s->task_kind == SFN_TASK_LAMBDA_FN && s->resource ? sfn_str(s->resource) : sfn_str(s->name));
  fail_state_err(e, f, "States.DataLimitExceeded", msg, 0);
  return SFN_ERR;
}

/* ---- transitions ---- */

static void set_input(frame *f, sfn_value *v) {
  sfn_decref(f->input);
  f->input = v;
}

/* Set the variables of `assigned` (an object, stolen; may be NULL) in f's scope. */
static void assign_vars(sfn_exec *e, frame *f, sfn_value *assigned) {
  sfn_value *vars;
  size_t i;
  if (!assigned) return;
  if (!sfn_object_len(assigned)) {
    sfn_decref(assigned);
    return;
  }
  if (!f->vars) {
    vars = sfn_value_copy(assigned, 0);
  } else {
    vars = sfn_value_copy(f->vars, sfn_object_len(assigned));
    for (i = 0; vars && i < sfn_object_len(assigned); i++)
      if (sfn_object_setk(vars, sfn_object_key(assigned, i), sfn_incref(sfn_object_val(assigned, i))) != SFN_OK) {
        sfn_decref(vars);
        vars = NULL;
      }
  }
  if (!vars) e->oom = 1;
  sfn_decref(f->vars);
  f->vars = vars;
  sfn_decref(assigned);
}

/* Leave the current state with `out` (stolen), setting the variables of
 * `assigned` (stolen, may be NULL). */
void sfn_exec_exit_state(sfn_exec *e, frame *f, sfn_value *out, long next, sfn_value *assigned) {
  const sfn_state *s = &f->m->states[f->state];
  event *ev;
  if (check_size(e, f, out) != SFN_OK) {
    sfn_decref(out);
    sfn_decref(assigned);
    return;
  }
  f->last_event = sfn_exec_record(e, EV_STATE_EXITED, f->last_event, s, out, NULL, NULL);
  if (assigned && sfn_object_len(assigned) && (ev = sfn_exec_last_event(e, f->last_event)) != NULL)
    ev->assigned = sfn_incref(assigned);
  assign_vars(e, f, assigned);
  sfn_exec_clear_wait(f);
  if (next >= 0 && s->type != SFN_STATE_SUCCEED) {
    set_input(f, out);
    f->state = next;
    f->phase = PH_ENTER;
    return;
  }
  succeed_frame(e, f, out);
}

/* Finish a state whose work produced `result` (borrowed): ResultSelector,
 * ResultPath, OutputPath, then exit. */
void sfn_exec_complete(sfn_exec *e, frame *f, sfn_value *result) {
  const sfn_state *s = &f->m->states[f->state];
  sfn_value *sel, *merged, *out, *assigned;
  int failed = 0;
  f->phase = PH_ENTER; /* until exit_state (or a failure) moves it on */
  sfn_exec_use_frame(e, f);
  if (s->jsonata) {
    sfn_exec_jsonata_complete(e, f, result);
    return;
  }
  sel = apply_template(e, f, s->result_selector, result);
  if (!sel) return;
  assigned = sfn_exec_eval_assign(e, f, s->assign, sel, &failed);
  if (failed) {
    sfn_decref(sel);
    return;
  }
  merged = apply_result_path(e, f, s, f->input, sel);
  sfn_decref(sel);
  if (!merged) {
    sfn_decref(assigned);
    return;
  }
  out = apply_path(e, f, &s->output_path, merged);
  sfn_decref(merged);
  if (!out) {
    sfn_decref(assigned);
    return;
  }
  sfn_exec_exit_state(e, f, out, s->next, assigned);
}

void sfn_exec_use_frame(sfn_exec *e, frame *f) {
  e->env.context = f->context;
  e->env.vars = f->vars;
}

sfn_value *sfn_exec_eval_assign(sfn_exec *e, frame *f, const sfn_template *tpl, sfn_value *doc, int *failed) {
  sfn_value *out = NULL;
  sfn_error err = {{0}, NULL, 0, 0};
  *failed = 0;
  if (!tpl) return NULL;
  e->env.input = doc;
  if (sfn_template_eval(tpl, &e->env, &out, &err) == SFN_OK) {
    if (sfn_type_of(out) == SFN_OBJECT) return out;
    sfn_decref(out);
    return NULL;
  }
  *failed = 1;
  sfn_exec_fail_state(e, f, &err);
  return NULL;
}

/* ---- Retry and Catch ---- */

static int error_matches(const sfn_value *errors, const char *name) {
  size_t i;
  if (!errors || sfn_type_of(errors) != SFN_ARRAY) return 0;
  for (i = 0; i < sfn_array_len(errors); i++) {
    const sfn_value *x = sfn_array_at(errors, i);
    const char *n;
    if (sfn_type_of(x) != SFN_STRING) continue;
    n = sfn_str(x);
    if (strcmp(n, "States.ALL") == 0 || strcmp(n, name) == 0) return 1;
    if (strcmp(n, "States.TaskFailed") == 0 && strcmp(name, "States.Timeout") != 0) return 1;
  }
  return 0;
}

/* Would raise_error retry this error in f's current state? */
int sfn_exec_will_retry(const frame *f, const sfn_value *error) {
  const sfn_state *s = &f->m->states[f->state];
  const char *name = error ? sfn_str(error) : "";
  size_t i;
  if (strcmp(name, "States.Runtime") == 0) return 0;
  for (i = 0; i < s->nretry; i++)
    if (error_matches(s->retry[i].errors, name)) return f->retry_attempts[i] < s->retry[i].max_attempts;
  return 0;
}

/* Delay before retry number `n` (1-based) of retrier r, in ms. */
static int64_t retry_delay(sfn_exec *e, const sfn_retrier *r, int64_t n) {
  double d = r->interval_s * pow(r->backoff, (double)(n - 1));
  if (r->max_delay_s > 0 && d > (double)r->max_delay_s) d = (double)r->max_delay_s;
  if (d > 31622400.0 * 10) d = 31622400.0 * 10;
  if (r->jitter_full) d = d * ((double)(sfn_eval_random(&e->env) >> 11) / 9007199254740992.0);
  return (int64_t)llround(d * 1000.0);
}

/*
 * An error in the current state: retry it, catch it, or fail the execution.
 * States.Runtime errors are never retried or caught (as on AWS).  Steals
 * error and cause.
 */
void sfn_exec_raise(sfn_exec *e, frame *f, sfn_value *error, sfn_value *cause) {
  const sfn_state *s = &f->m->states[f->state];
  const char *name = error ? sfn_str(error) : "";
  size_t i;
  if (e->status != SFN_EXEC_RUNNING || strcmp(name, "States.Runtime") == 0 || (!s->nretry && !s->ncatch)) {
    sfn_exec_fail_frame(e, f, error, cause);
    return;
  }
  for (i = 0; i < s->nretry; i++) {
    const sfn_retrier *r = &s->retry[i];
    if (!error_matches(r->errors, name)) continue;
    if (f->retry_attempts[i] < r->max_attempts) {
      f->retry_attempts[i]++;
      f->retry_count++;
      f->wake = e->now + retry_delay(e, r, f->retry_attempts[i]);
      f->phase = PH_RETRY;
      sfn_decref(error);
      sfn_decref(cause);
      return;
    }
    break; /* the matching retrier is exhausted: on to Catch */
  }
  for (i = 0; i < s->ncatch; i++) {
    const sfn_catcher *c = &s->catches[i];
    sfn_value *eo, *out = NULL, *assigned = NULL;
    sfn_error err = {{0}, NULL, 0, 0};
    if (!error_matches(c->errors, name)) continue;
    if (s->jsonata) {
      sfn_exec_jsonata_catch(e, f, c, error, cause);
      sfn_decref(error);
      sfn_decref(cause);
      return;
    }
    eo = sfn_object_new(2);
    if (!eo || sfn_object_sets(eo, "Error", error ? sfn_incref(error) : sfn_cstring("")) != SFN_OK ||
        sfn_object_sets(eo, "Cause", cause ? sfn_incref(cause) : sfn_cstring("")) != SFN_OK) {
      sfn_decref(eo);
      e->oom = 1;
      sfn_exec_fail_frame(e, f, error, cause);
      return;
    }
    if (c->assign) {
      int failed = 0;
      sfn_exec_use_frame(e, f);
      assigned = sfn_exec_eval_assign(e, f, c->assign, eo, &failed);
      if (failed) {
        sfn_decref(eo);
        sfn_decref(error);
        sfn_decref(cause);
        return;
      }
    }
    if (c->result_path.mode == SFN_FIELD_NULL) {
      out = sfn_incref(f->input);
    } else if (c->result_path.mode == SFN_FIELD_ABSENT) {
      out = sfn_incref(eo);
    } else if (sfn_path_set(c->result_path.path, f->input, eo, &out, &err) != SFN_OK) {
      sfn_decref(eo);
      sfn_decref(assigned);
      sfn_decref(error);
      sfn_decref(cause);
      sfn_exec_fail_frame(e, f, sfn_cstring(err.code[0] ? err.code : "States.ResultPathMatchFailure"),
                     err.message ? sfn_cstring(err.message) : NULL);
      sfn_error_clear(&err);
      return;
    }
    sfn_decref(eo);
    sfn_decref(error);
    sfn_decref(cause);
    sfn_exec_exit_state(e, f, out, c->next, assigned);
    return;
  }
  sfn_exec_fail_frame(e, f, error, cause);
}

/* a's members then b's (b wins); both stolen, either may be NULL. */
sfn_value *sfn_exec_merge_assigned(sfn_exec *e, sfn_value *a, sfn_value *b) {
  sfn_value *m;
  size_t i;
  if (!a) return b;
  if (!b) return a;
  m = sfn_value_copy(a, sfn_object_len(b));
  for (i = 0; m && i < sfn_object_len(b); i++)
    if (sfn_object_setk(m, sfn_object_key(b, i), sfn_incref(sfn_object_val(b, i))) != SFN_OK) {
      sfn_decref(m);
      m = NULL;
    }
  if (!m) e->oom = 1;
  sfn_decref(a);
  sfn_decref(b);
  return m;
}

/* Enter the current state and run it as far as it goes. */
static void run_state(sfn_exec *e, frame *f);

static void enter_state(sfn_exec *e, frame *f) {
  const sfn_state *s = &f->m->states[f->state];
  f->entered_ms = e->now;
  f->entered_prev = f->last_event;
  f->entered_event = sfn_exec_record(e, EV_STATE_ENTERED, f->last_event, s, f->input, NULL, NULL);
  f->last_event = f->entered_event;
  f->attempt = 0;
  f->retry_count = 0;
  if (s->nretry) {
    if (f->nretry_attempts < s->nretry) {
      int64_t *a = sfn_realloc(f->retry_attempts, s->nretry * sizeof(int64_t));
      if (!a) {
        e->oom = 1;
        return;
      }
      f->retry_attempts = a;
      f->nretry_attempts = s->nretry;
    }
    memset(f->retry_attempts, 0, s->nretry * sizeof(int64_t));
  }
  run_state(e, f);
}

/* Do the state's work (again, after a retry). */
static void run_state(sfn_exec *e, frame *f) {
  const sfn_state *s = &f->m->states[f->state];
  sfn_value *eff, *params, *out;
  /* $$.Task.Token exists for callback tasks only; other tasks get their
   * token (for the host's handler) when they are scheduled. */
  sfn_decref(f->token);
  f->token = NULL;
  if (s->type == SFN_STATE_TASK && s->wait_for_token) {
    /* The token must exist before Parameters read $$.Task.Token: reserve the task slot now. */
    sfn_sched_slot_release(e, f);
    f->task_id = sfn_sched_slot_take(e, f);
    f->token = sfn_exec_new_token(e, f->task_id);
    if (!f->token) e->oom = 1;
  }
  sfn_decref(f->context);
  f->context = NULL;
  if (s->uses_context) {
    f->context = sfn_exec_build_context(e, f);
    if (!f->context) return;
  }
  sfn_exec_use_frame(e, f);
  if (s->jsonata) {
    sfn_exec_jsonata_run(e, f);
    return;
  }
  if (s->type == SFN_STATE_FAIL) {
    int failed = 0;
    sfn_value *error = sfn_exec_dyn_string(e, f, &s->fail_error, "ErrorPath", &failed), *cause;
    if (failed) return;
    cause = sfn_exec_dyn_string(e, f, &s->fail_cause, "CausePath", &failed);
    if (failed) {
      sfn_decref(error);
      return;
    }
    sfn_exec_fail_frame(e, f, error, cause);
    return;
  }
  eff = apply_path(e, f, &s->input_path, f->input);
  if (!eff) return;
  switch (s->type) {
    case SFN_STATE_PASS:
      params = apply_template(e, f, s->parameters, eff);
      sfn_decref(eff);
      if (!params) return;
      {
        int failed = 0;
        sfn_value *result = s->result ? s->result : params, *merged;
        sfn_value *assigned = sfn_exec_eval_assign(e, f, s->assign, result, &failed);
        if (failed) {
          sfn_decref(params);
          return;
        }
        merged = apply_result_path(e, f, s, f->input, result);
        sfn_decref(params);
        out = merged ? apply_path(e, f, &s->output_path, merged) : NULL;
        sfn_decref(merged);
        if (out)
          sfn_exec_exit_state(e, f, out, s->next, assigned);
        else
          sfn_decref(assigned);
      }
      return;
    case SFN_STATE_SUCCEED:
      out = apply_path(e, f, &s->output_path, eff);
      sfn_decref(eff);
      if (out) sfn_exec_exit_state(e, f, out, -1, NULL);
      return;
    case SFN_STATE_CHOICE: {
      long matched = -1, next;
      sfn_error err = {{0}, NULL, 0, 0};
      e->env.input = eff;
      if (sfn_choice_eval(s->choice, &e->env, &matched, &err) != SFN_OK) {
        sfn_decref(eff);
        sfn_exec_fail_state(e, f, &err);
        return;
      }
      next = matched >= 0 ? s->choice_next[matched] : s->default_next;
      if (next < 0) {
        sfn_decref(eff);
        fail_state_err(e, f, "States.NoChoiceMatched", "No Matches!", 0);
        return;
      }
      {
        /* The state's Assign, then the matched rule's (which wins on a shared name). */
        int failed = 0;
        sfn_value *assigned = sfn_exec_eval_assign(e, f, s->assign, eff, &failed), *rule = NULL;
        if (!failed && matched >= 0) rule = sfn_exec_eval_assign(e, f, s->choice_assign[matched], eff, &failed);
        if (failed) {
          sfn_decref(assigned);
          sfn_decref(eff);
          return;
        }
        assigned = sfn_exec_merge_assigned(e, assigned, rule);
        out = apply_path(e, f, &s->output_path, eff);
        sfn_decref(eff);
        if (out)
          sfn_exec_exit_state(e, f, out, next, assigned);
        else
          sfn_decref(assigned);
      }
      return;
    }
    case SFN_STATE_WAIT: {
      int64_t until = sfn_exec_wait_until(e, f, s, eff);
      if (until < 0 && e->status != SFN_EXEC_RUNNING) {
        sfn_decref(eff);
        return;
      }
      f->eff = eff;
      f->wake = until;
      f->phase = PH_TIMER;
      return;
    }
    case SFN_STATE_TASK: {
      int64_t to = sfn_exec_task_seconds(e, f, s->timeout_s, s->timeout_path, eff, "TimeoutSecondsPath"), hb = 0;
      if (to >= 0) hb = sfn_exec_task_seconds(e, f, s->heartbeat_s, s->heartbeat_path, eff, "HeartbeatSecondsPath");
      if (to < 0 || hb < 0) {
        sfn_decref(eff);
        return;
      }
      params = apply_template(e, f, s->parameters, eff);
      sfn_decref(eff);
      if (!params) return;
      sfn_exec_schedule_task(e, f, s, params, to, hb);
      return;
    }
    case SFN_STATE_PARALLEL:
      params = apply_template(e, f, s->parameters, eff);
      sfn_decref(eff);
      if (!params) return;
      sfn_exec_start_fanout(e, f, s, params, NULL, 0);
      return;
    case SFN_STATE_MAP: {
      sfn_value *items = NULL;
      sfn_error err = {{0}, NULL, 0, 0};
      int64_t maxc = sfn_exec_max_concurrency(e, f, s, eff);
      if (maxc < 0) {
        sfn_decref(eff);
        return;
      }
      items = apply_path(e, f, &s->items_path, eff);
      if (!items) {
        sfn_decref(eff);
        return;
      }
      if (sfn_type_of(items) != SFN_ARRAY) {
        char *txt = sfn_json_encode(items, NULL, NULL);
        sfn_error_set(&err, "States.Runtime", "Map state input must be an array but was: %s", txt ? txt : "");
        sfn_free(txt);
        sfn_decref(items);
        sfn_decref(eff);
        sfn_exec_fail_state(e, f, &err);
        return;
      }
      sfn_exec_start_fanout(e, f, s, eff, items, maxc);
      return;
    }
    default:
      sfn_decref(eff);
      return;
  }
}

static void wake_wait(sfn_exec *e, frame *f) {
  const sfn_state *s = &f->m->states[f->state];
  sfn_value *out, *assigned;
  int failed = 0;
  sfn_exec_use_frame(e, f);
  if (s->jsonata) {
    sfn_exec_jsonata_wake(e, f);
    return;
  }
  assigned = sfn_exec_eval_assign(e, f, s->assign, f->eff, &failed);
  if (failed) return;
  out = apply_path(e, f, &s->output_path, f->eff);
  if (out)
    sfn_exec_exit_state(e, f, out, s->next, assigned);
  else
    sfn_decref(assigned);
}

/* The STANDARD history quota: 25,000 events. */
static int history_full(sfn_exec *e) {
  return !e->express && e->next_id >= STANDARD_HISTORY_LIMIT;
}

static void fail_history_full(sfn_exec *e) {
  sfn_value *error = sfn_cstring("States.Runtime");
  sfn_value *cause = sfn_cstring("The execution reached the maximum number of history events (25000).");
  sfn_decref(e->error);
  sfn_decref(e->cause);
  e->error = error;
  e->cause = cause;
  e->record = 0; /* the failure event itself would exceed the quota */
  finish(e, SFN_EXEC_FAILED);
}

/* Run frame f as far as it goes now, then file it. */
void sfn_exec_step(sfn_exec *e, frame *f) {
  while (e->status == SFN_EXEC_RUNNING && !e->oom) {
    if (history_full(e)) {
      fail_history_full(e);
      return;
    }
    if (f->phase == PH_ENTER)
      enter_state(e, f);
    else if (f->phase == PH_CHILDREN) {
      sfn_exec_pump(e, f);
      if (f->phase == PH_CHILDREN) break;
    } else
      break;
  }
  if (f->phase != PH_DONE) sfn_sched_place(e, f);
}

/* A frame's deadline came: timer, retry or task timeout. */
static void fire(sfn_exec *e, frame *f) {
  sfn_sched_heap_remove(e, f);
  switch (f->phase) {
    case PH_TIMER: wake_wait(e, f); break;
    case PH_RETRY:
      f->attempt++;
      run_state(e, f);
      break;
    case PH_TASK_QUEUED:
    case PH_TASK_RUNNING:
    case PH_TASK_CALLBACK: sfn_sched_queue_remove(e, f); sfn_exec_task_timed_out(e, f); break;
    default: break;
  }
  sfn_exec_step(e, f);
}

/* ---- public API ---- */

static sfn_value *arn(const sfn_exec_config *cfg, const char *kind, const char *a, const char *b) {
  const char *part = cfg->partition ? cfg->partition : "aws";
  const char *region = cfg->region ? cfg->region : "us-east-1";
  const char *account = cfg->account ? cfg->account : "123456789012";
  if (b) return fmt_string("arn:%s:states:%s:%s:%s:%s:%s", part, region, account, kind, a, b);
  return fmt_string("arn:%s:states:%s:%s:%s:%s", part, region, account, kind, a);
}

/* Take the host's context nodes (sfn_exec_config.context) in place of the engine's. */
static int use_host_context(sfn_exec *e, const sfn_value *ctx, sfn_error *err) {
  static const char *const nodes[] = {"Execution", "State", "StateMachine", "Task"};
  size_t i, k;
  if (sfn_type_of(ctx) != SFN_OBJECT)
    return sfn_error_set(err, "InvalidContext", "the context must be an object");
  for (i = 0; i < sfn_object_len(ctx); i++) {
    const char *key = sfn_str(sfn_object_key(ctx, i));
    sfn_value *v = sfn_object_val(ctx, i), *node = sfn_type_of(v) == SFN_NULL ? NULL : v;
    for (k = 0; k < 4 && strcmp(key, nodes[k]) != 0; k++) continue;
    if (k == 4) return sfn_error_set(err, "InvalidContext", "the context has no node '%s'", key);
    if (node && sfn_type_of(node) != SFN_OBJECT)
      return sfn_error_set(err, "InvalidContext", "the context's '%s' must be an object or null", key);
    switch (k) {
      case 0:
        sfn_decref(e->ctx_execution);
        e->ctx_execution = sfn_incref(node);
        break;
      case 1:
        sfn_decref(e->ctx_state);
        e->ctx_state = sfn_incref(node);
        e->host_state = 1;
        break;
      case 2:
        sfn_decref(e->ctx_state_machine);
        e->ctx_state_machine = sfn_incref(node);
        break;
      default:
        sfn_decref(e->ctx_task);
        e->ctx_task = sfn_incref(node);
        e->host_task = 1;
        break;
    }
  }
  return SFN_OK;
}

sfn_exec *sfn_exec_new(const sfn_machine *m, sfn_value *input, const sfn_exec_config *cfg,
                       sfn_error *err) {
  sfn_exec *e = sfn_malloc(sizeof *e);
  sfn_value *ce = NULL, *cs = NULL;
  if (!e) {
    sfn_error_oom(err);
    return NULL;
  }
  memset(e, 0, sizeof *e);
  e->m = m;
  e->record = cfg->record_history;
  e->express = cfg->express;
  e->now = e->start_ms = cfg->start_ms;
  e->deadline = m->timeout_seconds > 0 ? cfg->start_ms + m->timeout_seconds * 1000 : -1;
  e->env.random = cfg->random;
  e->env.random_ud = cfg->random_ud;
  e->env.rng_state = cfg->seed;
  e->input = sfn_incref(input);
  e->payload_limit = cfg->payload_limit < 0 ? 0 : cfg->payload_limit == 0 ? PAYLOAD_LIMIT : (size_t)cfg->payload_limit;
  if (cfg->input_text && !(e->input_text = sfn_string(cfg->input_text, cfg->input_len))) goto oom;
  e->name = sfn_cstring(cfg->execution_name);
  e->sm_name = sfn_cstring(cfg->state_machine_name);
  e->region = sfn_cstring(cfg->region ? cfg->region : "us-east-1");
  e->sm_arn = arn(cfg, "stateMachine", cfg->state_machine_name, NULL);
  if (cfg->express) {
    uint64_t r1 = sfn_eval_random(&e->env), r2 = sfn_eval_random(&e->env);
    char uuid[40];
    snprintf(uuid, sizeof uuid, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(r1 >> 32),
             (unsigned)(r1 >> 16) & 0xFFFF, (unsigned)r1 & 0xFFF,
             (unsigned)((r2 >> 48) & 0x3FFF) | 0x8000, (unsigned long long)(r2 & 0xFFFFFFFFFFFFULL));
    e->exec_arn = fmt_string("arn:%s:states:%s:%s:express:%s:%s:%s", cfg->partition ? cfg->partition : "aws",
                             cfg->region ? cfg->region : "us-east-1",
                             cfg->account ? cfg->account : "123456789012", cfg->state_machine_name,
                             cfg->execution_name, uuid);
  } else {
    e->exec_arn = arn(cfg, "execution", cfg->state_machine_name, cfg->execution_name);
  }
  e->role_arn = cfg->role_arn ? sfn_cstring(cfg->role_arn)
                              : fmt_string("arn:%s:iam::%s:role/StepFunctionsRole",
                                           cfg->partition ? cfg->partition : "aws",
                                           cfg->account ? cfg->account : "123456789012");
  ce = sfn_object_new(6);
  cs = sfn_object_new(2);
  if (!e->name || !e->sm_name || !e->region || !e->sm_arn || !e->exec_arn || !e->role_arn || !ce || !cs)
    goto oom;
  if (sfn_object_sets(ce, "Id", sfn_incref(e->exec_arn)) != SFN_OK ||
      sfn_object_sets(ce, "Input", sfn_incref(input)) != SFN_OK ||
      sfn_object_sets(ce, "StartTime", sfn_exec_time_string(cfg->start_ms)) != SFN_OK ||
      sfn_object_sets(ce, "Name", sfn_incref(e->name)) != SFN_OK ||
      sfn_object_sets(ce, "RoleArn", sfn_incref(e->role_arn)) != SFN_OK ||
      sfn_object_sets(ce, "RedriveCount", sfn_int(0)) != SFN_OK ||
      sfn_object_sets(cs, "Id", sfn_incref(e->sm_arn)) != SFN_OK ||
      sfn_object_sets(cs, "Name", sfn_incref(e->sm_name)) != SFN_OK)
    goto oom;
  e->ctx_execution = ce;
  e->ctx_state_machine = cs;
  ce = cs = NULL;
  if (cfg->context && use_host_context(e, cfg->context, err) != SFN_OK) {
    sfn_exec_free(e);
    return NULL;
  }
  sfn_exec_record(e, EV_EXECUTION_STARTED, 0, NULL, input, NULL, NULL);
  e->root = sfn_exec_frame_new(e, m, input, NULL, 0);
  if (!e->root) goto oom;
  sfn_sched_ready_push(e, e->root);
  if (e->oom) goto oom;
  return e;
oom:
  sfn_decref(ce);
  sfn_decref(cs);
  sfn_exec_free(e);
  sfn_error_oom(err);
  return NULL;
}

void sfn_exec_free(sfn_exec *e) {
  size_t i;
  if (!e) return;
  for (i = 0; i < e->nev; i++) {
    sfn_decref(e->ev[i].assigned);
    sfn_decref(e->ev[i].payload);
    sfn_decref(e->ev[i].error);
    sfn_decref(e->ev[i].cause);
  }
  sfn_free(e->ev);
  sfn_jsonata_cache_free(e->jcache);
  sfn_exec_reap(e);
  sfn_exec_frame_free(e, e->root);
  sfn_exec_reap(e);
  sfn_free(e->ready);
  sfn_free(e->heap);
  sfn_free(e->slots);
  sfn_decref(e->input);
  sfn_decref(e->input_text);
  sfn_decref(e->output);
  sfn_decref(e->error);
  sfn_decref(e->cause);
  sfn_decref(e->exec_arn);
  sfn_decref(e->sm_arn);
  sfn_decref(e->name);
  sfn_decref(e->sm_name);
  sfn_decref(e->role_arn);
  sfn_decref(e->region);
  sfn_decref(e->ctx_execution);
  sfn_decref(e->ctx_state_machine);
  sfn_decref(e->ctx_state);
  sfn_decref(e->ctx_task);
  sfn_free(e);
}

static void time_out(sfn_exec *e) {
  e->now = e->deadline;
  sfn_decref(e->error);
  sfn_decref(e->cause);
  e->error = sfn_cstring("States.Timeout");
  e->cause = NULL;
  sfn_exec_record(e, EV_EXECUTION_TIMED_OUT, e->root->last_event, NULL, NULL, e->error, NULL);
  finish(e, SFN_EXEC_TIMED_OUT);
}

int sfn_exec_run(sfn_exec *e, int64_t now) {
  if (now > e->now) e->now = now;
  while (e->status == SFN_EXEC_RUNNING && !e->oom) {
    sfn_exec_reap(e);
    if (e->nready) {
      frame *f = e->ready[--e->nready];
      f->in_ready = 0;
      sfn_exec_step(e, f);
      continue;
    }
    if (e->nheap) {
      frame *f = e->heap[0];
      int64_t d = sfn_sched_frame_deadline(f);
      if (e->deadline >= 0 && e->deadline <= d && e->deadline <= e->now) {
        time_out(e);
        break;
      }
      if (d <= e->now) {
        fire(e, f);
        continue;
      }
    }
    if (e->deadline >= 0 && e->now >= e->deadline) time_out(e);
    break;
  }
  sfn_exec_reap(e);
  return e->oom ? SFN_ERR : SFN_OK;
}

sfn_exec_status sfn_exec_status_of(const sfn_exec *e) { return e->status; }

const char *sfn_exec_status_name(sfn_exec_status s) {
  static const char *const names[] = {"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"};
  return names[s];
}

int64_t sfn_exec_wake_time(const sfn_exec *e) {
  int64_t w = -1;
  if (e->status != SFN_EXEC_RUNNING) return -1;
  if (e->nheap) w = sfn_sched_frame_deadline(e->heap[0]);
  if (e->deadline >= 0 && (w < 0 || e->deadline < w)) w = e->deadline;
  return w;
}

int sfn_exec_stop(sfn_exec *e, const char *error, const char *cause, int64_t now) {
  if (e->status != SFN_EXEC_RUNNING) return SFN_NOTFOUND;
  if (now > e->now) e->now = now;
  sfn_decref(e->error);
  sfn_decref(e->cause);
  e->error = error ? sfn_cstring(error) : NULL;
  e->cause = cause ? sfn_cstring(cause) : NULL;
  sfn_exec_record(e, EV_EXECUTION_ABORTED, e->root->last_event, NULL, NULL, e->error, e->cause);
  finish(e, SFN_EXEC_ABORTED);
  return SFN_OK;
}

sfn_value *sfn_exec_output(const sfn_exec *e) { return e->status == SFN_EXEC_SUCCEEDED ? e->output : NULL; }
sfn_value *sfn_exec_error(const sfn_exec *e) { return e->error; }
sfn_value *sfn_exec_cause(const sfn_exec *e) { return e->cause; }
size_t sfn_exec_event_count(const sfn_exec *e) { return e->nev; }
