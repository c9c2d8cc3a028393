// NativeVocabulary: what the query compiler reads of a native index (compile.h's Vocabulary)
// over one Snapshot: its terms, merged over the parts in byte order, each with the documents of
// all parts that have it (those deleted but not yet merged away included, as Lucene's document
// frequencies), and the bodies of a query's few matches. Depends on the native index and the
// compiler.
#pragma once

#include "search/native/index.h"
#include "search/xapian/compile.h"

namespace tandem::search::native {

class NativeVocabulary final : public xapian_backend::Vocabulary {
 public:
  explicit NativeVocabulary(const Snapshot& s) : s_(s) {}
  std::uint64_t documents() const override { return s_.live; }
  std::uint64_t docs_with(std::string_view term) const override;
  void scan(std::string_view from, const ScanFn& fn) const override;
  std::optional<std::vector<std::string>> bodies_if_few(const Query& q,
                                                        std::size_t limit) const override;

 private:
  const Snapshot& s_;
};

}  // namespace tandem::search::native
