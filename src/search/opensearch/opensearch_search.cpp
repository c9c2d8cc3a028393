// The OpenSearch backend over the HTTP client. Depends on the search interface, the request
// checks, the protocol and Query DSL of this directory, net and simdjson.
#include "search/opensearch/opensearch_search.h"

#include <algorithm>

#include "search/opensearch/query.h"
#include "search/request_checks.h"

namespace tandem::search {
namespace {

using core::fail;
using core::unavailable;
namespace os = opensearch;

core::Status refused(std::string_view what, const net::HttpResponse& r) {
  return os::refusal(what, r.status, r.body);
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts)
    out += (out.empty() ? "" : ",") + p;
  return out;
}

// The N of "<alias>-vN", or 0 for another name.
std::uint64_t version_of(std::string_view index, std::string_view alias) {
  if (index.size() <= alias.size() + 2 || !index.starts_with(alias) ||
      index.substr(alias.size(), 2) != "-v")
    return 0;
  std::uint64_t n = 0;
  for (char c : index.substr(alias.size() + 2)) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

}  // namespace

// A new version of one collection's index, filled beside the one searches use.
class OpenSearchSearch::IndexRebuild final : public Rebuild {
 public:
  IndexRebuild(OpenSearchSearch& backend, std::string collection, std::string index,
               std::vector<std::string> old)
      : backend_(backend),
        collection_(std::move(collection)),
        index_(std::move(index)),
        old_(std::move(old)) {}
  ~IndexRebuild() override {
    if (!finished_) (void)backend_.client_.call("DELETE", "/" + index_, "");  // best effort
  }

  core::Result<std::vector<changes::Rejection>> apply(
      std::span<const changes::Change> changes) override {
    std::vector<changes::Rejection> rejected;
    if (auto st = backend_.bulk(changes, index_, rejected); !st.is_ok()) return fail(st);
    return rejected;
  }

  core::Status finish() override {
    if (auto st = backend_.refresh(index_); !st.is_ok()) return st;
    auto alias = backend_.alias(collection_);
    auto moved =
        backend_.client_.call("POST", "/_aliases", os::move_alias_body(alias, old_, index_));
    if (!moved) return moved.error();
    if (moved->status != 200) return refused("moving alias " + alias, *moved);
    finished_ = true;
    {
      std::lock_guard lock(backend_.ensured_mutex_);
      backend_.ensured_.insert(collection_);
    }
    backend_.generations_.bump(collection_);
    if (!old_.empty()) {
      auto gone = backend_.client_.call("DELETE", "/" + join(old_), "");
      if (gone && gone->status != 200 && gone->status != 404) return refused("deleting", *gone);
      if (!gone) return gone.error();
    }
    return {};
  }

 private:
  OpenSearchSearch& backend_;
  std::string collection_, index_;
  std::vector<std::string> old_;  // the indexes the alias is taken from
  bool finished_ = false;
};

core::Result<std::unique_ptr<OpenSearchSearch>> OpenSearchSearch::open(OpenSearchOptions options) {
  if (auto st = os::check_index_prefix(options.index_prefix); !st.is_ok()) return fail(st);
  if (auto stemmer = os::snowball_language(options.index.language); !stemmer)
    return fail(stemmer.error());
  if (options.http.endpoints.empty())
    return fail(core::invalid_argument("search.opensearch.url: no node given"));
  options.index.refresh_interval = std::to_string(options.refresh_interval.count()) + "ms";
  return std::unique_ptr<OpenSearchSearch>(new OpenSearchSearch(std::move(options)));
}

OpenSearchSearch::OpenSearchSearch(OpenSearchOptions options)
    : options_(std::move(options)), client_(options_.http) {
  refresher_ = std::thread([this] { refresh_loop(); });
}

OpenSearchSearch::~OpenSearchSearch() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  refresher_.join();
}

std::string OpenSearchSearch::alias(std::string_view collection) const {
  return options_.index_prefix + std::string(collection);
}

core::Result<std::vector<os::AliasedIndex>> OpenSearchSearch::versions(const std::string& alias) {
  auto r = client_.call("GET", "/" + alias + "-v*/_alias", "");
  if (!r) return fail(r.error());
  if (r->status == 404) return std::vector<os::AliasedIndex>{};
  if (r->status != 200) return fail(refused("listing the indexes of " + alias, *r));
  auto indexes = os::parse_alias_response(r->body, alias);
  if (!indexes) return indexes;
  std::erase_if(*indexes, [&](const auto& i) { return version_of(i.index, alias) == 0; });
  return indexes;
}

core::Status OpenSearchSearch::create_index(const std::string& index, const std::string& collection,
                                            std::string_view alias) {
  auto schema = options_.collection(collection);
  if (!schema) return unavailable("opensearch: no schema for collection '" + collection + "'");
  auto body = os::index_body(*schema, options_.index, alias);
  if (!body) return body.error();
  auto r = client_.call("PUT", "/" + index, std::move(*body));
  if (!r) return r.error();
  if (r->status == 200) return {};
  // Another node (or an earlier attempt whose answer was lost) made it first.
  if (r->status == 400 && os::error_reason(r->body).starts_with("resource_already_exists"))
    return {};
  return refused("creating index " + index, *r);
}

core::Status OpenSearchSearch::ensure(const std::string& collection) {
  {
    std::lock_guard lock(ensured_mutex_);
    if (ensured_.contains(collection)) return {};
  }
  std::string a = alias(collection);
  auto existing = versions(a);
  if (!existing) return existing.error();
  bool aliased =
      std::any_of(existing->begin(), existing->end(), [](const auto& i) { return i.has_alias; });
  if (!aliased) {
    if (auto st = create_index(a + "-v1", collection, a); !st.is_ok()) return st;
  }
  std::lock_guard lock(ensured_mutex_);
  ensured_.insert(collection);
  return {};
}

core::Status OpenSearchSearch::drop(const std::string& collection) {
  {
    std::lock_guard lock(ensured_mutex_);
    ensured_.erase(collection);
  }
  auto existing = versions(alias(collection));
  if (!existing) return existing.error();
  if (!existing->empty()) {
    std::vector<std::string> names;
    for (const auto& i : *existing)
      names.push_back(i.index);
    auto r = client_.call("DELETE", "/" + join(names), "");
    if (!r) return r.error();
    if (r->status != 200 && r->status != 404) return refused("deleting " + join(names), *r);
  }
  generations_.bump(collection);
  return {};
}

core::Status OpenSearchSearch::bulk(std::span<const changes::Change> changes,
                                    const std::string& index,
                                    std::vector<changes::Rejection>& rejected) {
  std::size_t begin = 0;
  while (begin < changes.size()) {
    std::size_t end = begin, bytes = 0;
    while (end < changes.size() && end - begin < options_.bulk_max_docs &&
           (end == begin || bytes + changes[end].body.size() + 200 <= options_.bulk_max_bytes)) {
      bytes += changes[end].body.size() + 200;
      ++end;
    }
    if (auto st = bulk_once(changes.subspan(begin, end - begin), index, rejected); !st.is_ok())
      return st;
    begin = end;
  }
  return {};
}

core::Status OpenSearchSearch::bulk_once(std::span<const changes::Change> changes,
                                         const std::string& index,
                                         std::vector<changes::Rejection>& rejected) {
  std::vector<changes::Change> pending;
  for (const auto& c : changes)
    if (c.op == changes::ChangeOp::kUpsert || c.op == changes::ChangeOp::kDelete)
      pending.push_back(c);
  net::Backoff backoff(options_.item_retry);
  std::string last_reason;
  for (int attempt = 1; !pending.empty(); ++attempt) {
    if (attempt > options_.item_attempts) {
      return unavailable("opensearch: " + std::to_string(pending.size()) +
                         " items still refused after " + std::to_string(options_.item_attempts) +
                         " attempts: " + last_reason);
    }
    if (attempt > 1) std::this_thread::sleep_for(backoff.delay(attempt - 1));
    auto r = client_.call("POST", "/_bulk", os::bulk_body(pending, index));
    if (!r) return r.error();
    if (r->status != 200) return refused("_bulk", *r);
    auto items = os::parse_bulk_response(r->body, pending.size());
    if (!items) return items.error();
    std::vector<changes::Change> again;
    for (std::size_t i = 0; i < pending.size(); ++i) {
      const auto& item = (*items)[i];
      if (item.outcome == os::ItemOutcome::kRetry) {
        last_reason = std::to_string(item.status) + " " + item.reason;
        again.push_back(std::move(pending[i]));
      } else if (item.outcome == os::ItemOutcome::kRejected) {
        rejected.push_back({.seq = pending[i].seq, .reason = "opensearch: " + item.reason});
      }
    }
    pending = std::move(again);
  }
  return {};
}

core::Result<std::vector<changes::Rejection>> OpenSearchSearch::apply(
    std::span<const changes::Change> changes) {
  std::vector<changes::Rejection> rejected;
  std::size_t begin = 0;
  while (begin < changes.size()) {
    const auto& first = changes[begin];
    if (first.op == changes::ChangeOp::kDrop) {
      if (auto st = drop(first.collection); !st.is_ok()) return fail(st);  // seen at once
      ++begin;
      continue;
    }
    std::size_t end = begin;
    while (end < changes.size() && changes[end].op != changes::ChangeOp::kDrop &&
           changes[end].collection == first.collection)
      ++end;
    auto run = changes.subspan(begin, end - begin);
    // A collection dropped since has no schema: nothing to write (its drop follows), nothing to
    // refresh.
    if (options_.collection(first.collection)) {
      if (auto st = ensure(first.collection); !st.is_ok()) return fail(st);
      if (auto st = bulk(run, alias(first.collection), rejected); !st.is_ok()) return fail(st);
      applied(run.front().seq, first.collection);
    }
    begin = end;
  }
  return rejected;
}

void OpenSearchSearch::applied(std::uint64_t first_seq, const std::string& collection) {
  {
    std::lock_guard lock(mutex_);
    auto& from = refreshing_ ? newer_from_ : unseen_from_;
    from = from == 0 ? first_seq : std::min(from, first_seq);
    unrefreshed_.insert(collection);
  }
  wake_.notify_all();
}

std::uint64_t OpenSearchSearch::unseen_from() const {
  std::lock_guard lock(mutex_);
  return unseen_from_;
}

core::Status OpenSearchSearch::refresh(const std::string& targets) {
  auto r = client_.call("POST", "/" + targets + "/_refresh?ignore_unavailable=true", "");
  if (!r) return r.error();
  if (r->status != 200) return refused("_refresh", *r);
  return {};
}

void OpenSearchSearch::refresh_loop() {
  std::unique_lock lock(mutex_);
  auto last = std::chrono::steady_clock::now() - options_.refresh_interval;
  net::Backoff backoff(options_.item_retry);
  int failures = 0;
  while (!stopping_) {
    wake_.wait(lock, [&] { return stopping_ || unseen_from_ != 0; });
    auto next = last + (failures > 0 ? backoff.delay(failures) : options_.refresh_interval);
    if (wake_.wait_until(lock, next, [&] { return stopping_; })) break;
    std::set<std::string> collections = std::move(unrefreshed_);
    unrefreshed_.clear();
    refreshing_ = true;
    lock.unlock();
    std::vector<std::string> aliases;
    for (const auto& c : collections)
      aliases.push_back(alias(c));
    core::Status st = aliases.empty() ? core::Status() : refresh(join(aliases));
    lock.lock();
    refreshing_ = false;
    last = std::chrono::steady_clock::now();
    if (st.is_ok()) {
      failures = 0;
      unseen_from_ = newer_from_;
      for (const auto& c : collections)
        generations_.bump(c);
    } else {
      ++failures;
      if (newer_from_ != 0) unseen_from_ = std::min(unseen_from_, newer_from_);
      unrefreshed_.insert(collections.begin(), collections.end());
    }
    newer_from_ = 0;
  }
}

std::uint64_t OpenSearchSearch::generation(std::string_view collection) const {
  return generations_.of(collection);
}

core::Result<std::unique_ptr<Rebuild>> OpenSearchSearch::rebuild(std::string_view collection) {
  std::string c(collection), a = alias(collection);
  auto existing = versions(a);
  if (!existing) return fail(existing.error());
  std::uint64_t newest = 0;
  std::vector<std::string> old;
  for (const auto& i : *existing) {
    newest = std::max(newest, version_of(i.index, a));
    if (i.has_alias) old.push_back(i.index);
  }
  std::string index = a + "-v" + std::to_string(newest + 1);
  if (auto st = create_index(index, c, {}); !st.is_ok()) return fail(st);
  return std::unique_ptr<Rebuild>(std::make_unique<IndexRebuild>(*this, c, index, old));
}

core::Status OpenSearchSearch::check() {
  return client_.check();
}

core::Result<std::uint64_t> OpenSearchSearch::count(std::string_view collection) {
  auto r = client_.call("GET", "/" + alias(collection) + "/_count", "");
  if (!r) return fail(r.error());
  if (r->status == 404) return std::uint64_t{0};
  if (r->status != 200) return fail(refused("_count", *r));
  return os::parse_count_response(r->body);
}

core::Result<SearchResult> OpenSearchSearch::search(const SearchRequest& r) {
  if (r.ranking) {  // refused rather than silently ranked otherwise
    return core::fail(core::invalid_argument(
        "ranking: the OpenSearch backend ranks by Lucene's BM25 alone; leave out ranking"));
  }
  std::size_t keep = r.text.words.size();
  std::vector<std::string> dropped;
  for (;;) {
    auto body = os::search_body(r, keep);
    if (!body) return fail(body.error());
    auto answer =
        client_.call("POST", "/" + alias(r.collection->name) + "/_search", std::move(*body));
    if (!answer) return fail(answer.error());
    if (answer->status == 404) return SearchResult{};  // never written
    if (answer->status == 400) {
      return fail(core::invalid_argument("opensearch refused the search: " +
                                         os::error_reason(answer->body)));
    }
    if (answer->status != 200) return fail(refused("_search", *answer));
    auto result = os::parse_search_response(answer->body, r.facets);
    if (!result) return result;
    // Nothing matched all words: again without the last one (never below one word).
    if (result->found > 0 || keep <= 1 || r.text.match_all) {
      if (result->found > 0) result->dropped_words = std::move(dropped);
      return result;
    }
    dropped.insert(dropped.begin(), r.text.words[keep - 1].text);
    --keep;
  }
}

core::Result<std::vector<std::optional<std::string>>> OpenSearchSearch::get(
    std::string_view collection, std::span<const std::string> ids) {
  if (ids.empty()) return std::vector<std::optional<std::string>>{};
  auto r = client_.call("POST", "/" + alias(collection) + "/_mget", os::mget_body(ids));
  if (!r) return fail(r.error());
  if (r->status == 404) return std::vector<std::optional<std::string>>(ids.size());
  if (r->status != 200) return fail(refused("_mget", *r));
  auto docs = os::parse_mget_response(r->body, ids.size());
  if (!docs) return fail(docs.error());
  std::vector<std::optional<std::string>> out;
  out.reserve(docs->size());
  for (auto& d : *docs)
    out.push_back(d ? std::optional<std::string>(std::move(d->source)) : std::nullopt);
  return out;
}

}  // namespace tandem::search
