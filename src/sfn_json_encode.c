/*
 * sfn_json_encode.c: compact JSON encoder for sfn_value, and doubles in
 * Java's Double.toString form (rules in sfn_json.h).
 */
#include "sfn_json.h"
#include "sfn_json_int.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char hexd[] = "0123456789abcdef";

/* Append s as a JSON string; returns 0 when s is not valid UTF-8 (invalid
 * bytes are then written as U+FFFD so the output stays valid JSON). */
static int encode_string(sfn_buf *b, const char *str, size_t len) {
  const unsigned char *s = (const unsigned char *)str, *end = s + len;
  int ok = 1;
  char *o;
  /* Room for the common case (nothing to escape) in one go. */
  if (sfn_buf_reserve(b, len + 3) != SFN_OK) return 1;
  b->data[b->len++] = '"';
  while (s < end) {
    const unsigned char *q = s;
    while (q < end && sfn_json_plain[*q]) q++;
    if (q > s) {
      sfn_buf_add(b, (const char *)s, (size_t)(q - s));
      s = q;
      if (s >= end) break;
    }
    if (*s >= 0x80) {
      size_t n = sfn_json_utf8_seq(s, (size_t)(end - s));
      if (n) {
        sfn_buf_add(b, (const char *)s, n);
        s += n;
      } else {
        sfn_buf_add(b, "\xEF\xBF\xBD", 3);
        ok = 0;
        s++;
      }
      continue;
    }
    if (sfn_buf_reserve(b, 7) != SFN_OK) return 1;
    o = b->data + b->len;
    switch (*s) {
      case '"': o[0] = '\\', o[1] = '"', b->len += 2; break;
      case '\\': o[0] = '\\', o[1] = '\\', b->len += 2; break;
      case '\b': o[0] = '\\', o[1] = 'b', b->len += 2; break;
      case '\f': o[0] = '\\', o[1] = 'f', b->len += 2; break;
      case '\n': o[0] = '\\', o[1] = 'n', b->len += 2; break;
      case '\r': o[0] = '\\', o[1] = 'r', b->len += 2; break;
      case '\t': o[0] = '\\', o[1] = 't', b->len += 2; break;
      default:
        memcpy(o, "\\u00", 4);
        o[4] = hexd[*s >> 4];
        o[5] = hexd[*s & 15];
        b->len += 6;
        break;
    }
    s++;
  }
  sfn_buf_addc(b, '"');
  return ok;
}

void sfn_json_encode_string(sfn_buf *b, const char *s, size_t len) { (void)encode_string(b, s, len); }

/*
 * Shortest decimal digits of d (finite, non-zero): fills digits (no
 * trailing zeros, no sign) and returns the decimal exponent E such that
 * |d| = 0.d1d2d3... * 10^(E+1), i.e. d1 is the 10^E digit.
 */
static int shortest_digits(double d, char *digits, int *ndigits) {
  char tmp[40];
  int prec, n = 0, i, k = 0, e;
  double a = fabs(d);
  /* Fast path: the fewest fraction digits f such that round(a * 10^f),
   * below 10^15, divided by 10^f reads back as a.  Both operations are
   * exact or correctly rounded here (an integer below 2^53, an exact power
   * of ten), and a decimal of at most 15 digits that reads back as a is
   * the only one of its length, so this is the shortest form. */
  if (a >= 1e-7 && a < 1e15) {
    int f;
    for (f = 0; f <= 22; f++) {
      double m = floor(a * sfn_json_pow10[f] + 0.5);
      if (m >= 1e15) break;
      if (m / sfn_json_pow10[f] == a) {
        char rev[24];
        uint64_t u = (uint64_t)m;
        int r = 0;
        do {
          rev[r++] = (char)('0' + u % 10);
          u /= 10;
        } while (u);
        e = r - 1 - f;
        while (r > 1 && rev[0] == '0') { /* drop trailing zeros */
          memmove(rev, rev + 1, (size_t)--r);
        }
        for (i = 0; i < r; i++) digits[i] = rev[r - 1 - i];
        digits[r] = '\0';
        *ndigits = r;
        return e;
      }
    }
  }
  /* For normal doubles any decimal of <= 15 significant digits that reads
   * back as d is what %.15g finds (DBL_DIG); subnormals have fewer
   * significant bits, so there we search from two digits up (Java prints
   * the two-digit 4.9E-324, not 5.0E-324, for the smallest one). */
  prec = fabs(d) < DBL_MIN ? 2 : 15;
  for (; prec <= 17; prec++) {
    n = snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
    if (prec == 17 || sfn_json_strtod(tmp, (size_t)n) == d) break;
  }
  /* tmp is "[-]D[.DDD]e[+-]XX" (the point may be a locale's). */
  for (i = 0; i < n && tmp[i] != 'e'; i++)
    if (tmp[i] >= '0' && tmp[i] <= '9') digits[k++] = tmp[i];
  e = atoi(tmp + i + 1);
  while (k > 1 && digits[k - 1] == '0') k--;
  digits[k] = '\0';
  *ndigits = k;
  return e;
}

void sfn_json_encode_double(sfn_buf *b, double d) {
  char digits[24], out[48], *o = out;
  int nd, e, i;
  if (d == 0) {
    sfn_buf_adds(b, signbit(d) ? "-0.0" : "0.0");
    return;
  }
  if (isnan(d) || isinf(d)) { /* not JSON; Java's spelling, for messages */
    sfn_buf_adds(b, isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
    return;
  }
  if (d < 0) *o++ = '-';
  /* Integral values below 10^7 (the common case): digits then ".0". */
  if (fabs(d) < 1e7 && d == (double)(int64_t)d) {
    int64_t i64 = (int64_t)fabs(d);
    char rev[8];
    int r = 0;
    do {
      rev[r++] = (char)('0' + i64 % 10);
      i64 /= 10;
    } while (i64);
    while (r) *o++ = rev[--r];
    *o++ = '.';
    *o++ = '0';
    sfn_buf_add(b, out, (size_t)(o - out));
    return;
  }
  e = shortest_digits(d, digits, &nd);
  if (e >= -3 && e < 7) {
    /* Plain notation, at least one digit on each side of the point. */
    if (e < 0) {
      *o++ = '0';
      *o++ = '.';
      for (i = -1; i > e; i--) *o++ = '0';
      memcpy(o, digits, (size_t)nd);
      o += nd;
    } else {
      for (i = 0; i <= e; i++) *o++ = i < nd ? digits[i] : '0';
      *o++ = '.';
      if (nd > e + 1) {
        memcpy(o, digits + e + 1, (size_t)(nd - e - 1));
        o += nd - e - 1;
      } else {
        *o++ = '0';
      }
    }
  } else {
    /* Java's computerized scientific notation: D.DDDE[-]X. */
    *o++ = digits[0];
    *o++ = '.';
    if (nd > 1) {
      memcpy(o, digits + 1, (size_t)(nd - 1));
      o += nd - 1;
    } else {
      *o++ = '0';
    }
    o += snprintf(o, 8, "E%d", e);
  }
  sfn_buf_add(b, out, (size_t)(o - out));
}

static void encode_int(sfn_buf *b, int64_t i) {
  char tmp[24], *p = tmp + sizeof tmp;
  uint64_t u = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
  do {
    *--p = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (i < 0) *--p = '-';
  sfn_buf_add(b, p, (size_t)(tmp + sizeof tmp - p));
}

static int encode_value(const sfn_value *v, sfn_buf *b, int depth, sfn_error *err) {
  size_t i, n;
  if (depth > SFN_JSON_MAX_DEPTH)
    return sfn_error_set(err, "JSONError", "nesting deeper than %d", SFN_JSON_MAX_DEPTH);
  switch (sfn_type_of(v)) {
    case SFN_NULL: sfn_buf_add(b, "null", 4); break;
    case SFN_BOOL:
      if (v->u.b) sfn_buf_add(b, "true", 4);
      else sfn_buf_add(b, "false", 5);
      break;
    case SFN_INT: encode_int(b, v->u.i); break;
    case SFN_DOUBLE:
      if (isnan(v->u.d) || isinf(v->u.d))
        return sfn_error_set(err, "JSONError", "cannot encode %s",
                             isnan(v->u.d) ? "NaN" : v->u.d > 0 ? "Infinity" : "-Infinity");
      sfn_json_encode_double(b, v->u.d);
      break;
    case SFN_STRING:
      if (!encode_string(b, sfn_str(v), sfn_strlen(v)))
        return sfn_error_set(err, "JSONError", "invalid UTF-8 in string");
      break;
    case SFN_ARRAY:
      n = sfn_array_len(v);
      sfn_buf_addc(b, '[');
      for (i = 0; i < n; i++) {
        if (i) sfn_buf_addc(b, ',');
        if (encode_value(sfn_array_at(v, i), b, depth + 1, err) != SFN_OK) return SFN_ERR;
      }
      sfn_buf_addc(b, ']');
      break;
    case SFN_OBJECT:
      n = sfn_object_len(v);
      sfn_buf_addc(b, '{');
      for (i = 0; i < n; i++) {
        const sfn_value *k = sfn_object_key(v, i);
        if (i) sfn_buf_addc(b, ',');
        if (!encode_string(b, sfn_str(k), sfn_strlen(k)))
          return sfn_error_set(err, "JSONError", "invalid UTF-8 in string");
        sfn_buf_addc(b, ':');
        if (encode_value(sfn_object_val(v, i), b, depth + 1, err) != SFN_OK) return SFN_ERR;
      }
      sfn_buf_addc(b, '}');
      break;
  }
  if (b->oom) return sfn_error_oom(err);
  return SFN_OK;
}

int sfn_json_encode_buf(const sfn_value *v, sfn_buf *b, sfn_error *err) {
  if (encode_value(v, b, 0, err) != SFN_OK) return SFN_ERR;
  if (b->oom) return sfn_error_oom(err);
  return SFN_OK;
}

char *sfn_json_encode(const sfn_value *v, size_t *len, sfn_error *err) {
  sfn_buf b;
  char *s;
  sfn_buf_init(&b);
  if (sfn_json_encode_buf(v, &b, err) != SFN_OK) {
    sfn_buf_free(&b);
    return NULL;
  }
  s = sfn_buf_take(&b, len);
  if (!s) sfn_error_oom(err);
  return s;
}
