-- examples/quote-worker.lua: an activity worker for examples/quote.asl.json.
-- Run it against `sfn serve` (or any Step Functions endpoint):
--
--   bin/sfn serve                                   # terminal 1
--   bin/sfn worker examples/quote-worker.lua        # terminal 2 (Ctrl-C stops it cleanly)
--   lua5.4 examples/quote-workflow.lua              # terminal 3: runs the state machine
--
-- SFN_ENDPOINT overrides the endpoint (default http://127.0.0.1:8083).
local sfn = require "sfn"

local client = assert(sfn.client{
  endpoint = os.getenv("SFN_ENDPOINT") or "http://127.0.0.1:8083",
  region = "us-east-1",
  credentials = { access_key_id = "local", secret_access_key = "local" },  -- sfn serve checks none
})

-- CreateActivity is idempotent: it gives the ARN whether or not it exists.
local activity = assert(client:create_activity{ name = "quote" })

local RATES = { DE = 4.5, FR = 4.9, US = 12.0, JP = 15.5 }   -- per kg

return sfn.worker{
  client = client,
  activity_arn = activity.activityArn,
  concurrency = 10,                 -- ten quotes at once, each a coroutine
  heartbeat_seconds = 10,           -- the Task's HeartbeatSeconds: a heartbeat every 10/3 s
  grace_period = 15,                -- on SIGTERM/SIGINT: finish what runs, up to 15 s
  handler = function(input, task)
    local rate = RATES[input.destination]
    if not rate then
      -- a failure with our own error name (caught by the state machine)
      error({ error = "Quote.UnknownDestination", cause = "no rate for " .. tostring(input.destination) })
    end
    -- "work" for a second; the sleep ends early if the task times out or the worker is forced to stop
    if not task.sleep(1) then return nil end
    return { orderId = input.orderId, price = math.floor(rate * input.weightKg * 100 + 0.5) / 100,
      currency = "EUR", quotedBy = task.worker_name }
  end,
}
