"""What the Python end-to-end tests share: checks counted and summed up, free loopback ports,
requests, comparing answers, stopping processes, and Lambda's side of `tandem lambda` (a Runtime API server, API Gateway
events). Imported by the scripts beside it (their directory is on sys.path when run as
scripts)."""
import base64
import http.client
import http.server
import json
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import urlencode


class Checks:
    """check(ok, what) counts a check and prints what failed; finish() prints "N passed, N failed"
    and exits non-zero when one failed."""

    def __init__(self):
        self.passed = self.failed = 0

    def __call__(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL:", what)

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed")
        sys.exit(1 if self.failed else 0)


def free_port():
    """A TCP port free on 127.0.0.1 (bound, read, released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_call(port, method, path, key, body=None, timeout=10):
    """One request to 127.0.0.1:port on a fresh connection, with an API key and, when given, a
    JSON body: (status, body text, headers)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"X-API-Key": key}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=headers)
    res = conn.getresponse()
    data = res.read().decode()
    conn.close()
    return res.status, data, dict(res.getheaders())


def comparable(body, content_type):
    """A response body less what differs between two runs of the same request: timings, request
    ids, uptimes, and where /cache found the record (a new process's cache starts empty)."""
    if not content_type.startswith("application/json"):
        return body
    def strip(v):
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if k not in ("took_ms", "request_id", "uptime_s", "source")}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v
    try:
        return strip(json.loads(body))
    except ValueError:
        return body


def stop(procs):
    """Stops each process by its PID: thawed if frozen, SIGTERM, then SIGKILL after 15 s."""
    for p in procs:
        try:
            p.send_signal(signal.SIGCONT)
            p.terminate()
        except ProcessLookupError:
            pass
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


class RuntimeApi:
    """Lambda's Runtime API: invocations queued by invoke(), answers kept by request id."""

    def __init__(self):
        self.pending = queue.Queue()
        self.answers = {}
        self.handed = set()  # request ids handed out by /next
        self.init_errors = []
        self.first_next = None
        self.done = threading.Condition()
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, body=b"", headers=()):
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != "/2018-06-01/runtime/invocation/next":
                    return self.reply(404)
                if api.first_next is None:
                    api.first_next = time.monotonic()
                rid, payload = api.pending.get()
                if rid is None:  # the test is over: this runtime goes away
                    self.close_connection = True
                    return self.reply(500, b'{"errorMessage":"shutting down"}')
                with api.done:
                    api.handed.add(rid)
                    api.done.notify_all()
                deadline = str(int(time.time() * 1000) + 30000)
                self.reply(200, payload.encode(), [
                    ("Lambda-Runtime-Aws-Request-Id", rid), ("Lambda-Runtime-Deadline-Ms", deadline),
                    ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-1:123456789012:function:tandem"),
                    ("Lambda-Runtime-Trace-Id", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700")])

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                parts = self.path.split("/")
                with api.done:
                    if self.path == "/2018-06-01/runtime/init/error":
                        api.init_errors.append((self.headers.get("Lambda-Runtime-Function-Error-Type"), body))
                    elif len(parts) == 6 and parts[3] == "invocation" and parts[5] in ("response", "error"):
                        api.answers[parts[4]] = (parts[5], body, self.headers.get("Lambda-Runtime-Function-Error-Type"))
                    else:
                        return self.reply(404)
                    api.done.notify_all()
                self.reply(202, b'{"status":"OK"}')

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.address = f"127.0.0.1:{self.server.server_address[1]}"

    def invoke(self, payload, timeout=30):
        return self.answer(self.queue(payload), timeout)

    def queue(self, payload):
        """Queues an invocation; its request id."""
        rid = str(uuid.uuid4())
        self.pending.put((rid, payload if isinstance(payload, str) else json.dumps(payload)))
        return rid

    def wait_handed(self, rid, timeout=30):
        """True once the runtime took the invocation from /next."""
        with self.done:
            return self.done.wait_for(lambda: rid in self.handed, timeout)

    def answer(self, rid, timeout=30):
        """(kind, body, error type) of the invocation's answer, kind "timeout" without one."""
        with self.done:
            self.done.wait_for(lambda: rid in self.answers, timeout)
        return self.answers.get(rid, ("timeout", b"", None))

    def stop(self):
        self.pending.put((None, None))
        self.server.shutdown()


def crash_while_handling(check, api, proc, sig, event, what):
    """Sends `sig` to `proc` 0.2 s after it took `event` (one that it handles for seconds, such as
    a generator run of 100,000 records): the crash must reach the error endpoint as tandem.Crash
    naming the signal, and the process die of it."""
    rid = api.queue(event)
    handed = api.wait_handed(rid)
    time.sleep(0.2)
    answered_early = rid in api.answers
    proc.send_signal(sig)
    kind, answer, header = api.answer(rid, timeout=10)
    report = json.loads(answer) if kind == "error" else {}
    check(handed and not answered_early and kind == "error" and header == "tandem.Crash" and
          report.get("errorType") == "tandem.Crash" and sig.name in report.get("errorMessage", ""),
          f"{what}: {sig.name} while handling: handed {handed}, answered before the signal "
          f"{answered_early}, {kind} {header} {answer[:200]}")
    try:
        code = proc.wait(timeout=20)
        check(code == -sig, f"{what}: the crashed process dies of {sig.name}, not with {code}")
    except subprocess.TimeoutExpired:
        check(False, f"{what}: the process did not die of {sig.name}")


def rest_event(method, path, query, headers, body):
    return {"resource": "/{proxy+}", "path": path, "httpMethod": method,
            "headers": dict(headers) or None,
            "multiValueHeaders": {k: [v] for k, v in headers.items()} or None,
            "queryStringParameters": dict(query) or None,
            "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} or None,
            "pathParameters": {"proxy": path.lstrip("/")}, "stageVariables": None,
            "requestContext": {"stage": "prod", "requestId": str(uuid.uuid4()), "httpMethod": method,
                               "identity": {"sourceIp": "203.0.113.9"}},
            "body": base64.b64encode(body.encode()).decode() if body else None,
            "isBase64Encoded": bool(body)}


def http_api_event(method, path, query, headers, body):
    return {"version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": urlencode(query),
            "headers": {k.lower(): v for k, v in headers.items()},
            "requestContext": {"http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                                        "sourceIp": "198.51.100.9", "userAgent": "test"},
                               "requestId": str(uuid.uuid4()), "stage": "$default"},
            "body": body, "isBase64Encoded": False}


def scheduled_event(rule):
    """What EventBridge sends a function when the schedule rule named `rule` fires."""
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "time": "2026-12-01T00:00:00Z", "region": "eu-west-1",
            "resources": [f"arn:aws:events:eu-west-1:123456789012:rule/{rule}"], "detail": {}}
