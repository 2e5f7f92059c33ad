/*
 * lsfn_jsonata.c: Lua binding of the JSONata evaluator, for specs and
 * tools (the engine calls the C API):
 *
 *   core.jsonata_eval(expr, input_json_or_nil, bindings_or_nil [, opts])
 *       -> result JSON text | nil (undefined) | nil, {code=, message=, column=}
 *
 * bindings: a table name -> Lua value (converted as sfn.json values), or the
 * JSON text of an object.  opts: {max_depth=, max_steps=, now_ms=, seed=}.
 * Misuse (wrong argument types) raises; JSONata errors return nil, err.
 */
#include "lsfn.h"
#include "sfn_json.h"
#include "sfn_jsonata.h"

#include <string.h>

#define JEVAL_MT "sfn.jsonata_eval"

/* Everything one call allocates, owned by a userdata (freed by __gc). */
typedef struct jeval_holder {
  sfn_jsonata *e;
  sfn_value *input, *bindings, *result;
  char *json;
} jeval_holder;

static void holder_release(jeval_holder *h) {
  sfn_jsonata_free(h->e);
  sfn_decref(h->input);
  sfn_decref(h->bindings);
  sfn_decref(h->result);
  sfn_free(h->json);
  memset(h, 0, sizeof *h);
}

static int holder_gc(lua_State *L) {
  holder_release((jeval_holder *)luaL_checkudata(L, 1, JEVAL_MT));
  return 0;
}

static sfn_value *lookup(void *ud, const char *name, size_t len) {
  jeval_holder *h = ud;
  if (!h->bindings || sfn_type_of(h->bindings) != SFN_OBJECT) return NULL;
  return sfn_object_get(h->bindings, name, len);
}

static double opt_number(lua_State *L, int idx, const char *field, double dflt) {
  double v = dflt;
  if (lua_type(L, idx) != LUA_TTABLE) return dflt;
  lua_getfield(L, idx, field);
  if (lua_type(L, -1) == LUA_TNUMBER) v = lua_tonumber(L, -1);
  lua_pop(L, 1);
  return v;
}

/* core.jsonata_eval(expr, input_json_or_nil, bindings_or_nil [, opts]) */
static int l_jsonata_eval(lua_State *L) {
  size_t len, ilen, olen;
  const char *src = luaL_checklstring(L, 1, &len);
  const char *in = luaL_optlstring(L, 2, NULL, &ilen);
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_jsonata_env env;
  jeval_holder *h;
  int st;
  lua_settop(L, 4);
  h = lua_newuserdata(L, sizeof *h);
  memset(h, 0, sizeof *h);
  luaL_setmetatable(L, JEVAL_MT);
  h->e = sfn_jsonata_compile(src, len, &err);
  if (!h->e) return lsfn_fail(L, &err);
  if (in) {
    h->input = sfn_json_decode(in, ilen, &err);
    if (!h->input) return lsfn_fail(L, &err);
  }
  if (lua_type(L, 3) == LUA_TSTRING) {
    size_t blen;
    const char *b = lua_tolstring(L, 3, &blen);
    h->bindings = sfn_json_decode(b, blen, &err);
    if (!h->bindings) return lsfn_fail(L, &err);
  } else if (lua_type(L, 3) == LUA_TTABLE) {
    h->bindings = sfn_object_new(4);
    if (!h->bindings) return luaL_error(L, "out of memory");
    lua_pushnil(L);
    while (lua_next(L, 3)) {
      if (lua_type(L, -2) == LUA_TSTRING) {
        size_t klen;
        const char *k = lua_tolstring(L, -2, &klen);
        sfn_value *v = lsfn_to_value(L, -1, &err);
        if (!v) return lsfn_fail(L, &err);
        if (sfn_object_set(h->bindings, k, klen, v) != SFN_OK) return luaL_error(L, "out of memory");
      }
      lua_pop(L, 1);
    }
  } else if (!lua_isnoneornil(L, 3)) {
    return luaL_argerror(L, 3, "table, JSON text or nil expected");
  }
  memset(&env, 0, sizeof env);
  env.input = h->input;
  env.lookup = lookup;
  env.lookup_ud = h;
  env.rng_state = (uint64_t)opt_number(L, 4, "seed", 1);
  if (env.rng_state == 0) env.rng_state = 1;
  env.now_ms = (int64_t)opt_number(L, 4, "now_ms", 0);
  env.max_depth = (uint32_t)opt_number(L, 4, "max_depth", 0);
  env.max_steps = (uint64_t)opt_number(L, 4, "max_steps", 0);
  st = sfn_jsonata_eval(h->e, &env, &h->result, &err);
  if (st == SFN_ERR) return lsfn_fail(L, &err);
  if (st == SFN_NOTFOUND) {
    holder_release(h);
    lua_pushnil(L);
    return 1;
  }
  h->json = sfn_json_encode(h->result, &olen, &err);
  if (!h->json) return lsfn_fail(L, &err);
  lua_pushlstring(L, h->json, olen);
  holder_release(h);
  return 1;
}

void lsfn_open_jsonata(lua_State *L) {
  static const luaL_Reg f[] = {{"jsonata_eval", l_jsonata_eval}, {NULL, NULL}};
  if (luaL_newmetatable(L, JEVAL_MT)) {
    lua_pushcfunction(L, holder_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  luaL_setfuncs(L, f, 0);
}
