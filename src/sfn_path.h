/*
 * sfn_path.h: JSONPath as ASL uses it.
 *
 * Two kinds: a Path (InputPath, OutputPath, ItemsPath, `.$` fields,
 * Variable, ...) may use the whole JSONPath syntax AWS accepts (wildcards,
 * filters, slices, recursive descent, unions); a Reference Path (ResultPath
 * and the places AWS restricts) selects exactly one node: only `.name`,
 * `['name']` and `[index]` steps.  A path starting with `$$` reads the
 * context object; `$name` (a letter or `_` after the `$`) reads the workflow
 * variable `name` from the environment.  Compile once, evaluate many times.
 */
#ifndef SFN_PATH_H
#define SFN_PATH_H

#include "sfn_eval.h"

typedef enum sfn_path_kind {
  SFN_PATH_ANY = 0,      /* full JSONPath */
  SFN_PATH_REFERENCE = 1 /* single-node, no operators */
} sfn_path_kind;

typedef struct sfn_path sfn_path;

/* Compile text[0..len).  NULL with err (code "InvalidPath", message
 * "Invalid JSONPath '<text>': <reason>") when the text is not a valid path
 * of that kind; OutOfMemory on allocation failure.  A `$$` path compiles
 * under both kinds (callers that forbid the context object check
 * sfn_path_is_context). */
sfn_path *sfn_path_compile(const char *text, size_t len, sfn_path_kind kind, sfn_error *err);
void sfn_path_free(sfn_path *p);
const char *sfn_path_text(const sfn_path *p);
int sfn_path_is_context(const sfn_path *p); /* starts with $$ */
int sfn_path_is_root(const sfn_path *p);    /* exactly "$" */
/* `$name...` reads workflow variable `name` (returned, NUL-terminated, with
 * its length), or NULL for a `$`/`$$` path. */
const char *sfn_path_variable(const sfn_path *p, size_t *len);
/* True when the path selects at most one node (no wildcard, filter, slice,
 * union or `..`): eval then returns the node, not an array of matches. */
int sfn_path_is_definite(const sfn_path *p);
/* Jayway's printed form of the path, as AWS quotes it in causes:
 * "$.a.b[0]" -> "$['a']['b'][0]". */
const char *sfn_path_normalized(const sfn_path *p);

/*
 * Evaluate against env->input (or env->context for `$$` paths, the
 * variable's value for `$name` paths; an undefined variable selects nothing).
 * SFN_OK and *out = new reference; SFN_NOTFOUND (nothing selected, *out =
 * NULL); SFN_ERR with err on failure.  A definite path returns the node; an
 * indefinite one (wildcard, filter, slice, ..) returns an array of matches,
 * as AWS does.
 */
int sfn_path_eval(const sfn_path *p, sfn_eval_env *env, sfn_value **out, sfn_error *err);

/* Evaluate p against an explicit document (ignores `$$`: the caller picks). */
int sfn_path_eval_doc(const sfn_path *p, sfn_value *doc, sfn_value **out, sfn_error *err);

/*
 * Why a definite path selected nothing in doc, as Jayway words it (AWS
 * appends it to "Invalid path '<text>' : "): "No results for path:
 * $['a']" when the last step is missing, "Missing property in path $['a']"
 * when an intermediate member is.  Appends to b.
 */
void sfn_path_explain_miss(const sfn_path *p, sfn_value *doc, sfn_buf *b);

/*
 * ResultPath: return a new document that is `doc` with `value` placed at the
 * reference path p (creating missing intermediate objects as AWS does; only
 * the containers on the path are copied, shallowly).  `$` returns value
 * itself.  Steals nothing; *out is a new reference.  A step that cannot be
 * applied fails with err->code "States.ReferencePathConflict" (what AWS
 * reports, not the documented States.ResultPathMatchFailure) and message
 *   Unable to apply ReferencePath $.x to input <doc JSON>     (doc not a container)
 *   Unable to apply step "b" to input <doc JSON>              (deeper non-object)
 * A `$$` path or a non-reference path fails with "States.Runtime".
 */
int sfn_path_set(const sfn_path *p, sfn_value *doc, sfn_value *value, sfn_value **out,
                 sfn_error *err);

#endif
