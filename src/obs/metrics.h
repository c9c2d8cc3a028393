// The metrics registry: one prometheus-cpp Registry per process, owned by the composition root and
// passed to each module, which declares its own families. Served as text by our HTTP server
// (prometheus-cpp's own exposer is not used). Depends on core and prometheus-cpp core.
#pragma once

#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace tandem::obs {

class Metrics {
 public:
  Metrics();

  prometheus::Registry& registry() { return *registry_; }

  // Every family in the Prometheus text exposition format (version 0.0.4).
  std::string serialize() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;  // thread-safe itself
};

}  // namespace tandem::obs
