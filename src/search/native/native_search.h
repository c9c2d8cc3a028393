// NativeSearch: the SearchBackend over tandem's own index (index.h), one per collection in a
// subdirectory of its own. A batch from the search applier becomes one segment, written before
// apply() returns, so the applier's cursor never runs ahead of the index. Searches read a
// snapshot of the parts, never blocked by writes or merges, with the query compiler, filters,
// facets, sorting and highlights the Xapian backend has: the same request gets the same matches,
// facets and order of keys from both (index order, which breaks the last ties, is each engine's
// own). Filters, facets and sorts read each part's columns, made on first use and kept while the
// part is. Depends on the search interface, the native index and the Xapian backend's compiler,
// columns and layout (Xapian itself only for its stemmers and Unicode tables).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/fork_join.h"
#include "search/generations.h"
#include "search/search_backend.h"

namespace tandem::search {

struct NativeOptions {
  std::string dir;                   // index root; one subdirectory per collection
  std::string language = "english";  // stemmer
  bool sync = false;                 // fsync segments and manifests (see native::IndexOptions)
  std::size_t threads = 0;  // a weighed search of a large index runs on this many; 0: one per core
  // The schema of a collection by name, or null when it no longer exists.
  std::function<std::shared_ptr<const schema::Collection>(std::string_view)> collection;
};

class NativeSearch final : public SearchBackend {
 public:
  // Opens the indexes below options.dir (created when missing) as collections are used.
  // kInvalidArgument for an unknown language, kUnavailable when the directory cannot be used.
  static core::Result<std::unique_ptr<NativeSearch>> open(NativeOptions options);
  ~NativeSearch() override;

  std::string_view name() const override { return "native"; }
  core::Result<std::vector<changes::Rejection>> apply(
      std::span<const changes::Change> changes) override;
  // apply() writes its segment before it returns: searches see everything applied.
  std::uint64_t unseen_from() const override { return 0; }
  std::uint64_t generation(std::string_view collection) const override;
  core::Result<SearchResult> search(const SearchRequest& request) override;
  // A rebuild empties the collection first: searches see it refill.
  core::Result<std::unique_ptr<Rebuild>> rebuild(std::string_view collection) override;
  core::Result<std::uint64_t> count(std::string_view collection) override;
  core::Status check() override;  // options.dir is a writable directory

 private:
  struct Index;
  explicit NativeSearch(NativeOptions options);
  // The index of `collection`; null when it has none and `create` is false.
  core::Result<std::shared_ptr<Index>> index_for(const std::string& collection, bool create);
  core::Status drop(const std::string& collection);

  NativeOptions options_;
  core::ForkJoin pool_;  // the threads of one search beyond the caller's
  std::mutex mutex_;     // guards indexes_
  std::map<std::string, std::shared_ptr<Index>, std::less<>> indexes_;
  Generations generations_;
};

}  // namespace tandem::search
