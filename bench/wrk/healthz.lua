-- GET /healthz: the HTTP ceiling. Same Lua hooks as the other scenarios,
-- so that the load generator's own cost is the same in every ratio.
dofile(os.getenv("BENCH_WRK") .. "/common.lua")

local req
function init(args) req = wrk.format("GET", "/healthz") end
function request() return req end
function response(status, headers, body) check(status, 200, body) end
