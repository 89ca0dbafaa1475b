-- Reads in the seeded project. Arguments: get IDS_FILE PROJECT | list PROJECT
--   get:  GET one key by id, cycling through real ids (pre-formatted).
--   list: GET the first page, limit=10, default order.
dofile(os.getenv("BENCH_WRK") .. "/common.lua")

local reqs, i = {}, 0
function init(args)
  if args[1] == "get" then
    for _, id in ipairs(lines_of(args[2])) do
      table.insert(reqs, wrk.format("GET", "/cloud/v1/ssh_keys/" .. args[3] .. "/" .. id))
    end
    i = tid * 997 -- threads start at different ids
  else
    reqs[1] = wrk.format("GET", "/cloud/v1/ssh_keys/" .. args[2] .. "?limit=10")
  end
end

function request()
  i = i + 1
  return reqs[i % #reqs + 1]
end

function response(status, headers, body) check(status, 200, body) end
