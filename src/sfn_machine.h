/*
 * sfn_machine.h: the compiled form of an ASL definition (JSONPath flavour).
 *
 * sfn_machine_compile validates the definition (sfn_validate) and turns it
 * into an array of states with resolved transitions, precompiled paths,
 * payload templates, Choice rules and intrinsic calls, so that execution
 * does no parsing.  Parallel branches and Map processors are nested
 * machines.  A machine is immutable after compilation and may be shared by
 * any number of executions.
 */
#ifndef SFN_MACHINE_H
#define SFN_MACHINE_H

#include "sfn_choice.h"
#include "sfn_intrinsic.h"
#include "sfn_path.h"
#include "sfn_template.h"
#include "sfn_template_jsonata.h"
#include "sfn_validate.h"

typedef enum sfn_state_type {
  SFN_STATE_PASS,
  SFN_STATE_TASK,
  SFN_STATE_CHOICE,
  SFN_STATE_WAIT,
  SFN_STATE_SUCCEED,
  SFN_STATE_FAIL,
  SFN_STATE_PARALLEL,
  SFN_STATE_MAP
} sfn_state_type;

/* An optional path field: absent (the default applies), null, or a path. */
typedef enum { SFN_FIELD_ABSENT = 0, SFN_FIELD_NULL, SFN_FIELD_SET } sfn_field_mode;

typedef struct sfn_opt_path {
  sfn_field_mode mode;
  sfn_path *path;
} sfn_opt_path;

/* A string field that may come from a path or an intrinsic (Fail ErrorPath/CausePath). */
typedef struct sfn_dyn_string {
  sfn_value *literal;   /* Error / Cause */
  sfn_path *path;       /* ErrorPath / CausePath as a path */
  sfn_intrinsic *call;  /* ... or as an intrinsic call */
  sfn_value *path_text; /* the path/call text, for messages */
} sfn_dyn_string;

typedef enum { SFN_TASK_GENERIC = 0, SFN_TASK_LAMBDA_FN, SFN_TASK_ACTIVITY, SFN_TASK_SERVICE } sfn_task_kind;
typedef enum { SFN_WAIT_SECONDS, SFN_WAIT_TIMESTAMP, SFN_WAIT_SECONDS_PATH, SFN_WAIT_TIMESTAMP_PATH } sfn_wait_kind;

typedef struct sfn_machine sfn_machine;

/* One Retry entry.  errors: the ErrorEquals array (borrowed from the definition). */
typedef struct sfn_retrier {
  const sfn_value *errors;
  double interval_s;  /* IntervalSeconds, default 1 */
  int64_t max_attempts; /* MaxAttempts, default 3 */
  double backoff;     /* BackoffRate, default 2.0 */
  int64_t max_delay_s; /* MaxDelaySeconds, 0 = none */
  int jitter_full;    /* JitterStrategy FULL */
} sfn_retrier;

/* One Catch entry. */
typedef struct sfn_catcher {
  const sfn_value *errors;
  long next;
  sfn_opt_path result_path; /* default `$` */
  sfn_template *assign;     /* Assign, over the error output, or NULL */
  sfn_jtemplate *j_output, *j_assign; /* JSONata states: Output, Assign */
} sfn_catcher;

typedef struct sfn_state {
  sfn_value *name; /* SFN_STRING */
  sfn_state_type type;
  int uses_context; /* some field of the state mentions `$$` */
  long next; /* index of Next, -1 for End (or none) */
  sfn_opt_path input_path, output_path, result_path;
  sfn_template *parameters;      /* Parameters (also Map's ItemSelector) */
  sfn_template *result_selector; /* ResultSelector */
  sfn_value *result;             /* Pass Result, or NULL */
  /* Assign: a template evaluated over the state's result (Pass, Task,
   * Parallel, Map: after ResultSelector) or effective input (Choice, Wait);
   * the variables are set when the state exits.  NULL when absent or {}. */
  sfn_template *assign;

  /* JSONata states (QueryLanguage JSONata, the state's or the machine's):
   * their fields as templates with `{% %}` expressions (NULL = absent). */
  int jsonata;
  sfn_jtemplate *j_args;           /* Arguments (Task, Parallel) */
  sfn_jtemplate *j_output;         /* Output */
  sfn_jtemplate *j_assign;         /* Assign */
  sfn_jtemplate *j_items;          /* Map Items */
  sfn_jtemplate *j_item_selector;  /* Map ItemSelector */
  sfn_jtemplate *j_max_concurrency; /* Map MaxConcurrency */
  sfn_jtemplate *j_timeout, *j_heartbeat; /* Task TimeoutSeconds / HeartbeatSeconds */
  sfn_jtemplate *j_wait;           /* Wait Seconds or Timestamp */
  sfn_jtemplate *j_error, *j_cause; /* Fail Error / Cause */
  sfn_jtemplate **j_conditions;    /* Choice: per rule, its Condition */
  sfn_jtemplate **j_rule_output;   /* Choice: per rule, its Output */
  sfn_jtemplate **j_rule_assign;   /* Choice: per rule, its Assign */
  size_t j_nrules;

  /* Task */
  sfn_value *resource;      /* full ARN */
  sfn_task_kind task_kind;
  sfn_value *resource_type; /* e.g. "lambda" for arn:aws:states:::lambda:invoke */
  sfn_value *resource_name; /* e.g. "invoke" */
  int wait_for_token;       /* .waitForTaskToken */
  int64_t timeout_s;        /* TimeoutSeconds (0 = none) */
  sfn_path *timeout_path;   /* TimeoutSecondsPath */
  int64_t heartbeat_s;      /* HeartbeatSeconds (0 = none) */
  sfn_path *heartbeat_path; /* HeartbeatSecondsPath */

  /* Retry / Catch (Task, Parallel, Map) */
  sfn_retrier *retry;
  size_t nretry;
  sfn_catcher *catches;
  size_t ncatch;

  /* Choice */
  sfn_choice *choice;
  long *choice_next; /* per top-level rule */
  sfn_template **choice_assign; /* per top-level rule: its Assign, or NULL */
  long default_next; /* -1 when no Default */

  /* Wait */
  sfn_wait_kind wait_kind;
  int64_t wait_seconds;
  sfn_value *wait_timestamp; /* the literal string */
  int64_t wait_timestamp_ms;
  sfn_path *wait_path;

  /* Fail */
  sfn_dyn_string fail_error, fail_cause;

  /* Parallel */
  sfn_machine **branches;
  size_t nbranches;

  /* Map (inline) */
  sfn_machine *processor;       /* ItemProcessor / Iterator */
  sfn_opt_path items_path;      /* ItemsPath (default `$`) */
  sfn_template *item_selector;  /* ItemSelector, or the older Parameters */
  int64_t max_concurrency;      /* MaxConcurrency, 0 = no limit */
  sfn_path *max_concurrency_path;
} sfn_state;

struct sfn_machine {
  sfn_value *def; /* the definition (kept alive: states borrow from it) */
  sfn_state *states;
  size_t n;
  long start;
  int64_t timeout_seconds; /* 0 = none */
};

/* Compile def (borrowed; the machine keeps a reference).  On an invalid
 * definition: NULL, err->code "InvalidDefinition" and AWS's message, and
 * diags (if not NULL) filled.  Features not supported yet: NULL with
 * err->code "UnsupportedFeature". */
sfn_machine *sfn_machine_compile(sfn_value *def, const sfn_validate_opts *opts,
                                 sfn_diagnostics *diags, sfn_error *err);
void sfn_machine_free(sfn_machine *m);

/* The workflow variables each state reads (DescribeStateMachine's
 * variableReferences): an object state name -> sorted array of variable
 * names, states without references left out, nested states included; found
 * statically in the definition (a JSON object; any definition works, also
 * one the engine does not run).  New reference, NULL on OOM. */
sfn_value *sfn_variable_references(const sfn_value *def);
sfn_value *sfn_machine_variable_references(const sfn_machine *m);

/* Index of the state with that name, or -1. */
long sfn_machine_find(const sfn_machine *m, const char *name, size_t len);

#endif
