// Pipeline: appliers and change-log pruning. Depends on core, obs, store.
#include "pipeline/pipeline.h"

#include <atomic>
#include <condition_variable>

namespace tandem::pipeline {

Pipeline::Pipeline(store::Store* store, const core::Clock& clock, const obs::Logger& log,
                   PipelineOptions options, PipelineMetrics* metrics)
    : store_(store), clock_(clock), log_(log), options_(options), metrics_(metrics) {}

Pipeline::~Pipeline() {
  stop();
}

void Pipeline::add_sink(Sink& sink, ApplierOptions options) {
  appliers_.push_back(std::make_unique<Applier>(sink, *store_, clock_, options, log_, metrics_));
}

std::uint64_t Pipeline::head_seq() const {
  return store_ != nullptr ? store_->head_seq() : 0;
}

core::Result<std::vector<store::DeadLetter>> Pipeline::dead_letters(std::size_t limit) {
  if (store_ == nullptr) return std::vector<store::DeadLetter>();
  return store_->dead_letters(limit);
}

core::Status Pipeline::retry_dead_letter(std::int64_t id) {
  if (store_ == nullptr) return core::not_found("no dead letter with id " + std::to_string(id));
  auto letter = store_->dead_letter(id);
  if (!letter) return letter.error();
  if (!*letter) return core::not_found("no dead letter with id " + std::to_string(id));
  auto* a = applier((*letter)->sink);
  if (a == nullptr) {
    return {core::StatusCode::kFailedPrecondition,
            "sink '" + (*letter)->sink + "' is not configured"};
  }
  return a->retry_dead_letter(**letter);
}

core::Status Pipeline::discard_dead_letter(std::int64_t id) {
  if (store_ == nullptr) return core::not_found("no dead letter with id " + std::to_string(id));
  return store_->remove_dead_letter(id);
}

void Pipeline::start() {
  for (auto& a : appliers_)
    a->start();
  if (store_ == nullptr) return;  // no change log to prune
  pruner_ = std::jthread([this](std::stop_token stop) {
    std::mutex m;
    std::condition_variable_any cv;
    while (!stop.stop_requested()) {
      std::unique_lock lock(m);
      if (cv.wait_for(lock, stop, options_.prune_interval, [] { return false; })) break;
      if (stop.stop_requested()) break;
      auto pruned = prune_once();
      if (!pruned) {
        TANDEM_LOG(log_, obs::Level::kWarn, "change-log pruning failed",
                   {"error", pruned.error().message()});
      } else if (*pruned > 0) {
        TANDEM_LOG(log_, obs::Level::kDebug, "change log pruned", {"entries", *pruned});
      }
    }
  });
}

void Pipeline::stop() {
  if (pruner_.joinable()) {
    pruner_.request_stop();
    pruner_.join();
  }
  for (auto& a : appliers_)
    a->stop();
}

void Pipeline::when_applied(std::uint64_t seq, std::chrono::milliseconds timeout,
                            std::function<void(bool)> done) {
  if (appliers_.empty()) {
    done(true);
    return;
  }
  struct Join {
    std::atomic<std::size_t> left;
    std::atomic<bool> all{true};
    std::function<void(bool)> done;
  };
  auto join = std::make_shared<Join>();
  join->left = appliers_.size();
  join->done = std::move(done);
  for (auto& a : appliers_) {
    a->when_applied(seq, timeout, [join](bool reached) {
      if (!reached) join->all = false;
      if (--join->left == 0) join->done(join->all.load());
    });
  }
}

Applier* Pipeline::applier(std::string_view sink) {
  for (auto& a : appliers_) {
    if (a->status().sink == sink) return a.get();
  }
  return nullptr;
}

std::vector<ApplierStatus> Pipeline::status() const {
  std::vector<ApplierStatus> out;
  for (const auto& a : appliers_)
    out.push_back(a->status());
  return out;
}

std::vector<Pipeline::Lag> Pipeline::measure_lags() {
  std::vector<Lag> out;
  if (appliers_.empty()) return out;
  std::uint64_t head = store_->head_seq();
  auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch())
          .count();
  for (const auto& a : appliers_) {
    Lag lag{.status = a->status(), .head_seq = head};
    lag.records = head - std::min(head, lag.status.applied_seq);
    if (lag.records > 0) {
      auto next = store_->changes_after(lag.status.applied_seq, 1);
      if (next && !next->empty())
        lag.seconds = std::max<double>(0, static_cast<double>(now_ms - next->front().at_ms) / 1000);
    }
    if (metrics_ != nullptr) {
      prometheus::Labels labels{{"sink", lag.status.sink}};
      metrics_->lag_records.Add(labels).Set(static_cast<double>(lag.records));
      metrics_->lag_seconds.Add(labels).Set(lag.seconds);
    }
    out.push_back(std::move(lag));
  }
  return out;
}

core::Result<std::size_t> Pipeline::prune_once() {
  if (store_ == nullptr) return std::size_t{0};
  std::uint64_t up_to = store_->head_seq();
  for (const auto& a : appliers_)
    up_to = std::min(up_to, a->status().applied_seq);
  auto cutoff = clock_.now() - options_.retention;
  auto cutoff_ms = std::chrono::duration_cast<std::chrono::milliseconds>(cutoff.time_since_epoch());
  return store_->prune(up_to, cutoff_ms.count());
}

}  // namespace tandem::pipeline
