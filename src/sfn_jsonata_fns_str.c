/*
 * sfn_jsonata_fns_str.c: JSONata's string functions ($string, $length,
 * $substring, $uppercase, $trim, $pad, $contains, $split, $join, $match,
 * $replace with a string replacement, base64 and URL coding).  Lengths and
 * positions count characters (code points), as JSONata does with
 * Array.from(str); $match's index is a JavaScript string index (UTF-16).
 */
#include "sfn_jsonata_fns_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define ARG_STR(c, i) (sfn_jnf_arg(c, i) && sfn_type_of(sfn_jnf_arg(c, i)) == SFN_STRING ? sfn_jnf_arg(c, i) : NULL)

static double arg_num(const sfn_jn_call *c, int i, double dflt) {
  sfn_value *v = sfn_jnf_arg(c, i);
  return v && sfn_is_number(v) ? sfn_number(v) : dflt;
}

SFN_JNF(string) {
  sfn_value *v = sfn_jnf_arg(c, 0), *p = sfn_jnf_arg(c, 1);
  sfn_buf b;
  *out = NULL;
  if (!v) return SFN_OK;
  if (sfn_type_of(v) == SFN_STRING) return sfn_jnf_ret(c, out, sfn_incref(v));
  sfn_buf_init(&b);
  if (sfn_jnf_stringify(c, &b, v, p && sfn_type_of(p) == SFN_BOOL && p->u.b) != SFN_OK) {
    sfn_buf_free(&b);
    return SFN_ERR;
  }
  return sfn_jnf_ret_buf(c, out, &b);
}

SFN_JNF(length) {
  sfn_value *s = ARG_STR(c, 0);
  *out = NULL;
  if (!s) return SFN_OK;
  return sfn_jnf_ret(c, out, sfn_int((int64_t)sfn_jnf_cplen(sfn_str(s), sfn_strlen(s))));
}

/* JavaScript's Array#slice index: relative to the end when negative. */
static size_t slice_index(double x, size_t n) {
  double t = trunc(x);
  if (t != t) return 0;
  if (t < 0) return t + (double)n < 0 ? 0 : (size_t)(t + (double)n);
  return t > (double)n ? n : (size_t)t;
}

SFN_JNF(substring) {
  sfn_value *s = ARG_STR(c, 0);
  double start = arg_num(c, 1, 0), end;
  size_t n, a, z, oa, oz;
  *out = NULL;
  if (!s) return SFN_OK;
  n = sfn_jnf_cplen(sfn_str(s), sfn_strlen(s));
  if ((double)n + start < 0) start = 0;
  if (sfn_jnf_arg(c, 2)) {
    double length = arg_num(c, 2, 0);
    if (length <= 0) return sfn_jnf_ret(c, out, sfn_string("", 0));
    end = start >= 0 ? start + length : (double)n + start + length;
  } else {
    end = (double)n;
  }
  a = slice_index(start, n);
  z = slice_index(end, n);
  if (z <= a) return sfn_jnf_ret(c, out, sfn_string("", 0));
  oa = sfn_jnf_cp_offset(sfn_str(s), sfn_strlen(s), a);
  oz = oa + sfn_jnf_cp_offset(sfn_str(s) + oa, sfn_strlen(s) - oa, z - a);
  return sfn_jnf_ret(c, out, sfn_string(sfn_str(s) + oa, oz - oa));
}

/* Byte offset of needle in hay from `from`, or -1. */
static long find(const char *hay, size_t hlen, const char *needle, size_t nlen, size_t from) {
  size_t i;
  if (nlen == 0) return from <= hlen ? (long)from : -1;
  if (nlen > hlen) return -1;
  for (i = from; i + nlen <= hlen; i++)
    if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0) return (long)i;
  return -1;
}

SFN_JNF(substringBefore) {
  sfn_value *s = ARG_STR(c, 0), *t = ARG_STR(c, 1);
  long pos;
  *out = NULL;
  if (!s) return SFN_OK;
  if (!t) return sfn_jnf_ret(c, out, sfn_incref(s));
  pos = find(sfn_str(s), sfn_strlen(s), sfn_str(t), sfn_strlen(t), 0);
  if (pos < 0) return sfn_jnf_ret(c, out, sfn_incref(s));
  return sfn_jnf_ret(c, out, sfn_string(sfn_str(s), (size_t)pos));
}

SFN_JNF(substringAfter) {
  sfn_value *s = ARG_STR(c, 0), *t = ARG_STR(c, 1);
  long pos;
  size_t from;
  *out = NULL;
  if (!s) return SFN_OK;
  if (!t) return sfn_jnf_ret(c, out, sfn_incref(s));
  pos = find(sfn_str(s), sfn_strlen(s), sfn_str(t), sfn_strlen(t), 0);
  if (pos < 0) return sfn_jnf_ret(c, out, sfn_incref(s));
  from = (size_t)pos + sfn_strlen(t);
  return sfn_jnf_ret(c, out, sfn_string(sfn_str(s) + from, sfn_strlen(s) - from));
}

/* ---- case mapping (ASCII, Latin-1, Latin Extended-A and Additional, Greek,
 * Cyrillic, Armenian, fullwidth Latin: the simple one-to-one mappings) ---- */

static int in_pairs(uint32_t cp, uint32_t lo, uint32_t hi) { return cp >= lo && cp <= hi; }

uint32_t sfn_jnf_upper(uint32_t cp) {
  if (cp < 0x80) return cp >= 'a' && cp <= 'z' ? cp - 32 : cp;
  if ((cp >= 0xE0 && cp <= 0xFE && cp != 0xF7)) return cp - 32;
  if (cp == 0xFF) return 0x178;
  if (cp == 0xB5) return 0x39C;
  if (cp == 0x131) return 'I';
  if (cp == 0x17F) return 'S';
  if ((in_pairs(cp, 0x100, 0x137) || in_pairs(cp, 0x14A, 0x177) || in_pairs(cp, 0x1E00, 0x1E95) ||
       in_pairs(cp, 0x1EA0, 0x1EFF) || in_pairs(cp, 0x460, 0x481) || in_pairs(cp, 0x48A, 0x4BF) ||
       in_pairs(cp, 0x4D0, 0x52F)) &&
      (cp & 1))
    return cp - 1;
  if ((in_pairs(cp, 0x139, 0x148) || in_pairs(cp, 0x179, 0x17E) || in_pairs(cp, 0x4C1, 0x4CE)) && !(cp & 1))
    return cp - 1;
  if (cp >= 0x3B1 && cp <= 0x3C9 && cp != 0x3C2) return cp - 32;
  if (cp == 0x3C2) return 0x3A3;
  if (cp == 0x3AC) return 0x386;
  if (cp >= 0x3AD && cp <= 0x3AF) return cp - 37;
  if (cp == 0x3CC) return 0x38C;
  if (cp == 0x3CD || cp == 0x3CE) return cp - 63;
  if (cp >= 0x430 && cp <= 0x44F) return cp - 32;
  if (cp >= 0x450 && cp <= 0x45F) return cp - 80;
  if (cp >= 0x561 && cp <= 0x586) return cp - 48;
  if (cp >= 0xFF41 && cp <= 0xFF5A) return cp - 32;
  return cp;
}

uint32_t sfn_jnf_lower(uint32_t cp) {
  if (cp < 0x80) return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
  if ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)) return cp + 32;
  if (cp == 0x178) return 0xFF;
  if (cp == 0x130) return 'i';
  if ((in_pairs(cp, 0x100, 0x137) || in_pairs(cp, 0x14A, 0x177) || in_pairs(cp, 0x1E00, 0x1E95) ||
       in_pairs(cp, 0x1EA0, 0x1EFF) || in_pairs(cp, 0x460, 0x481) || in_pairs(cp, 0x48A, 0x4BF) ||
       in_pairs(cp, 0x4D0, 0x52F)) &&
      !(cp & 1))
    return cp + 1;
  if ((in_pairs(cp, 0x139, 0x148) || in_pairs(cp, 0x179, 0x17E) || in_pairs(cp, 0x4C1, 0x4CE)) && (cp & 1))
    return cp + 1;
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 32;
  if (cp == 0x386) return 0x3AC;
  if (cp >= 0x388 && cp <= 0x38A) return cp + 37;
  if (cp == 0x38C) return 0x3CC;
  if (cp == 0x38E || cp == 0x38F) return cp + 63;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 32;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 80;
  if (cp >= 0x531 && cp <= 0x556) return cp + 48;
  if (cp >= 0xFF21 && cp <= 0xFF3A) return cp + 32;
  return cp;
}

static int change_case(sfn_jn_call *c, sfn_value **out, int upper) {
  sfn_value *s = ARG_STR(c, 0);
  sfn_buf b;
  size_t i = 0, n;
  *out = NULL;
  if (!s) return SFN_OK;
  n = sfn_strlen(s);
  sfn_buf_init(&b);
  while (i < n) {
    uint32_t cp = sfn_jnf_utf8_next(sfn_str(s), n, &i);
    if (upper && cp == 0xDF)
      sfn_buf_add(&b, "SS", 2);
    else
      sfn_jnf_utf8_put(&b, upper ? sfn_jnf_upper(cp) : sfn_jnf_lower(cp));
  }
  return sfn_jnf_ret_buf(c, out, &b);
}

SFN_JNF(uppercase) { return change_case(c, out, 1); }
SFN_JNF(lowercase) { return change_case(c, out, 0); }

SFN_JNF(trim) {
  sfn_value *s = ARG_STR(c, 0);
  sfn_buf b;
  size_t i, n;
  const char *p;
  *out = NULL;
  if (!s) return SFN_OK;
  p = sfn_str(s);
  n = sfn_strlen(s);
  sfn_buf_init(&b);
  for (i = 0; i < n; i++) {
    if (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r') {
      while (i + 1 < n && (p[i + 1] == ' ' || p[i + 1] == '\t' || p[i + 1] == '\n' || p[i + 1] == '\r')) i++;
      sfn_buf_addc(&b, ' ');
    } else {
      sfn_buf_addc(&b, p[i]);
    }
  }
  if (b.oom) return sfn_jnf_ret_buf(c, out, &b);
  if (b.len && b.data[b.len - 1] == ' ') b.len--;
  if (b.len && b.data[0] == ' ') {
    *out = sfn_string(b.data + 1, b.len - 1);
    sfn_buf_free(&b);
    return *out ? SFN_OK : sfn_jnf_oom(c);
  }
  return sfn_jnf_ret_buf(c, out, &b);
}

SFN_JNF(pad) {
  sfn_value *s = ARG_STR(c, 0), *ch = ARG_STR(c, 2);
  double width = arg_num(c, 1, 0), padlen;
  const char *pc = " ";
  size_t pclen = 1, i, k, n;
  sfn_buf b;
  *out = NULL;
  if (!s) return SFN_OK;
  if (ch && sfn_strlen(ch) > 0) {
    pc = sfn_str(ch);
    pclen = sfn_strlen(ch);
  }
  padlen = floor(fabs(width)) - (double)sfn_jnf_cplen(sfn_str(s), sfn_strlen(s));
  if (!(padlen > 0)) return sfn_jnf_ret(c, out, sfn_incref(s));
  if (padlen > 1e8) return sfn_jnf_oom(c);
  n = (size_t)padlen;
  sfn_buf_init(&b);
  if (width > 0) sfn_buf_add(&b, sfn_str(s), sfn_strlen(s));
  /* n characters of pc repeated */
  for (k = 0, i = 0; k < n; k++) {
    size_t j = i;
    (void)sfn_jnf_utf8_next(pc, pclen, &j);
    sfn_buf_add(&b, pc + i, j - i);
    i = j >= pclen ? 0 : j;
    if (b.oom) break;
  }
  if (width <= 0) sfn_buf_add(&b, sfn_str(s), sfn_strlen(s));
  return sfn_jnf_ret_buf(c, out, &b);
}

/* ---- matching with a regex, as JSONata's regex closure does: the first
 * match from 0, then each next match from where the last one ended; a
 * further match of zero length is error D1004. ---- */

typedef struct rx_iter {
  const sfn_jn_regex *re;
  const char *s;
  size_t len, last;
  int started;
  size_t start, end;
  long groups[SFN_JN_MAX_GROUPS][2];
  int ngroups;
} rx_iter;

static void rx_init(rx_iter *it, const sfn_jn_regex *re, const sfn_value *s) {
  it->re = re;
  it->s = sfn_str(s);
  it->len = sfn_strlen(s);
  it->last = 0;
  it->started = 0;
  it->ngroups = 0;
}

/* 1 with the match in it, 0 when there is none, -1 with c->err set. */
static int rx_next(sfn_jn_call *c, rx_iter *it) {
  int r;
  if (it->started && it->last >= it->len) return 0;
  r = sfn_jn_regex_exec(it->re, it->s, it->len, it->last, &it->start, &it->end, it->groups, &it->ngroups, c->err);
  if (r <= 0) return r;
  if (it->started && it->start == it->end) {
    sfn_jnf_fail(c, "D1004", "Regular expression matches zero length string");
    return -1;
  }
  it->started = 1;
  it->last = it->end;
  return 1;
}

SFN_JNF(contains) {
  sfn_value *s = ARG_STR(c, 0), *t = ARG_STR(c, 1);
  const sfn_jn_regex *re = c->nargs > 1 && c->regex ? c->regex[1] : NULL;
  *out = NULL;
  if (!s) return SFN_OK;
  if (re) {
    rx_iter it;
    int r;
    rx_init(&it, re, s);
    r = rx_next(c, &it);
    if (r < 0) return SFN_ERR;
    *out = sfn_bool(r);
    return SFN_OK;
  }
  if (!t) return SFN_OK;
  *out = sfn_bool(find(sfn_str(s), sfn_strlen(s), sfn_str(t), sfn_strlen(t), 0) >= 0);
  return SFN_OK;
}

/* Limit argument i: -1 when absent, else its value; error when negative. */
static int get_limit(sfn_jn_call *c, int i, double *limit, const char *code, const char *msg) {
  sfn_value *v = sfn_jnf_arg(c, i);
  *limit = -1;
  if (!v || !sfn_is_number(v)) return SFN_OK;
  *limit = sfn_number(v);
  if (*limit < 0) return sfn_jnf_fail(c, code, "%s", msg);
  return SFN_OK;
}

static int push_str(sfn_value *arr, const char *s, size_t n) {
  sfn_value *v = sfn_string(s, n);
  return v ? sfn_array_push(arr, v) : SFN_ERR;
}

SFN_JNF(split) {
  sfn_value *s = ARG_STR(c, 0), *sep = ARG_STR(c, 1), *arr;
  const sfn_jn_regex *re = c->nargs > 1 && c->regex ? c->regex[1] : NULL;
  double limit;
  size_t count = 0, max;
  const char *p;
  size_t n;
  *out = NULL;
  if (!s) return SFN_OK;
  if (get_limit(c, 2, &limit, "D3020", "Third argument of split function must evaluate to a positive number") !=
      SFN_OK)
    return SFN_ERR;
  arr = sfn_array_new(0);
  if (!arr) return sfn_jnf_oom(c);
  if (limit == 0) return sfn_jnf_ret(c, out, arr);
  max = limit < 0 ? (size_t)-1 : (limit >= 4294967295.0 ? 4294967295u : (size_t)limit);
  p = sfn_str(s);
  n = sfn_strlen(s);
  if (re) {
    rx_iter it;
    size_t start = 0;
    int r;
    rx_init(&it, re, s);
    while (count < max && (r = rx_next(c, &it)) != 0) {
      if (r < 0) goto fail;
      if (push_str(arr, p + start, it.start - start) != SFN_OK) goto oom;
      start = it.end;
      count++;
    }
    if (count < max && push_str(arr, p + start, n - start) != SFN_OK) goto oom;
  } else if (sep && sfn_strlen(sep) == 0) {
    size_t i = 0;
    while (i < n && count < max) {
      size_t j = i;
      (void)sfn_jnf_utf8_next(p, n, &j);
      if (push_str(arr, p + i, j - i) != SFN_OK) goto oom;
      i = j;
      count++;
    }
  } else if (sep) {
    size_t from = 0;
    long pos;
    while (count < max) {
      pos = find(p, n, sfn_str(sep), sfn_strlen(sep), from);
      if (pos < 0) {
        if (push_str(arr, p + from, n - from) != SFN_OK) goto oom;
        break;
      }
      if (push_str(arr, p + from, (size_t)pos - from) != SFN_OK) goto oom;
      from = (size_t)pos + sfn_strlen(sep);
      count++;
    }
  }
  *out = arr;
  return SFN_OK;
oom:
  sfn_decref(arr);
  return sfn_jnf_oom(c);
fail:
  sfn_decref(arr);
  return SFN_ERR;
}

SFN_JNF(join) {
  sfn_value *a = sfn_jnf_arg(c, 0), *sep = ARG_STR(c, 1);
  sfn_buf b;
  size_t i;
  *out = NULL;
  if (!a) return SFN_OK;
  if (sfn_type_of(a) == SFN_STRING) return sfn_jnf_ret(c, out, sfn_incref(a));
  if (sfn_type_of(a) != SFN_ARRAY) return SFN_OK;
  sfn_buf_init(&b);
  for (i = 0; i < sfn_array_len(a); i++) {
    sfn_value *v = sfn_array_at(a, i);
    if (i && sep) sfn_buf_add(&b, sfn_str(sep), sfn_strlen(sep));
    if (sfn_type_of(v) == SFN_STRING) sfn_buf_add(&b, sfn_str(v), sfn_strlen(v));
  }
  return sfn_jnf_ret_buf(c, out, &b);
}

/* {match, index, groups} for the iterator's current match. */
static sfn_value *match_object(const rx_iter *it) {
  sfn_value *o = sfn_object_new(3), *g;
  int k;
  if (!o) return NULL;
  if (sfn_object_sets(o, "match", sfn_string(it->s + it->start, it->end - it->start)) != SFN_OK ||
      sfn_object_sets(o, "index", sfn_int((int64_t)sfn_jnf_utf16_len(it->s, it->start))) != SFN_OK)
    goto fail;
  g = sfn_array_new((size_t)it->ngroups);
  if (!g) goto fail;
  for (k = 0; k < it->ngroups; k++) {
    sfn_value *v = it->groups[k][0] < 0 ? sfn_null()
                                        : sfn_string(it->s + it->groups[k][0],
                                                     (size_t)(it->groups[k][1] - it->groups[k][0]));
    if (sfn_array_push(g, v) != SFN_OK) {
      sfn_decref(g);
      goto fail;
    }
  }
  if (sfn_object_sets(o, "groups", g) != SFN_OK) goto fail;
  return o;
fail:
  sfn_decref(o);
  return NULL;
}

SFN_JNF(match) {
  sfn_value *s = ARG_STR(c, 0), *arr;
  const sfn_jn_regex *re = c->nargs > 1 && c->regex ? c->regex[1] : NULL;
  double limit;
  size_t count = 0;
  rx_iter it;
  int r;
  *out = NULL;
  if (!s) return SFN_OK;
  if (get_limit(c, 2, &limit, "D3040", "Third argument of match function must evaluate to a positive number") !=
      SFN_OK)
    return SFN_ERR;
  if (!re) return SFN_OK;
  arr = sfn_array_new(0);
  if (!arr) return sfn_jnf_oom(c);
  rx_init(&it, re, s);
  while ((limit < 0 || (double)count < limit) && (r = rx_next(c, &it)) != 0) {
    sfn_value *m;
    if (r < 0) {
      sfn_decref(arr);
      return SFN_ERR;
    }
    m = match_object(&it);
    if (!m || sfn_array_push(arr, m) != SFN_OK) {
      sfn_decref(arr);
      return sfn_jnf_oom(c);
    }
    count++;
  }
  return sfn_jnf_ret_seq(c, out, arr);
}

/* parseInt(text[0..n), 10): leading blanks, sign, digits; 0 when no digit. */
static int parse_int(const char *t, size_t n, long *val, size_t *used) {
  size_t i = 0;
  int neg = 0, any = 0;
  long v = 0;
  while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) i++;
  if (i < n && (t[i] == '-' || t[i] == '+')) neg = t[i++] == '-';
  while (i < n && t[i] >= '0' && t[i] <= '9') {
    if (v < 100000000) v = v * 10 + (t[i] - '0');
    i++;
    any = 1;
  }
  *val = neg ? -v : v;
  *used = i;
  return any;
}

/* The replacement text for one match: $$ is $, $0 the match, $N group N. */
static void substitute(sfn_buf *b, const char *rep, size_t rlen, const rx_iter *it) {
  size_t pos = 0;
  int ng = it->ngroups;
  while (pos < rlen) {
    const char *d = memchr(rep + pos, '$', rlen - pos);
    size_t at, maxd;
    long idx;
    size_t used;
    char num[24];
    if (!d) break;
    at = (size_t)(d - rep);
    sfn_buf_add(b, rep + pos, at - pos);
    pos = at + 1;
    if (pos < rlen && rep[pos] == '$') {
      sfn_buf_addc(b, '$');
      pos++;
      continue;
    }
    if (pos < rlen && rep[pos] == '0') {
      sfn_buf_add(b, it->s + it->start, it->end - it->start);
      pos++;
      continue;
    }
    maxd = ng == 0 ? 1 : (size_t)floor(log10((double)ng)) + 1;
    if (!parse_int(rep + pos, pos + maxd <= rlen ? maxd : rlen - pos, &idx, &used)) {
      sfn_buf_addc(b, '$');
      continue;
    }
    if (maxd > 1 && idx > ng) {
      if (!parse_int(rep + pos, pos + maxd - 1 <= rlen ? maxd - 1 : rlen - pos, &idx, &used)) {
        sfn_buf_addc(b, '$');
        continue;
      }
    }
    if (ng > 0 && idx >= 1 && idx <= ng && it->groups[idx - 1][0] >= 0)
      sfn_buf_add(b, it->s + it->groups[idx - 1][0], (size_t)(it->groups[idx - 1][1] - it->groups[idx - 1][0]));
    pos += (size_t)snprintf(num, sizeof num, "%ld", idx);
  }
  if (pos < rlen) sfn_buf_add(b, rep + pos, rlen - pos);
}

SFN_JNF(replace) {
  sfn_value *s = ARG_STR(c, 0), *pat = ARG_STR(c, 1), *rep = ARG_STR(c, 2);
  const sfn_jn_regex *re = c->nargs > 1 && c->regex ? c->regex[1] : NULL;
  double limit;
  size_t count = 0, pos = 0;
  sfn_buf b;
  *out = NULL;
  if (!s) return SFN_OK;
  if (!re && pat && sfn_strlen(pat) == 0)
    return sfn_jnf_fail(c, "D3010", "Second argument of replace function cannot be an empty string");
  if (get_limit(c, 3, &limit, "D3011", "Fourth argument of replace function must evaluate to a positive number") !=
      SFN_OK)
    return SFN_ERR;
  if (!rep || (!re && !pat)) return sfn_jnf_ret(c, out, sfn_incref(s));
  sfn_buf_init(&b);
  if (re) {
    rx_iter it;
    int r;
    rx_init(&it, re, s);
    while ((limit < 0 || (double)count < limit) && (r = rx_next(c, &it)) != 0) {
      if (r < 0) {
        sfn_buf_free(&b);
        return SFN_ERR;
      }
      sfn_buf_add(&b, it.s + pos, it.start - pos);
      substitute(&b, sfn_str(rep), sfn_strlen(rep), &it);
      pos = it.end;
      count++;
    }
  } else {
    long at;
    while ((limit < 0 || (double)count < limit) &&
           (at = find(sfn_str(s), sfn_strlen(s), sfn_str(pat), sfn_strlen(pat), pos)) >= 0) {
      sfn_buf_add(&b, sfn_str(s) + pos, (size_t)at - pos);
      sfn_buf_add(&b, sfn_str(rep), sfn_strlen(rep));
      pos = (size_t)at + sfn_strlen(pat);
      count++;
    }
  }
  sfn_buf_add(&b, sfn_str(s) + pos, sfn_strlen(s) - pos);
  return sfn_jnf_ret_buf(c, out, &b);
}

/* ---- base64 (of the string's characters as bytes, as Node's "binary"
 * encoding takes them) ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

SFN_JNF(base64encode) {
  sfn_value *s = ARG_STR(c, 0);
  sfn_buf bytes, b;
  size_t i = 0, n;
  *out = NULL;
  if (!s) return SFN_OK;
  n = sfn_strlen(s);
  sfn_buf_init(&bytes);
  while (i < n) {
    uint32_t cp = sfn_jnf_utf8_next(sfn_str(s), n, &i);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      sfn_buf_addc(&bytes, (char)((0xD800 | (cp >> 10)) & 0xFF));
      sfn_buf_addc(&bytes, (char)((0xDC00 | (cp & 0x3FF)) & 0xFF));
    } else {
      sfn_buf_addc(&bytes, (char)(cp & 0xFF));
    }
  }
  sfn_buf_init(&b);
  for (i = 0; i + 2 < bytes.len; i += 3) {
    unsigned v = ((unsigned)(unsigned char)bytes.data[i] << 16) | ((unsigned)(unsigned char)bytes.data[i + 1] << 8) |
                 (unsigned char)bytes.data[i + 2];
    char q[4] = {b64[v >> 18], b64[(v >> 12) & 63], b64[(v >> 6) & 63], b64[v & 63]};
    sfn_buf_add(&b, q, 4);
  }
  if (bytes.len - i == 1) {
    unsigned v = (unsigned)(unsigned char)bytes.data[i] << 16;
    char q[4] = {b64[v >> 18], b64[(v >> 12) & 63], '=', '='};
    sfn_buf_add(&b, q, 4);
  } else if (bytes.len - i == 2) {
    unsigned v = ((unsigned)(unsigned char)bytes.data[i] << 16) | ((unsigned)(unsigned char)bytes.data[i + 1] << 8);
    char q[4] = {b64[v >> 18], b64[(v >> 12) & 63], b64[(v >> 6) & 63], '='};
    sfn_buf_add(&b, q, 4);
  }
  if (bytes.oom) b.oom = 1;
  sfn_buf_free(&bytes);
  return sfn_jnf_ret_buf(c, out, &b);
}

static int b64_val(unsigned char ch) {
  if (ch >= 'A' && ch <= 'Z') return ch - 'A';
  if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9') return ch - '0' + 52;
  if (ch == '+' || ch == '-') return 62;
  if (ch == '/' || ch == '_') return 63;
  return -1;
}

SFN_JNF(base64decode) {
  sfn_value *s = ARG_STR(c, 0);
  sfn_buf b;
  size_t i, n;
  unsigned acc = 0;
  int bits = 0;
  *out = NULL;
  if (!s) return SFN_OK;
  n = sfn_strlen(s);
  sfn_buf_init(&b);
  for (i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)sfn_str(s)[i];
    int v;
    if (ch == '=') break;
    v = b64_val(ch);
    if (v < 0) continue;
    acc = (acc << 6) | (unsigned)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      sfn_jnf_utf8_put(&b, (acc >> bits) & 0xFF);
    }
  }
  return sfn_jnf_ret_buf(c, out, &b);
}

/* ---- URL coding (encodeURIComponent / encodeURI / decode...) ---- */

static int url_fail(sfn_jn_call *c, const char *fn, const sfn_value *v) {
  sfn_buf m;
  int r;
  sfn_buf_init(&m);
  sfn_jnf_msg_value(&m, v);
  r = sfn_jnf_fail(c, "D3140", "Malformed URL passed to $%s(): %.*s", fn, (int)m.len, m.data ? m.data : "");
  sfn_buf_free(&m);
  return r;
}

static int encode_url(sfn_jn_call *c, sfn_value **out, const char *keep, const char *fn) {
  sfn_value *s = ARG_STR(c, 0);
  static const char hex[] = "0123456789ABCDEF";
  sfn_buf b;
  size_t i = 0, n;
  *out = NULL;
  if (!s) return SFN_OK;
  n = sfn_strlen(s);
  sfn_buf_init(&b);
  while (i < n) {
    unsigned char ch = (unsigned char)sfn_str(s)[i];
    size_t j = i;
    if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
        (ch && strchr("-_.!~*'()", ch)) || (ch && strchr(keep, ch))) {
      sfn_buf_addc(&b, (char)ch);
      i++;
      continue;
    }
    (void)sfn_jnf_utf8_next(sfn_str(s), n, &j);
    if (ch >= 0x80 && j == i + 1) {
      sfn_buf_free(&b);
      return url_fail(c, fn, s);
    }
    for (; i < j; i++) {
      unsigned char x = (unsigned char)sfn_str(s)[i];
      char e[3] = {'%', hex[x >> 4], hex[x & 15]};
      sfn_buf_add(&b, e, 3);
    }
  }
  return sfn_jnf_ret_buf(c, out, &b);
}

SFN_JNF(encodeUrlComponent) { return encode_url(c, out, "", "encodeUrlComponent"); }
SFN_JNF(encodeUrl) { return encode_url(c, out, ";/?:@&=+$,#", "encodeUrl"); }

static int hexv(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

static int decode_url(sfn_jn_call *c, sfn_value **out, const char *reserved, const char *fn) {
  sfn_value *s = ARG_STR(c, 0);
  sfn_buf b;
  size_t i = 0, n;
  const char *p;
  *out = NULL;
  if (!s) return SFN_OK;
  p = sfn_str(s);
  n = sfn_strlen(s);
  sfn_buf_init(&b);
  while (i < n) {
    unsigned char seq[4];
    size_t len, k, start = i;
    int h, l;
    if (p[i] != '%') {
      sfn_buf_addc(&b, p[i++]);
      continue;
    }
    if (i + 2 >= n) goto bad;
    h = hexv(p[i + 1]);
    l = hexv(p[i + 2]);
    if (h < 0 || l < 0) goto bad;
    seq[0] = (unsigned char)(h * 16 + l);
    i += 3;
    if (seq[0] < 0x80) {
      if (seq[0] && strchr(reserved, seq[0]))
        sfn_buf_add(&b, p + start, 3);
      else
        sfn_buf_addc(&b, (char)seq[0]);
      continue;
    }
    len = seq[0] >= 0xF0 ? 4 : seq[0] >= 0xE0 ? 3 : seq[0] >= 0xC0 ? 2 : 0;
    if (len == 0) goto bad;
    for (k = 1; k < len; k++) {
      if (i + 2 >= n || p[i] != '%') goto bad;
      h = hexv(p[i + 1]);
      l = hexv(p[i + 2]);
      if (h < 0 || l < 0) goto bad;
      seq[k] = (unsigned char)(h * 16 + l);
      i += 3;
    }
    {
      size_t j = 0;
      uint32_t cp = sfn_jnf_utf8_next((const char *)seq, len, &j);
      if (j != len) goto bad;
      sfn_jnf_utf8_put(&b, cp);
    }
  }
  return sfn_jnf_ret_buf(c, out, &b);
bad:
  sfn_buf_free(&b);
  return url_fail(c, fn, s);
}

SFN_JNF(decodeUrlComponent) { return decode_url(c, out, "", "decodeUrlComponent"); }
SFN_JNF(decodeUrl) { return decode_url(c, out, ";/?:@&=+$,#", "decodeUrl"); }
