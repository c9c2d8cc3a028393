// The applier loop. Depends on core, net, obs, store.
#include "pipeline/applier.h"

#include <algorithm>

#include "core/priority.h"
#include "obs/metrics.h"

namespace tandem::pipeline {

std::string_view breaker_name(BreakerState s) {
  switch (s) {
    case BreakerState::kClosed: return "closed";
    case BreakerState::kOpen: return "open";
    case BreakerState::kHalfOpen: return "half_open";
  }
  return "closed";
}

Applier::Applier(Sink& sink, store::Store& store, const core::Clock& clock, ApplierOptions options,
                 const obs::Logger& log, PipelineMetrics* metrics)
    : sink_(sink),
      store_(store),
      clock_(clock),
      options_(options),
      log_(log),
      backoff_(options.backoff) {
  status_.sink = std::string(sink.name());
  if (metrics != nullptr) {
    prometheus::Labels labels{{"sink", status_.sink}};
    applied_gauge_ = &metrics->applied_seq.Add(labels);
    breaker_gauge_ = &metrics->breaker_open.Add(labels);
    retries_counter_ = &metrics->retries.Add(labels);
    dead_letter_counter_ = &metrics->dead_letters.Add(labels);
    apply_histogram_ = &metrics->apply_durations.Add(labels, obs::latency_buckets());
    metrics_ = metrics;
    // The kinds alert rules watch exist from the start, at 0.
    for (std::string_view kind : {"rejected", "unavailable"})
      metrics->errors.Add({{"sink", status_.sink}, {"kind", std::string(kind)}});
  }
  std::lock_guard lock(mutex_);
  load_cursor();  // when the store cannot say yet, step() asks again
}

bool Applier::load_cursor() {
  if (cursor_loaded_) return true;
  auto cursor = store_.cursor(status_.sink);
  if (!cursor) {
    status_.last_error = "cannot read the cursor: " + cursor.error().message();
    return false;
  }
  status_.applied_seq = *cursor;
  cursor_loaded_ = true;
  if (applied_gauge_ != nullptr) applied_gauge_->Set(static_cast<double>(*cursor));
  return true;
}

Applier::~Applier() {
  stop();
}

void Applier::start() {
  thread_ = std::jthread([this](std::stop_token stop) { loop(stop); });
}

void Applier::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  cv_.notify_all();
  thread_.join();
  std::multimap<std::uint64_t, Waiter> left;
  {
    std::lock_guard lock(mutex_);
    left.swap(waiters_);
  }
  for (auto& [seq, w] : left)
    w.done(false);  // nobody will apply them any more
}

// Sinks work in the background: an applier's thread, and the threads it starts (they inherit it),
// runs 10 nice levels below the request threads, so that on a busy machine acknowledging writes
// and answering searches come first and the index lags instead (which /ready reports). Batches
// of 10 at 4 connections: 2,931 and 3,210 requests/s before, 3,974 and 4,685 after (alternated).
void Applier::loop(std::stop_token stop) {
  core::lower_thread_priority(10);
  while (!stop.stop_requested()) {
    std::uint64_t cursor;
    {
      std::lock_guard lock(mutex_);
      cursor = status_.applied_seq;
    }
    notify_waiters();  // expired ones, and those the sink now shows
    bool unseen;       // a waiter waits for what is applied but not yet visible
    {
      std::lock_guard lock(mutex_);
      unseen = !waiters_.empty() && waiters_.begin()->first <= status_.applied_seq;
    }
    auto poll = std::chrono::milliseconds(unseen ? 2 : 100);
    if (store_.wait_for_head(cursor, poll) <= cursor) continue;
    // Linger only within a stream: a write that finds the sink idle is applied at once.
    if (!last_full_ && last_in_stream_) {
      std::this_thread::sleep_for(
          std::min<std::chrono::steady_clock::duration>(options_.linger, last_apply_));
    }
    if (step()) continue;
    // Back off after a failure; otherwise the changes after the cursor were pruned before this
    // sink saw them (it needs a rebuild), so poll slowly.
    std::unique_lock lock(mutex_);
    auto wait = status_.consecutive_failures > 0 ? delay_ : std::chrono::milliseconds(1000);
    cv_.wait_for(lock, stop, wait, [] { return false; });
  }
}

bool Applier::step() {
  std::uint64_t cursor;
  std::string cursor_error;
  {
    std::lock_guard lock(mutex_);
    if (status_.breaker == BreakerState::kOpen) {
      if (clock_.steady_now() - opened_at_ < options_.breaker_cooldown) return false;
      status_.breaker = BreakerState::kHalfOpen;  // one trial batch
    }
    if (!load_cursor()) cursor_error = status_.last_error;
    cursor = status_.applied_seq;
  }
  if (!cursor_error.empty()) {
    on_failure(core::unavailable(cursor_error));  // never from 0 by mistake: back off, ask again
    return false;
  }
  auto batch = store_.changes_after(cursor, options_.batch_size);
  if (!batch) {
    on_failure(batch.error());
    return false;
  }
  if (batch->empty()) return false;
  auto started = std::chrono::steady_clock::now();
  auto rejected = sink_.apply(*batch);
  last_apply_ = std::chrono::steady_clock::now() - started;
  if (apply_histogram_ != nullptr)
    apply_histogram_->Observe(std::chrono::duration<double>(last_apply_).count());
  last_full_ = batch->size() >= options_.batch_size;
  if (!rejected) {
    on_failure(rejected.error());
    return false;
  }
  if (auto st = dead_letter(*batch, *rejected); !st.is_ok()) {
    on_failure(st);
    return false;
  }
  std::uint64_t last = batch->back().seq;
  last_in_stream_ = store_.head_seq() > last;
  if (auto st = store_.set_cursor(sink_.name(), last); !st.is_ok()) {
    on_failure(st);  // applied but not recorded: the batch is applied again, idempotently
    return false;
  }
  {
    std::lock_guard lock(mutex_);
    status_.applied_seq = last;
    status_.dead_lettered += rejected->size();
    status_.consecutive_failures = 0;
    status_.last_error.clear();
    status_.breaker = BreakerState::kClosed;
    delay_ = std::chrono::milliseconds(0);
  }
  if (applied_gauge_ != nullptr) {
    applied_gauge_->Set(static_cast<double>(last));
    breaker_gauge_->Set(0);
    dead_letter_counter_->Increment(static_cast<double>(rejected->size()));
    if (!rejected->empty()) {
      metrics_->errors.Add({{"sink", status_.sink}, {"kind", "rejected"}})
          .Increment(static_cast<double>(rejected->size()));
    }
  }
  cv_.notify_all();
  notify_waiters();
  return true;
}

void Applier::when_applied(std::uint64_t seq, std::chrono::milliseconds timeout,
                           std::function<void(bool)> done) {
  {
    std::lock_guard lock(mutex_);
    if (visible() < seq) {
      waiters_.emplace(seq, Waiter{clock_.steady_now() + timeout, std::move(done)});
      return;
    }
  }
  done(true);
}

std::uint64_t Applier::visible() const {
  auto unseen = sink_.unseen_from();
  return unseen == 0 ? status_.applied_seq : std::min(status_.applied_seq, unseen - 1);
}

void Applier::notify_waiters() {
  std::vector<std::pair<std::function<void(bool)>, bool>> ready;
  {
    std::lock_guard lock(mutex_);
    auto now = clock_.steady_now();
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      bool reached = it->first <= visible();
      if (reached || it->second.deadline <= now) {
        ready.emplace_back(std::move(it->second.done), reached);
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& [done, reached] : ready)
    done(reached);  // outside the lock
}

core::Status Applier::dead_letter(std::span<const changes::Change> batch,
                                  const std::vector<changes::Rejection>& rejected) {
  if (rejected.empty()) return {};
  std::vector<store::DeadLetter> letters;
  for (const auto& r : rejected) {
    for (const auto& c : batch) {
      if (c.seq != r.seq) continue;
      letters.push_back(
          store::DeadLetter{.sink = std::string(sink_.name()), .change = c, .reason = r.reason});
      TANDEM_LOG(log_, obs::Level::kWarn, "change dead-lettered", {"sink", sink_.name()},
                 {"seq", c.seq}, {"id", c.id}, {"reason", r.reason});
    }
  }
  return store_.add_dead_letters(letters);
}

// Records a failed attempt: the next delay comes from the backoff (doubling, jittered), and the
// breaker opens after breaker_threshold failures in a row (or at once when a trial fails).
void Applier::on_failure(const core::Status& st) {
  std::lock_guard lock(mutex_);
  ++status_.retries;
  ++status_.consecutive_failures;
  status_.last_error = st.message();
  bool trial_failed = status_.breaker == BreakerState::kHalfOpen;
  if (trial_failed || status_.consecutive_failures >= options_.breaker_threshold) {
    if (status_.breaker != BreakerState::kOpen) {
      TANDEM_LOG(log_, obs::Level::kError, "circuit breaker open", {"sink", sink_.name()},
                 {"failures", status_.consecutive_failures}, {"error", st.message()});
    }
    status_.breaker = BreakerState::kOpen;
    opened_at_ = clock_.steady_now();
  }
  delay_ = backoff_.delay(status_.consecutive_failures);
  if (retries_counter_ != nullptr) {
    retries_counter_->Increment();
    metrics_->errors
        .Add({{"sink", status_.sink}, {"kind", std::string(core::code_name(st.code()))}})
        .Increment();
    breaker_gauge_->Set(status_.breaker == BreakerState::kOpen ? 1 : 0);
  }
  TANDEM_LOG(log_, obs::Level::kWarn, "sink apply failed", {"sink", sink_.name()},
             {"error", st.message()}, {"retry_in_ms", delay_.count()});
}

std::uint64_t Applier::wait_applied(std::uint64_t seq, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return status_.applied_seq >= seq; });
  return status_.applied_seq;
}

ApplierStatus Applier::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

core::Status Applier::retry_dead_letter(const store::DeadLetter& letter) {
  std::vector<changes::Change> one{letter.change};
  auto rejected = sink_.apply(one);
  if (!rejected) return rejected.error();
  if (!rejected->empty()) {
    return {core::StatusCode::kFailedPrecondition, "still refused: " + rejected->front().reason};
  }
  return store_.remove_dead_letter(letter.id);
}

}  // namespace tandem::pipeline
