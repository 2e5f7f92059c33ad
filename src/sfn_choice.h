/*
 * sfn_choice.h: Choice state rules: every comparison operator (String*,
 * Numeric*, Boolean*, Timestamp* and their *Path forms), Is* tests,
 * StringMatches with its escapes, And/Or/Not.
 */
#ifndef SFN_CHOICE_H
#define SFN_CHOICE_H

#include "sfn_eval.h"

typedef struct sfn_choice sfn_choice;

/* Compile the Choices array of a (validated) Choice state.  The rules keep
 * their Next names; see sfn_choice_next.  Borrows `choices` (constants are
 * kept by reference).  Malformed input gives NULL with err code
 * "InvalidDefinition" ("Choice rule <Operator>: <problem>"), or the path
 * compiler's "InvalidPath" error, never a crash. */
sfn_choice *sfn_choice_compile(sfn_value *choices, sfn_error *err);
void sfn_choice_free(sfn_choice *c);
size_t sfn_choice_count(const sfn_choice *c);
const char *sfn_choice_next(const sfn_choice *c, size_t i); /* Next of top-level rule i */

/* Evaluate the rules in order.  SFN_OK with *matched = index of the first
 * matching top-level rule, or -1 when none matched; SFN_ERR with err (code
 * "States.Runtime" and AWS's cause) e.g. when a Variable path is invalid. */
int sfn_choice_eval(const sfn_choice *c, sfn_eval_env *env, long *matched, sfn_error *err);

#endif
