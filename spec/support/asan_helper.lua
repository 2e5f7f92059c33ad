-- spec/support/asan_helper.lua: busted helper for `make asan`.  The
-- sanitizer runtime is preloaded into the Lua interpreter; commands the
-- specs start (python, node, the AWS CLI, moto_server, luarocks) must not
-- inherit it, so LD_PRELOAD is removed once the module is loaded.
-- Lua processes they start load the normal (uninstrumented) module.
if os.getenv("SFN_ASAN") then
  local core = require("sfn.core")
  core.setenv("LD_PRELOAD", nil)
  local cpath = os.getenv("LUA_CPATH")
  if cpath then core.setenv("LUA_CPATH", (cpath:gsub("/build/asan/", "/build/"))) end
end
