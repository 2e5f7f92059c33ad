/*
 * lsfn_compat.h: the only place that looks at LUA_VERSION_NUM.  Gives the
 * binding one API over Lua 5.4 and LuaJIT (Lua 5.1 API).
 */
#ifndef LSFN_COMPAT_H
#define LSFN_COMPAT_H

#include <lua.h>
#include <lauxlib.h>

#if LUA_VERSION_NUM >= 503
#define LSFN_HAS_INTEGER 1
#define lsfn_rawlen(L, i) lua_rawlen(L, i)
#define lsfn_isinteger(L, i) lua_isinteger(L, i)
#else
#define LSFN_HAS_INTEGER 0
#define lsfn_rawlen(L, i) lua_objlen(L, i)
#define lsfn_isinteger(L, i) 0
#endif

#if LUA_VERSION_NUM == 501
#define luaL_setfuncs(L, l, n) lsfn_setfuncs(L, l, n)
static inline void lsfn_setfuncs(lua_State *L, const luaL_Reg *l, int nup) {
  luaL_checkstack(L, nup + 1, "too many upvalues");
  for (; l->name; l++) {
    int i;
    for (i = 0; i < nup; i++) lua_pushvalue(L, -nup);
    lua_pushcclosure(L, l->func, nup);
    lua_setfield(L, -(nup + 2), l->name);
  }
  lua_pop(L, nup);
}
#ifndef luaL_newlib
#define luaL_newlib(L, l) (lua_newtable(L), luaL_setfuncs(L, l, 0))
#endif
#define luaL_setmetatable(L, name) (luaL_getmetatable(L, name), lua_setmetatable(L, -2))
static inline void *lsfn_testudata(lua_State *L, int i, const char *name) {
  void *p = lua_touserdata(L, i);
  if (p && lua_getmetatable(L, i)) {
    luaL_getmetatable(L, name);
    if (!lua_rawequal(L, -1, -2)) p = NULL;
    lua_pop(L, 2);
    return p;
  }
  return NULL;
}
#define luaL_testudata(L, i, n) lsfn_testudata(L, i, n)
#endif

#endif
