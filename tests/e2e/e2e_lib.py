"""What the Python end-to-end tests share: checks counted and summed up, and free loopback ports.
Imported by the scripts beside it (their directory is on sys.path when run as scripts)."""
import signal
import socket
import subprocess
import sys


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
