// The query-result cache in the Redis every node shares. Depends on net and obs.
#include "pipeline/shared_query_cache.h"

#include <charconv>

namespace tandem::pipeline {

namespace {

// The generation a GET of the counter answered: absent is 0; nullopt for anything but a count.
std::optional<std::uint64_t> generation_of(const net::Reply& r) {
  if (r.type == net::Reply::Type::kNil) return 0;
  if (r.type != net::Reply::Type::kString) return std::nullopt;
  std::uint64_t g = 0;
  auto [end, ec] = std::from_chars(r.text.data(), r.text.data() + r.text.size(), g);
  if (ec != std::errc() || end != r.text.data() + r.text.size()) return std::nullopt;
  return g;
}

}  // namespace

SharedQueryCache::SharedQueryCache(std::unique_ptr<net::Redis> redis,
                                   SharedQueryCacheOptions options, const obs::Logger& log)
    : redis_(std::move(redis)),
      options_(std::move(options)),
      log_(log),
      backoff_(options_.retry),
      retrier_([this] { retry_loop(); }) {}

SharedQueryCache::~SharedQueryCache() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  retrier_.join();
}

std::string SharedQueryCache::generation_key(std::string_view collection) const {
  return options_.prefix + "q:" + std::string(collection);
}

QueryCache::Lookup SharedQueryCache::lookup(std::string_view collection,
                                            std::vector<std::string_view> params) {
  Lookup out{.key = generation_key(collection) + ":" + canonical_params(std::move(params))};
  auto replies = run_after_owed({{"GET", generation_key(collection)}, {"GET", out.key}});
  if (!replies) {
    TANDEM_LOG(log_, obs::Level::kWarn, "query cache read failed", {"cache", "redis"},
               {"error", replies.error().message()});
    return out;
  }
  auto generation = generation_of((*replies)[0]);
  if (!generation) {
    TANDEM_LOG(log_, obs::Level::kWarn, "query cache read failed", {"cache", "redis"},
               {"error", "the generation " + generation_key(collection) +
                             " is not a count: " + (*replies)[0].describe()});
    return out;
  }
  out.generation = *generation;
  out.storable = true;
  const auto& entry = (*replies)[1];
  if (entry.type != net::Reply::Type::kString) return out;
  std::string tag = std::to_string(out.generation) + "\n";
  if (entry.text.starts_with(tag)) out.body = entry.text.substr(tag.size());
  return out;
}

void SharedQueryCache::store(const Lookup& looked, std::string_view body) {
  if (!looked.storable || body.size() > options_.max_entry_bytes) return;
  std::string value = std::to_string(looked.generation) + "\n";
  value.append(body);
  net::Command set{"SET", looked.key, std::move(value), "PX", std::to_string(options_.ttl.count())};
  // Nobody waits for it: where the client can, the response leaves before Redis answers.
  redis_->run_async({std::move(set)}, [&log = log_](core::Result<std::vector<net::Reply>> r) {
    std::string error = !r ? r.error().message() : r->front().is_error() ? r->front().text : "";
    if (!error.empty()) {
      TANDEM_LOG(log, obs::Level::kWarn, "query cache write failed", {"cache", "redis"},
                 {"error", error});
    }
  });
}

void SharedQueryCache::changed(const std::vector<std::string>& collections) {
  std::vector<net::Command> incrs;
  for (const auto& c : collections)
    incrs.push_back({"INCR", generation_key(c)});
  auto replies = run_after_owed(std::move(incrs));
  if (!replies) return owe(collections, replies.error().message());
  std::vector<std::string> refused;
  std::string why;
  for (std::size_t i = 0; i < collections.size(); ++i) {
    if ((*replies)[i].type == net::Reply::Type::kInteger) continue;
    refused.push_back(collections[i]);
    why = (*replies)[i].describe();
  }
  if (!refused.empty()) owe(refused, why);
}

std::size_t SharedQueryCache::owed() const {
  std::lock_guard lock(mutex_);
  return owed_.size();
}

core::Result<std::vector<net::Reply>> SharedQueryCache::run_after_owed(
    std::vector<net::Command> commands) {
  std::vector<std::pair<std::string, std::uint64_t>> sent;
  {
    std::lock_guard lock(mutex_);
    sent.assign(owed_.begin(), owed_.end());
  }
  if (!sent.empty()) {
    std::vector<net::Command> all;
    for (const auto& [c, owe] : sent)
      all.push_back({"INCR", generation_key(c)});
    all.insert(all.end(), std::make_move_iterator(commands.begin()),
               std::make_move_iterator(commands.end()));
    commands = std::move(all);
  }
  if (commands.empty()) return std::vector<net::Reply>{};
  auto replies = redis_->run(commands);
  if (!replies) return core::fail(replies.error());
  if (!sent.empty()) {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < sent.size(); ++i) {
      auto it = owed_.find(sent[i].first);
      bool taken = (*replies)[i].type == net::Reply::Type::kInteger;
      if (taken && it != owed_.end() && it->second == sent[i].second) owed_.erase(it);
    }
    replies->erase(replies->begin(), replies->begin() + static_cast<std::ptrdiff_t>(sent.size()));
  }
  return replies;
}

void SharedQueryCache::owe(const std::vector<std::string>& collections, const std::string& why) {
  TANDEM_LOG(log_, obs::Level::kWarn,
             "query cache: the generation was not moved; sent again until Redis takes it",
             {"collections", static_cast<std::int64_t>(collections.size())},
             {"first", collections.front()}, {"error", why});
  {
    std::lock_guard lock(mutex_);
    for (const auto& c : collections)
      owed_[c] = ++owes_;
  }
  wake_.notify_all();
}

void SharedQueryCache::retry_loop() {
  std::unique_lock lock(mutex_);
  int failures = 0;
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !owed_.empty(); });
    if (stopping_) return;
    // A pause first: the call that owed it just failed.
    if (wake_.wait_for(lock, backoff_.delay(++failures), [&] { return stopping_; })) return;
    lock.unlock();
    auto done = run_after_owed({});
    lock.lock();
    if (done && owed_.empty()) {
      TANDEM_LOG(log_, obs::Level::kInfo, "query cache: owed generations moved");
      failures = 0;
    }
  }
}

}  // namespace tandem::pipeline
