// Metrics registry and text serialisation. Depends on prometheus-cpp core.
#include "obs/metrics.h"

#include <prometheus/text_serializer.h>

namespace tandem::obs {

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {}

std::string Metrics::serialize() const {
  for (const auto& hook : hooks_)
    hook();
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace tandem::obs
