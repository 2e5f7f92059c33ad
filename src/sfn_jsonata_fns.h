/*
 * sfn_jsonata_fns.h: JSONata's built-in functions that take and return plain
 * values (strings, numbers, arrays, objects, dates, formatting, regular
 * expressions, and AWS's additions $partition, $range, $hash, $random,
 * $uuid, $parse), and the regular expressions JSONata's regex literals
 * (`/ab+c/i`) compile to.
 *
 * The evaluator (sfn_jsonata*.c) owns sequences, functions-as-values and the
 * higher-order built-ins ($map, $filter, $reduce, $sort, $each, $sift,
 * $single, $type, $exists, $boolean, $not, $error, $assert, $lookup, $string
 * of a function, ...).  It finds every other built-in here, checks and coerces
 * the arguments against the signature string (JSONata's signature syntax,
 * e.g. "<s-nn?:s>"; "-" means the context value is used when the argument is
 * missing) and then calls fn with:
 *   - args[i]: the argument (BORROWED), NULL when undefined; a sequence is
 *     passed as a plain SFN_ARRAY (a singleton sequence as its single item);
 *     where the signature asks for an array (a, a<n>), a non-array argument
 *     has already been wrapped into a one-item array;
 *   - regex[i]: the compiled regex when argument i is a regex literal (args[i]
 *     is then NULL), else NULL.
 * fn returns SFN_OK with *out a new reference (NULL = undefined), or SFN_ERR
 * after sfn_error_set(c->err, "<JSONata code>", "<JSONata message>").
 */
#ifndef SFN_JSONATA_FNS_H
#define SFN_JSONATA_FNS_H

#include "sfn_jsonata.h"

typedef struct sfn_jn_regex sfn_jn_regex;

typedef struct sfn_jn_call {
  sfn_value **args;
  const sfn_jn_regex **regex;
  int nargs;
  sfn_jsonata_env *env; /* random source and now_ms */
  sfn_error *err;
} sfn_jn_call;

typedef int (*sfn_jn_fn)(sfn_jn_call *c, sfn_value **out);

typedef struct sfn_jn_builtin {
  const char *name;      /* without the `$`, e.g. "substring" */
  const char *signature; /* JSONata signature, e.g. "<s-nn?:s>" */
  sfn_jn_fn fn;
} sfn_jn_builtin;

/* The built-in called name (len bytes, without `$`), or NULL. */
const sfn_jn_builtin *sfn_jn_builtin_find(const char *name, size_t len);

/* Regular expressions with JavaScript's syntax and semantics as JSONata uses
 * them (flags i and m; search anywhere in the string; capture groups).
 * Compile: NULL with err (code "S0301"/"S0302" style, JSONata's) on a bad
 * pattern.  Exec: search s from byte offset `from`; returns 1 with the match
 * span and groups filled, 0 when there is no match, -1 when the step budget
 * ran out (err set, code "D1004"-style as JSONata reports).  groups[k] =
 * {start, end} byte offsets of group k+1 ({-1,-1} when it did not take part);
 * ngroups is set to the pattern's group count (at most SFN_JN_MAX_GROUPS). */
#define SFN_JN_MAX_GROUPS 32
sfn_jn_regex *sfn_jn_regex_compile(const char *pattern, size_t len, const char *flags, sfn_error *err);
void sfn_jn_regex_free(sfn_jn_regex *re);
int sfn_jn_regex_exec(const sfn_jn_regex *re, const char *s, size_t slen, size_t from,
                      size_t *mstart, size_t *mend, long groups[][2], int *ngroups, sfn_error *err);

#endif
