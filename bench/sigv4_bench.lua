-- bench/sigv4_bench.lua [RUNS]: SigV4 signatures per second of
-- sfn.sigv4.sign (the Lua call: a fresh options table in, as a client
-- builds one per request, and the result table with the signed headers out) on the Step Functions StartExecution request of
-- bench/sigv4_bench.c.  Best of RUNS runs (default 5) of at least ~0.3 s.
-- Prints "lua N" and "signature HEX".
local sigv4 = require "sfn.sigv4"
local clock = os.clock
local runs = tonumber(arg and arg[1]) or 5

local function request() return {
  method = "POST", url = "https://states.us-east-1.amazonaws.com/",
  headers = { ["Content-Type"] = "application/x-amz-json-1.0", ["X-Amz-Target"] = "AWSStepFunctions.StartExecution" },
  body = '{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:orders",'
    .. '"input":"{\\"orderId\\":42}","name":"exec-1"}',
  region = "us-east-1", service = "states",
  credentials = { access_key_id = "AKIDEXAMPLE", secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                  session_token = "IQoJb3JpZ2luX2VjEXAMPLETOKEN" },
  time = 1700000000,
} end
local sign = sigv4.sign
local sig = assert(sign(request())).signature
local best = 0
for _ = 1, runs do
  local t0, n, t = clock(), 0, 0
  repeat
    for _ = 1, 1000 do sign(request()) end
    n = n + 1000
    t = clock() - t0
  until t >= 0.3
  if n / t > best then best = n / t end
end
io.write(string.format("lua %.0f\nsignature %s\n", best, sig))
