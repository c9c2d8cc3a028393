#!/usr/bin/env python3
"""Relevance on real text, end to end: WordNet's synsets (Debian's wordnet-base) in the built
binary and in SQLite FTS5, the 85 judged queries of bench/relevance/queries.json. tandem must rank
ahead of FTS5's bm25() on NDCG@10 and on "expected result in the top 3", keep the figures it has
reached (NDCG@10 0.90, 81 of 85 when this test was written), and put a field equal to the query
in the top 3 of every query that names a word.

    tests/e2e/relevance_test.py path/to/tandem
"""
import os, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../bench/relevance"))
import run  # noqa: E402

records, queries, judged, results = run.measure(sys.argv[1], with_pg=False)
run.report(records, queries, judged, results)
scores = run.summary(results)
(ndcg, top3), (fts_ndcg, fts_top3) = scores["tandem"], scores["sqlite-fts5"]
failures = []
if not (ndcg > fts_ndcg and top3 > fts_top3):
    failures.append(f"tandem {ndcg:.3f} / {top3} is not ahead of FTS5 {fts_ndcg:.3f} / {fts_top3}")
if ndcg < 0.88 or top3 < 79:
    failures.append(f"tandem fell to NDCG@10 {ndcg:.3f}, {top3} in the top 3 (was 0.90, 81)")
for q in queries:
    if q["kind"] in ("exact", "hyphen") and not results["tandem"]["queries"][q["q"]]["top3"]:
        failures.append(f"{q['q']!r}: no field equal to it in the top 3")
if failures:
    print("FAIL\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok")
