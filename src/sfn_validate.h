/*
 * sfn_validate.h: checks an ASL definition (JSONPath flavour) the way AWS's
 * CreateStateMachine / ValidateStateMachineDefinition do, producing AWS's
 * diagnostics: code (SCHEMA_VALIDATION_FAILED, MISSING_TRANSITION_TARGET,
 * ...), message text and location (/States/X/...), in AWS's order.
 */
#ifndef SFN_VALIDATE_H
#define SFN_VALIDATE_H

#include "sfn_value.h"

typedef struct sfn_diagnostic {
  char *code;     /* e.g. "SCHEMA_VALIDATION_FAILED" */
  char *message;  /* AWS's text, without the location suffix */
  char *location; /* e.g. "/States/X/Next", or NULL */
  int severity;   /* SFN_DIAG_ERROR or SFN_DIAG_WARNING */
} sfn_diagnostic;

enum { SFN_DIAG_ERROR = 0, SFN_DIAG_WARNING = 1 };

typedef struct sfn_diagnostics {
  sfn_diagnostic *items;
  size_t n, cap;
} sfn_diagnostics;

typedef struct sfn_validate_opts {
  int express; /* validating for an EXPRESS state machine */
} sfn_validate_opts;

/* Validate def (parsed JSON).  Fills diags (errors first, AWS's order).
 * Returns SFN_OK when there is no ERROR diagnostic, SFN_ERR otherwise
 * (also on OOM, with code "OutOfMemory" in err). */
int sfn_validate(const sfn_value *def, const sfn_validate_opts *opts, sfn_diagnostics *diags,
                 sfn_error *err);
void sfn_diagnostics_free(sfn_diagnostics *d);

/* The message CreateStateMachine puts in InvalidDefinition for the first
 * error: "Invalid State Machine Definition: '<CODE>: <message> at <location>'".
 * Returns a new string (sfn_free) or NULL. */
char *sfn_validate_message(const sfn_diagnostics *d);

#endif
