# Helpers shared by the benchmark scripts (sourced, not run).

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

wait_for() { # wait_for <seconds> <command...>
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    (( SECONDS < deadline )) || { echo "timed out waiting for: $*" >&2; return 1; }
    sleep 0.2
  done
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
