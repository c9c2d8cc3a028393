// The pipeline's metric families: records accepted and refused, the change-log head, and per
// sink applied seq, retries, dead letters, breaker state and apply durations; the caches' hits,
// misses, evictions and size. Depends on prometheus-cpp core.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace tandem::pipeline {

struct PipelineMetrics {
  explicit PipelineMetrics(prometheus::Registry& registry);

  prometheus::Family<prometheus::Counter>& accepted;      // records stored, by collection
  prometheus::Family<prometheus::Counter>& rejected;      // records refused, by collection
  prometheus::Gauge& head_seq;                            // newest committed change
  prometheus::Family<prometheus::Gauge>& applied_seq;     // per sink: its cursor
  prometheus::Family<prometheus::Gauge>& breaker_open;    // per sink: 1 while open
  prometheus::Family<prometheus::Counter>& retries;       // per sink: failed attempts
  prometheus::Family<prometheus::Counter>& dead_letters;  // per sink: changes dead-lettered
  prometheus::Family<prometheus::Counter>& errors;        // per sink and kind (status code name)
  prometheus::Family<prometheus::Gauge>& lag_records;     // per sink: head - applied
  prometheus::Family<prometheus::Gauge>& lag_seconds;     // per sink: oldest unapplied change's age
  prometheus::Family<prometheus::Histogram>& apply_durations;  // per sink: one batch's apply()
};

// The caches' families, read from CacheBackend::stats() and ReadThrough at every scrape.
struct CacheMetrics {
  explicit CacheMetrics(prometheus::Registry& registry);

  prometheus::Family<prometheus::Counter>& events;  // by cache (records, queries), event (hit...)
  prometheus::Family<prometheus::Gauge>& size;      // by cache, unit (bytes, entries)
  prometheus::Counter& store_loads;                 // store reads made for by-id misses
};

}  // namespace tandem::pipeline
