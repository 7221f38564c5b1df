#!/usr/bin/env bash
# Cold start under a burst (docs/reliability.md, "Startup and readiness"): a Release API started on its own against a
# fresh redis-server and PostgreSQL, BURST signed webhook requests fired the moment its port accepts connections.
# Prints, per run, the time from process start to the port opening, the first 200, the last reply, the slowest request.
#
# Usage: bench/startup.sh [runs=5] [burst=64]
# Env:   SKIP_BUILD=1 to reuse the last Release build, API_DLL (another build's WeChatAi.Api.dll, implies SKIP_BUILD=1),
#        API_ENV (extra NAME=value settings, e.g. DOTNET_TieredPGO=0).
set -euo pipefail
RUNS=${1:-5}
BURST=${2:-64}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d -t wechatai-startup-XXXXXX)
chmod 755 "$WORK"
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
REDIS_PID=""
PG_PID=""
cleanup() {
  stop_process "$REDIS_PID"
  [[ -n "$PG_PID" ]] && kill -INT "$PG_PID" 2>/dev/null && wait "$PG_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

build_api

start_redis "$WORK"

# PostgreSQL in a throwaway cluster (trust auth on loopback); as root it runs as the postgres user, as it must.
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
PG_PORT=$(free_port)
as_pg() { if [[ $(id -u) == 0 ]]; then setpriv --reuid=postgres --regid=postgres --init-groups "$@"; else "$@"; fi; }
mkdir -p "$WORK/pg" && { [[ $(id -u) != 0 ]] || chown postgres:postgres "$WORK/pg"; }
as_pg "$PG_BIN/initdb" -D "$WORK/pg" -U postgres --auth=trust --no-locale >/dev/null
PG_RUN=("$PG_BIN/postgres" -D "$WORK/pg" -p "$PG_PORT" -h 127.0.0.1 -k '')
[[ $(id -u) != 0 ]] || PG_RUN=(setpriv --reuid=postgres --regid=postgres --init-groups "${PG_RUN[@]}")
"${PG_RUN[@]}" >"$WORK/pg.log" 2>&1 &
PG_PID=$!
wait_for 30 "$PG_BIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT"

echo "== $RUNS cold starts, $BURST requests each the moment the port opens"
env ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production DOTNET_GCgen0size=0x4000000 \
  ConnectionStrings__redis="127.0.0.1:$REDIS_PORT" \
  ConnectionStrings__wechatdb="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres" \
  WeChat__Token=bench-token WeChat__AppId=wxbench0000000000 WeChat__TimestampToleranceSeconds=0 \
  RateLimits__PerUserBurst=5 Billing__FreeDailyMessages=1000000 WeChat__AckMode=text ${API_ENV:-} \
  python3 "$ROOT/bench/startup.py" "$DLL" "$(free_port)" bench-token "$RUNS" "$BURST"
