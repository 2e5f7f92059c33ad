-- sfn.scheduler: tasks, sleeps, socket waits, suspend/wake (no HTTP here).
local scheduler = require "sfn.scheduler"
local sfn = require "sfn"
local socket = require "socket"

describe("sfn.scheduler", function()
  it("is what sfn.spawn, sfn.run and sfn.sleep are", function()
    assert.equal(scheduler.spawn, sfn.spawn)
    assert.equal(scheduler.run, sfn.run)
    assert.equal(scheduler.sleep, sfn.sleep)
  end)

  it("runs spawned tasks with their arguments and keeps their results", function()
    local seen = {}
    local t1 = sfn.spawn(function(a, b) seen[#seen + 1] = a + b; return "r1", nil, 3 end, 1, 2)
    local t2 = sfn.spawn(function() seen[#seen + 1] = "two" end)
    assert.equal("ready", t1.status)
    assert.is_true(sfn.run())
    assert.same({ 3, "two" }, seen)
    assert.equal("done", t1.status)
    assert.same({ n = 3, "r1", nil, 3 }, t1.result)
    assert.same({ n = 0 }, t2.result)
  end)

  it("spawns the function given to run, and tasks spawned by tasks", function()
    local log = {}
    sfn.run(function(x)
      log[#log + 1] = x
      sfn.spawn(function() log[#log + 1] = "child" end)
      sfn.sleep(0)
      log[#log + 1] = "parent again"
    end, "parent")
    assert.same({ "parent", "child", "parent again" }, log)
  end)

  it("wakes sleepers in deadline order while the others run", function()
    local log = {}
    sfn.spawn(function() sfn.sleep(0.2); log[#log + 1] = "0.2" end)
    sfn.spawn(function() sfn.sleep(0.05); log[#log + 1] = "0.05" end)
    sfn.spawn(function() log[#log + 1] = "now"; sfn.sleep(0.1); log[#log + 1] = "0.1" end)
    sfn.run()
    assert.same({ "now", "0.05", "0.1", "0.2" }, log)
  end)

  it("sleeps by blocking outside a task", function()
    assert.is_nil(scheduler.current())
    sfn.sleep(0.01)
    sfn.sleep(0)
  end)

  it("treats a plain coroutine.yield in a task as a turn", function()
    local log = {}
    sfn.spawn(function() log[#log + 1] = "a1"; coroutine.yield(); log[#log + 1] = "a2" end)
    sfn.spawn(function() log[#log + 1] = "b1" end)
    sfn.run()
    assert.same({ "a1", "b1", "a2" }, log)
  end)

  it("knows the current task, not a coroutine made inside it", function()
    local inside, nested
    local t = sfn.spawn(function()
      inside = scheduler.current()
      local co = coroutine.create(function() nested = scheduler.current() end)
      coroutine.resume(co)
    end)
    sfn.run()
    assert.equal(t, inside)
    assert.is_nil(nested)
  end)

  it("suspends a task until another wakes it, with values", function()
    local parked, got
    sfn.spawn(function()
      parked = scheduler.current()
      got = { scheduler.suspend() }
    end)
    sfn.spawn(function()
      sfn.sleep(0.01)
      assert.is_true(scheduler.wake(parked, "v", 2))
      assert.is_false(scheduler.wake(parked, "again"))
    end)
    sfn.run()
    assert.same({ "v", 2 }, got)
    assert.is_false(scheduler.wake(parked))
  end)

  it("waits for a socket to become readable, or times out", function()
    local server = assert(socket.bind("127.0.0.1", 0))
    local _, port = server:getsockname()
    local client = assert(socket.connect("127.0.0.1", port))
    local peer = assert(server:accept())
    peer:settimeout(0)
    local log = {}
    sfn.spawn(function()
      local ok, err = scheduler.wait_fd(peer, "r", 0.05)
      log[#log + 1] = tostring(ok) .. " " .. tostring(err)
      ok = scheduler.wait_fd(peer:getfd(), "r", 5)
      log[#log + 1] = tostring(ok) .. " " .. peer:receive(5)
    end)
    sfn.spawn(function()
      sfn.sleep(0.1)
      log[#log + 1] = "send"
      client:send("hello")
    end)
    sfn.run()
    assert.same({ "nil timeout", "send", "true hello" }, log)
    assert.is_true(scheduler.wait_fd(client, "w", 1))
    assert.same({ nil, "timeout" }, { scheduler.wait_fd(client, "r", 0.01) })
    client:close(); peer:close(); server:close()
  end)

  it("stops with the error and traceback of a failing task; run goes on after", function()
    local after = false
    sfn.spawn(function() error("boom", 0) end)
    sfn.spawn(function() after = true end)
    local ok, err = pcall(sfn.run)
    assert.is_false(ok)
    assert.truthy(err:find("^sfn.run: a task failed: boom\nstack traceback:"))
    assert.is_false(after)
    assert.is_true(sfn.run())
    assert.is_true(after)
  end)

  it("reports tasks that wait for nothing", function()
    sfn.spawn(function() scheduler.suspend() end)
    local ok, err = pcall(sfn.run)
    assert.is_false(ok)
    assert.equal("sfn.run: 1 task(s) wait for nothing (suspended with no wake-up)", err)
  end)

  it("raises on misuse", function()
    assert.has_error(function() sfn.spawn(42) end, "sfn.spawn: expected a function, got number")
    assert.has_error(function() scheduler.suspend() end, "sfn.scheduler.suspend: not inside a task")
    local inner
    sfn.run(function() inner = { pcall(sfn.run) } end)
    assert.same({ false, "sfn.run: already running" }, inner)
  end)
end)
