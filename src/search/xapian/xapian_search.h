// XapianSearch: the embedded SearchBackend. One Xapian index per collection, split into shards
// (documents routed by a hash of their id), each shard with its own writer; a batch from the
// search applier is indexed by all shards in parallel and committed before apply() returns, so
// the applier's cursor never runs ahead of the index. Searches use per-collection reader pools;
// a reader reopens when a commit happened since it was last used, and retries once on
// DatabaseModifiedError. Xapian errors (which do not derive from std::exception) and standard
// exceptions are caught here and become statuses. Depends on the search interface and Xapian.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/fork_join.h"
#include "search/generations.h"
#include "search/search_backend.h"

namespace tandem::search {

struct XapianOptions {
  std::string dir;                   // index root; one subdirectory per collection
  std::size_t shards = 2;            // writers per collection
  std::string language = "english";  // stemmer
  bool columns = true;  // answer `*` searches from in-memory columns (false: Xapian alone)
  // The schema of a collection by name, or null when it no longer exists.
  std::function<std::shared_ptr<const schema::Collection>(std::string_view)> collection;
};

class XapianSearch final : public SearchBackend {
 public:
  // Opens (creating when missing) the indexes below options.dir. kInvalidArgument for an unknown
  // language, kUnavailable when the directory cannot be used.
  static core::Result<std::unique_ptr<XapianSearch>> open(XapianOptions options);
  ~XapianSearch() override;

  std::string_view name() const override { return "xapian"; }
  core::Result<std::vector<changes::Rejection>> apply(
      std::span<const changes::Change> changes) override;
  // apply() commits before it returns: searches see everything applied.
  std::uint64_t unseen_from() const override { return 0; }
  std::uint64_t generation(std::string_view collection) const override;
  core::Result<SearchResult> search(const SearchRequest& request) override;

  // A rebuild empties the collection first: searches see it refill.
  core::Result<std::unique_ptr<Rebuild>> rebuild(std::string_view collection) override;
  // Removes every document of `collection`.
  core::Status clear(std::string_view collection);
  core::Result<std::uint64_t> count(std::string_view collection) override;
  core::Status check() override;  // options.dir is a writable directory

 private:
  struct Index;
  explicit XapianSearch(XapianOptions options);
  core::Result<std::shared_ptr<Index>> index_for(const std::string& collection, bool create);
  core::Status drop(const std::string& collection);

  XapianOptions options_;
  core::ForkJoin pool_;  // matches the shards of one search at the same time
  std::mutex mutex_;     // guards indexes_
  std::map<std::string, std::shared_ptr<Index>, std::less<>> indexes_;
  Generations generations_;
};

}  // namespace tandem::search
