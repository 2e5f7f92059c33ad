-- examples/quote-workflow.lua: creates the activity and the state machine of
-- examples/quote.asl.json on `sfn serve`, starts an execution and prints its
-- result once examples/quote-worker.lua has done the task.
--
--   lua5.4 examples/quote-workflow.lua ['{"orderId": 7, "weightKg": 2.5, "destination": "DE"}']
--
-- SFN_ENDPOINT overrides the endpoint (default http://127.0.0.1:8083).
local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
do -- from a checkout: its lua/ and build/ first (installed by luarocks, sfn is found as usual)
  local which = (type(jit) == "table") and "luajit" or "lua5.4"
  package.path = dir .. "/../lua/?.lua;" .. dir .. "/../lua/?/init.lua;" .. package.path
  package.cpath = dir .. "/../build/" .. which .. "/?.so;" .. package.cpath
end
local sfn = require "sfn"

local client = assert(sfn.client{
  endpoint = os.getenv("SFN_ENDPOINT") or "http://127.0.0.1:8083",
  region = "us-east-1",
  credentials = { access_key_id = "local", secret_access_key = "local" },
})

local f = assert(io.open(dir .. "/quote.asl.json", "rb"))
local definition = f:read("*a")
f:close()

local activity = assert(client:create_activity{ name = "quote" })
-- the definition names the activity by its ARN; use the one this endpoint gave
definition = definition:gsub("arn:aws:states:[^\"]*:activity:quote", activity.activityArn)
local role = "arn:aws:iam::123456789012:role/quote-role"
local sm, err = client:create_state_machine{ name = "quote", definition = definition, roleArn = role }
if not sm and err.code == "StateMachineAlreadyExists" then
  -- created before with another definition: update it
  local arn = activity.activityArn:gsub(":activity:quote$", ":stateMachine:quote")
  assert(client:update_state_machine{ stateMachineArn = arn, definition = definition })
  sm = { stateMachineArn = arn }
end
assert(sm, err)

local input = arg[1] or '{"orderId": 7, "weightKg": 2.5, "destination": "DE"}'
local ex = assert(client:start_execution{ stateMachineArn = sm.stateMachineArn, input = input })
io.stdout:write("started ", ex.executionArn, "\n")
local d
repeat
  sfn.sleep(0.2)
  d = assert(client:describe_execution{ executionArn = ex.executionArn })
until d.status ~= "RUNNING"
io.stdout:write("status: ", d.status, "\n")
if d.output then io.stdout:write("output: ", d.output, "\n") end
if d.error then io.stdout:write("error: ", d.error, " (", tostring(d.cause), ")\n") end
os.exit(d.status == "SUCCEEDED" and 0 or 1)
