// The metrics registry: one prometheus-cpp Registry per process, owned by the composition root and
// passed to each module, which declares its own families. Served as text by our HTTP server
// (prometheus-cpp's own exposer is not used). Depends on core and prometheus-cpp core.
#pragma once

#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tandem::obs {

class Metrics {
 public:
  Metrics();

  prometheus::Registry& registry() { return *registry_; }

  // Every family in the Prometheus text exposition format (version 0.0.4). Runs the scrape hooks
  // first, so that values read from elsewhere (cache statistics) are current.
  std::string serialize() const;

  // Adds a hook run before every serialize(). Before the server starts; hooks must be cheap and
  // thread-safe.
  void on_scrape(std::function<void()> hook) { hooks_.push_back(std::move(hook)); }

 private:
  std::shared_ptr<prometheus::Registry> registry_;  // thread-safe itself
  std::vector<std::function<void()>> hooks_;        // set up before serving, then read-only
};

// Buckets of the duration histograms (request and search durations, sink applies): 100 µs to
// 10 s.
prometheus::Histogram::BucketBoundaries latency_buckets();

// tandem_data_disk_bytes{kind="free"|"size"}: the file system of a directory (data.dir).
struct DiskMetrics {
  explicit DiskMetrics(prometheus::Registry& registry);
  // Sets both from statvfs(dir); leaves them as they were when it fails.
  void read(const std::string& dir);

  prometheus::Gauge& free;  // bytes available to an unprivileged process
  prometheus::Gauge& size;
};

}  // namespace tandem::obs
