/*
 * sfn_eval.h: the environment every evaluation (paths, payload templates,
 * intrinsic functions, Choice rules) sees: the state input `$`, the context
 * object `$$`, the workflow variables (`$name`), and a random source (the core never reads entropy itself).
 */
#ifndef SFN_EVAL_H
#define SFN_EVAL_H

#include "sfn_value.h"

typedef struct sfn_eval_env {
  sfn_value *input;   /* `$`  (borrowed) */
  sfn_value *context; /* `$$` (borrowed; may be NULL = empty object) */
  /* Workflow variables (`$name`): an object name -> value (borrowed; NULL =
   * none).  A reference to a name it lacks selects nothing. */
  sfn_value *vars;
  /* 64 random bits, for States.UUID and States.MathRandom.  May be NULL:
   * then a fixed-seed generator in `rng_state` is used. */
  uint64_t (*random)(void *ud);
  void *random_ud;
  uint64_t rng_state;
} sfn_eval_env;

/* The value of workflow variable name[0..len) in env (borrowed), or NULL. */
sfn_value *sfn_eval_var(const sfn_eval_env *env, const char *name, size_t len);

/* Next 64 random bits from env (host source, or xorshift over rng_state). */
uint64_t sfn_eval_random(sfn_eval_env *env);

#endif
