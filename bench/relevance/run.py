#!/usr/bin/env python3
"""Relevance on real text: tandem against SQLite FTS5's bm25() and PostgreSQL's ts_rank_cd, over the
same records and the same judged queries, for two corpora that Debian provides:

- wordnet: WordNet 3.0's synsets (bench/relevance/wordnet.py, queries in wordnet.json);
- packages: the package catalogue apt knows (bench/relevance/packages.py, queries in packages.json).

    bench/relevance/run.py [path/to/tandem] [corpus ...]   PG=0 skips PostgreSQL; RESULTS_JSON=f writes JSON

Scores per engine: NDCG@10 (gain 2^grade - 1, log2 discount, ideal from the judgments) and "expected
in the top 3" (one of the query's best-judged records among the first three hits), overall and by
kind of query; then every query where tandem misses its expected result, with what it returned.
Timing: the p50 of a few prefix queries with thousands of completions ("lib", "pro", "un"), tandem
over loopback HTTP, FTS5 in-process.

Every engine gets the same fields and weights (wordnet: name 3, synonyms 2, definition 1, examples
1; packages: name 3, description 1), an English stemmer, and the last word as a prefix (search as
you type): FTS5 `"word" *`, PostgreSQL `word:*`, tandem by default.
"""
import http.client, json, math, os, re, shutil, sqlite3, subprocess, sys, tempfile, time
from urllib.parse import quote, urlencode

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from peers import Postgres, free_port  # noqa: E402
import packages  # noqa: E402
import wordnet  # noqa: E402

KEY = "relevance-admin-key-0123456789abcdef"
AUTH = {"X-API-Key": KEY}
TIMED = ["lib", "pro", "un"]


class Corpus:
    """A collection: its tandem schema, its text fields as (name, weight, PostgreSQL weight letter,
    is a list), its records and its judged queries."""
    def __init__(self, name, schema_fields, text, records, queries):
        self.name, self.text, self.records, self.queries_file = name, text, records, queries
        self.schema = {"name": name, "fields": schema_fields}

    def row(self, r):
        """A record's text fields, lists joined."""
        return [", ".join(r.get(f, [])) if is_list else r.get(f, "") for f, _, _, is_list in self.text]


CORPORA = {
    "wordnet": Corpus("wordnet", [
        {"name": "name", "type": "text", "weight": 3},
        {"name": "synonyms", "type": "keyword[]", "searchable": True, "weight": 2},
        {"name": "definition", "type": "text"},
        {"name": "examples", "type": "text", "optional": True},
        {"name": "pos", "type": "keyword", "facet": True},
        {"name": "topic", "type": "keyword", "facet": True}],
        [("name", 3, "A", False), ("synonyms", 2, "B", True), ("definition", 1, "C", False),
         ("examples", 1, "D", False)],
        lambda: wordnet.synsets("/usr/share/wordnet"), "wordnet.json"),
    "packages": Corpus("packages", [
        {"name": "name", "type": "text", "weight": 3},
        {"name": "description", "type": "text"},
        {"name": "section", "type": "keyword", "facet": True}],
        [("name", 3, "A", False), ("description", 1, "C", False)],
        packages.records, "packages.json"),
}


def words_of(text):
    return re.findall(r"\w+", text.lower())


def judge(records, queries):
    """query -> {record id: grade}, by the rules of the queries' file (wordnet.json, packages.json)."""
    by_words = [(r["id"], r["name"], r.get("synonyms", [])) for r in records]
    out = {}
    for q in queries:
        if q["kind"] == "need":
            out[q["q"]] = dict(q["want"])
            continue
        target = words_of(q.get("as", q["q"]))
        spelled = " ".join(target)
        grades = {}
        for sid, name, synonyms in by_words:
            grade = 0
            for i, w in enumerate([name] + synonyms):
                ws = words_of(w)
                if "".join(ws) == "".join(target):  # "e-mail" is "email", "3D" is "3-d"
                    grade = max(grade, 3 if i == 0 else 2)
                elif len(ws) > len(target) and f" {spelled} " in f" {' '.join(ws)} ":
                    grade = max(grade, 1)
            if grade:
                grades[sid] = grade
        out[q["q"]] = grades
    return out


def ndcg10(ranked, grades):
    dcg = sum((2 ** grades.get(sid, 0) - 1) / math.log2(i + 2) for i, sid in enumerate(ranked[:10]))
    ideal = sorted(grades.values(), reverse=True)[:10]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def top3(ranked, grades):
    best = max(grades.values(), default=0)
    return any(grades.get(sid, 0) == best for sid in ranked[:3]) if best else False


class Tandem:
    def __init__(self, binary, work, path, corpus):
        self.collection = corpus.name
        data = os.path.join(work, "tandem")
        self.port = free_port()
        env = dict(os.environ, TANDEM_JOBS_GENERATE_ENABLED="false", TANDEM_LOG_ACCESS="false",
                   TANDEM_AUTH_ADMIN_KEY=KEY)
        self.proc = subprocess.Popen([binary, "serve", "--port", str(self.port), "--data-dir", data,
                                      "--set", "cache.query_results=false"],
                                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "tandem.log"), "w"), env=env)
        for _ in range(200):
            try:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port); self.request("GET", "/ready"); break
            except OSError:
                time.sleep(0.05)
        status, body = self.request("POST", "/v1/collections", json.dumps(corpus.schema), "application/json")
        assert status == 201, body
        lines = open(path).readlines()
        for at in range(0, len(lines), 5000):
            last = at + 5000 >= len(lines)
            status, body = self.request("POST", f"/v1/collections/{self.collection}/records" + ("?wait=indexed" if last else ""),
                                        "".join(lines[at:at + 5000]), "application/x-ndjson")
            assert status == 200, body[:300]
        # ?wait=indexed gives up after 10 s ("indexed": false); on a busy machine the index may
        # still be catching up then, and searches of a partial index would score its relevance.
        while not self.caught_up():
            time.sleep(0.1)

    def caught_up(self):
        _, body = self.request("GET", "/health")
        c = json.loads(body)["components"]
        return all(s["applied_seq"] >= c["store"]["head_seq"] for s in c["sinks"])

    def request(self, method, path, body=None, ctype=None):
        headers = dict(AUTH, **({"Content-Type": ctype} if ctype else {}))
        self.conn.request(method, path, body=body, headers=headers)
        r = self.conn.getresponse()
        return r.status, r.read()

    def search(self, q):
        status, body = self.request("GET", f"/v1/collections/{self.collection}/search?" + urlencode({"q": q, "per_page": 10}))
        assert status == 200, body
        return [h["id"] for h in json.loads(body)["hits"]]

    def stop(self):
        self.proc.terminate(); self.proc.wait()


def fts5_match(q):
    words = q.split()
    parts = []
    for i, w in enumerate(words):
        toks = words_of(w)
        if toks:
            parts.append('"' + " ".join(toks) + '"' + (" *" if i == len(words) - 1 else ""))
    return " AND ".join(parts)


class Fts5:
    def __init__(self, work, records, corpus):
        self.db = sqlite3.connect(os.path.join(work, "fts.db"))
        columns = ", ".join(f for f, _, _, _ in corpus.text)
        self.db.executescript(f"""CREATE VIRTUAL TABLE fts USING fts5(id UNINDEXED, {columns},
                                  tokenize='porter unicode61');""")
        with self.db:
            self.db.executemany(f"INSERT INTO fts VALUES(?{',?' * len(corpus.text)})",
                                [[r["id"]] + corpus.row(r) for r in records])
        self.weights = ", ".join(["0"] + [f"{w:.1f}" for _, w, _, _ in corpus.text])

    def search(self, q):
        match = fts5_match(q)
        if not match:
            return []
        rows = self.db.execute(f"SELECT id FROM fts WHERE fts MATCH ? ORDER BY bm25(fts, {self.weights}) LIMIT 10",
                               (match,)).fetchall()
        return [r[0] for r in rows]


def sql_literal(s):
    return "'" + s.replace("'", "''") + "'"


class Pg:
    def __init__(self, work, records, corpus):
        self.pg = Postgres(work)
        self.table = corpus.name
        tsv = os.path.join(work, "records.tsv")
        esc = lambda s: s.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")
        with open(tsv, "w") as out:
            for r in records:
                out.write("\t".join(esc(x) for x in [r["id"]] + corpus.row(r)) + "\n")
        os.chmod(tsv, 0o644)
        names = [f for f, _, _, _ in corpus.text]
        vector = " || ".join(f"setweight(to_tsvector('english', {f}), '{letter}')" for f, _, letter, _ in corpus.text)
        self.pg.psql("-c", f"""CREATE TABLE {self.table}(id text PRIMARY KEY, {", ".join(f + " text" for f in names)},
            tsv tsvector GENERATED ALWAYS AS ({vector}) STORED)""")
        self.pg.psql("-c", f"\\copy {self.table}(id, {', '.join(names)}) FROM '{tsv}'")
        self.pg.psql("-c", f"CREATE INDEX {self.table}_tsv ON {self.table} USING gin(tsv); ANALYZE {self.table}")

    @staticmethod
    def tsquery(q):
        words = q.split()
        if not words:
            return None
        last = words_of(words[-1])
        parts = []
        if len(words) > 1:
            parts.append(f"plainto_tsquery('english', {sql_literal(' '.join(words[:-1]))})")
        if last:
            prefix = " & ".join(last[:-1] + [last[-1] + ":*"])
            parts.append(f"(plainto_tsquery('english', {sql_literal(words[-1])}) || "
                         f"to_tsquery('english', {sql_literal(prefix)}))")
        return " && ".join(parts) if parts else None

    def search(self, q):
        tsq = self.tsquery(q)
        if tsq is None:
            return []
        rows = self.pg.query(f"SELECT id FROM {self.table}, (SELECT {tsq} AS q) x WHERE tsv @@ x.q "
                             "ORDER BY ts_rank_cd(tsv, x.q) DESC, id LIMIT 10")
        return [r[0] for r in rows]

    def stop(self):
        self.pg.stop()


def p50_ms(fn, runs=50):
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2] * 1000


def measure(binary, corpus, with_pg=True):
    """Loads the corpus's records into every engine, runs its judged queries; returns (records,
    queries, judgments, results by engine)."""
    queries = json.load(open(os.path.join(HERE, corpus.queries_file)))["queries"]
    work = tempfile.mkdtemp(prefix="tandem-relevance-")
    os.chmod(work, 0o755)
    engines = {}
    try:
        records = list(corpus.records())
        path = os.path.join(work, "records.ndjson")
        with open(path, "w") as f:
            for r in records:
                f.write(json.dumps(r) + "\n")
        judged = judge(records, queries)
        engines["tandem"] = Tandem(binary, work, path, corpus)
        engines["sqlite-fts5"] = Fts5(work, records, corpus)
        if with_pg:
            engines["postgresql"] = Pg(work, records, corpus)
        results = {}
        for name, engine in engines.items():
            per_query = {}
            for q in queries:
                ranked = engine.search(q["q"])
                g = judged[q["q"]]
                per_query[q["q"]] = {"kind": q["kind"], "ndcg10": ndcg10(ranked, g), "top3": top3(ranked, g), "hits": ranked}
            # PostgreSQL is asked through psql, one process a query: its times would be psql's.
            timed = {q: p50_ms(lambda: engine.search(q)) for q in TIMED} if name != "postgresql" else {}
            results[name] = {"queries": per_query, "p50_ms": timed}
        return records, queries, judged, results
    finally:
        for e in engines.values():
            if hasattr(e, "stop"):
                try: e.stop()
                except Exception: pass
        shutil.rmtree(work, ignore_errors=True)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../build/release/src/cli/tandem")
    names = sys.argv[2:] or list(CORPORA)
    out = {}
    for name in names:
        records, queries, judged, results = measure(binary, CORPORA[name], os.environ.get("PG", "1") != "0")
        report(CORPORA[name], records, queries, judged, results)
        out[name] = {"records": len(records), "queries": len(queries), "engines": results}
    path = os.environ.get("RESULTS_JSON") or (os.environ.get("BENCH_RESULTS") and os.path.join(os.environ["BENCH_RESULTS"], "relevance.json"))
    if path:
        with open(path, "w") as f:
            json.dump({"corpora": out}, f, indent=1)


def summary(results):
    """engine -> (mean NDCG@10, queries with the expected result in the top 3)."""
    return {name: (sum(q["ndcg10"] for q in r["queries"].values()) / len(r["queries"]),
                   sum(q["top3"] for q in r["queries"].values())) for name, r in results.items()}


def report(corpus, records, queries, judged, results):
    names = {r["id"]: r["name"] for r in records}
    kinds = sorted({q["kind"] for q in queries})
    print(f"\n{corpus.name}: {len(records):,} records, {len(queries)} judged queries\n")
    print("| engine | NDCG@10 | expected in top 3 | " + " | ".join(f"{k} (NDCG / top 3)" for k in kinds) + " | p50 ms " + ", ".join(TIMED) + " |")
    print("|---" * (4 + len(kinds)) + "|")
    for name, r in results.items():
        qs = r["queries"].values()
        mean = lambda vs: sum(vs) / len(vs)
        row = [name, f"{mean([q['ndcg10'] for q in qs]):.3f}", f"{sum(q['top3'] for q in qs)}/{len(qs)}"]
        for k in kinds:
            ks = [q for q in qs if q["kind"] == k]
            row.append(f"{mean([q['ndcg10'] for q in ks]):.3f} / {sum(q['top3'] for q in ks)}/{len(ks)}")
        row.append(", ".join(f"{v:.2f}" for v in r["p50_ms"].values()) or "not timed")
        print("| " + " | ".join(row) + " |")
    print("\ntandem's misses (expected result not in the top 3):")
    for q in queries:
        r = results["tandem"]["queries"][q["q"]]
        if not r["top3"]:
            best = max(judged[q["q"]].values(), default=0)
            want = [names[s] for s, g in judged[q["q"]].items() if g == best][:3]
            print(f"  {q['q']!r} ({q['kind']}): wanted {want}; got {[names.get(s, s) for s in r['hits'][:3]]}")


if __name__ == "__main__":
    main()
