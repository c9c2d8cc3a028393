#!/usr/bin/env python3
"""Several nodes over one Redis, end-to-end: three built binaries (`tandem serve`, each with its
own data dir, cache.backend = redis and jobs.lease = redis) start at once on fresh data dirs, where
each would run the generator at its first start. Exactly one of them must run it, the others
report the fire as run elsewhere (tandem_job_runs_total{outcome="elsewhere"}), and Redis must
name the node that holds the lease. A manual run still runs where it is asked.

    nodes_test.py path/to/tandem

Prints "N passed, N failed" last and exits non-zero on failure. Loopback only, bounded in time.
"""
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from e2e_lib import Checks, free_port, stop

TANDEM = sys.argv[1]
ADMIN = "e2e-nodes-admin-key-0123456789ab"
work = tempfile.mkdtemp(prefix="tandem-nodes-")
check = Checks()
procs = []




def redis(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True,
                          timeout=10).stdout.strip()


def call(port, method, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path, headers={"X-API-Key": ADMIN})
    res = conn.getresponse()
    data = res.read().decode()
    conn.close()
    return res.status, data


def start_node(i, rport):
    log_path = os.path.join(work, f"node{i}.log")
    env = dict(os.environ, TANDEM_LOG_ACCESS="false", TANDEM_AUTH_ADMIN_KEY=ADMIN,
               TANDEM_CACHE_BACKEND="redis", TANDEM_CACHE_REDIS_URL=f"redis://127.0.0.1:{rport}/0",
               TANDEM_JOBS_LEASE="redis", TANDEM_JOBS_GENERATE_SCHEDULE="rate(1 day)")
    proc = subprocess.Popen([TANDEM, "serve", "--port", "0", "--data-dir", os.path.join(work, f"data{i}"),
                             "--set", f"log.file={log_path}"], env=env)
    procs.append(proc)
    return proc, log_path


def port_of(log_path, proc):
    for _ in range(400):
        if os.path.exists(log_path):
            ports = re.findall(r'"msg":"listening".*?"port":(\d+)', open(log_path).read())
            if ports:
                return int(ports[-1])
        if proc.poll() is not None:
            raise SystemExit("tandem exited at start: " + open(log_path).read()[-2000:])
        time.sleep(0.05)
    raise SystemExit("tandem did not start")


def generate_runs(port):
    jobs = json.loads(call(port, "GET", "/v1/jobs")[1])["jobs"]
    return [j for j in jobs if j["name"] == "generate"][0]["runs"]


def metric(port, outcome):
    text = call(port, "GET", "/metrics")[1]
    m = re.search(r'tandem_job_runs_total\{[^}]*job="generate"[^}]*outcome="%s"[^}]*\} (\S+)' % outcome, text) or \
        re.search(r'tandem_job_runs_total\{[^}]*outcome="%s"[^}]*job="generate"[^}]*\} (\S+)' % outcome, text)
    return float(m.group(1)) if m else None


try:
    rport = free_port()
    procs.append(subprocess.Popen(["redis-server", "--port", str(rport), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--dir", work], stdout=subprocess.DEVNULL))
    for _ in range(200):
        if redis(rport, "ping") == "PONG":
            break
        time.sleep(0.05)
    started = [start_node(i, rport) for i in range(3)]  # all at once
    ports = [port_of(log, proc) for proc, log in started]
    deadline = time.time() + 20
    while time.time() < deadline:  # every node's first-start fire has been decided
        if sum((metric(p, "ok") or 0) + (metric(p, "elsewhere") or 0) + (metric(p, "skipped") or 0) for p in ports) >= 3:
            break
        time.sleep(0.1)
    runs = [generate_runs(p) for p in ports]
    ran = [i for i, r in enumerate(runs) if r]
    check(len(ran) == 1, f"one node ran the first-start fire, not {len(ran)}: {runs}")
    check(all(r[0]["outcome"] == "ok" for r in runs if r), f"the run succeeded: {runs}")
    elsewhere = [metric(p, "elsewhere") for p in ports]
    check(sorted(elsewhere) == [0.0, 1.0, 1.0], f"the two others counted it as run elsewhere: {elsewhere}")
    holder = redis(rport, "GET", "tandem:lease:job:generate")
    check(holder.split("/")[1:2] == [str(started[ran[0]][0].pid)] if ran else False,
          f"Redis names the node that ran it: {holder}, pids {[p.pid for p, _ in started]}")
    ttl = int(redis(rport, "PTTL", "tandem:lease:job:generate") or -1)
    check(0 < ttl <= 0.9 * 86400 * 1000, f"held for 9/10 of a day at most: {ttl} ms")
    other = next(i for i in range(3) if i not in ran) if ran else 0
    status, _ = call(ports[other], "POST", "/v1/jobs/generate/run")
    check(status == 202 or status == 200, f"a manual run is accepted: {status}")
    deadline = time.time() + 20
    while time.time() < deadline and not generate_runs(ports[other]):
        time.sleep(0.1)
    check(len(generate_runs(ports[other])) == 1, f"the manual run ran where it was asked: {generate_runs(ports[other])}")
finally:
    stop(procs)
    shutil.rmtree(work, ignore_errors=True)

check.finish()
