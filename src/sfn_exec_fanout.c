/*
 * sfn_exec_fanout.c: Parallel and Map states.  A fan-out starts child
 * frames (branches, iterations) up to MaxConcurrency, collects their outputs
 * in order, and ends the state when all are done, or at the first failure,
 * after aborting the children still running (AWS's MapIterationAborted and
 * <Type>StateAborted events).  A child that ends is retired at once and
 * freed later (sfn_exec_reap): it may still be on the C stack.
 */
#include "sfn_exec_int.h"

#include <stdlib.h>
#include <string.h>

#include "sfn_json.h"

/* MaxConcurrency / MaxConcurrencyPath; -1 after failing the state. */
int64_t sfn_exec_max_concurrency(sfn_exec *e, frame *f, const sfn_state *s, sfn_value *eff) {
  sfn_value *v = NULL;
  sfn_error err = {{0}, NULL, 0, 0};
  int rc;
  if (!s->max_concurrency_path) return s->max_concurrency;
  e->env.input = eff;
  rc = sfn_path_eval(s->max_concurrency_path, &e->env, &v, &err);
  if (rc == SFN_OK && sfn_type_of(v) == SFN_INT && v->u.i >= 0) {
    int64_t n = v->u.i;
    sfn_decref(v);
    return n;
  }
  if (rc == SFN_OK && sfn_type_of(v) == SFN_STRING && sfn_strlen(v) > 0 && sfn_strlen(v) < 10 &&
      strspn(sfn_str(v), "0123456789") == sfn_strlen(v)) {
    /* AWS reads an integer written as a string ("1") too */
    int64_t n = (int64_t)strtoll(sfn_str(v), NULL, 10);
    sfn_decref(v);
    return n;
  }
  if (rc != SFN_ERR) {
    char *txt = v ? sfn_json_encode(v, NULL, NULL) : NULL;
    sfn_error_set(&err, "States.Runtime",
                  "The MaxConcurrencyPath field refers to value \"%s\" which is not a valid integer: %s",
                  txt ? txt : "null", sfn_path_text(s->max_concurrency_path));
    sfn_free(txt);
  }
  sfn_decref(v);
  sfn_exec_fail_state(e, f, &err);
  return -1;
}

/* Start the children of a Parallel (items NULL) or Map state.  input and
 * items are stolen. */
void sfn_exec_start_fanout(sfn_exec *e, frame *f, const sfn_state *s, sfn_value *input,
                         sfn_value *items, int64_t max_running) {
  fanout *fan = sfn_malloc(sizeof *fan);
  size_t i, n = items ? sfn_array_len(items) : s->nbranches;
  event *ev;
  if (!fan || !(fan->results = sfn_array_new(n))) {
    sfn_free(fan);
    sfn_decref(input);
    sfn_decref(items);
    e->oom = 1;
    return;
  }
  fan->is_map = items != NULL;
  fan->total = n;
  fan->started = fan->finished = fan->running = 0;
  fan->max_running = max_running;
  fan->items = items;
  fan->input = input;
  fan->children = NULL;
  fan->failed = 0;
  fan->error = fan->cause = NULL;
  for (i = 0; i < n; i++) fan->results->u.a.items[i] = sfn_null();
  fan->results->u.a.n = (uint32_t)n;
  f->last_event = sfn_exec_record(e, fan->is_map ? EV_MAP_STARTED : EV_PARALLEL_STARTED, f->last_event, s, NULL,
                         NULL, NULL);
  ev = sfn_exec_last_event(e, f->last_event);
  if (ev) ev->n = (int64_t)n;
  fan->last = fan->last_done = f->last_event;
  f->fan = fan;
  f->phase = PH_CHILDREN;
}

static void abort_children(sfn_exec *e, frame *f);

/* The Map's own work failed while iterations may be running (its
 * ItemSelector): abort them and drop the fan-out, before the failure is
 * raised (so a retry or Catch starts from a released state). */
void sfn_exec_abort_fanout(sfn_exec *e, frame *f) {
  if (!f->fan) return;
  abort_children(e, f);
  sfn_exec_fan_free(e, f->fan);
  f->fan = NULL;
  f->phase = PH_ENTER; /* until raise decides */
}

/* The context object of iteration i: the state's, plus Map.Item {Index,
 * Value}.  A new reference; NULL (e->oom set) on OOM. */
sfn_value *sfn_exec_item_context(sfn_exec *e, frame *f, size_t i) {
  sfn_value *item = sfn_array_at(f->fan->items, i);
  sfn_value *ctx = f->context ? sfn_value_copy(f->context, 1) : sfn_object_new(1);
  sfn_value *map = sfn_object_new(1), *it = sfn_object_new(2);
  if (!ctx || !map || !it || sfn_object_sets(it, "Index", sfn_int((int64_t)i)) != SFN_OK ||
      sfn_object_sets(it, "Value", sfn_incref(item)) != SFN_OK) {
    sfn_decref(ctx);
    sfn_decref(map);
    sfn_decref(it);
    e->oom = 1;
    return NULL;
  }
  if (sfn_object_sets(map, "Item", it) != SFN_OK || sfn_object_sets(ctx, "Map", map) != SFN_OK) {
    sfn_decref(ctx);
    e->oom = 1;
    return NULL;
  }
  return ctx;
}

/* The input of iteration i: the item, or ItemSelector with $$.Map.Item. */
static sfn_value *iteration_input(sfn_exec *e, frame *f, const sfn_state *s, size_t i) {
  fanout *fan = f->fan;
  sfn_value *item = sfn_array_at(fan->items, i), *ctx, *out = NULL;
  sfn_error err = {{0}, NULL, 0, 0};
  if (s->jsonata) return s->j_item_selector ? sfn_exec_jsonata_item(e, f, i) : sfn_incref(item);
  if (!s->item_selector) return sfn_incref(item);
  if (!(ctx = sfn_exec_item_context(e, f, i))) return NULL;
  e->env.input = fan->input;
  e->env.context = ctx;
  if (sfn_template_eval(s->item_selector, &e->env, &out, &err) != SFN_OK) out = NULL;
  e->env.context = f->context;
  sfn_decref(ctx);
  if (!out) {
    sfn_exec_abort_fanout(e, f);
    sfn_exec_fail_state(e, f, &err);
  }
  return out;
}


/* Start children while the concurrency allows; finish the state when all are done. */
void sfn_exec_pump(sfn_exec *e, frame *f) {
  const sfn_state *s = &f->m->states[f->state];
  fanout *fan = f->fan;
  while (e->status == SFN_EXEC_RUNNING && !e->oom && f->phase == PH_CHILDREN && !fan->failed &&
         fan->started < fan->total && (fan->max_running == 0 || (int64_t)fan->running < fan->max_running)) {
    size_t i = fan->started;
    frame *c;
    sfn_value *in;
    if (fan->is_map) {
      in = iteration_input(e, f, s, i);
      if (!in) return;
    } else {
      in = sfn_incref(fan->input);
    }
    c = sfn_exec_frame_new(e, fan->is_map ? s->processor : s->branches[i], in, f, i);
    sfn_decref(in);
    if (!c) return;
    fan->started++;
    fan->running++;
    if (fan->is_map) {
      c->last_event = sfn_exec_record(e, EV_MAP_ITERATION_STARTED, fan->last, s, NULL, NULL, NULL);
      {
        event *ev = sfn_exec_last_event(e, c->last_event);
        if (ev) ev->n = (int64_t)i;
      }
    } else {
      c->last_event = fan->last;
    }
    sfn_exec_step(e, c);
  }
  if (e->status != SFN_EXEC_RUNNING || f->phase != PH_CHILDREN || fan->failed) return;
  if (fan->finished == fan->total) {
    sfn_value *results = sfn_incref(fan->results);
    uint32_t last = fan->is_map ? fan->last_done : fan->last;
    sfn_exec_record(e, fan->is_map ? EV_MAP_SUCCEEDED : EV_PARALLEL_SUCCEEDED, last, s, NULL, NULL, NULL);
    f->last_event = last;
    sfn_exec_fan_free(e, fan);
    f->fan = NULL;
    sfn_exec_complete(e, f, results);
    sfn_decref(results);
  }
}

/* Abort the live children of a failed fan-out (their state, and for Map the iteration). */
static void abort_children(sfn_exec *e, frame *f) {
  fanout *fan = f->fan;
  while (fan->children) {
    frame *c = fan->children;
    if (c->phase != PH_DONE && c->phase != PH_CHILDREN && c->phase != PH_ENTER)
      c->last_event = sfn_exec_record(e, EV_STATE_ABORTED, c->last_event, &c->m->states[c->state], NULL, NULL, NULL);
    if (fan->is_map) {
      event *ev;
      sfn_exec_record(e, EV_MAP_ITERATION_ABORTED, c->last_event, &f->m->states[f->state], NULL, NULL, NULL);
      ev = sfn_exec_last_event(e, e->next_id);
      if (ev) ev->n = (int64_t)c->index;
    }
    sfn_exec_frame_free(e, c);
  }
}


/* A child that ended leaves its parent's list at once but is freed later
 * (reap): it may still be on the C stack of whoever is stepping it. */
void sfn_exec_retire(sfn_exec *e, frame *c) {
  frame *f = c->parent;
  sfn_sched_unschedule(e, c);
  if (f && f->fan) {
    if (c->sib_prev)
      c->sib_prev->sib_next = c->sib_next;
    else
      f->fan->children = c->sib_next;
    if (c->sib_next) c->sib_next->sib_prev = c->sib_prev;
  }
  c->sib_prev = c->sib_next = NULL;
  c->parent = NULL;
  c->phase = PH_DONE;
  c->qnext = e->dead;
  e->dead = c;
}

void sfn_exec_reap(sfn_exec *e) {
  while (e->dead) {
    frame *c = e->dead;
    e->dead = c->qnext;
    c->qnext = NULL;
    sfn_exec_frame_free(e, c);
  }
}

/* A child frame ended: success (out) or failure (error, cause); all stolen. */
void sfn_exec_child_ended(sfn_exec *e, frame *c, sfn_value *out, sfn_value *error, sfn_value *cause) {
  frame *f = c->parent;
  fanout *fan = f->fan;
  const sfn_state *s = &f->m->states[f->state];
  size_t i = c->index;
  event *ev;
  fan->running--;
  fan->finished++;
  if (!error && out) {
    if (fan->is_map) {
      fan->last_done = sfn_exec_record(e, EV_MAP_ITERATION_SUCCEEDED, c->last_event, s, NULL, NULL, NULL);
      ev = sfn_exec_last_event(e, fan->last_done);
      if (ev) ev->n = (int64_t)i;
    }
    fan->last = c->last_event;
    sfn_decref(fan->results->u.a.items[i]);
    fan->results->u.a.items[i] = out;
    sfn_exec_retire(e, c);
    if (!f->in_ready) sfn_sched_ready_push(e, f);
    return;
  }
  sfn_decref(out);
  if (fan->is_map) {
    sfn_exec_record(e, EV_MAP_ITERATION_FAILED, c->last_event, s, NULL, NULL, NULL);
    ev = sfn_exec_last_event(e, e->next_id);
    if (ev) ev->n = (int64_t)i;
  }
  fan->failed = 1;
  fan->last = c->last_event;
  fan->error = error;
  fan->cause = cause;
  sfn_exec_retire(e, c);
  abort_children(e, f);
  /* A retried Parallel/Map starts again without a ...StateFailed event. */
  if (sfn_exec_will_retry(f, error))
    f->last_event = fan->last;
  else
    f->last_event = sfn_exec_record(e, fan->is_map ? EV_MAP_FAILED : EV_PARALLEL_FAILED, fan->last, s, NULL, NULL, NULL);
  error = fan->error;
  cause = fan->cause;
  fan->error = fan->cause = NULL;
  sfn_exec_fan_free(e, fan);
  f->fan = NULL;
  f->phase = PH_ENTER; /* until raise_error decides */
  sfn_exec_raise(e, f, error, cause);
  if (!f->in_ready && f->phase != PH_DONE) sfn_sched_ready_push(e, f);
}

