/*
 * lsfn_validate.c: Lua binding of the definition validator:
 *   core.validate(definition [, {type = "EXPRESS"}])
 *     -> ValidateStateMachineDefinition's response as a table
 *        {result = "OK"|"FAIL", diagnostics = {{severity=, code=, message=,
 *         location=}...}, truncated = false}
 *   core.definition_error(definition [, opts])
 *     -> nil when valid, else CreateStateMachine's InvalidDefinition message
 * definition is JSON text or a Lua table (converted as lsfn_to_value does).
 * Misuse (wrong argument types) raises.
 */
#include <string.h>

#include "lsfn.h"
#include "sfn_validate.h"

#define DIAGS_MT "sfn.diagnostics"
#define STR_MT "sfn.cstring"

/* Diagnostics owned by a userdata, so a Lua error cannot leak them. */
static int diags_gc(lua_State *L) {
  sfn_diagnostics *d = luaL_checkudata(L, 1, DIAGS_MT);
  sfn_diagnostics_free(d);
  return 0;
}

/* A C string owned by a userdata (freed by __gc if a Lua error unwinds). */
static int str_gc(lua_State *L) {
  char **slot = luaL_checkudata(L, 1, STR_MT);
  sfn_free(*slot);
  *slot = NULL;
  return 0;
}

static sfn_diagnostics *push_diags(lua_State *L) {
  sfn_diagnostics *d = lua_newuserdata(L, sizeof(sfn_diagnostics));
  memset(d, 0, sizeof *d);
  luaL_setmetatable(L, DIAGS_MT);
  return d;
}

/* Run the validator for the arguments (1: definition, 2: opts) into a new
 * diagnostics userdata left on the stack.  Returns NULL on OOM (err set). */
static sfn_diagnostics *run(lua_State *L, sfn_error *err) {
  sfn_validate_opts opts;
  sfn_diagnostics *d;
  int rc;
  memset(&opts, 0, sizeof opts);
  if (!lua_isnoneornil(L, 2)) {
    const char *type;
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_getfield(L, 2, "type");
    type = lua_tostring(L, -1);
    if (type && strcmp(type, "EXPRESS") == 0)
      opts.express = 1;
    else if (type && strcmp(type, "STANDARD") != 0)
      luaL_argerror(L, 2, "type must be \"STANDARD\" or \"EXPRESS\"");
    lua_pop(L, 1);
  }
  if (lua_type(L, 1) == LUA_TSTRING) {
    size_t len;
    const char *text = lua_tolstring(L, 1, &len);
    d = push_diags(L);
    rc = sfn_validate_text(text, len, &opts, d, NULL, err);
  } else {
    sfn_value *def;
    luaL_checktype(L, 1, LUA_TTABLE);
    def = lsfn_to_value(L, 1, err);
    if (!def) {
      if (!err->code[0]) sfn_error_oom(err);
      return NULL;
    }
    lsfn_push_holder(L, def);
    d = push_diags(L);
    rc = sfn_validate(def, &opts, d, err);
  }
  if (rc != SFN_OK && strcmp(err->code, "OutOfMemory") == 0) return NULL;
  sfn_error_clear(err);
  return d;
}

static void set_string(lua_State *L, const char *key, const char *value) {
  lua_pushstring(L, value);
  lua_setfield(L, -2, key);
}

/* core.validate(definition [, opts]) -> response table | nil, err */
static int l_validate(lua_State *L) {
  sfn_error err;
  sfn_diagnostics *d;
  size_t i, k = 0;
  memset(&err, 0, sizeof err);
  d = run(L, &err);
  if (!d) return lsfn_fail(L, &err);
  lua_createtable(L, 0, 3);
  set_string(L, "result", sfn_diagnostics_errors(d) ? "FAIL" : "OK");
  lua_createtable(L, (int)d->n, 0);
  /* errors first, then warnings, as AWS lists them */
  for (i = 0; i < 2 * d->n; i++) {
    const sfn_diagnostic *x = &d->items[i % d->n];
    if ((i < d->n) != (x->severity == SFN_DIAG_ERROR)) continue;
    lua_createtable(L, 0, 4);
    set_string(L, "severity", x->severity == SFN_DIAG_ERROR ? "ERROR" : "WARNING");
    set_string(L, "code", x->code);
    set_string(L, "message", x->message);
    if (x->location) set_string(L, "location", x->location);
    lua_rawseti(L, -2, (int)++k);
  }
  lua_setfield(L, -2, "diagnostics");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "truncated");
  return 1;
}

/* core.definition_error(definition [, opts]) -> nil | message | nil, err */
static int l_definition_error(lua_State *L) {
  sfn_error err;
  sfn_diagnostics *d;
  char **slot;
  memset(&err, 0, sizeof err);
  d = run(L, &err);
  if (!d) return lsfn_fail(L, &err);
  if (sfn_diagnostics_errors(d) == 0) {
    lua_pushnil(L);
    return 1;
  }
  slot = lua_newuserdata(L, sizeof(char *));
  *slot = NULL;
  luaL_setmetatable(L, STR_MT);
  *slot = sfn_validate_message(d);
  if (!*slot) {
    sfn_error_oom(&err);
    return lsfn_fail(L, &err);
  }
  lua_pushstring(L, *slot);
  sfn_free(*slot);
  *slot = NULL;
  return 1;
}

static const luaL_Reg funcs[] = {
    {"validate", l_validate},
    {"definition_error", l_definition_error},
    {NULL, NULL},
};

void lsfn_open_validate(lua_State *L) {
  if (luaL_newmetatable(L, DIAGS_MT)) {
    lua_pushcfunction(L, diags_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  if (luaL_newmetatable(L, STR_MT)) {
    lua_pushcfunction(L, str_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  luaL_setfuncs(L, funcs, 0);
}
