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
 * err on a bad path or intrinsic inside (err->message names the field). */
sfn_template *sfn_template_compile(sfn_value *tpl, sfn_error *err);
void sfn_template_free(sfn_template *t);

/* Build the payload.  SFN_OK with *out a new reference; SFN_ERR with
 * err->code "States.ParameterPathFailure" / "States.IntrinsicFailure" /
 * "States.Runtime" and AWS's cause text. */
int sfn_template_eval(const sfn_template *t, sfn_eval_env *env, sfn_value **out, sfn_error *err);

#endif
