// Metrics registry, text serialisation, disk space. Depends on prometheus-cpp core.
#include "obs/metrics.h"

#include <prometheus/text_serializer.h>
#include <sys/statvfs.h>

namespace tandem::obs {

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {}

std::string Metrics::serialize() const {
  for (const auto& hook : hooks_)
    hook();
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

prometheus::Histogram::BucketBoundaries latency_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   5.0,  10.0};
}

namespace {
prometheus::Family<prometheus::Gauge>& disk_family(prometheus::Registry& registry) {
  return prometheus::BuildGauge()
      .Name("tandem_data_disk_bytes")
      .Help("The data directory's file system: free (for tandem) and size")
      .Register(registry);
}
}  // namespace

DiskMetrics::DiskMetrics(prometheus::Registry& registry)
    : free(disk_family(registry).Add({{"kind", "free"}})),
      size(disk_family(registry).Add({{"kind", "size"}})) {}

void DiskMetrics::read(const std::string& dir) {
  struct statvfs fs {};
  if (statvfs(dir.c_str(), &fs) != 0) return;
  free.Set(static_cast<double>(fs.f_bavail) * static_cast<double>(fs.f_frsize));
  size.Set(static_cast<double>(fs.f_blocks) * static_cast<double>(fs.f_frsize));
}

}  // namespace tandem::obs
