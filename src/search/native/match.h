// Matching a Query over a Snapshot of the native index: posting lists combined document at a
// time, part by part (or run by run, on a few threads), deleted documents skipped, each match
// weighed as query.h says. Standard library, core and the index.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/fork_join.h"
#include "search/native/index.h"
#include "search/native/query.h"

namespace tandem::search::native {

// A document of a snapshot: its part's place in Snapshot::parts, and its docid there. Documents
// are in index order by (part, doc).
struct Match {
  std::size_t part = 0;
  DocId doc = 0;
  double weight = 0;
};

struct Page {
  std::vector<Match> matches;  // best first; equal weights in index order
  std::uint64_t found = 0;     // the matches: counted, or estimated beyond `check`
  bool estimated = false;      // found is an estimate
};

// The matches first .. first + size - 1 of `q`. `filter`, when not empty, has a set of documents
// per part: only those match. When no match can weigh anything (every weight is 0), the matches
// are in index order and matching stops once it has the page and has counted `check`; the rest
// is estimated from the share of the index read. Otherwise every match is weighed and counted;
// with a `pool`, an index of `cut_from` documents or more is cut into one run of documents per
// thread (the caller's too), matched at the same time (a thread takes about 30 µs to wake).
inline constexpr std::uint64_t kCutFrom = 50000;
Page match(const Snapshot& s, const Query& q, std::size_t first, std::size_t size,
           std::uint64_t check = UINT64_MAX, std::span<const Bits* const> filter = {},
           core::ForkJoin* pool = nullptr, std::uint64_t cut_from = kCutFrom);

// Every match of `q` in index order, with its weight, while fn returns true.
void for_each_match(const Snapshot& s, const Query& q, const std::function<bool(const Match&)>& fn,
                    std::span<const Bits* const> filter = {});

// Every match of `q` in index order, with its weight; on the pool as match() is.
std::vector<Match> every_match(const Snapshot& s, const Query& q,
                               std::span<const Bits* const> filter = {},
                               core::ForkJoin* pool = nullptr, std::uint64_t cut_from = kCutFrom);

}  // namespace tandem::search::native
