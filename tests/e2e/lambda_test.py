#!/usr/bin/env python3
"""`tandem lambda` under a Lambda Runtime API server of our own (the API AWS documents: next
invocation, response, error, init error), on loopback. The same requests go first to `tandem serve`
over HTTP, then as API Gateway REST API (payload 1.0) and HTTP API (2.0) events to `tandem lambda`
on the same data dir: statuses, bodies (less timings and request ids) and the headers that matter
must match. Then an EventBridge scheduled event runs the generator job once, a direct invocation
upserts records, and events that are no event, a job that does not exist, a crash (a fatal
signal while handling) and a broken data dir are reported through the error endpoints. Prints the cold start (process start to the first call
for the next invocation) for information: speed is the benchmarks' business.

    lambda_test.py path/to/tandem

Prints "N passed, N failed" last and exits non-zero on failure.
"""
import base64
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlencode

from e2e_lib import (Checks, RuntimeApi, comparable, crash_while_handling, free_port, http_api_event,
                     rest_event, scheduled_event, stop)

TANDEM = sys.argv[1]
KEY = "lambda-admin-key-0123456789abcdef"
work = tempfile.mkdtemp(prefix="tandem-lambda-")
procs = []  # every process started, stopped at the end whatever happens
check = Checks()




ENV = dict(os.environ, TANDEM_AUTH_ADMIN_KEY=KEY, TANDEM_LOG_ACCESS="false",
           TANDEM_JOBS_GENERATE_SCHEDULE="rate(1 day)")


def serve(data):
    port = free_port()
    proc = subprocess.Popen([TANDEM, "serve", "--port", str(port), "--data-dir", data],
                            stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "serve.log"), "a"), env=ENV)
    procs.append(proc)
    for _ in range(400):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/ready")
            if c.getresponse().status == 200:
                return proc, port
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit("tandem serve did not become ready")


def lambda_process(data, api, env=None):
    env = dict(env or ENV, AWS_LAMBDA_RUNTIME_API=api.address)
    started = time.monotonic()
    proc = subprocess.Popen([TANDEM, "lambda", "--data-dir", data], stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(work, "lambda.log"), "a"), env=env)
    procs.append(proc)
    return proc, started


# The requests compared: method, path, query, headers, body.
AUTH = {"X-API-Key": KEY}
REQUESTS = [
    ("GET", "/v1/collections/products/records/lam-1", {}, AUTH, None),
    ("GET", "/cache", {"id": "lam-2"}, AUTH, None),
    ("GET", "/search", {"q": "lantern", "sort": "price:asc"}, AUTH, None),
    ("GET", "/v1/collections/products/search", {"q": "brass lant", "facets": "brand", "filter": "price < 100"}, AUTH, None),
    ("GET", "/search", {"q": "lantern"}, {}, None),                              # no key: 401
    ("GET", "/search", {"q": "\"unclosed"}, AUTH, None),                        # broken query: 400
    ("GET", "/nope", {}, AUTH, None),                                            # 404
    ("DELETE", "/search", {}, AUTH, None),                                       # 405
    ("GET", "/v1/collections/products/records/does-not-exist", {}, AUTH, None),  # 404
    ("POST", "/v1/collections/products/records", {}, dict(AUTH, **{"Content-Type": "application/json"}),
     '{"id": "bad", "price": "free"}'),                                          # invalid record: 400
]

RECORDS = [
    {"id": "lam-1", "name": "Brass lantern", "description": "A lantern for the garden path", "category": "home",
     "brand": "Oakfield", "price": 40.5, "tags": ["garden"], "rating": 4.5, "in_stock": True, "created_at": "2026-11-01T00:00:00Z"},
    {"id": "lam-2", "name": "Paper lantern", "description": "Folding lantern, warm light", "category": "home",
     "brand": "Lumen", "price": 12.25, "tags": ["light"], "rating": 4.0, "in_stock": True, "created_at": "2026-11-02T00:00:00Z"},
]


try:
    data = os.path.join(work, "data")
    # 1. tandem serve: the records, then the answers to compare.
    proc, port = serve(data)
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", "/v1/collections/products/records?wait=indexed", json.dumps(RECORDS),
              dict(AUTH, **{"Content-Type": "application/json"}))
    r = c.getresponse(); r.read()
    check(r.status == 200, f"serve: records stored ({r.status})")
    expected = []
    for method, path, query, headers, body in REQUESTS:
        c.request(method, path + ("?" + urlencode(query) if query else ""), body, headers)
        r = c.getresponse()
        ctype = r.getheader("Content-Type", "")
        expected.append((r.status, ctype, comparable(r.read().decode(), ctype)))
    c.request("GET", "/v1/collections/products", headers=AUTH)
    r = c.getresponse(); before = json.loads(r.read())["documents"]
    stop([proc])

    # 2. tandem lambda on the same data: the same requests as both payload formats.
    api = RuntimeApi()
    proc, started = lambda_process(data, api)
    for (method, path, query, headers, body), (status, ctype, want) in zip(REQUESTS, expected):
        for name, make in (("REST API (1.0)", rest_event), ("HTTP API (2.0)", http_api_event)):
            kind, answer, _ = api.invoke(make(method, path, query, headers, body))
            what = f"{name} {method} {path} {query}"
            if kind != "response":
                check(False, f"{what}: answered {kind} {answer[:200]}")
                continue
            res = json.loads(answer)
            got_headers = res.get("multiValueHeaders") or {}
            got_headers = {k: v[0] for k, v in got_headers.items()} if name.startswith("REST") else res["headers"]
            text = base64.b64decode(res["body"]).decode() if res["isBase64Encoded"] else res["body"]
            check(res["statusCode"] == status, f"{what}: status {res['statusCode']}, serve said {status}")
            check(got_headers.get("Content-Type") == ctype, f"{what}: Content-Type {got_headers.get('Content-Type')} vs {ctype}")
            check(comparable(text, ctype) == want, f"{what}: body differs: {text[:300]} vs {want}")
            check(got_headers.get("Strict-Transport-Security", "").startswith("max-age="), f"{what}: no HSTS")
            check(bool(got_headers.get("X-Request-Id")), f"{what}: no X-Request-Id")
    print(f"cold start: {(api.first_next - started) * 1000:.0f} ms from process start to the first next invocation")

    # A write through a v2 event, then read back through a v1 event.
    kind, answer, _ = api.invoke(http_api_event("PUT", "/v1/collections/products/records/lam-3", {"wait": "indexed"},
                                                dict(AUTH, **{"Content-Type": "application/json"}),
                                                json.dumps(dict(RECORDS[0], id="lam-3", name="Iron lantern"))))
    check(kind == "response" and json.loads(answer)["statusCode"] == 200, f"PUT through HTTP API: {answer[:200]}")
    kind, answer, _ = api.invoke(rest_event("GET", "/search", {"q": "iron lantern"}, AUTH, None))
    hits = json.loads(json.loads(answer)["body"])["hits"] if kind == "response" else []
    check([h["id"] for h in hits][:1] == ["lam-3"], f"the write is searchable: {hits}")

    # The scheduled event runs the generator job once; the records invocation upserts.
    kind, answer, _ = api.invoke(scheduled_event("tandem-prod-generate"))
    result = json.loads(answer) if kind == "response" else {}
    check(result.get("job") == "generate" and result.get("outcome") == "ok", f"scheduled event: {kind} {answer[:200]}")
    kind, answer, _ = api.invoke({"collection": "products", "records": [dict(RECORDS[1], id="lam-4"), {"id": "lam-5"}]})
    result = json.loads(answer) if kind == "response" else {}
    check(result.get("accepted") == 1 and result.get("rejected") == 1, f"records invocation: {kind} {answer[:300]}")
    kind, answer, _ = api.invoke(rest_event("GET", "/v1/collections/products", {}, AUTH, None))
    count = json.loads(json.loads(answer)["body"])["documents"] if kind == "response" else None
    check(count == before + 1 + 10 + 1, f"count after the PUT, one generator run (10) and one record: {count}, was {before}")
    kind, answer, _ = api.invoke(rest_event("GET", "/v1/jobs", {}, AUTH, None))
    runs = json.loads(json.loads(answer)["body"]) if kind == "response" else {}
    generate = [j for j in runs.get("jobs", []) if j.get("name") == "generate"]
    last = (generate[0].get("last_run") or {}) if generate else {}
    check(last.get("outcome") == "ok" and "10 records" in last.get("message", ""), f"the run is recorded: {generate}")

    # What cannot be handled is reported through the error endpoint, and the next one is served.
    for payload, want_type in (("not json", "tandem.InvalidEvent"), ({"hello": "world"}, "tandem.InvalidEvent"),
                               ({"job": "nope"}, "tandem.UnknownJob"),
                               ({"collection": "nope", "records": [{"id": "x"}]}, "tandem.IngestFailed")):
        kind, answer, header = api.invoke(payload)
        report = json.loads(answer) if kind == "error" else {}
        check(kind == "error" and report.get("errorType") == want_type and header == want_type and report.get("errorMessage"),
              f"{payload!r}: {kind} {header} {answer[:200]}")
    kind, answer, _ = api.invoke(rest_event("GET", "/health", {}, {}, None))
    check(kind == "response" and json.loads(answer)["statusCode"] == 200, f"served after the errors: {answer[:200]}")
    api.stop()
    try:
        code = proc.wait(timeout=20)
        check(code == 0, f"tandem lambda exits 0 when the Runtime API goes away, not {code}")
    except subprocess.TimeoutExpired:
        check(False, "tandem lambda did not stop when the Runtime API went away")
        stop([proc])

    # A crash while handling an invocation (a fatal signal during a generator run of 100,000
    # records) is reported through the error endpoint, and the process dies of the signal.
    for sig in (signal.SIGSEGV, signal.SIGABRT):
        api = RuntimeApi()
        proc, _ = lambda_process(os.path.join(work, f"crash-{sig.name}"), api,
                                 dict(ENV, TANDEM_JOBS_GENERATE_BATCH_SIZE="100000"))
        crash_while_handling(check, api, proc, sig, scheduled_event("tandem-prod-generate"), "tandem lambda")
        api.stop()

    # A service that cannot start reports an init error: the data dir is a file.
    api = RuntimeApi()
    broken = os.path.join(work, "a-file")
    open(broken, "w").close()
    proc, _ = lambda_process(broken, api)
    code = proc.wait(timeout=30)
    check(code == 1 and len(api.init_errors) == 1 and api.init_errors[0][0] == "tandem.InitError",
          f"init error: exit {code}, reported {api.init_errors}")
    api.stop()
    # Without the Runtime API's address it says so.
    run = subprocess.run([TANDEM, "lambda", "--data-dir", data], capture_output=True, text=True,
                         env={k: v for k, v in ENV.items() if k != "AWS_LAMBDA_RUNTIME_API"}, timeout=30)
    check(run.returncode == 2 and "AWS_LAMBDA_RUNTIME_API" in run.stderr, f"no runtime api: {run.returncode} {run.stderr}")
finally:
    stop(procs)
    shutil.rmtree(work, ignore_errors=True)

check.finish()
