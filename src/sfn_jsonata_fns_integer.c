/*
 * sfn_jsonata_fns_integer.c: JSONata's integer formatting: $formatBase,
 * $formatInteger and $parseInteger with XPath fn:format-integer pictures
 * (decimal digit patterns in any Unicode digit family with grouping
 * separators, a/A letters, i/I roman numerals, w/W/Ww English words, ;o
 * ordinals), and the integer-picture helpers the date/time pictures share.
 */
#include "sfn_jsonata_fns_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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
    sfn_jnf_u32s u = {NULL, 0, 0, 0};
    size_t k;
    int pos = 0;
    sfn_jnf_u32_from_utf8(&u, pic, plen);
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
          sfn_jnf_u32_free(&u);
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
    sfn_jnf_u32_free(&u);
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
      sfn_jnf_u32s u = {NULL, 0, 0, 0};
      int k;
      sfn_buf_init(&num);
      sfn_jnf_js_number(&num, value);
      for (k = (int)num.len; k < f->mandatory; k++) sfn_jnf_u32_addc(&u, '0');
      for (i = 0; i < num.len; i++) sfn_jnf_u32_addc(&u, (unsigned char)num.data[i]);
      if (num.oom) u.oom = 1;
      sfn_buf_free(&num);
      if (f->zero != 0x30)
        for (i = 0; i < u.n; i++)
          if (u.p[i] >= '0' && u.p[i] <= '9') u.p[i] = u.p[i] - '0' + f->zero;
      if (u.oom || u.n == 0) {
        /* out of memory (or nothing to group): no grouping pass over a
         * length that is not there */
      } else if (f->regular) {
        size_t groups = (u.n - 1) / (size_t)f->regular, g;
        uint32_t sep = f->seps[0].ch;
        for (g = groups; g > 0; g--) sfn_jnf_u32_insert(&u, u.n - g * (size_t)f->regular, &sep, 1);
      } else {
        for (k = f->nseps - 1; k >= 0; k--) {
          size_t pos = (size_t)f->seps[k].pos;
          if (pos <= u.n) sfn_jnf_u32_insert(&u, u.n - pos, &f->seps[k].ch, 1);
        }
      }
      if (f->ordinal && u.n > 0) {
        uint32_t last = u.p[u.n - 1];
        const char *suf = last == '1' ? "st" : last == '2' ? "nd" : last == '3' ? "rd" : "th";
        if (u.n > 1 && u.p[u.n - 2] == '1') suf = "th";
        sfn_jnf_u32_from_ascii(&u, suf);
      }
      if (u.oom) b->oom = 1;
      sfn_jnf_u32_to_buf(b, u.p, u.n);
      sfn_jnf_u32_free(&u);
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
