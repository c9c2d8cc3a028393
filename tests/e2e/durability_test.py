#!/usr/bin/env python3
"""Durability end-to-end: stream records into the built binary over HTTP, kill it with SIGKILL at
random moments (at least 10 times), restart it on the same data dir, and check that every
acknowledged record is present byte-for-byte, none duplicated in the change log, none half-written.

    durability_test.py path/to/tandem [kills]

Prints "N passed, N failed" last and exits non-zero on failure. Seeded, loopback only, bounded.
"""
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

TANDEM = sys.argv[1]
KILLS = int(sys.argv[2]) if len(sys.argv) > 2 else 12
rng = random.Random(20261126)
work = tempfile.mkdtemp(prefix="tandem-durability-")
ADMIN = "e2e-durability-admin-key-0123"
env = dict(os.environ, TANDEM_JOBS_GENERATE_ENABLED="false", TANDEM_LOG_ACCESS="false",
           TANDEM_AUTH_ADMIN_KEY=ADMIN)


def start():
    log = open(os.path.join(work, "log"), "a")
    proc = subprocess.Popen([TANDEM, "serve", "--port", "0", "--data-dir", os.path.join(work, "data")],
                            stdout=log, stderr=log, env=env)
    deadline = time.time() + 20
    while time.time() < deadline:
        with open(os.path.join(work, "log")) as f:
            ports = re.findall(r'"msg":"listening".*?"port":(\d+)', f.read())
        # The newest listening line belongs to this process once it has appeared after the start.
        if ports and len(ports) > start.count:
            start.count = len(ports)
            return proc, int(ports[-1])
        if proc.poll() is not None:
            raise SystemExit("tandem exited at start: see " + work)
        time.sleep(0.02)
    raise SystemExit("tandem did not start")


start.count = 0


def body_of(i):
    return json.dumps({"id": f"r{i}", "name": f"item {i}", "category": "books", "brand": "Atlas",
                       "price": round(1 + (i % 997) / 7, 2), "description": "x" * (i % 300)},
                      separators=(",", ":"))


acked = {}  # id -> exact body acknowledged
next_id = [0]


def writer(port, stop):
    """Posts 10-record batches until the server dies; records what was acknowledged."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        while not stop.is_set():
            ids = list(range(next_id[0], next_id[0] + 10))
            next_id[0] += 10
            payload = "[" + ",".join(body_of(i) for i in ids) + "]"
            conn.request("POST", "/v1/collections/products/records", payload,
                         {"Content-Type": "application/json", "X-API-Key": ADMIN})
            resp = conn.getresponse()
            data = resp.read()
            if resp.status != 200:
                raise SystemExit(f"unexpected {resp.status}: {data[:200]}")
            for i in ids:
                acked[f"r{i}"] = body_of(i)
    except (ConnectionError, http.client.HTTPException, OSError):
        pass  # the server was killed mid-request: that batch is not acknowledged


passed = failed = 0


def check(what, ok):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what, file=sys.stderr)


proc = None
try:
    for k in range(KILLS):
        proc, port = start()
        stop = threading.Event()
        t = threading.Thread(target=writer, args=(port, stop))
        t.start()
        time.sleep(rng.uniform(0.05, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        stop.set()
        t.join()
    check(f"{KILLS} kills with acknowledged writes in between", len(acked) > 0)

    proc, port = start()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    missing = wrong = 0
    for rid, body in acked.items():
        conn.request("GET", f"/v1/collections/products/records/{rid}", headers={"X-API-Key": ADMIN})
        resp = conn.getresponse()
        data = resp.read().decode()
        if resp.status != 200:
            missing += 1
        elif data != body:
            wrong += 1
    check(f"every acknowledged record is present ({len(acked)} records, {missing} missing)", missing == 0)
    check(f"every record is whole and byte-for-byte ({wrong} differ)", wrong == 0)

    conn.request("GET", "/v1/collections/products", headers={"X-API-Key": ADMIN})
    info = json.loads(conn.getresponse().read())
    stored = info["documents"]
    # Batches in flight at a kill may have committed without their acknowledgement arriving.
    check(f"no record stored twice or invented ({stored} stored, {len(acked)} acknowledged)",
          len(acked) <= stored <= len(acked) + 10 * KILLS)

    conn.request("GET", "/health")
    head = json.loads(conn.getresponse().read())["components"]["store"]["head_seq"]
    check(f"the change log holds one entry per stored record (head {head}, stored {stored})",
          head == stored)
    # Every sink catches up from its cursor and then holds exactly the stored records.
    deadline = time.time() + 60
    while time.time() < deadline:
        conn.request("GET", "/health")
        comps = json.loads(conn.getresponse().read())["components"]
        if all(s["applied_seq"] >= comps["store"]["head_seq"] for s in comps["sinks"]):
            break
        time.sleep(0.1)
    check("every sink caught up after the kills", all(s["applied_seq"] >= head for s in comps["sinks"]))
    conn.request("GET", "/search?q=*&per_page=0", headers={"X-API-Key": ADMIN})
    found = json.loads(conn.getresponse().read())["found"]
    check(f"the search index holds every stored record once ({found} found, {stored} stored)", found == stored)
    sample = list(acked.items())[:: max(1, len(acked) // 200)]
    conn.request("GET", "/health")
    conn.getresponse().read()
    stale = 0
    for rid, body in sample:
        conn.request("GET", f"/cache?id={rid}", headers={"X-API-Key": ADMIN})
        data = json.loads(conn.getresponse().read())
        stale += 0 if json.dumps(data.get("document"), separators=(",", ":")) == body else 1
    check(f"cached records match the store ({len(sample)} sampled, {stale} differ)", stale == 0)
    proc.send_signal(signal.SIGTERM)
    check("clean stop after recovery exits 0", proc.wait(timeout=20) == 0)
finally:
    # Whatever went wrong, the server started last is not left running.
    if proc is not None and proc.poll() is None:
        proc.kill()
        proc.wait()
    shutil.rmtree(work, ignore_errors=True)

print(f"durability: {KILLS} kills, {len(acked)} acknowledged records checked")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
