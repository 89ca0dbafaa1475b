-- POST creates with unique names. Arguments: TAG PROJECT [POOL_FILE]
-- With a pool file (one OpenSSH public key a line) each request imports the
-- next key of the pool; without one the server generates the pair.
dofile(os.getenv("BENCH_WRK") .. "/common.lua")

local path, tag, pool = nil, nil, nil
function init(args)
  -- wrk.format uses wrk.headers (the -H headers) when given no headers.
  wrk.headers["Content-Type"] = "application/json"
  tag, path = args[1], "/cloud/v1/ssh_keys/" .. args[2]
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
  return wrk.format("POST", path, nil, body)
end

function response(status, headers, body) check(status, 201, body) end
