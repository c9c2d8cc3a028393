// Direct mode's write-through cache. Depends on core, obs, cache, net and the store interface.
#include "pipeline/write_through.h"

#include "pipeline/cache_sink.h"

namespace tandem::pipeline {

WriteThrough::WriteThrough(store::RecordStore& store, cache::CacheBackend& cache,
                           const obs::Logger& log, net::BackoffOptions retry)
    : store_(store), cache_(cache), log_(log), backoff_(retry), retrier_([this] {
        retry_loop();
      }) {}

WriteThrough::~WriteThrough() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  retrier_.join();
}

void WriteThrough::submit(store::WriteBatch batch, store::WriteCallback done) {
  std::vector<bool> deletes;
  deletes.reserve(batch.ops.size());
  for (const auto& op : batch.ops)
    deletes.push_back(op.action == store::Action::kDelete);
  std::string collection = batch.collection->name;
  store_.submit(
      std::move(batch), [this, deletes = std::move(deletes), collection = std::move(collection),
                         done = std::move(done)](auto written) {
        if (written) {
          std::vector<cache::CacheWrite> writes;
          for (std::size_t i = 0; i < written->size(); ++i) {
            const auto& r = (*written)[i];
            if (r.seq) {
              writes.push_back({.key = cache_key(collection, r.id),
                                .value = r.body,
                                .version = *r.seq,
                                .remove = deletes[i]});
            }
          }
          if (auto st = writes.empty() ? core::Status() : cache_.write_many(writes); !st.is_ok()) {
            TANDEM_LOG(log_, obs::Level::kWarn, "cache write failed; retrying in the background",
                       {"records", writes.size()}, {"error", st.message()});
            std::vector<std::pair<std::string, Entry>> later;
            for (const auto& w : writes)
              later.emplace_back(
                  w.key,
                  Entry{.value = std::string(w.value), .version = w.version, .remove = w.remove});
            defer(std::move(later));
          }
        }
        done(std::move(written));
      });
}

core::Result<std::uint64_t> WriteThrough::drop_collection(const std::string& name) {
  return core::fail(core::Status(
      core::StatusCode::kFailedPrecondition,
      "collection '" + name +
          "' cannot be dropped in direct mode (store.backend = \"opensearch\"): the shared cache "
          "would keep serving its records; delete its records instead"));
}

void WriteThrough::defer(std::vector<std::pair<std::string, Entry>> entries) {
  {
    std::lock_guard lock(mutex_);
    for (auto& [key, entry] : entries) {
      auto& held = pending_[key];
      if (entry.version >= held.version) held = std::move(entry);
    }
  }
  wake_.notify_all();
}

std::size_t WriteThrough::pending() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

void WriteThrough::retry_loop() {
  std::unique_lock lock(mutex_);
  int failures = 0;
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
    if (stopping_) return;
    auto delay = backoff_.delay(++failures);
    if (wake_.wait_for(lock, delay, [&] { return stopping_; })) return;
    auto batch = pending_;  // writes that arrive meanwhile stay pending
    lock.unlock();
    std::vector<cache::CacheWrite> writes;
    for (const auto& [key, e] : batch)
      writes.push_back({.key = key, .value = e.value, .version = e.version, .remove = e.remove});
    bool ok = cache_.write_many(writes).is_ok();
    lock.lock();
    if (!ok) continue;
    failures = 0;
    for (const auto& [key, e] : batch) {
      auto it = pending_.find(key);
      if (it != pending_.end() && it->second.version == e.version) pending_.erase(it);
    }
    TANDEM_LOG(log_, obs::Level::kInfo, "deferred cache writes applied", {"records", batch.size()});
  }
}

}  // namespace tandem::pipeline
