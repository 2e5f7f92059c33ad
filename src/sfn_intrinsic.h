/*
 * sfn_intrinsic.h: the 18 intrinsic functions (States.Format, States.Array,
 * States.JsonToString, ..., States.UUID), parsed once and evaluated against
 * an sfn_eval_env.  Arguments may be literals, paths and nested calls.
 */
#ifndef SFN_INTRINSIC_H
#define SFN_INTRINSIC_H

#include "sfn_eval.h"

typedef struct sfn_intrinsic sfn_intrinsic;

/* True when a `.$` string value is an intrinsic call (starts with "States."). */
int sfn_intrinsic_is_call(const char *text, size_t len);

/* Parse a call.  NULL with err (code "InvalidIntrinsic", message
 * "Invalid intrinsic function call '<text>': <reason>") on a syntax error
 * (including an escape other than \' \{ \} \\ in a string literal), an
 * unknown function or an invalid path argument; "OutOfMemory" on OOM.
 * Argument counts are NOT checked here: AWS accepts `States.Hash()` in a
 * definition and fails it when it runs, and so does sfn_intrinsic_eval.
 * Workflow variable references (`$name.x`) read env->vars when evaluated. */
sfn_intrinsic *sfn_intrinsic_compile(const char *text, size_t len, sfn_error *err);
void sfn_intrinsic_free(sfn_intrinsic *f);

/* Evaluate.  SFN_OK with *out a new reference, or SFN_ERR with err->code
 * "States.Runtime" (what AWS reports, not States.IntrinsicFailure) and the
 * cause text AWS writes after "An error occurred while executing the state
 * 'S' (entered at the event id #N). ":
 *   Invalid arguments in States.<Name>          (count, type, range checks)
 *   The function '<call as written>' had the following error: The JsonPath
 *   argument for the field '<path>' could not be found in the input '<input JSON>'
 * Randomness comes only from sfn_eval_random(env).  No parsing at eval time;
 * allocation is the result (plus the argument array past 8 arguments). */
int sfn_intrinsic_eval(const sfn_intrinsic *f, sfn_eval_env *env, sfn_value **out, sfn_error *err);

#endif
