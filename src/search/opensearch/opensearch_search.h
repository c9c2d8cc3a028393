// OpenSearchSearch: the scale-out SearchBackend, over OpenSearch's REST API through net's HTTP
// client (self-hosted or Amazon OpenSearch Service; authentication is the client's `prepare`
// hook). Each collection is an index named <prefix><collection>-v<N> behind the alias
// <prefix><collection>, created with mappings from the schema when first written; a rebuild
// fills a new version and moves the alias to it in one step.
//
// Writes are _bulk requests with external versions (a change's seq), so sending one again is
// harmless and an older version never replaces a newer: items OpenSearch answers 429 are sent
// again after a backoff, items it refuses (mapping, parse) become rejections with its reason,
// and whatever cannot be had makes the whole batch kUnavailable (the applier retries it).
// Visibility: a refresh thread sends _refresh at most once per refresh interval while something
// applied is not yet visible; unseen_from() and the generations move only once it answered. Depends
// on the search interface, the request checks, the Query DSL compiler, net and simdjson.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "net/http_client.h"
#include "search/generations.h"
#include "search/opensearch/client.h"
#include "search/opensearch/protocol.h"
#include "search/search_backend.h"

namespace tandem::search {

struct OpenSearchOptions {
  net::HttpClientOptions http;           // nodes, TLS, deadlines, retries, gzip, signing
  std::string index_prefix = "tandem-";  // lower-case; the alias is prefix + collection
  opensearch::IndexSettings index;       // shards, replicas, refresh interval, language
  std::chrono::milliseconds refresh_interval{1000};  // index.refresh_interval and ours
  std::size_t bulk_max_docs = 1000;                  // actions per _bulk request
  std::size_t bulk_max_bytes = 5u << 20;             // bytes per _bulk request (before gzip)
  int item_attempts = 6;                             // sends of an item OpenSearch answers 429
  net::BackoffOptions item_retry{.initial = std::chrono::milliseconds(50),
                                 .max = std::chrono::milliseconds(2000)};
  // The schema of a collection by name, or null when it no longer exists.
  std::function<std::shared_ptr<const schema::Collection>(std::string_view)> collection;
};

class OpenSearchSearch final : public SearchBackend {
 public:
  // Checks the options (prefix, language); does not contact OpenSearch, so that a node starts
  // while OpenSearch is down and catches up later. kInvalidArgument naming the setting.
  static core::Result<std::unique_ptr<OpenSearchSearch>> open(OpenSearchOptions options);
  ~OpenSearchSearch() override;

  std::string_view name() const override { return "opensearch"; }
  core::Result<std::vector<changes::Rejection>> apply(
      std::span<const changes::Change> changes) override;
  core::Result<std::unique_ptr<Rebuild>> rebuild(std::string_view collection) override;
  core::Result<std::uint64_t> count(std::string_view collection) override;
  core::Status check() override;  // GET /_cluster/health: answered, and not red
  std::uint64_t unseen_from() const override;
  std::uint64_t generation(std::string_view collection) const override;
  core::Result<SearchResult> search(const SearchRequest& request) override;

  // Records by id, real-time (_mget sees writes before any refresh): each one's body, or
  // nullopt when it is not there.
  core::Result<std::vector<std::optional<std::string>>> get(std::string_view collection,
                                                            std::span<const std::string> ids);

  // The alias searches of `collection` go to.
  std::string alias(std::string_view collection) const;

 private:
  class IndexRebuild;
  explicit OpenSearchSearch(OpenSearchOptions options);

  // The indexes named <alias>-v*, each with whether it carries the alias.
  core::Result<std::vector<opensearch::AliasedIndex>> versions(const std::string& alias);
  // Creates the collection's first index with its alias when there is none.
  core::Status ensure(const std::string& collection);
  core::Status create_index(const std::string& index, const std::string& collection,
                            std::string_view alias);
  core::Status drop(const std::string& collection);
  // Sends the upserts and deletes of one collection to `index`, in _bulk requests.
  core::Status bulk(std::span<const changes::Change> changes, const std::string& index,
                    std::vector<changes::Rejection>& rejected);
  core::Status bulk_once(std::span<const changes::Change> changes, const std::string& index,
                         std::vector<changes::Rejection>& rejected);
  core::Status refresh(const std::string& targets);
  void applied(std::uint64_t first_seq, const std::string& collection);
  void refresh_loop();

  OpenSearchOptions options_;
  // Every request is safe to send twice: reads, index creation (a second one is refused as
  // existing), alias moves to the same end, and _bulk with external versions.
  opensearch::Client client_;
  std::mutex ensured_mutex_;
  std::set<std::string, std::less<>> ensured_;  // collections whose alias is known to exist

  mutable std::mutex mutex_;  // guards the members below
  std::condition_variable wake_;
  bool stopping_ = false;
  bool refreshing_ = false;            // a _refresh is on its way
  std::uint64_t unseen_from_ = 0;      // see unseen_from()
  std::uint64_t newer_from_ = 0;       // the same, of what was applied after that _refresh began
  std::set<std::string> unrefreshed_;  // collections written since the last refresh began
  Generations generations_;
  std::thread refresher_;
};

}  // namespace tandem::search
