-- luarocks config for LuaJIT on Debian: LUAROCKS_CONFIG=tools/luarocks-luajit.lua luarocks --lua-version=5.1 make
lua_interpreter = "luajit"
variables = {
  LUA_DIR = "/usr",
  LUA_BINDIR = "/usr/bin",
  LUA_INCDIR = "/usr/include/luajit-2.1",
  LUA = "/usr/bin/luajit",
}
