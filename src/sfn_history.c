/*
 * sfn_history.c: an execution in the API's shapes: DescribeExecution's
 * fields and GetExecutionHistory's events, built from the compact records
 * sfn_exec.c keeps (payloads become JSON text, as the API sends them).
 */
#include "sfn_exec_int.h"

#include <stdio.h>
#include <string.h>

#include "sfn_json.h"

/* o[key] = v as JSON text (key klen bytes). */
static int set_json_n(sfn_value *o, const char *key, size_t klen, const sfn_value *v) {
  size_t len;
  char *txt = sfn_json_encode(v, &len, NULL);
  sfn_value *s;
  if (!txt) return SFN_ERR;
  s = sfn_string(txt, len);
  sfn_free(txt);
  return sfn_object_set(o, key, klen, s);
}

static int set_json(sfn_value *o, const char *key, const sfn_value *v) {
  return set_json_n(o, key, strlen(key), v);
}

static int set_json_key(sfn_value *o, const sfn_value *key, const sfn_value *v) {
  return set_json_n(o, sfn_str(key), sfn_strlen(key), v);
}

/* The execution's input is shown as the caller wrote it (AWS echoes the
 * text); anything else as compact JSON. */
static int set_input_json(const sfn_exec *e, sfn_value *o, const char *key, const sfn_value *v) {
  if (v == e->input && e->input_text) return sfn_object_sets(o, key, sfn_incref(e->input_text));
  return set_json(o, key, v);
}

static int set_details(sfn_value *o, const char *key) {
  sfn_value *d = sfn_object_new(1);
  if (!d) return SFN_ERR;
  if (sfn_object_sets(d, "truncated", sfn_false()) != SFN_OK) return SFN_ERR;
  return sfn_object_sets(o, key, d);
}

static double seconds(int64_t ms) { return (double)ms / 1000.0; }

sfn_value *sfn_exec_describe(const sfn_exec *e) {
  sfn_value *o = sfn_object_new(12);
  int rc = SFN_OK;
  if (!o) return NULL;
  rc |= sfn_object_sets(o, "executionArn", sfn_incref(e->exec_arn));
  rc |= sfn_object_sets(o, "stateMachineArn", sfn_incref(e->sm_arn));
  rc |= sfn_object_sets(o, "name", sfn_incref(e->name));
  rc |= sfn_object_sets(o, "status", sfn_cstring(sfn_exec_status_name(e->status)));
  rc |= sfn_object_sets(o, "startDate", sfn_double(seconds(e->start_ms)));
  if (e->status != SFN_EXEC_RUNNING) rc |= sfn_object_sets(o, "stopDate", sfn_double(seconds(e->stop_ms)));
  rc |= set_input_json(e, o, "input", e->input);
  rc |= set_details(o, "inputDetails");
  if (e->status == SFN_EXEC_SUCCEEDED && e->output) {
    rc |= set_json(o, "output", e->output);
    rc |= set_details(o, "outputDetails");
  }
  if (e->status != SFN_EXEC_TIMED_OUT) { /* AWS describes a timed-out execution without error */
    if (e->error) rc |= sfn_object_sets(o, "error", sfn_incref(e->error));
    if (e->cause) rc |= sfn_object_sets(o, "cause", sfn_incref(e->cause));
  }
  rc |= sfn_object_sets(o, "redriveCount", sfn_int(0));
  if (rc != SFN_OK) {
    sfn_decref(o);
    return NULL;
  }
  return o;
}

static const char *event_type_name(const event *v, char *buf, size_t n) {
  static const char *const fixed[] = {
      "ExecutionStarted", "ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut",
      "ExecutionAborted", NULL, NULL, "TaskScheduled", "TaskStarted", "TaskSucceeded",
      "TaskFailed", "LambdaFunctionScheduled", "LambdaFunctionStarted",
      "LambdaFunctionSucceeded", "LambdaFunctionFailed", "ActivityScheduled", "ActivityStarted",
      "ActivitySucceeded", "ActivityFailed", "TaskSubmitted", "TaskTimedOut",
      "LambdaFunctionTimedOut", "ActivityTimedOut", "ParallelStateStarted",
      "ParallelStateSucceeded", "ParallelStateFailed", "MapStateStarted", "MapStateSucceeded",
      "MapStateFailed", "MapIterationStarted", "MapIterationSucceeded", "MapIterationFailed",
      "MapIterationAborted", NULL, "EvaluationFailed"};
  const char *suffix = v->type == EV_STATE_ENTERED ? "Entered"
                       : v->type == EV_STATE_EXITED ? "Exited"
                       : v->type == EV_STATE_ABORTED ? "Aborted"
                                                     : NULL;
  if (suffix) {
    snprintf(buf, n, "%sState%s", sfn_exec_state_type_names[v->state->type], suffix);
    return buf;
  }
  return fixed[v->type];
}

static int add_resource(sfn_value *d, const sfn_state *s, const sfn_exec *e) {
  int rc = SFN_OK;
  if (s->task_kind == SFN_TASK_SERVICE) {
    rc |= sfn_object_sets(d, "resourceType", sfn_incref(s->resource_type));
    rc |= sfn_object_sets(d, "resource", sfn_incref(s->resource_name));
  } else {
    rc |= sfn_object_sets(d, "resourceType", sfn_cstring("generic"));
    rc |= sfn_object_sets(d, "resource", sfn_incref(s->resource));
  }
  (void)e;
  return rc;
}

static int add_error_cause(sfn_value *d, const event *v) {
  int rc = SFN_OK;
  if (v->error) rc |= sfn_object_sets(d, "error", sfn_incref(v->error));
  if (v->cause) rc |= sfn_object_sets(d, "cause", sfn_incref(v->cause));
  return rc;
}

sfn_value *sfn_exec_event(const sfn_exec *e, size_t i) {
  const event *v = &e->ev[i];
  char tbuf[64];
  const char *tname = event_type_name(v, tbuf, sizeof tbuf);
  sfn_value *o = sfn_object_new(5), *d = NULL;
  const char *dkey = NULL;
  int rc = SFN_OK;
  if (!o) return NULL;
  rc |= sfn_object_sets(o, "timestamp", sfn_double(seconds(v->ts)));
  rc |= sfn_object_sets(o, "type", sfn_cstring(tname));
  rc |= sfn_object_sets(o, "id", sfn_int(v->id));
  rc |= sfn_object_sets(o, "previousEventId", sfn_int(v->prev));
  d = sfn_object_new(4);
  if (!d) goto fail;
  switch ((ev_type)v->type) {
    case EV_EXECUTION_STARTED:
      dkey = "executionStartedEventDetails";
      rc |= set_input_json(e, d, "input", v->payload);
      rc |= set_details(d, "inputDetails");
      rc |= sfn_object_sets(d, "roleArn", sfn_incref(e->role_arn));
      break;
    case EV_EXECUTION_SUCCEEDED:
      dkey = "executionSucceededEventDetails";
      rc |= set_json(d, "output", v->payload);
      rc |= set_details(d, "outputDetails");
      break;
    case EV_EXECUTION_FAILED: dkey = "executionFailedEventDetails"; rc |= add_error_cause(d, v); break;
    case EV_EXECUTION_TIMED_OUT: dkey = "executionTimedOutEventDetails"; rc |= add_error_cause(d, v); break;
    case EV_EXECUTION_ABORTED: dkey = "executionAbortedEventDetails"; rc |= add_error_cause(d, v); break;
    case EV_STATE_ENTERED:
      dkey = "stateEnteredEventDetails";
      rc |= sfn_object_sets(d, "name", sfn_incref(v->state->name));
      rc |= set_input_json(e, d, "input", v->payload);
      rc |= set_details(d, "inputDetails");
      break;
    case EV_STATE_EXITED:
      dkey = "stateExitedEventDetails";
      rc |= sfn_object_sets(d, "name", sfn_incref(v->state->name));
      rc |= set_json(d, "output", v->payload);
      rc |= set_details(d, "outputDetails");
      if (v->assigned) {
        /* assignedVariables: name -> the value as JSON text */
        sfn_value *av = sfn_object_new(sfn_object_len(v->assigned));
        size_t k;
        if (!av) rc = SFN_ERR;
        for (k = 0; av && k < sfn_object_len(v->assigned); k++) {
          const sfn_value *key = sfn_object_key(v->assigned, k);
          rc |= set_json_key(av, key, sfn_object_val(v->assigned, k));
        }
        if (av) rc |= sfn_object_sets(d, "assignedVariables", av);
        rc |= set_details(d, "assignedVariablesDetails");
      }
      break;
    case EV_TASK_SCHEDULED:
      dkey = "taskScheduledEventDetails";
      rc |= add_resource(d, v->state, e);
      rc |= sfn_object_sets(d, "region", sfn_incref(e->region));
      rc |= set_json(d, "parameters", v->payload);
      if (v->timeout_s) rc |= sfn_object_sets(d, "timeoutInSeconds", sfn_int(v->timeout_s));
      if (v->heartbeat_s) rc |= sfn_object_sets(d, "heartbeatInSeconds", sfn_int(v->heartbeat_s));
      break;
    case EV_TASK_STARTED: dkey = "taskStartedEventDetails"; rc |= add_resource(d, v->state, e); break;
    case EV_TASK_SUCCEEDED:
      dkey = "taskSucceededEventDetails";
      rc |= add_resource(d, v->state, e);
      rc |= set_json(d, "output", v->payload);
      rc |= set_details(d, "outputDetails");
      break;
    case EV_TASK_FAILED:
      dkey = "taskFailedEventDetails";
      rc |= add_resource(d, v->state, e);
      rc |= add_error_cause(d, v);
      break;
    case EV_LAMBDA_SCHEDULED:
    case EV_ACTIVITY_SCHEDULED:
      dkey = v->type == EV_LAMBDA_SCHEDULED ? "lambdaFunctionScheduledEventDetails"
                                            : "activityScheduledEventDetails";
      rc |= sfn_object_sets(d, "resource", sfn_incref(v->state->resource));
      rc |= set_json(d, "input", v->payload);
      rc |= set_details(d, "inputDetails");
      if (v->timeout_s) rc |= sfn_object_sets(d, "timeoutInSeconds", sfn_int(v->timeout_s));
      if (v->heartbeat_s && v->type == EV_ACTIVITY_SCHEDULED)
        rc |= sfn_object_sets(d, "heartbeatInSeconds", sfn_int(v->heartbeat_s));
      break;
    case EV_ACTIVITY_STARTED:
      dkey = "activityStartedEventDetails";
      if (v->payload) rc |= sfn_object_sets(d, "workerName", sfn_incref(v->payload));
      break;
    case EV_LAMBDA_SUCCEEDED:
    case EV_ACTIVITY_SUCCEEDED:
      dkey = v->type == EV_LAMBDA_SUCCEEDED ? "lambdaFunctionSucceededEventDetails"
                                            : "activitySucceededEventDetails";
      rc |= set_json(d, "output", v->payload);
      rc |= set_details(d, "outputDetails");
      break;
    case EV_TASK_SUBMITTED:
      dkey = "taskSubmittedEventDetails";
      rc |= add_resource(d, v->state, e);
      rc |= set_json(d, "output", v->payload);
      rc |= set_details(d, "outputDetails");
      break;
    case EV_TASK_TIMED_OUT:
      dkey = "taskTimedOutEventDetails";
      rc |= add_resource(d, v->state, e);
      rc |= add_error_cause(d, v);
      break;
    case EV_LAMBDA_TIMED_OUT:
    case EV_ACTIVITY_TIMED_OUT:
      dkey = v->type == EV_LAMBDA_TIMED_OUT ? "lambdaFunctionTimedOutEventDetails" : "activityTimedOutEventDetails";
      rc |= add_error_cause(d, v);
      break;
    case EV_MAP_STARTED:
      dkey = "mapStateStartedEventDetails";
      rc |= sfn_object_sets(d, "length", sfn_int(v->n));
      break;
    case EV_MAP_ITERATION_STARTED:
    case EV_MAP_ITERATION_SUCCEEDED:
    case EV_MAP_ITERATION_FAILED:
    case EV_MAP_ITERATION_ABORTED:
      dkey = v->type == EV_MAP_ITERATION_STARTED     ? "mapIterationStartedEventDetails"
             : v->type == EV_MAP_ITERATION_SUCCEEDED ? "mapIterationSucceededEventDetails"
             : v->type == EV_MAP_ITERATION_FAILED    ? "mapIterationFailedEventDetails"
                                                     : "mapIterationAbortedEventDetails";
      rc |= sfn_object_sets(d, "name", sfn_incref(v->state->name));
      rc |= sfn_object_sets(d, "index", sfn_int(v->n));
      break;
    case EV_EVALUATION_FAILED:
      dkey = "evaluationFailedEventDetails";
      rc |= add_error_cause(d, v);
      if (v->payload) rc |= sfn_object_sets(d, "location", sfn_incref(v->payload));
      rc |= sfn_object_sets(d, "state", sfn_incref(v->state->name));
      break;
    case EV_LAMBDA_FAILED:
    case EV_ACTIVITY_FAILED:
      dkey = v->type == EV_LAMBDA_FAILED ? "lambdaFunctionFailedEventDetails" : "activityFailedEventDetails";
      rc |= add_error_cause(d, v);
      break;
    default: break;
  }
  if (dkey) {
    rc |= sfn_object_sets(o, dkey, d);
    d = NULL;
  }
  sfn_decref(d);
  if (rc != SFN_OK) goto fail;
  return o;
fail:
  sfn_decref(o);
  return NULL;
}
