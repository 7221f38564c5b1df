#!/usr/bin/env bash
# A single Redis against a Redis Cluster of 3 masters + 3 replicas, side by side in one run, alternating:
# - webhook req/s (bench/webhook.sh): single; cluster with Redis:ReplicaAcks=1 (WAIT for a replica before the 200);
#   cluster with Redis:ReplicaAcks=0 (the difference between the two cluster runs is what the replica's
#   acknowledgement costs);
# - pipeline answered/s (bench/pipeline.sh, webhook -> worker -> fake WeChat API): single; cluster (ReplicaAcks=1);
# - for every run, each master's redis-server CPU (utime + stime from /proc, over the measured window) per 1,000
#   messages, and the busiest master's share of the masters' total (issue 24: at most 40 %).
# The order of the variants is reversed in every other round, so a drift of the shared machine's load does not favour
# one side. Each run starts and stops its own Redis (or cluster), services and fakes, 127.0.0.1 only.
#
# Usage: bench/cluster.sh     Env: ROUNDS=1 (a round took about 5 minutes here)  SKIP_BUILD=1 (reuse the Release build)
#                                  WEBHOOK_DURATION=10s WEBHOOK_WARMUP=5s CONNECTIONS=32
#                                  PIPELINE_JOBS=8000 PIPELINE_WARMUP_JOBS=4000 PIPELINE_RATE=400 LLM_DELAY_MS=1000
#                                  OUT (a folder to keep each run's output and figures; a temp folder by default)
set -euo pipefail

ROUNDS=${ROUNDS:-1}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$(mktemp -d -t wechatai-cluster-XXXXXX)}
mkdir -p "$OUT"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "== building (Release)"
  for project in WeChatAi.Worker WeChatAi.MigrationService WeChatAi.Api bench/PipelineBench; do
    dotnet build "$ROOT/$project" -c Release --nologo -v quiet >/dev/null
  done
fi

# webhook <variant> <round>: variant single | cluster-acks1 | cluster-acks0.
webhook() {
  local redis=${1%%-*} acks=0
  [[ $1 == cluster-acks1 ]] && acks=1
  echo "== round $2: webhook, $1"
  REDIS=$redis REPLICA_ACKS=$acks SKIP_BUILD=1 WARMUP=${WEBHOOK_WARMUP:-5s} QUERIES=${QUERIES:-150000} \
    RESULT="$OUT/webhook-$1-$2.txt" "$ROOT/bench/webhook.sh" "${WEBHOOK_DURATION:-10s}" "${CONNECTIONS:-32}" 2 \
    >"$OUT/webhook-$1-$2.log" 2>&1 || echo "   (exit $?: see $OUT/webhook-$1-$2.log)"
  grep -E '^(requests|errors|store):' "$OUT/webhook-$1-$2.log" | sed 's/^/   /' || true
}

# pipeline <variant> <round>: variant single | cluster (ReplicaAcks 1).
pipeline() {
  echo "== round $2: pipeline, $1"
  REDIS=$1 SKIP_BUILD=1 JOBS=${PIPELINE_JOBS:-8000} WARMUP_JOBS=${PIPELINE_WARMUP_JOBS:-4000} RATE=${PIPELINE_RATE:-400} \
    RAMP_SECONDS=5 LLM_DELAY_MS=${LLM_DELAY_MS:-1000} CONCURRENCY=2000 INITIAL_CONCURRENCY=500 \
    RESULT="$OUT/pipeline-$1-$2.txt" "$ROOT/bench/pipeline.sh" >"$OUT/pipeline-$1-$2.log" 2>&1 || echo "   (exit $?: see $OUT/pipeline-$1-$2.log)"
  grep -E '^(per answered|store:)' "$OUT/pipeline-$1-$2.log" | sed 's/^/   /' || true
}

for ((round = 1; round <= ROUNDS; round++)); do
  variants=(single cluster-acks1 cluster-acks0)
  stores=(single cluster)
  if ((round % 2 == 0)); then variants=(cluster-acks0 cluster-acks1 single); stores=(cluster single); fi
  for v in "${variants[@]}"; do webhook "$v" "$round"; done
  for v in "${stores[@]}"; do pipeline "$v" "$round"; done
done

echo
echo "== summary ($ROUNDS round(s); figures of every run in $OUT)"
python3 - "$OUT" "$ROUNDS" "$(getconf CLK_TCK)" <<'PY'
import glob, os, sys
out, rounds, hz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def read(path):
    if not os.path.exists(path):
        return None
    return dict(line.rstrip("\n").split("=", 1) for line in open(path) if "=" in line)
def masters(r, n):
    ticks = [int(t) for t in r["master_ticks"].split()]
    per = [t / hz * 1e3 * 1000 / max(n, 1) for t in ticks]  # ms of CPU per 1,000 messages
    total = sum(ticks)
    share = 100 * max(ticks) / total if total else 0
    return " / ".join(f"{p:.0f}" for p in per), f"{share:.0f} %"
print(f"{'run':<28} {'rate':>10} {'p99':>9} {'Redis ms/1k (all nodes)':>24} {'each master ms/1k':>20} {'busiest':>8}")
for kind, variants in (("webhook", ("single", "cluster-acks1", "cluster-acks0")), ("pipeline", ("single", "cluster"))):
    for v in variants:
        for rnd in range(1, rounds + 1):
            r = read(f"{out}/{kind}-{v}-{rnd}.txt")
            name = f"{kind} {v} #{rnd}"
            if r is None:
                print(f"{name:<28} (no figures: see the run's log)")
                continue
            n = int(r["requests"]) if kind == "webhook" else int(r["answered"])
            rate = f"{float(r['rps']):.0f} req/s" if kind == "webhook" else f"{r['sustained']} ans/s"
            per, share = masters(r, n)
            redis = int(r["redis_ticks"]) / hz * 1e3 * 1000 / max(n, 1)
            extra = f"  errors {r['errors']}, WAITs {r['waits']}" if kind == "webhook" else f"  lost {r['lost']}, dup {r['duplicated']}, p99 from receipt"
            p99 = r["p99"] if kind == "webhook" else f"{r['p99']} ms"
            print(f"{name:<28} {rate:>10} {p99:>9} {redis:>24.0f} {per:>20} {share:>8}{extra}")
PY
