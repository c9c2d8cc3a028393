// Scheduler metric families.
#include "scheduler/metrics.h"

namespace tandem::scheduler {

JobMetrics::JobMetrics(prometheus::Registry& r)
    : runs(prometheus::BuildCounter()
               .Name("tandem_job_runs_total")
               .Help("Job runs by job and outcome (ok, failed, skipped; elsewhere: another node "
                     "held the lease)")
               .Register(r)),
      durations(prometheus::BuildHistogram()
                    .Name("tandem_job_duration_seconds")
                    .Help("How long job runs took, by job")
                    .Register(r)) {}

}  // namespace tandem::scheduler
