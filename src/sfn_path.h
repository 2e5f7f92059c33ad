/*
 * sfn_path.h: JSONPath as ASL uses it.
 *
 * Two kinds: a Path (InputPath, OutputPath, ItemsPath, `.$` fields,
 * Variable, ...) may use the whole JSONPath syntax AWS accepts (wildcards,
 * filters, slices, recursive descent, unions); a Reference Path (ResultPath
 * and the places AWS restricts) selects exactly one node: only `.name`,
 * `['name']` and `[index]` steps.  A path starting with `$$` reads the
 * context object.  Compile once, evaluate many times.
 */
#ifndef SFN_PATH_H
#define SFN_PATH_H

#include "sfn_eval.h"

typedef enum sfn_path_kind {
  SFN_PATH_ANY = 0,      /* full JSONPath */
  SFN_PATH_REFERENCE = 1 /* single-node, no operators */
} sfn_path_kind;

typedef struct sfn_path sfn_path;

/* Compile.  NULL with err (code "InvalidPath", message naming the problem)
 * when the text is not a valid path of that kind. */
sfn_path *sfn_path_compile(const char *text, size_t len, sfn_path_kind kind, sfn_error *err);
void sfn_path_free(sfn_path *p);
const char *sfn_path_text(const sfn_path *p);
int sfn_path_is_context(const sfn_path *p); /* starts with $$ */
int sfn_path_is_root(const sfn_path *p);    /* exactly "$" */

/*
 * Evaluate against env->input (or env->context for `$$` paths).
 * SFN_OK and *out = new reference; SFN_NOTFOUND (nothing selected, *out =
 * NULL); SFN_ERR with err on failure.  A definite path returns the node; an
 * indefinite one (wildcard, filter, slice, ..) returns an array of matches,
 * as AWS does.
 */
int sfn_path_eval(const sfn_path *p, sfn_eval_env *env, sfn_value **out, sfn_error *err);

/*
 * ResultPath: return a new document that is `doc` with `value` placed at the
 * reference path p (creating intermediate objects as AWS does).  `$` returns
 * value itself.  Steals nothing; *out is a new reference.  Failure (e.g. a
 * path through a non-object) returns SFN_ERR with err->code
 * "States.ResultPathMatchFailure" and AWS's cause text.
 */
int sfn_path_set(const sfn_path *p, sfn_value *doc, sfn_value *value, sfn_value **out,
                 sfn_error *err);

#endif
