-- Mixed load in the seeded project: of every 20 requests, 3 create (15%),
-- 1 deletes (5%), 8 get by id (40%) and 8 list (40%).
-- Arguments: IDS_FILE PROJECT (IDS_FILE lines are PROJECT/ID, in PROJECT)
--
-- wrk's response() hook does not say which request it answers, so each
-- request carries its kind in X-Request-ID, which the server echoes. A
-- delete targets a key that this thread created earlier and saw the 201
-- for; wrk threads have separate Lua states, so no key is deleted twice.
-- Before the first 201 arrives a delete slot becomes a get.
dofile(os.getenv("BENCH_WRK") .. "/common.lua")

local gets, list, base = {}, nil, nil
local hdr = {}            -- header tables per kind
local mine, head, tail = {}, 1, 0 -- queue of ids this thread created
local want = { c = 201, d = 204, g = 200, l = 200 }

local function headers(kind, extra)
  local h = { ["X-Request-ID"] = "bench-mixed-" .. kind }
  for k, v in pairs(wrk.headers) do h[k] = v end
  for k, v in pairs(extra or {}) do h[k] = v end
  return h
end

function init(args)
  base = "/cloud/v1/ssh_keys/" .. args[2]
  hdr.c = headers("c", { ["Content-Type"] = "application/json" })
  hdr.d = headers("d")
  for _, line in ipairs(lines_of(args[1])) do
    table.insert(gets, wrk.format("GET", "/cloud/v1/ssh_keys/" .. line, headers("g")))
  end
  list = wrk.format("GET", base .. "?limit=10", headers("l"))
end

local i = 0
function request()
  i = i + 1
  local slot = i % 20
  if slot < 3 then
    return wrk.format("POST", base, hdr.c, '{"name":"' .. unique_name("mx") .. '"}')
  elseif slot == 3 and head <= tail then
    local id = mine[head]
    mine[head], head = nil, head + 1
    return wrk.format("DELETE", base .. "/" .. id, hdr.d)
  elseif slot < 12 then
    return gets[(i + tid * 997) % #gets + 1]
  end
  return list
end

function response(status, headers, body)
  local rid = headers["x-request-id"] or headers["X-Request-ID"] or ""
  local kind = string.sub(rid, -1)
  check(status, want[kind] or -1, body)
  if kind == "c" and status == 201 then
    local id = string.match(body, '"id":"([0-9a-f%-]+)"')
    if id then tail = tail + 1; mine[tail] = id end
  end
end
