// JobRunner: runs named jobs on EventBridge schedules, one run at a time per job (a run that
// would overlap is skipped and recorded as such), with a JobLease on one node of several, and
// keeps every run's start, duration and outcome in the store. Depends on core, obs, store,
// scheduler/schedule, scheduler/lease.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "obs/log.h"
#include "scheduler/lease.h"
#include "scheduler/metrics.h"
#include "scheduler/schedule.h"
#include "store/state.h"

namespace tandem::scheduler {

// A job's work: returns a one-line summary ("10 records") or the error.
using JobFunction = std::function<core::Result<std::string>()>;

struct JobSpec {
  std::string name;                 // unique, used in URLs: /v1/jobs/{name}/run
  Schedule schedule;                // when it fires
  bool run_at_first_start = false;  // run at start() when the store has no run of it yet
  JobFunction run;                  // the work
};

struct JobStatus {
  std::string name;
  std::string schedule;                                           // the expression
  bool running = false;                                           // a run is under way
  std::optional<std::chrono::system_clock::time_point> next_run;  // nullopt: never again
  std::vector<store::JobRun> recent;                              // newest first
};

class JobRunner {
 public:
  // `metrics` may be null; with them, runs are counted by job and outcome, with their durations.
  JobRunner(store::JobRunStore& store, const core::Clock& clock, const obs::Logger& log,
            JobMetrics* metrics = nullptr);
  ~JobRunner();  // stop()

  void add(JobSpec spec);  // before start()
  // Several nodes firing the same jobs: each scheduled or first-start fire runs only where the
  // lease is taken (manual runs always run). Before start(); null: every fire runs here.
  void set_lease(std::shared_ptr<JobLease> lease) { lease_ = std::move(lease); }

  // Computes the first fire times, starts first-start runs and the timer thread.
  void start();
  // Stops the timer and waits for runs under way to finish.
  void stop();

  // Starts a run now on its own thread. kNotFound for an unknown job; kFailedPrecondition
  // when a run is already under way (overlaps are never stacked).
  core::Status run_now(std::string_view name);

  // Runs the job on the calling thread, recorded like any run, and returns its outcome (on AWS
  // Lambda, which freezes the process once an invocation is answered). Refused as run_now()
  // refuses.
  core::Result<std::string> run_here(std::string_view name, std::string_view trigger);
  // Every job's name, in name order.
  std::vector<std::string> names() const;

  // Fires every job whose next run is due at clock.now(). The timer thread calls it; tests with a
  // FakeClock call it directly.
  void tick();

  // Every job with its `recent_runs` latest runs. The store's error when the runs cannot be read.
  core::Result<std::vector<JobStatus>> status(std::size_t recent_runs);

 private:
  struct Job {
    JobSpec spec;
    std::optional<std::chrono::system_clock::time_point> next;  // next fire time
    bool running = false;                                       // guarded by mutex_
    std::thread worker;                                         // the current or last run
  };

  // Starts a run of `job` unless one is under way or the runner is stopping; a refused scheduled
  // fire is recorded as a skipped run. Caller holds mutex_.
  bool launch(Job& job, std::string_view trigger, bool record_skip);
  // Runs `job` (marked running by the caller), records the run, and clears the mark; a fire
  // whose lease another node holds is not run.
  core::Result<std::string> execute(Job& job, std::string trigger);
  // With a lease, for a scheduled or first-start fire: nullopt when this node took it (the fire
  // runs here), else what execute() returns instead (the lease held elsewhere, or unreachable:
  // recorded as skipped).
  std::optional<core::Result<std::string>> leased_elsewhere(Job& job, std::string_view trigger);
  void timer_loop(std::stop_token stop);

  store::JobRunStore& store_;
  const core::Clock& clock_;
  const obs::Logger& log_;
  std::shared_ptr<JobLease> lease_;
  mutable std::mutex mutex_;          // guards jobs_ state
  std::condition_variable_any wake_;  // timer wake-ups
  std::map<std::string, std::unique_ptr<Job>, std::less<>> jobs_;
  JobMetrics* metrics_;    // optional
  bool stopping_ = false;  // stop() began: no new runs (mutex_)
  std::jthread timer_;     // runs timer_loop
};

}  // namespace tandem::scheduler
