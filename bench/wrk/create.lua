-- POST creates with unique names. Arguments: TAG PROJECTS [POOL_FILE]
-- PROJECTS is one project id, or FIRST-LAST to spread the creates over
-- that range (request n goes to project FIRST + n mod the range's size).
-- With a pool file (one OpenSSH public key a line) each request imports the
-- next key of the pool; without one the server generates the pair.
dofile(os.getenv("BENCH_WRK") .. "/common.lua")

local tag, pool, first, count = nil, nil, nil, nil
function init(args)
  -- wrk.format uses wrk.headers (the -H headers) when given no headers.
  wrk.headers["Content-Type"] = "application/json"
  tag = args[1]
  first, count = project_range(args[2])
  if args[3] then pool = lines_of(args[3]) end
end

function request()
  local name = unique_name(tag)
  local body
  if pool then
    body = '{"name":"' .. name .. '","public_key":"' .. pool[n % #pool + 1] .. '"}'
  else
    body = '{"name":"' .. name .. '"}'
  end
  return wrk.format("POST", "/cloud/v1/ssh_keys/" .. (first + (n + tid) % count), nil, body)
end

function response(status, headers, body) check(status, 201, body) end
