/*
 * sfn_exec.h: one execution of a compiled machine, advanced step by step.
 *
 * Sans-I/O: the host supplies the time (`now`, ms since the epoch) and the
 * results of Task states.  sfn_exec_run advances every branch as far as it
 * can at `now`; then the execution has ended, or waits for tasks the host
 * must run (sfn_exec_take_task) and/or a timer (sfn_exec_wake_time).
 *
 * History is kept as compact records and turned into the API's event shape
 * (GetExecutionHistory) only when asked (sfn_exec_event).
 */
#ifndef SFN_EXEC_H
#define SFN_EXEC_H

#include "sfn_machine.h"

typedef enum sfn_exec_status {
  SFN_EXEC_RUNNING = 0,
  SFN_EXEC_SUCCEEDED,
  SFN_EXEC_FAILED,
  SFN_EXEC_TIMED_OUT,
  SFN_EXEC_ABORTED
} sfn_exec_status;

typedef struct sfn_exec_config {
  const char *execution_name;     /* required */
  const char *state_machine_name; /* required */
  const char *account;            /* default "123456789012" */
  const char *region;             /* default "us-east-1" */
  const char *partition;          /* default "aws" */
  const char *role_arn;           /* default arn:aws:iam::<account>:role/sfn */
  int express;                    /* EXPRESS state machine */
  int64_t start_ms;               /* start time */
  int record_history;             /* keep history events */
  int64_t payload_limit;          /* bytes per payload: 0 = AWS's 256 KiB, < 0 = no limit */
  const char *input_text;         /* the input as the caller wrote it (optional): AWS echoes it */
  size_t input_len;
  uint64_t (*random)(void *ud);   /* random source (task tokens, UUID, MathRandom) */
  void *random_ud;
  uint64_t seed;                  /* seed for the built-in generator when random is NULL */
  /* The host's nodes of the context object (an object, borrowed, or NULL):
   * Execution, State, StateMachine, Task.  A node given replaces the
   * engine's own in every state's context object (`$$`, $states.context);
   * a node given as null leaves it out.  Map stays the engine's. */
  sfn_value *context;
} sfn_exec_config;

/* A task the host must run. */
typedef struct sfn_task_request {
  uint64_t id;
  const sfn_state *state; /* name, resource, kind */
  sfn_value *input;       /* effective input (borrowed until the task completes) */
  sfn_value *token;       /* task token (string, borrowed) */
  int attempt;            /* 1 for the first attempt */
} sfn_task_request;

typedef struct sfn_exec sfn_exec;

/* Start an execution (records ExecutionStarted).  input is borrowed.
 * NULL with err on OOM, input over the size limit, or a context that is not
 * an object of those nodes (objects or null): code "InvalidContext". */
sfn_exec *sfn_exec_new(const sfn_machine *m, sfn_value *input, const sfn_exec_config *cfg,
                       sfn_error *err);
void sfn_exec_free(sfn_exec *e);

/* Advance everything runnable at `now`.  SFN_ERR only on OOM. */
int sfn_exec_run(sfn_exec *e, int64_t now);

sfn_exec_status sfn_exec_status_of(const sfn_exec *e);
const char *sfn_exec_status_name(sfn_exec_status s);

/* Earliest pending timer (ms), or -1 when none. */
int64_t sfn_exec_wake_time(const sfn_exec *e);

/* Hand the next scheduled task to the host (SFN_OK), or SFN_NOTFOUND. */
int sfn_exec_take_task(sfn_exec *e, sfn_task_request *out);

/* Complete a task.  output is borrowed.  SFN_NOTFOUND for an unknown id. */
int sfn_exec_task_succeeded(sfn_exec *e, uint64_t id, sfn_value *output, int64_t now);
int sfn_exec_task_failed(sfn_exec *e, uint64_t id, const char *error, const char *cause,
                         int64_t now);

/* A `.waitForTaskToken` task was handed over (the service call that
 * carries the token returned `output`): TaskSubmitted; the task now waits
 * for its token.  SFN_NOTFOUND for an unknown id. */
int sfn_exec_task_submitted(sfn_exec *e, uint64_t id, sfn_value *output, int64_t now);

/* An activity task was handed to a worker (GetActivityTask): records
 * ActivityStarted, with workerName when worker_name is not NULL.  An
 * activity task's ActivityScheduled is recorded when the state schedules
 * it, its ActivityStarted only here (or, when the host never calls this,
 * just before its result).  TimeoutSeconds and HeartbeatSeconds count from
 * scheduling.  SFN_NOTFOUND for an unknown id, a task that is not an
 * activity's, one already started, or one that timed out by `now`. */
int sfn_exec_task_started(sfn_exec *e, uint64_t id, const char *worker_name, int64_t now);

/* Answer a callback or activity task by its token (SendTaskSuccess/Failure/Heartbeat).
 * SFN_NOTFOUND when no running task waits on that token (unknown, already
 * answered or timed out).  Heartbeats restart HeartbeatSeconds. */
int sfn_exec_send_success(sfn_exec *e, const char *token, sfn_value *output, int64_t now);
int sfn_exec_send_failure(sfn_exec *e, const char *token, const char *error, const char *cause,
                          int64_t now);
int sfn_exec_send_heartbeat(sfn_exec *e, const char *token, int64_t now);

/* Is task id still waiting for its result (not timed out, aborted or ended)? */
int sfn_exec_task_alive(sfn_exec *e, uint64_t id);

/* Stop a running execution (ABORTED). */
int sfn_exec_stop(sfn_exec *e, const char *error, const char *cause, int64_t now);

/* DescribeExecution's fields as an object (new reference). */
sfn_value *sfn_exec_describe(const sfn_exec *e);
/* Output (borrowed, NULL unless SUCCEEDED), error and cause (borrowed, may be NULL). */
sfn_value *sfn_exec_output(const sfn_exec *e);
sfn_value *sfn_exec_error(const sfn_exec *e);
sfn_value *sfn_exec_cause(const sfn_exec *e);

/* History. */
size_t sfn_exec_event_count(const sfn_exec *e);
/* Event i (0-based) in GetExecutionHistory's shape (new reference). */
sfn_value *sfn_exec_event(const sfn_exec *e, size_t i);

#endif
