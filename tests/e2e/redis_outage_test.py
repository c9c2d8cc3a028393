#!/usr/bin/env python3
"""Redis outages end-to-end: the built binary with cache.backend = redis, records streamed in over
HTTP while its redis-server is stopped (SIGKILL) and started again on the same port, and frozen
(SIGSTOP) and thawed. Every write must be acknowledged throughout (the store is the record), a
read of each record right after its write must return that write, and once the cache sink has
caught up every acknowledged record must be in Redis with the version of its newest write.

    redis_outage_test.py path/to/tandem

Prints "N passed, N failed" last and exits non-zero on failure. Loopback only, bounded in time.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from e2e_lib import Checks, free_port, http_call, stop

TANDEM = sys.argv[1]
work = tempfile.mkdtemp(prefix="tandem-redis-outage-")
check = Checks()




def start_redis(port):
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", work, "--daemonize", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True,
                          text=True).stdout.strip() == "PONG":
            return proc
        time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def redis(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True,
                          text=True, timeout=10).stdout.strip()


ADMIN = "e2e-redis-outage-admin-key-0123"


def start_tandem(rport):
    log_path = os.path.join(work, "tandem.log")
    env = dict(os.environ, TANDEM_JOBS_GENERATE_ENABLED="false", TANDEM_LOG_ACCESS="false",
               TANDEM_CACHE_BACKEND="redis", TANDEM_CACHE_REDIS_URL=f"redis://127.0.0.1:{rport}/0",
               TANDEM_CACHE_REDIS_COMMAND_TIMEOUT="200ms", TANDEM_AUTH_ADMIN_KEY=ADMIN)
    proc = subprocess.Popen([TANDEM, "serve", "--port", "0", "--data-dir", os.path.join(work, "data"),
                             "--set", f"log.file={log_path}"], env=env)
    for _ in range(400):
        if os.path.exists(log_path):
            ports = re.findall(r'"msg":"listening".*?"port":(\d+)', open(log_path).read())
            if ports:
                return proc, int(ports[-1])
        if proc.poll() is not None:
            raise SystemExit("tandem exited at start")
        time.sleep(0.05)
    raise SystemExit("tandem did not start")


def call(port, method, path, body=None):
    return http_call(port, method, path, ADMIN, body)[:2]


def record(i, price):
    return json.dumps({"id": f"o{i}", "name": f"Lamp {i}", "category": "home", "brand": "Oak",
                      "price": price}, separators=(",", ":"))


rport = free_port()
redis_proc = start_redis(rport)
tandem, port = start_tandem(rport)
newest = {}  # id -> (seq, body) of its newest acknowledged write
events = {40: "kill", 90: "start", 140: "stop", 190: "cont"}
try:
    started = time.time()
    for step in range(240):
        event = events.get(step)
        if event == "kill":
            redis_proc.kill()
            redis_proc.wait()
        elif event == "start":
            redis_proc = start_redis(rport)
        elif event == "stop":
            os.kill(redis_proc.pid, signal.SIGSTOP)
        elif event == "cont":
            os.kill(redis_proc.pid, signal.SIGCONT)
        if 40 <= step < 90 or 140 <= step < 190:
            time.sleep(0.02)  # each outage lasts a second or more: the cache sink fails and retries
        i = step % 60  # ids are written again and again: versions matter
        body = record(i, step)
        status, answer = call(port, "PUT", f"/v1/collections/products/records/o{i}", body)
        check(status == 200, f"step {step}: write answered {status} {answer}")
        if status == 200:
            newest[f"o{i}"] = (json.loads(answer)["seq"], body)
        status, read = call(port, "GET", f"/v1/collections/products/records/o{i}")
        check(status == 200 and read == body, f"step {step}: read after write gave {status} {read[:80]}")
    check(time.time() - started < 60, "the stream took over a minute: writes waited for Redis")

    # The cache sink catches up (its breaker may be open for its cooldown after the outages).
    deadline = time.time() + 60
    while time.time() < deadline:
        health = json.loads(call(port, "GET", "/health")[1])
        sink = [s for s in health["components"]["sinks"] if s["name"] == "cache:redis"][0]
        if sink["lag"] == 0:
            break
        time.sleep(0.2)
    check(sink["lag"] == 0, f"the cache sink did not catch up: {sink}")
    for rid, (seq, body) in newest.items():
        held = redis(rport, "HMGET", f"tandem:products/{rid}", "v", "d").split("\n")
        check(held == [str(seq), body], f"{rid}: Redis holds {held}, want version {seq}")
finally:
    stop([tandem, redis_proc])
    shutil.rmtree(work, ignore_errors=True)

check.finish()
