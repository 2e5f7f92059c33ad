-- sfn.partitions: the AWS partitions that the endpoint rule set's
-- `aws.partition` function looks regions up in.
--
-- Written from AWS's published partition facts (the public partitions data
-- the AWS SDKs ship, version 1.1): each partition's name, the pattern its
-- region names follow, its known regions, and its outputs (DNS suffixes,
-- FIPS and dual-stack support, implicit global region).
--
-- A region pattern `^<prefix>-\w+-\d+$` is kept as its list of prefixes
-- (Lua patterns have no alternation); see endpoints.lua for the matcher.

local _M = { version = "1.1" }

local function set(list)
  local t = {}
  for _, name in ipairs(list) do t[name] = true end
  return t
end

_M.list = {
  {
    id = "aws",
    region_prefixes = { "us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx" },
    regions = set {
      "af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
      "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
      "ap-southeast-4", "ap-southeast-5", "ap-southeast-7", "aws-global", "ca-central-1",
      "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
      "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1",
      "mx-central-1", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    },
    outputs = {
      name = "aws", dnsSuffix = "amazonaws.com", dualStackDnsSuffix = "api.aws",
      supportsFIPS = true, supportsDualStack = true, implicitGlobalRegion = "us-east-1",
    },
  },
  {
    id = "aws-cn",
    region_prefixes = { "cn" },
    regions = set { "aws-cn-global", "cn-north-1", "cn-northwest-1" },
    outputs = {
      name = "aws-cn", dnsSuffix = "amazonaws.com.cn",
      dualStackDnsSuffix = "api.amazonwebservices.com.cn",
      supportsFIPS = true, supportsDualStack = true, implicitGlobalRegion = "cn-northwest-1",
    },
  },
  {
    id = "aws-us-gov",
    region_prefixes = { "us-gov" },
    regions = set { "aws-us-gov-global", "us-gov-east-1", "us-gov-west-1" },
    outputs = {
      name = "aws-us-gov", dnsSuffix = "amazonaws.com", dualStackDnsSuffix = "api.aws",
      supportsFIPS = true, supportsDualStack = true, implicitGlobalRegion = "us-gov-west-1",
    },
  },
  {
    id = "aws-iso",
    region_prefixes = { "us-iso" },
    regions = set { "aws-iso-global", "us-iso-east-1", "us-iso-west-1" },
    outputs = {
      name = "aws-iso", dnsSuffix = "c2s.ic.gov", dualStackDnsSuffix = "c2s.ic.gov",
      supportsFIPS = true, supportsDualStack = false, implicitGlobalRegion = "us-iso-east-1",
    },
  },
  {
    id = "aws-iso-b",
    region_prefixes = { "us-isob" },
    regions = set { "aws-iso-b-global", "us-isob-east-1" },
    outputs = {
      name = "aws-iso-b", dnsSuffix = "sc2s.sgov.gov", dualStackDnsSuffix = "sc2s.sgov.gov",
      supportsFIPS = true, supportsDualStack = false, implicitGlobalRegion = "us-isob-east-1",
    },
  },
  {
    id = "aws-iso-e",
    region_prefixes = { "eu-isoe" },
    regions = set { "aws-iso-e-global", "eu-isoe-west-1" },
    outputs = {
      name = "aws-iso-e", dnsSuffix = "cloud.adc-e.uk", dualStackDnsSuffix = "cloud.adc-e.uk",
      supportsFIPS = true, supportsDualStack = false, implicitGlobalRegion = "eu-isoe-west-1",
    },
  },
  {
    id = "aws-iso-f",
    region_prefixes = { "us-isof" },
    regions = set { "aws-iso-f-global", "us-isof-east-1", "us-isof-south-1" },
    outputs = {
      name = "aws-iso-f", dnsSuffix = "csp.hci.ic.gov", dualStackDnsSuffix = "csp.hci.ic.gov",
      supportsFIPS = true, supportsDualStack = false, implicitGlobalRegion = "us-isof-south-1",
    },
  },
  {
    id = "aws-eusc",
    region_prefixes = { "eusc-de" },
    regions = set { "eusc-de-east-1" },
    outputs = {
      name = "aws-eusc", dnsSuffix = "amazonaws.eu", dualStackDnsSuffix = "amazonaws.eu",
      supportsFIPS = true, supportsDualStack = false, implicitGlobalRegion = "eusc-de-east-1",
    },
  },
}

return _M
