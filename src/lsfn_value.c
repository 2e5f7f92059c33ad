/*
 * lsfn_value.c: conversion between Lua values and sfn_value (rules in
 * lsfn.h), the sfn.value holder userdata, the sfn.int64 box used on LuaJIT,
 * and error tables.
 */
#include "lsfn.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 512
#define SAFE_INT 9007199254740992LL /* 2^53 */

/* ---- sfn.int64 (LuaJIT only needs it; harmless elsewhere) ---- */

static int int64_tostring(lua_State *L) {
  int64_t *p = luaL_checkudata(L, 1, LSFN_INT64_MT);
  char buf[32];
  snprintf(buf, sizeof buf, "%" PRId64, *p);
  lua_pushstring(L, buf);
  return 1;
}

static int int64_get(lua_State *L, int idx, int64_t *out) {
  int64_t *p = luaL_testudata(L, idx, LSFN_INT64_MT);
  if (p) {
    *out = *p;
    return 1;
  }
  if (lua_type(L, idx) == LUA_TNUMBER) {
    *out = (int64_t)lua_tonumber(L, idx);
    return 1;
  }
  return 0;
}

static int int64_eq(lua_State *L) {
  int64_t a, b;
  lua_pushboolean(L, int64_get(L, 1, &a) && int64_get(L, 2, &b) && a == b);
  return 1;
}

static int int64_lt(lua_State *L) {
  int64_t a = 0, b = 0;
  int64_get(L, 1, &a);
  int64_get(L, 2, &b);
  lua_pushboolean(L, a < b);
  return 1;
}

static int int64_le(lua_State *L) {
  int64_t a = 0, b = 0;
  int64_get(L, 1, &a);
  int64_get(L, 2, &b);
  lua_pushboolean(L, a <= b);
  return 1;
}

static void push_int(lua_State *L, int64_t i) {
#if LSFN_HAS_INTEGER
  lua_pushinteger(L, (lua_Integer)i);
#else
  if (i >= -SAFE_INT && i <= SAFE_INT) {
    lua_pushnumber(L, (lua_Number)i);
  } else {
    int64_t *p = lua_newuserdata(L, sizeof(int64_t));
    *p = i;
    luaL_setmetatable(L, LSFN_INT64_MT);
  }
#endif
}

/* ---- sfn_value -> Lua ---- */

void lsfn_push_value(lua_State *L, const sfn_value *v) {
  size_t i, n;
  switch (sfn_type_of(v)) {
    case SFN_NULL: lua_pushlightuserdata(L, NULL); break;
    case SFN_BOOL: lua_pushboolean(L, v->u.b); break;
    case SFN_INT: push_int(L, v->u.i); break;
    case SFN_DOUBLE: lua_pushnumber(L, (lua_Number)v->u.d); break;
    case SFN_STRING: lua_pushlstring(L, sfn_str(v), sfn_strlen(v)); break;
    case SFN_ARRAY:
      n = sfn_array_len(v);
      luaL_checkstack(L, 4, "JSON value too deep");
      lua_createtable(L, (int)n, 0);
      for (i = 0; i < n; i++) {
        lsfn_push_value(L, sfn_array_at(v, i));
        lua_rawseti(L, -2, (int)i + 1);
      }
      luaL_setmetatable(L, LSFN_ARRAY_MT);
      break;
    case SFN_OBJECT:
      n = sfn_object_len(v);
      luaL_checkstack(L, 4, "JSON value too deep");
      lua_createtable(L, 0, (int)n);
      for (i = 0; i < n; i++) {
        sfn_value *k = sfn_object_key(v, i);
        lua_pushlstring(L, sfn_str(k), sfn_strlen(k));
        lsfn_push_value(L, sfn_object_val(v, i));
        lua_rawset(L, -3);
      }
      break;
  }
}

/* ---- Lua -> sfn_value ---- */

/* Object keys seen during one conversion (direct-mapped by hash): arrays of
 * similar tables share one string value per key, as the JSON decoder does. */
#define KEY_CACHE 256
#define KEYCACHE_MT "sfn.keycache"
typedef struct conv {
  sfn_error *err;
  sfn_value *keys[KEY_CACHE];
} conv;

static sfn_value *to_value(lua_State *L, int idx, int depth, conv *cv);

static sfn_value *key_value(conv *cv, const char *k, size_t kl) {
  uint32_t h;
  sfn_value **slot, *v;
  if (kl > 64) return sfn_string(k, kl);
  h = sfn_hash(k, kl);
  slot = &cv->keys[h & (KEY_CACHE - 1)];
  if (*slot && sfn_strlen(*slot) == kl && memcmp(sfn_str(*slot), k, kl) == 0) return sfn_incref(*slot);
  v = sfn_string(k, kl);
  if (!v) return NULL;
  v->u.s.hash = h;
  sfn_decref(*slot);
  *slot = sfn_incref(v);
  return v;
}

static int is_array_table(lua_State *L, int idx, size_t *len) {
  size_t n = 0, max = 0;
  if (lua_getmetatable(L, idx)) {
    int is = 0;
    luaL_getmetatable(L, LSFN_ARRAY_MT);
    is = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    if (is) {
      *len = lsfn_rawlen(L, idx);
      return 1;
    }
  }
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TNUMBER) {
      lua_Number k = lua_tonumber(L, -1);
      if (k >= 1 && floor(k) == k) {
        n++;
        if ((size_t)k > max) max = (size_t)k;
        continue;
      }
    }
    lua_pop(L, 1);
    return 0;
  }
  if (n == 0 || max != n) return 0;
  *len = n;
  return 1;
}

static int cmp_keys(const void *a, const void *b) {
  const sfn_value *x = *(sfn_value *const *)a, *y = *(sfn_value *const *)b;
  size_t n = sfn_strlen(x) < sfn_strlen(y) ? sfn_strlen(x) : sfn_strlen(y);
  int c = memcmp(sfn_str(x), sfn_str(y), n);
  if (c) return c;
  return sfn_strlen(x) < sfn_strlen(y) ? -1 : sfn_strlen(x) > sfn_strlen(y);
}

static sfn_value *table_to_object(lua_State *L, int idx, int depth, conv *cv) {
  sfn_error *err = cv->err;
  sfn_value *keys = sfn_array_new(0), *o = NULL;
  size_t i;
  if (!keys) goto oom;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) {
      sfn_error_set(err, "InvalidValue", "cannot convert a table with %s keys to a JSON object",
                    luaL_typename(L, -1));
      lua_pop(L, 1);
      goto fail;
    }
    {
      size_t kl;
      const char *k = lua_tolstring(L, -1, &kl);
      if (sfn_array_push(keys, key_value(cv, k, kl)) != SFN_OK) {
        lua_pop(L, 1);
        goto oom;
      }
    }
  }
  if (sfn_array_len(keys) > 1)
    qsort(keys->u.a.items, sfn_array_len(keys), sizeof(sfn_value *), cmp_keys);
  o = sfn_object_new(sfn_array_len(keys));
  if (!o) goto oom;
  for (i = 0; i < sfn_array_len(keys); i++) {
    sfn_value *k = sfn_array_at(keys, i), *v;
    lua_pushlstring(L, sfn_str(k), sfn_strlen(k));
    lua_rawget(L, idx);
    v = to_value(L, lua_gettop(L), depth + 1, cv);
    lua_pop(L, 1);
    if (!v) goto fail;
    if (sfn_object_setk(o, k, v) != SFN_OK) goto oom;
  }
  sfn_decref(keys);
  return o;
oom:
  sfn_error_oom(err);
fail:
  sfn_decref(keys);
  sfn_decref(o);
  return NULL;
}

static sfn_value *to_value(lua_State *L, int idx, int depth, conv *cv) {
  sfn_error *err = cv->err;
  if (depth > MAX_DEPTH) {
    sfn_error_set(err, "InvalidValue", "value nested too deeply (or a cycle) beyond %d levels",
                  MAX_DEPTH);
    return NULL;
  }
  switch (lua_type(L, idx)) {
    case LUA_TNIL: return sfn_null();
    case LUA_TBOOLEAN: return sfn_bool(lua_toboolean(L, idx));
    case LUA_TLIGHTUSERDATA:
      if (lua_touserdata(L, idx) == NULL) return sfn_null();
      break;
    case LUA_TNUMBER: {
      lua_Number d;
      sfn_value *v;
#if LSFN_HAS_INTEGER
      if (lsfn_isinteger(L, idx)) {
        v = sfn_int((int64_t)lua_tointeger(L, idx));
        if (!v) sfn_error_oom(err);
        return v;
      }
#endif
      d = lua_tonumber(L, idx);
      if (isnan(d) || isinf(d)) {
        sfn_error_set(err, "InvalidValue", "cannot convert %s to JSON", isnan(d) ? "NaN" : "inf");
        return NULL;
      }
#if !LSFN_HAS_INTEGER
      if (floor(d) == d && d >= -(double)SAFE_INT && d <= (double)SAFE_INT)
        v = sfn_int((int64_t)d);
      else
#endif
        v = sfn_double((double)d);
      if (!v) sfn_error_oom(err);
      return v;
    }
    case LUA_TSTRING: {
      size_t len;
      const char *s = lua_tolstring(L, idx, &len);
      sfn_value *v = sfn_string(s, len);
      if (!v) sfn_error_oom(err);
      return v;
    }
    case LUA_TUSERDATA: {
      int64_t *p = luaL_testudata(L, idx, LSFN_INT64_MT);
      sfn_value *h;
      if (p) {
        sfn_value *v = sfn_int(*p);
        if (!v) sfn_error_oom(err);
        return v;
      }
      h = luaL_testudata(L, idx, LSFN_VALUE_MT) ? lsfn_check_holder(L, idx) : NULL;
      if (h) return sfn_incref(h);
      break;
    }
    case LUA_TTABLE: {
      size_t n, i;
      sfn_value *a;
      luaL_checkstack(L, 6, "value nested too deeply");
      if (idx < 0) idx = lua_gettop(L) + idx + 1;
      if (!is_array_table(L, idx, &n)) return table_to_object(L, idx, depth, cv);
      a = sfn_array_new(n);
      if (!a) {
        sfn_error_oom(err);
        return NULL;
      }
      for (i = 1; i <= n; i++) {
        sfn_value *v;
        lua_rawgeti(L, idx, (int)i);
        v = to_value(L, lua_gettop(L), depth + 1, cv);
        lua_pop(L, 1);
        if (!v || sfn_array_push(a, v) != SFN_OK) {
          if (v) sfn_error_oom(err);
          sfn_decref(a);
          return NULL;
        }
      }
      return a;
    }
    default:
      break;
  }
  sfn_error_set(err, "InvalidValue", "cannot convert a %s to JSON", luaL_typename(L, idx));
  return NULL;
}

sfn_value *lsfn_to_value(lua_State *L, int idx, sfn_error *err) {
  if (idx < 0) idx = lua_gettop(L) + idx + 1;
  {
    /* The key cache lives in a userdata: a Lua error mid-way (stack
     * overflow, memory) leaves its references to __gc. */
    conv *cv;
    sfn_value *v;
    size_t i;
    if (lua_type(L, idx) != LUA_TTABLE) {
      conv plain;
      plain.err = err;
      memset(plain.keys, 0, sizeof plain.keys);
      return to_value(L, idx, 0, &plain);
    }
    cv = lua_newuserdata(L, sizeof *cv);
    cv->err = err;
    memset(cv->keys, 0, sizeof cv->keys);
    luaL_setmetatable(L, KEYCACHE_MT);
    v = to_value(L, idx, 0, cv);
    for (i = 0; i < KEY_CACHE; i++) {
      sfn_decref(cv->keys[i]);
      cv->keys[i] = NULL;
    }
    lua_pop(L, 1);
    return v;
  }
}

/* ---- sfn.value holder ---- */

void lsfn_push_holder(lua_State *L, sfn_value *v) {
  sfn_value **p = lua_newuserdata(L, sizeof(sfn_value *));
  *p = v;
  luaL_setmetatable(L, LSFN_VALUE_MT);
}

sfn_value *lsfn_check_holder(lua_State *L, int idx) {
  sfn_value **p = luaL_checkudata(L, idx, LSFN_VALUE_MT);
  if (!*p) luaL_argerror(L, idx, "value already released");
  return *p;
}

static int keycache_gc(lua_State *L) {
  conv *cv = luaL_checkudata(L, 1, KEYCACHE_MT);
  size_t i;
  for (i = 0; i < KEY_CACHE; i++) {
    sfn_decref(cv->keys[i]);
    cv->keys[i] = NULL;
  }
  return 0;
}

static int holder_gc(lua_State *L) {
  sfn_value **p = luaL_checkudata(L, 1, LSFN_VALUE_MT);
  if (*p) sfn_decref(*p);
  *p = NULL;
  return 0;
}

/* ---- errors ---- */

void lsfn_push_error(lua_State *L, const sfn_error *err) {
  lua_createtable(L, 0, 4);
  lua_pushstring(L, err->code[0] ? err->code : "Error");
  lua_setfield(L, -2, "code");
  lua_pushstring(L, err->message ? err->message : (err->code[0] ? err->code : "error"));
  lua_setfield(L, -2, "message");
  if (err->line) {
    lua_pushinteger(L, err->line);
    lua_setfield(L, -2, "line");
    lua_pushinteger(L, err->column);
    lua_setfield(L, -2, "column");
  }
}

int lsfn_fail(lua_State *L, sfn_error *err) {
  lua_pushnil(L);
  lsfn_push_error(L, err);
  sfn_error_clear(err);
  return 2;
}

/* core.to_value(x): round-trip a Lua value through sfn_value (for tests). */
static int l_roundtrip(lua_State *L) {
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_value *v = lsfn_to_value(L, 1, &err);
  if (!v) return lsfn_fail(L, &err);
  lsfn_push_holder(L, v);
  lsfn_push_value(L, v);
  return 1;
}

void lsfn_open_value(lua_State *L) {
  static const luaL_Reg int64_m[] = {{"__tostring", int64_tostring},
                                     {"__eq", int64_eq},
                                     {"__lt", int64_lt},
                                     {"__le", int64_le},
                                     {NULL, NULL}};
  static const luaL_Reg f[] = {{"roundtrip", l_roundtrip}, {NULL, NULL}};
  luaL_newmetatable(L, LSFN_ARRAY_MT);
  lua_pushliteral(L, "array");
  lua_setfield(L, -2, "__name");
  lua_setfield(L, -2, "array_mt");
  luaL_newmetatable(L, LSFN_INT64_MT);
  luaL_setfuncs(L, int64_m, 0);
  lua_setfield(L, -2, "int64_mt");
  luaL_newmetatable(L, LSFN_VALUE_MT);
  lua_pushcfunction(L, holder_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  luaL_newmetatable(L, KEYCACHE_MT);
  lua_pushcfunction(L, keycache_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  lua_pushlightuserdata(L, NULL);
  lua_setfield(L, -2, "null");
  luaL_setfuncs(L, f, 0);
}
