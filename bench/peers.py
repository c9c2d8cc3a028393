"""Peers the Python benchmarks start themselves: a throwaway PostgreSQL cluster on loopback.

    pg = Postgres(work_dir)          # initdb + pg_ctl start, as the postgres user
    pg.psql("-c", "SELECT 1")        # psql against it (ON_ERROR_STOP); .run_pg(...) runs any tool
    pg.stop()                        # pg_ctl stop -m fast

Settings: trust auth on 127.0.0.1 only, a free port, shared_buffers=512MB, work_mem=64MB.
"""
import os, shutil, socket, subprocess


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


class Postgres:
    def __init__(self, work):
        version = sorted(os.listdir("/usr/lib/postgresql"))[-1]
        self.bin = f"/usr/lib/postgresql/{version}/bin"
        self.dir, sock = os.path.join(work, "pg"), os.path.join(work, "pgsock")
        for d in (self.dir, sock):
            os.makedirs(d); shutil.chown(d, "postgres")
        self.run_pg(f"{self.bin}/initdb", "-D", self.dir, "-A", "trust", "-U", "postgres", stdout=subprocess.DEVNULL)
        self.port = free_port()
        self.run_pg(f"{self.bin}/pg_ctl", "-D", self.dir, "-l", os.path.join(self.dir, "log"), "-w", "-o",
                    f"-p {self.port} -k {sock} -c listen_addresses=127.0.0.1 -c shared_buffers=512MB -c work_mem=64MB",
                    "start", stdout=subprocess.DEVNULL)
        self.psql_cmd = ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-q", "-v", "ON_ERROR_STOP=1"]

    def run_pg(self, *args, **kwargs):
        return subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, **kwargs)

    def psql(self, *args, **kwargs):
        return self.run_pg(*self.psql_cmd, *args, **kwargs)

    def query(self, sql):
        """The rows of one statement, as lists of strings (tab-separated output)."""
        out = self.psql("-At", "-F", "\t", "-c", sql, capture_output=True, text=True).stdout
        return [line.split("\t") for line in out.splitlines()]

    def stop(self):
        self.run_pg(f"{self.bin}/pg_ctl", "-D", self.dir, "-m", "fast", "stop", stdout=subprocess.DEVNULL)
