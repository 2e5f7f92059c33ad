/*
 * lsfn_choice.c: Lua binding of Choice rules and timestamps (mainly for
 * tests):
 *   core.choice_eval(choices_json, input_json [, context_json])
 *       -> index of the first matching rule (0-based; -1 = none), or nil, err
 *   core.choice_eval_repeat(choices_json, input_json, n)
 *       -> the same, after evaluating the compiled rules n times (timing)
 *   core.time_parse(s)   -> milliseconds since the epoch, or nil
 *   core.time_format(ms) -> "YYYY-MM-DDThh:mm:ss.mmmZ"
 * All C work finishes (and is freed) before anything is pushed, so a Lua
 * error cannot leak it.
 */
#include <math.h>
#include <string.h>

#include "lsfn.h"
#include "sfn_choice.h"
#include "sfn_json.h"
#include "sfn_time.h"

/* Decode, compile, evaluate `repeat` times (at least once), free. */
static int choice_run(lua_State *L, const char *xtext, size_t xlen, lua_Integer repeat) {
  size_t clen, ilen;
  const char *ctext = luaL_checklstring(L, 1, &clen);
  const char *itext = luaL_checklstring(L, 2, &ilen);
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_value *choices = NULL, *input = NULL, *context = NULL;
  sfn_choice *c = NULL;
  sfn_eval_env env;
  long matched = -1;
  int rc = SFN_ERR;
  choices = sfn_json_decode(ctext, clen, &err);
  if (!choices) goto cleanup;
  input = sfn_json_decode(itext, ilen, &err);
  if (!input) goto cleanup;
  if (xtext && !(context = sfn_json_decode(xtext, xlen, &err))) goto cleanup;
  c = sfn_choice_compile(choices, &err);
  if (!c) goto cleanup;
  memset(&env, 0, sizeof env);
  env.input = input;
  env.context = context;
  do {
    rc = sfn_choice_eval(c, &env, &matched, &err);
  } while (rc == SFN_OK && --repeat > 0);
cleanup:
  sfn_choice_free(c);
  sfn_decref(choices);
  sfn_decref(input);
  sfn_decref(context);
  if (rc != SFN_OK) return lsfn_fail(L, &err);
  lua_pushinteger(L, (lua_Integer)matched);
  return 1;
}

static int l_choice_eval(lua_State *L) {
  size_t xlen = 0;
  const char *xtext = luaL_optlstring(L, 3, NULL, &xlen);
  return choice_run(L, xtext, xlen, 1);
}

static int l_choice_eval_repeat(lua_State *L) {
  return choice_run(L, NULL, 0, luaL_checkinteger(L, 3));
}

static int l_time_parse(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  int64_t ms;
  if (sfn_time_parse(s, len, &ms) != SFN_OK) {
    lua_pushnil(L);
    return 1;
  }
#if LSFN_HAS_INTEGER
  lua_pushinteger(L, (lua_Integer)ms);
#else
  lua_pushnumber(L, (lua_Number)ms); /* exact: |ms| < 2^53 for 4-digit years */
#endif
  return 1;
}

static int l_time_format(lua_State *L) {
  lua_Number n = luaL_checknumber(L, 1);
  char buf[32];
  size_t len;
  if (n != n || n > 9.2e18 || n < -9.2e18) return luaL_argerror(L, 1, "not a valid time");
  len = sfn_time_format((int64_t)floor(n), buf);
  lua_pushlstring(L, buf, len);
  return 1;
}

void lsfn_open_choice(lua_State *L) {
  static const luaL_Reg f[] = {{"choice_eval", l_choice_eval},
                               {"choice_eval_repeat", l_choice_eval_repeat},
                               {"time_parse", l_time_parse},
                               {"time_format", l_time_format},
                               {NULL, NULL}};
  luaL_setfuncs(L, f, 0);
}
