# Shared by bench/run's parts (sourced): starting and stopping what a part
# needs, and one wrk scenario. Expects BIN, WORK, PY, CONNS, THREADS,
# DURATION and BENCH_WRK to be set.

SERVER_PID="" SAMPLER_PID="" MOTO_PID="" PG_CLUSTER=""

# Stops the server (TERM, then KILL after 5 s), first noting its peak RSS
# (the kernel's high-water mark) in $WORK/peak-rss.
stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  local hwm
  hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0)
  echo "${hwm:-0}" >>"$WORK/peak-rss"
  echo "bench: that server's peak RSS: $(( ${hwm:-0} / 1024 )) MB"
  kill "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

stop_moto() {
  [ -n "$MOTO_PID" ] || return 0
  kill -INT "$MOTO_PID" 2>/dev/null || true # moto stops cleanly on SIGINT
  for _ in $(seq 50); do kill -0 "$MOTO_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$MOTO_PID" 2>/dev/null || true
  MOTO_PID=""
}

stop_cluster() {
  [ -n "$PG_CLUSTER" ] || return 0
  scripts/pg stop "$PG_CLUSTER" >/dev/null 2>&1 || true
  PG_CLUSTER=""
}

# Waits (at most 10 s) until URL answers 2xx.
wait_http() {
  for _ in $(seq 100); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "bench: $1 did not come up" >&2; return 1
}

# start_server DATABASE_URL [EXTRA FLAGS...]: serves on a free port, sets
# SERVER_PID and URL.
start_server() {
  local db=$1 port; shift
  port=$($PY bench/helpers.py port)
  URL=http://127.0.0.1:$port
  "$BIN" serve --listen "127.0.0.1:$port" --database "$db" --max-keys-per-project 10000000 "$@" \
    2>>"$WORK/server.log" &
  SERVER_PID=$!
  disown # no job notice from bash when it stops: the `bench:` line stays last
  wait_http "$URL/healthz"
}

# A durable PostgreSQL cluster of the bench's own (PostgreSQL's default
# fsync, synchronous_commit and full_page_writes), on a free loopback port;
# sets PG_CLUSTER and PG_URL (superuser, database postgres).
start_cluster() {
  local exports
  exports=$(scripts/pg start --durable) || return 1
  PG_CLUSTER=$(sed -n "s/^export SSHKEYD_PG_DIR='\(.*\)'$/\1/p" <<<"$exports")
  PG_URL=$(sed -n "s/^export SSHKEYD_TEST_POSTGRES='\(.*\)'$/\1/p" <<<"$exports")
}

# A new database on the cluster; prints its URL.
new_database() {
  psql -q -v ON_ERROR_STOP=1 "$PG_URL" -c "CREATE DATABASE $1" >/dev/null
  echo "${PG_URL%/postgres}/$1"
}

# Samples a process's VmRSS every 100 ms, keeping the maximum (KiB) in a file.
sample_rss() {
  local max=0 rss
  while kill -0 "$1" 2>/dev/null; do
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0)
    if [ "${rss:-0}" -gt "$max" ]; then max=$rss; echo "$max" >"$2"; fi
    sleep 0.1
  done
}

# scenario GROUP NAME PID BASE_URL SCRIPT [SCRIPT ARGS...]: one wrk run,
# appended to $RESULTS as GROUP NAME rps p50 p99 errors rss. GROUP moto
# sends no token; every other group sends $TOKEN.
scenario() {
  local group=$1 name=$2 pid=$3 url=$4 script=$5; shift 5
  local out=$WORK/$group-$name.wrk auth=()
  [ "$group" != moto ] && auth=(-H "Authorization: APIKey $TOKEN")
  echo "bench: $group $name (${DURATION}s)"
  echo 0 >"$WORK/rss"
  sample_rss "$pid" "$WORK/rss" & SAMPLER_PID=$!
  timeout $((DURATION + 60)) wrk -c "$CONNS" -t "$THREADS" -d "${DURATION}s" --timeout 5s --latency \
    "${auth[@]}" -s "$BENCH_WRK/$script" "$url" -- "$@" >"$out" 2>&1 || true
  kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=""
  local line; line=$(grep '^wrk-result' "$out" || true)
  if [ -z "$line" ]; then
    echo "bench: wrk gave no result for $group $name:" >&2; cat "$out" >&2
    line="wrk-result requests=0 rps=0 p50_us=0 p99_us=0 socket_errors=1 non2xx=0 unexpected=0"
  fi
  grep '^wrk-first-unexpected' "$out" >&2 || true
  # Errors: socket errors plus unexpected statuses (which include non-2xx).
  awk -v n="$name" -v g="$group" -v rss="$(cat "$WORK/rss")" '{
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      err = v["socket_errors"] + (v["unexpected"] > v["non2xx"] ? v["unexpected"] : v["non2xx"])
      printf "%s\t%s\t%s\t%s\t%s\t%d\t%d\n", g, n, v["rps"], v["p50_us"], v["p99_us"], err, rss
    }' <<<"$line" >>"$RESULTS"
}

# note KEY VALUE: a figure for the report that is not a wrk scenario.
note() {
  printf '%s\t%s\n' "$1" "$2" >>"$WORK/notes"
}

# "1 2 ... N" as repeated --project flags.
project_flags() {
  local p
  for p in $(seq "$1" "$2"); do printf -- '--project %s ' "$p"; done
}
