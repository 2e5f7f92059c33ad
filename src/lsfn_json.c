/*
 * lsfn_json.c: Lua binding of the JSON codec: core.json_decode(text),
 * core.json_encode(value) and core.json_compact(text), all returning
 * nil, err on bad input and raising on misuse (a non-string text).
 */
#include "lsfn.h"
#include "sfn_json.h"

#define BUF_MT "sfn.json_buf"

/* An sfn_buf owned by a userdata, so a Lua error while the text is pushed
 * cannot leak it. */
static int buf_gc(lua_State *L) {
  sfn_buf *b = luaL_checkudata(L, 1, BUF_MT);
  sfn_buf_free(b);
  return 0;
}

static sfn_buf *push_buf(lua_State *L) {
  sfn_buf *b = lua_newuserdata(L, sizeof(sfn_buf));
  sfn_buf_init(b);
  luaL_setmetatable(L, BUF_MT);
  return b;
}

/* Encode v (held on the stack by the caller) and push its text or nil, err. */
static int push_encoded(lua_State *L, const sfn_value *v) {
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_buf *b = push_buf(L);
  if (sfn_json_encode_buf(v, b, &err) != SFN_OK) {
    sfn_buf_free(b);
    return lsfn_fail(L, &err);
  }
  lua_pushlstring(L, b->data ? b->data : "", b->len);
  sfn_buf_free(b);
  return 1;
}

/* core.json_decode(text) -> value | nil, err. */
static int l_json_decode(lua_State *L) {
  size_t len;
  const char *s;
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_value *v;
  luaL_checktype(L, 1, LUA_TSTRING);
  s = lua_tolstring(L, 1, &len);
  v = sfn_json_decode(s, len, &err);
  if (!v) return lsfn_fail(L, &err);
  lsfn_push_holder(L, v); /* frees v if pushing the Lua value raises */
  lsfn_push_value(L, v);
  return 1;
}

/* core.json_encode(value) -> text | nil, err. */
static int l_json_encode(lua_State *L) {
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_value *v;
  luaL_checkany(L, 1);
  v = lsfn_to_value(L, 1, &err);
  if (!v) {
    if (!err.code[0]) sfn_error_oom(&err);
    return lsfn_fail(L, &err);
  }
  lsfn_push_holder(L, v);
  return push_encoded(L, v);
}

/* core.json_compact(text) -> compact text | nil, err: decode and re-encode
 * in C, so object key order and the int/double distinction are kept. */
static int l_json_compact(lua_State *L) {
  size_t len;
  const char *s;
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_value *v;
  luaL_checktype(L, 1, LUA_TSTRING);
  s = lua_tolstring(L, 1, &len);
  v = sfn_json_decode(s, len, &err);
  if (!v) return lsfn_fail(L, &err);
  lsfn_push_holder(L, v);
  return push_encoded(L, v);
}

void lsfn_open_json(lua_State *L) {
  static const luaL_Reg f[] = {{"json_decode", l_json_decode},
                               {"json_encode", l_json_encode},
                               {"json_compact", l_json_compact},
                               {NULL, NULL}};
  luaL_newmetatable(L, BUF_MT);
  lua_pushcfunction(L, buf_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  luaL_setfuncs(L, f, 0);
}
