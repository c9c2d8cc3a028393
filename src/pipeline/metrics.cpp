// Pipeline metric families.
#include "pipeline/metrics.h"

namespace tandem::pipeline {

PipelineMetrics::PipelineMetrics(prometheus::Registry& r)
    : accepted(prometheus::BuildCounter()
                   .Name("tandem_records_accepted_total")
                   .Help("Records stored, by collection")
                   .Register(r)),
      rejected(prometheus::BuildCounter()
                   .Name("tandem_records_rejected_total")
                   .Help("Records refused (validation, conflicts), by collection")
                   .Register(r)),
      head_seq(prometheus::BuildGauge()
                   .Name("tandem_changelog_head_seq")
                   .Help("Sequence number of the newest committed change")
                   .Register(r)
                   .Add({})),
      applied_seq(prometheus::BuildGauge()
                      .Name("tandem_sink_applied_seq")
                      .Help("Newest change applied by each sink; lag = head - applied")
                      .Register(r)),
      breaker_open(prometheus::BuildGauge()
                       .Name("tandem_sink_breaker_open")
                       .Help("1 while a sink's circuit breaker is open")
                       .Register(r)),
      retries(prometheus::BuildCounter()
                  .Name("tandem_sink_retries_total")
                  .Help("Failed apply attempts, by sink")
                  .Register(r)),
      dead_letters(prometheus::BuildCounter()
                       .Name("tandem_sink_dead_letters_total")
                       .Help("Changes sent to the dead letters, by sink")
                       .Register(r)),
      errors(prometheus::BuildCounter()
                 .Name("tandem_sink_errors_total")
                 .Help("Sink failures by kind: a failed apply by its status code (unavailable, "
                       "deadline_exceeded, ...), or rejected for each change refused for good")
                 .Register(r)),
      lag_records(prometheus::BuildGauge()
                      .Name("tandem_sink_lag_records")
                      .Help("Changes committed that a sink has not applied yet")
                      .Register(r)),
      lag_seconds(prometheus::BuildGauge()
                      .Name("tandem_sink_lag_seconds")
                      .Help("Age of the oldest change a sink has not applied yet; 0 when caught up")
                      .Register(r)),
      apply_durations(prometheus::BuildHistogram()
                          .Name("tandem_sink_apply_seconds")
                          .Help("Time a sink took to apply one batch of changes (index and commit, "
                                "or cache writes), by sink")
                          .Register(r)) {}

CacheMetrics::CacheMetrics(prometheus::Registry& r)
    : events(prometheus::BuildCounter()
                 .Name("tandem_cache_events_total")
                 .Help("Cache lookups and evictions: hit, miss, eviction; by cache")
                 .Register(r)),
      size(prometheus::BuildGauge()
               .Name("tandem_cache_size")
               .Help("Cache contents: bytes, entries; by cache")
               .Register(r)),
      store_loads(prometheus::BuildCounter()
                      .Name("tandem_cache_store_loads_total")
                      .Help("Store reads made for by-id cache misses (single flight shares them)")
                      .Register(r)
                      .Add({})) {}

}  // namespace tandem::pipeline
