-- spec/support/asan_helper.lua: busted helper for `make asan`.  The
-- sanitizer runtime is preloaded into the Lua interpreter; commands the
-- specs start (python, node, the AWS CLI, moto_server, luarocks) must not
-- inherit it, so LD_PRELOAD is removed once the module is loaded.
if os.getenv("SFN_ASAN") then
  require("sfn.core").setenv("LD_PRELOAD", nil)
end
