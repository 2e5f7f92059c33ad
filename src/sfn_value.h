/*
 * sfn_value.h: the engine's JSON value type.
 *
 * A value is reference-counted and immutable once it has been shared.  While
 * a builder holds the only reference (refcount 1, not yet handed out) it may
 * append to arrays and set object members; after that nobody mutates it.
 *
 * Ownership conventions used across the core:
 *   - constructors return a new reference (refcount 1) or NULL on OOM;
 *   - container inserts (sfn_array_push, sfn_object_set) STEAL the value
 *     passed in, also when they fail (it is released);
 *   - getters return BORROWED references, valid while the container lives.
 * null, true and false are static singletons: incref/decref ignore them.
 *
 * Integers and doubles are kept apart: JSON "1" is SFN_INT, "1.0" SFN_DOUBLE.
 * Objects keep insertion order; lookups are hashed once an object has more
 * than a few members.  Strings are UTF-8, length-counted, NUL-terminated.
 */
#ifndef SFN_VALUE_H
#define SFN_VALUE_H

#include "sfn_core.h"

typedef enum sfn_type {
  SFN_NULL = 0,
  SFN_BOOL,
  SFN_INT,
  SFN_DOUBLE,
  SFN_STRING,
  SFN_ARRAY,
  SFN_OBJECT
} sfn_type;

typedef struct sfn_value sfn_value;

typedef struct sfn_member {
  sfn_value *key; /* an SFN_STRING */
  sfn_value *val;
} sfn_member;

struct sfn_value {
  uint32_t rc;  /* reference count; SFN_RC_STATIC for singletons */
  uint8_t type; /* sfn_type */
  union {
    int b;
    int64_t i;
    double d;
    struct {
      uint32_t len;
      uint32_t hash; /* 0 = not computed yet */
      char *data;    /* points just past the struct */
    } s;
    struct {
      uint32_t n, cap;
      sfn_value **items;
    } a;
    struct {
      uint32_t n, cap;
      sfn_member *m;
      uint32_t *index; /* open-addressing table of member positions + 1, or NULL */
      uint32_t index_cap;
    } o;
  } u;
};

#define SFN_RC_STATIC 0xFFFFFFFFu

/* Accessors (no checks: the caller knows the type). */
#define sfn_type_of(v) ((sfn_type)(v)->type)
#define sfn_str(v) ((v)->u.s.data)
#define sfn_strlen(v) ((size_t)(v)->u.s.len)
#define sfn_array_len(v) ((size_t)(v)->u.a.n)
#define sfn_array_at(v, i) ((v)->u.a.items[(i)])
#define sfn_object_len(v) ((size_t)(v)->u.o.n)
#define sfn_object_key(v, i) ((v)->u.o.m[(i)].key)
#define sfn_object_val(v, i) ((v)->u.o.m[(i)].val)
#define sfn_is_number(v) ((v)->type == SFN_INT || (v)->type == SFN_DOUBLE)

/* Scalars. */
sfn_value *sfn_null(void);
sfn_value *sfn_true(void);
sfn_value *sfn_false(void);
sfn_value *sfn_bool(int b);
sfn_value *sfn_int(int64_t i);
sfn_value *sfn_double(double d);
sfn_value *sfn_string(const char *s, size_t len);
sfn_value *sfn_cstring(const char *s);
/* A string of len bytes whose contents the caller fills before sharing. */
sfn_value *sfn_string_alloc(size_t len);

/* Reference counting (NULL-safe). */
sfn_value *sfn_incref(sfn_value *v);
void sfn_decref(sfn_value *v);

/* Arrays. */
sfn_value *sfn_array_new(size_t cap);
int sfn_array_push(sfn_value *a, sfn_value *v); /* steals v */

/* Objects. */
sfn_value *sfn_object_new(size_t cap);
/* Set key to v (steals v).  An existing key keeps its position. */
int sfn_object_set(sfn_value *o, const char *key, size_t klen, sfn_value *v);
int sfn_object_setk(sfn_value *o, sfn_value *key, sfn_value *v); /* steals v, increfs key */
int sfn_object_sets(sfn_value *o, const char *key, sfn_value *v); /* NUL-terminated key */
sfn_value *sfn_object_get(const sfn_value *o, const char *key, size_t klen); /* borrowed */
sfn_value *sfn_object_gets(const sfn_value *o, const char *key);           /* borrowed */
/* Index of key or -1. */
long sfn_object_find(const sfn_value *o, const char *key, size_t klen);

/* A shallow copy (children shared) with room for `extra` more members/items. */
sfn_value *sfn_value_copy(const sfn_value *v, size_t extra);

/* Deep structural equality: objects compare regardless of key order, numbers by value. */
int sfn_value_equal(const sfn_value *a, const sfn_value *b);

/* Numeric value as double (INT or DOUBLE). */
double sfn_number(const sfn_value *v);

/* String hash (FNV-1a), shared by object indexes. */
uint32_t sfn_hash(const char *s, size_t len);

#endif
