-- Reads. Arguments:
--   get FILE              GET a key by id; FILE lines are PROJECT/ID
--   list PROJECTS         GET the first page (limit=10, default order) of
--                         PROJECTS: one id, or FIRST-LAST to go round them
--   authorized_keys FILE  GET .../authorized_keys?fingerprint=...; FILE
--                         lines are PROJECT FINGERPRINT (SHA256:...)
-- Requests are built once; each thread starts at a different place.
dofile(os.getenv("BENCH_WRK") .. "/common.lua")

local reqs, i = {}, 0
local function encode(s)
  return (string.gsub(s, "[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  local base = "/cloud/v1/ssh_keys/"
  if args[1] == "get" then
    for _, line in ipairs(lines_of(args[2])) do table.insert(reqs, wrk.format("GET", base .. line)) end
  elseif args[1] == "authorized_keys" then
    for _, line in ipairs(lines_of(args[2])) do
      local project, fingerprint = string.match(line, "^(%S+) (%S+)$")
      table.insert(reqs, wrk.format("GET", base .. project .. "/authorized_keys?fingerprint=" .. encode(fingerprint)))
    end
  else
    local first, count = project_range(args[2])
    for p = first, first + math.min(count, 5000) - 1 do
      table.insert(reqs, wrk.format("GET", base .. p .. "?limit=10"))
    end
  end
  i = tid * 997 -- threads start at different requests
end

function request()
  i = i + 1
  return reqs[i % #reqs + 1]
end

function response(status, headers, body) check(status, 200, body) end
