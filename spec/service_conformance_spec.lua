-- spec/service_conformance_spec.lua: the recorded API cases (AWS answers to
-- API calls, TestState and ValidateStateMachineDefinition, copied into
-- spec/fixtures/asl-conformance-api/ with their SOURCE.md and licence)
-- replayed against sfn.local_service (spec/support/api_replay.lua), with the
-- per-kind match counts printed.  Each kind must match at least its floor;
-- SFN_CONFORMANCE_VERBOSE=1 prints every mismatch with its reason.
local replay = require "support.api_replay"

local ROOT = "spec/fixtures/asl-conformance-api"
-- Floors: the counts reached today, so a regression fails the spec.
local FLOOR = { api = 281, test_state = 114, validate = 8 }
local verbose = os.getenv("SFN_CONFORMANCE_VERBOSE")

describe("sfn.local_service replaying recorded AWS API cases", function()
  for _, kind in ipairs{ "api", "test_state", "validate" } do
    it("matches the " .. kind .. " cases", function()
      local cases = replay.load(ROOT, kind)
      local groups = replay.groups(cases)
      local matched, by_op = 0, {}
      for _, case in ipairs(cases) do
        local ans = replay.replay(case, groups[case.test_id])
        local okc, why = replay.judge(case, ans)
        local o = by_op[case.op] or { 0, 0 }
        by_op[case.op] = o
        o[2] = o[2] + 1
        if okc then
          matched = matched + 1
          o[1] = o[1] + 1
        elseif verbose then
          print(("MISMATCH %s\n    %s"):format(case.id, why))
        end
      end
      local ops = {}
      for op in pairs(by_op) do ops[#ops + 1] = op end
      table.sort(ops)
      local lines = {}
      for _, op in ipairs(ops) do lines[#lines + 1] = ("%s %d/%d"):format(op, by_op[op][1], by_op[op][2]) end
      print(("\n[service conformance] %s: %d of %d match (%.1f%%)  [%s]"):format(kind, matched, #cases,
        100 * matched / #cases, table.concat(lines, ", ")))
      assert.is_true(matched >= FLOOR[kind], kind .. ": " .. matched .. " < floor " .. FLOOR[kind])
    end)
  end
end)
