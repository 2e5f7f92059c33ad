/*
 * sfn_jsonata_fns_array.c: JSONata's array and object functions ($count,
 * $append, $reverse, $shuffle, $distinct, $zip, $keys, $merge, $spread).
 * $keys and $spread return sequences (a single item stands for itself).
 */
#include "sfn_jsonata_fns_int.h"

static size_t alen(const sfn_value *v) { return v && sfn_type_of(v) == SFN_ARRAY ? sfn_array_len(v) : 0; }

SFN_JNF(count) {
  sfn_value *v = sfn_jnf_arg(c, 0);
  size_t n = !v ? 0 : sfn_type_of(v) == SFN_ARRAY ? sfn_array_len(v) : 1;
  return sfn_jnf_ret(c, out, sfn_int((int64_t)n));
}

/* Push v's items (or v itself when it is not an array) onto arr. */
static int push_all(sfn_value *arr, const sfn_value *v) {
  size_t i;
  if (sfn_type_of(v) != SFN_ARRAY) return sfn_array_push(arr, sfn_incref((sfn_value *)v));
  for (i = 0; i < sfn_array_len(v); i++)
    if (sfn_array_push(arr, sfn_incref(sfn_array_at(v, i))) != SFN_OK) return SFN_ERR;
  return SFN_OK;
}

SFN_JNF(append) {
  sfn_value *a = sfn_jnf_arg(c, 0), *b = sfn_jnf_arg(c, 1), *r;
  *out = NULL;
  if (!a) return b ? sfn_jnf_ret(c, out, sfn_incref(b)) : SFN_OK;
  if (!b) return sfn_jnf_ret(c, out, sfn_incref(a));
  r = sfn_array_new(alen(a) + alen(b) + 2);
  if (!r || push_all(r, a) != SFN_OK || push_all(r, b) != SFN_OK) {
    sfn_decref(r);
    return sfn_jnf_oom(c);
  }
  *out = r;
  return SFN_OK;
}

SFN_JNF(reverse) {
  sfn_value *a = sfn_jnf_arg(c, 0), *r;
  size_t i, n;
  *out = NULL;
  if (!a) return SFN_OK;
  if (sfn_type_of(a) != SFN_ARRAY || sfn_array_len(a) <= 1) return sfn_jnf_ret(c, out, sfn_incref(a));
  n = sfn_array_len(a);
  r = sfn_array_new(n);
  if (!r) return sfn_jnf_oom(c);
  for (i = n; i-- > 0;)
    if (sfn_array_push(r, sfn_incref(sfn_array_at(a, i))) != SFN_OK) {
      sfn_decref(r);
      return sfn_jnf_oom(c);
    }
  *out = r;
  return SFN_OK;
}

SFN_JNF(shuffle) {
  sfn_value *a = sfn_jnf_arg(c, 0), *r;
  size_t i, n;
  *out = NULL;
  if (!a) return SFN_OK;
  if (sfn_type_of(a) != SFN_ARRAY || sfn_array_len(a) <= 1) return sfn_jnf_ret(c, out, sfn_incref(a));
  n = sfn_array_len(a);
  r = sfn_value_copy(a, 0);
  if (!r) return sfn_jnf_oom(c);
  /* Fisher-Yates over the copy (it holds its own references). */
  for (i = n - 1; i > 0; i--) {
    size_t j = (size_t)(sfn_jnf_random01(c->env) * (double)(i + 1));
    sfn_value *t;
    if (j > i) j = i;
    t = r->u.a.items[i];
    r->u.a.items[i] = r->u.a.items[j];
    r->u.a.items[j] = t;
  }
  *out = r;
  return SFN_OK;
}

SFN_JNF(distinct) {
  sfn_value *a = sfn_jnf_arg(c, 0), *r;
  size_t i, j, n;
  *out = NULL;
  if (!a) return SFN_OK;
  if (sfn_type_of(a) != SFN_ARRAY || sfn_array_len(a) <= 1) return sfn_jnf_ret(c, out, sfn_incref(a));
  n = sfn_array_len(a);
  r = sfn_array_new(n);
  if (!r) return sfn_jnf_oom(c);
  for (i = 0; i < n; i++) {
    sfn_value *v = sfn_array_at(a, i);
    for (j = 0; j < sfn_array_len(r); j++)
      if (sfn_value_equal(v, sfn_array_at(r, j))) break;
    if (j < sfn_array_len(r)) continue;
    if (sfn_array_push(r, sfn_incref(v)) != SFN_OK) {
      sfn_decref(r);
      return sfn_jnf_oom(c);
    }
  }
  *out = r;
  return SFN_OK;
}

SFN_JNF(zip) {
  sfn_value *r;
  size_t n = (size_t)-1, i;
  int k;
  *out = NULL;
  /* a value that is not an array counts as an array of one (as the
   * signature's coercion makes it), undefined as an empty one */
  for (k = 0; k < c->nargs; k++) {
    size_t l = !c->args[k] ? 0 : sfn_type_of(c->args[k]) == SFN_ARRAY ? sfn_array_len(c->args[k]) : 1;
    if (l < n) n = l;
  }
  if (c->nargs == 0) n = 0;
  r = sfn_array_new(n);
  if (!r) return sfn_jnf_oom(c);
  for (i = 0; i < n; i++) {
    sfn_value *t = sfn_array_new((size_t)c->nargs);
    if (!t) goto oom;
    for (k = 0; k < c->nargs; k++)
      if (sfn_array_push(t, sfn_incref(sfn_type_of(c->args[k]) == SFN_ARRAY ? sfn_array_at(c->args[k], i)
                                                                             : c->args[k])) != SFN_OK) {
        sfn_decref(t);
        goto oom;
      }
    if (sfn_array_push(r, t) != SFN_OK) goto oom;
  }
  *out = r;
  return SFN_OK;
oom:
  sfn_decref(r);
  return sfn_jnf_oom(c);
}

/* Add o's keys not yet in seen (an object used as a set) to arr. */
static int add_keys(sfn_value *arr, sfn_value *seen, const sfn_value *o) {
  size_t i;
  for (i = 0; i < sfn_object_len(o); i++) {
    sfn_value *k = sfn_object_key(o, i);
    if (sfn_object_find(seen, sfn_str(k), sfn_strlen(k)) >= 0) continue;
    if (sfn_object_setk(seen, k, sfn_true()) != SFN_OK) return SFN_ERR;
    if (sfn_array_push(arr, sfn_incref(k)) != SFN_OK) return SFN_ERR;
  }
  return SFN_OK;
}

SFN_JNF(keys) {
  sfn_value *v = sfn_jnf_arg(c, 0), *arr, *seen;
  size_t i;
  *out = NULL;
  if (!v) return SFN_OK;
  arr = sfn_array_new(0);
  seen = sfn_object_new(0);
  if (!arr || !seen) goto oom;
  if (sfn_type_of(v) == SFN_OBJECT) {
    if (add_keys(arr, seen, v) != SFN_OK) goto oom;
  } else if (sfn_type_of(v) == SFN_ARRAY) {
    for (i = 0; i < sfn_array_len(v); i++)
      if (sfn_type_of(sfn_array_at(v, i)) == SFN_OBJECT && add_keys(arr, seen, sfn_array_at(v, i)) != SFN_OK)
        goto oom;
  }
  sfn_decref(seen);
  return sfn_jnf_ret_seq(c, out, arr);
oom:
  sfn_decref(arr);
  sfn_decref(seen);
  return sfn_jnf_oom(c);
}

SFN_JNF(merge) {
  sfn_value *v = sfn_jnf_arg(c, 0), *r;
  size_t i, j, n;
  *out = NULL;
  if (!v) return SFN_OK;
  r = sfn_object_new(0);
  if (!r) return sfn_jnf_oom(c);
  n = sfn_type_of(v) == SFN_ARRAY ? sfn_array_len(v) : 1;
  for (i = 0; i < n; i++) {
    sfn_value *o = sfn_type_of(v) == SFN_ARRAY ? sfn_array_at(v, i) : v;
    if (sfn_type_of(o) != SFN_OBJECT) continue;
    for (j = 0; j < sfn_object_len(o); j++)
      if (sfn_object_setk(r, sfn_object_key(o, j), sfn_incref(sfn_object_val(o, j))) != SFN_OK) {
        sfn_decref(r);
        return sfn_jnf_oom(c);
      }
  }
  *out = r;
  return SFN_OK;
}

/* Spread v onto arr: an object as one-member objects, an array item by
 * item, anything else as itself. */
static int spread_into(sfn_value *arr, const sfn_value *v, int depth) {
  size_t i;
  if (depth > 600) return SFN_ERR;
  if (sfn_type_of(v) == SFN_ARRAY) {
    for (i = 0; i < sfn_array_len(v); i++)
      if (spread_into(arr, sfn_array_at(v, i), depth + 1) != SFN_OK) return SFN_ERR;
    return SFN_OK;
  }
  if (sfn_type_of(v) != SFN_OBJECT) return sfn_array_push(arr, sfn_incref((sfn_value *)v));
  for (i = 0; i < sfn_object_len(v); i++) {
    sfn_value *o = sfn_object_new(1);
    if (!o || sfn_object_setk(o, sfn_object_key(v, i), sfn_incref(sfn_object_val(v, i))) != SFN_OK ||
        sfn_array_push(arr, o) != SFN_OK)
      return SFN_ERR;
  }
  return SFN_OK;
}

SFN_JNF(spread) {
  sfn_value *v = sfn_jnf_arg(c, 0), *arr;
  *out = NULL;
  if (!v) return SFN_OK;
  if (sfn_type_of(v) != SFN_ARRAY && sfn_type_of(v) != SFN_OBJECT) return sfn_jnf_ret(c, out, sfn_incref(v));
  arr = sfn_array_new(0);
  if (!arr || spread_into(arr, v, 0) != SFN_OK) {
    sfn_decref(arr);
    return sfn_jnf_oom(c);
  }
  return sfn_jnf_ret_seq(c, out, arr);
}
