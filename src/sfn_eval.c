/*
 * sfn_eval.c: the random source of an evaluation environment, and its
 * workflow variables.  The core
 * never reads entropy: the host supplies a callback, or a deterministic
 * xorshift64* generator runs over env->rng_state.
 */
#include "sfn_eval.h"

#define DEFAULT_SEED 0x9E3779B97F4A7C15ULL

uint64_t sfn_eval_random(sfn_eval_env *env) {
  uint64_t x;
  if (env->random) return env->random(env->random_ud);
  /* xorshift64* (Vigna): state must be nonzero. */
  x = env->rng_state ? env->rng_state : DEFAULT_SEED;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  env->rng_state = x;
  return x * 0x2545F4914F6CDD1DULL;
}

sfn_value *sfn_eval_var(const sfn_eval_env *env, const char *name, size_t len) {
  if (!env->vars || sfn_type_of(env->vars) != SFN_OBJECT) return NULL;
  return sfn_object_get(env->vars, name, len);
}
