/*
 * lsfn_jsonata_fns.c: test hooks for JSONata's plain built-in functions and
 * its regular expressions:
 *   core.jsonata_builtin(name, args_json [, opts])
 *       -> result JSON text | nil (undefined) | nil, {code=, message=}
 *     args_json: a JSON array of the arguments.  opts (all optional):
 *       regex = { [i] = "/pattern/flags" }  argument i (1-based) is a regex
 *       undefined = { i, ... }              argument i is undefined
 *       seed = n, now = ms                  random source and clock
 *     The result is JSON as JavaScript's JSON.stringify prints it.
 *   core.jsonata_regex(pattern, flags, subject [, from])
 *       -> start, end, { {gs, ge} | false, ... } (1-based, end inclusive)
 *        | false (no match) | nil, err
 * Misuse raises; failures return nil, err.
 */
#include "lsfn.h"
#include "sfn_jsonata_fns.h"
#include "sfn_jsonata_fns_int.h"
#include "sfn_json.h"

#include <string.h>

#define JNCALL_MT "sfn.jsonata_builtin_call"
#define MAX_ARGS 16

/* What one call allocates, owned by a userdata so a Lua error cannot leak. */
typedef struct jncall {
  sfn_value *args, *result;
  sfn_jn_regex *re[MAX_ARGS];
} jncall;

static void jncall_release(jncall *j) {
  int i;
  sfn_decref(j->args);
  sfn_decref(j->result);
  j->args = j->result = NULL;
  for (i = 0; i < MAX_ARGS; i++) {
    sfn_jn_regex_free(j->re[i]);
    j->re[i] = NULL;
  }
}

static int jncall_gc(lua_State *L) {
  jncall_release(luaL_checkudata(L, 1, JNCALL_MT));
  return 0;
}

static jncall *push_jncall(lua_State *L) {
  jncall *j = lua_newuserdata(L, sizeof *j);
  memset(j, 0, sizeof *j);
  luaL_setmetatable(L, JNCALL_MT);
  return j;
}

/* "/pattern/flags" -> compiled regex, or NULL with err. */
static sfn_jn_regex *compile_literal(const char *s, size_t len, sfn_error *err) {
  size_t last = len;
  char flags[16];
  while (last > 0 && s[last - 1] != '/') last--;
  if (len < 2 || s[0] != '/' || last < 2) {
    sfn_error_set(err, "S0302", "No terminating / in regular expression");
    return NULL;
  }
  if (len - last >= sizeof flags) {
    sfn_error_set(err, "S0303", "Invalid regular expression flags");
    return NULL;
  }
  memcpy(flags, s + last, len - last);
  flags[len - last] = 0;
  return sfn_jn_regex_compile(s + 1, last - 2, flags, err);
}

/* core.jsonata_builtin(name, args_json [, opts]) */
static int l_jsonata_builtin(lua_State *L) {
  size_t nlen, alen;
  const char *name = luaL_checklstring(L, 1, &nlen);
  const char *aj = luaL_checklstring(L, 2, &alen);
  const sfn_jn_builtin *b = sfn_jn_builtin_find(name, nlen);
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_value *argv[MAX_ARGS];
  const sfn_jn_regex *rev[MAX_ARGS];
  sfn_jsonata_env env;
  sfn_jn_call call;
  sfn_buf out;
  int nargs, i;
  jncall *j;
  if (!b) return luaL_error(L, "no JSONata built-in named %s", name);
  j = push_jncall(L);
  j->args = sfn_json_decode(aj, alen, &err);
  if (!j->args) return lsfn_fail(L, &err);
  if (sfn_type_of(j->args) != SFN_ARRAY) return luaL_error(L, "args_json must be a JSON array");
  nargs = (int)sfn_array_len(j->args);
  if (nargs > MAX_ARGS) return luaL_error(L, "too many arguments");
  memset(argv, 0, sizeof argv);
  memset(rev, 0, sizeof rev);
  for (i = 0; i < nargs; i++) argv[i] = sfn_array_at(j->args, (size_t)i);
  memset(&env, 0, sizeof env);
  env.rng_state = 0x2545F4914F6CDD1DULL;
  if (lua_istable(L, 3)) {
    lua_getfield(L, 3, "seed");
    if (!lua_isnil(L, -1)) env.rng_state = (uint64_t)luaL_checknumber(L, -1) | 1u;
    lua_pop(L, 1);
    lua_getfield(L, 3, "now");
    if (!lua_isnil(L, -1)) env.now_ms = (int64_t)luaL_checknumber(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, 3, "undefined");
    if (lua_istable(L, -1)) {
      int k, n = (int)lsfn_rawlen(L, -1);
      for (k = 1; k <= n; k++) {
        int idx;
        lua_rawgeti(L, -1, k);
        idx = (int)luaL_checknumber(L, -1);
        lua_pop(L, 1);
        if (idx < 1 || idx > MAX_ARGS) return luaL_error(L, "bad undefined index");
        argv[idx - 1] = NULL;
        if (idx > nargs) nargs = idx;
      }
    }
    lua_pop(L, 1);
    lua_getfield(L, 3, "regex");
    if (lua_istable(L, -1)) {
      int k;
      for (k = 1; k <= MAX_ARGS; k++) {
        size_t rlen;
        const char *r;
        lua_rawgeti(L, -1, k);
        r = lua_tolstring(L, -1, &rlen);
        if (r) {
          j->re[k - 1] = compile_literal(r, rlen, &err);
          if (!j->re[k - 1]) return lsfn_fail(L, &err);
          rev[k - 1] = j->re[k - 1];
          argv[k - 1] = NULL;
          if (k > nargs) nargs = k;
        }
        lua_pop(L, 1);
      }
    }
    lua_pop(L, 1);
  }
  call.args = argv;
  call.regex = rev;
  call.nargs = nargs;
  call.env = &env;
  call.err = &err;
  if (b->fn(&call, &j->result) != SFN_OK) return lsfn_fail(L, &err);
  if (!j->result) {
    jncall_release(j);
    lua_pushnil(L);
    return 1;
  }
  sfn_buf_init(&out);
  sfn_jnf_msg_value(&out, j->result);
  if (out.oom) {
    sfn_buf_free(&out);
    sfn_error_oom(&err);
    return lsfn_fail(L, &err);
  }
  lua_pushlstring(L, out.data ? out.data : "", out.len);
  sfn_buf_free(&out);
  jncall_release(j);
  return 1;
}

/* core.jsonata_regex(pattern, flags, subject [, from]) */
static int l_jsonata_regex(lua_State *L) {
  size_t plen, slen;
  const char *p = luaL_checklstring(L, 1, &plen);
  const char *flags = luaL_optstring(L, 2, "");
  const char *s = luaL_checklstring(L, 3, &slen);
  size_t from = (size_t)luaL_optnumber(L, 4, 1) - 1, ms, me;
  long groups[SFN_JN_MAX_GROUPS][2];
  sfn_error err = {{0}, NULL, 0, 0};
  int ng = 0, r, k;
  jncall *j = push_jncall(L);
  if (from > slen) from = slen;
  j->re[0] = sfn_jn_regex_compile(p, plen, flags, &err);
  if (!j->re[0]) return lsfn_fail(L, &err);
  r = sfn_jn_regex_exec(j->re[0], s, slen, from, &ms, &me, groups, &ng, &err);
  jncall_release(j);
  if (r < 0) return lsfn_fail(L, &err);
  if (r == 0) {
    lua_pushboolean(L, 0);
    return 1;
  }
  lua_pushnumber(L, (lua_Number)ms + 1);
  lua_pushnumber(L, (lua_Number)me);
  lua_createtable(L, ng, 0);
  for (k = 0; k < ng; k++) {
    if (groups[k][0] < 0) {
      lua_pushboolean(L, 0);
    } else {
      lua_createtable(L, 2, 0);
      lua_pushnumber(L, (lua_Number)groups[k][0] + 1);
      lua_rawseti(L, -2, 1);
      lua_pushnumber(L, (lua_Number)groups[k][1]);
      lua_rawseti(L, -2, 2);
    }
    lua_rawseti(L, -2, k + 1);
  }
  return 3;
}

void lsfn_open_jsonata_fns(lua_State *L) {
  static const luaL_Reg f[] = {
      {"jsonata_builtin", l_jsonata_builtin}, {"jsonata_regex", l_jsonata_regex}, {NULL, NULL}};
  if (luaL_newmetatable(L, JNCALL_MT)) {
    lua_pushcfunction(L, jncall_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  luaL_setfuncs(L, f, 0);
}
