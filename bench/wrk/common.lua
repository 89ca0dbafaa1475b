-- Shared by every scenario script (loaded with dofile). Gives each wrk
-- thread an id, counts responses whose status is not the expected one, and
-- prints one machine-readable result line that bench/run parses.
--
-- Each wrk thread runs its own Lua state; setup() and done() run in the
-- main state, so counters are read back with thread:get().

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

-- Per-thread state (globals of that thread's Lua state).
bad, first_bad, n = 0, "", 0

-- Counts a response as an error unless its status is `want`.
function check(status, want, body)
  if status ~= want then
    bad = bad + 1
    if first_bad == "" then
      first_bad = status .. " " .. string.sub(body or "", 1, 160):gsub("%s+", " ")
    end
  end
end

-- Reads a file into a list of non-empty lines.
function lines_of(path)
  local list = {}
  local f = assert(io.open(path, "r"), "cannot open " .. tostring(path))
  for line in f:lines() do
    if line ~= "" then table.insert(list, line) end
  end
  f:close()
  assert(#list > 0, "empty file " .. path)
  return list
end

-- "P" or "FIRST-LAST": the first project id and how many there are.
function project_range(spec)
  local a, b = string.match(spec, "^(%d+)-(%d+)$")
  if a then return tonumber(a), tonumber(b) - tonumber(a) + 1 end
  return tonumber(spec), 1
end

-- A name unique across threads and requests: <tag><nonce>-<thread>-<counter>.
-- BENCH_NONCE (optional) keeps names apart across runs on one database.
local nonce = os.getenv("BENCH_NONCE") or ""
function unique_name(tag)
  n = n + 1
  return string.format("%s%s-%d-%d", tag, nonce, tid, n)
end

function done(summary, latency, requests)
  local e = summary.errors
  local unexpected, sample = 0, ""
  for _, t in ipairs(threads) do
    unexpected = unexpected + t:get("bad")
    if sample == "" then sample = t:get("first_bad") end
  end
  local secs = summary.duration / 1e6
  io.write(string.format(
    "wrk-result requests=%d rps=%.1f p50_us=%d p99_us=%d socket_errors=%d non2xx=%d unexpected=%d\n",
    summary.requests, summary.requests / secs, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status, unexpected))
  if sample ~= "" then io.write("wrk-first-unexpected " .. sample .. "\n") end
end
