#!/usr/bin/env python3
"""Draws the search benchmark as an SVG: p99 latency of each query of the mix, one bar per
engine, on a logarithmic scale (the engines differ by orders of magnitude). Standard library only.

    RESULTS_JSON=results.json bench/search_bench.py build/release/src/cli/tandem 1000000
    bench/chart.py results.json docs/search-p99.svg
"""
import json, math, sys

COLORS = {"tandem": "#2f6fb0", "sqlite-fts5": "#d08a2e", "postgresql": "#6b9c4a"}
ROW, BAR, LEFT, WIDTH, TOP = 54, 14, 150, 520, 46
GOAL_MS = 10


def main(src, dst):
    data = json.load(open(src))
    engines = list(data["engines"])
    queries = list(data["engines"]["tandem"]["queries"])
    values = [v[1] for e in engines for v in data["engines"][e]["queries"].values() if v]
    lo = 10 ** math.floor(math.log10(min(values)))
    hi = 10 ** math.ceil(math.log10(max(values)))
    x = lambda ms: LEFT + WIDTH * (math.log10(ms) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
    height = TOP + ROW * len(queries) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{LEFT + WIDTH + 90}" height="{height}" '
           'font-family="sans-serif" font-size="12">',
           f'<rect width="100%" height="100%" fill="white"/>',
           f'<text x="10" y="18" font-size="14" font-weight="bold">Search p99 latency, '
           f'{data["records"]:,} products, {data["runs"]} runs per query (log scale; lower is better)</text>']
    for i, e in enumerate(engines):  # legend
        out.append(f'<rect x="{LEFT + i * 130}" y="28" width="10" height="10" fill="{COLORS.get(e, "#888")}"/>'
                   f'<text x="{LEFT + i * 130 + 14}" y="37">{e}</text>')
    decade = lo
    while decade <= hi:  # grid
        gx = x(decade)
        out.append(f'<line x1="{gx:.1f}" y1="{TOP}" x2="{gx:.1f}" y2="{height - 30}" stroke="#ddd"/>'
                   f'<text x="{gx:.1f}" y="{height - 14}" text-anchor="middle">{decade:g} ms</text>')
        decade *= 10
    gx = x(GOAL_MS)  # the search issue's goal for the p99 of the mix
    out.append(f'<line x1="{gx:.1f}" y1="{TOP}" x2="{gx:.1f}" y2="{height - 30}" stroke="#c33" '
               f'stroke-dasharray="4 3"/><text x="{gx + 4:.1f}" y="{height - 34}" fill="#c33">'
               f'goal: p99 under {GOAL_MS} ms</text>')
    for row, q in enumerate(queries):
        y0 = TOP + 6 + row * ROW
        out.append(f'<text x="{LEFT - 8}" y="{y0 + ROW / 2 - 4}" text-anchor="end">{q}</text>')
        for i, e in enumerate(engines):
            v = data["engines"][e]["queries"].get(q)
            y = y0 + i * BAR
            if not v:
                out.append(f'<text x="{LEFT + 4}" y="{y + BAR - 3}" fill="#888">{e}: no equivalent</text>')
                continue
            out.append(f'<rect x="{LEFT}" y="{y}" width="{max(1, x(v[1]) - LEFT):.1f}" height="{BAR - 2}" '
                       f'fill="{COLORS.get(e, "#888")}"/>'
                       f'<text x="{x(v[1]) + 4:.1f}" y="{y + BAR - 3}">{v[1]:.1f}</text>')
    out.append("</svg>")
    open(dst, "w").write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
