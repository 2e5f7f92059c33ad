/*
 * sfn_exec_int.h: the inside of an execution, shared by sfn_exec.c (running
 * it) and sfn_history.c (describing it in the API's shapes).  Not a public
 * header.
 *
 * An execution is a tree of frames: the root runs the machine; a Parallel
 * or Map state fans out into child frames (branches, iterations), each
 * running a sub-machine.  A frame is always in one phase; frames that wait
 * on time sit in a binary heap keyed by their next deadline, frames whose
 * task the host must run sit in a FIFO, and frames ready to move sit on a
 * LIFO stack (so a child started by a fan-out runs before its siblings
 * start, as AWS orders the events of synchronous iterations).
 */
#ifndef SFN_EXEC_INT_H
#define SFN_EXEC_INT_H

#include "sfn_exec.h"

typedef enum ev_type {
  EV_EXECUTION_STARTED,
  EV_EXECUTION_SUCCEEDED,
  EV_EXECUTION_FAILED,
  EV_EXECUTION_TIMED_OUT,
  EV_EXECUTION_ABORTED,
  EV_STATE_ENTERED, /* <Type>StateEntered */
  EV_STATE_EXITED,  /* <Type>StateExited */
  EV_TASK_SCHEDULED,
  EV_TASK_STARTED,
  EV_TASK_SUCCEEDED,
  EV_TASK_FAILED,
  EV_LAMBDA_SCHEDULED,
  EV_LAMBDA_STARTED,
  EV_LAMBDA_SUCCEEDED,
  EV_LAMBDA_FAILED,
  EV_ACTIVITY_SCHEDULED,
  EV_ACTIVITY_STARTED,
  EV_ACTIVITY_SUCCEEDED,
  EV_ACTIVITY_FAILED,
  EV_TASK_SUBMITTED,
  EV_TASK_TIMED_OUT,
  EV_LAMBDA_TIMED_OUT,
  EV_ACTIVITY_TIMED_OUT,
  EV_PARALLEL_STARTED,
  EV_PARALLEL_SUCCEEDED,
  EV_PARALLEL_FAILED,
  EV_MAP_STARTED, /* details: length */
  EV_MAP_SUCCEEDED,
  EV_MAP_FAILED,
  EV_MAP_ITERATION_STARTED, /* details: index, name */
  EV_MAP_ITERATION_SUCCEEDED,
  EV_MAP_ITERATION_FAILED,
  EV_MAP_ITERATION_ABORTED,
  EV_STATE_ABORTED, /* <Type>StateAborted */
  EV_EVALUATION_FAILED /* error, cause; details: location (payload, a string) */
} ev_type;

/* One history event, compact: turned into the API's shape on demand. */
typedef struct event {
  int64_t ts;
  uint32_t id, prev;
  uint16_t type;
  const sfn_state *state; /* the state it belongs to (name, type, resource) */
  sfn_value *payload;     /* input / output / parameters */
  sfn_value *error, *cause;
  int64_t timeout_s, heartbeat_s; /* *Scheduled: the task's timeouts (0 = none) */
  int64_t n;                      /* Map: length or iteration index */
  sfn_value *assigned;            /* *StateExited: the variables Assign set (object), or NULL */
} event;

enum {
  PH_ENTER,         /* about to enter `state` */
  PH_TIMER,         /* Wait state until `wake` */
  PH_RETRY,         /* Retry backoff until `wake` */
  PH_TASK_QUEUED,   /* task scheduled, not yet handed to the host */
  PH_TASK_RUNNING,  /* task handed to the host */
  PH_TASK_CALLBACK, /* callback task submitted, waiting on its token */
  PH_CHILDREN,      /* Parallel/Map: waiting on child frames */
  PH_DONE           /* finished (root: execution ended; child: reported) */
};

typedef struct frame frame;

/* A Parallel or Map state's children. */
typedef struct fanout {
  int is_map;
  size_t total;        /* branches or items */
  size_t started, finished;
  size_t running;
  int64_t max_running; /* 0 = no limit */
  sfn_value *items;    /* Map: the items (array) */
  sfn_value *input;    /* the state's effective input (branch input; `$` of ItemSelector) */
  sfn_value *results;  /* array of outputs, by index */
  frame *children;     /* live children (doubly linked) */
  uint32_t last;       /* previousEventId of the next iteration's MapIterationStarted */
  uint32_t last_done;  /* id of the last MapIterationSucceeded */
  int failed;
  sfn_value *error, *cause; /* the first failure */
} fanout;

struct frame {
  const sfn_machine *m;
  long state;
  sfn_value *input;   /* raw input of the current state */
  sfn_value *eff;     /* effective input while waiting (Wait, Task) */
  sfn_value *context; /* $$ of the current state, or NULL */
  sfn_value *vars;    /* workflow variables in scope (object, shared copy-on-write), or NULL */
  int phase;
  int64_t wake;            /* PH_TIMER / PH_RETRY */
  uint64_t task_id;
  sfn_value *token;
  uint32_t last_event;     /* previousEventId of this frame's next event */
  uint32_t entered_event;
  uint32_t entered_prev;   /* previousEventId of the entered event */
  int64_t entered_ms;
  int attempt;
  int64_t task_deadline;   /* TimeoutSeconds of the running task, or -1 */
  int64_t hb_deadline;     /* next heartbeat due, or -1 */
  int task_started;        /* the task's *Started event is recorded (activities: at hand-over) */
  int retry_count;         /* $$.State.RetryCount */
  int64_t *retry_attempts; /* per retrier of the current state */
  size_t nretry_attempts;
  fanout *fan;             /* PH_CHILDREN */
  /* tree */
  frame *parent;
  size_t index;            /* branch / iteration index */
  frame *sib_prev, *sib_next;
  /* scheduling */
  size_t heap_pos;         /* position in the timer heap + 1, or 0 */
  int in_ready;
  frame *qnext;            /* task FIFO link */
  int queued;
  uint32_t slot;           /* task slot + 1 while it has one, or 0 */
};

typedef struct task_slot {
  frame *f;
  uint32_t gen;
  uint32_t next_free;
} task_slot;

struct sfn_exec {
  const sfn_machine *m;
  struct sfn_jsonata_cache *jcache; /* JSONata conversions of large inputs, while running */
  sfn_exec_status status;
  int record;
  int express;
  int64_t now, start_ms, stop_ms;
  int64_t deadline; /* machine TimeoutSeconds, or -1 */
  size_t payload_limit; /* bytes of JSON per payload, 0 = none */
  uint32_t next_id;
  event *ev;
  size_t nev, cap;
  sfn_value *input, *output, *error, *cause;
  sfn_value *input_text; /* the input's original text, or NULL */
  sfn_value *exec_arn, *sm_arn, *name, *sm_name, *role_arn, *region;
  sfn_value *ctx_execution, *ctx_state_machine; /* context nodes (NULL: left out) */
  sfn_value *ctx_state, *ctx_task; /* the host's State and Task nodes (NULL: the engine's) */
  int host_state, host_task;       /* the host gave State / Task (maybe null) */
  sfn_eval_env env;
  frame *root;
  /* scheduling */
  frame **ready;
  size_t nready, ready_cap;
  frame **heap;
  size_t nheap, heap_cap;
  frame *queue_head, *queue_tail;
  task_slot *slots;
  uint32_t nslots, slots_cap, free_slot; /* free_slot: index + 1, 0 = none */
  frame *dead;        /* ended children waiting to be freed (linked by qnext) */
  size_t live_frames;
  int oom;
};

extern const char *const sfn_exec_state_type_names[];

/* ---- scheduling (sfn_exec_sched.c) ---- */
void sfn_sched_ready_push(sfn_exec *e, frame *f);
void sfn_sched_ready_remove(sfn_exec *e, frame *f);
/* The time a frame waits for (timer, retry, task deadline), or -1. */
int64_t sfn_sched_frame_deadline(const frame *f);
void sfn_sched_heap_remove(sfn_exec *e, frame *f);
/* Put f in the timer heap at its current deadline (or take it out). */
void sfn_sched_heap_update(sfn_exec *e, frame *f);
void sfn_sched_queue_push(sfn_exec *e, frame *f);
void sfn_sched_queue_remove(sfn_exec *e, frame *f);
/* A task slot for f; returns the task id (slot and generation). */
uint64_t sfn_sched_slot_take(sfn_exec *e, frame *f);
void sfn_sched_slot_release(sfn_exec *e, frame *f);
/* The frame holding task id, or NULL (unknown or stale id). */
frame *sfn_sched_slot_frame(sfn_exec *e, uint64_t id);
/* After a frame moved: file it where its phase says. */
void sfn_sched_place(sfn_exec *e, frame *f);
/* Take f out of every structure (before freeing or aborting it). */
void sfn_sched_unschedule(sfn_exec *e, frame *f);

/* ---- shared by sfn_exec.c and sfn_exec_fanout.c ---- */
/* Record an event (ids count even when history is off); returns its id. */
uint32_t sfn_exec_record(sfn_exec *e, ev_type t, uint32_t prev, const sfn_state *st, sfn_value *payload,
                         sfn_value *error, sfn_value *cause);
/* The event just recorded with that id, or NULL (history off). */
event *sfn_exec_last_event(sfn_exec *e, uint32_t id);
frame *sfn_exec_frame_new(sfn_exec *e, const sfn_machine *m, sfn_value *input, frame *parent, size_t index);
void sfn_exec_frame_free(sfn_exec *e, frame *f);
void sfn_exec_fan_free(sfn_exec *e, fanout *fan);
/* Leave f's current state with out (stolen) for state `next` (-1: end),
 * setting the variables of `assigned` (stolen, may be NULL). */
void sfn_exec_exit_state(sfn_exec *e, frame *f, sfn_value *out, long next, sfn_value *assigned);
/* f failed (error, cause stolen): the execution, or its Parallel/Map. */
void sfn_exec_fail_frame(sfn_exec *e, frame *f, sfn_value *error, sfn_value *cause);
/* a's members then b's (b wins); both stolen, either may be NULL. */
sfn_value *sfn_exec_merge_assigned(sfn_exec *e, sfn_value *a, sfn_value *b);
/* ---- JSONata states (sfn_exec_jsonata.c) ---- */
/* Run f's current (JSONata) state as far as it goes; f->context is built. */
void sfn_exec_jsonata_run(sfn_exec *e, frame *f);
/* Finish a JSONata Task/Parallel/Map with its result (borrowed). */
void sfn_exec_jsonata_complete(sfn_exec *e, frame *f, sfn_value *result);
/* A JSONata Wait state's time is up. */
void sfn_exec_jsonata_wake(sfn_exec *e, frame *f);
/* A JSONata state's Catch c caught error/cause (borrowed). */
void sfn_exec_jsonata_catch(sfn_exec *e, frame *f, const sfn_catcher *c, sfn_value *error, sfn_value *cause);
/* The input of Map iteration i of a JSONata Map (ItemSelector), or NULL after failing. */
/* sfn_exec_fields.c: what a state works out before it runs. */
sfn_value *sfn_exec_time_string(int64_t ms); /* ISO 8601 text of epoch ms (sfn_exec.c) */
sfn_value *sfn_exec_build_context(sfn_exec *e, frame *f);
sfn_value *sfn_exec_dyn_string(sfn_exec *e, frame *f, const sfn_dyn_string *d, const char *fieldname,
                                int *failed);
int64_t sfn_exec_wait_until(sfn_exec *e, frame *f, const sfn_state *s, sfn_value *eff);
int64_t sfn_exec_task_seconds(sfn_exec *e, frame *f, int64_t lit, const sfn_path *p, sfn_value *eff,
                              const char *fieldname);
/* The context object of Map iteration i ($$.Map.Item added); NULL on OOM. */
sfn_value *sfn_exec_item_context(sfn_exec *e, frame *f, size_t i);
sfn_value *sfn_exec_jsonata_item(sfn_exec *e, frame *f, size_t i);
/* Point the evaluation environment at frame f (its context object and variables). */
void sfn_exec_use_frame(sfn_exec *e, frame *f);
/* Evaluate an Assign template over doc for f's current state: the object of
 * values to assign (new reference; NULL when tpl is NULL), or NULL with
 * *failed set after failing the state. */
sfn_value *sfn_exec_eval_assign(sfn_exec *e, frame *f, const sfn_template *tpl, sfn_value *doc, int *failed);
/* Fail the current state with an evaluation error (err cleared). */
void sfn_exec_fail_state(sfn_exec *e, frame *f, sfn_error *err);
/* The state's work produced result (borrowed): ResultSelector, ResultPath, OutputPath, exit. */
void sfn_exec_complete(sfn_exec *e, frame *f, sfn_value *result);
/* An error in the current state: retry, catch, or end the frame (steals error, cause). */
void sfn_exec_raise(sfn_exec *e, frame *f, sfn_value *error, sfn_value *cause);
int sfn_exec_will_retry(const frame *f, const sfn_value *error);
/* Run frame f as far as it goes now, then file it. */
void sfn_exec_step(sfn_exec *e, frame *f);
/* ---- fan-out (sfn_exec_fanout.c) ---- */
int64_t sfn_exec_max_concurrency(sfn_exec *e, frame *f, const sfn_state *s, sfn_value *eff);
void sfn_exec_start_fanout(sfn_exec *e, frame *f, const sfn_state *s, sfn_value *input, sfn_value *items,
                           int64_t max_running);
void sfn_exec_pump(sfn_exec *e, frame *f);
/* Abort f's running children and free its fan-out (f's own work failed). */
void sfn_exec_abort_fanout(sfn_exec *e, frame *f);
void sfn_exec_child_ended(sfn_exec *e, frame *child, sfn_value *out, sfn_value *error, sfn_value *cause);
void sfn_exec_retire(sfn_exec *e, frame *c);
void sfn_exec_reap(sfn_exec *e);

/* ---- tasks (sfn_exec_task.c) ---- */
ev_type sfn_exec_task_event(const sfn_state *s, ev_type generic, ev_type lambda, ev_type activity);
sfn_value *sfn_exec_new_token(sfn_exec *e, uint64_t task_id);
void sfn_exec_schedule_task(sfn_exec *e, frame *f, const sfn_state *s, sfn_value *params, int64_t timeout_s,
                            int64_t heartbeat_s);
void sfn_exec_task_timed_out(sfn_exec *e, frame *f);
/* ---- also shared (sfn_exec.c) ---- */
/* Drop what a waiting state holds: its effective input and token (clear_task),
 * and its context object too (clear_wait: the state is left).  A failed task
 * keeps its context object: a Catch's Output/Assign still reads it. */
void sfn_exec_clear_task(frame *f);
void sfn_exec_clear_wait(frame *f);
/* Is v's JSON text over the execution's payload limit? */
int sfn_exec_over_limit(const sfn_exec *e, const sfn_value *v);

#endif
