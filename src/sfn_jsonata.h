/*
 * sfn_jsonata.h: JSONata 2.0.6 expressions, as AWS Step Functions evaluates
 * them in states whose QueryLanguage is "JSONata" (`{% ... %}` strings in
 * Arguments, Output, Assign, Condition, Items, ...).
 *
 * An expression is compiled once (when a definition is compiled) and then
 * evaluated any number of times against an input and an environment.  The
 * module is sans-I/O: the current time and random numbers come from the env.
 *
 * Values: JSON values are sfn_values.  JSONata numbers are doubles; results
 * that are integral and within +-2^53 come back as SFN_INT, other numbers as
 * SFN_DOUBLE.  "undefined" (nothing selected) is SFN_NOTFOUND, not a value.
 * A result that is a function (a lambda or a built-in) is reported as
 * undefined too (JSON has no functions).
 */
#ifndef SFN_JSONATA_H
#define SFN_JSONATA_H

#include "sfn_value.h"

typedef struct sfn_jsonata sfn_jsonata;

typedef struct sfn_jsonata_env {
  /* The context value `$` of the top level (borrowed; NULL = undefined). */
  sfn_value *input;
  /* Resolves `$name` for a name that the expression itself does not bind
   * (`$states`, workflow variables).  Returns a BORROWED value that stays
   * valid for the whole evaluation, or NULL when the name is unknown (the
   * reference is then undefined).  lookup may be NULL. */
  sfn_value *(*lookup)(void *ud, const char *name, size_t len);
  void *lookup_ud;
  /* 64 random bits, for $random(), $uuid(), $shuffle().  NULL: xorshift
   * over rng_state (which must then be non-zero). */
  uint64_t (*random)(void *ud);
  void *random_ud;
  uint64_t rng_state;
  /* Milliseconds since the epoch, for $now() and $millis(): one value for the
   * whole evaluation, as JSONata specifies. */
  int64_t now_ms;
  /* Limits (0 = the defaults): nesting depth of evaluation (default 500)
   * and evaluation steps (default 10,000,000).  Exceeding either is an
   * error ("U1001" / "U1002") rather than a crash or a hang. */
  uint32_t max_depth;
  uint64_t max_steps;
  /* (Also: max_depth is capped at 3000 whatever is asked, and the memory of
   * one evaluation at 768 MB: exceeding that is error "U1003".) */
  /* Optional: conversions of large input values shared by evaluations (see
   * sfn_jsonata_cache_new).  NULL converts the input for each evaluation. */
  struct sfn_jsonata_cache *cache;
} sfn_jsonata_env;

/*
 * A cache of the evaluator's own form of large JSON containers (16 or more
 * items or members), keyed by the sfn_value's identity: sfn_values are
 * immutable once shared, so an input seen again (a Map state's input in
 * every iteration's ItemSelector, say) is converted once instead of once per
 * evaluation.  The cache holds a reference on each value it converted; it
 * empties itself before an evaluation once it holds 64 values or 64 MB.
 * One cache must not be used by two evaluations at the same time.
 */
typedef struct sfn_jsonata_cache sfn_jsonata_cache;
sfn_jsonata_cache *sfn_jsonata_cache_new(void); /* NULL on OOM */
void sfn_jsonata_cache_free(sfn_jsonata_cache *c);

/* Compile src (len bytes, not NUL-terminated necessarily).  NULL with err on
 * failure: err->code is JSONata's error code ("S0201", "S0202", ...) and
 * err->message JSONata's message text (e.g. "Syntax error: \")\""), with the
 * character position in err->column (1-based).  "OutOfMemory" on OOM. */
sfn_jsonata *sfn_jsonata_compile(const char *src, size_t len, sfn_error *err);
void sfn_jsonata_free(sfn_jsonata *e);

/* The source text the expression was compiled from (NUL-terminated). */
const char *sfn_jsonata_source(const sfn_jsonata *e, size_t *len);

/* Evaluate.  SFN_OK with *out a new reference; SFN_NOTFOUND when the result
 * is undefined (*out NULL); SFN_ERR with err->code JSONata's code ("T2001",
 * "D3001", "U1001", ... or the code given to $error) and err->message its
 * message.  Never aborts on any input; the env is not modified except
 * rng_state. */
int sfn_jsonata_eval(const sfn_jsonata *e, sfn_jsonata_env *env, sfn_value **out, sfn_error *err);

#endif
