// The scheduler's metric families: job runs by outcome and their durations. Depends on
// prometheus-cpp core.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace tandem::scheduler {

struct JobMetrics {
  explicit JobMetrics(prometheus::Registry& registry);

  prometheus::Family<prometheus::Counter>& runs;         // by job, outcome (ok, failed, skipped)
  prometheus::Family<prometheus::Histogram>& durations;  // seconds, by job
};

}  // namespace tandem::scheduler
