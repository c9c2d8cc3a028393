// Matching a Query over a Snapshot of the native index: posting lists combined document at a
// time, part by part, deleted documents skipped, each match weighed as query.h says. Standard
// library, core and the index.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

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
  std::uint64_t found = 0;     // every match, counted
};

// The matches first .. first + size - 1 of `q`. `filter`, when not empty, has a set of documents
// per part: only those match.
Page match(const Snapshot& s, const Query& q, std::size_t first, std::size_t size,
           std::span<const Bits* const> filter = {});

// Every match of `q` in index order, with its weight, while fn returns true.
void for_each_match(const Snapshot& s, const Query& q, const std::function<bool(const Match&)>& fn,
                    std::span<const Bits* const> filter = {});

}  // namespace tandem::search::native
