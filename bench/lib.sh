# Helpers shared by the benchmark scripts (sourced, not run).

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

wait_for() { # wait_for <seconds> <command...>
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    (( SECONDS < deadline )) || { echo "timed out waiting for: $*" >&2; return 1; }
    sleep 0.2
  done
}

# stop_process <pid>: stops it (SIGTERM) and waits for it; nothing for an empty pid or one already gone.
stop_process() {
  [[ -n "$1" ]] && kill "$1" 2>/dev/null && wait "$1" 2>/dev/null || true
}

# start_redis <dir>: redis-server with the AppHost's durable settings (AOF everysec, noeviction) on REDIS_PORT (a free
# port when unset), its data and log in <dir>; sets REDIS_PORT and REDIS_PID and returns once it answers.
start_redis() {
  REDIS_PORT=${REDIS_PORT:-$(free_port)}
  echo "== redis-server on 127.0.0.1:$REDIS_PORT"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$1" --appendonly yes --appendfsync everysec \
    --maxmemory-policy noeviction --save '' ${REDIS_ARGS:-} >>"$1/redis.log" 2>&1 &
  REDIS_PID=$!
  wait_for 15 redis-cli -p "$REDIS_PORT" ping
}

# free_cluster_ports <count>: that many free ports for Redis Cluster nodes. A node also listens on its port + 10000 (the
# cluster bus), so each port is at most 55535 with its bus port free too; picked below the ephemeral range (32768 and up).
free_cluster_ports() {
  python3 - "$1" <<'PY'
import random, socket, sys
def free(port):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port)); return True
    except OSError:
        return False
    finally:
        s.close()
taken, ports = set(), []
while len(ports) < int(sys.argv[1]):
    port = random.randrange(10000, 22768)
    if {port, port + 10000} & taken or not (free(port) and free(port + 10000)):
        continue
    taken |= {port, port + 10000}
    ports.append(port)
print(*ports)
PY
}

# cluster_ok <port>: true once the node on <port> says cluster_state:ok with every slot served, and, if it is a
# replica, once it is in sync with its master (only then can it take over).
cluster_ok() {
  local info
  info=$(redis-cli -p "$1" cluster info) || return 1
  [[ $info == *cluster_state:ok* && $info == *cluster_slots_ok:16384* ]] || return 1
  info=$(redis-cli -p "$1" info replication)
  [[ $info != *role:slave* || $info == *master_link_status:up* ]]
}

# start_cluster_node <dir> <port>: one cluster node on <port>, its data, nodes.conf and log in <dir>/<port> (a node
# restarted there rejoins its cluster as nodes.conf says); sets NODE_PID.
start_cluster_node() {
  mkdir -p "$1/$2"
  redis-server --port "$2" --bind 127.0.0.1 --dir "$1/$2" --cluster-enabled yes --cluster-config-file nodes.conf \
    --cluster-node-timeout 2000 --repl-diskless-sync-delay 0 --appendonly yes --appendfsync everysec \
    --maxmemory-policy noeviction --save '' ${REDIS_ARGS:-} >>"$1/$2/redis.log" 2>&1 &
  NODE_PID=$!
}

# start_redis_cluster <dir> [masters] [replicas per master]: a throw-away Redis Cluster, by default 3 masters + 3
# replicas, with the nodes' settings of the AppHost's local cluster (WeChatAi.AppHost/Infrastructure/Local/
# LocalRedisCluster.cs: AOF everysec, noeviction, node timeout 2000 ms) plus REDIS_ARGS, each node's data and log in
# <dir>/<port>. Sets CLUSTER_PORTS and CLUSTER_PIDS (arrays, masters first as formed) and CLUSTER_NODES (the connection
# string, 127.0.0.1:p1,127.0.0.1:p2,…) and returns once every node sees every slot served and every replica is in sync.
start_redis_cluster() {
  local dir=$1 masters=${2:-3} replicas=${3:-1} port
  read -r -a CLUSTER_PORTS <<<"$(free_cluster_ports $((masters * (1 + replicas))))"
  CLUSTER_PIDS=()
  echo "== Redis Cluster: $masters masters, $replicas replica(s) each, on ports ${CLUSTER_PORTS[*]}"
  for port in "${CLUSTER_PORTS[@]}"; do
    start_cluster_node "$dir" "$port"
    CLUSTER_PIDS+=("$NODE_PID")
  done
  for port in "${CLUSTER_PORTS[@]}"; do wait_for 15 redis-cli -p "$port" ping; done
  redis-cli --cluster create "${CLUSTER_PORTS[@]/#/127.0.0.1:}" --cluster-replicas "$replicas" --cluster-yes >"$dir/cluster-create.log" 2>&1 ||
    { cat "$dir/cluster-create.log" >&2; return 1; }
  for port in "${CLUSTER_PORTS[@]}"; do wait_for 30 cluster_ok "$port"; done
  CLUSTER_NODES=$(printf '127.0.0.1:%s,' "${CLUSTER_PORTS[@]}")
  CLUSTER_NODES=${CLUSTER_NODES%,}
}

# stop_redis_cluster: stops every node start_redis_cluster started (SIGTERM, waiting for each); nothing when none.
stop_redis_cluster() {
  local pid
  for pid in "${CLUSTER_PIDS[@]}"; do stop_process "$pid"; done
  CLUSTER_PIDS=()
}

# start_store <dir>: the benchmark's Redis, REDIS=single (default: start_redis) or cluster (start_redis_cluster, 3
# masters + 3 replicas). Sets REDIS_CONN (the services' ConnectionStrings__redis), REDIS_PIDS (every node) and
# REPLICA_ACKS (the services' Redis:ReplicaAcks, unless set: 1 on the cluster, 0 on a single Redis).
start_store() {
  case "${REDIS:=single}" in
    single) start_redis "$1"; REDIS_CONN="127.0.0.1:$REDIS_PORT"; REDIS_PIDS=("$REDIS_PID"); REPLICA_ACKS=${REPLICA_ACKS:-0} ;;
    cluster) start_redis_cluster "$1"; REDIS_CONN=$CLUSTER_NODES; REDIS_PIDS=("${CLUSTER_PIDS[@]}")
      REDIS_PORT=${CLUSTER_PORTS[0]}; REPLICA_ACKS=${REPLICA_ACKS:-1} ;;
    *) echo "REDIS must be single or cluster, not '$REDIS'" >&2; return 1 ;;
  esac
}

# stop_store: stops what start_store started.
stop_store() {
  if [[ "${REDIS:-single}" == cluster ]]; then stop_redis_cluster; else stop_process "${REDIS_PID:-}"; fi
  REDIS_PID=""
  REDIS_PIDS=()
}

# redis_any_port: a node that answers (the single Redis, or any cluster node still up).
redis_any_port() {
  local port
  for port in "${CLUSTER_PORTS[@]:-$REDIS_PORT}"; do
    redis-cli -p "$port" ping >/dev/null 2>&1 && { echo "$port"; return; }
  done
  return 1
}

# redis_nodes <master|slave>: the ports of the cluster's masters (or replicas) that are up, as the cluster sees them now
# (after failovers); on a single Redis, its port as the one master.
redis_nodes() {
  if [[ "${REDIS:-single}" != cluster ]]; then [[ $1 == master ]] && echo "$REDIS_PORT"; return 0; fi
  redis-cli -p "$(redis_any_port)" cluster nodes | awk -v role="$1" '$3 ~ role && $3 !~ /fail/ { split($2, a, "[:@]"); print a[2] }'
}

# node_id <port>, master_of <port> (the id of the master a replica follows), replica_of <port> (a replica's port).
node_id() { redis-cli -p "$1" cluster myid; }
replica_of() {
  local id
  id=$(node_id "$1")
  redis-cli -p "$(redis_any_port)" cluster nodes | awk -v id="$id" '$4 == id && $3 ~ /slave/ && $3 !~ /fail/ { split($2, a, "[:@]"); print a[2]; exit }'
}

# node_pid <port>: the pid of the node start_store (or a restart) started on <port>.
node_pid() {
  local i
  if [[ "${REDIS:-single}" != cluster ]]; then echo "$REDIS_PID"; return; fi
  for i in "${!CLUSTER_PORTS[@]}"; do
    if [[ ${CLUSTER_PORTS[$i]} == "$1" ]]; then echo "${CLUSTER_PIDS[$i]}"; fi
  done
}

# The sharded keyspace (docs/keyspace.md): a figure kept per shard is the sum over every shard's key. Operator-side
# SCAN of every master of the benchmark's Redis (keys are hash-tagged per shard, so on a cluster each lives on one
# master), never on a hot path.
# redis_keys <pattern>: "port key" per matching key.
redis_keys() {
  local port
  for port in $(redis_nodes master); do
    redis-cli -p "$port" --scan --pattern "$1" | awk -v p="$port" 'NF { print p, $0 }'
  done
}

# redis_sum <pattern> <command> [arguments after the key...]: the sum of the command's (first) reply over the keys.
redis_sum() {
  local pattern=$1 total=0 port key value; shift
  while read -r port key; do
    [[ -z "$key" ]] && continue
    value=$(redis-cli -c -p "$port" "$1" "$key" "${@:2}" | head -1)
    total=$((total + ${value:-0}))
  done < <(redis_keys "$pattern")
  echo "$total"
}

# redis_del <pattern>: deletes every key matching it.
redis_del() {
  local port
  for port in $(redis_nodes master); do
    # One DEL per hash tag (up to 500 keys): on a cluster a multi-key command must stay in one slot.
    redis-cli -p "$port" --scan --pattern "$1" | awk '
      { t = match($0, /\{[^}]*\}/) ? substr($0, RSTART, RLENGTH) : $0; k[t] = k[t] " " $0
        if (++n[t] == 500) { print "DEL" k[t]; k[t] = ""; n[t] = 0 } }
      END { for (t in k) if (n[t]) print "DEL" k[t] }' | redis-cli -p "$port" >/dev/null
  done
}

# redis_all <command...>: the command on every master (CONFIG RESETSTAT, INFO …), replies concatenated.
redis_all() {
  local port
  for port in $(redis_nodes master); do redis-cli -p "$port" "$@"; done
}

as_postgres() { if [[ $(id -u) == 0 ]]; then setpriv --reuid=postgres --regid=postgres --init-groups "$@"; else "$@"; fi; }

# init_postgres <dir>: a throw-away cluster in <dir>/pg (initdb as user postgres when run as root, which PostgreSQL
# requires) on a free port; sets PG_BIN, PG_PORT, PG_PASSWORD and DB (the Npgsql connection string).
init_postgres() {
  PG_BIN=$(dirname "$(readlink -f "$(command -v pg_config)")")
  [[ -x "$PG_BIN/initdb" ]] || PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  PG_PORT=$(free_port)
  PG_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
  mkdir -p "$1/pg"
  echo "$PG_PASSWORD" >"$1/pgpass"
  [[ $(id -u) == 0 ]] && chown -R postgres:postgres "$1/pg" "$1/pgpass"
  as_postgres "$PG_BIN/initdb" -D "$1/pg" -U postgres --pwfile "$1/pgpass" --auth=scram-sha-256 --encoding=UTF8 \
    --no-locale >"$1/initdb.log" 2>&1
  DB="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Password=$PG_PASSWORD;Database=wechatdb"
}

# start_postgres <dir>: the cluster init_postgres made, on PG_PORT, logging to <dir>/postgres.log (appended); sets
# PG_PID (postgres itself, which a fast shutdown with SIGINT must reach) and returns once it accepts connections.
start_postgres() {
  echo "== postgres on 127.0.0.1:$PG_PORT"
  (
    args=(-D "$1/pg" -p "$PG_PORT" -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=400)
    if [[ $(id -u) == 0 ]]; then exec setpriv --reuid=postgres --regid=postgres --init-groups "$PG_BIN/postgres" "${args[@]}"; fi
    exec "$PG_BIN/postgres" "${args[@]}"
  ) >>"$1/postgres.log" 2>&1 &
  PG_PID=$!
  wait_for 30 pg_isready -h 127.0.0.1 -p "$PG_PORT"
}

# build_api: builds WeChatAi.Api in Release (unless SKIP_BUILD=1, or API_DLL names another build to measure) and sets
# DLL to the build to run.
build_api() {
  if [[ "${SKIP_BUILD:-0}" != 1 && -z "${API_DLL:-}" ]]; then
    echo "== building WeChatAi.Api (Release)"
    dotnet build "$ROOT/WeChatAi.Api" -c Release --nologo -v quiet >/dev/null
  fi
  DLL=${API_DLL:-"$ROOT/WeChatAi.Api/bin/Release/net10.0/WeChatAi.Api.dll"}
}

# start_api <dll> <log> [NAME=value...]: the API on a free port as the AppHost runs it: from its output folder, so its
# appsettings.json (logging levels) applies — from elsewhere Kestrel logs every request at Information — and with the
# AppHost's gen0 budget (WeChatAi.AppHost/Configuration/ApiRuntime.cs); the settings given last win. Listens on API_PORT
# (a free port when unset); sets API_PORT and API_PID; the caller waits for readiness.
start_api() {
  local dll=$1 log=$2
  shift 2
  API_PORT=${API_PORT:-$(free_port)}
  echo "== API (Release) on 127.0.0.1:$API_PORT"
  (cd "$(dirname "$dll")" && exec env ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production \
    DOTNET_GCgen0size=0x4000000 "$@" dotnet "$dll" --urls "http://127.0.0.1:$API_PORT") >>"$log" 2>&1 &
  API_PID=$!
}

# cpu_ticks <pid>...: one line per pid, the CPU clock ticks (user + system, reaped children included) of the process
# and every descendant alive now (0 for pid 0); a last line with the whole machine's busy ticks (all cores).
cpu_ticks() {
  python3 - "$@" <<'PY'
import os, sys
procs = {}
for d in os.listdir('/proc'):
    if not d.isdigit():
        continue
    try:
        stat = open(f'/proc/{d}/stat').read()
    except OSError:
        continue
    rest = stat[stat.rfind(')') + 2:].split()
    procs[int(d)] = (int(rest[1]), sum(int(x) for x in rest[11:15]))
children = {}
for pid, (ppid, _) in procs.items():
    children.setdefault(ppid, []).append(pid)
def tree(pid):
    return procs.get(pid, (0, 0))[1] + sum(tree(c) for c in children.get(pid, []))
for pid in sys.argv[1:]:
    print(tree(int(pid)) if int(pid) > 0 else 0)
cpu = [int(x) for x in open('/proc/stat').readline().split()[1:]]
print(sum(cpu) - cpu[3] - cpu[4])
PY
}
