/*
 * sfn_intrinsic_fns.c: the bodies of the 18 intrinsic functions, with the
 * argument checks AWS makes when a call runs.
 *
 * Every rejected call fails with code "States.Runtime" and the cause
 * "Invalid arguments in States.<Name>" (what AWS writes; the engine adds the
 * "An error occurred while executing the state ..." prefix).
 *
 * Numbers that must be integers are brought to one the way AWS does:
 * States.MathAdd rounds half up (2.5 -> 3, -1.5 -> -1), the array functions
 * and States.MathRandom drop the fraction (2.6 -> 2).  Lengths in
 * "characters" (the 10,000 limit of Base64 and Hash) count UTF-16 units.
 */
#include "sfn_intrinsic_fns.h"

#include "sfn_hash.h"
#include "sfn_json.h"

#include <math.h>
#include <string.h>

#define MAX_RANGE_ITEMS 1000
#define MAX_CHARS 10000

static int bad(const sfn_icall *c, sfn_error *err) {
  return sfn_error_set(err, "States.Runtime", "Invalid arguments in %s", c->name);
}

static int done(sfn_value *v, sfn_value **out, sfn_error *err) {
  *out = v;
  return v ? SFN_OK : sfn_error_oom(err);
}

/* ---- number helpers ---- */

#define INT32_LO (-2147483648.0)
#define INT32_HI 2147483647.0

/* Drop the fraction; fails unless v is a number in int32 range afterwards. */
static int trunc32(const sfn_value *v, int64_t *out) {
  double d;
  if (v->type == SFN_INT) {
    if (v->u.i < -2147483648LL || v->u.i > 2147483647LL) return -1;
    *out = v->u.i;
    return 0;
  }
  if (v->type != SFN_DOUBLE) return -1;
  d = trunc(v->u.d);
  if (!(d >= INT32_LO && d <= INT32_HI)) return -1;
  *out = (int64_t)d;
  return 0;
}

/* Drop the fraction of any number, saturating at the int64 range. */
static int trunc64(const sfn_value *v, int64_t *out) {
  double d;
  if (v->type == SFN_INT) {
    *out = v->u.i;
    return 0;
  }
  if (v->type != SFN_DOUBLE) return -1;
  d = trunc(v->u.d);
  *out = d >= 9223372036854775807.0 ? INT64_MAX : d <= -9223372036854775808.0 ? INT64_MIN : (int64_t)d;
  return 0;
}

/* Round half up (floor(x + 0.5)); fails unless v is a number in int32 range. */
static int round32(const sfn_value *v, int64_t *out) {
  double d;
  if (v->type == SFN_INT) return trunc32(v, out);
  if (v->type != SFN_DOUBLE) return -1;
  d = floor(v->u.d + 0.5);
  if (!(d >= INT32_LO && d <= INT32_HI)) return -1;
  *out = (int64_t)d;
  return 0;
}

/* ---- UTF-8 helpers ---- */

/* Decode one code point at s[*i] (valid UTF-8 assumed: strings are). */
static uint32_t next_cp(const unsigned char *s, size_t len, size_t *i) {
  uint32_t c = s[(*i)++];
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  if (extra) c &= 0x3Fu >> extra;
  while (extra-- > 0 && *i < len) c = (c << 6) | (s[(*i)++] & 0x3Fu);
  return c;
}

/* Length in UTF-16 code units, as Java's String.length() counts. */
static size_t utf16_len(const char *s, size_t len) {
  size_t i = 0, n = 0;
  while (i < len) n += next_cp((const unsigned char *)s, len, &i) >= 0x10000 ? 2 : 1;
  return n;
}

/* ---- States.Format ---- */

sfn_ifmt *sfn_intrinsic_fmt_parse(const char *s, size_t len, int escaped) {
  size_t i, nph = 0, k = 0, start = 0, tl = 0;
  sfn_ifmt *t;
  char *text;
  /* Upper bound on pieces: one more than the number of '{'. */
  for (i = 0; i < len; i++) nph += s[i] == '{';
  t = sfn_malloc(sizeof *t + nph * sizeof t->part[0] + len + 1);
  if (!t) return NULL;
  text = (char *)&t->part[nph + 1];
  t->text = text;
  t->bad = 0;
  for (i = 0; i < len; i++) {
    char ch = s[i];
    if (escaped && ch == '\\' && i + 1 < len) {
      text[tl++] = s[++i];
      continue;
    }
    if (ch == '{' && i + 1 < len && s[i + 1] == '}') {
      t->part[k].s = text + start;
      t->part[k].len = tl - start;
      k++;
      start = tl;
      i++;
      continue;
    }
    if (ch == '{' || ch == '}') t->bad = 1;
    text[tl++] = ch;
  }
  t->part[k].s = text + start;
  t->part[k].len = tl - start;
  t->nparts = k + 1;
  text[tl] = '\0';
  return t;
}

void sfn_intrinsic_fmt_free(sfn_ifmt *t) { sfn_free(t); }

/* Append a Format argument: strings as they are, anything else as JSON. */
static int format_arg(sfn_buf *b, const sfn_value *v, sfn_error *err) {
  if (v->type == SFN_STRING) {
    sfn_buf_add(b, sfn_str(v), sfn_strlen(v));
    return SFN_OK;
  }
  return sfn_json_encode_buf(v, b, err);
}

static int fn_format(const sfn_icall *c, sfn_value *const *args, size_t n, sfn_value **out, sfn_error *err) {
  sfn_ifmt *own = NULL;
  const sfn_ifmt *t = c->fmt;
  sfn_buf b;
  size_t i;
  int rc = SFN_OK;
  if (n < 1 || args[0]->type != SFN_STRING) return bad(c, err);
  if (!t) {
    own = sfn_intrinsic_fmt_parse(sfn_str(args[0]), sfn_strlen(args[0]), 0);
    if (!own) return sfn_error_oom(err);
    t = own;
  }
  if (t->bad || t->nparts != n) {
    sfn_intrinsic_fmt_free(own);
    return bad(c, err);
  }
  sfn_buf_init(&b);
  for (i = 0; i < t->nparts && rc == SFN_OK; i++) {
    sfn_buf_add(&b, t->part[i].s, t->part[i].len);
    if (i + 1 < t->nparts) rc = format_arg(&b, args[i + 1], err);
  }
  sfn_intrinsic_fmt_free(own);
  if (rc != SFN_OK || b.oom) {
    sfn_buf_free(&b);
    return rc != SFN_OK ? rc : sfn_error_oom(err);
  }
  *out = sfn_string(b.data ? b.data : "", b.len);
  sfn_buf_free(&b);
  return done(*out, out, err);
}

/* ---- JSON ---- */

static int fn_string_to_json(const sfn_icall *c, sfn_value *const *args, size_t n, sfn_value **out,
                             sfn_error *err) {
  sfn_error jerr = {{0}, NULL, 0, 0};
  if (n != 1 || args[0]->type != SFN_STRING) return bad(c, err);
  *out = sfn_json_decode(sfn_str(args[0]), sfn_strlen(args[0]), &jerr);
  if (*out) return SFN_OK;
  if (strcmp(jerr.code, "OutOfMemory") == 0) {
    sfn_error_move(err, &jerr);
    return SFN_ERR;
  }
  sfn_error_clear(&jerr);
  return bad(c, err);
}

static int fn_json_to_string(const sfn_icall *c, sfn_value *const *args, size_t n, sfn_value **out,
                             sfn_error *err) {
  size_t len;
  char *s;
  if (n != 1) return bad(c, err);
  s = sfn_json_encode(args[0], &len, err);
  if (!s) return SFN_ERR;
  *out = sfn_string(s, len);
  sfn_free(s);
  return done(*out, out, err);
}

static int fn_json_merge(const sfn_icall *c, sfn_value *const *args, size_t n, sfn_value **out, sfn_error *err) {
  sfn_value *r;
  size_t i;
  if (n != 3 || args[0]->type != SFN_OBJECT || args[1]->type != SFN_OBJECT || args[2]->type != SFN_BOOL ||
      args[2]->u.b)
    return bad(c, err); /* only the shallow merge (false) exists */
  r = sfn_value_copy(args[0], sfn_object_len(args[1]));
  if (!r) return sfn_error_oom(err);
  for (i = 0; i < sfn_object_len(args[1]); i++) {
    if (sfn_object_setk(r, sfn_object_key(args[1], i), sfn_incref(sfn_object_val(args[1], i))) != SFN_OK) {
      sfn_decref(r);
      return sfn_error_oom(err);
    }
  }
  *out = r;
  return SFN_OK;
}

/* ---- arrays ---- */

static int fn_array(const sfn_icall *c, sfn_value *const *args, size_t n, sfn_value **out, sfn_error *err) {
  sfn_value *a = sfn_array_new(n);
  size_t i;
  (void)c;
  if (!a) return sfn_error_oom(err);
  for (i = 0; i < n; i++) {
    if (sfn_array_push(a, sfn_incref(args[i])) != SFN_OK) {
      sfn_decref(a);
      return sfn_error_oom(err);
    }
  }
  *out = a;
  return SFN_OK;
}

static int fn_array_partition(const sfn_icall *c, sfn_value *const *args, size_t n, sfn_value **out,
                              sfn_error *err) {
  sfn_value *r, *chunk = NULL;
  int64_t size;
  size_t i, len;
  if (n != 2 || args[0]->type != SFN_ARRAY || trunc32(args[1], &size) != 0 || size <= 0) return bad(c, err);
  len = sfn_array_len(args[0]);
  r = sfn_array_new((len + (size_t)size - 1) / (size_t)size);
  if (!r) return sfn_error_oom(err);
  for (i = 0; i < len; i++) {
    if (!chunk) {
      size_t left = len - i;
      chunk = sfn_array_new(left < (size_t)size ? left : (size_t)size);
      if (!chunk) goto oom;
    }
    if (sfn_array_push(chunk, sfn_incref(sfn_array_at(args[0], i))) != SFN_OK) goto oom;
    if (sfn_array_len(chunk) == (size_t)size || i + 1 == len) {
      sfn_value *full = chunk;
      chunk = NULL;
      if (sfn_array_push(r, full) != SFN_OK) goto oom;
    }
  }
  *out = r;
  return SFN_OK;
oom:
  sfn_decref(chunk);
  sfn_decref(r);
  return sfn_error_oom(err);
}

static int fn_array_contains(const sfn_icall *c, sfn_value *const *args, size_t n, sfn_value **out,
                             sfn_error *err) {
  size_t i;
  int found = 0;
  if (n != 2 || args[0]->type != SFN_ARRAY) return bad(c, err);
  for (i = 0; i < sfn_array_len(args[0]) && !found; i++) found = sfn_value_equal(sfn_array_at(args[0], i), args[1]);
  *out = sfn_bool(found);
  return SFN_OK;
}

static int fn_array_range(const sfn_icall *c, sfn_value *const *args, size_t n, sfn_value **out, sfn_error *err) {
  int64_t start, end, step, count, i;
  sfn_value *r;
  if (n != 3 || trunc32(args[0], &start) != 0 || trunc32(args[1], &end) != 0 || trunc32(args[2], &step) != 0 ||
      step == 0)
    return bad(c, err);
  count = (step > 0 ? end >= start : end <= start) ? (end - start) / step + 1 : 0;
  if (count > MAX_RANGE_ITEMS) return bad(c, err);
  r = sfn_array_new((size_t)count);
  if (!r) return sfn_error_oom(err);
  for (i = 0; i < count; i++) {
    if (sfn_array_push(r, sfn_int(start + i * step)) != SFN_OK) {
      sfn_decref(r);
      return sfn_error_oom(err);
    }
  }
  *out = r;
  return SFN_OK;
}

static int fn_array_get_item(const sfn_icall *c, sfn_value *const *args, size_t n, sfn_value **out,
                             sfn_error *err) {
  int64_t idx;
  size_t len;
  if (n != 2 || args[0]->type != SFN_ARRAY || trunc32(args[1], &idx) != 0 || idx < 0) return bad(c, err);
  len = sfn_array_len(args[0]);
  if (len == 0) { /* AWS answers null for any index into an empty array */
    *out = sfn_null();
    return SFN_OK;
  }
  if ((uint64_t)idx >= len) return bad(c, err);
  *out = sfn_incref(sfn_array_at(args[0], (size_t)idx));
  return SFN_OK;
}

static int fn_array_length(const sfn_icall *c, sfn_value *const *args, size_t n, sfn_value **out,
                           sfn_error *err) {
  if (n != 1 || args[0]->type != SFN_ARRAY) return bad(c, err);
  return done(sfn_int((int64_t)sfn_array_len(args[0])), out, err);
}

/* Structural hash consistent with sfn_value_equal (numbers by value,
 * objects regardless of member order). */
static uint64_t value_hash(const sfn_value *v) {
  uint64_t h = 1469598103934665603ULL ^ v->type, acc = 0;
  size_t i;
  switch (v->type) {
  case SFN_NULL: return 0x9e3779b97f4a7c15ULL;
  case SFN_BOOL: return v->u.b ? 0x51ed270b27ULL : 0x3c6ef372ULL;
  case SFN_INT:
  case SFN_DOUBLE: {
    double d = sfn_number(v);
    uint64_t bits;
    if (d == 0) d = 0; /* -0 == 0 */
    memcpy(&bits, &d, sizeof bits);
    return bits * 0xff51afd7ed558ccdULL ^ 0x4e;
  }
  case SFN_STRING: return ((uint64_t)sfn_hash(sfn_str(v), sfn_strlen(v)) << 8) ^ 0x5a;
  case SFN_ARRAY:
    for (i = 0; i < sfn_array_len(v); i++) h = (h ^ value_hash(sfn_array_at(v, i))) * 1099511628211ULL;
    return h;
  case SFN_OBJECT:
    for (i = 0; i < sfn_object_len(v); i++) {
      const sfn_value *k = sfn_object_key(v, i);
      acc += ((uint64_t)sfn_hash(sfn_str(k), sfn_strlen(k)) + 0x9e37) * (value_hash(sfn_object_val(v, i)) | 1);
    }
    return h ^ acc;
  }
  return h;
}

static int fn_array_unique(const sfn_icall *c, sfn_value *const *args, size_t n, sfn_value **out,
                           sfn_error *err) {
  const sfn_value *a;
  sfn_value *r;
  size_t len, cap = 16, i, j;
  uint32_t *slots; /* index + 1 of a kept item in r, 0 = empty */
  uint64_t *hashes;
  if (n != 1 || args[0]->type != SFN_ARRAY) return bad(c, err);
  a = args[0];
  len = sfn_array_len(a);
  while (cap < 2 * len) cap *= 2;
  r = sfn_array_new(len);
  slots = sfn_malloc(cap * sizeof *slots);
  hashes = sfn_malloc((len ? len : 1) * sizeof *hashes);
  if (!r || !slots || !hashes) goto oom;
  memset(slots, 0, cap * sizeof *slots);
  for (i = 0; i < len; i++) {
    sfn_value *item = sfn_array_at(a, i);
    uint64_t h = value_hash(item);
    int dup = 0;
    for (j = (size_t)h & (cap - 1); slots[j]; j = (j + 1) & (cap - 1)) {
      size_t k = slots[j] - 1;
      if (hashes[k] == h && sfn_value_equal(sfn_array_at(r, k), item)) {
        dup = 1;
        break;
      }
    }
    if (dup) continue;
    hashes[sfn_array_len(r)] = h;
    slots[j] = (uint32_t)sfn_array_len(r) + 1;
    if (sfn_array_push(r, sfn_incref(item)) != SFN_OK) goto oom;
  }
  sfn_free(slots);
  sfn_free(hashes);
  *out = r;
  return SFN_OK;
oom:
  sfn_decref(r);
  sfn_free(slots);
  sfn_free(hashes);
  return sfn_error_oom(err);
}

/* ---- encoding ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int fn_base64_encode(const sfn_icall *c, sfn_value *const *args, size_t n, sfn_value **out,
                            sfn_error *err) {
  const unsigned char *s;
  size_t len, i, o = 0;
  sfn_value *r;
  char *d;
  if (n != 1 || args[0]->type != SFN_STRING) return bad(c, err);
  s = (const unsigned char *)sfn_str(args[0]);
  len = sfn_strlen(args[0]);
  if (utf16_len((const char *)s, len) > MAX_CHARS) return bad(c, err);
  r = sfn_string_alloc((len + 2) / 3 * 4);
  if (!r) return sfn_error_oom(err);
  d = sfn_str(r);
  for (i = 0; i + 2 < len; i += 3) {
    uint32_t v = ((uint32_t)s[i] << 16) | ((uint32_t)s[i + 1] << 8) | s[i + 2];
    d[o++] = b64[v >> 18];
    d[o++] = b64[(v >> 12) & 63];
    d[o++] = b64[(v >> 6) & 63];
    d[o++] = b64[v & 63];
  }
  if (i < len) {
    uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < len ? (uint32_t)s[i + 1] << 8 : 0);
    d[o++] = b64[v >> 18];
    d[o++] = b64[(v >> 12) & 63];
    d[o++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
    d[o++] = '=';
  }
  *out = r;
  return SFN_OK;
}

static int b64_value(unsigned char ch) {
  if (ch >= 'A' && ch <= 'Z') return ch - 'A';
  if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9') return ch - '0' + 52;
  if (ch == '+') return 62;
  if (ch == '/') return 63;
  return -1;
}

/* Append bytes as UTF-8 text, each byte of an ill-formed sequence replaced
 * by U+FFFD (the way Java decodes bytes into a String). */
static void add_utf8_lossy(sfn_buf *b, const unsigned char *s, size_t len) {
  size_t i = 0, need, k;
  while (i < len) {
    unsigned char c0 = s[i];
    int ok = 1;
    if (c0 < 0x80) need = 0;
    else if (c0 >= 0xC2 && c0 <= 0xDF) need = 1;
    else if (c0 >= 0xE0 && c0 <= 0xEF) need = 2;
    else if (c0 >= 0xF0 && c0 <= 0xF4) need = 3;
    else need = 0, ok = 0;
    if (ok && i + need >= len) ok = 0;
    for (k = 1; ok && k <= need; k++) ok = (s[i + k] & 0xC0) == 0x80;
    if (ok && need == 2 && ((c0 == 0xE0 && s[i + 1] < 0xA0) || (c0 == 0xED && s[i + 1] > 0x9F))) ok = 0;
    if (ok && need == 3 && ((c0 == 0xF0 && s[i + 1] < 0x90) || (c0 == 0xF4 && s[i + 1] > 0x8F))) ok = 0;
    if (ok) {
      sfn_buf_add(b, (const char *)s + i, need + 1);
      i += need + 1;
    } else {
      sfn_buf_add(b, "\xEF\xBF\xBD", 3);
      i++;
    }
  }
}

static int fn_base64_decode(const sfn_icall *c, sfn_value *const *args, size_t n, sfn_value **out,
                            sfn_error *err) {
  const unsigned char *s;
  size_t len, i, o = 0, pad = 0;
  unsigned char *bytes;
  uint32_t acc = 0;
  int bits = 0;
  sfn_buf b;
  if (n != 1 || args[0]->type != SFN_STRING) return bad(c, err);
  s = (const unsigned char *)sfn_str(args[0]);
  len = sfn_strlen(args[0]);
  if (utf16_len((const char *)s, len) > MAX_CHARS) return bad(c, err);
  while (pad < 2 && len > 0 && s[len - 1] == '=') len--, pad++;
  if ((pad && (len + pad) % 4 != 0) || len % 4 == 1) return bad(c, err);
  bytes = sfn_malloc(len * 3 / 4 + 1);
  if (!bytes) return sfn_error_oom(err);
  for (i = 0; i < len; i++) {
    int v = b64_value(s[i]);
    if (v < 0) {
      sfn_free(bytes);
      return bad(c, err);
    }
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[o++] = (unsigned char)(acc >> bits);
    }
  }
  sfn_buf_init(&b);
  add_utf8_lossy(&b, bytes, o);
  sfn_free(bytes);
  if (b.oom) {
    sfn_buf_free(&b);
    return sfn_error_oom(err);
  }
  *out = sfn_string(b.data ? b.data : "", b.len);
  sfn_buf_free(&b);
  return done(*out, out, err);
}

static int fn_hash(const sfn_icall *c, sfn_value *const *args, size_t n, sfn_value **out, sfn_error *err) {
  sfn_digest_alg alg;
  char hex[2 * SFN_DIGEST_MAX + 1];
  char *json = NULL;
  const char *data;
  size_t len;
  if (n != 2 || args[1]->type != SFN_STRING ||
      sfn_hash_lookup(sfn_str(args[1]), sfn_strlen(args[1]), &alg) != 0)
    return bad(c, err);
  if (args[0]->type == SFN_STRING) {
    data = sfn_str(args[0]);
    len = sfn_strlen(args[0]);
  } else { /* AWS hashes other values as their JSON text */
    json = sfn_json_encode(args[0], &len, err);
    if (!json) return SFN_ERR;
    data = json;
  }
  if (utf16_len(data, len) > MAX_CHARS) {
    sfn_free(json);
    return bad(c, err);
  }
  sfn_hash_hex(alg, data, len, hex);
  sfn_free(json);
  return done(sfn_cstring(hex), out, err);
}

/* ---- math ---- */

/* java.util.Random's generator, so one seed always gives the same numbers. */
static int64_t seeded_below(int64_t seed, int64_t bound) {
  uint64_t s = ((uint64_t)seed ^ 0x5DEECE66DULL) & ((1ULL << 48) - 1);
  int32_t bits, val;
  if (bound > 2147483647LL) { /* wider than nextInt covers: 64 bits, reduced */
    uint64_t hi, lo;
    s = (s * 0x5DEECE66DULL + 0xB) & ((1ULL << 48) - 1);
    hi = s >> 16;
    s = (s * 0x5DEECE66DULL + 0xB) & ((1ULL << 48) - 1);
    lo = s >> 16;
    return (int64_t)(((hi << 32) | lo) % (uint64_t)bound);
  }
  for (;;) {
    s = (s * 0x5DEECE66DULL + 0xB) & ((1ULL << 48) - 1);
    bits = (int32_t)(s >> 17);
    if ((bound & -bound) == bound) return (int64_t)(((int64_t)bound * bits) >> 31);
    val = bits % (int32_t)bound;
    if (bits - val + ((int32_t)bound - 1) >= 0) return val;
  }
}

static int fn_math_random(const sfn_icall *c, sfn_value *const *args, size_t n, sfn_value **out,
                          sfn_error *err) {
  int64_t start, end, seed, bound, r;
  if ((n != 2 && n != 3) || trunc32(args[0], &start) != 0 || trunc32(args[1], &end) != 0 || start >= end)
    return bad(c, err);
  bound = end - start;
  if (n == 3) {
    if (trunc64(args[2], &seed) != 0) return bad(c, err);
    r = seeded_below(seed, bound);
  } else {
    r = (int64_t)(sfn_eval_random(c->env) % (uint64_t)bound);
  }
  return done(sfn_int(start + r), out, err);
}

static int fn_math_add(const sfn_icall *c, sfn_value *const *args, size_t n, sfn_value **out, sfn_error *err) {
  int64_t a, b;
  if (n != 2) return bad(c, err);
  if (args[0]->type == SFN_INT && args[1]->type == SFN_INT) { /* the common case: no rounding */
    a = args[0]->u.i;
    b = args[1]->u.i;
    if (a < -2147483648LL || a > 2147483647LL || b < -2147483648LL || b > 2147483647LL) return bad(c, err);
  } else if (round32(args[0], &a) != 0 || round32(args[1], &b) != 0) {
    return bad(c, err);
  }
  return done(sfn_int(a + b), out, err);
}

/* ---- strings ---- */

static int fn_string_split(const sfn_icall *c, sfn_value *const *args, size_t n, sfn_value **out,
                           sfn_error *err) {
  const unsigned char *s, *d;
  size_t slen, dlen, i, tok = 0;
  sfn_value *r;
  if (n != 2 || args[0]->type != SFN_STRING || args[1]->type != SFN_STRING) return bad(c, err);
  s = (const unsigned char *)sfn_str(args[0]);
  slen = sfn_strlen(args[0]);
  d = (const unsigned char *)sfn_str(args[1]);
  dlen = sfn_strlen(args[1]);
  r = sfn_array_new(4);
  if (!r) return sfn_error_oom(err);
  /* Every character of the second argument is a delimiter; empty pieces
   * are dropped (so ",a,,b," gives ["a","b"]). */
  for (i = 0; i <= slen;) {
    size_t at = i, j = 0;
    int is_delim = 0;
    if (i < slen) {
      uint32_t cp = next_cp(s, slen, &i);
      while (j < dlen && !is_delim) is_delim = next_cp(d, dlen, &j) == cp;
    } else {
      i++;
    }
    if (is_delim || at == slen) {
      if (at > tok) {
        if (sfn_array_push(r, sfn_string((const char *)s + tok, at - tok)) != SFN_OK) {
          sfn_decref(r);
          return sfn_error_oom(err);
        }
      }
      tok = i;
    }
  }
  *out = r;
  return SFN_OK;
}

static int fn_uuid(const sfn_icall *c, sfn_value *const *args, size_t n, sfn_value **out, sfn_error *err) {
  static const char hex[] = "0123456789abcdef";
  unsigned char u[16];
  uint64_t a, b;
  char text[37];
  int i, o = 0;
  (void)args;
  if (n != 0) return bad(c, err);
  a = sfn_eval_random(c->env);
  b = sfn_eval_random(c->env);
  for (i = 0; i < 8; i++) {
    u[i] = (unsigned char)(a >> (8 * i));
    u[8 + i] = (unsigned char)(b >> (8 * i));
  }
  u[6] = (unsigned char)((u[6] & 0x0F) | 0x40); /* version 4 */
  u[8] = (unsigned char)((u[8] & 0x3F) | 0x80); /* RFC 4122 variant */
  for (i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text[o++] = '-';
    text[o++] = hex[u[i] >> 4];
    text[o++] = hex[u[i] & 15];
  }
  text[o] = '\0';
  return done(sfn_string(text, 36), out, err);
}

/* ---- table ---- */

static const sfn_idef defs[] = {
    {"States.Format", fn_format},
    {"States.StringToJson", fn_string_to_json},
    {"States.JsonToString", fn_json_to_string},
    {"States.Array", fn_array},
    {"States.ArrayPartition", fn_array_partition},
    {"States.ArrayContains", fn_array_contains},
    {"States.ArrayRange", fn_array_range},
    {"States.ArrayGetItem", fn_array_get_item},
    {"States.ArrayLength", fn_array_length},
    {"States.ArrayUnique", fn_array_unique},
    {"States.Base64Encode", fn_base64_encode},
    {"States.Base64Decode", fn_base64_decode},
    {"States.Hash", fn_hash},
    {"States.JsonMerge", fn_json_merge},
    {"States.MathRandom", fn_math_random},
    {"States.MathAdd", fn_math_add},
    {"States.StringSplit", fn_string_split},
    {"States.UUID", fn_uuid},
};

const sfn_idef *sfn_intrinsic_lookup(const char *name, size_t len) {
  size_t i;
  for (i = 0; i < sizeof defs / sizeof defs[0]; i++)
    if (strlen(defs[i].name) == len && memcmp(defs[i].name, name, len) == 0) return &defs[i];
  return NULL;
}
