/*
 * sfn_jsonata_cache.c: conversions of large input values shared by many
 * evaluations (sfn_jsonata_env.cache).  Converting a value into the
 * evaluator's form costs time proportional to its size; a Map state that
 * evaluates an ItemSelector per item over its whole input would pay that for
 * every item.  Values are immutable once shared, so the conversion of a given
 * sfn_value is kept (with a reference on the value, whose strings the
 * converted form points into) and reused.  Converted containers carry
 * JF_SHARED: the evaluator copies instead of changing them.
 */
#include "sfn_jsonata_int.h"

#include <string.h>

#define CACHE_ENTRIES 64
#define CACHE_BYTES ((size_t)64 << 20)
#define CACHE_LIMIT ((size_t)512 << 20) /* one conversion may not go past this */

struct sfn_jsonata_cache {
  jarena A;
  sfn_value **keys;
  jv **vals;
  size_t n;
};

sfn_jsonata_cache *sfn_jsonata_cache_new(void) {
  sfn_jsonata_cache *c = sfn_malloc(sizeof *c);
  if (!c) return NULL;
  memset(c, 0, sizeof *c);
  return c;
}

static void reset(sfn_jsonata_cache *c) {
  size_t i;
  for (i = 0; i < c->n; i++) sfn_decref(c->keys[i]);
  sfn_free(c->keys);
  sfn_free(c->vals);
  ja_free_all(&c->A);
  memset(c, 0, sizeof *c);
}

void sfn_jsonata_cache_free(sfn_jsonata_cache *c) {
  if (!c) return;
  reset(c);
  sfn_free(c);
}

void jcache_begin(sfn_jsonata_cache *c) {
  if (c && (c->n >= CACHE_ENTRIES || c->A.total > CACHE_BYTES)) reset(c);
}

jv *jcache_get(jarena *A, const sfn_value *v, int depth) {
  sfn_jsonata_cache *c = A->shared;
  size_t i;
  jv *r;
  sfn_value **nk;
  jv **nv;
  for (i = 0; i < c->n; i++)
    if (c->keys[i] == v) return c->vals[i];
  if (c->n >= CACHE_ENTRIES) return NULL; /* full until the next evaluation: caller converts */
  /* errors while converting unwind through the evaluation that asked */
  c->A.jb = A->jb;
  c->A.err = A->err;
  c->A.limit = CACHE_LIMIT;
  c->A.shared = NULL;
  c->A.mark_shared = 1;
  r = jv_from_sfn(&c->A, v, depth, 0);
  nk = sfn_realloc(c->keys, (c->n + 1) * sizeof *nk);
  if (!nk) ja_oom(A);
  c->keys = nk;
  nv = sfn_realloc(c->vals, (c->n + 1) * sizeof *nv);
  if (!nv) ja_oom(A);
  c->vals = nv;
  c->keys[c->n] = sfn_incref((sfn_value *)v);
  c->vals[c->n] = r;
  c->n++;
  return r;
}
