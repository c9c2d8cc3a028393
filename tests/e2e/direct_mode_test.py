#!/usr/bin/env python3
"""Direct mode end-to-end: three built binaries (`tandem serve` with store.backend = opensearch,
cache.backend = redis, jobs.lease = redis) over one test-only OpenSearch process
(fake_opensearch_server) and one redis-server, then again over a Redis Cluster (three masters with
a replica each). Writers send records and merges through random
nodes while a killer SIGKILLs a node every ~0.6 s and starts it again. Afterwards every
acknowledged write is in OpenSearch at its acknowledged version or later, every node reads it by
id at that version or later, every acknowledged merge into a record several writers patched at
once is in it, no node wrote to its data dir, and the generator's first-start fire ran once
across the nodes (one shared history of runs); searches are cached in the shared Redis for every
node and no node answers one from before a ?wait=indexed write.

    direct_mode_test.py path/to/tandem path/to/fake_opensearch_server

Prints "N passed, N failed" last and exits non-zero on failure. Loopback only, bounded in time.
"""
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from e2e_lib import Checks, free_port, http_call, stop

TANDEM, FAKE = sys.argv[1], sys.argv[2]
ADMIN = "e2e-direct-admin-key-0123456789ab"
work = tempfile.mkdtemp(prefix="tandem-direct-")
check = Checks()
procs = []  # every process started, for stop() at the end
RECORDS = "/v1/collections/products/records"


def call(port, method, path, body=None):
    return http_call(port, method, path, ADMIN, body, timeout=5)


def lamp(rid, price, **extra):
    return json.dumps({"id": rid, "name": "Lamp", "category": "home", "brand": "Oak", "price": price,
                       **extra}, separators=(",", ":"))


class Node:
    def __init__(self, i, os_port, redis_env, tag):
        self.i, self.os_port, self.redis_env, self.tag = i, os_port, redis_env, tag
        self.data_dir = os.path.join(work, f"data-{tag}{i}")
        self.proc, self.port = None, None
        self.starts = 0

    def start(self):
        self.starts += 1
        log_path = os.path.join(work, f"node-{self.tag}{self.i}-{self.starts}.log")
        env = dict(os.environ, TANDEM_LOG_ACCESS="false", TANDEM_AUTH_ADMIN_KEY=ADMIN,
                   TANDEM_STORE_BACKEND="opensearch", TANDEM_SEARCH_BACKEND="opensearch",
                   TANDEM_SEARCH_OPENSEARCH_URL=f"http://127.0.0.1:{self.os_port}",
                   TANDEM_SEARCH_REFRESH_INTERVAL="50ms",
                   TANDEM_CACHE_BACKEND="redis", TANDEM_JOBS_LEASE="redis",
                   TANDEM_JOBS_GENERATE_SCHEDULE="rate(1 day)", **self.redis_env)
        self.proc = subprocess.Popen([TANDEM, "serve", "--port", "0", "--data-dir", self.data_dir,
                                      "--set", f"log.file={log_path}"], env=env)
        procs.append(self.proc)
        for _ in range(400):
            if os.path.exists(log_path):
                ports = re.findall(r'"msg":"listening".*?"port":(\d+)', open(log_path).read())
                if ports:
                    self.port = int(ports[-1])
                    return
            if self.proc.poll() is not None:
                raise SystemExit("tandem exited at start: " + open(log_path).read()[-2000:])
            time.sleep(0.05)
        raise SystemExit("tandem did not start")

    def kill(self):
        self.port = None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


def cluster_port():
    """A free port whose cluster bus port (port + 10000) is free too."""
    while True:
        port = free_port()
        if port + 10000 < 65536:
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port + 10000))
                    return port
                except OSError:
                    pass


def redis_server(*args, port=None):
    port = port or free_port()
    procs.append(subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                   "--save", "", "--appendonly", "no", "--dir", work, *args],
                                  stdout=subprocess.DEVNULL))
    for _ in range(200):
        ping = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True,
                              text=True).stdout.strip()
        if ping == "PONG":
            return port
        time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def redis_cluster():
    """Three masters with a replica each, created with redis-cli and waited for until every node
    says cluster_state:ok."""
    ports = []
    for i in range(6):
        ports.append(redis_server("--cluster-enabled", "yes",
                                  "--cluster-config-file", os.path.join(work, f"nodes-{i}.conf"),
                                  port=cluster_port()))
    subprocess.run(["redis-cli", "--cluster", "create", *[f"127.0.0.1:{p}" for p in ports],
                    "--cluster-replicas", "1", "--cluster-yes"], check=True,
                   stdout=subprocess.DEVNULL, timeout=60)
    deadline = time.time() + 30
    while time.time() < deadline:
        states = [subprocess.run(["redis-cli", "-p", str(p), "cluster", "info"], capture_output=True,
                                 text=True).stdout for p in ports]
        if all("cluster_state:ok" in s for s in states):
            return ports
        time.sleep(0.2)
    raise SystemExit("the Redis cluster did not reach cluster_state:ok")


def scenario(tag, redis_env):
    def chk(ok, what):
        check(ok, f"{tag}: {what}")

    fake = subprocess.Popen([FAKE], stdout=subprocess.PIPE, text=True)
    procs.append(fake)
    os_port = int(fake.stdout.readline().split()[1])
    nodes = [Node(i, os_port, redis_env, tag) for i in range(3)]
    failures = []

    def start(node):
        try:
            node.start()
        except SystemExit as e:  # a thread's exception would be lost: report it from here
            failures.append(str(e))

    threads = [threading.Thread(target=start, args=(n,)) for n in nodes]  # at once: one first run
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit(f"{tag}: " + "\n".join(failures))

    # The first-start fire: one run, in the one history every node shows.
    histories = []
    deadline = time.time() + 20
    while time.time() < deadline:
        histories = [[r for j in json.loads(call(n.port, "GET", "/v1/jobs")[1])["jobs"]
                      if j["name"] == "generate" for r in j["runs"]] for n in nodes]
        if histories[0]:
            break
        time.sleep(0.1)
    chk(len(histories[0]) == 1 and histories[0][0]["outcome"] == "ok",
          f"the first-start fire ran once across the nodes: {histories[0]}")
    chk(all(h == histories[0] for h in histories), f"every node shows the same runs: {histories}")

    live_lock = threading.Lock()
    acked = {}   # id -> highest acknowledged version
    merged = {}  # writer -> the n of each of its acknowledged merges into "shared"
    stop_at = time.time() + 8
    errors = []
    status, body, _ = call(nodes[0].port, "POST", RECORDS, lamp("shared", 1))
    chk(status == 200, f"the shared record is written: {status} {body}")

    def live_port():
        with live_lock:
            ports = [n.port for n in nodes if n.port]
        return random.choice(ports) if ports else None

    def writer(w):
        n = 0
        while time.time() < stop_at:
            n += 1
            port = live_port()
            if port is None:
                time.sleep(0.01)
                continue
            try:
                if n % 2 == 0:  # a merge of a field of its own into the shared record
                    status, body, _ = call(port, "PATCH", RECORDS + "/shared",
                                           json.dumps({f"m{w}_{n}": n}))
                    rid = None
                else:
                    rid = f"w{w}-{n}"
                    status, body, _ = call(port, "POST", RECORDS, lamp(rid, n))
            except (OSError, http.client.HTTPException):
                continue  # the node died mid-request: not acknowledged
            if status != 200:
                if status not in (503,):
                    errors.append((status, body))
                continue
            seq = json.loads(body)["seq"]
            with live_lock:
                if rid:
                    acked[rid] = seq
                else:
                    merged.setdefault(w, []).append(n)
                    acked["shared"] = max(acked.get("shared", 0), seq)

    def killer():
        kills = 0
        while time.time() < stop_at - 0.5:
            time.sleep(random.uniform(0.4, 0.8))
            node = random.choice(nodes)
            with live_lock:
                if sum(1 for n in nodes if n.port) <= 1:
                    continue
                node.port = None  # no new requests go to it
            node.kill()
            kills += 1
            node.start()
        return kills

    writers = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in writers:
        t.start()
    kill_count = [0]
    kt = threading.Thread(target=lambda: kill_count.__setitem__(0, killer()))
    kt.start()
    for t in writers:
        t.join()
    kt.join()
    chk(kill_count[0] >= 5, f"nodes were killed while writing: {kill_count[0]}")
    chk(len(acked) > 100, f"writes were acknowledged meanwhile: {len(acked)}")
    chk(not errors, f"no write was refused other than 503: {errors[:3]}")

    # Every acknowledged write, in OpenSearch and on every node, at its version or later.
    missing_os, stale_os = [], []
    for rid, seq in acked.items():
        status, body, _ = call(os_port, "GET", f"/tandem-products/_doc/{rid}")
        doc = json.loads(body)
        if not doc.get("found"):
            missing_os.append(rid)
        elif doc["_version"] < seq:
            stale_os.append((rid, doc["_version"], seq))
    chk(not missing_os, f"every acknowledged record is in OpenSearch: missing {missing_os[:5]}")
    chk(not stale_os, f"at its acknowledged version or later: {stale_os[:5]}")
    for n in nodes:
        bad, hits = [], 0
        for rid, seq in acked.items():
            status, body, headers = call(n.port, "GET", f"{RECORDS}/{rid}")
            etag = int(headers.get("ETag", '"0"').strip('"')) if status == 200 else 0
            if status != 200 or etag < seq:
                bad.append((rid, status, etag, seq))
            hits += headers.get("X-Cache") == "hit"
        chk(not bad, f"node {n.i} reads every acknowledged record at its version: {bad[:5]}")
        # Written through by whichever node took it: this node finds nearly all of them cached.
        chk(hits > len(acked) * 0.9, f"node {n.i} read {hits} of {len(acked)} from the shared cache")
    status, body, _ = call(nodes[0].port, "GET", f"{RECORDS}/shared")
    shared = json.loads(body)
    lost = [f"m{w}_{n}" for w, ns in merged.items() for n in ns if shared.get(f"m{w}_{n}") != n]
    chk(status == 200 and not lost, f"no acknowledged merge was lost: {len(lost)}: {lost[:5]}")
    chk(len(merged) == 4, f"every writer had merges acknowledged: {sorted(merged)}")
    chk(not any(os.path.exists(n.data_dir) for n in nodes), "no node wrote to its data dir")

    # Searches are cached in the shared Redis: one node's answer is another's hit, and after a
    # ?wait=indexed write through any node no node answers from before it.
    search = "/v1/collections/products/search?q=*&per_page=1"
    def found(n):
        status, body, headers = call(n.port, "GET", search)
        return (json.loads(body)["found"] if status == 200 else None), headers.get("X-Cache")
    # A node killed before its own _refresh left writes unseen: this one's refresh shows them.
    call(nodes[0].port, "POST", RECORDS + "?wait=indexed", lamp("qc-start", 0))
    expected, _ = found(nodes[0])
    stale, hits = [], 0
    for r in range(12):
        for n in nodes:
            for _ in range(2):
                got, cache = found(n)
                hits += cache == "hit"
                if got != expected:
                    stale.append((r, n.i, got, expected, cache))
        status, _, _ = call(nodes[r % 3].port, "POST", RECORDS + "?wait=indexed", lamp(f"qc{r}", r))
        expected += status == 200
    chk(not stale, f"no node answered a search from before a write: {stale[:5]}")
    chk(hits >= 12 * 3, f"searches were answered from the shared cache: {hits} of 72")
    call(nodes[1].port, "POST", RECORDS, lamp("qc-late", 1))  # visible by node 1's own _refresh
    deadline, got = time.time() + 5, None
    while time.time() < deadline and got != expected + 1:
        got, _ = found(nodes[2])
        time.sleep(0.02)
    chk(got == expected + 1, f"a write without ?wait=indexed is found on another node: {got}")
    print(f"{tag}: {len(acked)} records acknowledged, {kill_count[0]} nodes killed while writing, "
          f"{hits} of 72 searches answered from the shared cache")


try:
    scenario("redis", {"TANDEM_CACHE_REDIS_URL": f"redis://127.0.0.1:{redis_server()}/0"})
    seeds = ",".join(f"127.0.0.1:{p}" for p in redis_cluster()[:3])
    scenario("cluster", {"TANDEM_CACHE_REDIS_URL": f"redis://{seeds}",
                               "TANDEM_CACHE_REDIS_CLUSTER": "true"})
finally:
    stop(procs)
    shutil.rmtree(work, ignore_errors=True)
check.finish()
