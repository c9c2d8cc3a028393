#!/usr/bin/env python3
"""Relevance on real text, end to end: the built binary and SQLite FTS5 over the two corpora of
bench/relevance (WordNet's synsets from Debian's wordnet-base, and the package catalogue apt
knows), with their judged queries. On each, tandem must rank ahead of FTS5's bm25() on NDCG@10 and
on "expected result in the top 3", keep the figures it has reached (when this test was last
changed: WordNet NDCG@10 0.907 and 81 of 85, packages 0.905 and 75 of 79), and put a field equal
to the query in the top 3 of every query that names a word or a package.

    tests/e2e/relevance_test.py path/to/tandem
"""
import os, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../bench/relevance"))
import run  # noqa: E402

FLOOR = {"wordnet": (0.88, 79), "packages": (0.88, 73)}  # NDCG@10, queries with the expected in the top 3

failures = []
for name, (min_ndcg, min_top3) in FLOOR.items():
    corpus = run.CORPORA[name]
    records, queries, judged, results = run.measure(sys.argv[1], corpus, with_pg=False)
    run.report(corpus, records, queries, judged, results)
    scores = run.summary(results)
    (ndcg, top3), (fts_ndcg, fts_top3) = scores["tandem"], scores["sqlite-fts5"]
    if not (ndcg > fts_ndcg and top3 > fts_top3):
        failures.append(f"{name}: tandem {ndcg:.3f} / {top3} is not ahead of FTS5 {fts_ndcg:.3f} / {fts_top3}")
    if ndcg < min_ndcg or top3 < min_top3:
        failures.append(f"{name}: tandem fell to NDCG@10 {ndcg:.3f}, {top3} in the top 3 (floor {min_ndcg}, {min_top3})")
    for q in queries:
        if q["kind"] in ("exact", "hyphen") and not results["tandem"]["queries"][q["q"]]["top3"]:
            failures.append(f"{name}: {q['q']!r}: no field equal to it in the top 3")
if failures:
    print("FAIL\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok")
