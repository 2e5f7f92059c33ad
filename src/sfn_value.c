/*
 * sfn_value.c: construction, reference counting, lookup and equality of
 * engine values (see sfn_value.h for the ownership rules).
 *
 * Object index: once an object has more than INDEX_MIN members it gets an
 * open-addressing table (linear probing, capacity a power of two, at most
 * half full) mapping the key hash to position + 1; 0 marks an empty slot.
 * Members are never removed, so no tombstones are needed.
 */
#include "sfn_value.h"

#include <stddef.h>
#include <string.h>

#define INDEX_MIN 8

static sfn_value null_v = {SFN_RC_STATIC, SFN_NULL, {0}};
static sfn_value true_v = {SFN_RC_STATIC, SFN_BOOL, {.b = 1}};
static sfn_value false_v = {SFN_RC_STATIC, SFN_BOOL, {.b = 0}};

sfn_value *sfn_null(void) { return &null_v; }
sfn_value *sfn_true(void) { return &true_v; }
sfn_value *sfn_false(void) { return &false_v; }
sfn_value *sfn_bool(int b) { return b ? &true_v : &false_v; }

/* Scalars and strings allocate only the header and their own union member
 * (as Lua's TString does): a number costs 16 bytes, not sizeof(sfn_value).
 * Only the members of v's type are ever touched. */
#define HEADER_SIZE offsetof(sfn_value, u)

static sfn_value *value_new(sfn_type t, size_t extra) {
  size_t size;
  sfn_value *v;
  switch (t) {
    case SFN_INT: size = HEADER_SIZE + sizeof(int64_t); break;
    case SFN_DOUBLE: size = HEADER_SIZE + sizeof(double); break;
    case SFN_STRING: size = HEADER_SIZE + sizeof(((sfn_value *)0)->u.s) + extra; break;
    default: size = sizeof(sfn_value) + extra; break;
  }
  v = sfn_malloc(size);
  if (!v) return NULL;
  v->rc = 1;
  v->type = (uint8_t)t;
  return v;
}

sfn_value *sfn_int(int64_t i) {
  sfn_value *v = value_new(SFN_INT, 0);
  if (v) v->u.i = i;
  return v;
}

sfn_value *sfn_double(double d) {
  sfn_value *v = value_new(SFN_DOUBLE, 0);
  if (v) v->u.d = d;
  return v;
}

sfn_value *sfn_string_alloc(size_t len) {
  sfn_value *v;
  if (len > 0xFFFFFFF0u) return NULL;
  v = value_new(SFN_STRING, len + 1);
  if (!v) return NULL;
  v->u.s.len = (uint32_t)len;
  v->u.s.hash = 0;
  v->u.s.data = (char *)&v->u.s + sizeof v->u.s;
  v->u.s.data[len] = '\0';
  return v;
}

sfn_value *sfn_string(const char *s, size_t len) {
  sfn_value *v = sfn_string_alloc(len);
  if (v && len) memcpy(v->u.s.data, s, len);
  return v;
}

sfn_value *sfn_cstring(const char *s) { return sfn_string(s, strlen(s)); }

uint32_t sfn_hash(const char *s, size_t len) {
  uint32_t h = 2166136261u;
  size_t i;
  for (i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 16777619u;
  }
  return h ? h : 1;
}

static uint32_t string_hash(sfn_value *k) {
  if (!k->u.s.hash) k->u.s.hash = sfn_hash(k->u.s.data, k->u.s.len);
  return k->u.s.hash;
}

sfn_value *sfn_incref(sfn_value *v) {
  if (v && v->rc != SFN_RC_STATIC) v->rc++;
  return v;
}

void sfn_decref(sfn_value *v) {
  uint32_t i;
  if (!v || v->rc == SFN_RC_STATIC) return;
  if (--v->rc > 0) return;
  switch (v->type) {
    case SFN_ARRAY:
      for (i = 0; i < v->u.a.n; i++) sfn_decref(v->u.a.items[i]);
      sfn_free(v->u.a.items);
      break;
    case SFN_OBJECT:
      for (i = 0; i < v->u.o.n; i++) {
        sfn_decref(v->u.o.m[i].key);
        sfn_decref(v->u.o.m[i].val);
      }
      sfn_free(v->u.o.m);
      sfn_free(v->u.o.index);
      break;
    default:
      break;
  }
  sfn_free(v);
}

sfn_value *sfn_array_new(size_t cap) {
  sfn_value *v = value_new(SFN_ARRAY, 0);
  if (!v) return NULL;
  v->u.a.n = 0;
  v->u.a.cap = 0;
  v->u.a.items = NULL;
  if (cap) {
    v->u.a.items = sfn_malloc(cap * sizeof(sfn_value *));
    if (!v->u.a.items) {
      sfn_free(v);
      return NULL;
    }
    v->u.a.cap = (uint32_t)cap;
  }
  return v;
}

int sfn_array_push(sfn_value *a, sfn_value *v) {
  if (!v) return SFN_ERR;
  if (a->u.a.n == a->u.a.cap) {
    uint32_t cap = a->u.a.cap ? a->u.a.cap * 2 : 4;
    sfn_value **items = sfn_realloc(a->u.a.items, cap * sizeof(sfn_value *));
    if (!items) {
      sfn_decref(v);
      return SFN_ERR;
    }
    a->u.a.items = items;
    a->u.a.cap = cap;
  }
  a->u.a.items[a->u.a.n++] = v;
  return SFN_OK;
}

sfn_value *sfn_object_new(size_t cap) {
  sfn_value *v = value_new(SFN_OBJECT, 0);
  if (!v) return NULL;
  v->u.o.n = 0;
  v->u.o.cap = 0;
  v->u.o.m = NULL;
  v->u.o.index = NULL;
  v->u.o.index_cap = 0;
  if (cap) {
    v->u.o.m = sfn_malloc(cap * sizeof(sfn_member));
    if (!v->u.o.m) {
      sfn_free(v);
      return NULL;
    }
    v->u.o.cap = (uint32_t)cap;
  }
  return v;
}

/* Rebuild the index with capacity `cap` (a power of two > 2n). */
static int index_build(sfn_value *o, uint32_t cap) {
  uint32_t *idx = sfn_malloc(cap * sizeof(uint32_t)), i;
  if (!idx) return SFN_ERR;
  memset(idx, 0, cap * sizeof(uint32_t));
  for (i = 0; i < o->u.o.n; i++) {
    uint32_t h = string_hash(o->u.o.m[i].key) & (cap - 1);
    while (idx[h]) h = (h + 1) & (cap - 1);
    idx[h] = i + 1;
  }
  sfn_free(o->u.o.index);
  o->u.o.index = idx;
  o->u.o.index_cap = cap;
  return SFN_OK;
}

long sfn_object_find(const sfn_value *o, const char *key, size_t klen) {
  uint32_t i;
  if (o->u.o.index) {
    uint32_t mask = o->u.o.index_cap - 1, h = sfn_hash(key, klen) & mask, p;
    while ((p = o->u.o.index[h]) != 0) {
      sfn_value *k = o->u.o.m[p - 1].key;
      if (k->u.s.len == klen && memcmp(k->u.s.data, key, klen) == 0) return (long)p - 1;
      h = (h + 1) & mask;
    }
    return -1;
  }
  for (i = 0; i < o->u.o.n; i++) {
    sfn_value *k = o->u.o.m[i].key;
    if (k->u.s.len == klen && memcmp(k->u.s.data, key, klen) == 0) return (long)i;
  }
  return -1;
}

sfn_value *sfn_object_get(const sfn_value *o, const char *key, size_t klen) {
  long i = sfn_object_find(o, key, klen);
  return i < 0 ? NULL : o->u.o.m[i].val;
}

sfn_value *sfn_object_gets(const sfn_value *o, const char *key) {
  return sfn_object_get(o, key, strlen(key));
}

/* Append a member (key not present); steals v and key. */
static int object_append(sfn_value *o, sfn_value *key, sfn_value *v) {
  if (o->u.o.n == o->u.o.cap) {
    uint32_t cap = o->u.o.cap ? o->u.o.cap * 2 : 4;
    sfn_member *m = sfn_realloc(o->u.o.m, cap * sizeof(sfn_member));
    if (!m) goto fail;
    o->u.o.m = m;
    o->u.o.cap = cap;
  }
  o->u.o.m[o->u.o.n].key = key;
  o->u.o.m[o->u.o.n].val = v;
  o->u.o.n++;
  if (o->u.o.index) {
    if (o->u.o.n * 2 > o->u.o.index_cap) {
      if (index_build(o, o->u.o.index_cap * 2) != SFN_OK) goto unindexed;
    } else {
      uint32_t mask = o->u.o.index_cap - 1, h = string_hash(key) & mask;
      while (o->u.o.index[h]) h = (h + 1) & mask;
      o->u.o.index[h] = o->u.o.n;
    }
  } else if (o->u.o.n > INDEX_MIN) {
    uint32_t cap = 32;
    while (cap < o->u.o.n * 2) cap *= 2;
    if (index_build(o, cap) != SFN_OK) goto unindexed;
  }
  return SFN_OK;
unindexed:
  /* Lookups still work by linear scan without an index. */
  sfn_free(o->u.o.index);
  o->u.o.index = NULL;
  o->u.o.index_cap = 0;
  return SFN_OK;
fail:
  sfn_decref(key);
  sfn_decref(v);
  return SFN_ERR;
}

int sfn_object_setk(sfn_value *o, sfn_value *key, sfn_value *v) {
  long i;
  if (!v) return SFN_ERR;
  i = sfn_object_find(o, key->u.s.data, key->u.s.len);
  if (i >= 0) {
    sfn_decref(o->u.o.m[i].val);
    o->u.o.m[i].val = v;
    return SFN_OK;
  }
  return object_append(o, sfn_incref(key), v);
}

int sfn_object_set(sfn_value *o, const char *key, size_t klen, sfn_value *v) {
  long i;
  sfn_value *k;
  if (!v) return SFN_ERR;
  i = sfn_object_find(o, key, klen);
  if (i >= 0) {
    sfn_decref(o->u.o.m[i].val);
    o->u.o.m[i].val = v;
    return SFN_OK;
  }
  k = sfn_string(key, klen);
  if (!k) {
    sfn_decref(v);
    return SFN_ERR;
  }
  return object_append(o, k, v);
}

int sfn_object_sets(sfn_value *o, const char *key, sfn_value *v) {
  return sfn_object_set(o, key, strlen(key), v);
}

sfn_value *sfn_value_copy(const sfn_value *v, size_t extra) {
  sfn_value *c;
  uint32_t i;
  switch (v->type) {
    case SFN_ARRAY:
      c = sfn_array_new(v->u.a.n + extra);
      if (!c) return NULL;
      for (i = 0; i < v->u.a.n; i++) c->u.a.items[i] = sfn_incref(v->u.a.items[i]);
      c->u.a.n = v->u.a.n;
      return c;
    case SFN_OBJECT:
      c = sfn_object_new(v->u.o.n + extra);
      if (!c) return NULL;
      for (i = 0; i < v->u.o.n; i++) {
        c->u.o.m[i].key = sfn_incref(v->u.o.m[i].key);
        c->u.o.m[i].val = sfn_incref(v->u.o.m[i].val);
      }
      c->u.o.n = v->u.o.n;
      if (v->u.o.index) {
        uint32_t *idx = sfn_malloc(v->u.o.index_cap * sizeof(uint32_t));
        if (idx) {
          memcpy(idx, v->u.o.index, v->u.o.index_cap * sizeof(uint32_t));
          c->u.o.index = idx;
          c->u.o.index_cap = v->u.o.index_cap;
        }
      }
      return c;
    default:
      return sfn_incref((sfn_value *)v);
  }
}

double sfn_number(const sfn_value *v) {
  return v->type == SFN_INT ? (double)v->u.i : v->type == SFN_DOUBLE ? v->u.d : 0.0;
}

int sfn_value_equal(const sfn_value *a, const sfn_value *b) {
  uint32_t i;
  if (a == b) return 1;
  if (sfn_is_number(a) && sfn_is_number(b)) {
    if (a->type == SFN_INT && b->type == SFN_INT) return a->u.i == b->u.i;
    return sfn_number(a) == sfn_number(b);
  }
  if (a->type != b->type) return 0;
  switch (a->type) {
    case SFN_NULL: return 1;
    case SFN_BOOL: return a->u.b == b->u.b;
    case SFN_STRING:
      return a->u.s.len == b->u.s.len && memcmp(a->u.s.data, b->u.s.data, a->u.s.len) == 0;
    case SFN_ARRAY:
      if (a->u.a.n != b->u.a.n) return 0;
      for (i = 0; i < a->u.a.n; i++)
        if (!sfn_value_equal(a->u.a.items[i], b->u.a.items[i])) return 0;
      return 1;
    case SFN_OBJECT:
      if (a->u.o.n != b->u.o.n) return 0;
      for (i = 0; i < a->u.o.n; i++) {
        sfn_value *k = a->u.o.m[i].key;
        sfn_value *bv = sfn_object_get(b, k->u.s.data, k->u.s.len);
        if (!bv || !sfn_value_equal(a->u.o.m[i].val, bv)) return 0;
      }
      return 1;
    default:
      return 0;
  }
}
