/*
 * lsfn_intrinsic.c: Lua binding for intrinsic functions, for tests and
 * tools:
 *   core.intrinsic_compile(call)                  -> true | nil, err
 *   core.intrinsic_eval(call, input_json [, context_json [, seed]])
 *                                                 -> result JSON text | nil, err
 *   core.intrinsic_repeat(call, input_json, n)    -> result JSON text | nil, err
 *       (compiles and decodes once, evaluates n times: a timing hook)
 * JSON text in and out, so int64 and key order survive.  `seed` seeds the
 * built-in random source (States.UUID / States.MathRandom without a seed).
 * Misuse (a non-string argument) raises; failures return nil, err.
 */
#include "lsfn.h"
#include "sfn_intrinsic.h"
#include "sfn_json.h"

#define IEVAL_MT "sfn.intrinsic_eval"

/* Everything one call allocates, owned by a userdata so a Lua error while
 * pushing the result cannot leak it. */
typedef struct ieval {
  sfn_intrinsic *f;
  sfn_value *input, *context, *result;
  char *json;
} ieval;

static void ieval_release(ieval *e) {
  sfn_intrinsic_free(e->f);
  sfn_decref(e->input);
  sfn_decref(e->context);
  sfn_decref(e->result);
  sfn_free(e->json);
  e->f = NULL;
  e->input = e->context = e->result = NULL;
  e->json = NULL;
}

static int ieval_gc(lua_State *L) {
  ieval_release(luaL_checkudata(L, 1, IEVAL_MT));
  return 0;
}

static ieval *push_ieval(lua_State *L) {
  ieval *e = lua_newuserdata(L, sizeof *e);
  e->f = NULL;
  e->input = e->context = e->result = NULL;
  e->json = NULL;
  luaL_setmetatable(L, IEVAL_MT);
  return e;
}

/* core.intrinsic_compile(call) -> true | nil, err */
static int l_intrinsic_compile(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  sfn_error err = {{0}, NULL, 0, 0};
  ieval *e = push_ieval(L);
  e->f = sfn_intrinsic_compile(s, len, &err);
  if (!e->f) return lsfn_fail(L, &err);
  ieval_release(e);
  lua_pushboolean(L, 1);
  return 1;
}

/* core.intrinsic_eval(call, input_json [, context_json [, seed]]) -> json | nil, err */
static int l_intrinsic_eval(lua_State *L) {
  size_t len, ilen, clen = 0;
  const char *s = luaL_checklstring(L, 1, &len);
  const char *in = luaL_checklstring(L, 2, &ilen);
  const char *ctx = luaL_optlstring(L, 3, NULL, &clen);
  uint64_t seed = (uint64_t)luaL_optnumber(L, 4, 0);
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_eval_env env;
  size_t olen;
  ieval *e = push_ieval(L);
  e->f = sfn_intrinsic_compile(s, len, &err);
  if (!e->f) return lsfn_fail(L, &err);
  e->input = sfn_json_decode(in, ilen, &err);
  if (!e->input) return lsfn_fail(L, &err);
  if (ctx) {
    e->context = sfn_json_decode(ctx, clen, &err);
    if (!e->context) return lsfn_fail(L, &err);
  }
  env.input = e->input;
  env.context = e->context;
  env.random = NULL;
  env.random_ud = NULL;
  env.rng_state = seed;
  if (sfn_intrinsic_eval(e->f, &env, &e->result, &err) != SFN_OK) return lsfn_fail(L, &err);
  e->json = sfn_json_encode(e->result, &olen, &err);
  if (!e->json) return lsfn_fail(L, &err);
  lua_pushlstring(L, e->json, olen);
  ieval_release(e);
  return 1;
}

/* core.intrinsic_repeat(call, input_json, n) -> json | nil, err */
static int l_intrinsic_repeat(lua_State *L) {
  size_t len, ilen, olen;
  const char *s = luaL_checklstring(L, 1, &len);
  const char *in = luaL_checklstring(L, 2, &ilen);
  long n = (long)luaL_checknumber(L, 3), i;
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_eval_env env;
  ieval *e = push_ieval(L);
  e->f = sfn_intrinsic_compile(s, len, &err);
  if (!e->f) return lsfn_fail(L, &err);
  e->input = sfn_json_decode(in, ilen, &err);
  if (!e->input) return lsfn_fail(L, &err);
  env.input = e->input;
  env.context = NULL;
  env.random = NULL;
  env.random_ud = NULL;
  env.rng_state = 0;
  for (i = 0; i < n; i++) {
    sfn_decref(e->result);
    e->result = NULL;
    if (sfn_intrinsic_eval(e->f, &env, &e->result, &err) != SFN_OK) return lsfn_fail(L, &err);
  }
  if (!e->result) return lsfn_fail(L, &err);
  e->json = sfn_json_encode(e->result, &olen, &err);
  if (!e->json) return lsfn_fail(L, &err);
  lua_pushlstring(L, e->json, olen);
  ieval_release(e);
  return 1;
}

void lsfn_open_intrinsic(lua_State *L) {
  static const luaL_Reg f[] = {{"intrinsic_compile", l_intrinsic_compile},
                               {"intrinsic_eval", l_intrinsic_eval},
                               {"intrinsic_repeat", l_intrinsic_repeat},
                               {NULL, NULL}};
  if (luaL_newmetatable(L, IEVAL_MT)) {
    lua_pushcfunction(L, ieval_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  luaL_setfuncs(L, f, 0);
}
