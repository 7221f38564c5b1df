#!/usr/bin/env bash
# Benchmarks the knowledge base (issue 25): ranking quality over the evaluation set in bench/knowledge/, search
# latency at scale, and ingestion throughput through the admin API. Prints its figures; docs/knowledge.md has them.
#
# 1. quality (in-process, bench/KnowledgeBench): the 44 documents chunked and segmented as the worker does, embedded by
#    the simulator's n-gram model (the same code /v1/embeddings serves), the 88 questions ranked as KnowledgeIndex ranks
#    them (HybridRanking): recall@5, recall@1 and MRR for keyword, vector and fused (RRF, k = 60) ranking; the same for
#    the paraphrased questions (other words than the documents); then the answering bar (PassageBar): for covered
#    questions the share whose right source is among the passages sent, for the uncovered ones (uncovered.json) the
#    share that wrongly gets one — keyword-only bar against the new rule, and sweeps of Knowledge:MinVectorScore and
#    MinRerankScore. The simulator's models by default; the operator's when Knowledge__EmbeddingEndpoint, …Model,
#    …ApiKey (and Knowledge__RerankEndpoint, …Model, …ApiKey) are set in the environment — the same code the services
#    use — which is how to pick the bars for a real model: SKIP_INGEST=1 Knowledge__EmbeddingEndpoint=… bash bench/knowledge.sh
# 2. scale (in-process): CHUNKS synthetic chunks (default 100,000) of the evaluation set's words, QUERIES questions:
#    build times, the vector index's bytes, search p50/p95/p99 for keyword, vector and fused (no provider call: the
#    question's vector is computed before the clock starts; the real provider's round trip comes on top).
# 3. ingestion (real processes, 127.0.0.1 only): PostgreSQL, Redis, migrations, the simulator (embeddings), the API and
#    the worker, built in Release. DOCS documents (default 1,000) POSTed to /api/admin/knowledge/sources with the worker
#    stopped (the API's per-address limit, 10 a second, bounds the posting), then the worker started and timed until
#    the last one is ready and embedded.
#
# Bounded: every wait has a deadline; stops everything it started. Run it under the shared lock:
#   flock /work/bench.lock bash bench/knowledge.sh
# Env: CHUNKS (100000), QUERIES (500), DOCS (1000), SKIP_BUILD=1 to reuse the last Release build, SKIP_INGEST=1 for 1–2 only.
set -euo pipefail

CHUNKS=${CHUNKS:-100000}
QUERIES=${QUERIES:-500}
DOCS=${DOCS:-1000}
ADMIN_KEY=bench-knowledge-admin-key-0123456789

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d -t wechatai-knowledge-XXXXXX)
chmod 755 "$WORK"
PIDS=()
PG_PID=""

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n "$PG_PID" ]]; then kill -INT "$PG_PID" 2>/dev/null || true; wait "$PG_PID" 2>/dev/null || true; fi
  if [[ -n "${LOG_DIR:-}" ]]; then mkdir -p "$LOG_DIR" && cp "$WORK"/*.log "$LOG_DIR"/ 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "== building (Release)"
  for project in WeChatAi.Worker WeChatAi.MigrationService WeChatAi.Api WeChatAi.Simulator bench/KnowledgeBench; do
    dotnet build "$ROOT/$project" -c Release --nologo -v quiet >/dev/null
  done
fi
BENCH="dotnet $ROOT/bench/KnowledgeBench/bin/Release/net10.0/KnowledgeBench.dll"
DOCUMENTS="$ROOT/bench/knowledge/documents.json"

echo "== quality: bench/knowledge (documents and questions)"
$BENCH quality "$DOCUMENTS" "$ROOT/bench/knowledge/questions.json" "$ROOT/bench/knowledge/paraphrased.json" "$ROOT/bench/knowledge/uncovered.json"

echo "== scale: $CHUNKS synthetic chunks, $QUERIES questions (load average $(cut -d' ' -f1-3 /proc/loadavg))"
timeout 600 $BENCH scale "$CHUNKS" "$QUERIES" "$DOCUMENTS"

[[ "${SKIP_INGEST:-0}" == 1 ]] && exit 0

start_redis "$WORK"
PIDS+=("$REDIS_PID")
init_postgres "$WORK"
start_postgres "$WORK"
ConnectionStrings__wechatdb="$DB" DOTNET_ENVIRONMENT=Production \
  timeout 120 dotnet "$ROOT/WeChatAi.MigrationService/bin/Release/net10.0/WeChatAi.MigrationService.dll" >"$WORK/migrations.log" 2>&1

SIM_PORT=$(free_port)
echo "== simulator (embeddings) on :$SIM_PORT"
(cd "$ROOT/WeChatAi.Simulator/bin/Release/net10.0" && exec env ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production \
  Simulator__WebhookUrl=http://127.0.0.1:9/wechat Simulator__Token=bench Simulator__AppId=wxbench Simulator__AppSecret=bench \
  dotnet WeChatAi.Simulator.dll --urls "http://127.0.0.1:$SIM_PORT") >"$WORK/simulator.log" 2>&1 &
PIDS+=($!)
wait_for 60 curl -sf "http://127.0.0.1:$SIM_PORT/health"

# What the API and the worker share: the stores, the account, the simulator's embedding model.
SERVICE_ENV=(ConnectionStrings__redis="127.0.0.1:$REDIS_PORT" ConnectionStrings__wechatdb="$DB" WeChat__AppId=wxbench
  Admin__ApiKey="$ADMIN_KEY" Knowledge__EmbeddingEndpoint="http://127.0.0.1:$SIM_PORT/v1" Knowledge__EmbeddingModel=simulator-embedding
  Knowledge__EmbeddingApiKey=bench Knowledge__EmbeddingBatchSize=64 Knowledge__EmbeddingRequestsPerSecond=50)
start_api "$ROOT/WeChatAi.Api/bin/Release/net10.0/WeChatAi.Api.dll" "$WORK/api.log" "${SERVICE_ENV[@]}"
PIDS+=($API_PID)
wait_for 60 curl -sf "http://127.0.0.1:$API_PORT/alive"

echo "== ingestion: $DOCS documents through the admin API, the worker stopped"
timeout 600 $BENCH ingest-post "http://127.0.0.1:$API_PORT" "$ADMIN_KEY" "$DOCUMENTS" "$DOCS" "$WORK/ids"

WORKER_PORT=$(free_port)
echo "== worker (Release) on :$WORKER_PORT"
(cd "$ROOT/WeChatAi.Worker/bin/Release/net10.0" && exec env ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production "${SERVICE_ENV[@]}" \
  WeChat__AppSecret=bench WeChat__ApiBaseUrl="http://127.0.0.1:$SIM_PORT" Llm__BaseUrl="http://127.0.0.1:$SIM_PORT" Llm__ApiKey=bench \
  dotnet WeChatAi.Worker.dll --urls "http://127.0.0.1:$WORKER_PORT") >"$WORK/worker.log" 2>&1 &
PIDS+=($!)
timeout 600 $BENCH ingest-wait "http://127.0.0.1:$API_PORT" "$ADMIN_KEY" "$WORK/ids" "$DOCS"
echo "simulator embeddings served: $(curl -sf "http://127.0.0.1:$SIM_PORT/sim/embeddings")"
echo "API: $(grep -o 'Loaded [0-9]* knowledge passages[^"]*' "$WORK/api.log" | tail -1)"
