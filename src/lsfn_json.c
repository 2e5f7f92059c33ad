/*
 * lsfn_json.c: Lua binding of the JSON codec: core.json_decode(text) and
 * core.json_encode(value), both returning nil, err on bad input.
 */
#include "lsfn.h"
#include "sfn_json.h"

/* core.json_decode(text) -> value | nil, err.  A non-string raises. */
static int l_json_decode(lua_State *L) {
  size_t len;
  const char *s;
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_value *v;
  luaL_checktype(L, 1, LUA_TSTRING);
  s = lua_tolstring(L, 1, &len);
  v = sfn_json_decode(s, len, &err);
  if (!v) return lsfn_fail(L, &err);
  /* Held by a userdata while it is pushed, so a Lua memory error frees it. */
  lsfn_push_holder(L, v);
  lsfn_push_value(L, v);
  return 1;
}

/* core.json_encode(value) -> text | nil, err. */
static int l_json_encode(lua_State *L) {
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_value *v;
  sfn_buf b;
  int rc;
  luaL_checkany(L, 1);
  v = lsfn_to_value(L, 1, &err);
  if (!v) {
    if (!err.code[0]) sfn_error_oom(&err);
    return lsfn_fail(L, &err);
  }
  lsfn_push_holder(L, v);
  sfn_buf_init(&b);
  rc = sfn_json_encode_buf(v, &b, &err);
  if (rc != SFN_OK) {
    sfn_buf_free(&b);
    return lsfn_fail(L, &err);
  }
  /* lua_pushlstring may raise on memory errors; b would leak then, which
   * only happens when Lua itself is out of memory. */
  lua_pushlstring(L, b.data ? b.data : "", b.len);
  sfn_buf_free(&b);
  return 1;
}

void lsfn_open_json(lua_State *L) {
  static const luaL_Reg f[] = {{"json_decode", l_json_decode},
                               {"json_encode", l_json_encode},
                               {NULL, NULL}};
  luaL_setfuncs(L, f, 0);
}
