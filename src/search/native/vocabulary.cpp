// The native index's vocabulary. Depends on the native index and the compiler.
#include "search/native/vocabulary.h"

#include <queue>

#include "search/native/match.h"

namespace tandem::search::native {

std::uint64_t NativeVocabulary::docs_with(std::string_view term) const {
  std::uint64_t n = 0;
  for (const auto& p : s_.parts) {
    if (p.live == 0) continue;
    if (auto i = p.segment->find(term)) n += p.segment->term_docs(*i);
  }
  return n;
}

void NativeVocabulary::scan(std::string_view from, const ScanFn& fn) const {
  // Each part's next term, the smallest on top.
  struct Cursor {
    std::string_view term;
    std::size_t part, at;
  };
  auto later = [](const Cursor& a, const Cursor& b) {
    return a.term != b.term ? a.term > b.term : a.part > b.part;
  };
  std::priority_queue<Cursor, std::vector<Cursor>, decltype(later)> next(later);
  for (std::size_t p = 0; p < s_.parts.size(); ++p) {
    const Segment& seg = *s_.parts[p].segment;
    if (s_.parts[p].live == 0) continue;
    if (auto at = seg.lower_bound(from); at < seg.terms()) next.push({seg.term(at), p, at});
  }
  while (!next.empty()) {
    std::string_view term = next.top().term;
    std::uint64_t docs = 0;
    while (!next.empty() && next.top().term == term) {
      Cursor c = next.top();
      next.pop();
      const Segment& seg = *s_.parts[c.part].segment;
      docs += seg.term_docs(c.at);
      if (++c.at < seg.terms()) next.push({seg.term(c.at), c.part, c.at});
    }
    if (!fn(term, docs)) return;
  }
}

std::optional<std::vector<std::string>> NativeVocabulary::bodies_if_few(const Query& q,
                                                                        std::size_t limit) const {
  std::vector<std::string> bodies;
  bool few = true;
  for_each_match(s_, q, [&](const Match& m) {
    if (bodies.size() == limit) return few = false;
    bodies.emplace_back(s_.parts[m.part].segment->body(m.doc));
    return true;
  });
  if (!few) return std::nullopt;
  return bodies;
}

}  // namespace tandem::search::native
