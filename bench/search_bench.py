#!/usr/bin/env python3
"""Search benchmark: tandem (its native index, or Xapian with SEARCH_BACKEND=xapian) against SQLite FTS5 and PostgreSQL full-text search (GIN),
in the same run on the same machine, over the same generated products and the same queries.

    bench/search_bench.py [path/to/tandem] [records]      (default 100000; the full run is 1000000)
    RESULTS_JSON=results.json bench/search_bench.py ...  also writes the figures for bench/chart.py

Indexing: records/s to make N records searchable (tandem: the search sink catching up from the
store after `tandem import`; FTS5: inserts, a transaction per 100,000; PostgreSQL: COPY + GIN index build).
Queries: p50/p99 latency of each query of the mix, 200 runs each, and for tandem the p99 of all of
them pooled (the mix's own p99) next to the slowest single query's p99 (tandem and PostgreSQL over
loopback, keep-alive: tandem via HTTP, PostgreSQL via pgbench; FTS5 in-process, so it pays no
network). Every engine returns the top 10 by relevance (or the sort) and the number of matches.
Also: tandem's resident memory once caught up, the bytes on disk of each engine, and the time from
a restart on the data to `GET /ready` answering 200. Last, tandem on at most half a core (sharing one
with two busy loops, by taskset) over a fresh import: the catch-up (the loops at the sinks' nice level, +10) and a
quarter of the query runs (the loops at nice 0) again, the slowdown the benchmark must see (SLOWED=0 skips it). tandem and FTS5 run each query once before
timing it (PostgreSQL's pgbench runs are not warmed up).
"""
import http.client, json, os, re, shutil, sqlite3, statistics, subprocess, sys, tempfile, time
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers import Postgres, free_port

# The admin key of the tandem started here; every search carries it.
BENCH_KEY = "bench-admin-key-0123456789abcdef"
AUTH = {"X-API-Key": BENCH_KEY}

subprocess.run([os.path.join(os.path.dirname(os.path.abspath(__file__)), "prepare.sh"), "tandem"], check=True)
TANDEM = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../build/release/src/cli/tandem")
N = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
RUNS = int(os.environ.get("RUNS", "200"))
PEER_RUNS = int(os.environ.get("PEER_RUNS", RUNS))  # fewer at 10M: FTS5's common word takes seconds
work = tempfile.mkdtemp(prefix="tandem-search-bench-")
os.chmod(work, 0o755)
procs = []
tandem_times = []  # every query of the mix, pooled: the mix's own percentiles
extra = {}  # memory, disk, start to ready, the slowed run

# name, tandem params, FTS5 MATCH (None: no equivalent), PostgreSQL tsquery expression
MIX = [
    ("rare word", {"q": "quill"}, "quill", "to_tsquery('english', 'quill')"),
    ("common word", {"q": "made"}, "made", "to_tsquery('english', 'made')"),
    ("two words", {"q": "wireless headphones"}, "wireless headphones", "to_tsquery('english', 'wireless & headphones')"),
    ("phrase", {"q": '"active noise cancellation"'}, '"active noise cancellation"', "phraseto_tsquery('english', 'active noise cancellation')"),
    ("prefix", {"q": "headph"}, "headph*", "to_tsquery('english', 'headph:*')"),
    ("typo", {"q": "hedphones"}, None, None),
    ("words+sort", {"q": "headphones", "sort": "price:asc"}, "headphones", "to_tsquery('english', 'headphones')"),
    ("filter+facets+sort", {"q": "*", "filter": "category = electronics AND price < 100", "facets": "brand,tags", "sort": "price:asc"}, "FILTER", "FILTER"),
]


def order_by(params, relevance):
    """The peers' ORDER BY for a query of the mix: its sort keys, then `relevance`."""
    keys = [key.split(":") for key in params.get("sort", "").split(",") if key]
    return ", ".join([f"{field} {way.upper()}" for field, way in keys] + [relevance])


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def generate():
    path = os.path.join(work, "products.ndjson")
    with open(path, "w") as f:
        subprocess.run([TANDEM, "generate", "--count", str(N), "--seed", "1", "--now", "2026-11-01T00:00:00Z"], stdout=f, check=True)
    return path


# The engine measured (search.backend): SEARCH_BACKEND=xapian|native, default native.
BACKEND = os.environ.get("SEARCH_BACKEND", "native")
INDEX_DIR = {"xapian": "index", "native": "native"}[BACKEND]
TANDEM_ENV = dict(os.environ, TANDEM_JOBS_GENERATE_ENABLED="false", TANDEM_LOG_ACCESS="false",
                  TANDEM_AUTH_ADMIN_KEY=BENCH_KEY, TANDEM_SEARCH_BACKEND=BACKEND)


def serve(data, slowed=False):
    """tandem serving `data` on a free port (on half a core when slowed); returns (process, port)."""
    port = free_port()
    log = open(os.path.join(work, "tandem.log"), "a")
    wrap = ["taskset", "-c", "0"] if slowed else []
    hogs = [subprocess.Popen(["taskset", "-c", "0", "sh", "-c", "while :; do :; done"]) for _ in range(2 if slowed else 0)]
    proc = subprocess.Popen(wrap + [TANDEM, "serve", "--port", str(port), "--data-dir", data, "--set", "search.shards=2",
                                    "--set", "cache.query_results=false"], stdout=log, stderr=log, env=TANDEM_ENV)
    proc.hogs = hogs  # the busy loops sharing its core, stopped with it
    procs.extend(hogs + [proc])
    return proc, port


def stop(proc):
    for p in [proc] + proc.hogs:
        p.terminate(); p.wait(); procs.remove(p)


def wait_until(port, done):
    """Polls tandem until done(connection) is true; returns the keep-alive connection."""
    conn = None
    while True:
        try:
            conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            if done(conn):
                return conn
        except (ConnectionError, OSError, KeyError, IndexError, ValueError):
            conn = None
        time.sleep(0.02)


def caught_up(conn):
    conn.request("GET", "/health"); health = json.loads(conn.getresponse().read())
    sink = next(s for s in health["components"]["sinks"] if s["name"] == BACKEND)
    return sink["applied_seq"] >= health["components"]["store"]["head_seq"] > 0


def ready(conn):
    conn.request("GET", "/ready"); response = conn.getresponse(); response.read()
    return response.status == 200


def run_mix(conn, runs, pooled=None):
    lat = {}
    for name, params, _, _ in MIX:  # warm-up: the first filter or facet loads the columns
        conn.request("GET", "/search?" + urlencode(dict(params, per_page=10)), headers=AUTH); conn.getresponse().read()
    for name, params, _, _ in MIX:
        path_q = "/search?" + urlencode(dict(params, per_page=10))
        times = []
        for _ in range(runs):
            t = time.perf_counter(); conn.request("GET", path_q, headers=AUTH); body = conn.getresponse().read(); times.append(time.perf_counter() - t)
        found = json.loads(body)["found"]
        lat[name] = (pct(times, 0.5) * 1000, pct(times, 0.99) * 1000, found)
        if pooled is not None:
            pooled.extend(times)
    return lat


def du(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)


def rss(proc):
    return int(re.search(r"VmRSS:\s+(\d+) kB", open(f"/proc/{proc.pid}/status").read()).group(1)) * 1024


def tandem_import(path, data):
    subprocess.run([TANDEM, "import", path, "--data-dir", data], env=TANDEM_ENV, check=True, stderr=subprocess.DEVNULL)


def bench_tandem(path):
    data = os.path.join(work, "tandem")
    tandem_import(path, data)
    start = time.time()
    proc, port = serve(data)
    conn = wait_until(port, caught_up)
    index_rate = N / (time.time() - start)
    lat = run_mix(conn, RUNS, tandem_times)
    extra["tandem"] = {"rss_bytes": rss(proc), "disk_bytes": du(data),
                       "store_bytes": du(os.path.join(data, "tandem.db")), "index_bytes": du(os.path.join(data, INDEX_DIR))}
    conn.close(); stop(proc)
    start = time.time()
    proc, port = serve(data)
    wait_until(port, ready)
    extra["tandem"]["start_to_ready_s"] = time.time() - start
    stop(proc)
    if os.environ.get("SLOWED", "1") != "0":
        shutil.rmtree(data)
        tandem_import(path, data)
        # The catch-up shares the core with the busy loops at the sinks' own nice level (+10):
        # at nice 0 they would leave the sinks about a twentieth of it (438 records/s at 100k),
        # which measures the priority, not the indexer. The queries then meet them at nice 0.
        start = time.time()
        proc, port = serve(data, slowed=True)
        for hog in proc.hogs:
            os.setpriority(os.PRIO_PROCESS, hog.pid, 10)
        conn = wait_until(port, caught_up)
        slowed_rate = N / (time.time() - start)
        for hog in proc.hogs:
            os.setpriority(os.PRIO_PROCESS, hog.pid, 0)
        extra["slowed"] = {"index_rate": slowed_rate, "queries": run_mix(conn, max(10, RUNS // 4))}
        conn.close(); stop(proc)
    shutil.rmtree(data)  # measured: its disk is the peers' now (tandem's data at 10M is about 30 GB)
    return index_rate, lat


def bench_fts5(path):
    db = sqlite3.connect(os.path.join(work, "fts.db"))
    db.executescript("""PRAGMA journal_mode=WAL; PRAGMA cache_size=-1048576;
      CREATE TABLE products(id TEXT PRIMARY KEY, category TEXT, brand TEXT, price REAL, tags TEXT, body TEXT);
      CREATE VIRTUAL TABLE fts USING fts5(name, description, category, brand, tags, content='', tokenize='porter unicode61');
      CREATE INDEX products_cat_price ON products(category, price);""")
    # A transaction per 100,000 records, parsed outside the timed inserts (all of 10M at once would
    # not fit in memory as Python objects), and a page cache of 1 GiB: with SQLite's default of
    # 2 MB and one transaction, 10M records spilled pages of the id index to the WAL for 25
    # minutes without finishing (2026-12-03).
    spent, i = 0.0, 0
    lines = open(path)
    while True:
        rows = [json.loads(l) for _, l in zip(range(100000), lines)]
        if not rows:
            break
        start = time.time()
        db.execute("BEGIN")
        for r in rows:
            i += 1
            db.execute("INSERT INTO products(rowid, id, category, brand, price, tags, body) VALUES(?,?,?,?,?,?,?)",
                       (i, r["id"], r["category"], r["brand"], r["price"], json.dumps(r["tags"]), json.dumps(r)))
            db.execute("INSERT INTO fts(rowid, name, description, category, brand, tags) VALUES(?,?,?,?,?,?)",
                       (i, r["name"], r["description"], r["category"], r["brand"], " ".join(r["tags"])))
        db.execute("COMMIT")
        spent += time.time() - start
    index_rate = N / spent
    extra["sqlite-fts5"] = {"disk_bytes": du(os.path.join(work, "fts.db")) + du(os.path.join(work, "fts.db-wal")),
                            "version": sqlite3.sqlite_version}
    lat = {}
    for name, params, match, _ in MIX:
        if match is None:
            lat[name] = None
            continue
        def run():
            if match == "FILTER":
                hits = db.execute("SELECT body FROM products WHERE category='electronics' AND price<100 ORDER BY price LIMIT 10").fetchall()
                found = db.execute("SELECT count(*) FROM products WHERE category='electronics' AND price<100").fetchone()[0]
                db.execute("SELECT brand, count(*) FROM products WHERE category='electronics' AND price<100 GROUP BY brand ORDER BY 2 DESC LIMIT 10").fetchall()
                db.execute("SELECT t.value, count(*) FROM products, json_each(products.tags) t WHERE category='electronics' AND price<100 GROUP BY t.value ORDER BY 2 DESC LIMIT 10").fetchall()
                return found
            hits = db.execute(f"SELECT p.body FROM fts JOIN products p ON p.rowid = fts.rowid WHERE fts MATCH ? ORDER BY {order_by(params, 'rank')} LIMIT 10",
                              (match,)).fetchall()
            return db.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (match,)).fetchone()[0]
        run()  # warm-up, as for tandem
        times = []
        for _ in range(PEER_RUNS):
            t = time.perf_counter(); found = run(); times.append(time.perf_counter() - t)
        lat[name] = (pct(times, 0.5) * 1000, pct(times, 0.99) * 1000, found)
    db.close()
    for f in ("fts.db", "fts.db-wal", "fts.db-shm"):
        if os.path.exists(os.path.join(work, f)): os.remove(os.path.join(work, f))
    return index_rate, lat


def bench_postgres(path):
    pg = bench_postgres.pg = Postgres(work)
    pgbin, port, logs = pg.bin, pg.port, os.path.join(work, "pglogs")
    os.makedirs(logs); shutil.chown(logs, "postgres")
    run_pg, psql = pg.run_pg, pg.psql_cmd
    csv = os.path.join(work, "products.tsv")
    with open(csv, "w") as out:
        for line in open(path):
            r = json.loads(line)
            esc = lambda s: s.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")
            tags = "{" + ",".join(r["tags"]) + "}"
            out.write("\t".join([r["id"], esc(r["name"]), esc(r["description"]), r["category"], esc(r["brand"]), str(r["price"]), tags,
                                 " ".join(r["tags"]), esc(line.strip())]) + "\n")
    os.chmod(csv, 0o644)
    start = time.time()
    run_pg(*psql, "-c", """CREATE TABLE products(id text PRIMARY KEY, name text, description text, category text, brand text,
        price float8, tags text[], tags_text text, body text,
        tsv tsvector GENERATED ALWAYS AS (setweight(to_tsvector('english', name), 'A') || setweight(to_tsvector('english', description), 'B')
          || to_tsvector('english', category || ' ' || brand || ' ' || tags_text)) STORED)""")
    run_pg(*psql, "-c", f"\\copy products(id, name, description, category, brand, price, tags, tags_text, body) FROM '{csv}'")
    run_pg(*psql, "-c", "CREATE INDEX products_tsv ON products USING gin(tsv); CREATE INDEX products_cat_price ON products(category, price); ANALYZE products")
    index_rate = N / (time.time() - start)
    os.remove(csv)
    size = subprocess.run(["runuser", "-u", "postgres", "--", *psql, "-At", "-c", "SELECT pg_total_relation_size('products')"],
                          capture_output=True, text=True, check=True).stdout.strip()
    extra["postgresql"] = {"disk_bytes": int(size)}
    lat = {}
    for name, params, _, tsq in MIX:
        if tsq is None:
            lat[name] = None
            continue
        if tsq == "FILTER":
            where = "category = 'electronics' AND price < 100"
            sql = (f"SELECT body FROM products WHERE {where} ORDER BY price LIMIT 10;\n"
                   f"SELECT count(*) FROM products WHERE {where};\n"
                   f"SELECT brand, count(*) FROM products WHERE {where} GROUP BY brand ORDER BY 2 DESC LIMIT 10;\n"
                   f"SELECT t, count(*) FROM products, unnest(tags) t WHERE {where} GROUP BY t ORDER BY 2 DESC LIMIT 10;\n")
        else:
            sql = (f"SELECT body FROM products, {tsq} q WHERE tsv @@ q ORDER BY {order_by(params, 'ts_rank(tsv, q) DESC')} LIMIT 10;\n"
                   f"SELECT count(*) FROM products WHERE tsv @@ {tsq};\n")
        script = os.path.join(work, "q.sql"); open(script, "w").write(sql); os.chmod(script, 0o644)
        for f in os.listdir(logs):
            os.remove(os.path.join(logs, f))
        subprocess.run(["runuser", "-u", "postgres", "--", f"{pgbin}/pgbench", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                        "-n", "-c", "1", "-t", str(PEER_RUNS), "-f", script, "-l", f"--log-prefix={logs}/pgbench_log", "postgres"],
                       check=True, cwd=logs, stdout=subprocess.DEVNULL)
        times = [int(l.split()[2]) / 1e6 for f in os.listdir(logs) for l in open(os.path.join(logs, f))]
        count = subprocess.run(["runuser", "-u", "postgres", "--", *psql, "-At", "-c",
                                sql.split("\n")[1].rstrip(";")], capture_output=True, text=True).stdout.strip()
        lat[name] = (pct(times, 0.5) * 1000, pct(times, 0.99) * 1000, int(count or 0))
    return index_rate, lat


try:
    path = generate()
    print(f"{N} records; {RUNS} runs per query ({PEER_RUNS} for the peers); tandem's engine: {BACKEND}")
    results = {}

    def measured(engine, result):
        """Keeps an engine's figures and prints them at once: at 10M the whole run takes about 45 minutes."""
        results[engine] = result
        print(f"{engine}: indexing {result[0]:,.0f} records/s; p50/p99 ms " +
              ", ".join(f"{q} {v[0]:.2f}/{v[1]:.2f}" for q, v in result[1].items() if v), flush=True)

    measured("tandem", bench_tandem(path))
    print(f"tandem: {json.dumps(extra['tandem'])}", flush=True)
    for p in procs: p.terminate(); p.wait()
    measured("sqlite-fts5", bench_fts5(path))
    measured("postgresql", bench_postgres(path))
    print("\nindexing records/s: " + ", ".join(f"{k} {v[0]:,.0f}" for k, v in results.items()))
    print(f"\n{'query':<20}" + "".join(f"{k + ' p50/p99 ms (found)':>38}" for k in results))
    for name, *_ in MIX:
        row = f"{name:<20}"
        for engine, (_, lat) in results.items():
            v = lat[name]
            row += f"{'n/a':>38}" if v is None else f"{f'{v[0]:.2f} / {v[1]:.2f} ({v[2]})':>38}"
        print(row)
    t = results["tandem"][1]["common word"][0]
    print("\ncommon word p50 ratio: " + ", ".join(f"{k} {v[1]['common word'][0] / t:.1f}x slower" for k, v in results.items() if k != "tandem"))
    slowest = max(v[1] for v in results["tandem"][1].values() if v)
    pooled = pct(tandem_times, 0.99) * 1000
    print(f"tandem: p99 of the whole mix {pooled:.2f} ms; the slowest query's own p99 {slowest:.2f} ms")
    t = extra["tandem"]
    print(f"tandem: resident {t['rss_bytes'] / N:.0f} bytes/record, disk {t['disk_bytes'] / N:.0f} bytes/record "
          f"(store {t['store_bytes'] / N:.0f}, index {t['index_bytes'] / N:.0f}); start to ready {t['start_to_ready_s']:.2f} s")
    print("disk bytes/record: " + ", ".join(f"{k} {v['disk_bytes'] / N:.0f}" for k, v in extra.items() if "disk_bytes" in v))
    if "slowed" in extra:
        print(f"slowed (half a core): indexing {extra['slowed']['index_rate']:,.0f} records/s; p50 ms " +
              ", ".join(f"{q} {v[0]:.2f}" for q, v in extra["slowed"]["queries"].items()))
    out = os.environ.get("RESULTS_JSON") or (os.environ.get("BENCH_RESULTS") and os.path.join(os.environ["BENCH_RESULTS"], f"search-{N}.json"))
    if out:  # for bench/chart.py and bench/report.py
        with open(out, "w") as f:
            json.dump({"records": N, "runs": RUNS, "search_backend": BACKEND, "pooled_p99_ms": pooled, "slowest_p99_ms": slowest, "extra": extra,
                       "engines": {k: {"index_rate": v[0], "queries": v[1]} for k, v in results.items()}}, f, indent=1)
finally:
    for p in procs:
        if p.poll() is None: p.terminate(); p.wait()
    if hasattr(bench_postgres, "pg"):
        try: bench_postgres.pg.stop()
        except Exception: pass
    shutil.rmtree(work, ignore_errors=True)
