-- spec/install_spec.lua: `luarocks make` installs a working module and `sfn`
-- command, for Lua 5.4 and for LuaJIT (into throwaway trees).
local function sh(cmd)
  local p = io.popen(cmd .. " 2>&1; echo \"rc=$?\"")
  local out = p:read("*a")
  p:close()
  local rc = tonumber(out:match("rc=(%d+)%s*$"))
  return rc, out
end

-- Skipped under `make asan`: it builds an uninstrumented module, and the
-- sanitizer runtime preloaded into child processes reports their leaks.
local have_luarocks = not os.getenv("SFN_ASAN") and sh("command -v luarocks >/dev/null") == 0

describe("luarocks make", function()
  local cases = {
    { name = "Lua 5.4", args = "--lua-version=5.4", env = "", bin = "lua5.4" },
    { name = "LuaJIT", args = "--lua-version=5.1", env = "LUAROCKS_CONFIG=tools/luarocks-luajit.lua ",
      bin = "luajit" },
  }
  for _, c in ipairs(cases) do
    local run = (have_luarocks and sh("command -v " .. c.bin .. " >/dev/null") == 0) and it or pending
    run("installs sfn for " .. c.name .. " with a working sfn command", function()
      local tree = os.tmpname()
      os.remove(tree)
      local rc, out = sh(c.env .. "luarocks " .. c.args .. " --tree=" .. tree .. " make sfn-scm-1.rockspec")
      assert.are.equal(0, rc, out)
      rc, out = sh(tree .. "/bin/sfn run examples/orders.asl.json --input '{\"orderId\":1,\"amount\":0}'")
      assert.are.equal(1, rc, out) -- the execution FAILED, as the definition says for amount 0
      assert.truthy(out:find('"error":"OrderRejected"', 1, true), out)
      -- the local service and its data files (sub-folders of sfn/) are installed too
      local lua = [[local s = require("sfn").local_service{}
        local r, e = s:test_state{ definition = '{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",]]
        .. [["Parameters":{"FunctionName":"f"},"End":true}', mock = { result = '{"StatusCode":"x"}' } }
        print(r and r.status or e.code)]]
      rc, out = sh(c.env .. "eval \"$(luarocks " .. c.args .. " --tree=" .. tree .. " path)\" && cd / && " .. c.bin
        .. " -e '" .. lua:gsub("'", "'\\''") .. "'")
      assert.are.equal(0, rc, out)
      assert.truthy(out:find("ValidationException", 1, true), out)
      sh("rm -rf " .. tree)
    end)
  end
end)
