/*
 * sfn_intrinsic_fns.h: (internal to the intrinsic module) the table of the
 * 18 intrinsic functions and the States.Format template form.  The parser
 * and evaluation driver live in sfn_intrinsic.c, the function bodies in
 * sfn_intrinsic_fns.c.
 */
#ifndef SFN_INTRINSIC_FNS_H
#define SFN_INTRINSIC_FNS_H

#include "sfn_eval.h"

/*
 * A States.Format template split at its `{}` placeholders: nparts literal
 * pieces with a placeholder between each two (so nparts - 1 placeholders).
 * `bad` is set when the template has a lone `{` or `}`, which AWS reports
 * as invalid arguments when the call runs.  One allocation (pieces point
 * into `text`).
 */
typedef struct sfn_ifmt {
  size_t nparts;
  int bad;
  char *text;
  struct {
    const char *s;
    size_t len;
  } part[1];
} sfn_ifmt;

/*
 * Split a template.  `escaped` selects the literal form (inside '...':
 * \' \{ \} \\ are escapes and an escaped brace is never a placeholder);
 * otherwise the text is a runtime string and only `{}` is special.
 * NULL on OOM.
 */
sfn_ifmt *sfn_intrinsic_fmt_parse(const char *s, size_t len, int escaped);
void sfn_intrinsic_fmt_free(sfn_ifmt *t);

/* What a function body sees besides its arguments. */
typedef struct sfn_icall {
  const char *name;      /* "States.Format" */
  const sfn_ifmt *fmt;   /* compiled literal template (States.Format), or NULL */
  sfn_eval_env *env;     /* for the random source */
} sfn_icall;

/* A function body: args are borrowed; SFN_OK with *out a new reference, or
 * SFN_ERR with err set (code "States.Runtime"). */
typedef int (*sfn_ifn)(const sfn_icall *c, sfn_value *const *args, size_t nargs,
                       sfn_value **out, sfn_error *err);

typedef struct sfn_idef {
  const char *name; /* full name, "States.ArrayRange" */
  sfn_ifn fn;
} sfn_idef;

/* Look a function up by full name (case-sensitive); NULL when unknown. */
const sfn_idef *sfn_intrinsic_lookup(const char *name, size_t len);

#endif
