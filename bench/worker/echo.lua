-- bench/worker/echo.lua: the activity of tools/bench-worker: returns its input.
-- Run as `sfn worker bench/worker/echo.lua` with SFN_BENCH_ENDPOINT and
-- SFN_BENCH_ACTIVITY set (concurrency from the command line).
return {
  client = { endpoint = os.getenv("SFN_BENCH_ENDPOINT"), region = "us-east-1", config = false, proxy = false,
    credentials = { access_key_id = "bench", secret_access_key = "bench" } },
  activity_arn = os.getenv("SFN_BENCH_ACTIVITY"),
  heartbeat_interval = false,
  grace_period = 1,
  handler = function(input) return input end,
}
