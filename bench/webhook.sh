#!/usr/bin/env bash
# Benchmarks POST /wechat (plaintext text messages) end to end: wrk -> Kestrel -> signature check -> XML parse ->
# one Lua script in Redis (de-dup, per-user bucket, XADD, counters) -> passive ack reply.
#
# Self-contained and bounded: builds the API in Release, starts its own redis-server (durable settings, like the
# AppHost) in a temp folder on a free port, runs the API on its own, drives wrk, checks Redis, stops everything.
#
# No PostgreSQL: only subscribe/unsubscribe events touch the database and the benchmark sends text messages only,
# so ConnectionStrings__wechatdb points at a closed port (the API's startup check of PostgreSQL warns and gives up
# after 5 s, then it serves; docs/reliability.md).
#
# Usage: bench/webhook.sh [duration=20s] [connections=64] [threads=2]
# Env:   WARMUP (default 15s), USERS (OpenIDs rotated over, default 100000), SKIP_BUILD=1 to reuse the last Release build,
#        QUERIES (signed queries per wrk thread and run, default 600000: raise it for longer runs or faster machines),
#        API_ENV (extra NAME=value settings for the API, e.g. to compare with telemetry off; the API always gets the
#        AppHost's DOTNET_GCgen0size, which API_ENV may override),
#        REDIS_ARGS (extra redis-server arguments, e.g. "--appendonly no" to see what durability costs),
#        REDIS=single|cluster (cluster: a throw-away 3 masters + 3 replicas, bench/lib.sh start_redis_cluster; the API
#        gets the node list), REPLICA_ACKS (the API's Redis:ReplicaAcks: default 1 on the cluster, 0 on a single Redis),
#        RESULT (a file to write the figures to as NAME=value lines, for bench/cluster.sh),
#        API_DLL (an API build to measure instead of this checkout's, e.g. a copy of an older build's output folder for
#        an A/B comparison; implies SKIP_BUILD=1),
#        BASELINE=1 to also measure, once the API and Redis are stopped and with the same wrk script, bare Kestrel
#        answering the same POST (bench/PipelineBench kestrel: no signature, XML, Redis or telemetry) and what that leaves
#        for the webhook at 20k req/s on this machine in these minutes, then the seed design's Node.js stack
#        (bench/node-design: express + wechat middleware + BullMQ, pm2 cluster of 2; needs npm).
set -euo pipefail

DURATION=${1:-20s}
CONNECTIONS=${2:-64}
THREADS=${3:-2}
USERS=${USERS:-100000}
TOKEN=bench-token
APP_ID=wxbench0000000000
TIMESTAMP=1714037059
NONCE=486452656

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d -t wechatai-bench-XXXXXX)
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REDIS_PID=""
API_PID=""
NODE_PID=""
BARE_PID=""

cleanup() {
  stop_process "$API_PID"
  stop_process "$NODE_PID"
  stop_process "$BARE_PID"
  stop_store
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

build_api
BARE_DLL="$ROOT/bench/PipelineBench/bin/Release/net10.0/PipelineBench.dll"
if [[ "${BASELINE:-0}" == 1 && ( "${SKIP_BUILD:-0}" != 1 || ! -f "$BARE_DLL" ) ]]; then
  dotnet build "$ROOT/bench/PipelineBench" -c Release --nologo -v quiet >/dev/null
fi

start_store "$WORK"

# No database: ConnectionStrings__wechatdb points at a closed port (see the header). AckMode text: the passive text
# reply, which the bare-Kestrel baseline and the earlier figures also build (the default, typing, answers "success").
start_api "$DLL" "$WORK/api.log" \
  ConnectionStrings__redis="$REDIS_CONN" Redis__ReplicaAcks="$REPLICA_ACKS" \
  ConnectionStrings__wechatdb="Host=127.0.0.1;Port=$(free_port);Database=none;Username=none;Password=none" \
  WeChat__Token="$TOKEN" WeChat__AppId="$APP_ID" WeChat__TimestampToleranceSeconds=0 Billing__FreeDailyMessages=1000000 WeChat__AckMode=text ${API_ENV:-}
wait_for 60 curl -sf "http://127.0.0.1:$API_PORT/alive"

# One signed query for the sanity check (the timestamp check is off: WeChat:TimestampToleranceSeconds=0). A signed
# query string admits one body (docs/webhook.md), so the measured runs sign every request: QUERIES queries per wrk thread
# and run are made up front (python3, about a second per million) and each thread reads its own file at init.
SIGNATURE=$(printf '%s\n' "$TOKEN" "$TIMESTAMP" "$NONCE" | LC_ALL=C sort | tr -d '\n' | sha1sum | cut -d' ' -f1)
URL="http://127.0.0.1:$API_PORT/wechat?signature=$SIGNATURE&timestamp=$TIMESTAMP&nonce=$NONCE"
QUERIES=${QUERIES:-600000}
for run in 1 2; do
  python3 - "$TOKEN" "$TIMESTAMP" "$run" "$THREADS" "$QUERIES" "$WORK" <<'PY'
import hashlib, sys
token, timestamp, run, threads, count, work = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
for thread in range(1, threads + 1):
    with open(f"{work}/queries-{run}-{thread}.txt", "w") as out:
        for i in range(count):
            nonce = f"{run}{thread:03d}{i:09d}"  # fixed width: unique per run, thread and request
            signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
            out.write(f"signature={signature}&timestamp={timestamp}&nonce={nonce}\n")
PY
done

# Every request is a new message (unique MsgId) from one of $USERS OpenIDs: de-dup and the per-user bucket do real
# work, and with the default limits (burst 5) each user stays within the burst for a 20 s run at ~20k req/s.
cat >"$WORK/webhook.lua" <<LUA
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end
function init(args)
  -- Runs (warm-up, measurement) use disjoint MsgIds, so no run's messages are de-duplicated against another's.
  run = tonumber(args[1]) or 0
  counter = 0
  base = run * 1000000000000 + thread_id * 1000000000
  -- The headers are built once: wrk.format per request cost wrk ~15 % more CPU, taken from the API and Redis on this
  -- shared 2-core machine. With a queries folder (the API's runs) each request takes the next signed query of this
  -- thread's file (wrapping around: the API then refuses, counted as non-2xx); without (the baselines), wrk's URL.
  local host = wrk.headers["Host"] or (wrk.host .. ":" .. wrk.port)
  head = " HTTP/1.1\r\nHost: " .. host .. "\r\nContent-Type: text/xml\r\nContent-Length: "
  queries = {}
  if args[2] then
    for line in io.lines(args[2] .. "/queries-" .. run .. "-" .. thread_id .. ".txt") do queries[#queries + 1] = line end
  end
  path = wrk.path:match("^[^?]*")
end
function request()
  counter = counter + 1
  local body = "<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[o_bench_" ..
    ((counter * 7919 + thread_id) % $USERS) ..
    "]]></FromUserName><CreateTime>1714037059</CreateTime><MsgType><![CDATA[text]]></MsgType>" ..
    "<Content><![CDATA[今天天气怎么样？]]></Content><MsgId>" .. (base + counter) .. "</MsgId></xml>"
  local target = #queries > 0 and (path .. "?" .. queries[(counter - 1) % #queries + 1]) or wrk.path
  return "POST " .. target .. head .. #body .. "\r\n\r\n" .. body
end
LUA

# Sanity check before measuring: one signed message must be acknowledged.
curl -sf -X POST -H 'Content-Type: text/xml' --data '<xml><ToUserName>gh_bench</ToUserName><FromUserName>o_check</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>1</MsgId></xml>' "$URL" | grep -q '正在思考中' \
  || { echo "the API did not acknowledge a signed message:"; cat "$WORK/api.log"; exit 1; }
# The patterns match both keyspaces (wechatai:jobs before shards, wechatai:{tag}:jobs since), so an unsharded build can
# be measured with API_DLL= against this one.
redis_del 'wechatai:*jobs'
redis_del 'wechatai:*stats:*'

echo "== warm-up (${WARMUP:-15s}: JIT tiering settles before measuring)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP:-15s}" -s "$WORK/webhook.lua" "$URL" -- 1 "$WORK" >/dev/null
redis_del 'wechatai:*jobs'
redis_del 'wechatai:*stats:*'
redis_del 'wechatai:*ratelimit:*'
redis_all config resetstat >/dev/null

echo "== wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency (users: $USERS)"
# Each master's CPU too (bench/cluster.sh: how the load spreads); the nodes are fixed for the run (no failover here).
MASTER_PIDS=()
for port in $(redis_nodes master); do MASTER_PIDS+=("$(node_pid "$port")"); done
mapfile -t T0 < <(cpu_ticks "$API_PID" "${REDIS_PIDS[@]}" "${MASTER_PIDS[@]}")
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/webhook.lua" "$URL" -- 2 "$WORK" | tee "$WORK/wrk.txt"
mapfile -t T1 < <(cpu_ticks "$API_PID" "${REDIS_PIDS[@]}" "${MASTER_PIDS[@]}")
# ticks <array name> <from> <count>: the sum of that many entries of a cpu_ticks reading.
ticks() { local -n t=$1; local i sum=0; for ((i = $2; i < $2 + $3; i++)); do sum=$((sum + t[i])); done; echo $sum; }
NODES=${#REDIS_PIDS[@]}
API_T0=${T0[0]}; API_T1=${T1[0]}
REDIS_T0=$(ticks T0 1 "$NODES"); REDIS_T1=$(ticks T1 1 "$NODES")
BUSY_T0=${T0[-1]}; BUSY_T1=${T1[-1]}
MASTER_TICKS=()
for ((i = 0; i < ${#MASTER_PIDS[@]}; i++)); do MASTER_TICKS+=($((T1[1 + NODES + i] - T0[1 + NODES + i]))); done

REQUESTS=$(awk '/requests in/ {print $1}' "$WORK/wrk.txt")
RPS=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")
P50=$(awk '$1 == "50%" {print $2}' "$WORK/wrk.txt")
P99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk.txt")
NON2XX=$(awk '/Non-2xx/ {print $NF}' "$WORK/wrk.txt"); NON2XX=${NON2XX:-0}
SOCKET_ERRORS=$(awk -F'[ ,]+' '/Socket errors/ {print $4+$6+$8+$10}' "$WORK/wrk.txt"); SOCKET_ERRORS=${SOCKET_ERRORS:-0}

XLEN=$(redis_sum 'wechatai:*jobs' xlen)
RECEIVED=$(redis_sum 'wechatai:*stats:*' hget received)
LIMITED=$(redis_sum 'wechatai:*stats:*' hget rate_limited)
# Messages that arrive while earlier ones are in Redis share one script call: report the cost per message too.
SCRIPT_COST=$(redis_all info commandstats | tr -d '\r' \
  | awk -F'[,=]' -v messages="$XLEN" '/^cmdstat_evalsha/ {usec += $4; calls += $2}
      END {if (calls) printf "%.1f us per message, %d calls of %.1f messages on average\n", usec / messages, calls, messages / calls}')
WAITS=$(redis_all info commandstats | tr -d '\r' | awk -F'[,=]' '/^cmdstat_wait:/ {n += $2} END {print n + 0}')

# CPU per request (clock ticks are 10 ms): where the 2 cores' time goes; "rest" is wrk, the kernel's softirqs, others.
CPU_COST=$(awk -v n="$REQUESTS" -v a=$((API_T1 - API_T0)) -v r=$((REDIS_T1 - REDIS_T0)) -v b=$((BUSY_T1 - BUSY_T0)) \
  'BEGIN {printf "API %.1f us, Redis %.1f us, rest %.1f us per request; machine %.0f us per request", a*1e4/n, r*1e4/n, (b-a-r)*1e4/n, b*1e4/n}')

# measure_baseline <pid> <url> <name>: warm-up then a measured wrk run of the same script against another server; sets
# BL_RPS, BL_P99, BL_PROCESS_US (the server's processes) and BL_MACHINE_US (all cores) per request.
measure_baseline() {
  local pid=$1 url=$2 name=$3 t0 t1 busy0 busy1 n
  wait_for 60 curl -sf "${url%%/wechat*}/alive"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP:-15s}" -s "$WORK/webhook.lua" "$url" -- 3 >/dev/null
  read -r -d '' t0 _ busy0 < <(cpu_ticks "$pid" 0) || true
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/webhook.lua" "$url" -- 4 >"$WORK/$name.txt"
  read -r -d '' t1 _ busy1 < <(cpu_ticks "$pid" 0) || true
  n=$(awk '/requests in/ {print $1}' "$WORK/$name.txt")
  BL_RPS=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$WORK/$name.txt")
  BL_P99=$(awk '$1 == "99%" {print $2}' "$WORK/$name.txt")
  BL_PROCESS_US=$(awk -v n="$n" -v a=$((t1 - t0)) 'BEGIN {printf "%.0f", a*1e4/n}')
  BL_MACHINE_US=$(awk -v n="$n" -v b=$((busy1 - busy0)) 'BEGIN {printf "%.0f", b*1e4/n}')
  if grep -q Non-2xx "$WORK/$name.txt"; then echo "ERRORS in the $name baseline: $(grep Non-2xx "$WORK/$name.txt")"; fi
}

BASELINE_LINE="not measured (BASELINE=1)"
NODE_LINE="not measured (BASELINE=1)"
if [[ "${BASELINE:-0}" == 1 ]]; then
  # The API and Redis stop first: an AOF rewrite still running would take CPU from the baselines.
  stop_process "$API_PID"
  API_PID=""
  stop_store
  REDIS=single # the Node.js baseline's own Redis below is a single one
  REDIS_PORT=""
  QUERY="signature=$SIGNATURE&timestamp=$TIMESTAMP&nonce=$NONCE"

  BARE_PORT=$(free_port)
  echo "== baseline: bare Kestrel, same POST and wrk script, wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
  DOTNET_GCgen0size=0x4000000 dotnet "$BARE_DLL" kestrel "$BARE_PORT" >"$WORK/bare.log" 2>&1 &
  BARE_PID=$!
  measure_baseline "$BARE_PID" "http://127.0.0.1:$BARE_PORT/wechat?$QUERY" bare
  stop_process "$BARE_PID"
  BARE_PID=""
  BASELINE_LINE="$BL_RPS req/s, p99 $BL_P99; machine $BL_MACHINE_US us per request (Kestrel $BL_PROCESS_US us)"
  # At 20k req/s the 2 cores have 100 us per request. Bare Kestrel with wrk, plus what Redis alone took per message
  # in the webhook run, is the floor: the webhook's own API work (signature, XML, job, Redis client) comes on top.
  BUDGET_LINE=$(awk -v bare="$BL_MACHINE_US" -v redis=$((REDIS_T1 - REDIS_T0)) -v n="$REQUESTS" -v rps="$RPS" -v cores="$(nproc)" -v brps="$BL_RPS" \
    'BEGIN {r = redis*1e4/n; printf "bare Kestrel + wrk %d us + Redis %.0f us = %.0f us per request before any webhook work: at most %.0f req/s on %d cores; this run reached %.0f%% of bare Kestrel", bare, r, bare + r, cores*1e6/(bare + r), cores, 100*rps/brps}')

  # The seed design's stack, with its own fresh Redis (same settings): express + wechat middleware + BullMQ under a
  # pm2 cluster of 2 (bench/node-design). Its job id de-duplicates; it has no per-user limit and no counters.
  if command -v npm >/dev/null 2>&1; then
    NODE_DIR="$ROOT/bench/node-design"
    echo "== baseline: the design's Node.js stack (express + wechat + BullMQ, pm2 cluster of 2)"
    (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    mkdir -p "$WORK/node-redis"
    start_redis "$WORK/node-redis"
    NODE_PORT=$(free_port)
    (cd "$NODE_DIR" && PORT="$NODE_PORT" REDIS_PORT="$REDIS_PORT" WECHAT_TOKEN="$TOKEN" NODE_ENV=production \
      exec ./node_modules/.bin/pm2-runtime start server.js -i 2) >"$WORK/node.log" 2>&1 &
    NODE_PID=$!
    measure_baseline "$NODE_PID" "http://127.0.0.1:$NODE_PORT/wechat?$QUERY" node
    stop_process "$NODE_PID"
    NODE_PID=""
    NODE_LINE="$BL_RPS req/s, p99 $BL_P99; machine $BL_MACHINE_US us per request (pm2 and node $BL_PROCESS_US us); $(redis-cli -p "$REDIS_PORT" llen bull:ai-jobs:wait) jobs queued (warm-up and run)"
  else
    NODE_LINE="not measured: npm is not installed"
  fi
fi
echo
echo "== summary"
echo "requests:        $REQUESTS in $DURATION ($RPS req/s)"
echo "latency:         p50 $P50, p99 $P99"
echo "enqueue script:  ${SCRIPT_COST:-n/a} (time inside Redis)"
echo "cpu:             $CPU_COST"
echo "bare Kestrel:     $BASELINE_LINE"
[[ -n "${BUDGET_LINE:-}" ]] && echo "budget:          $BUDGET_LINE"
echo "Node.js design:   $NODE_LINE"
echo "errors:          non-2xx $NON2XX, socket errors $SOCKET_ERRORS"
echo "store:           REDIS=${REDIS:-single}, Redis:ReplicaAcks=$REPLICA_ACKS, $WAITS WAIT calls; masters' CPU ticks ${MASTER_TICKS[*]} (all nodes $((REDIS_T1 - REDIS_T0)))"
echo "redis:           XLEN $XLEN, enqueued $RECEIVED, rate-limited $LIMITED (enqueued + limited should be about $REQUESTS)"
if [[ -n "${RESULT:-}" ]]; then
  printf '%s\n' "requests=$REQUESTS" "rps=$RPS" "p50=$P50" "p99=$P99" "errors=$((NON2XX + SOCKET_ERRORS))" "xlen=$XLEN" \
    "api_ticks=$((API_T1 - API_T0))" "redis_ticks=$((REDIS_T1 - REDIS_T0))" "master_ticks=${MASTER_TICKS[*]}" "waits=$WAITS" >"$RESULT"
fi
STATUS=0
[[ "$XLEN" == "$RECEIVED" ]] || { echo "MISMATCH: the stream holds $XLEN jobs but $RECEIVED were counted as enqueued"; STATUS=1; }
(( NON2XX == 0 && SOCKET_ERRORS == 0 )) || { echo "ERRORS during the run"; STATUS=1; }
exit $STATUS
