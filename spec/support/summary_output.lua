-- spec/support/summary_output.lua: busted output handler.  Prints each
-- failing test with its message (gtest style for everything else) and ends
-- with one machine-readable line that tools/run-tests adds up:
--   SFN-SUMMARY passed=N failed=N errors=N pending=N
return function(options)
  local busted = require "busted"
  local handler = require("busted.outputHandlers.gtest")(options)
  local function summary()
    io.write(string.format("SFN-SUMMARY passed=%d failed=%d errors=%d pending=%d\n",
      handler.successesCount, handler.failuresCount, handler.errorsCount, handler.pendingsCount))
    io.flush()
    return nil, true
  end
  busted.subscribe({ "suite", "end" }, summary)
  return handler
end
