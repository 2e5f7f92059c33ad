/*
 * sfn_jsonata_fns.c: the table of JSONata's plain built-in functions (name,
 * signature, implementation) and the helpers their implementations share:
 * results, errors, random numbers, numbers printed as JavaScript prints them,
 * $string's JSON text, UTF-8.  The functions themselves live in
 * sfn_jsonata_fns_<part>.c.
 */
#include "sfn_jsonata_fns_int.h"
#include "sfn_json.h"
#include "sfn_json_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Signatures are JSONata 2.0.6's own; AWS's additions as AWS documents them. */
static const sfn_jn_builtin builtins[] = {
    /* strings */
    {"string", "<x-b?:s>", sfn_jnb_string},
    {"length", "<s-:n>", sfn_jnb_length},
    {"substring", "<s-nn?:s>", sfn_jnb_substring},
    {"substringBefore", "<s-s:s>", sfn_jnb_substringBefore},
    {"substringAfter", "<s-s:s>", sfn_jnb_substringAfter},
    {"uppercase", "<s-:s>", sfn_jnb_uppercase},
    {"lowercase", "<s-:s>", sfn_jnb_lowercase},
    {"trim", "<s-:s>", sfn_jnb_trim},
    {"pad", "<s-ns?:s>", sfn_jnb_pad},
    {"contains", "<s-(sf):b>", sfn_jnb_contains},
    {"split", "<s-(sf)n?:a<s>>", sfn_jnb_split},
    {"join", "<a<s>s?:s>", sfn_jnb_join},
    {"match", "<s-f<s:o>n?:a<o>>", sfn_jnb_match},
    {"replace", "<s-(sf)(sf)n?:s>", sfn_jnb_replace},
    {"base64encode", "<s-:s>", sfn_jnb_base64encode},
    {"base64decode", "<s-:s>", sfn_jnb_base64decode},
    {"encodeUrlComponent", "<s-:s>", sfn_jnb_encodeUrlComponent},
    {"encodeUrl", "<s-:s>", sfn_jnb_encodeUrl},
    {"decodeUrlComponent", "<s-:s>", sfn_jnb_decodeUrlComponent},
    {"decodeUrl", "<s-:s>", sfn_jnb_decodeUrl},
    /* numbers */
    {"number", "<(nsb)-:n>", sfn_jnb_number},
    {"abs", "<n-:n>", sfn_jnb_abs},
    {"floor", "<n-:n>", sfn_jnb_floor},
    {"ceil", "<n-:n>", sfn_jnb_ceil},
    {"round", "<n-n?:n>", sfn_jnb_round},
    {"power", "<n-n:n>", sfn_jnb_power},
    {"sqrt", "<n-:n>", sfn_jnb_sqrt},
    {"sum", "<a<n>:n>", sfn_jnb_sum},
    {"max", "<a<n>:n>", sfn_jnb_max},
    {"min", "<a<n>:n>", sfn_jnb_min},
    {"average", "<a<n>:n>", sfn_jnb_average},
    /* formatting */
    {"formatNumber", "<n-so?:s>", sfn_jnb_formatNumber},
    {"formatBase", "<n-n?:s>", sfn_jnb_formatBase},
    {"formatInteger", "<n-s:s>", sfn_jnb_formatInteger},
    {"parseInteger", "<s-s:n>", sfn_jnb_parseInteger},
    /* arrays and objects */
    {"count", "<a:n>", sfn_jnb_count},
    {"append", "<xx:a>", sfn_jnb_append},
    {"reverse", "<a:a>", sfn_jnb_reverse},
    {"shuffle", "<a:a>", sfn_jnb_shuffle},
    {"distinct", "<x:x>", sfn_jnb_distinct},
    {"zip", "<a+>", sfn_jnb_zip},
    {"keys", "<x-:a<s>>", sfn_jnb_keys},
    {"merge", "<a<o>:o>", sfn_jnb_merge},
    {"spread", "<x-:a<o>>", sfn_jnb_spread},
    /* dates */
    {"now", "<s?s?:s>", sfn_jnb_now},
    {"millis", "<:n>", sfn_jnb_millis},
    {"fromMillis", "<n-s?s?:s>", sfn_jnb_fromMillis},
    {"toMillis", "<s-s?:n>", sfn_jnb_toMillis},
    /* AWS Step Functions' additions ($random replaces JSONata's own) */
    {"partition", "<an:a>", sfn_jnb_partition},
    {"range", "<nnn?:a>", sfn_jnb_range},
    {"hash", "<ss?:s>", sfn_jnb_hash},
    {"random", "<n?:n>", sfn_jnb_random},
    {"uuid", "<:s>", sfn_jnb_uuid},
    {"parse", "<s-:x>", sfn_jnb_parse},
};

const sfn_jn_builtin *sfn_jn_builtin_find(const char *name, size_t len) {
  size_t i;
  for (i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
    if (strlen(builtins[i].name) == len && memcmp(builtins[i].name, name, len) == 0) return &builtins[i];
  return NULL;
}

/* ---- results and errors ---- */

sfn_value *sfn_jnf_number(double d) {
  if (d == trunc(d) && fabs(d) <= 9007199254740992.0) return sfn_int((int64_t)d);
  return sfn_double(d);
}

int sfn_jnf_fail(sfn_jn_call *c, const char *code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sfn_error_setv(c->err, code, fmt, ap);
  va_end(ap);
  return SFN_ERR;
}

int sfn_jnf_oom(sfn_jn_call *c) { return sfn_error_oom(c->err); }

int sfn_jnf_ret(sfn_jn_call *c, sfn_value **out, sfn_value *v) {
  *out = v;
  return v ? SFN_OK : sfn_jnf_oom(c);
}

int sfn_jnf_ret_buf(sfn_jn_call *c, sfn_value **out, sfn_buf *b) {
  if (b->oom) {
    sfn_buf_free(b);
    *out = NULL;
    return sfn_jnf_oom(c);
  }
  *out = sfn_string(b->data ? b->data : "", b->len);
  sfn_buf_free(b);
  return *out ? SFN_OK : sfn_jnf_oom(c);
}

sfn_value *sfn_jnf_arg(const sfn_jn_call *c, int i) { return i < c->nargs ? c->args[i] : NULL; }

int sfn_jnf_ret_seq(sfn_jn_call *c, sfn_value **out, sfn_value *arr) {
  *out = NULL;
  if (!arr) return sfn_jnf_oom(c);
  if (sfn_array_len(arr) == 0) {
    sfn_decref(arr);
  } else if (sfn_array_len(arr) == 1) {
    *out = sfn_incref(sfn_array_at(arr, 0));
    sfn_decref(arr);
  } else {
    *out = arr;
  }
  return SFN_OK;
}

uint64_t sfn_jnf_random64(sfn_jsonata_env *env) {
  uint64_t x;
  if (env->random) return env->random(env->random_ud);
  x = env->rng_state ? env->rng_state : 0x9E3779B97F4A7C15ULL;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  env->rng_state = x;
  return x;
}

double sfn_jnf_random01(sfn_jsonata_env *env) {
  return (double)(sfn_jnf_random64(env) >> 11) * (1.0 / 9007199254740992.0);
}

/* ---- numbers ---- */

/* Digits and exponent of "%.*e" output (locale-proof: only digits and the
 * exponent are read).  Trailing zeros dropped. */
static int digits_of(double a, int prec, char *digits, int *nd) {
  char tmp[64];
  int n = snprintf(tmp, sizeof tmp, "%.*e", prec - 1, a), i, k = 0, e = 0, neg = 0;
  for (i = 0; i < n && tmp[i] != 'e'; i++)
    if (tmp[i] >= '0' && tmp[i] <= '9' && k < 17) digits[k++] = tmp[i];
  if (i < n) {
    i++;
    if (tmp[i] == '-') neg = 1;
    if (tmp[i] == '-' || tmp[i] == '+') i++;
    for (; i < n; i++) e = e * 10 + (tmp[i] - '0');
  }
  while (k > 1 && digits[k - 1] == '0') k--;
  *nd = k;
  return neg ? -e : e;
}

int sfn_jnf_digits(double d, int prec, char *digits, int *nd) {
  double a = fabs(d);
  int p, e = 0;
  if (prec > 0) return digits_of(a, prec > 17 ? 17 : prec, digits, nd);
  for (p = 1; p <= 17; p++) {
    char txt[40];
    int k, j = 0;
    e = digits_of(a, p, digits, nd);
    if (p == 17) break;
    /* read the candidate back: d.ddde<e> */
    txt[j++] = digits[0];
    if (*nd > 1) {
      txt[j++] = '.';
      for (k = 1; k < *nd; k++) txt[j++] = digits[k];
    }
    j += snprintf(txt + j, sizeof txt - (size_t)j, "e%d", e);
    if (sfn_json_strtod(txt, (size_t)j) == a) break;
  }
  return e;
}

static void js_format(sfn_buf *b, double d, int prec) {
  char digits[20];
  int nd, e, n, i;
  if (d != d) {
    sfn_buf_adds(b, "NaN");
    return;
  }
  if (isinf(d)) {
    sfn_buf_adds(b, d < 0 ? "-Infinity" : "Infinity");
    return;
  }
  if (d == 0) {
    sfn_buf_addc(b, '0');
    return;
  }
  if (d < 0) sfn_buf_addc(b, '-');
  e = sfn_jnf_digits(d, prec, digits, &nd);
  n = e + 1;
  if (nd <= n && n <= 21) {
    sfn_buf_add(b, digits, (size_t)nd);
    for (i = nd; i < n; i++) sfn_buf_addc(b, '0');
  } else if (0 < n && n <= 21) {
    sfn_buf_add(b, digits, (size_t)n);
    sfn_buf_addc(b, '.');
    sfn_buf_add(b, digits + n, (size_t)(nd - n));
  } else if (-6 < n && n <= 0) {
    sfn_buf_adds(b, "0.");
    for (i = n; i < 0; i++) sfn_buf_addc(b, '0');
    sfn_buf_add(b, digits, (size_t)nd);
  } else {
    sfn_buf_addc(b, digits[0]);
    if (nd > 1) {
      sfn_buf_addc(b, '.');
      sfn_buf_add(b, digits + 1, (size_t)(nd - 1));
    }
    sfn_buf_printf(b, "e%c%d", n - 1 < 0 ? '-' : '+', n - 1 < 0 ? 1 - n : n - 1);
  }
}

void sfn_jnf_js_number(sfn_buf *b, double d) { js_format(b, d, 0); }

void sfn_jnf_js_number15(sfn_buf *b, double d) { js_format(b, d, 15); }

static void indent(sfn_buf *b, int pretty, int depth) {
  int i;
  if (!pretty) return;
  sfn_buf_addc(b, '\n');
  for (i = 0; i < depth; i++) sfn_buf_add(b, "  ", 2);
}

static int stringify(sfn_jn_call *c, sfn_buf *b, const sfn_value *v, int pretty, int depth, int prec) {
  size_t i;
  if (depth > SFN_JSON_MAX_DEPTH) return sfn_jnf_fail(c, "D3001", "Value nested too deeply to stringify");
  switch (sfn_type_of(v)) {
    case SFN_NULL: sfn_buf_adds(b, "null"); break;
    case SFN_BOOL: sfn_buf_adds(b, v->u.b ? "true" : "false"); break;
    case SFN_INT:
      if (prec && (v->u.i > 999999999999999LL || v->u.i < -999999999999999LL))
        js_format(b, (double)v->u.i, prec);
      else
        sfn_buf_printf(b, "%lld", (long long)v->u.i);
      break;
    case SFN_DOUBLE:
      if (!isfinite(v->u.d)) {
        if (!c) return SFN_ERR;
        return sfn_jnf_fail(c, "D3001", "Attempting to invoke string function on Infinity or NaN");
      }
      js_format(b, v->u.d, prec);
      break;
    case SFN_STRING: sfn_json_encode_string(b, sfn_str(v), sfn_strlen(v)); break;
    case SFN_ARRAY:
      sfn_buf_addc(b, '[');
      for (i = 0; i < sfn_array_len(v); i++) {
        if (i) sfn_buf_addc(b, ',');
        indent(b, pretty, depth + 1);
        if (stringify(c, b, sfn_array_at(v, i), pretty, depth + 1, prec) != SFN_OK) return SFN_ERR;
      }
      if (sfn_array_len(v)) indent(b, pretty, depth);
      sfn_buf_addc(b, ']');
      break;
    case SFN_OBJECT:
      sfn_buf_addc(b, '{');
      for (i = 0; i < sfn_object_len(v); i++) {
        const sfn_value *k = sfn_object_key(v, i);
        if (i) sfn_buf_addc(b, ',');
        indent(b, pretty, depth + 1);
        sfn_json_encode_string(b, sfn_str(k), sfn_strlen(k));
        sfn_buf_add(b, ": ", pretty ? 2 : 1);
        if (stringify(c, b, sfn_object_val(v, i), pretty, depth + 1, prec) != SFN_OK) return SFN_ERR;
      }
      if (sfn_object_len(v)) indent(b, pretty, depth);
      sfn_buf_addc(b, '}');
      break;
  }
  return SFN_OK;
}

int sfn_jnf_stringify(sfn_jn_call *c, sfn_buf *b, const sfn_value *v, int pretty) {
  return stringify(c, b, v, pretty, 0, 15);
}

void sfn_jnf_msg_value(sfn_buf *b, const sfn_value *v) {
  if (!v) {
    sfn_buf_adds(b, "undefined");
    return;
  }
  if (stringify(NULL, b, v, 0, 0, 0) != SFN_OK) sfn_buf_adds(b, "null");
}

/* ---- UTF-8 ---- */

uint32_t sfn_jnf_utf8_next(const char *str, size_t len, size_t *i) {
  const unsigned char *s = (const unsigned char *)str + *i;
  size_t avail = len - *i, n;
  uint32_t cp;
  if (s[0] < 0x80) {
    (*i)++;
    return s[0];
  }
  n = sfn_json_utf8_seq(s, avail);
  if (n == 0) {
    (*i)++;
    return s[0];
  }
  if (n == 2)
    cp = ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
  else if (n == 3)
    cp = ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
  else
    cp = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) | ((uint32_t)(s[2] & 0x3F) << 6) |
         (s[3] & 0x3F);
  *i += n;
  return cp;
}

void sfn_jnf_utf8_put(sfn_buf *b, uint32_t cp) {
  char o[4];
  if (cp < 0x80) {
    sfn_buf_addc(b, (char)cp);
  } else if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    sfn_buf_add(b, o, 2);
  } else if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    sfn_buf_add(b, o, 3);
  } else {
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    sfn_buf_add(b, o, 4);
  }
}

size_t sfn_jnf_cplen(const char *s, size_t len) {
  size_t i = 0, n = 0;
  while (i < len) {
    (void)sfn_jnf_utf8_next(s, len, &i);
    n++;
  }
  return n;
}

size_t sfn_jnf_cp_offset(const char *s, size_t len, size_t k) {
  size_t i = 0;
  while (k > 0 && i < len) {
    (void)sfn_jnf_utf8_next(s, len, &i);
    k--;
  }
  return i;
}

size_t sfn_jnf_utf16_len(const char *s, size_t len) {
  size_t i = 0, n = 0;
  while (i < len) n += sfn_jnf_utf8_next(s, len, &i) >= 0x10000 ? 2 : 1;
  return n;
}

/* ---- a growable array of code points ---- */

void sfn_jnf_u32_free(sfn_jnf_u32s *u) {
  sfn_free(u->p);
  u->p = NULL;
  u->n = u->cap = 0;
}

void sfn_jnf_u32_insert(sfn_jnf_u32s *u, size_t at, const uint32_t *s, size_t n) {
  if (u->oom || n == 0) return;
  if (u->n + n > u->cap) {
    size_t nc = u->cap ? u->cap * 2 : 32;
    uint32_t *np;
    while (nc < u->n + n) nc *= 2;
    np = sfn_realloc(u->p, nc * sizeof(uint32_t));
    if (!np) {
      u->oom = 1;
      return;
    }
    u->p = np;
    u->cap = nc;
  }
  if (at > u->n) at = u->n;
  memmove(u->p + at + n, u->p + at, (u->n - at) * sizeof(uint32_t));
  memcpy(u->p + at, s, n * sizeof(uint32_t));
  u->n += n;
}

void sfn_jnf_u32_add(sfn_jnf_u32s *u, const uint32_t *s, size_t n) { sfn_jnf_u32_insert(u, u->n, s, n); }
void sfn_jnf_u32_addc(sfn_jnf_u32s *u, uint32_t c) { sfn_jnf_u32_insert(u, u->n, &c, 1); }

void sfn_jnf_u32_from_utf8(sfn_jnf_u32s *u, const char *s, size_t len) {
  size_t i = 0;
  if (!u->p) { /* never leave p NULL: offsets into it are taken */
    sfn_jnf_u32_addc(u, 0);
    u->n = 0;
  }
  while (i < len) sfn_jnf_u32_addc(u, sfn_jnf_utf8_next(s, len, &i));
}

void sfn_jnf_u32_from_ascii(sfn_jnf_u32s *u, const char *s) {
  while (*s) sfn_jnf_u32_addc(u, (unsigned char)*s++);
}

void sfn_jnf_u32_to_buf(sfn_buf *b, const uint32_t *p, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) sfn_jnf_utf8_put(b, p[i]);
}

void sfn_jnf_u32_remove(sfn_jnf_u32s *u, size_t at, size_t n) {
  if (at >= u->n) return;
  if (at + n > u->n) n = u->n - at;
  memmove(u->p + at, u->p + at + n, (u->n - at - n) * sizeof(uint32_t));
  u->n -= n;
}

/* Index of needle (m code points) in p[from..n), or -1. */
long sfn_jnf_u32_find(const uint32_t *p, size_t n, const uint32_t *needle, size_t m, size_t from) {
  size_t i;
  if (m == 0) return from <= n ? (long)from : -1;
  for (i = from; i + m <= n; i++)
    if (memcmp(p + i, needle, m * sizeof(uint32_t)) == 0) return (long)i;
  return -1;
}

long sfn_jnf_u32_rfind(const uint32_t *p, size_t n, const uint32_t *needle, size_t m) {
  size_t i;
  if (m == 0 || m > n) return m == 0 ? (long)n : -1;
  for (i = n - m + 1; i-- > 0;)
    if (memcmp(p + i, needle, m * sizeof(uint32_t)) == 0) return (long)i;
  return -1;
}
