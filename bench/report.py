#!/usr/bin/env python3
"""The report of one bench/run.sh: reads the scenarios' JSON in a results directory and prints one
Markdown table (tandem, the peer, the ratio, the goal, met or not, and whether the run on half a
core was told apart), writes results.json (everything merged) and the charts (SVG, standard library
only) beside them.

    bench/report.py bench/results/<run>

A goal is met when its figure, measured in this run, is on the right side of it. A scenario "sees
a slowdown" when tandem on at most half a core (sharing one with two busy loops, by taskset) measured at least 20% worse in the same run: rates
below 0.8x, latencies above 1.25x.
"""
import glob, json, math, os, sys

SLOWDOWN = 0.8  # a rate at most this fraction of the normal one, a latency at least 1/this


def load(out):
    data = {}
    for path in sorted(glob.glob(os.path.join(out, "*.json"))):
        name = os.path.basename(path)[:-5]
        if name != "results":
            data[name] = json.load(open(path))
    return data


def fmt(v, unit=""):
    if v is None:
        return "—"
    if unit == "ms":
        return f"{v:.2f} ms"
    if unit == "x":
        return f"{v:.2f}×"
    if unit == "s":
        return f"{v:.2f} s"
    return f"{v:,.0f}{unit}"


class Table:
    def __init__(self):
        self.rows = []

    def add(self, scenario, tandem, peer, ratio, goal, met, slowed=None, seen=None):
        self.rows.append((scenario, tandem, peer, ratio, goal,
                          "—" if met is None else ("**met**" if met else "missed"),
                          slowed or "—", "—" if seen is None else ("yes" if seen else "**no**")))

    def markdown(self):
        head = ("scenario", "tandem", "peer", "ratio", "goal", "met", "on half a core", "sees slowdown")
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in self.rows]
        return "\n".join(lines)


def rate_seen(normal, slowed):
    return slowed <= SLOWDOWN * normal


def latency_seen(normal, slowed):
    return slowed * SLOWDOWN >= normal


def http_rows(t, data):
    if "health" in data:
        h = data["health"]
        t.add("`/health` req/s", fmt(h["tandem"]), f"nginx {fmt(h['nginx'])}", fmt(h["ratio"], "x"), "≥ 0.8×",
              h["ratio"] >= 0.8, fmt(h["slowed"]), rate_seen(h["tandem"], h["slowed"]))
    if "cache" in data:
        c = data["cache"]
        m, n, r, d = c["memory"], c["nginx"], c["redis_benchmark"], c["redis"]
        ratio = m["rps"] / n["rps"]
        t.add("`/cache` hits, memory cache", fmt(m["rps"]), f"nginx {fmt(n['rps'])}", fmt(ratio, "x"), "≥ 1.0×",
              ratio >= 1.0, fmt(c["slowed"]), rate_seen(m["rps"], c["slowed"]))
        t.add("`/cache` hits, memory cache", fmt(m["rps"]), f"redis-benchmark GET {fmt(r['rps'])}",
              fmt(m["rps"] / r["rps"], "x"), "—", None)
        t.add("`/cache` memory, p99 at half its rate (open loop)", fmt(m["half"]["p99_ms"], "ms"),
              f"nginx {fmt(n['half']['p99_ms'], 'ms')}", fmt(m["half"]["p99_ms"] / n["half"]["p99_ms"], "x"),
              "< 1 ms", m["half"]["p99_ms"] < 1.0)
        t.add("`/cache` hits, Redis cache", fmt(d["rps"]), f"redis-benchmark GET {fmt(r['rps'])}",
              fmt(d["rps"] / r["rps"], "x"), "≥ 0.5×", d["rps"] / r["rps"] >= 0.5)
        t.add("`/cache` Redis, p99 at half its rate (open loop)", fmt(d["half"]["p99_ms"], "ms"),
              f"nginx {fmt(n['half']['p99_ms'], 'ms')}", fmt(d["half"]["p99_ms"] / n["half"]["p99_ms"], "x"),
              "< 2 ms", d["half"]["p99_ms"] < 2.0)
    if "ingest" in data:
        g = data["ingest"]
        s = g["slowed"]
        for row in g["rows"]:
            seen = slowed_txt = None
            if row["batch"] == 10 and row["connections"] == 4:
                slowed_txt, seen = fmt(s["tandem"]), rate_seen(row["tandem"], s["tandem"])
            t.add(f"durable ingest, batches of {row['batch']}, {row['connections']} connections, records/s",
                  fmt(row["tandem"]), f"PostgreSQL {fmt(row['postgresql'])}", fmt(row["ratio"], "x"), "≥ 2×",
                  row["ratio"] >= 2.0, slowed_txt, seen)
        w = g["wait_indexed"]
        t.add("10 records until searchable and cached (`?wait=indexed`), p99", fmt(w["p99_ms"], "ms"),
              "the AWS demo: 268 ms", fmt(w["p99_ms"] / 268, "x"), "< 10 ms", w["p99_ms"] < 10,
              fmt(s["wait_indexed_p99_ms"], "ms"), latency_seen(w["p99_ms"], s["wait_indexed_p99_ms"]))


def search_rows(t, data):
    runs = sorted((v for k, v in data.items() if k.startswith("search-")), key=lambda v: v["records"])
    for s in runs:
        n = s["records"]
        e = s["engines"]
        label = f"{n:,}"
        tq = e["tandem"]["queries"]
        slowed = s["extra"].get("slowed")
        big = n >= 1_000_000
        goal_p99 = 20 if n >= 10_000_000 else 5
        t.add(f"{label}: search mix, pooled p99", fmt(s["pooled_p99_ms"], "ms"), "", "",
              f"< {goal_p99} ms" if big else "—", s["pooled_p99_ms"] < goal_p99 if big else None)
        if n < 10_000_000:
            t.add(f"{label}: slowest query's own p99", fmt(s["slowest_p99_ms"], "ms"), "", "",
                  "< 5 ms" if big else "—", s["slowest_p99_ms"] < 5 if big else None)
        for q, v in tq.items():
            if not v:
                continue
            for peer in ("sqlite-fts5", "postgresql"):
                pv = e[peer]["queries"].get(q)
                if not pv:
                    continue
                ratio = pv[0] / v[0]
                sv = slowed["queries"][q] if slowed else None
                t.add(f"{label}: `{q}`, p50", fmt(v[0], "ms"), f"{peer} {fmt(pv[0], 'ms')}", fmt(ratio, "x"),
                      "≥ 10×" if big else "—", ratio >= 10 if big else None, fmt(sv[0], "ms") if sv and peer == "sqlite-fts5" else None,
                      latency_seen(v[0], sv[0]) if sv and peer == "sqlite-fts5" else None)
        rate = e["tandem"]["index_rate"]
        for peer in ("sqlite-fts5", "postgresql"):
            ratio = rate / e[peer]["index_rate"]
            goal = peer == "sqlite-fts5" and big
            t.add(f"{label}: index build, records/s", fmt(rate), f"{peer} {fmt(e[peer]['index_rate'])}",
                  fmt(ratio, "x"), "≥ 1.0×" if goal else "—", ratio >= 1.0 if goal else None,
                  fmt(slowed["index_rate"]) if slowed and peer == "sqlite-fts5" else None,
                  rate_seen(rate, slowed["index_rate"]) if slowed and peer == "sqlite-fts5" else None)
        x = s["extra"]
        ready = x["tandem"]["start_to_ready_s"]
        t.add(f"{label}: start to ready", fmt(ready, "s"), "", "", "< 5 s" if n >= 10_000_000 else "—",
              ready < 5 if n >= 10_000_000 else None)
        t.add(f"{label}: resident memory, bytes/record", fmt(x["tandem"]["rss_bytes"] / n), "", "", "—", None)
        t.add(f"{label}: disk, bytes/record", fmt(x["tandem"]["disk_bytes"] / n),
              ", ".join(f"{p} {fmt(x[p]['disk_bytes'] / n)}" for p in ("sqlite-fts5", "postgresql")),
              fmt(x["tandem"]["disk_bytes"] / x["sqlite-fts5"]["disk_bytes"], "x") + " FTS5", "—", None)
    return runs


COLORS = {"tandem": "#2f6fb0", "sqlite-fts5": "#d08a2e", "postgresql": "#6b9c4a"}


def relevance_rows(t, data):
    """bench/relevance/run.py's relevance.json: quality over each corpus, and a prefix's speed."""
    if "relevance" not in data:
        return
    for corpus, found in data["relevance"]["corpora"].items():
        engines = found["engines"]
        def score(name):
            qs = engines[name]["queries"].values()
            return sum(q["ndcg10"] for q in qs) / len(qs), sum(q["top3"] for q in qs), len(qs)
        ndcg, top3, n = score("tandem")
        for p in (p for p in ("sqlite-fts5", "postgresql") if p in engines):
            pn, pt, _ = score(p)
            t.add(f"relevance over {corpus}, NDCG@10 / top 3 of {n}", f"{ndcg:.3f} / {top3}", f"{p} {pn:.3f} / {pt}",
                  fmt(ndcg / pn, "x"), "ahead on both", ndcg > pn and top3 > pt)
        lib, fts = engines["tandem"]["p50_ms"].get("lib"), engines["sqlite-fts5"]["p50_ms"].get("lib")
        if lib and fts:
            t.add(f"prefix `lib` over {corpus}, p50", fmt(lib, "ms"), f"sqlite-fts5 {fmt(fts, 'ms')}",
                  fmt(lib / fts, "x"), "≤ 2×", lib <= 2 * fts)


def line_chart(path, title, unit, series, log_y=False):
    """series: {name: [(records, value), ...]}; x on a log scale (records)."""
    W, H, L, R, T, B = 620, 300, 70, 170, 36, 40
    xs = sorted({x for pts in series.values() for x, _ in pts})
    ys = [y for pts in series.values() for _, y in pts if y > 0]
    if not xs or not ys:
        return
    x0, x1 = math.log10(xs[0]), math.log10(xs[-1]) if xs[-1] > xs[0] else math.log10(xs[0]) + 1
    if log_y:
        y0, y1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
        if y1 == y0:
            y1 += 1
        fy = lambda v: T + (H - T - B) * (1 - (math.log10(v) - y0) / (y1 - y0))
        ticks = [10 ** k for k in range(y0, y1 + 1)]
    else:
        top = max(ys) * 1.15
        fy = lambda v: T + (H - T - B) * (1 - v / top)
        step = 10 ** math.floor(math.log10(top / 4)) if top > 0 else 1
        ticks = [k * step for k in range(0, int(top / step) + 1)]
    fx = lambda v: L + (W - L - R) * ((math.log10(v) - x0) / (x1 - x0) if x1 > x0 else 0.5)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="10" y="18" font-size="13" font-weight="bold">{title}</text>']
    for v in ticks:
        y = fy(v)
        out.append(f'<line x1="{L}" y1="{y:.1f}" x2="{W - R}" y2="{y:.1f}" stroke="#e3e3e3"/>'
                   f'<text x="{L - 6}" y="{y + 4:.1f}" text-anchor="end">{v:g}{unit}</text>')
    for v in xs:
        x = fx(v)
        out.append(f'<text x="{x:.1f}" y="{H - B + 16}" text-anchor="middle">{v:,}</text>')
    out.append(f'<text x="{(L + W - R) / 2}" y="{H - 8}" text-anchor="middle">records</text>')
    for i, (name, pts) in enumerate(series.items()):
        color = COLORS.get(name.split(",")[0], ["#7a4fa0", "#a03c3c", "#3c8c8c"][i % 3])
        pts = sorted(p for p in pts if p[1] > 0)
        out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="' +
                   " ".join(f"{fx(x):.1f},{fy(y):.1f}" for x, y in pts) + '"/>')
        out += [f'<circle cx="{fx(x):.1f}" cy="{fy(y):.1f}" r="3" fill="{color}"/>' for x, y in pts]
        out.append(f'<rect x="{W - R + 12}" y="{T + i * 18}" width="10" height="10" fill="{color}"/>'
                   f'<text x="{W - R + 26}" y="{T + i * 18 + 9}">{name}</text>')
    out.append("</svg>")
    open(path, "w").write("\n".join(out) + "\n")


def charts(out, runs):
    engines = ("tandem", "sqlite-fts5", "postgresql")
    line_chart(os.path.join(out, "index-rate.svg"), "Index build, records/s (higher is better)", "",
               {e: [(s["records"], s["engines"][e]["index_rate"]) for s in runs] for e in engines})
    line_chart(os.path.join(out, "search-p99.svg"), "Search mix p99, ms (lower is better)", "",
               {"tandem, pooled": [(s["records"], s["pooled_p99_ms"]) for s in runs],
                **{f"{e}, slowest": [(s["records"], max(v[1] for v in s["engines"][e]["queries"].values() if v))
                                     for s in runs] for e in ("sqlite-fts5", "postgresql")}}, log_y=True)
    line_chart(os.path.join(out, "disk-per-record.svg"), "Disk, bytes per record", "",
               {e: [(s["records"], s["extra"][e]["disk_bytes"] / s["records"]) for s in runs] for e in engines})
    line_chart(os.path.join(out, "memory-per-record.svg"), "tandem resident memory, bytes per record", "",
               {"tandem": [(s["records"], s["extra"]["tandem"]["rss_bytes"] / s["records"]) for s in runs]})
    line_chart(os.path.join(out, "start-to-ready.svg"), "tandem start to ready, s", "",
               {"tandem": [(s["records"], s["extra"]["tandem"]["start_to_ready_s"]) for s in runs]})


def main(out):
    data = load(out)
    t = Table()
    http_rows(t, data)
    runs = search_rows(t, data)
    relevance_rows(t, data)
    m = data.get("machine", {})
    print(f"# bench/run.sh {m.get('mode', '?')}: {m.get('date', '?')}, commit {m.get('commit', '?')}\n")
    print(f"{m.get('os', '?')}, {m.get('cpus', '?')} × {m.get('cpu', '?')}, "
          f"{m.get('memory_bytes', 0) / 2**30:.0f} GiB, {m.get('compiler', '?')}\n")
    print(t.markdown())
    met = [r for r in t.rows if r[5] in ("**met**", "missed")]
    print(f"\nGoals met: {sum(r[5] == '**met**' for r in met)} of {len(met)}. "
          f"Slowdowns seen: {sum(r[7] == 'yes' for r in t.rows)} of {sum(r[7] != '—' for r in t.rows)}.")
    if runs:
        charts(out, runs)
    json.dump(data, open(os.path.join(out, "results.json"), "w"), indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
