/*
 * sfn_jsonata_fns_num.c: JSONata's numeric functions ($number, $abs, $floor,
 * $ceil, $round, $power, $sqrt) and aggregates ($sum, $max, $min,
 * $average).  Numbers are doubles, as in JavaScript.
 */
#include "sfn_jsonata_fns_int.h"
#include "sfn_json_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static sfn_value *num_arg(const sfn_jn_call *c, int i) {
  sfn_value *v = sfn_jnf_arg(c, i);
  return v && sfn_is_number(v) ? v : NULL;
}

/* A value in an error message, as JSON.stringify prints it. */
static int fail_value(sfn_jn_call *c, const char *code, const char *prefix, const sfn_value *v) {
  sfn_buf m;
  int r;
  sfn_buf_init(&m);
  sfn_jnf_msg_value(&m, v);
  r = sfn_jnf_fail(c, code, "%s%.*s", prefix, (int)m.len, m.data ? m.data : "");
  sfn_buf_free(&m);
  return r;
}

/* -?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)? */
static int decimal_text(const char *s, size_t n) {
  size_t i = 0, k;
  if (i < n && s[i] == '-') i++;
  for (k = i; i < n && s[i] >= '0' && s[i] <= '9'; i++) {}
  if (i == k) return 0;
  if (i < n && s[i] == '.') {
    i++;
    for (k = i; i < n && s[i] >= '0' && s[i] <= '9'; i++) {}
    if (i == k) return 0;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '-' || s[i] == '+')) i++;
    for (k = i; i < n && s[i] >= '0' && s[i] <= '9'; i++) {}
    if (i == k) return 0;
  }
  return i == n;
}

/* 0x.. / 0o.. / 0b.. (either case): its value in *d, or 0. */
static int radix_text(const char *s, size_t n, double *d) {
  int base;
  size_t i;
  double v = 0;
  if (n < 3 || s[0] != '0') return 0;
  switch (s[1]) {
    case 'x': case 'X': base = 16; break;
    case 'o': case 'O': base = 8; break;
    case 'b': case 'B': base = 2; break;
    default: return 0;
  }
  for (i = 2; i < n; i++) {
    int dv = s[i] >= '0' && s[i] <= '9' ? s[i] - '0'
             : s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10
             : s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 10
                                          : 99;
    if (dv >= base) return 0;
    v = v * base + dv;
  }
  *d = v;
  return 1;
}

SFN_JNF(number) {
  sfn_value *v = sfn_jnf_arg(c, 0);
  double d;
  *out = NULL;
  if (!v) return SFN_OK;
  switch (sfn_type_of(v)) {
    case SFN_INT:
    case SFN_DOUBLE: return sfn_jnf_ret(c, out, sfn_incref(v));
    case SFN_BOOL: return sfn_jnf_ret(c, out, sfn_int(v->u.b ? 1 : 0));
    case SFN_STRING:
      if (decimal_text(sfn_str(v), sfn_strlen(v))) {
        d = sfn_json_strtod(sfn_str(v), sfn_strlen(v));
        if (isfinite(d)) return sfn_jnf_ret(c, out, sfn_jnf_number(d));
      } else if (radix_text(sfn_str(v), sfn_strlen(v), &d)) {
        return sfn_jnf_ret(c, out, sfn_jnf_number(d));
      }
      break;
    default: break;
  }
  return fail_value(c, "D3030", "Unable to cast value to a number: ", v);
}

static int unary(sfn_jn_call *c, sfn_value **out, double (*f)(double)) {
  sfn_value *v = num_arg(c, 0);
  *out = NULL;
  if (!v) return SFN_OK;
  if (sfn_type_of(v) == SFN_INT && f != fabs) return sfn_jnf_ret(c, out, sfn_incref(v));
  return sfn_jnf_ret(c, out, sfn_jnf_number(f(sfn_number(v))));
}

SFN_JNF(abs) { return unary(c, out, fabs); }
SFN_JNF(floor) { return unary(c, out, floor); }
SFN_JNF(ceil) { return unary(c, out, ceil); }

/* d * 10^shift, computed on the decimal digits as JSONata does (by
 * rewriting the exponent of the number's text), so 1.005 shifts to 100.5. */
static double shift_decimal(double d, int shift) {
  char digits[20], txt[48];
  int nd, e, j = 0, k;
  if (d == 0 || !isfinite(d)) return d;
  e = sfn_jnf_digits(d, 0, digits, &nd);
  if (d < 0) txt[j++] = '-';
  txt[j++] = digits[0];
  if (nd > 1) {
    txt[j++] = '.';
    for (k = 1; k < nd; k++) txt[j++] = digits[k];
  }
  j += snprintf(txt + j, sizeof txt - (size_t)j, "e%d", e + shift);
  return sfn_json_strtod(txt, (size_t)j);
}

double sfn_jnf_round(double d, int precision) {
  double r, diff;
  if (!isfinite(d)) return d;
  if (precision) d = shift_decimal(d, precision);
  r = floor(d + 0.5); /* Math.round */
  diff = r - d;
  if (fabs(diff) == 0.5 && fabs(fmod(r, 2)) == 1) r -= 1;
  if (precision) r = shift_decimal(r, -precision);
  if (r == 0) r = 0; /* no -0 */
  return r;
}

SFN_JNF(round) {
  sfn_value *v = num_arg(c, 0), *p = num_arg(c, 1);
  double prec = p ? trunc(sfn_number(p)) : 0;
  *out = NULL;
  if (!v) return SFN_OK;
  if (prec > 400) prec = 400;
  if (prec < -400) prec = -400;
  return sfn_jnf_ret(c, out, sfn_jnf_number(sfn_jnf_round(sfn_number(v), (int)prec)));
}

SFN_JNF(power) {
  sfn_value *v = num_arg(c, 0), *e = num_arg(c, 1);
  double r;
  *out = NULL;
  if (!v) return SFN_OK;
  r = pow(sfn_number(v), e ? sfn_number(e) : NAN);
  if (!isfinite(r)) {
    sfn_buf a, b;
    int rc;
    sfn_buf_init(&a);
    sfn_buf_init(&b);
    sfn_jnf_msg_value(&a, v);
    sfn_jnf_msg_value(&b, e);
    rc = sfn_jnf_fail(c, "D3061",
                      "The power function has resulted in a value that cannot be represented as a JSON number: "
                      "base=%.*s, exponent=%.*s",
                      (int)a.len, a.data ? a.data : "", (int)b.len, b.data ? b.data : "");
    sfn_buf_free(&a);
    sfn_buf_free(&b);
    return rc;
  }
  return sfn_jnf_ret(c, out, sfn_jnf_number(r));
}

SFN_JNF(sqrt) {
  sfn_value *v = num_arg(c, 0);
  *out = NULL;
  if (!v) return SFN_OK;
  if (sfn_number(v) < 0)
    return fail_value(c, "D3060", "The sqrt function cannot be applied to a negative number: ", v);
  return sfn_jnf_ret(c, out, sfn_jnf_number(sqrt(sfn_number(v))));
}

/* The numbers of argument 0 (an array of numbers, or a single number). */
static int numbers(const sfn_jn_call *c, sfn_value *const **items, size_t *n, sfn_value **single) {
  sfn_value *v = sfn_jnf_arg(c, 0);
  if (!v) return 0;
  if (sfn_type_of(v) == SFN_ARRAY) {
    *items = v->u.a.items;
    *n = sfn_array_len(v);
  } else {
    *single = v;
    *items = single;
    *n = 1;
  }
  return 1;
}

SFN_JNF(sum) {
  sfn_value *const *items;
  sfn_value *single = NULL;
  size_t n, i;
  double t = 0;
  *out = NULL;
  if (!numbers(c, &items, &n, &single)) return SFN_OK;
  for (i = 0; i < n; i++)
    if (sfn_is_number(items[i])) t += sfn_number(items[i]);
  return sfn_jnf_ret(c, out, sfn_jnf_number(t));
}

static int extreme(sfn_jn_call *c, sfn_value **out, int want_max) {
  sfn_value *const *items;
  sfn_value *single = NULL;
  size_t n, i;
  double m = want_max ? -INFINITY : INFINITY;
  *out = NULL;
  if (!numbers(c, &items, &n, &single) || n == 0) return SFN_OK;
  for (i = 0; i < n; i++) {
    double d = sfn_is_number(items[i]) ? sfn_number(items[i]) : NAN;
    if (d != d) {
      m = d;
      break;
    }
    if (want_max ? d > m : d < m) m = d;
  }
  return sfn_jnf_ret(c, out, sfn_jnf_number(m));
}

SFN_JNF(max) { return extreme(c, out, 1); }
SFN_JNF(min) { return extreme(c, out, 0); }

SFN_JNF(average) {
  sfn_value *const *items;
  sfn_value *single = NULL;
  size_t n, i;
  double t = 0;
  *out = NULL;
  if (!numbers(c, &items, &n, &single) || n == 0) return SFN_OK;
  for (i = 0; i < n; i++)
    if (sfn_is_number(items[i])) t += sfn_number(items[i]);
  return sfn_jnf_ret(c, out, sfn_jnf_number(t / (double)n));
}
