/*
 * sfn_json.c: strict RFC 8259 JSON decoder into sfn_value (rules in
 * sfn_json.h), and the character tables and number reading shared with the
 * encoder (sfn_json_encode.c).
 *
 * Decoder: recursive descent over a byte range with an explicit depth
 * counter.  Array items and object key/value pairs are collected on a
 * parser-wide value stack, and each container is allocated once at its
 * exact size when it closes.  Strings without escapes are copied once,
 * straight into their sfn_value; strings with escapes are decoded straight
 * into a value allocated at the raw length.  Line and column are computed
 * only when an error is reported.
 */
#include "sfn_json.h"
#include "sfn_json_int.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Shared with the encoder                                            */
/* ------------------------------------------------------------------ */

/*
 * sfn_json_plain[c]: 1 when byte c is copied through a string unchanged by
 * both the decoder and the encoder: printable ASCII other than '"' and '\\'.
 */
const unsigned char sfn_json_plain[256] = {
    /* 0x00 - 0x1F: control characters */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* 0x20 - 0x7F: all but '"' (0x22) and '\\' (0x5C) */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* 0x80 - 0xFF: UTF-8 lead/continuation bytes, validated separately */
};

/*
 * Validate one UTF-8 sequence starting at s (s[0] >= 0x80), at most `avail`
 * bytes available.  Returns its length (2..4) or 0 when it is invalid:
 * stray continuation byte, overlong form, encoded surrogate, > U+10FFFF or
 * truncated (RFC 3629 section 4).
 */
size_t sfn_json_utf8_seq(const unsigned char *s, size_t avail) {
  unsigned c = s[0];
  if (c < 0xC2) return 0; /* continuation byte or overlong 2-byte lead */
  if (c < 0xE0) {
    if (avail < 2 || (s[1] & 0xC0) != 0x80) return 0;
    return 2;
  }
  if (c < 0xF0) {
    if (avail < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && s[1] < 0xA0) return 0;  /* overlong */
    if (c == 0xED && s[1] >= 0xA0) return 0; /* U+D800..U+DFFF */
    return 3;
  }
  if (c < 0xF5) {
    if (avail < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
      return 0;
    if (c == 0xF0 && s[1] < 0x90) return 0;  /* overlong */
    if (c == 0xF4 && s[1] >= 0x90) return 0; /* > U+10FFFF */
    return 4;
  }
  return 0;
}

const double sfn_json_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/*
 * strtod that does not depend on the C locale's decimal point: the text is
 * copied with '.' replaced by the locale's decimal point when that differs.
 * text[0..len) is a valid JSON number.
 */
double sfn_json_strtod(const char *text, size_t len) {
  char buf[512], *tmp = buf, *dot;
  const char *dp = localeconv()->decimal_point;
  double d;
  size_t dpl = dp ? strlen(dp) : 1;
  if (!dp || dpl == 0) dp = ".", dpl = 1;
  if (len + dpl + 1 > sizeof buf) {
    tmp = sfn_malloc(len + dpl + 1);
    if (!tmp) return NAN;
  }
  memcpy(tmp, text, len);
  tmp[len] = '\0';
  if (!(dp[0] == '.' && dp[1] == '\0') && (dot = memchr(tmp, '.', len)) != NULL) {
    memmove(dot + dpl, dot + 1, len - (size_t)(dot - tmp));
    memcpy(dot, dp, dpl);
  }
  d = strtod(tmp, NULL);
  if (tmp != buf) sfn_free(tmp);
  return d;
}

/* ------------------------------------------------------------------ */
/* Decoder                                                            */
/* ------------------------------------------------------------------ */

#define KEY_CACHE 256
#define KEY_CACHE_MAXLEN 64

typedef struct parser {
  const unsigned char *start, *p, *end;
  int depth;
  sfn_error *err;
  /* Array items and object keys/values not yet placed in their container. */
  sfn_value **stack;
  size_t sp, scap;
  /* Short object keys seen so far (direct-mapped by hash): repeated keys,
   * as in arrays of similar objects, share one string value. */
  sfn_value *keys[KEY_CACHE];
} parser;

/* Report an error at byte position `at`: line/column are 1-based, the
 * column counts characters (UTF-8 sequences), not bytes. */
static sfn_value *fail_at(parser *ps, const unsigned char *at, const char *fmt, ...)
    SFN_PRINTF(3, 4);
static sfn_value *fail_at(parser *ps, const unsigned char *at, const char *fmt, ...) {
  const unsigned char *q;
  int line = 1, col = 1;
  va_list ap;
  if (!ps->err) return NULL;
  for (q = ps->start; q < at && q < ps->end; q++) {
    if (*q == '\n') {
      line++;
      col = 1;
    } else if ((*q & 0xC0) != 0x80) {
      col++;
    }
  }
  va_start(ap, fmt);
  sfn_error_setv(ps->err, "JSONError", fmt, ap);
  va_end(ap);
  ps->err->line = line;
  ps->err->column = col;
  return NULL;
}

static sfn_value *fail_oom(parser *ps) {
  sfn_error_oom(ps->err);
  return NULL;
}

/* Report the character at p as unexpected: printable ASCII quoted ('x'),
 * anything else as U+XXXX. */
static sfn_value *fail_unexpected(parser *ps, const unsigned char *p) {
  unsigned c;
  if (p >= ps->end) return fail_at(ps, p, "unexpected end of input");
  c = *p;
  if (c >= 0x20 && c < 0x7F) return fail_at(ps, p, "unexpected character '%c'", (int)c);
  if (c >= 0x80) {
    size_t n = sfn_json_utf8_seq(p, (size_t)(ps->end - p));
    unsigned long cp;
    if (n == 0) return fail_at(ps, p, "invalid UTF-8");
    cp = n == 2   ? (c & 0x1Fu) << 6 | (p[1] & 0x3Fu)
         : n == 3 ? (c & 0x0Fu) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3Fu)
                  : (c & 0x07u) << 18 | (p[1] & 0x3Fu) << 12 | (p[2] & 0x3Fu) << 6 | (p[3] & 0x3Fu);
    return fail_at(ps, p, "unexpected character U+%04lX", cp);
  }
  return fail_at(ps, p, "unexpected character U+%04X", c);
}

#define IS_WS(c) ((c) == ' ' || (c) == '\n' || (c) == '\r' || (c) == '\t')

static inline void skip_ws(parser *ps) {
  const unsigned char *p = ps->p, *end = ps->end;
  while (p < end && IS_WS(*p)) p++;
  ps->p = p;
}

static sfn_value *parse_value(parser *ps);

/* Read 4 hex digits at p (bounds checked by the caller).  -1 if not hex. */
static long hex4(const unsigned char *p) {
  long v = 0;
  int i;
  for (i = 0; i < 4; i++) {
    unsigned c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (long)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (long)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (long)(c - 'A' + 10);
    else return -1;
  }
  return v;
}

/*
 * Scan a string body starting just after the opening quote.  On success
 * sets *close to the closing quote and *escaped when a backslash occurs;
 * validates UTF-8 and rejects raw control characters on the way.
 */
static int scan_string(parser *ps, const unsigned char *p, const unsigned char **close,
                       int *escaped) {
  const unsigned char *end = ps->end;
  int esc = 0;
  for (;;) {
    while (p < end && sfn_json_plain[*p]) p++;
    if (p >= end) {
      fail_at(ps, p, "unterminated string");
      return SFN_ERR;
    }
    if (*p == '"') break;
    if (*p == '\\') {
      esc = 1;
      p++;
      if (p >= end) {
        fail_at(ps, p, "unterminated string");
        return SFN_ERR;
      }
      /* A printable ASCII escape character is checked while decoding;
       * anything else is checked here first (control, UTF-8). */
      if (*p >= 0x20 && *p < 0x7F) p++;
      continue;
    }
    if (*p < 0x20) {
      fail_at(ps, p, "control character U+%04X in string", (unsigned)*p);
      return SFN_ERR;
    }
    {
      size_t n = sfn_json_utf8_seq(p, (size_t)(end - p));
      if (!n) {
        fail_at(ps, p, "invalid UTF-8");
        return SFN_ERR;
      }
      p += n;
    }
  }
  *close = p;
  *escaped = esc;
  return SFN_OK;
}

/*
 * Decode escapes of the string body [p, close) into out (room for
 * close - p bytes).  Returns the decoded length or (size_t)-1 on error.
 */
static size_t unescape(parser *ps, const unsigned char *p, const unsigned char *close,
                       char *out) {
  char *o = out;
  while (p < close) {
    const unsigned char *esc;
    long cp;
    if (*p != '\\') {
      const unsigned char *q = p;
      while (q < close && *q != '\\') q++;
      memcpy(o, p, (size_t)(q - p));
      o += q - p;
      p = q;
      continue;
    }
    esc = p;
    p++;
    switch (*p++) {
      case '"': *o++ = '"'; continue;
      case '\\': *o++ = '\\'; continue;
      case '/': *o++ = '/'; continue;
      case 'b': *o++ = '\b'; continue;
      case 'f': *o++ = '\f'; continue;
      case 'n': *o++ = '\n'; continue;
      case 'r': *o++ = '\r'; continue;
      case 't': *o++ = '\t'; continue;
      case 'u': break;
      default: /* p[-1] is printable ASCII or a valid UTF-8 sequence */
        fail_at(ps, esc, "invalid escape '\\%.*s'",
                p[-1] < 0x80 ? 1 : (int)sfn_json_utf8_seq(p - 1, (size_t)(close - p + 1)),
                (const char *)p - 1);
        return (size_t)-1;
    }
    if (close - p < 4 || (cp = hex4(p)) < 0) {
      fail_at(ps, esc, "invalid \\u escape");
      return (size_t)-1;
    }
    p += 4;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      long lo;
      if (close - p >= 6 && p[0] == '\\' && p[1] == 'u' && (lo = hex4(p + 2)) >= 0xDC00 &&
          lo <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        p += 6;
      } else {
        fail_at(ps, esc, "lone surrogate \\u%.4s", (const char *)esc + 2);
        return (size_t)-1;
      }
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
      fail_at(ps, esc, "lone surrogate \\u%.4s", (const char *)esc + 2);
      return (size_t)-1;
    }
    /* An escape is at least 6 bytes (12 for a pair) and yields at most 4. */
    if (cp < 0x80) {
      *o++ = (char)cp;
    } else if (cp < 0x800) {
      *o++ = (char)(0xC0 | (cp >> 6));
      *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      *o++ = (char)(0xE0 | (cp >> 12));
      *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
      *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
      *o++ = (char)(0xF0 | (cp >> 18));
      *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
      *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
      *o++ = (char)(0x80 | (cp & 0x3F));
    }
  }
  return (size_t)(o - out);
}

/* Parse a string (ps->p at the opening quote) into a new string value. */
static sfn_value *parse_string(parser *ps) {
  const unsigned char *body = ps->p + 1, *close;
  int escaped;
  size_t raw, n;
  sfn_value *v;
  if (scan_string(ps, body, &close, &escaped) != SFN_OK) return NULL;
  raw = (size_t)(close - body);
  if (raw > 0xFFFFFFF0u) return fail_at(ps, ps->p, "string too long");
  v = sfn_string_alloc(raw);
  if (!v) return fail_oom(ps);
  if (!escaped) {
    memcpy(v->u.s.data, body, raw);
  } else {
    n = unescape(ps, body, close, v->u.s.data);
    if (n == (size_t)-1) {
      sfn_decref(v);
      return NULL;
    }
    /* The value keeps its raw-length allocation; only len shrinks. */
    v->u.s.len = (uint32_t)n;
    v->u.s.data[n] = '\0';
  }
  ps->p = close + 1;
  return v;
}

/* An object key: from the key cache when an identical unescaped key was
 * seen before, else parsed (and cached when short). */
static sfn_value *parse_key(parser *ps) {
  const unsigned char *body = ps->p + 1, *close;
  int escaped;
  size_t raw;
  uint32_t h;
  sfn_value *v, **slot;
  if (scan_string(ps, body, &close, &escaped) != SFN_OK) return NULL;
  raw = (size_t)(close - body);
  if (escaped || raw > KEY_CACHE_MAXLEN) return parse_string(ps);
  h = sfn_hash((const char *)body, raw);
  slot = &ps->keys[h & (KEY_CACHE - 1)];
  if (*slot && sfn_strlen(*slot) == raw && memcmp(sfn_str(*slot), body, raw) == 0) {
    ps->p = close + 1;
    return sfn_incref(*slot);
  }
  v = sfn_string_alloc(raw);
  if (!v) return fail_oom(ps);
  memcpy(v->u.s.data, body, raw);
  v->u.s.hash = h;
  ps->p = close + 1;
  sfn_decref(*slot);
  *slot = sfn_incref(v);
  return v;
}

/* Parse a number (ps->p at '-' or a digit). */
static sfn_value *parse_number(parser *ps) {
  const unsigned char *p = ps->p, *end = ps->end, *s = p, *digits;
  int neg = 0, frac_digits = 0, exp_neg = 0, ndig;
  uint64_t m = 0;
  long exp = 0;
  int is_int = 1, exact = 1;
  sfn_value *v;
  double d;
  if (*p == '-') {
    neg = 1;
    p++;
  }
  digits = p;
  if (p >= end || *p < '0' || *p > '9') return fail_unexpected(ps, p);
  if (*p == '0') {
    p++;
    if (p < end && *p >= '0' && *p <= '9') return fail_at(ps, p, "leading zero in number");
  } else {
    while (p < end && *p >= '0' && *p <= '9') {
      unsigned dg = (unsigned)(*p - '0');
      if (!exact || m > (UINT64_MAX - dg) / 10) exact = 0; /* too many digits for uint64 */
      else m = m * 10 + dg;
      p++;
    }
  }
  ndig = (int)(p - digits);
  if (p < end && *p == '.') {
    const unsigned char *f;
    is_int = 0;
    p++;
    f = p;
    while (p < end && *p >= '0' && *p <= '9') {
      unsigned dg = (unsigned)(*p - '0');
      if (exact && m <= (UINT64_MAX - dg) / 10) m = m * 10 + dg;
      else exact = 0;
      p++;
    }
    if (p == f) return p < end ? fail_unexpected(ps, p) : fail_at(ps, p, "unexpected end of input");
    frac_digits = (int)(p - f);
    ndig += frac_digits;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    const unsigned char *e;
    is_int = 0;
    p++;
    if (p < end && (*p == '+' || *p == '-')) {
      exp_neg = *p == '-';
      p++;
    }
    e = p;
    while (p < end && *p >= '0' && *p <= '9') {
      if (exp < 100000) exp = exp * 10 + (*p - '0');
      p++;
    }
    if (p == e) return p < end ? fail_unexpected(ps, p) : fail_at(ps, p, "unexpected end of input");
    if (exp_neg) exp = -exp;
  }
  ps->p = p;
  if (is_int && exact) {
    if (!neg && m <= (uint64_t)INT64_MAX) v = sfn_int((int64_t)m);
    else if (neg && m <= (uint64_t)INT64_MAX + 1) v = sfn_int(m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m);
    else goto slow;
    return v ? v : fail_oom(ps);
  }
  /* Clinger's fast path: an exact mantissa below 2^53 times an exact power
   * of ten rounds once, so the result is correctly rounded. */
  (void)ndig;
  exp -= frac_digits;
  if (exact && m <= (1ull << 53) && exp >= -22 && exp <= 22) {
    d = (double)m;
    d = exp < 0 ? d / sfn_json_pow10[-exp] : d * sfn_json_pow10[exp];
    if (neg) d = -d;
    v = sfn_double(d);
    return v ? v : fail_oom(ps);
  }
slow:
  d = sfn_json_strtod((const char *)s, (size_t)(p - s));
  if (isnan(d)) return fail_oom(ps);
  if (isinf(d)) return fail_at(ps, s, "number out of range");
  v = sfn_double(d);
  return v ? v : fail_oom(ps);
}

static int stack_push(parser *ps, sfn_value *v) {
  if (ps->sp == ps->scap) {
    size_t cap = ps->scap ? ps->scap * 2 : 64;
    sfn_value **st = sfn_realloc(ps->stack, cap * sizeof(sfn_value *));
    if (!st) return SFN_ERR;
    ps->stack = st;
    ps->scap = cap;
  }
  ps->stack[ps->sp++] = v;
  return SFN_OK;
}

static void stack_drop(parser *ps, size_t base) {
  while (ps->sp > base) sfn_decref(ps->stack[--ps->sp]);
}

/* Parse an array (ps->p at '['). */
static sfn_value *parse_array(parser *ps) {
  size_t base = ps->sp, n;
  sfn_value *a, *v;
  ps->p++;
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == ']') {
    ps->p++;
    a = sfn_array_new(0);
    return a ? a : fail_oom(ps);
  }
  for (;;) {
    v = parse_value(ps);
    if (!v) goto fail;
    if (stack_push(ps, v) != SFN_OK) {
      sfn_decref(v);
      fail_oom(ps);
      goto fail;
    }
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
      skip_ws(ps);
      continue;
    }
    if (ps->p < ps->end && *ps->p == ']') break;
    fail_unexpected(ps, ps->p);
    goto fail;
  }
  ps->p++;
  n = ps->sp - base;
  a = sfn_array_new(n);
  if (!a) {
    fail_oom(ps);
    goto fail;
  }
  memcpy(a->u.a.items, ps->stack + base, n * sizeof(sfn_value *));
  a->u.a.n = (uint32_t)n;
  ps->sp = base;
  return a;
fail:
  stack_drop(ps, base);
  return NULL;
}

/*
 * Build an object from the n key/value pairs on the stack at base (keys are
 * string values).  Duplicate keys: the last value wins, at the first key's
 * position.  The pairs are consumed, also on failure.
 */
static sfn_value *build_object(parser *ps, size_t base, size_t n) {
  sfn_value **st = ps->stack + base, *o = sfn_object_new(n);
  size_t i, j, placed = 0;
  if (!o) {
    stack_drop(ps, base);
    return fail_oom(ps);
  }
  if (n <= 8) {
    /* Small objects have no lookup index: fill the members directly. */
    for (i = 0; i < n; i++) {
      sfn_value *k = st[2 * i], *v = st[2 * i + 1];
      for (j = 0; j < placed; j++) {
        sfn_value *pk = o->u.o.m[j].key;
        if (pk->u.s.len == k->u.s.len && memcmp(pk->u.s.data, k->u.s.data, k->u.s.len) == 0)
          break;
      }
      if (j < placed) {
        sfn_decref(o->u.o.m[j].val);
        o->u.o.m[j].val = v;
        sfn_decref(k);
      } else {
        o->u.o.m[placed].key = k;
        o->u.o.m[placed].val = v;
        placed++;
      }
    }
    o->u.o.n = (uint32_t)placed;
    ps->sp = base;
    return o;
  }
  for (i = 0; i < n; i++) {
    sfn_value *k = st[2 * i], *v = st[2 * i + 1];
    int rc;
    st[2 * i + 1] = NULL;
    rc = sfn_object_setk(o, k, v); /* steals v, even on failure */
    sfn_decref(k);
    st[2 * i] = NULL;
    if (rc != SFN_OK) {
      for (j = i + 1; j < n; j++) {
        sfn_decref(st[2 * j]);
        sfn_decref(st[2 * j + 1]);
      }
      ps->sp = base;
      sfn_decref(o);
      return fail_oom(ps);
    }
  }
  ps->sp = base;
  return o;
}

/* Parse an object (ps->p at '{'). */
static sfn_value *parse_object(parser *ps) {
  size_t base = ps->sp;
  sfn_value *v, *k;
  ps->p++;
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == '}') {
    ps->p++;
    v = sfn_object_new(0);
    return v ? v : fail_oom(ps);
  }
  for (;;) {
    if (ps->p >= ps->end || *ps->p != '"') {
      fail_unexpected(ps, ps->p);
      goto fail;
    }
    k = parse_key(ps);
    if (!k) goto fail;
    if (stack_push(ps, k) != SFN_OK) {
      sfn_decref(k);
      fail_oom(ps);
      goto fail;
    }
    skip_ws(ps);
    if (ps->p >= ps->end || *ps->p != ':') {
      fail_unexpected(ps, ps->p);
      goto fail;
    }
    ps->p++;
    skip_ws(ps);
    v = parse_value(ps);
    if (!v) goto fail;
    if (stack_push(ps, v) != SFN_OK) {
      sfn_decref(v);
      fail_oom(ps);
      goto fail;
    }
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
      skip_ws(ps);
      continue;
    }
    if (ps->p < ps->end && *ps->p == '}') break;
    fail_unexpected(ps, ps->p);
    goto fail;
  }
  ps->p++;
  return build_object(ps, base, (ps->sp - base) / 2);
fail:
  stack_drop(ps, base);
  return NULL;
}

/* Match the literal lit (n bytes) at ps->p; on a mismatch report the first
 * byte that differs. */
static sfn_value *match_lit(parser *ps, const char *lit, size_t n, sfn_value *v) {
  const unsigned char *p = ps->p;
  size_t i;
  for (i = 0; i < n; i++)
    if (p + i >= ps->end || p[i] != (unsigned char)lit[i]) return fail_unexpected(ps, p + i);
  ps->p = p + n;
  return v;
}

/* Parse any value at ps->p (whitespace already skipped). */
static sfn_value *parse_value(parser *ps) {
  sfn_value *v;
  if (ps->p >= ps->end) return fail_at(ps, ps->p, "unexpected end of input");
  switch (*ps->p) {
    case '"': return parse_string(ps);
    case '{':
    case '[':
      if (ps->depth >= SFN_JSON_MAX_DEPTH)
        return fail_at(ps, ps->p, "nesting deeper than %d", SFN_JSON_MAX_DEPTH);
      ps->depth++;
      v = *ps->p == '{' ? parse_object(ps) : parse_array(ps);
      ps->depth--;
      return v;
    case 't': return match_lit(ps, "true", 4, sfn_true());
    case 'f': return match_lit(ps, "false", 5, sfn_false());
    case 'n': return match_lit(ps, "null", 4, sfn_null());
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return parse_number(ps);
    default:
      break;
  }
  return fail_unexpected(ps, ps->p);
}

sfn_value *sfn_json_decode(const char *text, size_t len, sfn_error *err) {
  parser ps;
  sfn_value *v;
  ps.start = ps.p = (const unsigned char *)text;
  ps.end = ps.start + len;
  ps.depth = 0;
  ps.err = err;
  ps.stack = NULL;
  ps.sp = ps.scap = 0;
  memset(ps.keys, 0, sizeof ps.keys);
  skip_ws(&ps);
  if (ps.p >= ps.end) {
    fail_at(&ps, ps.p, "empty input");
    return NULL;
  }
  v = parse_value(&ps);
  if (v) {
    skip_ws(&ps);
    if (ps.p < ps.end) {
      sfn_decref(v);
      v = fail_at(&ps, ps.p, "trailing characters after JSON value");
    }
  }
  sfn_free(ps.stack);
  {
    size_t i;
    for (i = 0; i < KEY_CACHE; i++) sfn_decref(ps.keys[i]);
  }
  return v;
}
