/*
 * sfn_validate.h: checks an ASL definition (JSONPath flavour) the way AWS's
 * CreateStateMachine / ValidateStateMachineDefinition do, producing AWS's
 * diagnostics: code (SCHEMA_VALIDATION_FAILED, MISSING_TRANSITION_TARGET,
 * ...), message text and location (/States/X/...), in AWS's order.
 *
 * Order of the checks, as AWS reports them: the definition's own fields,
 * then every state (in definition order, nested containers as they come),
 * then - only when no schema error was found - the transition graph of each
 * container (missing targets, then MISSING_END_STATE at the top level or
 * unreachable states), then Map Label rules.
 *
 * JSONata states (QueryLanguage "JSONata") get the checks AWS applies to
 * field placement and structure; their expressions are not parsed.
 */
#ifndef SFN_VALIDATE_H
#define SFN_VALIDATE_H

#include "sfn_value.h"

typedef struct sfn_diagnostic {
  char *code;     /* e.g. "SCHEMA_VALIDATION_FAILED" */
  char *message;  /* AWS's text, without the location suffix */
  char *location; /* e.g. "/States/X/Next", or NULL */
  int severity;   /* SFN_DIAG_ERROR or SFN_DIAG_WARNING */
  /* When not NULL: the complete InvalidDefinition message CreateStateMachine
   * answers for this diagnostic (AWS does not wrap Map Label errors in the
   * usual "Invalid State Machine Definition: '...'" form). */
  char *create_message;
} sfn_diagnostic;

enum { SFN_DIAG_ERROR = 0, SFN_DIAG_WARNING = 1 };

typedef struct sfn_diagnostics {
  sfn_diagnostic *items;
  size_t n, cap;
} sfn_diagnostics;

typedef struct sfn_validate_opts {
  int express;          /* validating for an EXPRESS state machine */
  const char *text;     /* the raw definition text (AWS quotes it in Map
                         * Label errors); may be NULL */
  size_t text_len;
} sfn_validate_opts;

/* Validate def (parsed JSON).  Fills diags (errors first, AWS's order).
 * Returns SFN_OK when there is no ERROR diagnostic, SFN_ERR otherwise
 * (also on OOM, with code "OutOfMemory" in err). */
int sfn_validate(const sfn_value *def, const sfn_validate_opts *opts, sfn_diagnostics *diags,
                 sfn_error *err);

/* Validate definition text as ValidateStateMachineDefinition does: text
 * that is empty or not a JSON object gives AWS's SCHEMA_VALIDATION_FAILED
 * "Definition must be a valid JSON object"; text that is not JSON gives
 * INVALID_JSON_DESCRIPTION with a Jackson-style message; otherwise as
 * sfn_validate (opts->text is taken from text when NULL).  If def_out is not
 * NULL it receives the decoded definition (new reference) or NULL. */
int sfn_validate_text(const char *text, size_t len, const sfn_validate_opts *opts,
                      sfn_diagnostics *diags, sfn_value **def_out, sfn_error *err);

/* Append to diags the INVALID_JSON_DESCRIPTION diagnostic AWS gives for text
 * that does not parse as JSON (Jackson's wording, with the location
 * "[Source: (String)\"...\"; line: L, column: C]").  Returns SFN_OK when a
 * diagnostic was added, SFN_NOTFOUND when the text is valid JSON, SFN_ERR on
 * OOM. */
int sfn_validate_json_error(const char *text, size_t len, sfn_diagnostics *diags);

void sfn_diagnostics_free(sfn_diagnostics *d);

/* Number of ERROR diagnostics in d. */
size_t sfn_diagnostics_errors(const sfn_diagnostics *d);

/* The message CreateStateMachine puts in InvalidDefinition: every error as
 * "<CODE>: <message> at <location>" joined by ", " inside
 * "Invalid State Machine Definition: '...'" (a missing location prints as
 * "null", as AWS does); or the diagnostic's create_message when the only
 * errors carry one.  Returns a new string (sfn_free), or NULL when there is
 * no error (or on OOM). */
char *sfn_validate_message(const sfn_diagnostics *d);

#endif
