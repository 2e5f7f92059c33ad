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

/* Parse a call.  NULL with err (code "InvalidIntrinsic") on a syntax error,
 * an unknown function or a wrong static argument count. */
sfn_intrinsic *sfn_intrinsic_compile(const char *text, size_t len, sfn_error *err);
void sfn_intrinsic_free(sfn_intrinsic *f);

/* Evaluate.  SFN_OK with *out a new reference, or SFN_ERR with err->code
 * "States.IntrinsicFailure" (or "States.Runtime" where AWS says so) and AWS's
 * cause text as message. */
int sfn_intrinsic_eval(const sfn_intrinsic *f, sfn_eval_env *env, sfn_value **out, sfn_error *err);

#endif
