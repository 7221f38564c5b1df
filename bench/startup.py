"""Cold start under a burst: starts the API, fires N signed webhook requests the moment its port accepts connections,
and prints the time from process start to the port opening, to the first 200 and to the last, and the slowest request
(each request's latency measured from its own send). Used by bench/startup.sh; see docs/reliability.md."""
import hashlib, http.client, os, socket, subprocess, sys, threading, time

dll, port, token, runs, burst = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
env = dict(os.environ)
nonce, ts = "486452656", "1714037059"
signature = hashlib.sha1("".join(sorted([token, ts, nonce])).encode()).hexdigest()
path = f"/wechat?signature={signature}&timestamp={ts}&nonce={nonce}"

def body(run, i):
    return (f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[o_start_{run}_{i}]]></FromUserName>"
            f"<CreateTime>1714037059</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content>"
            f"<MsgId>{run * 100000 + i}</MsgId></xml>").encode()

for run in range(runs):
    t0 = time.monotonic()
    api = subprocess.Popen(["dotnet", dll, "--urls", f"http://127.0.0.1:{port}"], cwd=os.path.dirname(dll), env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.005)
    opened = time.monotonic() - t0
    results = [None] * burst
    start = threading.Barrier(burst)

    def send(i):
        start.wait()
        sent = time.monotonic()
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("POST", path, body(run, i), {"Content-Type": "text/xml"})
            status = c.getresponse().status
        except OSError as e:
            status = type(e).__name__
        done = time.monotonic()
        results[i] = (status, done - sent, done - t0)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(burst)]
    for t in threads: t.start()
    for t in threads: t.join()
    api.terminate(); api.wait()
    ok = [r for r in results if r[0] == 200]
    print(f"run {run + 1}: port open {opened * 1000:.0f} ms, first 200 {min(r[2] for r in ok) * 1000 if ok else float('nan'):.0f} ms, "
          f"last {max(r[2] for r in results) * 1000:.0f} ms after start; slowest request {max(r[1] for r in results) * 1000:.0f} ms; "
          f"{len(ok)}/{burst} answered 200" + ("" if len(ok) == burst else f" (others: {sorted(set(str(r[0]) for r in results if r[0] != 200))})"),
          flush=True)
