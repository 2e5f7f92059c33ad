-- luarocks make sfn-scm-1.rockspec   (Lua 5.4 or LuaJIT: --lua-version=5.1 for LuaJIT)
rockspec_format = "3.0"
package = "sfn"
version = "scm-1"
source = { url = "git+file:///dev/null" }
description = {
  summary = "AWS Step Functions for Lua, with a C core",
  detailed = [[
A local engine that runs Amazon States Language definitions exactly as AWS does, with a
virtual clock, Lua task handlers and mocks; the sfn command line.]],
  license = "MIT",
}
dependencies = { "lua >= 5.1" }
build = {
  type = "make",
  build_target = "rock-build",
  install_target = "rock-install",
  build_variables = {
    CFLAGS = "$(CFLAGS)",
    LIBFLAG = "$(LIBFLAG)",
    LUA_INCDIR = "$(LUA_INCDIR)",
  },
  install_variables = {
    INST_LIBDIR = "$(LIBDIR)",
    INST_LUADIR = "$(LUADIR)",
  },
  install = {
    bin = { sfn = "bin/sfn" },
  },
}
