#!/usr/bin/env bash
# Benchmarks the AI pipeline end to end: signed POST /wechat text messages -> API (signature, XML, Lua enqueue) -> Redis
# stream -> worker (consumer group, memory, LLM call, token, customer-service push, budget, batched PostgreSQL writes)
# -> fake WeChat API.
#
# Self-contained and bounded, 127.0.0.1 only: builds the API, the worker, the migration service and bench/PipelineBench
# in Release; starts a throw-away redis-server and PostgreSQL cluster (initdb in a temp folder, as user postgres when
# run as root) on free ports; migrates; starts the fake LLM (answers after LLM_DELAY_MS) and the fake WeChat API
# (counts pushes per job, latency from the message's send time to the push); runs the API and one worker, each from
# its output folder; sends WARMUP_JOBS + JOBS messages from USERS users at RATE/s (DRIVER=redis: XADDs the jobs
# directly, the worker alone); waits for every answer (or a deadline); reports answered/s, latency and CPU of the
# measured jobs (the warm-up ones only count for lost/duplicated), worker RSS, lost and duplicated answers; stops
# everything.
#
# Usage: bench/pipeline.sh            Env: DRIVER=api (or redis) JOBS=30000 WARMUP_JOBS=15000 USERS=5000 RATE=1000
#                                          RAMP_SECONDS=10 (the rate grows from 0 over it) LLM_DELAY_MS=3000
#                                          CONCURRENCY=4000 (Worker:MaxConcurrency and Llm:MaxConcurrency: 1,000/s x ~3.3 s
#                                          per job in steady state is ~3,300 in flight, plus ~20 % for transients)
#                                          INITIAL_CONCURRENCY=1000 (Worker:InitialConcurrency: above the ~450 jobs
#                                          the ramp brings before the first answer, so the slow start never holds it back)
#                                          SKIP_BUILD=1 (reuse the last Release build)
#                                          WORKER_ENV (extra NAME=value settings for the worker, e.g. GC settings)
#                                          WORKER_DLL (another build of the worker, e.g. a ReadyToRun publish)
#                                          API_DLL (another build of the API; with WORKER_DLL, e.g. the unsharded
#                                          build's pair for an A/B: the key patterns match both keyspaces)
#                                          PROFILE=counters|trace|gcdump|perf (see below)
#                                          LOG_DIR (keep the services' logs and samples there)
#                                          REDIS=single|cluster (cluster: a throw-away 3 masters + 3 replicas,
#                                          bench/lib.sh start_redis_cluster; the services get the node list)
#                                          REPLICA_ACKS (the services' Redis:ReplicaAcks: default 1 on the cluster, 0
#                                          on a single Redis)  RESULT (a file for the figures, NAME=value lines)
#                                          ACK_MODE=typing (the worker's WeChat:AckMode: typing or both send WeChat's
#                                          typing command per job, text does not; the API acknowledges with text)
set -euo pipefail

DRIVER=${DRIVER:-api}
JOBS=${JOBS:-30000}
WARMUP_JOBS=${WARMUP_JOBS:-15000}
RAMP_SECONDS=${RAMP_SECONDS:-10}
USERS=${USERS:-5000}
RATE=${RATE:-1000}
LLM_DELAY_MS=${LLM_DELAY_MS:-3000}
CONCURRENCY=${CONCURRENCY:-4000}
INITIAL_CONCURRENCY=${INITIAL_CONCURRENCY:-1000}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d -t wechatai-pipeline-XXXXXX)
chmod 755 "$WORK"
PIDS=()
PG_PID=""
FAKES_PID=""

cleanup() {
  [[ -n "$FAKES_PID" ]] && kill -9 "$FAKES_PID" 2>/dev/null || true # a fake: no graceful stop needed
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n "$PG_PID" ]]; then kill -INT "$PG_PID" 2>/dev/null || true; wait "$PG_PID" 2>/dev/null || true; fi
  if [[ -n "${LOG_DIR:-}" ]]; then mkdir -p "$LOG_DIR" && cp "$WORK"/*.log "$WORK"/*.txt "$LOG_DIR"/ 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"


if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "== building (Release)"
  for project in WeChatAi.Worker WeChatAi.MigrationService WeChatAi.Api bench/PipelineBench; do
    dotnet build "$ROOT/$project" -c Release --nologo -v quiet >/dev/null
  done
fi
WORKER_DLL=${WORKER_DLL:-"$ROOT/WeChatAi.Worker/bin/Release/net10.0/WeChatAi.Worker.dll"}
MIGRATIONS_DLL="$ROOT/WeChatAi.MigrationService/bin/Release/net10.0/WeChatAi.MigrationService.dll"
BENCH_DLL="$ROOT/bench/PipelineBench/bin/Release/net10.0/PipelineBench.dll"
API_DLL=${API_DLL:-"$ROOT/WeChatAi.Api/bin/Release/net10.0/WeChatAi.Api.dll"}

start_store "$WORK"
PIDS+=("${REDIS_PIDS[@]}")

init_postgres "$WORK"
start_postgres "$WORK"
ConnectionStrings__wechatdb="$DB" DOTNET_ENVIRONMENT=Production dotnet "$MIGRATIONS_DLL" >"$WORK/migrations.log" 2>&1

LLM_PORT=$(free_port)
WECHAT_PORT=$(free_port)
SUMMARY="$WORK/summary.json"
echo "== fake LLM (answers after $LLM_DELAY_MS ms) on :$LLM_PORT, fake WeChat API on :$WECHAT_PORT"
DOTNET_gcServer=1 dotnet "$BENCH_DLL" fakes "$LLM_PORT" "$WECHAT_PORT" "$LLM_DELAY_MS" "$((WARMUP_JOBS + JOBS))" "$WARMUP_JOBS" "$SUMMARY" >"$WORK/fakes.log" 2>&1 &
FAKES_PID=$!
wait_for 30 test -f "$SUMMARY"

WORKER_PORT=$(free_port)
echo "== worker (Release) on :$WORKER_PORT, Worker:InitialConcurrency=$INITIAL_CONCURRENCY, Worker:MaxConcurrency=$CONCURRENCY"
# Started from its output folder, as in production, so its appsettings.json applies (log levels, no per-command Redis
# tracing): from elsewhere the content root has no appsettings.json, and the HttpClient logs four lines per request.
cd "$(dirname "$WORKER_DLL")"
ConnectionStrings__redis="$REDIS_CONN" Redis__ReplicaAcks="$REPLICA_ACKS" ConnectionStrings__wechatdb="$DB" \
Llm__BaseUrl="http://127.0.0.1:$LLM_PORT" Llm__ApiKey=bench Llm__MaxConcurrency="$CONCURRENCY" \
WeChat__ApiBaseUrl="http://127.0.0.1:$WECHAT_PORT" WeChat__AppId=wxbench WeChat__AppSecret=bench \
WeChat__AckMode="${ACK_MODE:-typing}" \
Worker__MaxConcurrency="$CONCURRENCY" Worker__InitialConcurrency="$INITIAL_CONCURRENCY" \
ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production \
  env ${WORKER_ENV:-} dotnet "$WORKER_DLL" --urls "http://127.0.0.1:$WORKER_PORT" >"$WORK/worker.log" 2>&1 &
WORKER_PID=$!
cd "$ROOT"
PIDS+=($WORKER_PID)
wait_for 60 curl -sf "http://127.0.0.1:$WORKER_PORT/health"

if [[ "$DRIVER" == api ]]; then
  # The timestamp check off so the sanity check's fixed signed URL stays valid; the loader signs each message itself
  # (a signed query string admits one body).
  start_api "$API_DLL" "$WORK/api.log" \
    ConnectionStrings__redis="$REDIS_CONN" Redis__ReplicaAcks="$REPLICA_ACKS" ConnectionStrings__wechatdb="$DB" \
    WeChat__Token=bench-token WeChat__AppId=wxbench WeChat__TimestampToleranceSeconds=0 Billing__FreeDailyMessages=1000000 WeChat__AckMode=text
  PIDS+=($API_PID)
  wait_for 60 curl -sf "http://127.0.0.1:$API_PORT/alive"
  SIGNATURE=$(printf '%s\n' bench-token 1714037059 486452656 | LC_ALL=C sort | tr -d '\n' | sha1sum | cut -d' ' -f1)
  WEBHOOK_URL="http://127.0.0.1:$API_PORT/wechat"
  # One signed message first: it must be acknowledged, and it JIT-compiles the webhook's path, so the API's first
  # requests do not queue in the sender and reach the worker as one burst (its answer is one "unknown" push).
  curl -sf -X POST -H 'Content-Type: text/xml' --data '<xml><ToUserName>gh_bench</ToUserName><FromUserName>o_check</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>check</Content><MsgId>1</MsgId></xml>' "$WEBHOOK_URL?signature=$SIGNATURE&timestamp=1714037059&nonce=486452656" | grep -q '正在思考中' \
    || { echo "the API did not acknowledge a signed message:"; cat "$WORK/api.log"; exit 1; }
fi

# Worker RSS, sampled every 0.5 s for the whole run.
( while kill -0 "$WORKER_PID" 2>/dev/null; do ps -o rss= -p "$WORKER_PID" >>"$WORK/rss.txt" 2>/dev/null || true; sleep 0.5; done ) &
PIDS+=($!)

# The group's backlog (entries not yet read by a worker) and pending (read, not acknowledged), once a second.
( while kill -0 "$WORKER_PID" 2>/dev/null; do
    redis_keys 'wechatai:*jobs' | while read -r port stream; do
      redis-cli -c -p "$port" XINFO GROUPS "$stream" 2>/dev/null | tr -d '\r' \
        | awk '/^pending$/ { getline; p = $0 } /^lag$/ { getline; l = $0 } END { print l + 0, p + 0 }'
    done | awk '{ l += $1; p += $2 } END { print l + 0, p + 0 }' >>"$WORK/queue.txt"
    sleep 1
  done ) &
PIDS+=($!)

# PROFILE=counters|trace|gcdump|perf: dotnet-counters (runtime, HTTP, sockets), a dotnet-trace thread-time sample, a heap
# dump or a perf CPU sample (needs WORKER_ENV="DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0" for .NET frames: with
# W^X on, perf sees the JIT's code as memfd:doublemapper and cannot name it) of the worker for PROFILE_SECONDS from 5 s after the
# warm-up, saved in PROFILE_DIR.
if [[ -n "${PROFILE:-}" ]]; then
  mkdir -p "${PROFILE_DIR:=/tmp/wechatai-profile}"
  (
    sleep $((WARMUP_JOBS / RATE + RAMP_SECONDS / 2 + 5))
    case "$PROFILE" in
      counters) ~/.dotnet/tools/dotnet-counters collect -p "$WORKER_PID" --duration "00:00:00:${PROFILE_SECONDS:-15}" --refresh-interval 1 \
                  --counters System.Runtime,System.Net.Http,System.Net.Sockets,Microsoft-AspNetCore-Server-Kestrel \
                  --format csv -o "$PROFILE_DIR/worker-counters.csv" >/dev/null ;;
      trace) ~/.dotnet/tools/dotnet-trace collect -p "$WORKER_PID" --profile dotnet-sampled-thread-time \
               --duration "00:00:00:${PROFILE_SECONDS:-10}" --format Speedscope -o "$PROFILE_DIR/worker.nettrace" >/dev/null ;;
      gcdump) ~/.dotnet/tools/dotnet-gcdump collect -p "$WORKER_PID" -o "$PROFILE_DIR/worker.gcdump" >/dev/null ;;
      perf) perf record -F 499 -g -p "$WORKER_PID" -o "$PROFILE_DIR/worker.perf.data" -- sleep "${PROFILE_SECONDS:-10}" \
              >/dev/null 2>&1 ;;
    esac
  ) &
  PIDS+=($!)
fi

if [[ "$DRIVER" == api ]]; then
  echo "== sending $WARMUP_JOBS warm-up + $JOBS measured messages from $USERS users at $RATE/s after a ${RAMP_SECONDS}-s ramp (signed POST /wechat)"
  LOAD=(post "$WEBHOOK_URL" bench-token)
else
  echo "== loading $WARMUP_JOBS warm-up + $JOBS measured jobs from $USERS users at $RATE/s after a ${RAMP_SECONDS}-s ramp (XADD, as the webhook would)"
  LOAD=(load "$REDIS_CONN")
fi
START=$SECONDS
answered() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['answered_jobs'])" "$SUMMARY"; }
# Redis calls made by every client, summed over INFO commandstats (a script's own commands inside it not included).
redis_calls() {
  redis_all INFO commandstats | tr -d '\r' \
    | awk -F'[=,:]' '/^cmdstat_/ { n[$1] += $3; t += $3 } END { print t; for (c in n) print c, n[c] }'
}
# CPU (and the answers and Redis calls it paid for) is counted from the end of the warm-up on: the services, every
# Redis node, then each master on its own (no failover here, so the masters stay as formed).
MASTER_PIDS=()
for port in $(redis_nodes master); do MASTER_PIDS+=("$(node_pid "$port")"); done
CPU_PIDS=("$WORKER_PID" "$FAKES_PID" "$PG_PID" "${API_PID:-0}" "${REDIS_PIDS[@]}" "${MASTER_PIDS[@]}")
# cpu_columns <cpu_ticks lines…>: worker, fakes, Redis (every node), PostgreSQL, API, machine; then each master.
cpu_columns() {
  local t=("$@") nodes=${#REDIS_PIDS[@]} redis=0 i
  for ((i = 4; i < 4 + nodes; i++)); do redis=$((redis + t[i])); done
  echo "${t[0]} ${t[1]} $redis ${t[2]} ${t[3]} ${t[-1]} ${t[*]:4 + nodes:${#MASTER_PIDS[@]}}"
}
WARMUP_SECONDS=$(awk -v w="$WARMUP_JOBS" -v r="$RATE" -v t="$RAMP_SECONDS" 'BEGIN { print (w >= r * t / 2) ? w / r + t / 2 : sqrt(2 * w * t / r) }')
( sleep "$WARMUP_SECONDS"
  answered >"$WORK/answered.start"; redis_calls >"$WORK/redis-calls.start"
  date +%s%N >"$WORK/cpu.start"; cpu_ticks "${CPU_PIDS[@]}" >>"$WORK/cpu.start" ) &
TIMEFORMAT="%U %S"
# A loader that saw refused messages exits 1: the run still reports (the refused ones count as lost answers).
{ time dotnet "$BENCH_DLL" "${LOAD[@]}" "$((WARMUP_JOBS + JOBS))" "$USERS" "$RATE" "$RAMP_SECONDS" 2>"$WORK/loader.err"; } 2>"$WORK/loader.time" \
  || echo "loader: exit $?: $(tail -3 "$WORK/loader.err" | tr '\n' ' ')"

DEADLINE=$((SECONDS + 120))
until [[ $(answered) -ge $((WARMUP_JOBS + JOBS)) ]] || (( SECONDS >= DEADLINE )); do sleep 1; done
mapfile -t CPU_RAW < <(cpu_ticks "${CPU_PIDS[@]}")
read -r -a CPU_END <<<"$(cpu_columns "${CPU_RAW[@]}")"
ANSWERED_END=$(answered); redis_calls >"$WORK/redis-calls.end"
mapfile -t CPU_RAW < <(tail -n +2 "$WORK/cpu.start")
read -r -a CPU_START <<<"$(cpu_columns "${CPU_RAW[@]}")"
MASTER_TICKS=()
for ((i = 6; i < ${#CPU_END[@]}; i++)); do MASTER_TICKS+=($((CPU_END[i] - CPU_START[i]))); done
ELAPSED_MS=$(( ($(date +%s%N) - $(head -1 "$WORK/cpu.start")) / 1000000 ))
sleep 5 # late duplicates would show here
echo "== done after $((SECONDS - START)) s"

echo "== fake WeChat API's count (per job) and latency (received_at -> push)"
cat "$SUMMARY"
echo
# CPU in % of one core from the end of the warm-up to the last answer (2 cores = 200 %); the loader's over its whole run.
HZ=$(getconf CLK_TCK)
cpu_pct() { awk -v a="$1" -v b="$2" -v hz="$HZ" -v ms="${3:-$ELAPSED_MS}" 'BEGIN { printf "%.0f %%", (b - a) / hz / (ms / 1000) * 100 }'; }
LOADER_TICKS=$(awk -v hz="$HZ" '{ printf "%.0f", ($1 + $2) * hz }' "$WORK/loader.time")
LOADER_MS=$(( (WARMUP_JOBS + JOBS) * 1000 / RATE + RAMP_SECONDS * 500 ))
echo "CPU over $((ELAPSED_MS / 1000)) s (% of one core): worker $(cpu_pct "${CPU_START[0]}" "${CPU_END[0]}"), fakes $(cpu_pct "${CPU_START[1]}" "${CPU_END[1]}"), redis $(cpu_pct "${CPU_START[2]}" "${CPU_END[2]}"), postgres $(cpu_pct "${CPU_START[3]}" "${CPU_END[3]}"), API $(cpu_pct "${CPU_START[4]}" "${CPU_END[4]}"), loader $(cpu_pct 0 "$LOADER_TICKS" "$LOADER_MS"), machine $(cpu_pct "${CPU_START[5]}" "${CPU_END[5]}")"
# Per answered message over the same window: CPU in µs of each process, Redis calls by command.
ANSWERED=$((ANSWERED_END - $(cat "$WORK/answered.start")))
us_per() { awk -v a="$1" -v b="$2" -v hz="$HZ" -v n="$ANSWERED" 'BEGIN { printf "%.0f µs", (b - a) / hz * 1e6 / (n > 0 ? n : 1) }'; }
echo "per answered message ($ANSWERED answered): worker $(us_per "${CPU_START[0]}" "${CPU_END[0]}"), redis $(us_per "${CPU_START[2]}" "${CPU_END[2]}"), postgres $(us_per "${CPU_START[3]}" "${CPU_END[3]}"), API $(us_per "${CPU_START[4]}" "${CPU_END[4]}")"
echo "Redis calls per answered message: $(awk -v n="$ANSWERED" 'NR == FNR { if (FNR > 1) s[$1] = $2; else t0 = $1; next }
  FNR == 1 { printf "%.1f (", ($1 - t0) / n; next }
  { d = ($2 - s[$1]) / n; if (d >= 0.05) printf "%s %.2f, ", substr($1, 9), d } END { print ")" }' "$WORK/redis-calls.start" "$WORK/redis-calls.end")"
echo "stream backlog / pending each second: $(awk '{ printf "%s/%s ", $1, $2 }' "$WORK/queue.txt")"
echo "in flight (pending) max: $(awk '$2 > m { m = $2 } END { print m + 0 }' "$WORK/queue.txt")"
echo "worker RSS max: $(sort -n "$WORK/rss.txt" | tail -1 | awk '{printf "%.0f MB", $1/1024}')"
echo "streams (all shards): XLEN $(redis_sum 'wechatai:*jobs' XLEN), pending $(redis_sum 'wechatai:*jobs' XPENDING workers), dead $(redis_sum 'wechatai:*:jobs:dead' XLEN)"
sleep 2
echo "PostgreSQL chat_exchanges rows: $(PGPASSWORD="$PG_PASSWORD" psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d wechatdb -tAc 'select count(*) from chat_exchanges')"
echo "worker log: $(wc -l <"$WORK/worker.log") lines"
# The services run in Production, where each log record is one JSON line.
WARNINGS='"LogLevel":"(Warning|Error|Critical)"'
if [[ "$DRIVER" == api ]]; then
  echo "API: received $(redis_sum 'wechatai:*stats:*' hget received), rate-limited $(redis_sum 'wechatai:*stats:*' hget rate_limited), warnings/errors in its log $(grep -cE "$WARNINGS" "$WORK/api.log" || true)"
fi
echo "worker warnings/errors: $(grep -cE "$WARNINGS" "$WORK/worker.log" || true)"
grep -E "$WARNINGS" "$WORK/worker.log" | cut -c1-400 | head -20 || true
echo "store: REDIS=${REDIS:-single}, Redis:ReplicaAcks=$REPLICA_ACKS; masters' CPU per answered message: $(for t in "${MASTER_TICKS[@]}"; do us_per 0 "$t"; echo -n ", "; done)"
if [[ -n "${RESULT:-}" ]]; then
  python3 - "$SUMMARY" >"$RESULT" <<PY
import json, sys
s = json.load(open(sys.argv[1]))
print(f"sustained={s['answered_per_second_sustained']}")
print(f"overall={s['answered_per_second_overall']:.0f}")
print(f"p50={s['latency_ms']['p50']}")
print(f"p99={s['latency_ms']['p99']}")
print(f"lost={s['lost']}")
print(f"duplicated={s['duplicated_jobs']}")
PY
  printf '%s\n' "answered=$ANSWERED" "elapsed_ms=$ELAPSED_MS" "hz=$HZ" "worker_ticks=$((CPU_END[0] - CPU_START[0]))" \
    "redis_ticks=$((CPU_END[2] - CPU_START[2]))" "api_ticks=$((CPU_END[4] - CPU_START[4]))" "master_ticks=${MASTER_TICKS[*]}" >>"$RESULT"
fi
