// Pipeline: owns one Applier per configured sink and prunes the change log once every sink has
// applied an entry and it is older than the retention; the dead letters of its sinks go through it.
// Depends on core, obs, store.
#pragma once

#include <memory>
#include <thread>
#include <vector>

#include "pipeline/applier.h"

namespace tandem::pipeline {

struct PipelineOptions {
  std::chrono::milliseconds retention{24 * 3600 * 1000};  // store.retention
  std::chrono::milliseconds prune_interval{60000};        // how often to prune
};

class Pipeline {
 public:
  // `metrics` may be null. Without a store (direct mode: no change log) there are no sinks, no
  // dead letters and nothing to wait for or prune.
  Pipeline(store::Store* store, const core::Clock& clock, const obs::Logger& log,
           PipelineOptions options, PipelineMetrics* metrics = nullptr);
  ~Pipeline();  // stop()

  // Before start(), with a store. The sink must outlive the pipeline.
  void add_sink(Sink& sink, ApplierOptions options);

  void start();
  void stop();

  // Calls `done(true)` once every sink applied `seq` (at once when there are none), or
  // `done(false)` when the timeout passes first. For ?wait=indexed.
  void when_applied(std::uint64_t seq, std::chrono::milliseconds timeout,
                    std::function<void(bool)> done);

  // nullptr when no sink has that name.
  Applier* applier(std::string_view sink);
  std::vector<ApplierStatus> status() const;

  // A sink's position against the log: how many changes it is behind, and how long the oldest of
  // them has waited (0 when caught up, or when the store cannot say).
  struct Lag {
    ApplierStatus status;
    std::uint64_t head_seq = 0;
    std::uint64_t records = 0;
    double seconds = 0;
  };
  // Every sink's lag, read now (one small store read per sink that is behind); also sets the
  // lag gauges.
  std::vector<Lag> measure_lags();
  // The newest change in the log (0 when empty).
  std::uint64_t head_seq() const;

  // The oldest `limit` dead letters. Store errors.
  core::Result<std::vector<store::DeadLetter>> dead_letters(std::size_t limit);
  // Applies dead letter `id` to its sink again and removes it when that succeeds. kNotFound for
  // no such letter, kFailedPrecondition when its sink is not configured or still refuses it, the
  // sink's or the store's errors otherwise.
  core::Status retry_dead_letter(std::int64_t id);
  // Discards dead letter `id`. kNotFound when there is none.
  core::Status discard_dead_letter(std::int64_t id);

  // Deletes change-log entries applied by every sink (all entries when there are none) and older
  // than the retention. Returns how many.
  core::Result<std::size_t> prune_once();

 private:
  store::Store* store_;  // null: no change log
  const core::Clock& clock_;
  const obs::Logger& log_;
  const PipelineOptions options_;
  PipelineMetrics* metrics_;  // optional
  std::vector<std::unique_ptr<Applier>> appliers_;
  std::jthread pruner_;
};

}  // namespace tandem::pipeline
