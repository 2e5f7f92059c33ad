/*
 * sfn_jsonata_val.c: the JSONata evaluator's values: an arena allocator,
 * values with JavaScript's model (every number a double, arrays carrying
 * sequence flags, functions as values), conversion from and to sfn_value,
 * deep equality, effective boolean value, and number/JSON text as JSONata
 * prints them ($string, the & operator).
 */
#include "sfn_jsonata_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

jv jv_null_v = {JV_NULL, 0, {0}};
jv jv_true_v = {JV_BOOL, 0, {1}};
jv jv_false_v = {JV_BOOL, 0, {0}};
jv jv_place_v = {JV_NULL, 0, {0}};

/* ---- arena ---- */

#define CHUNK 65536

void ja_oom(jarena *A) {
  sfn_error_oom(A->err);
  longjmp(*A->jb, 1);
}

void ja_throw(jarena *A, const char *code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sfn_error_setv(A->err, code, fmt, ap);
  va_end(ap);
  longjmp(*A->jb, 1);
}

void *ja_alloc(jarena *A, size_t n) {
  void *r;
  n = (n + 7) & ~(size_t)7;
  if ((size_t)(A->end - A->p) < n || !A->p) {
    size_t sz = n > CHUNK / 4 ? n : CHUNK;
    jchunk *c;
    if (A->limit && A->total + sz > A->limit)
      ja_throw(A, "U1003", "Memory limit of the evaluation exceeded");
    c = sfn_malloc(sizeof(jchunk) + 8 + sz);
    if (!c) ja_oom(A);
    c->next = A->chunks;
    c->size = sz;
    A->chunks = c;
    A->total += sz;
    r = (char *)c + ((sizeof(jchunk) + 7) & ~(size_t)7);
    if (sz == CHUNK) {
      A->p = (char *)r + n;
      A->end = (char *)r + sz;
    }
    return r;
  }
  r = A->p;
  A->p += n;
  return r;
}

void *ja_grow(jarena *A, void *old, size_t oldn, size_t newn) {
  void *r;
  if (newn <= oldn) return old;
  r = ja_alloc(A, newn);
  if (oldn) memcpy(r, old, oldn);
  return r;
}

char *ja_strndup(jarena *A, const char *s, size_t n) {
  char *r = ja_alloc(A, n + 1);
  if (n) memcpy(r, s, n);
  r[n] = '\0';
  return r;
}

void ja_free_all(jarena *A) {
  jchunk *c = A->chunks, *n;
  while (c) {
    n = c->next;
    sfn_free(c);
    c = n;
  }
  A->chunks = NULL;
  A->p = A->end = NULL;
  A->total = 0;
}

void jsb_init(jsb *b, jarena *A) {
  b->A = A;
  b->p = NULL;
  b->n = b->cap = 0;
}

void jsb_add(jsb *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    size_t nc = b->cap ? b->cap * 2 : 32;
    while (nc < b->n + n + 1) nc *= 2;
    b->p = ja_grow(b->A, b->p, b->n, nc);
    b->cap = nc;
  }
  if (n) memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = '\0';
}

void jsb_addc(jsb *b, char c) {
  jsb_add(b, &c, 1);
}

void jsb_adds(jsb *b, const char *s) {
  jsb_add(b, s, strlen(s));
}

/* ---- constructors ---- */

static jv *jv_new(jarena *A, int t) {
  jv *v = ja_alloc(A, sizeof *v);
  memset(v, 0, sizeof *v);
  v->t = (uint8_t)t;
  return v;
}

jv *jv_num(jarena *A, double d) {
  jv *v = jv_new(A, JV_NUM);
  v->u.n = d;
  return v;
}

jv *jv_str_nocopy(jarena *A, const char *s, size_t len) {
  jv *v = jv_new(A, JV_STR);
  v->u.s.len = len;
  v->u.s.p = s;
  return v;
}

jv *jv_str(jarena *A, const char *s, size_t len) {
  return jv_str_nocopy(A, ja_strndup(A, s, len), len);
}

jv *jv_arr(jarena *A, size_t cap) {
  jv *v = jv_new(A, JV_ARR);
  if (cap) v->u.a.it = ja_alloc(A, cap * sizeof(jv *));
  v->u.a.cap = cap;
  return v;
}

jv *jv_seq(jarena *A, size_t cap) {
  jv *v = jv_arr(A, cap);
  v->flags = JF_SEQ;
  return v;
}

void jv_push(jarena *A, jv *a, jv *v) {
  if (a->u.a.n == a->u.a.cap) {
    size_t nc = a->u.a.cap ? a->u.a.cap * 2 : 4;
    a->u.a.it = ja_grow(A, a->u.a.it, a->u.a.cap * sizeof(jv *), nc * sizeof(jv *));
    a->u.a.cap = nc;
  }
  a->u.a.it[a->u.a.n++] = v;
}

jv *jv_obj(jarena *A, size_t cap) {
  jv *v = jv_new(A, JV_OBJ);
  v->u.o = ja_alloc(A, sizeof(struct jobjd));
  memset(v->u.o, 0, sizeof(struct jobjd));
  if (cap) v->u.o->m = ja_alloc(A, cap * sizeof(jmem));
  v->u.o->cap = cap;
  return v;
}

static uint32_t hkey(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  size_t i;
  for (i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

static void obj_reindex(jarena *A, jv *o) {
  size_t cap = 16, i;
  while (cap < o->u.o->n * 2 + 2) cap *= 2;
  o->u.o->idx = ja_alloc(A, cap * sizeof(uint32_t));
  memset(o->u.o->idx, 0, cap * sizeof(uint32_t));
  o->u.o->icap = cap;
  for (i = 0; i < o->u.o->n; i++) {
    size_t h = hkey(o->u.o->m[i].k, o->u.o->m[i].klen) & (cap - 1);
    while (o->u.o->idx[h]) h = (h + 1) & (cap - 1);
    o->u.o->idx[h] = (uint32_t)(i + 1);
  }
}

static long obj_find(const jv *o, const char *k, size_t klen) {
  size_t i;
  if (!o->u.o->idx) {
    for (i = 0; i < o->u.o->n; i++)
      if (o->u.o->m[i].klen == klen && memcmp(o->u.o->m[i].k, k, klen) == 0) return (long)i;
    return -1;
  } else {
    size_t cap = o->u.o->icap, h = hkey(k, klen) & (cap - 1);
    while (o->u.o->idx[h]) {
      const jmem *m = &o->u.o->m[o->u.o->idx[h] - 1];
      if (m->klen == klen && memcmp(m->k, k, klen) == 0) return (long)o->u.o->idx[h] - 1;
      h = (h + 1) & (cap - 1);
    }
    return -1;
  }
}

jv *jv_get(const jv *o, const char *k, size_t klen) {
  long i = obj_find(o, k, klen);
  return i < 0 ? NULL : o->u.o->m[i].v;
}

void jv_set(jarena *A, jv *o, const char *k, size_t klen, jv *v) {
  long i = obj_find(o, k, klen);
  if (i >= 0) {
    o->u.o->m[i].v = v;
    return;
  }
  if (o->u.o->n == o->u.o->cap) {
    size_t nc = o->u.o->cap ? o->u.o->cap * 2 : 4;
    o->u.o->m = ja_grow(A, o->u.o->m, o->u.o->cap * sizeof(jmem), nc * sizeof(jmem));
    o->u.o->cap = nc;
  }
  o->u.o->m[o->u.o->n].k = k;
  o->u.o->m[o->u.o->n].klen = klen;
  o->u.o->m[o->u.o->n].v = v;
  o->u.o->n++;
  if (o->u.o->n > 8) {
    if (!o->u.o->idx || o->u.o->n * 2 + 2 > o->u.o->icap) {
      obj_reindex(A, o);
    } else {
      size_t cap = o->u.o->icap, h = hkey(k, klen) & (cap - 1);
      while (o->u.o->idx[h]) h = (h + 1) & (cap - 1);
      o->u.o->idx[h] = (uint32_t)o->u.o->n;
    }
  }
}

void jv_del(jv *o, const char *k, size_t klen) {
  long i = obj_find(o, k, klen);
  if (i < 0) return;
  memmove(&o->u.o->m[i], &o->u.o->m[i + 1], (o->u.o->n - (size_t)i - 1) * sizeof(jmem));
  o->u.o->n--;
  o->u.o->idx = NULL; /* linear search from now on: deletions are rare (transforms) */
  o->u.o->icap = 0;
}

/* ---- conversion ---- */

static void too_deep(jarena *A) {
  ja_throw(A, "U1001", "Stack overflow error: value nested too deeply");
}

jv *jv_from_sfn(jarena *A, const sfn_value *v, int depth, int copy) {
  size_t i;
  jv *r;
  if (!v) return NULL;
  if (depth > JV_MAX_NEST) too_deep(A);
  if (A->shared && !copy &&
      ((sfn_type_of(v) == SFN_ARRAY && sfn_array_len(v) >= 16) ||
       (sfn_type_of(v) == SFN_OBJECT && sfn_object_len(v) >= 16))) {
    r = jcache_get(A, v, depth);
    if (r) return r;
  }
  switch (sfn_type_of(v)) {
  case SFN_NULL: return JNULL;
  case SFN_BOOL: return JBOOL(v->u.b);
  case SFN_INT: return jv_num(A, (double)v->u.i);
  case SFN_DOUBLE: return jv_num(A, v->u.d);
  case SFN_STRING:
    return copy ? jv_str(A, sfn_str(v), sfn_strlen(v)) : jv_str_nocopy(A, sfn_str(v), sfn_strlen(v));
  case SFN_ARRAY:
    r = jv_arr(A, sfn_array_len(v));
    for (i = 0; i < sfn_array_len(v); i++) r->u.a.it[i] = jv_from_sfn(A, sfn_array_at(v, i), depth + 1, copy);
    r->u.a.n = sfn_array_len(v);
    if (A->mark_shared) r->flags |= JF_SHARED;
    return r;
  case SFN_OBJECT:
    r = jv_obj(A, sfn_object_len(v));
    for (i = 0; i < sfn_object_len(v); i++) {
      const sfn_value *k = sfn_object_key(v, i);
      const char *kp = copy ? ja_strndup(A, sfn_str(k), sfn_strlen(k)) : sfn_str(k);
      jv_set(A, r, kp, sfn_strlen(k), jv_from_sfn(A, sfn_object_val(v, i), depth + 1, copy));
    }
    return r;
  }
  return NULL;
}

static sfn_value *num_to_sfn(double d) {
  if (d == floor(d) && fabs(d) <= 9007199254740992.0) return sfn_int((int64_t)d);
  return sfn_double(d);
}

/* NULL on OOM (*deep = 0) or when nested too deeply (*deep = 1). */
static sfn_value *to_sfn(const jv *v, int depth, int *deep) {
  size_t i;
  sfn_value *r, *c;
  if (depth > JV_MAX_NEST) {
    *deep = 1;
    return NULL;
  }
  switch (v->t) {
  case JV_NULL: return sfn_null();
  case JV_BOOL: return sfn_bool(v->u.b);
  case JV_NUM:
    if (!isfinite(v->u.n)) {
      *deep = 2;
      return NULL;
    }
    return num_to_sfn(v->u.n);
  case JV_STR: return sfn_string(v->u.s.p, v->u.s.len);
  case JV_ARR:
    r = sfn_array_new(v->u.a.n);
    if (!r) return NULL;
    for (i = 0; i < v->u.a.n; i++) {
      const jv *x = v->u.a.it[i];
      if (!x) continue;
      c = (x->t == JV_FN || x->t == JV_RE) ? sfn_null() : to_sfn(x, depth + 1, deep);
      if (!c || sfn_array_push(r, c) != SFN_OK) {
        sfn_decref(r);
        return NULL;
      }
    }
    return r;
  case JV_OBJ:
    r = sfn_object_new(v->u.o->n);
    if (!r) return NULL;
    for (i = 0; i < v->u.o->n; i++) {
      const jv *x = v->u.o->m[i].v;
      if (!x || x->t == JV_FN || x->t == JV_RE) continue;
      c = to_sfn(x, depth + 1, deep);
      if (!c || sfn_object_set(r, v->u.o->m[i].k, v->u.o->m[i].klen, c) != SFN_OK) {
        sfn_decref(r);
        return NULL;
      }
    }
    return r;
  default: return sfn_string("", 0);
  }
}

sfn_value *jv_to_sfn(jarena *A, const jv *v) {
  int deep = 0;
  sfn_value *r = to_sfn(v, 0, &deep);
  if (!r) {
    if (deep == 2) ja_throw(A, "D1001", "Number out of range: %s", "Infinity");
    if (deep) too_deep(A);
    ja_oom(A);
  }
  return r;
}

/* ---- equality, boolean, clone ---- */

int jv_equal(jarena *A, const jv *a, const jv *b, int depth) {
  size_t i;
  if (a == b) return 1;
  if (!a || !b) return 0;
  if (depth > JV_MAX_NEST) too_deep(A);
  if (a->t != b->t) return 0;
  switch (a->t) {
  case JV_NULL: return 1;
  case JV_BOOL: return a->u.b == b->u.b;
  case JV_NUM: return a->u.n == b->u.n;
  case JV_STR: return a->u.s.len == b->u.s.len && memcmp(a->u.s.p, b->u.s.p, a->u.s.len) == 0;
  case JV_ARR:
    if (a->u.a.n != b->u.a.n) return 0;
    for (i = 0; i < a->u.a.n; i++)
      if (!jv_equal(A, a->u.a.it[i], b->u.a.it[i], depth + 1)) return 0;
    return 1;
  case JV_OBJ:
    if (a->u.o->n != b->u.o->n) return 0;
    for (i = 0; i < a->u.o->n; i++) {
      const jv *bv;
      if (obj_find(b, a->u.o->m[i].k, a->u.o->m[i].klen) < 0) return 0;
      bv = jv_get(b, a->u.o->m[i].k, a->u.o->m[i].klen);
      if (!jv_equal(A, a->u.o->m[i].v, bv, depth + 1)) return 0;
    }
    return 1;
  case JV_FN: return a->u.f == b->u.f;
  case JV_RE: return a->u.re == b->u.re;
  }
  return 0;
}

static int boolean_at(const jv *v, int depth) {
  size_t i;
  if (!v) return -1;
  if (depth > JV_MAX_NEST) return 0;
  switch (v->t) {
  case JV_NULL: return 0;
  case JV_BOOL: return v->u.b;
  case JV_NUM: return v->u.n != 0;
  case JV_STR: return v->u.s.len > 0;
  case JV_ARR:
    if (v->u.a.n == 1) return boolean_at(v->u.a.it[0], depth + 1) == 1;
    for (i = 0; i < v->u.a.n; i++)
      if (boolean_at(v->u.a.it[i], depth + 1) == 1) return 1;
    return 0;
  case JV_OBJ: return v->u.o->n > 0;
  default: return 0;
  }
}

int jv_boolean(const jv *v) {
  return boolean_at(v, 0);
}

jv *jv_clone(jarena *A, const jv *v, int depth) {
  size_t i;
  jv *r;
  if (!v) return NULL;
  if (depth > JV_MAX_NEST) too_deep(A);
  switch (v->t) {
  case JV_ARR:
    r = jv_arr(A, v->u.a.n);
    for (i = 0; i < v->u.a.n; i++) r->u.a.it[i] = jv_clone(A, v->u.a.it[i], depth + 1);
    r->u.a.n = v->u.a.n;
    r->flags = v->flags;
    return r;
  case JV_OBJ:
    r = jv_obj(A, v->u.o->n);
    for (i = 0; i < v->u.o->n; i++) jv_set(A, r, v->u.o->m[i].k, v->u.o->m[i].klen, jv_clone(A, v->u.o->m[i].v, depth + 1));
    return r;
  case JV_NUM: return jv_num(A, v->u.n);
  case JV_STR: return jv_str_nocopy(A, v->u.s.p, v->u.s.len);
  default: return (jv *)v;
  }
}

int jv_is_integer(const jv *v) {
  return v && v->t == JV_NUM && isfinite(v->u.n) && v->u.n == floor(v->u.n);
}

/* ---- numbers as text ---- */

/* Shortest digits that read back as d (d > 0, finite): digits in dig (no
 * point), returns the decimal exponent n with d = 0.dig * 10^n. */
static int shortest(double d, int maxprec, char *dig, int *nd) {
  char tmp[40];
  int p, k = 0, i, e;
  for (p = 1; p <= maxprec; p++) {
    snprintf(tmp, sizeof tmp, "%.*e", p - 1, d);
    if (p == maxprec || strtod(tmp, NULL) == d) break;
  }
  for (i = 0; tmp[i] && tmp[i] != 'e'; i++)
    if (tmp[i] >= '0' && tmp[i] <= '9') dig[k++] = tmp[i];
  e = atoi(tmp + i + 1);
  while (k > 1 && dig[k - 1] == '0') k--;
  dig[k] = '\0';
  *nd = k;
  return e + 1;
}

void jv_fmt_num(char *out, size_t cap, double d) {
  char dig[40], buf[64], *o = buf;
  int nd, n, i;
  if (d == 0) {
    snprintf(out, cap, "0");
    return;
  }
  if (isnan(d)) {
    snprintf(out, cap, "NaN");
    return;
  }
  if (isinf(d)) {
    snprintf(out, cap, d > 0 ? "Infinity" : "-Infinity");
    return;
  }
  if (d < 0) {
    *o++ = '-';
    d = -d;
  }
  n = shortest(d, 17, dig, &nd);
  if (nd <= n && n <= 21) {
    for (i = 0; i < nd; i++) *o++ = dig[i];
    for (; i < n; i++) *o++ = '0';
  } else if (0 < n && n <= 21) {
    for (i = 0; i < n; i++) *o++ = dig[i];
    *o++ = '.';
    for (; i < nd; i++) *o++ = dig[i];
  } else if (-6 < n && n <= 0) {
    *o++ = '0';
    *o++ = '.';
    for (i = 0; i < -n; i++) *o++ = '0';
    for (i = 0; i < nd; i++) *o++ = dig[i];
  } else {
    *o++ = dig[0];
    if (nd > 1) {
      *o++ = '.';
      for (i = 1; i < nd; i++) *o++ = dig[i];
    }
    o += sprintf(o, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
  }
  *o = '\0';
  snprintf(out, cap, "%s", buf);
}

/* Number(d.toPrecision(15)) */
static double prec15(double d) {
  char tmp[40];
  if (d == 0 || !isfinite(d)) return d;
  snprintf(tmp, sizeof tmp, "%.14e", d);
  return strtod(tmp, NULL);
}

static void json_str(jsb *b, const char *s, size_t n) {
  size_t i;
  jsb_addc(b, '"');
  for (i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    switch (ch) {
    case '"': jsb_add(b, "\\\"", 2); break;
    case '\\': jsb_add(b, "\\\\", 2); break;
    case '\b': jsb_add(b, "\\b", 2); break;
    case '\f': jsb_add(b, "\\f", 2); break;
    case '\n': jsb_add(b, "\\n", 2); break;
    case '\r': jsb_add(b, "\\r", 2); break;
    case '\t': jsb_add(b, "\\t", 2); break;
    default:
      if (ch < 0x20) {
        char esc[8];
        snprintf(esc, sizeof esc, "\\u%04x", ch);
        jsb_adds(b, esc);
      }
      else jsb_addc(b, (char)ch);
    }
  }
  jsb_addc(b, '"');
}

static void indent(jsb *b, int pretty, int level) {
  int i;
  if (!pretty) return;
  jsb_addc(b, '\n');
  for (i = 0; i < level; i++) jsb_add(b, "  ", 2);
}

/* JSON.stringify with JSONata's replacer (numbers to 15 digits, functions as
 * ""); undefined members are left out, undefined items are null. */
static void json_val(jarena *A, jsb *b, const jv *v, int pretty, int level) {
  char num[64];
  size_t i;
  int first = 1;
  if (level > JV_MAX_NEST) too_deep(A);
  if (!v) {
    jsb_add(b, "null", 4);
    return;
  }
  switch (v->t) {
  case JV_NULL: jsb_add(b, "null", 4); break;
  case JV_BOOL: jsb_adds(b, v->u.b ? "true" : "false"); break;
  case JV_NUM:
    if (!isfinite(v->u.n)) {
      ja_throw(A, "D1001", "Number out of range: %s", isnan(v->u.n) ? "NaN" : "Infinity");
    } else {
      jv_fmt_num(num, sizeof num, prec15(v->u.n));
      jsb_adds(b, num);
    }
    break;
  case JV_STR: json_str(b, v->u.s.p, v->u.s.len); break;
  case JV_FN:
  case JV_RE: jsb_add(b, "\"\"", 2); break;
  case JV_ARR:
    jsb_addc(b, '[');
    for (i = 0; i < v->u.a.n; i++) {
      if (i) jsb_addc(b, ',');
      indent(b, pretty, level + 1);
      json_val(A, b, v->u.a.it[i], pretty, level + 1);
    }
    if (v->u.a.n) indent(b, pretty, level);
    jsb_addc(b, ']');
    break;
  case JV_OBJ:
    jsb_addc(b, '{');
    for (i = 0; i < v->u.o->n; i++) {
      if (!v->u.o->m[i].v) continue;
      if (!first) jsb_addc(b, ',');
      first = 0;
      indent(b, pretty, level + 1);
      json_str(b, v->u.o->m[i].k, v->u.o->m[i].klen);
      jsb_addc(b, ':');
      if (pretty) jsb_addc(b, ' ');
      json_val(A, b, v->u.o->m[i].v, pretty, level + 1);
    }
    if (!first) indent(b, pretty, level);
    jsb_addc(b, '}');
    break;
  }
}

static jv *buf_to_str(jarena *A, jsb *b) {
  if (!b->p) return jv_str(A, "", 0);
  return jv_str_nocopy(A, b->p, b->n);
}

jv *jv_stringify(jarena *A, const jv *v, int pretty) {
  jsb b;
  char num[64];
  if (!v) return NULL;
  if (v->t == JV_STR) return (jv *)v;
  if (v->t == JV_FN || v->t == JV_RE) return jv_str(A, "", 0);
  if (v->t == JV_NUM) {
    jv_fmt_num(num, sizeof num, prec15(v->u.n));
    return jv_str(A, num, strlen(num));
  }
  jsb_init(&b, A);
  json_val(A, &b, v, pretty, 0);
  return buf_to_str(A, &b);
}

const char *jv_describe(jarena *A, const jv *v) {
  jsb b;
  jv *s;
  if (!v) return "undefined";
  if (v->t == JV_FN || v->t == JV_RE) return "function";
  jsb_init(&b, A);
  json_val(A, &b, v, 0, 0);
  s = buf_to_str(A, &b);
  return s->u.s.p;
}

/* ---- frames ---- */

jframe *jframe_new(jarena *A, jframe *parent) {
  jframe *f = ja_alloc(A, sizeof *f);
  f->parent = parent;
  f->n = f->cap = 0;
  f->b = NULL;
  return f;
}

void jframe_bind(jarena *A, jframe *f, const char *name, size_t len, jv *v) {
  size_t i;
  for (i = 0; i < f->n; i++)
    if (f->b[i].len == len && memcmp(f->b[i].name, name, len) == 0) {
      f->b[i].v = v;
      return;
    }
  if (f->n == f->cap) {
    size_t nc = f->cap ? f->cap * 2 : 4;
    f->b = ja_grow(A, f->b, f->cap * sizeof(jbind), nc * sizeof(jbind));
    f->cap = nc;
  }
  f->b[f->n].name = name;
  f->b[f->n].len = len;
  f->b[f->n].v = v;
  f->n++;
}

int jframe_find(const jframe *f, const char *name, size_t len, jv **out) {
  size_t i;
  for (; f; f = f->parent)
    for (i = 0; i < f->n; i++)
      if (f->b[i].len == len && memcmp(f->b[i].name, name, len) == 0) {
        *out = f->b[i].v;
        return 1;
      }
  return 0;
}
