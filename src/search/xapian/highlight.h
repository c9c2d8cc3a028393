// Highlights: a field's text with the words a query matched in <mark>, cut around the most of
// them. Private to the Xapian backend. Depends on Xapian (its Unicode character classes).
#pragma once

#include <xapian.h>

#include <string>
#include <string_view>
#include <unordered_set>

namespace tandem::search::xapian_backend {

// The words a query looks for in text, from the text terms of the compiled query (forms,
// completions and corrected spellings included), without those it excludes or only filters by.
using Marks = std::unordered_set<std::string>;
Marks marks_of(const Xapian::Query& q);

// `text`, XML-escaped, with every word in `marks` (lower-cased, as tokenize() cuts it) wrapped in
// <mark></mark>. Text longer than `length` bytes is cut to the window of about that size holding
// the most marked words, with "…" where text was left out. "" when no word is marked.
std::string highlight(std::string_view text, const Marks& marks, std::size_t length);

}  // namespace tandem::search::xapian_backend
