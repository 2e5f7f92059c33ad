/*
 * sfn_jsonata_fns_format.c: JSONata's number formatting: $formatNumber
 * (XPath F&O 4.7 picture strings, as JSONata implements them, quirks
 * included), $formatBase, $formatInteger / $parseInteger (XPath
 * fn:format-integer pictures: decimal digit patterns with grouping, a/A
 * letters, i/I roman, w/W/Ww words, ;o ordinals).  The integer-picture
 * helpers are shared with the date/time functions.
 */
#include "sfn_jsonata_fns_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- a growable array of code points ---- */

typedef struct u32s {
  uint32_t *p;
  size_t n, cap;
  int oom;
} u32s;

static void u_free(u32s *u) {
  sfn_free(u->p);
  u->p = NULL;
  u->n = u->cap = 0;
}

static void u_insert(u32s *u, size_t at, const uint32_t *s, size_t n) {
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

static void u_add(u32s *u, const uint32_t *s, size_t n) { u_insert(u, u->n, s, n); }
static void u_addc(u32s *u, uint32_t c) { u_insert(u, u->n, &c, 1); }

static void u_from_utf8(u32s *u, const char *s, size_t len) {
  size_t i = 0;
  if (!u->p) { /* never leave p NULL: offsets into it are taken */
    u_addc(u, 0);
    u->n = 0;
  }
  while (i < len) u_addc(u, sfn_jnf_utf8_next(s, len, &i));
}

static void u_from_ascii(u32s *u, const char *s) {
  while (*s) u_addc(u, (unsigned char)*s++);
}

static void u_to_buf(sfn_buf *b, const uint32_t *p, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) sfn_jnf_utf8_put(b, p[i]);
}

static void u_remove(u32s *u, size_t at, size_t n) {
  if (at >= u->n) return;
  if (at + n > u->n) n = u->n - at;
  memmove(u->p + at, u->p + at + n, (u->n - at - n) * sizeof(uint32_t));
  u->n -= n;
}

/* Index of needle (m code points) in p[from..n), or -1. */
static long u_find(const uint32_t *p, size_t n, const uint32_t *needle, size_t m, size_t from) {
  size_t i;
  if (m == 0) return from <= n ? (long)from : -1;
  for (i = from; i + m <= n; i++)
    if (memcmp(p + i, needle, m * sizeof(uint32_t)) == 0) return (long)i;
  return -1;
}

static long u_rfind(const uint32_t *p, size_t n, const uint32_t *needle, size_t m) {
  size_t i;
  if (m == 0 || m > n) return m == 0 ? (long)n : -1;
  for (i = n - m + 1; i-- > 0;)
    if (memcmp(p + i, needle, m * sizeof(uint32_t)) == 0) return (long)i;
  return -1;
}

static int fail_msg_value(sfn_jn_call *c, const char *code, const char *prefix, const sfn_value *v,
                          const char *suffix) {
  sfn_buf m;
  int r;
  sfn_buf_init(&m);
  sfn_jnf_msg_value(&m, v);
  r = sfn_jnf_fail(c, code, "%s%.*s%s", prefix, (int)m.len, m.data ? m.data : "", suffix);
  sfn_buf_free(&m);
  return r;
}

/* ---- $formatBase ---- */

SFN_JNF(formatBase) {
  sfn_value *v = sfn_jnf_arg(c, 0), *r = sfn_jnf_arg(c, 1);
  double value, radix = 10;
  char tmp[1200];
  int n = 0, neg, i;
  sfn_buf b;
  *out = NULL;
  if (!v || !sfn_is_number(v)) return SFN_OK;
  value = sfn_jnf_round(sfn_number(v), 0);
  if (r && sfn_is_number(r)) radix = sfn_jnf_round(sfn_number(r), 0);
  if (radix < 2 || radix > 36) {
    sfn_value *rv = sfn_jnf_number(radix);
    int rc = fail_msg_value(c, "D3100", "The radix of the formatBase function must be between 2 and 36.  It was given ",
                            rv, "");
    sfn_decref(rv);
    return rc;
  }
  if (!isfinite(value)) return sfn_jnf_ret(c, out, sfn_cstring(value < 0 ? "-Infinity" : "Infinity"));
  neg = value < 0;
  value = fabs(value);
  do {
    int d = (int)fmod(value, radix);
    tmp[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[d];
    value = floor(value / radix);
  } while (value > 0 && n < (int)sizeof tmp - 1);
  sfn_buf_init(&b);
  if (neg) sfn_buf_addc(&b, '-');
  for (i = n - 1; i >= 0; i--) sfn_buf_addc(&b, tmp[i]);
  return sfn_jnf_ret_buf(c, out, &b);
}

/* ---- integer pictures (fn:format-integer) ---- */

static const uint32_t decimal_groups[] = {
    0x30,   0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66,
    0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50,
    0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10};

/* The zero of c's decimal digit group, or 0 when c is not a decimal digit. */
static uint32_t digit_zero(uint32_t c) {
  size_t i;
  for (i = 0; i < sizeof decimal_groups / sizeof decimal_groups[0]; i++)
    if (c >= decimal_groups[i] && c <= decimal_groups[i] + 9) return decimal_groups[i];
  return 0;
}

int sfn_jnf_intpic(sfn_jn_call *c, const char *pic, size_t len, sfn_jnf_intfmt *f) {
  long semi = -1;
  size_t i, plen;
  memset(f, 0, sizeof *f);
  f->primary = SFN_JNF_DECIMAL;
  f->tcase = SFN_JNF_LOWER;
  for (i = 0; i < len; i++)
    if (pic[i] == ';') semi = (long)i;
  plen = semi < 0 ? len : (size_t)semi;
  if (semi >= 0 && (size_t)semi + 1 < len && pic[semi + 1] == 'o') f->ordinal = 1;
  f->token = pic;
  f->token_len = plen;
  if (plen == 1 && (pic[0] == 'A' || pic[0] == 'a')) {
    f->primary = SFN_JNF_LETTERS;
    if (pic[0] == 'A') f->tcase = SFN_JNF_UPPER;
  } else if (plen == 1 && (pic[0] == 'I' || pic[0] == 'i')) {
    f->primary = SFN_JNF_ROMAN;
    if (pic[0] == 'I') f->tcase = SFN_JNF_UPPER;
  } else if (plen == 1 && pic[0] == 'W') {
    f->primary = SFN_JNF_WORDS;
    f->tcase = SFN_JNF_UPPER;
  } else if (plen == 2 && pic[0] == 'W' && pic[1] == 'w') {
    f->primary = SFN_JNF_WORDS;
    f->tcase = SFN_JNF_TITLE;
  } else if (plen == 1 && pic[0] == 'w') {
    f->primary = SFN_JNF_WORDS;
  } else {
    u32s u = {NULL, 0, 0, 0};
    size_t k;
    int pos = 0;
    u_from_utf8(&u, pic, plen);
    if (u.oom) return sfn_jnf_oom(c);
    /* walk the picture from the right: positions of grouping separators */
    for (k = u.n; k-- > 0;) {
      uint32_t cp = u.p[k], z = digit_zero(cp);
      if (z) {
        f->mandatory++;
        pos++;
        if (!f->zero) {
          f->zero = z;
        } else if (z != f->zero) {
          u_free(&u);
          return sfn_jnf_fail(c, "D3131", "In a decimal digit pattern, all digits must be from the same decimal group");
        }
      } else if (cp == '#') {
        pos++;
        f->optional++;
      } else if (f->nseps < SFN_JNF_MAX_SEPS) {
        f->seps[f->nseps].pos = pos;
        f->seps[f->nseps].ch = cp;
        f->nseps++;
      }
    }
    u_free(&u);
    if (f->mandatory == 0) {
      f->primary = SFN_JNF_SEQUENCE;
    } else if (f->nseps > 0) {
      /* regular: one character, equally spaced */
      int g = f->seps[0].pos, j, regular = 1;
      for (j = 1; j < f->nseps; j++) {
        int a = g, b = f->seps[j].pos;
        while (b) {
          int t = a % b;
          a = b;
          b = t;
        }
        g = a;
        if (f->seps[j].ch != f->seps[0].ch) regular = 0;
      }
      for (j = 1; regular && j <= f->nseps; j++) {
        int k2, found = 0;
        for (k2 = 0; k2 < f->nseps; k2++)
          if (f->seps[k2].pos == j * g) found = 1;
        if (!found) regular = 0;
      }
      if (regular && g > 0) {
        f->regular = g;
      }
    }
  }
  return SFN_OK;
}

static const char *const few[] = {"Zero",    "One",     "Two",       "Three",    "Four",     "Five",    "Six",
                                  "Seven",   "Eight",   "Nine",      "Ten",      "Eleven",   "Twelve",  "Thirteen",
                                  "Fourteen", "Fifteen", "Sixteen",  "Seventeen", "Eighteen", "Nineteen"};
static const char *const ordinals[] = {"Zeroth",     "First",      "Second",      "Third",      "Fourth",
                                       "Fifth",      "Sixth",      "Seventh",     "Eighth",     "Ninth",
                                       "Tenth",      "Eleventh",   "Twelfth",     "Thirteenth", "Fourteenth",
                                       "Fifteenth",  "Sixteenth",  "Seventeenth", "Eighteenth", "Nineteenth"};
static const char *const decades[] = {"Twenty", "Thirty",  "Forty",  "Fifty",  "Sixty",
                                      "Seventy", "Eighty", "Ninety", "Hundred"};
static const char *const magnitudes[] = {"Thousand", "Million", "Billion", "Trillion"};

static void words(sfn_buf *b, double num, int prev, int ord, int depth) {
  if (depth > 40) return;
  if (num <= 19) {
    if (prev) sfn_buf_adds(b, " and ");
    sfn_buf_adds(b, ord ? ordinals[(int)num] : few[(int)num]);
  } else if (num < 100) {
    int tens = (int)(num / 10), rem = (int)fmod(num, 10);
    if (prev) sfn_buf_adds(b, " and ");
    if (rem > 0) {
      sfn_buf_adds(b, decades[tens - 2]);
      sfn_buf_addc(b, '-');
      words(b, rem, 0, ord, depth + 1);
    } else if (ord) {
      const char *d = decades[tens - 2];
      sfn_buf_add(b, d, strlen(d) - 1);
      sfn_buf_adds(b, "ieth");
    } else {
      sfn_buf_adds(b, decades[tens - 2]);
    }
  } else if (num < 1000) {
    int hundreds = (int)(num / 100), rem = (int)fmod(num, 100);
    if (prev) sfn_buf_adds(b, ", ");
    sfn_buf_adds(b, few[hundreds]);
    sfn_buf_adds(b, " Hundred");
    if (rem > 0)
      words(b, rem, 1, ord, depth + 1);
    else if (ord)
      sfn_buf_adds(b, "th");
  } else {
    int mag = (int)floor(log10(num) / 3);
    double factor, mant, rem;
    if (mag > 4) mag = 4;
    factor = pow(10, mag * 3);
    mant = floor(num / factor);
    rem = num - mant * factor;
    if (prev) sfn_buf_adds(b, ", ");
    words(b, mant, 0, 0, depth + 1);
    sfn_buf_addc(b, ' ');
    sfn_buf_adds(b, magnitudes[mag - 1]);
    if (rem > 0)
      words(b, rem, 1, ord, depth + 1);
    else if (ord)
      sfn_buf_adds(b, "th");
  }
}

int sfn_jnf_fmtint(sfn_jn_call *c, sfn_buf *b, double value, const sfn_jnf_intfmt *f) {
  int neg = value < 0;
  size_t start = b->len, i;
  value = fabs(value);
  if (f->primary == SFN_JNF_SEQUENCE) {
    sfn_value *t = sfn_string(f->token, f->token_len);
    int rc = fail_msg_value(c, "D3130", "Formatting or parsing an integer as a sequence starting with ", t,
                            " is not supported by this implementation");
    sfn_decref(t);
    return rc;
  }
  if (neg) sfn_buf_addc(b, '-');
  start = b->len;
  switch (f->primary) {
    case SFN_JNF_LETTERS: {
      char tmp[64];
      int n = 0;
      while (value > 0 && n < 64) {
        tmp[n++] = (char)((f->tcase == SFN_JNF_UPPER ? 'A' : 'a') + (int)fmod(value - 1, 26));
        value = floor((value - 1) / 26);
      }
      while (n > 0) sfn_buf_addc(b, tmp[--n]);
      break;
    }
    case SFN_JNF_ROMAN: {
      static const int vals[] = {1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1};
      static const char *const syms[] = {"m", "cm", "d", "cd", "c", "xc", "l", "xl", "x", "ix", "v", "iv", "i"};
      int k;
      if (value > 1e6) value = 1e6;
      for (k = 0; k < 13; k++)
        while (value >= vals[k]) {
          sfn_buf_adds(b, syms[k]);
          value -= vals[k];
        }
      if (f->tcase == SFN_JNF_UPPER)
        for (i = start; i < b->len; i++) b->data[i] = (char)(b->data[i] - 32);
      break;
    }
    case SFN_JNF_WORDS:
      words(b, value, 0, f->ordinal, 0);
      if (!b->oom && f->tcase != SFN_JNF_TITLE)
        for (i = start; i < b->len; i++) {
          char ch = b->data[i];
          if (f->tcase == SFN_JNF_UPPER && ch >= 'a' && ch <= 'z') b->data[i] = (char)(ch - 32);
          if (f->tcase == SFN_JNF_LOWER && ch >= 'A' && ch <= 'Z') b->data[i] = (char)(ch + 32);
        }
      break;
    default: {
      sfn_buf num;
      u32s u = {NULL, 0, 0, 0};
      int k;
      sfn_buf_init(&num);
      sfn_jnf_js_number(&num, value);
      for (k = (int)num.len; k < f->mandatory; k++) u_addc(&u, '0');
      for (i = 0; i < num.len; i++) u_addc(&u, (unsigned char)num.data[i]);
      sfn_buf_free(&num);
      if (f->zero != 0x30)
        for (i = 0; i < u.n; i++)
          if (u.p[i] >= '0' && u.p[i] <= '9') u.p[i] = u.p[i] - '0' + f->zero;
      if (f->regular) {
        size_t groups = (u.n - 1) / (size_t)f->regular, g;
        uint32_t sep = f->seps[0].ch;
        for (g = groups; g > 0; g--) u_insert(&u, u.n - g * (size_t)f->regular, &sep, 1);
      } else {
        for (k = f->nseps - 1; k >= 0; k--) {
          size_t pos = (size_t)f->seps[k].pos;
          if (pos <= u.n) u_insert(&u, u.n - pos, &f->seps[k].ch, 1);
        }
      }
      if (f->ordinal && u.n > 0) {
        uint32_t last = u.p[u.n - 1];
        const char *suf = last == '1' ? "st" : last == '2' ? "nd" : last == '3' ? "rd" : "th";
        if (u.n > 1 && u.p[u.n - 2] == '1') suf = "th";
        u_from_ascii(&u, suf);
      }
      if (u.oom) b->oom = 1;
      u_to_buf(b, u.p, u.n);
      u_free(&u);
      break;
    }
  }
  return b->oom ? sfn_jnf_oom(c) : SFN_OK;
}

SFN_JNF(formatInteger) {
  sfn_value *v = sfn_jnf_arg(c, 0), *p = sfn_jnf_arg(c, 1);
  sfn_jnf_intfmt f;
  sfn_buf b;
  *out = NULL;
  if (!v || !sfn_is_number(v)) return SFN_OK;
  if (!p || sfn_type_of(p) != SFN_STRING) return SFN_OK;
  if (sfn_jnf_intpic(c, sfn_str(p), sfn_strlen(p), &f) != SFN_OK) return SFN_ERR;
  sfn_buf_init(&b);
  if (sfn_jnf_fmtint(c, &b, floor(sfn_number(v)), &f) != SFN_OK) {
    sfn_buf_free(&b);
    return SFN_ERR;
  }
  return sfn_jnf_ret_buf(c, out, &b);
}

/* ---- parsing integers ---- */

static double word_value(const char *w, size_t n) {
  char low[32];
  size_t i;
  int k;
  if (n == 0 || n >= sizeof low) return -1;
  for (i = 0; i < n; i++) low[i] = (char)(w[i] >= 'A' && w[i] <= 'Z' ? w[i] + 32 : w[i]);
  low[n] = 0;
  for (k = 0; k < 20; k++) {
    char a[32];
    size_t j;
    for (j = 0; few[k][j]; j++) a[j] = (char)(few[k][j] | 0x20);
    a[j] = 0;
    if (strcmp(a, low) == 0) return k;
    for (j = 0; ordinals[k][j]; j++) a[j] = (char)(ordinals[k][j] | 0x20);
    a[j] = 0;
    if (strcmp(a, low) == 0) return k;
  }
  for (k = 0; k < 8; k++) {
    char a[32];
    size_t j;
    for (j = 0; decades[k][j]; j++) a[j] = (char)(decades[k][j] | 0x20);
    a[j] = 0;
    if (strcmp(a, low) == 0) return (k + 2) * 10;
    strcpy(a + j - 1, "ieth");
    if (strcmp(a, low) == 0) return (k + 2) * 10;
  }
  if (strcmp(low, "hundred") == 0 || strcmp(low, "hundredth") == 0) return 100;
  for (k = 0; k < 4; k++) {
    char a[32];
    size_t j;
    for (j = 0; magnitudes[k][j]; j++) a[j] = (char)(magnitudes[k][j] | 0x20);
    a[j] = 0;
    if (strcmp(a, low) == 0) return pow(10, (k + 1) * 3);
    strcpy(a + j, "th");
    if (strcmp(a, low) == 0) return pow(10, (k + 1) * 3);
  }
  return -1; /* undefined */
}

/* English words to a number, as JSONata does: lowercase, split at ", ",
 * " and ", a blank, a backslash or a hyphen; NaN for an unknown word. */
static double words_to_number(const char *src, size_t n) {
  double segs[64], t = 0;
  int nseg = 1, k;
  size_t i = 0, start = 0;
  char *s = sfn_malloc(n + 1);
  if (!s) return NAN;
  for (i = 0; i < n; i++) s[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] + 32 : src[i]);
  s[n] = 0;
  segs[0] = 0;
  i = 0;
  for (;;) {
    size_t sep = 0;
    if (i < n) {
      if (s[i] == ',' && i + 1 < n && (s[i + 1] == ' ' || s[i + 1] == '\t' || s[i + 1] == '\n'))
        sep = 2;
      else if ((s[i] == ' ' || s[i] == '\t') && i + 4 < n && strncmp(s + i + 1, "and", 3) == 0 &&
               (s[i + 4] == ' ' || s[i + 4] == '\t'))
        sep = 5;
      else if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\\' || s[i] == '-')
        sep = 1;
    }
    if (i >= n || sep) {
      double v = word_value(s + start, i - start);
      if (v < 0) {
        sfn_free(s);
        return NAN;
      }
      if (v < 100) {
        double top = segs[--nseg];
        if (top >= 1000) {
          segs[nseg++] = top;
          top = 0;
        }
        if (nseg < 64) segs[nseg++] = top + v;
      } else {
        segs[nseg - 1] *= v;
      }
      if (i >= n) break;
      i += sep;
      start = i;
      continue;
    }
    i++;
  }
  sfn_free(s);
  for (k = 0; k < nseg; k++) t += segs[k];
  return t;
}

int sfn_jnf_parseint(const sfn_jnf_intfmt *f, const char *s, size_t n, double *out) {
  size_t i;
  switch (f->primary) {
    case SFN_JNF_LETTERS: {
      double d = 0;
      char a = f->tcase == SFN_JNF_UPPER ? 'A' : 'a';
      for (i = 0; i < n; i++) d = d * 26 + (s[i] - a + 1);
      *out = d;
      return 1;
    }
    case SFN_JNF_ROMAN: {
      double d = 0;
      int max = 1;
      for (i = n; i-- > 0;) {
        char ch = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
        int v = ch == 'M' ? 1000 : ch == 'D' ? 500 : ch == 'C' ? 100 : ch == 'L' ? 50 : ch == 'X' ? 10
                : ch == 'V' ? 5 : ch == 'I' ? 1 : 0;
        if (v < max) {
          d -= v;
        } else {
          max = v;
          d += v;
        }
      }
      *out = d;
      return 1;
    }
    case SFN_JNF_WORDS: *out = words_to_number(s, n); return 1;
    case SFN_JNF_DECIMAL: {
      double d = 0;
      int any = 0;
      size_t j = 0, end = n;
      if (f->ordinal && end >= 2) end -= 2;
      while (j < end) {
        uint32_t cp = sfn_jnf_utf8_next(s, end, &j);
        uint32_t z = digit_zero(cp);
        if (z && z == (f->zero ? f->zero : 0x30)) {
          d = d * 10 + (cp - z);
          any = 1;
        } else if (cp >= '0' && cp <= '9') {
          d = d * 10 + (cp - '0');
          any = 1;
        } else {
          int k, sep = 0;
          if (f->regular && cp == ',') sep = 1;
          for (k = 0; !f->regular && k < f->nseps; k++)
            if (f->seps[k].ch == cp) sep = 1;
          if (!sep) break;
        }
      }
      *out = any ? d : NAN;
      return 1;
    }
    default: return 0;
  }
}

SFN_JNF(parseInteger) {
  sfn_value *v = sfn_jnf_arg(c, 0), *p = sfn_jnf_arg(c, 1);
  sfn_jnf_intfmt f;
  double d;
  *out = NULL;
  if (!v || sfn_type_of(v) != SFN_STRING || !p || sfn_type_of(p) != SFN_STRING) return SFN_OK;
  if (sfn_jnf_intpic(c, sfn_str(p), sfn_strlen(p), &f) != SFN_OK) return SFN_ERR;
  if (f.primary == SFN_JNF_SEQUENCE) {
    sfn_buf b;
    sfn_buf_init(&b);
    (void)sfn_jnf_fmtint(c, &b, 0, &f);
    sfn_buf_free(&b);
    return SFN_ERR;
  }
  sfn_jnf_parseint(&f, sfn_str(v), sfn_strlen(v), &d);
  if (d != d) return SFN_OK;
  return sfn_jnf_ret(c, out, sfn_jnf_number(d));
}

/* ---- $formatNumber ---- */

enum { P_DEC, P_GRP, P_EXP, P_INF, P_MINUS, P_NAN, P_PCT, P_PERMILLE, P_ZERO, P_DIGIT, P_PATSEP, NPROPS };
static const char *const prop_names[NPROPS] = {"decimal-separator", "grouping-separator", "exponent-separator",
                                               "infinity", "minus-sign", "NaN", "percent", "per-mille",
                                               "zero-digit", "digit", "pattern-separator"};
static const char *const prop_defaults[NPROPS] = {".", ",", "e", "Infinity", "-", "NaN", "%", "\xE2\x80\xB0",
                                                  "0", "#", ";"};

typedef struct fmtctx {
  u32s prop[NPROPS];
  uint32_t zero;
} fmtctx;

static int is_family(const fmtctx *x, uint32_t ch) { return ch >= x->zero && ch <= x->zero + 9; }

/* One-character property p equals ch. */
static int prop_is(const fmtctx *x, int p, uint32_t ch) { return x->prop[p].n == 1 && x->prop[p].p[0] == ch; }

static int is_active(const fmtctx *x, uint32_t ch) {
  return is_family(x, ch) || prop_is(x, P_DEC, ch) || prop_is(x, P_EXP, ch) || prop_is(x, P_GRP, ch) ||
         prop_is(x, P_DIGIT, ch) || prop_is(x, P_PATSEP, ch);
}

typedef struct subpic {
  const uint32_t *p;
  size_t n;
  size_t prefix, suffix; /* lengths */
  const uint32_t *active, *mant, *exp, *ip, *fp;
  size_t nactive, nmant, nexp, nip, nfp;
  int has_exp;
  /* analysis */
  int igp[64], nigp, fgp[64], nfgp, regular, min_int, scaling, min_frac, max_frac, min_exp;
  u32s prefix_text;
} subpic;

static long find_prop(const fmtctx *x, const uint32_t *p, size_t n, int prop, size_t from) {
  return u_find(p, n, x->prop[prop].p, x->prop[prop].n, from);
}

static void split_parts(const fmtctx *x, subpic *s) {
  size_t i, n = s->n;
  long epos, dpos;
  s->prefix = n;
  for (i = 0; i < n; i++)
    if (is_active(x, s->p[i]) && !prop_is(x, P_EXP, s->p[i])) {
      s->prefix = i;
      break;
    }
  s->suffix = 0;
  for (i = n; i-- > 0;)
    if (is_active(x, s->p[i]) && !prop_is(x, P_EXP, s->p[i])) {
      s->suffix = n - i - 1;
      break;
    }
  if (s->prefix + s->suffix > n) s->suffix = n - s->prefix;
  s->active = s->p + s->prefix;
  s->nactive = n - s->prefix - s->suffix;
  epos = find_prop(x, s->p, n, P_EXP, s->prefix);
  if (epos < 0 || (size_t)epos > n - s->suffix) {
    s->mant = s->active;
    s->nmant = s->nactive;
    s->has_exp = 0;
  } else {
    /* as JSONata does: the picture's index used within the active part */
    size_t e = (size_t)epos < s->nactive ? (size_t)epos : s->nactive;
    s->mant = s->active;
    s->nmant = e;
    s->exp = s->active + (e + 1 < s->nactive ? e + 1 : s->nactive);
    s->nexp = e + 1 < s->nactive ? s->nactive - e - 1 : 0;
    s->has_exp = 1;
  }
  dpos = find_prop(x, s->mant, s->nmant, P_DEC, 0);
  if (dpos < 0) {
    s->ip = s->mant;
    s->nip = s->nmant;
    s->fp = s->p + n - s->suffix;
    s->nfp = s->suffix;
  } else {
    s->ip = s->mant;
    s->nip = (size_t)dpos;
    s->fp = s->mant + dpos + 1;
    s->nfp = s->nmant - (size_t)dpos - 1;
  }
}

static const char *validate(const fmtctx *x, const subpic *s) {
  const char *e = NULL;
  const uint32_t *p = s->p;
  size_t n = s->n, i;
  long dpos = find_prop(x, p, n, P_DEC, 0), k;
  int valid = 0;
  if (dpos != u_rfind(p, n, x->prop[P_DEC].p, x->prop[P_DEC].n)) e = "D3081";
  if (find_prop(x, p, n, P_PCT, 0) != u_rfind(p, n, x->prop[P_PCT].p, x->prop[P_PCT].n)) e = "D3082";
  if (find_prop(x, p, n, P_PERMILLE, 0) != u_rfind(p, n, x->prop[P_PERMILLE].p, x->prop[P_PERMILLE].n)) e = "D3083";
  if (find_prop(x, p, n, P_PCT, 0) >= 0 && find_prop(x, p, n, P_PERMILLE, 0) >= 0) e = "D3084";
  for (i = 0; i < s->nmant; i++)
    if (is_family(x, s->mant[i]) || prop_is(x, P_DIGIT, s->mant[i])) valid = 1;
  if (!valid) e = "D3085";
  for (i = 0; i < s->nactive; i++)
    if (!is_active(x, s->active[i])) e = "D3086";
  if (dpos >= 0) {
    if ((dpos > 0 && prop_is(x, P_GRP, p[dpos - 1])) || ((size_t)dpos + 1 < n && prop_is(x, P_GRP, p[dpos + 1])))
      e = "D3087";
  } else if (s->nip > 0 && prop_is(x, P_GRP, s->ip[s->nip - 1])) {
    e = "D3088";
  }
  for (i = 0; i + 1 < n; i++)
    if (prop_is(x, P_GRP, p[i]) && prop_is(x, P_GRP, p[i + 1])) e = "D3089";
  k = -1;
  for (i = 0; i < s->nip; i++)
    if (prop_is(x, P_DIGIT, s->ip[i])) {
      k = (long)i;
      break;
    }
  if (k >= 0)
    for (i = 0; i < (size_t)k; i++)
      if (is_family(x, s->ip[i])) e = "D3090";
  k = -1;
  for (i = s->nfp; i-- > 0;)
    if (prop_is(x, P_DIGIT, s->fp[i])) {
      k = (long)i;
      break;
    }
  if (k >= 0)
    for (i = (size_t)k; i < s->nfp; i++)
      if (is_family(x, s->fp[i])) e = "D3091";
  if (s->has_exp && s->nexp > 0 && (find_prop(x, p, n, P_PCT, 0) >= 0 || find_prop(x, p, n, P_PERMILLE, 0) >= 0))
    e = "D3092";
  if (s->has_exp) {
    int bad = s->nexp == 0;
    for (i = 0; i < s->nexp; i++)
      if (!is_family(x, s->exp[i])) bad = 1;
    if (bad) e = "D3093";
  }
  return e;
}

static int count_digits(const fmtctx *x, const uint32_t *p, size_t n, int with_optional) {
  size_t i;
  int c = 0;
  for (i = 0; i < n; i++)
    if (is_family(x, p[i]) || (with_optional && prop_is(x, P_DIGIT, p[i]))) c++;
  return c;
}

static void analyse(const fmtctx *x, subpic *s) {
  long gp;
  s->nigp = s->nfgp = 0;
  /* grouping positions in the integer part: digits to their right */
  gp = find_prop(x, s->ip, s->nip, P_GRP, 0);
  while (gp >= 0 && s->nigp < 64) {
    s->igp[s->nigp++] = count_digits(x, s->ip + gp, s->nip - (size_t)gp, 1);
    gp = find_prop(x, s->ip, s->nip, P_GRP, (size_t)gp + 1);
  }
  s->regular = 0;
  if (s->nigp > 0) {
    int g = s->igp[0], j, ok = 1;
    for (j = 1; j < s->nigp; j++) {
      int a = g, b = s->igp[j];
      while (b) {
        int t = a % b;
        a = b;
        b = t;
      }
      g = a;
    }
    for (j = 1; ok && j <= s->nigp; j++) {
      int k, found = 0;
      for (k = 0; k < s->nigp; k++)
        if (s->igp[k] == j * g) found = 1;
      if (!found) ok = 0;
    }
    if (ok) s->regular = g;
  }
  /* in the fractional part: digits to their left (JSONata continues the
   * search through the integer part's indexes, a quirk kept here) */
  gp = find_prop(x, s->fp, s->nfp, P_GRP, 0);
  while (gp >= 0 && s->nfgp < 64) {
    s->fgp[s->nfgp++] = count_digits(x, s->fp, (size_t)gp < s->nfp ? (size_t)gp : s->nfp, 1);
    gp = find_prop(x, s->ip, s->nip, P_GRP, (size_t)gp + 1);
  }
  s->min_int = count_digits(x, s->ip, s->nip, 0);
  s->scaling = s->min_int;
  s->min_frac = count_digits(x, s->fp, s->nfp, 0);
  s->max_frac = count_digits(x, s->fp, s->nfp, 1);
  if (s->min_int == 0 && s->max_frac == 0) {
    if (s->has_exp) {
      s->min_frac = 1;
      s->max_frac = 1;
    } else {
      s->min_int = 1;
    }
  }
  if (s->has_exp && s->min_int == 0) {
    size_t i;
    for (i = 0; i < s->nip; i++)
      if (prop_is(x, P_DIGIT, s->ip[i])) s->min_int = 1;
  }
  if (s->min_int == 0 && s->min_frac == 0) s->min_frac = 1;
  s->min_exp = s->has_exp ? count_digits(x, s->exp, s->nexp, 0) : 0;
}

/* |value| with dp decimals, in the zero digit's family; '.' kept. */
static void make_string(const fmtctx *x, u32s *u, double value, int dp) {
  char tmp[400];
  int n, i;
  if (dp > 100) dp = 100;
  n = snprintf(tmp, sizeof tmp, "%.*f", dp, fabs(value));
  for (i = 0; i < n && i < (int)sizeof tmp - 1; i++) {
    char ch = tmp[i];
    if (ch >= '0' && ch <= '9')
      u_addc(u, x->zero + (uint32_t)(ch - '0'));
    else
      u_addc(u, '.');
  }
}

SFN_JNF(formatNumber) {
  sfn_value *v = sfn_jnf_arg(c, 0), *pic = sfn_jnf_arg(c, 1), *opts = sfn_jnf_arg(c, 2);
  fmtctx x;
  u32s picture = {NULL, 0, 0, 0}, sv = {NULL, 0, 0, 0};
  subpic subs[2];
  int nsub = 0, k, rc = SFN_ERR;
  const char *err = NULL;
  double value, adjusted, mantissa, rounded;
  int exponent = 0, has_exponent = 0;
  subpic *pc;
  long dpos;
  size_t i, start;
  *out = NULL;
  if (!v || !sfn_is_number(v) || !pic || sfn_type_of(pic) != SFN_STRING) return SFN_OK;
  memset(&x, 0, sizeof x);
  memset(subs, 0, sizeof subs);
  for (k = 0; k < NPROPS; k++) {
    sfn_value *o = opts && sfn_type_of(opts) == SFN_OBJECT ? sfn_object_gets(opts, prop_names[k]) : NULL;
    if (o && sfn_type_of(o) == SFN_STRING)
      u_from_utf8(&x.prop[k], sfn_str(o), sfn_strlen(o));
    else
      u_from_utf8(&x.prop[k], prop_defaults[k], strlen(prop_defaults[k]));
  }
  x.zero = x.prop[P_ZERO].n ? x.prop[P_ZERO].p[0] : '0';
  u_from_utf8(&picture, sfn_str(pic), sfn_strlen(pic));
  for (k = 0; k < NPROPS; k++)
    if (x.prop[k].oom) picture.oom = 1;
  if (picture.oom) {
    rc = sfn_jnf_oom(c);
    goto done;
  }
  /* sub-pictures */
  start = 0;
  for (;;) {
    long sep = x.prop[P_PATSEP].n ? find_prop(&x, picture.p, picture.n, P_PATSEP, start) : -1;
    size_t end = sep < 0 ? picture.n : (size_t)sep;
    if (nsub == 2) {
      rc = sfn_jnf_fail(c, "D3080", "The picture string must only contain a maximum of two sub-pictures");
      goto done;
    }
    subs[nsub].p = picture.p + start;
    subs[nsub].n = end - start;
    nsub++;
    if (sep < 0) break;
    start = (size_t)sep + x.prop[P_PATSEP].n;
  }
  for (k = 0; k < nsub; k++) split_parts(&x, &subs[k]);
  for (k = 0; k < nsub && !err; k++) err = validate(&x, &subs[k]);
  if (err) {
    static const struct {
      const char *code, *msg;
    } msgs[] = {
        {"D3081", "The sub-picture must not contain more than one instance of the 'decimal-separator' character"},
        {"D3082", "The sub-picture must not contain more than one instance of the 'percent' character"},
        {"D3083", "The sub-picture must not contain more than one instance of the 'per-mille' character"},
        {"D3084", "The sub-picture must not contain both a 'percent' and a 'per-mille' character"},
        {"D3085", "The mantissa part of a sub-picture must contain at least one character that is either an "
                  "'optional digit character' or a member of the 'decimal digit family'"},
        {"D3086", "The sub-picture must not contain a passive character that is preceded by an active character "
                  "and that is followed by another active character"},
        {"D3087", "The sub-picture must not contain a 'grouping-separator' character that appears adjacent to a "
                  "'decimal-separator' character"},
        {"D3088", "The sub-picture must not contain a 'grouping-separator' at the end of the integer part"},
        {"D3089", "The sub-picture must not contain two adjacent instances of the 'grouping-separator' character"},
        {"D3090", "The integer part of the sub-picture must not contain a member of the 'decimal digit family' "
                  "that is followed by an instance of the 'optional digit character'"},
        {"D3091", "The fractional part of the sub-picture must not contain an instance of the 'optional digit "
                  "character' that is followed by a member of the 'decimal digit family'"},
        {"D3092", "A sub-picture that contains a 'percent' or 'per-mille' character must not contain a character "
                  "treated as an 'exponent-separator'"},
        {"D3093", "The exponent part of the sub-picture must comprise only of one or more characters that are "
                  "members of the 'decimal digit family'"},
    };
    for (k = 0; k < (int)(sizeof msgs / sizeof msgs[0]); k++)
      if (strcmp(msgs[k].code, err) == 0) rc = sfn_jnf_fail(c, err, "%s", msgs[k].msg);
    goto done;
  }
  for (k = 0; k < nsub; k++) analyse(&x, &subs[k]);
  for (k = 0; k < nsub; k++) {
    u_add(&subs[k].prefix_text, subs[k].p, subs[k].prefix);
  }
  if (nsub == 1) {
    subs[1] = subs[0];
    memset(&subs[1].prefix_text, 0, sizeof subs[1].prefix_text);
    u_add(&subs[1].prefix_text, x.prop[P_MINUS].p, x.prop[P_MINUS].n);
    u_add(&subs[1].prefix_text, subs[0].p, subs[0].prefix);
  }
  value = sfn_number(v);
  pc = value >= 0 ? &subs[0] : &subs[1];
  if (find_prop(&x, pc->p, pc->n, P_PCT, 0) >= 0)
    adjusted = value * 100;
  else if (find_prop(&x, pc->p, pc->n, P_PERMILLE, 0) >= 0)
    adjusted = value * 1000;
  else
    adjusted = value;
  if (pc->min_exp == 0) {
    mantissa = adjusted;
  } else {
    double maxm = pow(10, pc->scaling), minm = pow(10, pc->scaling - 1);
    int guard = 0;
    mantissa = adjusted;
    has_exponent = 1;
    while (mantissa < minm && guard++ < 400) {
      mantissa *= 10;
      exponent -= 1;
    }
    while (mantissa > maxm && guard++ < 800) {
      mantissa /= 10;
      exponent += 1;
    }
  }
  rounded = sfn_jnf_round(mantissa, pc->max_frac);
  make_string(&x, &sv, rounded, pc->max_frac);
  /* the '.' becomes the decimal separator (appended when there is none) */
  dpos = -1;
  for (i = 0; i < sv.n; i++)
    if (sv.p[i] == '.') dpos = (long)i;
  if (dpos < 0) {
    u_add(&sv, x.prop[P_DEC].p, x.prop[P_DEC].n);
  } else {
    u_remove(&sv, (size_t)dpos, 1);
    u_insert(&sv, (size_t)dpos, x.prop[P_DEC].p, x.prop[P_DEC].n);
  }
  while (sv.n > 0 && sv.p[0] == x.zero) u_remove(&sv, 0, 1);
  while (sv.n > 0 && sv.p[sv.n - 1] == x.zero) sv.n--;
  {
    long dp = find_prop(&x, sv.p, sv.n, P_DEC, 0);
    long padl = pc->min_int - dp, padr = pc->min_frac - ((long)sv.n - dp - 1);
    for (; padl > 0; padl--) u_insert(&sv, 0, &x.zero, 1);
    for (; padr > 0; padr--) u_addc(&sv, x.zero);
    dp = find_prop(&x, sv.p, sv.n, P_DEC, 0);
    if (pc->regular > 0) {
      long groups = (dp - 1) / pc->regular, g;
      for (g = 1; g <= groups; g++) {
        long at = dp - g * pc->regular;
        if (at >= 0) u_insert(&sv, (size_t)at, x.prop[P_GRP].p, x.prop[P_GRP].n);
      }
    } else {
      for (k = 0; k < pc->nigp; k++) {
        long at = dp - pc->igp[k];
        if (at >= 0 && (size_t)at <= sv.n) u_insert(&sv, (size_t)at, x.prop[P_GRP].p, x.prop[P_GRP].n);
        dp++;
      }
    }
    dp = find_prop(&x, sv.p, sv.n, P_DEC, 0);
    for (k = 0; k < pc->nfgp; k++) {
      long at = pc->fgp[k] + dp + 1;
      if (at >= 0 && (size_t)at <= sv.n) u_insert(&sv, (size_t)at, x.prop[P_GRP].p, x.prop[P_GRP].n);
    }
    dp = find_prop(&x, sv.p, sv.n, P_DEC, 0);
    if (find_prop(&x, pc->p, pc->n, P_DEC, 0) < 0 || dp == (long)sv.n - 1) {
      if (sv.n > 0) sv.n--;
    }
  }
  if (has_exponent) {
    u32s ex = {NULL, 0, 0, 0};
    long padl;
    make_string(&x, &ex, exponent, 0);
    padl = pc->min_exp - (long)ex.n;
    for (; padl > 0; padl--) u_insert(&ex, 0, &x.zero, 1);
    u_add(&sv, x.prop[P_EXP].p, x.prop[P_EXP].n);
    if (exponent < 0) u_add(&sv, x.prop[P_MINUS].p, x.prop[P_MINUS].n);
    u_add(&sv, ex.p, ex.n);
    if (ex.oom) sv.oom = 1;
    u_free(&ex);
  }
  u_insert(&sv, 0, pc->prefix_text.p, pc->prefix_text.n);
  u_add(&sv, pc->p + pc->n - pc->suffix, pc->suffix);
  if (sv.oom) {
    rc = sfn_jnf_oom(c);
  } else {
    sfn_buf b;
    sfn_buf_init(&b);
    u_to_buf(&b, sv.p, sv.n);
    rc = sfn_jnf_ret_buf(c, out, &b);
  }
done:
  for (k = 0; k < NPROPS; k++) u_free(&x.prop[k]);
  u_free(&subs[0].prefix_text);
  u_free(&subs[1].prefix_text);
  u_free(&picture);
  u_free(&sv);
  return rc;
}
