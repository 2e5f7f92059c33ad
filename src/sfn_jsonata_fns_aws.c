/*
 * sfn_jsonata_fns_aws.c: the functions AWS Step Functions adds to JSONata:
 * $partition(array, size), $range(start, end, step), $hash(value,
 * algorithm), $random([seed]), $uuid(), $parse(jsonString).
 *
 * Bad arguments are T0410 ("Argument N of function "f" does not match
 * function signature"), JSONata's own code for arguments of the wrong kind;
 * AWS wraps every JSONata error as States.QueryEvaluationError anyway.
 */
#include "sfn_jsonata_fns_int.h"
#include "sfn_hash.h"
#include "sfn_json.h"

#include <math.h>
#include <string.h>

#define RANGE_MAX 1000000 /* as JSONata's range operator (D2014) */

static int bad_arg(sfn_jn_call *c, int index, const char *fn) {
  return sfn_jnf_fail(c, "T0410", "Argument %d of function \"%s\" does not match function signature", index, fn);
}

/* Argument i as an integral number, or 0 when it is not one. */
static int int_arg(const sfn_jn_call *c, int i, double *d) {
  sfn_value *v = sfn_jnf_arg(c, i);
  if (!v || !sfn_is_number(v)) return 0;
  *d = sfn_number(v);
  return *d == trunc(*d) && fabs(*d) <= 9007199254740992.0;
}

SFN_JNF(partition) {
  sfn_value *a = sfn_jnf_arg(c, 0), *r, *chunk = NULL;
  double size;
  size_t i, n, k;
  *out = NULL;
  if (!a) return SFN_OK;
  if (!int_arg(c, 1, &size) || size < 1) return bad_arg(c, 2, "partition");
  n = sfn_type_of(a) == SFN_ARRAY ? sfn_array_len(a) : 1;
  k = size > (double)n ? n : (size_t)size;
  r = sfn_array_new(k ? (n + k - 1) / k : 0);
  if (!r) return sfn_jnf_oom(c);
  for (i = 0; i < n; i++) {
    sfn_value *item = sfn_type_of(a) == SFN_ARRAY ? sfn_array_at(a, i) : a;
    if (!chunk) {
      chunk = sfn_array_new(k);
      if (!chunk || sfn_array_push(r, chunk) != SFN_OK) goto oom;
    }
    if (sfn_array_push(chunk, sfn_incref(item)) != SFN_OK) goto oom;
    if (sfn_array_len(chunk) == k) chunk = NULL;
  }
  *out = r;
  return SFN_OK;
oom:
  sfn_decref(r);
  return sfn_jnf_oom(c);
}

SFN_JNF(range) {
  double start, end, step = 1, x;
  sfn_value *r;
  size_t n = 0;
  *out = NULL;
  if (!int_arg(c, 0, &start)) return sfn_jnf_arg(c, 0) ? bad_arg(c, 1, "range") : SFN_OK;
  if (!int_arg(c, 1, &end)) return bad_arg(c, 2, "range");
  if (sfn_jnf_arg(c, 2) && (!int_arg(c, 2, &step) || step == 0)) return bad_arg(c, 3, "range");
  if ((step > 0 && start <= end) || (step < 0 && start >= end)) {
    double count = floor((end - start) / step) + 1;
    if (count > RANGE_MAX)
      return sfn_jnf_fail(c, "D2014",
                          "The size of the sequence allocated by the range operator (..) must not exceed 1e6.  "
                          "Attempted to allocate %.0f.",
                          count);
    n = (size_t)count;
  }
  r = sfn_array_new(n);
  if (!r) return sfn_jnf_oom(c);
  for (x = start; n > 0; n--, x += step)
    if (sfn_array_push(r, sfn_jnf_number(x)) != SFN_OK) {
      sfn_decref(r);
      return sfn_jnf_oom(c);
    }
  return sfn_jnf_ret_seq(c, out, r);
}

SFN_JNF(hash) {
  sfn_value *v = sfn_jnf_arg(c, 0), *alg = sfn_jnf_arg(c, 1);
  sfn_digest_alg a;
  char hex[2 * SFN_DIGEST_MAX + 1];
  *out = NULL;
  if (!v) return SFN_OK;
  if (sfn_type_of(v) != SFN_STRING) return bad_arg(c, 1, "hash");
  if (!alg || sfn_type_of(alg) != SFN_STRING || sfn_hash_lookup(sfn_str(alg), sfn_strlen(alg), &a) != 0)
    return bad_arg(c, 2, "hash");
  sfn_hash_hex(a, sfn_str(v), sfn_strlen(v), hex);
  return sfn_jnf_ret(c, out, sfn_cstring(hex));
}

/* java.util.Random(seed).nextDouble(): a seed always gives the same number. */
static double seeded_double(int64_t seed) {
  uint64_t s = ((uint64_t)seed ^ 0x5DEECE66DULL) & ((1ULL << 48) - 1);
  uint64_t hi, lo;
  s = (s * 0x5DEECE66DULL + 0xB) & ((1ULL << 48) - 1);
  hi = s >> (48 - 26);
  s = (s * 0x5DEECE66DULL + 0xB) & ((1ULL << 48) - 1);
  lo = s >> (48 - 27);
  return (double)((hi << 27) + lo) * (1.0 / 9007199254740992.0);
}

SFN_JNF(random) {
  sfn_value *seed = sfn_jnf_arg(c, 0);
  *out = NULL;
  if (seed) {
    double d;
    if (!int_arg(c, 0, &d)) return bad_arg(c, 1, "random");
    return sfn_jnf_ret(c, out, sfn_double(seeded_double((int64_t)d)));
  }
  return sfn_jnf_ret(c, out, sfn_double(sfn_jnf_random01(c->env)));
}

SFN_JNF(uuid) {
  static const char hexd[] = "0123456789abcdef";
  unsigned char b[16];
  char s[37];
  uint64_t x = sfn_jnf_random64(c->env), y = sfn_jnf_random64(c->env);
  int i, j = 0;
  for (i = 0; i < 8; i++) {
    b[i] = (unsigned char)(x >> (8 * i));
    b[8 + i] = (unsigned char)(y >> (8 * i));
  }
  b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); /* version 4 */
  b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); /* variant 10 */
  for (i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s[j++] = '-';
    s[j++] = hexd[b[i] >> 4];
    s[j++] = hexd[b[i] & 15];
  }
  s[j] = 0;
  return sfn_jnf_ret(c, out, sfn_string(s, 36));
}

SFN_JNF(parse) {
  sfn_value *v = sfn_jnf_arg(c, 0), *r;
  sfn_error e = {{0}, NULL, 0, 0};
  *out = NULL;
  if (!v) return SFN_OK;
  if (sfn_type_of(v) != SFN_STRING) return bad_arg(c, 1, "parse");
  r = sfn_json_decode(sfn_str(v), sfn_strlen(v), &e);
  if (!r) {
    int oom = strcmp(e.code, "JSONError") != 0;
    int rc = oom ? sfn_jnf_oom(c)
                 : sfn_jnf_fail(c, "D3120", "Syntax error in expression passed to function parse: %s",
                                e.message ? e.message : "invalid JSON");
    sfn_error_clear(&e);
    return rc;
  }
  *out = r;
  return SFN_OK;
}
