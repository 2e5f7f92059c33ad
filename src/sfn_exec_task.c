/*
 * sfn_exec_task.c: Task states and the host's side of them: scheduling a
 * task (its id, token and timeouts; its Scheduled and Started events, an
 * activity's Started at hand-over to a worker), the host taking it, its
 * result, failure, timeout or submission (callbacks),
 * and answers by token (SendTaskSuccess/Failure/Heartbeat).  A task token
 * ends with the task id, so an answer finds its task without a search.
 */
#include "sfn_exec_int.h"

#include <stdio.h>
#include <string.h>

ev_type sfn_exec_task_event(const sfn_state *s, ev_type generic, ev_type lambda, ev_type activity) {
  return s->task_kind == SFN_TASK_LAMBDA_FN ? lambda : s->task_kind == SFN_TASK_ACTIVITY ? activity : generic;
}

/* A task token: 48 random hex digits, then the task id (16 hex digits), so
 * an answer finds its task without a search. */
sfn_value *sfn_exec_new_token(sfn_exec *e, uint64_t task_id) {
  static const char hex[] = "0123456789abcdef";
  char buf[64];
  int i, j;
  for (i = 0; i < 48; i += 16) {
    uint64_t r = sfn_eval_random(&e->env);
    for (j = 0; j < 16; j++) buf[i + j] = hex[(r >> (j * 4)) & 15];
  }
  for (j = 0; j < 16; j++) buf[48 + j] = hex[(task_id >> ((15 - j) * 4)) & 15];
  return sfn_string(buf, sizeof buf);
}

void sfn_exec_schedule_task(sfn_exec *e, frame *f, const sfn_state *s, sfn_value *params,
                          int64_t timeout_s, int64_t heartbeat_s) {
  ev_type sched, started;
  event *ev;
  f->eff = params;
  f->task_deadline = timeout_s > 0 ? e->now + timeout_s * 1000 : -1;
  f->hb_deadline = heartbeat_s > 0 ? e->now + heartbeat_s * 1000 : -1;
  if (!f->slot) f->task_id = sfn_sched_slot_take(e, f);
  if (!f->token) f->token = sfn_exec_new_token(e, f->task_id);
  if (!f->token) e->oom = 1;
  f->attempt = f->attempt ? f->attempt : 1;
  sched = sfn_exec_task_event(s, EV_TASK_SCHEDULED, EV_LAMBDA_SCHEDULED, EV_ACTIVITY_SCHEDULED);
  started = sfn_exec_task_event(s, EV_TASK_STARTED, EV_LAMBDA_STARTED, EV_ACTIVITY_STARTED);
  f->last_event = sfn_exec_record(e, sched, f->last_event, s, params, NULL, NULL);
  ev = sfn_exec_last_event(e, f->last_event);
  if (ev) {
    ev->timeout_s = timeout_s > 0 ? timeout_s : 0;
    ev->heartbeat_s = heartbeat_s > 0 ? heartbeat_s : 0;
  }
  /* an activity task starts when a worker gets it (sfn_exec_task_started) */
  f->task_started = s->task_kind != SFN_TASK_ACTIVITY;
  if (f->task_started) f->last_event = sfn_exec_record(e, started, f->last_event, s, NULL, NULL, NULL);
  f->phase = PH_TASK_QUEUED;
}

/* Record an activity task's ActivityStarted (worker may be NULL). */
static void record_started(sfn_exec *e, frame *f, const char *worker) {
  sfn_value *w = worker ? sfn_cstring(worker) : NULL;
  if (worker && !w) e->oom = 1;
  f->last_event = sfn_exec_record(e, EV_ACTIVITY_STARTED, f->last_event, &f->m->states[f->state], w, NULL, NULL);
  sfn_decref(w);
  f->task_started = 1;
}

/* A task's TimeoutSeconds or HeartbeatSeconds ran out: States.Timeout (as
 * AWS reports both). */
void sfn_exec_task_timed_out(sfn_exec *e, frame *f) {
  const sfn_state *s = &f->m->states[f->state];
  sfn_value *ev = sfn_cstring("States.Timeout");
  if (!ev) e->oom = 1;
  f->last_event = sfn_exec_record(e, sfn_exec_task_event(s, EV_TASK_TIMED_OUT, EV_LAMBDA_TIMED_OUT, EV_ACTIVITY_TIMED_OUT),
                         f->last_event, s, NULL, ev, NULL);
  sfn_sched_slot_release(e, f);
  sfn_exec_clear_task(f);
  f->task_deadline = f->hb_deadline = -1;
  f->phase = PH_ENTER; /* until raise_error decides */
  sfn_exec_raise(e, f, ev, NULL);
}

int sfn_exec_take_task(sfn_exec *e, sfn_task_request *out) {
  frame *f = e->queue_head;
  if (e->status != SFN_EXEC_RUNNING || !f) return SFN_NOTFOUND;
  sfn_sched_queue_remove(e, f);
  f->phase = PH_TASK_RUNNING;
  out->id = f->task_id;
  out->state = &f->m->states[f->state];
  out->input = f->eff;
  out->token = f->token;
  out->attempt = f->attempt;
  return SFN_OK;
}

static frame *task_frame(sfn_exec *e, uint64_t id) {
  frame *f;
  if (e->status != SFN_EXEC_RUNNING) return NULL;
  f = sfn_sched_slot_frame(e, id);
  if (f && f->phase >= PH_TASK_QUEUED && f->phase <= PH_TASK_CALLBACK && f->task_id == id) return f;
  return NULL;
}

/* The frame waiting on a callback token, or NULL.  The token ends with its task id. */
static frame *token_frame(sfn_exec *e, const char *token) {
  uint64_t id = 0;
  size_t i, len = token ? strlen(token) : 0;
  frame *f;
  if (len != 64) return NULL;
  for (i = 48; i < 64; i++) {
    char c = token[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return NULL;
    id = (id << 4) | (uint64_t)d;
  }
  f = task_frame(e, id);
  /* Tokens answer callback tasks and activity tasks (a worker's SendTask*). */
  if (!f || !f->token ||
      !(f->m->states[f->state].wait_for_token || f->m->states[f->state].task_kind == SFN_TASK_ACTIVITY) ||
      strcmp(sfn_str(f->token), token) != 0)
    return NULL;
  return f;
}

/* Move the clock; deadlines that passed fire first.  Non-zero when ended. */
static int advance_to(sfn_exec *e, int64_t now) {
  if (now > e->now) sfn_exec_run(e, now);
  return e->status != SFN_EXEC_RUNNING;
}

static int complete_task(sfn_exec *e, frame *f, sfn_value *output) {
  const sfn_state *s = &f->m->states[f->state];
  ev_type t = sfn_exec_task_event(s, EV_TASK_SUCCEEDED, EV_LAMBDA_SUCCEEDED, EV_ACTIVITY_SUCCEEDED);
  if (!f->task_started) record_started(e, f, NULL); /* the host never reported the hand-over */
  sfn_sched_queue_remove(e, f);
  sfn_sched_slot_release(e, f);
  f->task_deadline = f->hb_deadline = -1;
  if (sfn_exec_over_limit(e, output)) {
    sfn_value *ev, *cv;
    char msg[512];
    snprintf(msg, sizeof msg,
             "The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.",
             s->task_kind == SFN_TASK_SERVICE ? sfn_str(s->resource_type) : sfn_str(s->resource));
    ev = sfn_cstring("States.DataLimitExceeded");
    cv = sfn_cstring(msg);
    if (!ev || !cv) e->oom = 1;
    f->last_event = sfn_exec_record(e, sfn_exec_task_event(s, EV_TASK_FAILED, EV_LAMBDA_FAILED, EV_ACTIVITY_FAILED),
                           f->last_event, s, NULL, ev, cv);
    sfn_exec_clear_task(f);
    f->phase = PH_ENTER;
    sfn_exec_raise(e, f, ev, cv);
  } else {
    f->last_event = sfn_exec_record(e, t, f->last_event, s, output, NULL, NULL);
    sfn_exec_complete(e, f, output);
  }
  sfn_exec_step(e, f);
  return sfn_exec_run(e, e->now);
}

/* A task failure.  States.Timeout is recorded as a timed-out task (the only
 * way a task yields it), anything else as a failed one. */
static int fail_task(sfn_exec *e, frame *f, const char *error, const char *cause) {
  const sfn_state *s = &f->m->states[f->state];
  sfn_value *ev = error ? sfn_cstring(error) : NULL, *cv = cause ? sfn_cstring(cause) : NULL;
  int timed_out = error && (strcmp(error, "States.Timeout") == 0 || strcmp(error, "States.HeartbeatTimeout") == 0);
  if (!f->task_started) record_started(e, f, NULL); /* the host never reported the hand-over */
  sfn_sched_queue_remove(e, f);
  sfn_sched_slot_release(e, f);
  f->task_deadline = f->hb_deadline = -1;
  if ((error && !ev) || (cause && !cv)) e->oom = 1;
  if (timed_out)
    f->last_event = sfn_exec_record(e, sfn_exec_task_event(s, EV_TASK_TIMED_OUT, EV_LAMBDA_TIMED_OUT, EV_ACTIVITY_TIMED_OUT),
                           f->last_event, s, NULL, ev, cv);
  else
    f->last_event = sfn_exec_record(e, sfn_exec_task_event(s, EV_TASK_FAILED, EV_LAMBDA_FAILED, EV_ACTIVITY_FAILED),
                           f->last_event, s, NULL, ev, cv);
  sfn_exec_clear_task(f);
  f->phase = PH_ENTER;
  sfn_exec_raise(e, f, ev, cv);
  sfn_exec_step(e, f);
  return sfn_exec_run(e, e->now);
}

int sfn_exec_task_succeeded(sfn_exec *e, uint64_t id, sfn_value *output, int64_t now) {
  frame *f = task_frame(e, id);
  if (!f) return SFN_NOTFOUND;
  if (advance_to(e, now) || task_frame(e, id) != f) return SFN_NOTFOUND;
  return complete_task(e, f, output);
}

int sfn_exec_task_failed(sfn_exec *e, uint64_t id, const char *error, const char *cause,
                         int64_t now) {
  frame *f = task_frame(e, id);
  if (!f) return SFN_NOTFOUND;
  if (advance_to(e, now) || task_frame(e, id) != f) return SFN_NOTFOUND;
  return fail_task(e, f, error, cause);
}

int sfn_exec_task_alive(sfn_exec *e, uint64_t id) { return task_frame(e, id) != NULL; }

int sfn_exec_task_started(sfn_exec *e, uint64_t id, const char *worker_name, int64_t now) {
  frame *f = task_frame(e, id);
  if (!f || f->task_started || f->m->states[f->state].task_kind != SFN_TASK_ACTIVITY) return SFN_NOTFOUND;
  if (advance_to(e, now) || task_frame(e, id) != f) return SFN_NOTFOUND;
  record_started(e, f, worker_name);
  return e->oom ? SFN_ERR : SFN_OK;
}

int sfn_exec_task_submitted(sfn_exec *e, uint64_t id, sfn_value *output, int64_t now) {
  frame *f = task_frame(e, id);
  const sfn_state *s;
  if (!f) return SFN_NOTFOUND;
  if (advance_to(e, now) || task_frame(e, id) != f) return SFN_NOTFOUND;
  s = &f->m->states[f->state];
  f->last_event = sfn_exec_record(e, EV_TASK_SUBMITTED, f->last_event, s, output, NULL, NULL);
  sfn_sched_queue_remove(e, f);
  f->phase = PH_TASK_CALLBACK;
  return e->oom ? SFN_ERR : SFN_OK;
}

int sfn_exec_send_success(sfn_exec *e, const char *token, sfn_value *output, int64_t now) {
  frame *f = token_frame(e, token);
  if (!f) return SFN_NOTFOUND;
  if (advance_to(e, now) || token_frame(e, token) != f) return SFN_NOTFOUND;
  return complete_task(e, f, output);
}

int sfn_exec_send_failure(sfn_exec *e, const char *token, const char *error, const char *cause,
                          int64_t now) {
  frame *f = token_frame(e, token);
  if (!f) return SFN_NOTFOUND;
  if (advance_to(e, now) || token_frame(e, token) != f) return SFN_NOTFOUND;
  return fail_task(e, f, error, cause);
}

int sfn_exec_send_heartbeat(sfn_exec *e, const char *token, int64_t now) {
  frame *f = token_frame(e, token);
  const sfn_state *s;
  if (!f) return SFN_NOTFOUND;
  if (advance_to(e, now) || token_frame(e, token) != f) return SFN_NOTFOUND;
  s = &f->m->states[f->state];
  if (f->hb_deadline >= 0) f->hb_deadline = e->now + s->heartbeat_s * 1000;
  sfn_sched_place(e, f);
  return SFN_OK;
}

