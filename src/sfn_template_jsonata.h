/*
 * sfn_template_jsonata.h: a JSON value whose strings may be JSONata
 * expressions `{% ... %}` (the fields of a JSONata state: Arguments, Output,
 * Assign, Items, Seconds, Condition, ...).  Compiled once with the
 * definition; evaluated to a JSON value with each expression replaced by
 * its result.
 */
#ifndef SFN_TEMPLATE_JSONATA_H
#define SFN_TEMPLATE_JSONATA_H

#include "sfn_jsonata.h"

typedef struct sfn_jtemplate sfn_jtemplate;

/* Is v a string `{% ... %}`? */
int sfn_jtemplate_is_expr(const sfn_value *v);

/* Compile v (borrowed; literals are kept by reference).  `field` names the
 * field for messages ("Output"; members add "/name").  NULL with err
 * (code "InvalidDefinition", JSONata's message) on an expression that does
 * not compile, or OutOfMemory. */
sfn_jtemplate *sfn_jtemplate_compile(sfn_value *v, const char *field, sfn_error *err);
void sfn_jtemplate_free(sfn_jtemplate *t);

/* True when the template is one expression (not an object or literal). */
int sfn_jtemplate_is_single(const sfn_jtemplate *t);

/* Evaluate.  SFN_OK with *out a new reference; SFN_ERR with err->code
 * "States.QueryEvaluationError", err->message AWS's cause text (without the
 * state prefix), e.g.
 *   The JSONata expression '$x' specified for the field 'Output/result' returned nothing (undefined).
 * and *location (if not NULL) pointing at the failing field's location
 * ("Output/result"; valid while the template lives). */
int sfn_jtemplate_eval(const sfn_jtemplate *t, sfn_jsonata_env *env, sfn_value **out, const char **location,
                       sfn_error *err);

/* The expression text of a single-expression template (trimmed), else NULL. */
const char *sfn_jtemplate_text(const sfn_jtemplate *t);
/* Its location ("Items"). */
const char *sfn_jtemplate_location(const sfn_jtemplate *t);

#endif
