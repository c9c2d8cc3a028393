#!/usr/bin/env python3
"""The Lambda deployment package (scripts/package-lambda.sh), run as Lambda runs it: unpacked in
/var/task of an otherwise empty root (chroot: no /lib, /usr, /bin, /etc or /dev), started as
/var/task/bootstrap without arguments, with Lambda's LD_LIBRARY_PATH, against a Runtime API
server of the test's own. Behind it, in direct mode, the test-only OpenSearch (a process) and a
real redis-server, shared with a `tandem serve` node. The same requests sent to `serve` and as
API Gateway REST (1.0) and HTTP API (2.0) events give the same statuses and bodies; a write
through the package is read by id on the `serve` node at once (and the other way round); an
EventBridge scheduled event runs the generator, whose run the `serve` node shows; an event that
is no event goes to the error endpoint, and so does a crash while handling. Prints the cold start for information.

    lambda_package_test.py path/to/tandem path/to/fake_opensearch_server path/to/package-lambda.sh

Needs root (chroot). Prints "N passed, N failed" last and exits non-zero on failure.
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
import zipfile
from urllib.parse import urlencode

from e2e_lib import (Checks, RuntimeApi, comparable, crash_while_handling, free_port, http_api_event,
                     rest_event, scheduled_event, stop)

TANDEM, FAKE, PACKAGE = sys.argv[1], sys.argv[2], sys.argv[3]
if os.geteuid() != 0:
    raise SystemExit("lambda_package_test: needs root, for chroot")
KEY = "lambda-package-admin-key-0123456789"
AUTH = {"X-API-Key": KEY}
work = tempfile.mkdtemp(prefix="tandem-lambda-package-")
procs = []
check = Checks()

REQUESTS = [  # method, path, query, headers, body: what the test OpenSearch can answer (no text)
    ("GET", "/v1/collections/products/records/pk-1", {}, AUTH, None),
    ("GET", "/cache", {"id": "pk-1"}, AUTH, None),
    ("GET", "/v1/collections/products/search", {"q": "*", "sort": "price:asc"}, AUTH, None),
    ("GET", "/search", {"q": "*"}, {}, None),                                   # no key: 401
    ("GET", "/nope", {}, AUTH, None),                                           # 404
    ("DELETE", "/search", {}, AUTH, None),                                      # 405
    ("GET", "/v1/collections/products/records/does-not-exist", {}, AUTH, None),  # 404
    ("POST", "/v1/collections/products/records", {}, dict(AUTH, **{"Content-Type": "application/json"}),
     '{"id": "bad", "price": "free"}'),                                         # invalid record: 400
]


def call(port, method, path, body=None, headers=AUTH):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request(method, path, body, headers)
    r = c.getresponse()
    return r.status, r.getheader("Content-Type", ""), r.read().decode(), dict(r.getheaders())


def answer_of(api, event):
    kind, answer, _ = api.invoke(event)
    if kind != "response":
        return None, kind + " " + answer[:200].decode(errors="replace")
    res = json.loads(answer)
    text = base64.b64decode(res["body"]).decode() if res.get("isBase64Encoded") else res["body"]
    return res, text


try:
    # The package, unpacked where Lambda unpacks it, in a root that holds nothing else.
    zip_path = os.path.join(work, "tandem-lambda.zip")
    subprocess.run([PACKAGE, TANDEM, zip_path], check=True, stdout=subprocess.DEVNULL)
    root = os.path.join(work, "root")
    task = os.path.join(root, "var", "task")
    os.makedirs(task)
    with zipfile.ZipFile(zip_path) as z:
        for info in z.infolist():
            os.chmod(z.extract(info, task), (info.external_attr >> 16) & 0o777)
    check(sorted(os.listdir(root)) == ["var"] and sorted(os.listdir(task)) == ["bootstrap", "lib"],
          f"the root holds only the package: {os.listdir(root)}, {os.listdir(task)}")
    print(f"package: {os.path.getsize(zip_path) / 1e6:.1f} MB zipped, {len(os.listdir(os.path.join(task, 'lib')))} libraries")

    fake = subprocess.Popen([FAKE], stdout=subprocess.PIPE, text=True)
    procs.append(fake)
    os_port = int(fake.stdout.readline().split()[1])
    rport = free_port()
    procs.append(subprocess.Popen(["redis-server", "--port", str(rport), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--dir", work], stdout=subprocess.DEVNULL))
    for _ in range(200):
        if subprocess.run(["redis-cli", "-p", str(rport), "ping"], capture_output=True, text=True).stdout.strip() == "PONG":
            break
        time.sleep(0.05)
    direct = {"TANDEM_AUTH_ADMIN_KEY": KEY, "TANDEM_LOG_ACCESS": "false",
              "TANDEM_STORE_BACKEND": "opensearch", "TANDEM_SEARCH_BACKEND": "opensearch",
              "TANDEM_SEARCH_OPENSEARCH_URL": f"http://127.0.0.1:{os_port}",
              "TANDEM_CACHE_BACKEND": "redis", "TANDEM_CACHE_REDIS_URL": f"redis://127.0.0.1:{rport}/0",
              "TANDEM_JOBS_GENERATE_SCHEDULE": "rate(1 day)", "TANDEM_JOBS_GENERATE_RUN_AT_FIRST_START": "false"}

    # A serve node in direct mode: the records, then the answers to compare.
    port = free_port()
    proc = subprocess.Popen([TANDEM, "serve", "--port", str(port), "--data-dir", os.path.join(work, "unused")],
                            stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "serve.log"), "a"),
                            env=dict(os.environ, **direct))
    procs.append(proc)
    for _ in range(400):
        try:
            if call(port, "GET", "/ready")[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.05)
    record = {"id": "pk-1", "name": "Brass lantern", "category": "home", "brand": "Oakfield", "price": 40.5}
    status, _, body, _ = call(port, "POST", "/v1/collections/products/records?wait=indexed", json.dumps(record),
                              dict(AUTH, **{"Content-Type": "application/json"}))
    check(status == 200, f"serve: the record is stored ({status} {body})")
    expected = []
    for method, path, query, headers, body in REQUESTS:
        status, ctype, text, _ = call(port, method, path + ("?" + urlencode(query) if query else ""), body, headers)
        expected.append((status, ctype, comparable(text, ctype)))

    # The package under the Runtime API, as Lambda starts it.
    api = RuntimeApi()
    env = dict(direct, AWS_LAMBDA_RUNTIME_API=api.address, LAMBDA_TASK_ROOT="/var/task", TANDEM_LOG_ACCESS="true",
               LD_LIBRARY_PATH="/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib")
    started = time.monotonic()
    def enter_root():
        os.chroot(root)
        os.chdir("/var/task")
    lam_log = os.path.join(work, "lambda.log")  # the log is on stdout, as CloudWatch takes it
    lam = subprocess.Popen(["/var/task/bootstrap"], env=env, preexec_fn=enter_root, stdout=open(lam_log, "a"),
                           stderr=subprocess.STDOUT)
    procs.append(lam)
    for (method, path, query, headers, body), (status, ctype, want) in zip(REQUESTS, expected):
        for name, make in (("REST API (1.0)", rest_event), ("HTTP API (2.0)", http_api_event)):
            res, text = answer_of(api, make(method, path, query, headers, body))
            what = f"{name} {method} {path} {query}"
            if res is None:
                check(False, f"{what}: answered {text}")
                continue
            check(res["statusCode"] == status, f"{what}: status {res['statusCode']}, serve said {status}")
            check(comparable(text, ctype) == want, f"{what}: body differs: {text[:300]} vs {want}")
    if api.first_next:
        print(f"cold start of the package: {(api.first_next - started) * 1000:.0f} ms to the first next invocation")

    # HTTP events are counted and logged as served requests are.
    res, text = answer_of(api, rest_event("GET", "/metrics", {}, AUTH, None))
    counted = [l for l in (text or "").split("\n") if l.startswith("tandem_http_requests_total{")
               and 'route="/v1/collections/{c}/records/{id}"' in l]
    check(res is not None and sum(float(l.split()[-1]) for l in counted) >= 4,
          f"tandem_http_requests_total counts the events by route: {counted}")
    logged = [json.loads(l) for l in open(lam_log) if '"msg":"request"' in l]
    check(any(e.get("path") == "/v1/collections/products/records/pk-1" and e.get("status") == 200
              and e.get("remote") == "203.0.113.9" for e in logged),
          f"the access log has the events, with the caller's address: {logged[:2]}")

    # A write through the package, read on the serve node at once, and the other way round.
    put = dict(record, id="pk-2", price=9.0)
    res, text = answer_of(api, http_api_event("PUT", "/v1/collections/products/records/pk-2", {},
                                              dict(AUTH, **{"Content-Type": "application/json"}), json.dumps(put)))
    check(res is not None and res["statusCode"] == 200, f"PUT through the package: {text[:200]}")
    status, _, body, headers = call(port, "GET", "/v1/collections/products/records/pk-2")
    check(status == 200 and json.loads(body) == put and headers.get("X-Cache") == "hit",
          f"serve reads it at once, from the shared cache: {status} {headers.get('X-Cache')} {body}")
    status, _, body, _ = call(port, "PATCH", "/v1/collections/products/records/pk-2", '{"price": 8.5}',
                              dict(AUTH, **{"Content-Type": "application/json"}))
    res, text = answer_of(api, rest_event("GET", "/v1/collections/products/records/pk-2", {}, AUTH, None))
    check(res is not None and json.loads(text).get("price") == 8.5 and res["multiValueHeaders"]["ETag"] == ['"2"'],
          f"the package reads serve's merge: {text[:200]}")

    # The scheduled event runs the generator; the serve node shows the run.
    kind, answer, _ = api.invoke(scheduled_event("tandem-prod-generate"))
    result = json.loads(answer) if kind == "response" else {}
    check(result.get("job") == "generate" and result.get("outcome") == "ok", f"scheduled event: {kind} {answer[:200]}")
    jobs = json.loads(call(port, "GET", "/v1/jobs")[2])["jobs"]
    last = [j for j in jobs if j["name"] == "generate"][0].get("last_run") or {}
    check(last.get("outcome") == "ok" and "10 records" in last.get("message", ""), f"serve shows the run: {last}")

    kind, answer, header = api.invoke("not json")
    check(kind == "error" and header == "tandem.InvalidEvent", f"an event that is no event: {kind} {header}")
    api.stop()
    try:
        check(lam.wait(timeout=20) == 0, "the package exits 0 when the Runtime API goes away")
    except subprocess.TimeoutExpired:
        check(False, "the package did not stop when the Runtime API went away")

    # A crash while handling (SIGSEGV during a generator run of 100,000 records) is reported.
    api = RuntimeApi()
    crashing = subprocess.Popen(["/var/task/bootstrap"], preexec_fn=enter_root, stdout=open(lam_log, "a"),
                                stderr=subprocess.STDOUT,
                                env=dict(env, AWS_LAMBDA_RUNTIME_API=api.address,
                                         TANDEM_JOBS_GENERATE_BATCH_SIZE="100000"))
    procs.append(crashing)
    crash_while_handling(check, api, crashing, signal.SIGSEGV, scheduled_event("tandem-prod-generate"), "the package")
    api.stop()
finally:
    stop(procs)
    shutil.rmtree(work, ignore_errors=True)
check.finish()
