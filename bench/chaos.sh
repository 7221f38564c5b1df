#!/usr/bin/env bash
# Fault injection: messages sent as WeChat sends them (5 s per attempt, 3 attempts, same MsgId) into the API while
# workers are SIGKILLed, Redis is restarted and SIGKILLed, PostgreSQL restarted and the API SIGKILLed, with a share of
# LLM calls and pushes failing. Counts, per message, what the sender was told and what the fake WeChat API delivered:
# accepted, lost (accepted, never answered), duplicated (answered twice), never accepted; and the webhook's latency.
#
# Self-contained and bounded, 127.0.0.1 only: builds in Release, starts its own redis-server (DURABILITY: always by
# default, as no acknowledged message may be lost to a Redis SIGKILL), PostgreSQL, the fakes, one API and two workers,
# each service from its output folder; stops everything at the end (or after DEADLINE seconds of waiting for answers).
#
# --cluster: the same run on a throw-away Redis Cluster of 3 masters + 3 replicas (AOF everysec unless DURABILITY says
# otherwise; the services get the node list and Redis:ReplicaAcks=REPLICA_ACKS, default 1), where the Redis restart
# and SIGKILL give way to the cluster's faults: a manual failover (CLUSTER FAILOVER on a replica), a master SIGKILLed
# (its replica takes over), that old master started again on its data (it rejoins as a replica), and RESHARD_SLOTS
# (default 2100: two shards' tags) migrated from one master to another while the traffic runs (redis-cli --cluster
# reshard). A duplicate whose first push reached the fake WeChat API within 1 s of a worker's SIGKILL is counted as a
# push that was on the wire when its worker died.
#
# Usage: bench/chaos.sh [--cluster]   Env: JOBS=1000 USERS=200 RATE=25 LLM_DELAY_MS=1000 LLM_FAULTS=0.1 PUSH_FAULTS=0.1
#                                 WORKER_KILLS=12 (one every KILL_EVERY=3 s, alternating the two workers)
#                                 STORE_FAULTS=1 (0: no Redis, PostgreSQL or API faults, for a same-machine baseline)
#                                 DURABILITY=always|everysec  DEADLINE=120  SKIP_BUILD=1  LOG_DIR (keep the logs)
#                                 APIS (API replicas: 1, or 2 with --cluster; the sender sends each attempt to the next)
#                                 WORKER_DLL (another build of the worker, e.g. the previous commit's, to compare)
set -euo pipefail

JOBS=${JOBS:-1000}
USERS=${USERS:-200}
RATE=${RATE:-25}
LLM_DELAY_MS=${LLM_DELAY_MS:-1000}
LLM_FAULTS=${LLM_FAULTS:-0.1}
PUSH_FAULTS=${PUSH_FAULTS:-0.1}
WORKER_KILLS=${WORKER_KILLS:-12}
STORE_FAULTS=${STORE_FAULTS:-1}
KILL_EVERY=${KILL_EVERY:-3}
CLUSTER=0
[[ "${1:-}" == --cluster ]] && CLUSTER=1
if [[ $CLUSTER == 1 ]]; then REDIS=cluster; DURABILITY=${DURABILITY:-everysec}; else REDIS=single; DURABILITY=${DURABILITY:-always}; fi
RESHARD_SLOTS=${RESHARD_SLOTS:-2100}
APIS=${APIS:-$((CLUSTER + 1))}
DEADLINE=${DEADLINE:-120}
TOKEN=bench-token

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d -t wechatai-chaos-XXXXXX)
chmod 755 "$WORK"
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REDIS_PID=""
PG_PID=""
FAKES_PID=""
API_PIDS=()
SENDER_PID=""
WORKER_PIDS=("" "")

cleanup() {
  [[ -n "$FAKES_PID" ]] && kill -9 "$FAKES_PID" 2>/dev/null || true
  [[ -n "$SENDER_PID" ]] && kill -9 "$SENDER_PID" 2>/dev/null || true
  for pid in "${API_PIDS[@]}"; do stop_process "$pid"; done
  stop_process "${WORKER_PIDS[0]}"
  stop_process "${WORKER_PIDS[1]}"
  [[ -n "${RESHARD_PID:-}" ]] && kill "$RESHARD_PID" 2>/dev/null || true
  stop_store
  if [[ -n "$PG_PID" ]]; then kill -INT "$PG_PID" 2>/dev/null || true; wait "$PG_PID" 2>/dev/null || true; fi
  if [[ -n "${LOG_DIR:-}" ]]; then mkdir -p "$LOG_DIR" && cp -r "$WORK"/*.log "$WORK"/*.json* "$WORK"/redis "$LOG_DIR"/ 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "== building (Release)"
  for project in WeChatAi.Worker WeChatAi.MigrationService WeChatAi.Api bench/PipelineBench; do
    dotnet build "$ROOT/$project" -c Release --nologo -v quiet >/dev/null
  done
fi
WORKER_DLL="${WORKER_DLL:-$ROOT/WeChatAi.Worker/bin/Release/net10.0/WeChatAi.Worker.dll}"
MIGRATIONS_DLL="$ROOT/WeChatAi.MigrationService/bin/Release/net10.0/WeChatAi.MigrationService.dll"
BENCH_DLL="$ROOT/bench/PipelineBench/bin/Release/net10.0/PipelineBench.dll"
API_DLL="$ROOT/WeChatAi.Api/bin/Release/net10.0/WeChatAi.Api.dll"

REDIS_ARGS="--appendfsync $DURABILITY ${REDIS_ARGS:-}"
mkdir -p "$WORK/redis"
start_store "$WORK/redis"
init_postgres "$WORK"
start_postgres "$WORK"
ConnectionStrings__wechatdb="$DB" DOTNET_ENVIRONMENT=Production dotnet "$MIGRATIONS_DLL" >"$WORK/migrations.log" 2>&1

LLM_PORT=$(free_port)
WECHAT_PORT=$(free_port)
FAKES="$WORK/fakes.json"
echo "== fakes: LLM on :$LLM_PORT ($LLM_DELAY_MS ms, $LLM_FAULTS fail), WeChat API on :$WECHAT_PORT ($PUSH_FAULTS of pushes fail)"
dotnet "$BENCH_DLL" fakes "$LLM_PORT" "$WECHAT_PORT" "$LLM_DELAY_MS" "$JOBS" 0 "$FAKES" "$LLM_FAULTS" "$PUSH_FAULTS" >"$WORK/fakes.log" 2>&1 &
FAKES_PID=$!
wait_for 30 test -f "$FAKES.perjob"

WORKER_PORTS=("$(free_port)" "$(free_port)")
start_worker() { # start_worker <0|1>
  local n=$1
  (cd "$(dirname "$WORKER_DLL")" && exec env ConnectionStrings__redis="$REDIS_CONN" Redis__ReplicaAcks="$REPLICA_ACKS" ConnectionStrings__wechatdb="$DB" \
    Llm__BaseUrl="http://127.0.0.1:$LLM_PORT" Llm__ApiKey=bench Llm__RetryBaseDelayMs=200 \
    WeChat__ApiBaseUrl="http://127.0.0.1:$WECHAT_PORT" WeChat__AppId=wxbench WeChat__AppSecret=bench \
    Worker__ClaimIdleSeconds=5 Worker__RetryBaseDelayMs=500 Worker__RetryMaxDelayMs=5000 \
    ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production \
    dotnet "$WORKER_DLL" --urls "http://127.0.0.1:${WORKER_PORTS[$n]}") >>"$WORK/worker$n.log" 2>&1 &
  WORKER_PIDS[$n]=$!
}
start_worker 0
start_worker 1
wait_for 60 curl -sf "http://127.0.0.1:${WORKER_PORTS[0]}/health"
wait_for 60 curl -sf "http://127.0.0.1:${WORKER_PORTS[1]}/health"

# APIS replicas (1 by default, 2 with --cluster as in the issue's check): the sender sends each attempt to the next one,
# as a balancer would; the API SIGKILL hits the first. api <n> starts (or restarts) replica n.
API_PORTS=()
for ((n = 0; n < APIS; n++)); do API_PORTS+=("$(free_port)"); done
api() {
  API_PORT=${API_PORTS[$1]}
  start_api "$API_DLL" "$WORK/api$1.log" ConnectionStrings__redis="$REDIS_CONN" Redis__ReplicaAcks="$REPLICA_ACKS" ConnectionStrings__wechatdb="$DB" \
    WeChat__Token="$TOKEN" WeChat__AppId=wxbench WeChat__TimestampToleranceSeconds=0 Billing__FreeDailyMessages=1000000 WeChat__AckMode=text
  API_PIDS[$1]=$API_PID
}
URL=""
for ((n = 0; n < APIS; n++)); do
  api "$n"
  wait_for 60 curl -sf "http://127.0.0.1:${API_PORTS[$n]}/health"
  # The sender signs each message itself: a signed query string admits one body.
  URL+="${URL:+,}http://127.0.0.1:${API_PORTS[$n]}/wechat"
done

SENDER="$WORK/sender.json"
echo "== sending $JOBS messages from $USERS users at $RATE/s as WeChat does, with faults"
dotnet "$BENCH_DLL" wechat "$URL" "$TOKEN" "$JOBS" "$USERS" "$RATE" "$SENDER" >"$WORK/sender.log" 2>&1 &
SENDER_PID=$!
START=$SECONDS
at() { while (( SECONDS - START < $1 )); do sleep 0.2; done; } # at <second of the run>
FAULTS=()
fault() { FAULTS+=("$(( SECONDS - START ))s $*"); echo "   $(( SECONDS - START ))s: $*"; }

# The schedule, over the sending time (JOBS / RATE seconds): worker kills throughout, the stores and the API between.
SPAN=$(( JOBS / RATE ))
REDIS_RESTART_AT=$(( SPAN * 3 / 10 )); REDIS_KILL_AT=$(( SPAN / 2 )); PG_RESTART_AT=$(( SPAN * 6 / 10 )); API_KILL_AT=$(( SPAN * 3 / 4 ))
kills=0
next_kill=$KILL_EVERY
events=("$REDIS_RESTART_AT redis-restart" "$REDIS_KILL_AT redis-kill" "$PG_RESTART_AT pg-restart" "$API_KILL_AT api-kill")
if [[ $CLUSTER == 1 ]]; then
  events=("$(( SPAN * 15 / 100 )) failover" "$(( SPAN * 35 / 100 )) master-kill" "$(( SPAN / 2 )) master-restart"
    "$(( SPAN * 6 / 10 )) pg-restart" "$(( SPAN * 65 / 100 )) reshard" "$(( SPAN * 85 / 100 )) api-kill")
fi
KILLED_PORT=""
RESHARD_PID=""
# cluster_settled: every node that is up serves every slot and agrees (what redis-cli --cluster reshard checks first).
cluster_settled() {
  local port
  for port in "${CLUSTER_PORTS[@]}"; do
    [[ "$port" == "$KILLED_PORT" ]] && continue
    cluster_ok "$port" || return 1
  done
  redis-cli --cluster check "127.0.0.1:$(redis_any_port)" >/dev/null 2>&1
}
[[ "$STORE_FAULTS" == 1 ]] || events=()
while (( kills < WORKER_KILLS )) || (( ${#events[@]} > 0 )); do
  now=$(( SECONDS - START ))
  if (( ${#events[@]} > 0 )) && (( now >= ${events[0]%% *} )); then
    case ${events[0]#* } in
      redis-restart) fault "Redis restarted (SHUTDOWN, then started on its data)"
        redis-cli -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || true; wait "$REDIS_PID" 2>/dev/null || true; start_redis "$WORK/redis" >/dev/null ;;
      redis-kill) fault "Redis SIGKILLed, then started on its data"
        kill -9 "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null || true; start_redis "$WORK/redis" >/dev/null ;;
      pg-restart) fault "PostgreSQL restarted (fast shutdown)"
        kill -INT "$PG_PID"; wait "$PG_PID" 2>/dev/null || true; start_postgres "$WORK" >/dev/null ;;
      failover) port=$(replica_of "$(redis_nodes master | head -1)")
        fault "CLUSTER FAILOVER on replica :$port"
        redis-cli -p "$port" cluster failover >/dev/null ;;
      master-kill) KILLED_PORT=$(redis_nodes master | tail -1)
        fault "master :$KILLED_PORT SIGKILLed (its replica :$(replica_of "$KILLED_PORT") takes over)"
        pid=$(node_pid "$KILLED_PORT"); kill -9 "$pid"; wait "$pid" 2>/dev/null || true ;;
      master-restart) fault "old master :$KILLED_PORT started again on its data (rejoins as a replica)"
        start_cluster_node "$WORK/redis" "$KILLED_PORT"
        for i in "${!CLUSTER_PORTS[@]}"; do [[ ${CLUSTER_PORTS[$i]} == "$KILLED_PORT" ]] && CLUSTER_PIDS[$i]=$NODE_PID; done
        KILLED_PORT="" ;;
      reshard) wait_for 15 cluster_settled || true
        read -r from to <<<"$(redis_nodes master | head -2 | tr '\n' ' ')"
        fault "$RESHARD_SLOTS slots migrating :$from -> :$to (redis-cli --cluster reshard, in the background)"
        redis-cli --cluster reshard "127.0.0.1:$from" --cluster-from "$(node_id "$from")" --cluster-to "$(node_id "$to")" \
          --cluster-slots "$RESHARD_SLOTS" --cluster-yes >"$WORK/reshard.log" 2>&1 &
        RESHARD_PID=$! ;;
      api-kill) fault "API replica 0 (of $APIS) SIGKILLed, then started again"
        kill -9 "${API_PIDS[0]}"; wait "${API_PIDS[0]}" 2>/dev/null || true; api 0 ;;
    esac
    events=("${events[@]:1}")
  elif (( kills < WORKER_KILLS )) && (( now >= next_kill )); then
    n=$(( kills % 2 ))
    fault "worker $n SIGKILLed, then started again"
    kill -9 "${WORKER_PIDS[$n]}"; date +%s%3N >>"$WORK/worker-kills.txt"; wait "${WORKER_PIDS[$n]}" 2>/dev/null || true; start_worker "$n"
    kills=$(( kills + 1 )); next_kill=$(( next_kill + KILL_EVERY ))
  else
    sleep 0.2
  fi
done

wait "$SENDER_PID" || true
SENDER_PID=""
RESHARD_LINE="none"
if [[ -n "$RESHARD_PID" ]]; then
  if wait "$RESHARD_PID"; then RESHARD_LINE="done after $(( SECONDS - START )) s"; else RESHARD_LINE="FAILED: $(grep -E 'ERR|error' "$WORK/reshard.log" | head -3 | tr '\n' ' ')"; fi
  RESHARD_PID=""
fi
echo "== sender done after $(( SECONDS - START )) s; waiting up to $DEADLINE s for every accepted message's answer"
touch "$WORK/worker-kills.txt"
outcome() { # prints: accepted lost duplicated never_accepted answered_without_ack duplicated_on_the_wire
  python3 - "$SENDER.accepted" "$FAKES.perjob" "$FAKES.pushes" "$WORK/worker-kills.txt" <<'PY'
import os, sys
accepted = [int(x) for x in open(sys.argv[1]).read().split()]
answers = [int(x) for x in open(sys.argv[2]).read().split()]
firsts = [int(line.split()[0]) for line in open(sys.argv[3])] if os.path.exists(sys.argv[3]) else [0] * len(answers)
kills = [int(x) for x in open(sys.argv[4]).read().split()]
acc = [i for i, a in enumerate(accepted) if a > 0]
duplicated = [i for i, n in enumerate(answers) if n > 1]
# A push on the wire when its worker died: delivered, and the worker SIGKILLed before it could record it as sent.
wire = sum(1 for i in duplicated if any(abs(k - firsts[i]) <= 1000 for k in kills))
print(len(acc), sum(1 for i in acc if answers[i] == 0), len(duplicated),
      sum(1 for a in accepted if a == 0), sum(1 for i, a in enumerate(accepted) if a == 0 and answers[i] > 0), wire)
PY
}
deadline=$(( SECONDS + DEADLINE ))
sleep 1.5 # one summary tick of the fakes after the last message
read -r ACCEPTED LOST DUPLICATED NEVER ANSWERED_WITHOUT_ACK WIRE < <(outcome)
while (( LOST > 0 )) && (( SECONDS < deadline )); do
  sleep 2
  read -r ACCEPTED LOST DUPLICATED NEVER ANSWERED_WITHOUT_ACK WIRE < <(outcome)
done
sleep 5 # a claim interval more: a duplicate would show now
read -r ACCEPTED LOST DUPLICATED NEVER ANSWERED_WITHOUT_ACK WIRE < <(outcome)

echo
echo "== faults"
printf '   %s\n' "${FAULTS[@]}"
echo "== summary (REDIS=$REDIS, Redis:ReplicaAcks $REPLICA_ACKS, appendfsync $DURABILITY, LLM faults $LLM_FAULTS, push faults $PUSH_FAULTS)"
python3 - "$SENDER" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"requests:        {s['requests']} for {s['jobs']} messages; accepted on attempt 1/2/3: {'/'.join(map(str, s['accepted_on_attempt']))}")
print(f"webhook latency: p50 {s['latency_ms']['p50']:.1f} ms, p99 {s['latency_ms']['p99']:.1f} ms, max {s['latency_ms']['max']:.0f} ms; requests over 5 s: {s['requests_over_5s']}")
PY
echo "accepted:        $ACCEPTED of $JOBS"
echo "lost:            $LOST (accepted, never answered)"
echo "duplicated:      $DUPLICATED (answered more than once; $WIRE of them a push on the wire when its worker was SIGKILLed)"
echo "never accepted:  $NEVER (all three attempts failed; $ANSWERED_WITHOUT_ACK of them answered anyway)"
echo "PostgreSQL rows: $(PGPASSWORD="$PG_PASSWORD" psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d wechatdb -tAc 'select count(*) from chat_exchanges')"
echo "dead letters:    $(redis_sum 'wechatai:*:jobs:dead' xlen)"
if [[ $CLUSTER == 1 ]]; then
  echo "slot migration:  $RESHARD_LINE"
  echo "cluster now:     masters $(redis_nodes master | tr '\n' ' '); replicas $(redis_nodes slave | tr '\n' ' ')"
fi
WARNINGS='"LogLevel":"(Warning|Error|Critical)"'
echo "log warnings:    APIs $(cat "$WORK"/api*.log | grep -cE "$WARNINGS" || true), workers $(cat "$WORK"/worker*.log | grep -cE "$WARNINGS" || true)"
cat "$WORK"/api*.log "$WORK"/worker*.log | grep -E "$WARNINGS" | grep -oE '"Message":"[^"]{0,160}' | sed -E 's/[0-9]+/N/g' | sort | uniq -c | sort -rn | head -12 || true
OVER=$(python3 -c "import json; print(json.load(open('$SENDER'))['requests_over_5s'])")
[[ "$LOST" == 0 && "$DUPLICATED" == "$WIRE" && "$OVER" == 0 ]]
