#!/usr/bin/env python3
"""Measure `visivo serve`: save -> SSE reload latency (one changed trace) and TTFB of data.json.

    python3 bench/gen_project.py --traces 100 --rows 10000 /tmp/bench100
    python3 crates/server/bench/serve_latency.py target/release/visivo /tmp/bench100 [rounds]

Starts `visivo serve -p 0` in PROJECT_DIR, listens to /api/events, rewrites the first
trace's `y:` in project.visivo.yml `rounds` times (restoring it at the end), and times
each save until the `reload` event arrives; then times GET data.json / project.json.
Only talks to 127.0.0.1; bounded (30 s per event).
"""
import json, os, re, socket, statistics, subprocess, sys, threading, time, queue, http.client

bin_, proj = sys.argv[1], sys.argv[2]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 10
env = dict(os.environ, CI="true")
t_start = time.perf_counter()
p = subprocess.Popen([bin_, "serve", "-p", "0"], cwd=proj, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
port = None
log = []
while True:
    line = p.stdout.readline()
    if not line:
        print("".join(log)); sys.exit("serve exited")
    log.append(line)
    m = re.search(r"Serving project at http://127\.0\.0\.1:(\d+)", line)
    if m:
        port = int(m.group(1)); break
startup = time.perf_counter() - t_start
threading.Thread(target=lambda: [log.append(l) for l in p.stdout], daemon=True).start()

events = queue.Queue()
def sse():
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(f"GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    buf = b""
    while True:
        d = s.recv(65536)
        if not d: return
        buf += d
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if line.startswith(b"data: "):
                events.put((time.perf_counter(), json.loads(line[6:])))
threading.Thread(target=sse, daemon=True).start()
first = events.get(timeout=10)

def ttfb(path, n):
    out = []
    for _ in range(n):
        c = http.client.HTTPConnection("127.0.0.1", port)
        t = time.perf_counter()
        c.request("GET", path)
        r = c.getresponse()
        t1 = time.perf_counter()
        r.read(); c.close()
        assert r.status == 200, (path, r.status)
        out.append((t1 - t) * 1000)
    return out

yml = os.path.join(proj, "project.visivo.yml")
text = open(yml).read()
target = "      y: query(sum(amount))\n    filters:\n      - query(amount > 0)"
assert target in text
lat = []
for i in range(rounds):
    new = text.replace(target, f"      y: query(sum(amount) * {i + 2})\n    filters:\n      - query(amount > 0)", 1)
    while not events.empty(): events.get()
    t0 = time.perf_counter()
    with open(yml, "w") as f: f.write(new)
    while True:
        t, ev = events.get(timeout=30)
        if ev["type"] == "reload":
            lat.append(((t - t0) * 1000, ev["traces"]))
            break
    time.sleep(0.4)
open(yml, "w").write(text)
time.sleep(1)
d = ttfb("/data/trace_0000/data.json", 50)
pj = ttfb("/data/project.json", 20)
p.terminate(); p.wait()
ms = [l for l, _ in lat]
print(f"startup (first full run + bind): {startup*1000:.0f} ms")
print(f"save -> SSE reload, {rounds} rounds: median {statistics.median(ms):.0f} ms, min {min(ms):.0f}, max {max(ms):.0f}; traces per reload: {sorted(set(len(t) for _, t in lat))}")
print(f"data.json TTFB (50 requests): median {statistics.median(d):.2f} ms, p90 {sorted(d)[int(len(d)*0.9)]:.2f} ms")
print(f"project.json TTFB (20 requests): median {statistics.median(pj):.2f} ms")
print("refresh:", [re.search(r"in ([0-9.]+)s", l).group(1) for l in log if "Refresh finished" in l]); print("latencies:", [round(l) for l in ms])
