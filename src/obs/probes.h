// Backend probes: each backend (store, search, cache) is checked on a thread of its own every
// interval, so that /ready, /health and tandem_backend_up answer at once from the last result,
// and a backend that hangs is reported as down rather than hanging them. Depends on core and
// prometheus-cpp core.
#pragma once

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace tandem::obs {

struct ProbeResult {
  std::string role;     // "store", "search", "cache"
  std::string backend;  // "sqlite", "xapian", "opensearch", "memory", "redis"
  bool up = false;
  double latency_ms = 0;  // of the last check
  std::string error;      // why it is down
};

class Probes {
 public:
  // tandem_backend_up and tandem_backend_check_seconds, by role and backend.
  Probes(prometheus::Registry& registry, const core::Clock& clock,
         std::chrono::milliseconds interval);
  ~Probes();  // stop()

  // Before start(). `check` must end within its own deadline (the backend's timeout).
  void add(std::string role, std::string backend, std::function<core::Status()> check);

  // Checks every backend once, in order, on the caller's thread.
  void check_all();
  // Checks every interval on a thread of its own (the first time after one interval: call
  // check_all() first).
  void start();
  void stop();

  // The last results, also set as the gauges' values. A check under way for longer than the
  // interval counts as down.
  std::vector<ProbeResult> results() const;

 private:
  struct Probe {
    ProbeResult last;
    std::function<core::Status()> check;
    prometheus::Gauge* up;
    prometheus::Gauge* seconds;
    bool running = false;
    bool checked = false;
    std::chrono::steady_clock::time_point started;
  };
  void check_one(std::size_t i);

  const core::Clock& clock_;
  const std::chrono::milliseconds interval_;
  prometheus::Family<prometheus::Gauge>& up_;
  prometheus::Family<prometheus::Gauge>& seconds_;
  mutable std::mutex mutex_;  // guards probes_' results
  std::vector<Probe> probes_;
  std::condition_variable_any cv_;
  std::jthread thread_;
};

}  // namespace tandem::obs
