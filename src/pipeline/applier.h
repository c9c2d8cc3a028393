// Applier: feeds one projection (a search index, a cache) from the change log. It reads from its
// own cursor, in order and in batches, applies idempotently (seq = version), retries failures
// with exponential backoff and jitter, opens a circuit breaker after repeated failures, sends
// permanent per-record refusals to the dead letters, and moves the cursor only after success.
// A projection that is down only lags. Depends on core, changes, net, obs, store.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "net/backoff.h"
#include "obs/log.h"
#include "pipeline/metrics.h"
#include "store/store.h"

namespace tandem::pipeline {

// What an applier feeds. SearchBackend and CacheBackend are adapted to this.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual std::string_view name() const = 0;
  // See search::SearchBackend::apply: an error retries the batch, rejections are permanent.
  virtual core::Result<std::vector<changes::Rejection>> apply(
      std::span<const changes::Change> changes) = 0;
  // See search::SearchBackend::unseen_from: 0 where applying is seeing (Redis writes).
  virtual std::uint64_t unseen_from() const { return 0; }
};

struct ApplierOptions {
  std::size_t batch_size = 1000;  // changes per apply() at most
  // At most this long to let a batch fill: the applier waits as long as its last batch took to
  // apply (an idle sink applies a lone write at once, a busy one gathers more per batch), and not
  // at all after a full batch (a backlog is there already).
  std::chrono::milliseconds linger{5};
  net::BackoffOptions backoff;                        // retry delays after failures
  int breaker_threshold = 5;                          // failures in a row that open it
  std::chrono::milliseconds breaker_cooldown{30000};  // open this long, then one trial
};

enum class BreakerState { kClosed, kOpen, kHalfOpen };
std::string_view breaker_name(BreakerState s);

struct ApplierStatus {
  std::string sink;
  std::uint64_t applied_seq = 0;  // cursor: the last change applied (or dead-lettered)
  BreakerState breaker = BreakerState::kClosed;
  int consecutive_failures = 0;
  std::string last_error;           // empty when the last attempt succeeded
  std::uint64_t retries = 0;        // failed attempts since start
  std::uint64_t dead_lettered = 0;  // changes sent to dead letters since start
};

class Applier {
 public:
  // `metrics` may be null. Backoff, the breaker's cooldown and waiters' deadlines read `clock`'s
  // steady time. The cursor is read from the store by the first step (and again until that
  // succeeds): nothing is applied before it is known.
  Applier(Sink& sink, store::Store& store, const core::Clock& clock, ApplierOptions options,
          const obs::Logger& log, PipelineMetrics* metrics = nullptr);
  ~Applier();  // stop()

  void start();
  void stop();

  // Runs one step without the thread: read a batch after the cursor and apply it, or back off.
  // Returns true when it applied something. Tests drive the applier with it.
  bool step();

  // Blocks until the cursor reaches `seq` or the timeout passes; returns the cursor.
  std::uint64_t wait_applied(std::uint64_t seq, std::chrono::milliseconds timeout);

  // Calls `done(true)` once the cursor reaches `seq` and the sink shows it (Sink::unseen_from),
  // or `done(false)` when the timeout passes first (checked by the applier's thread at least
  // every 100 ms, and every few while a change applied is not yet visible). Never blocks; `done`
  // runs on the applier's thread, or at once when `seq` is already visible.
  void when_applied(std::uint64_t seq, std::chrono::milliseconds timeout,
                    std::function<void(bool)> done);
  ApplierStatus status() const;

  // Applies one dead-lettered change again; on success removes the dead letter.
  core::Status retry_dead_letter(const store::DeadLetter& letter);

 private:
  void loop(std::stop_token stop);
  void on_failure(const core::Status& st);
  core::Status dead_letter(std::span<const changes::Change> batch,
                           const std::vector<changes::Rejection>& rejected);

  bool load_cursor();             // under mutex_; false when the store cannot say it
  std::uint64_t visible() const;  // under mutex_: what waiters wait for

  Sink& sink_;
  store::Store& store_;
  const core::Clock& clock_;
  const ApplierOptions options_;
  const obs::Logger& log_;
  prometheus::Gauge* applied_gauge_ = nullptr;  // metrics, when given
  prometheus::Gauge* breaker_gauge_ = nullptr;
  prometheus::Counter* retries_counter_ = nullptr;
  prometheus::Counter* dead_letter_counter_ = nullptr;
  prometheus::Histogram* apply_histogram_ = nullptr;
  PipelineMetrics* metrics_ = nullptr;  // for errors by kind
  mutable std::mutex mutex_;            // guards status_, delay_, opened_at_
  std::condition_variable_any cv_;      // cursor moves, stop
  ApplierStatus status_;
  bool cursor_loaded_ = false;                       // status_.applied_seq came from the store
  std::chrono::milliseconds delay_{0};               // current backoff
  std::chrono::steady_clock::time_point opened_at_;  // when the breaker opened
  // The last batch, for the linger: how long its apply() took, whether it was full, whether
  // more had been committed by the time it was applied (a stream). Only the applier's thread (or
  // step()'s caller) touches them.
  std::chrono::steady_clock::duration last_apply_{};
  bool last_full_ = false;
  bool last_in_stream_ = false;
  net::Backoff backoff_;  // guarded by mutex_
  struct Waiter {
    std::chrono::steady_clock::time_point deadline;
    std::function<void(bool)> done;
  };
  std::multimap<std::uint64_t, Waiter> waiters_;  // by seq; guarded by mutex_
  void notify_waiters();                          // fires reached and expired waiters
  std::jthread thread_;
};

}  // namespace tandem::pipeline
