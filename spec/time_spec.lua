-- spec/time_spec.lua: ISO 8601 timestamps as AWS accepts them (sfn.core
-- time_parse / time_format).  The rejected and accepted forms marked "AWS"
-- come from Wait Timestamp/TimestampPath executions recorded on AWS.
local core = require "sfn.core"

local parse, format = core.time_parse, core.time_format

describe("sfn.time", function()
  describe("parse", function()
    it("reads a UTC timestamp in whole seconds", function()
      assert.are.equal(0, parse("1970-01-01T00:00:00Z"))
      assert.are.equal(1349809255000, parse("2012-10-09T19:00:55Z"))
      assert.are.equal(1457920740000, parse("2016-03-14T01:59:00Z")) -- AWS
    end)

    it("reads fractions of any length up to nine digits, truncating below a millisecond", function()
      assert.are.equal(1457213369243, parse("2016-03-05T21:29:29.243167252Z")) -- AWS
      assert.are.equal(1795255977000, parse("2026-11-21T10:12:57.00Z")) -- AWS
      assert.are.equal(500, parse("1970-01-01T00:00:00.5Z"))
      assert.are.equal(123, parse("1970-01-01T00:00:00.123Z"))
      assert.are.equal(123, parse("1970-01-01T00:00:00.1239Z"))
      assert.is_nil(parse("1970-01-01T00:00:00.1234567891Z"))
    end)

    it("applies numeric offsets", function()
      assert.are.equal(parse("2012-10-09T18:00:55Z"), parse("2012-10-09T19:00:55+01:00"))
      assert.are.equal(parse("2012-10-10T00:30:55Z"), parse("2012-10-09T19:00:55-05:30"))
      assert.are.equal(parse("2012-10-09T18:00:55Z"), parse("2012-10-09T19:00:55+01"))
      assert.are.equal(parse("2012-10-09T19:00:55Z"), parse("2012-10-09T19:00:55+00:00"))
      assert.are.equal(parse("2012-10-09T19:00:55Z"), parse("2012-10-09T19:00:55-00:00"))
    end)

    it("takes seconds as optional and 't'/'z' in either case", function()
      assert.are.equal(parse("2012-10-09T19:00:00Z"), parse("2012-10-09T19:00Z"))
      assert.are.equal(parse("2012-10-09T19:00:55Z"), parse("2012-10-09t19:00:55z"))
    end)

    it("handles leap years and dates before 1970", function()
      assert.are.equal(951782400000, parse("2000-02-29T00:00:00Z"))
      assert.are.equal(-86400000, parse("1969-12-31T00:00:00Z"))
      assert.are.equal(-62135596800000, parse("0001-01-01T00:00:00Z"))
      assert.are.equal(253402300799999, parse("9999-12-31T23:59:59.999Z"))
    end)

    it("rejects what AWS rejects", function()
      assert.is_nil(parse("2016-12-05 21:29:29Z")) -- AWS: no T
      assert.is_nil(parse("2016-12-05T21:29:29")) -- AWS: no zone
      assert.is_nil(parse("2016-13-05T21:29:29Z")) -- AWS: month 13
      assert.is_nil(parse("2016-12-05T25:29:29Z")) -- AWS: hour 25
      assert.is_nil(parse("05-12-2016T21:29:29Z")) -- AWS: day first
    end)

    it("rejects impossible dates and malformed fields", function()
      assert.is_nil(parse("2015-02-29T00:00:00Z"))
      assert.is_nil(parse("1900-02-29T00:00:00Z"))
      assert.is_nil(parse("2016-04-31T00:00:00Z"))
      assert.is_nil(parse("2016-00-10T00:00:00Z"))
      assert.is_nil(parse("2016-01-00T00:00:00Z"))
      assert.is_nil(parse("2016-01-01T24:00:00Z"))
      assert.is_nil(parse("2016-01-01T23:60:00Z"))
      assert.is_nil(parse("2016-01-01T23:59:60Z"))
      assert.is_nil(parse("2016-1-01T00:00:00Z"))
      assert.is_nil(parse("2016-01-01T0:00:00Z"))
      assert.is_nil(parse("2016-01-01T00:00:00+0100"))
      assert.is_nil(parse("2016-01-01T00:00:00+19:00"))
      assert.is_nil(parse("2016-01-01T00:00:00+01:60"))
      assert.is_nil(parse("2016-01-01"))
      assert.is_nil(parse(" 2016-01-01T00:00:00Z"))
      assert.is_nil(parse("2016-01-01T00:00:00Z "))
      assert.is_nil(parse("2016-01-01T00:00:00ZZ"))
      assert.is_nil(parse(""))
    end)
  end)

  describe("format", function()
    it("writes UTC with exactly three fraction digits", function()
      assert.are.equal("1970-01-01T00:00:00.000Z", format(0))
      assert.are.equal("2024-05-01T12:00:00.123Z", format(1714564800123))
      assert.are.equal("2016-03-05T21:29:29.243Z", format(1457213369243))
    end)

    it("writes times before 1970", function()
      assert.are.equal("1969-12-31T23:59:59.999Z", format(-1))
      assert.are.equal("0001-01-01T00:00:00.000Z", format(-62135596800000))
    end)

    it("round-trips with parse across the calendar", function()
      local ms = -62135596800000
      while ms < 253402300799999 do
        assert.are.equal(ms, parse(format(ms)))
        ms = ms + 86400000 * 1009 + 3600017
      end
    end)
  end)
end)
