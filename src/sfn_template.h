/*
 * sfn_template.h: payload templates (Parameters, ResultSelector,
 * ItemSelector, the older Map Parameters).  A template is a JSON value in
 * which object keys ending in ".$" take their value from a path, a context
 * path or an intrinsic call; everything else is copied as is.
 */
#ifndef SFN_TEMPLATE_H
#define SFN_TEMPLATE_H

#include "sfn_eval.h"

typedef struct sfn_template sfn_template;

/* Compile tpl (borrowed; the template keeps its own reference).  NULL with
 * err (code "InvalidDefinition") on a bad `.$` field, with AWS's wording
 * (the validator appends " at /States/<S>/<Field>"):
 *   The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call
 *   The value for the field 'x.$' must be a STRING that contains a JSONPath but was an ARRAY
 * or OutOfMemory. */
sfn_template *sfn_template_compile(sfn_value *tpl, sfn_error *err);
void sfn_template_free(sfn_template *t);

/* Build the payload.  SFN_OK with *out a new reference; SFN_ERR with err.
 * A path that selects nothing fails with "States.Runtime" (what AWS
 * records, not the documented States.ParameterPathFailure) and
 *   The JSONPath '$.x' specified for the field 'x.$' could not be found in the input '<input JSON>'
 * (the engine prefixes "An error occurred while executing the state ...").
 * Intrinsic failures come from sfn_intrinsic_eval unchanged. */
int sfn_template_eval(const sfn_template *t, sfn_eval_env *env, sfn_value **out, sfn_error *err);

#endif
