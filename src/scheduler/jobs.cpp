// The job runner. Depends on core, obs, store, scheduler/schedule.
#include "scheduler/jobs.h"

namespace tandem::scheduler {
namespace {

std::int64_t to_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

JobRunner::JobRunner(store::JobRunStore& store, const core::Clock& clock, const obs::Logger& log,
                     JobMetrics* metrics)
    : store_(store), clock_(clock), log_(log), metrics_(metrics) {}

JobRunner::~JobRunner() {
  stop();
}

void JobRunner::add(JobSpec spec) {
  std::lock_guard lock(mutex_);
  auto name = spec.name;
  if (metrics_ != nullptr) {  // every outcome's series from the start, at 0, for alert rules
    for (const char* outcome : {"ok", "failed", "skipped", "elsewhere"})
      metrics_->runs.Add({{"job", name}, {"outcome", outcome}});
  }
  jobs_[name] = std::make_unique<Job>(Job{.spec = std::move(spec)});
}

void JobRunner::start() {
  std::lock_guard lock(mutex_);
  auto now = clock_.now();
  for (auto& [name, job] : jobs_) {
    job->next = job->spec.schedule.next_after(now);
    if (!job->spec.run_at_first_start) continue;
    auto runs = store_.job_runs(name, 1);
    if (runs && runs->empty()) launch(*job, "first start", false);
  }
  timer_ = std::jthread([this](std::stop_token stop) { timer_loop(stop); });
}

void JobRunner::stop() {
  if (timer_.joinable()) {
    timer_.request_stop();
    wake_.notify_all();
    timer_.join();
  }
  // Join outside the lock: a finishing run takes mutex_ to clear its running flag.
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& [name, job] : jobs_) {
      if (job->worker.joinable()) workers.push_back(std::move(job->worker));
    }
  }
  for (auto& w : workers)
    w.join();
}

core::Status JobRunner::run_now(std::string_view name) {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(name);
  if (it == jobs_.end()) return core::not_found("no job named '" + std::string(name) + "'");
  if (stopping_) return core::unavailable("the job runner is stopping");
  if (!launch(*it->second, "manual", false)) {
    return {core::StatusCode::kFailedPrecondition,
            "job '" + std::string(name) + "' is already running"};
  }
  return {};
}

core::Result<std::string> JobRunner::run_here(std::string_view name, std::string_view trigger) {
  Job* job = nullptr;
  {
    std::lock_guard lock(mutex_);
    auto it = jobs_.find(name);
    if (it == jobs_.end())
      return core::fail(core::not_found("no job named '" + std::string(name) + "'"));
    if (stopping_) return core::fail(core::unavailable("the job runner is stopping"));
    if (it->second->running) {
      return core::fail(core::Status(core::StatusCode::kFailedPrecondition,
                                     "job '" + std::string(name) + "' is already running"));
    }
    job = it->second.get();
    job->running = true;
  }
  return execute(*job, std::string(trigger));
}

std::vector<std::string> JobRunner::names() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [name, job] : jobs_)
    out.push_back(name);
  return out;
}

void JobRunner::tick() {
  std::lock_guard lock(mutex_);
  auto now = clock_.now();
  for (auto& [name, job] : jobs_) {
    if (!job->next || *job->next > now) continue;
    launch(*job, "schedule", true);
    // A rate counts from its previous fire time, so runs do not drift; a late timer catches up
    // to the next time in the future instead of firing a burst.
    auto next = job->spec.schedule.next_after(*job->next);
    while (next && *next <= now)
      next = job->spec.schedule.next_after(*next);
    job->next = next;
  }
}

bool JobRunner::launch(Job& job, std::string_view trigger, bool record_skip) {
  if (stopping_) return false;
  if (job.running) {
    if (!record_skip) return false;
    auto now = clock_.now();
    if (metrics_ != nullptr)
      metrics_->runs.Add({{"job", job.spec.name}, {"outcome", "skipped"}}).Increment();
    auto st = store_.add_job_run(store::JobRun{.job = job.spec.name,
                                               .started_at_ms = to_ms(now),
                                               .outcome = "skipped",
                                               .message = "the previous run was still going"});
    TANDEM_LOG(log_, obs::Level::kWarn, "job run skipped", {"job", job.spec.name},
               {"trigger", trigger}, {"recorded", st.is_ok()}, {"error", st.message()});
    return false;
  }
  if (job.worker.joinable()) job.worker.join();  // the last run has finished
  job.running = true;
  job.worker = std::thread([this, &job, t = std::string(trigger)] { (void)execute(job, t); });
  return true;
}

std::optional<core::Result<std::string>> JobRunner::leased_elsewhere(Job& job,
                                                                     std::string_view trigger) {
  if (!lease_ || (trigger != "schedule" && trigger != "first start")) return std::nullopt;
  // Held for most of the time until the next fire, so that the next one is free for whichever
  // node fires first.
  auto now = clock_.now();
  auto next = job.spec.schedule.next_after(now);
  auto until = std::chrono::duration_cast<std::chrono::milliseconds>(
      next ? (*next - now) * 9 / 10 : std::chrono::system_clock::duration(std::chrono::hours(24)));
  auto taken = lease_->take(job.spec.name, std::max(until, std::chrono::milliseconds(1000)));
  if (taken && *taken) return std::nullopt;
  if (taken) {  // another node runs this fire
    if (metrics_ != nullptr)
      metrics_->runs.Add({{"job", job.spec.name}, {"outcome", "elsewhere"}}).Increment();
    TANDEM_LOG(log_, obs::Level::kDebug, "job fire left to the node holding its lease",
               {"job", job.spec.name}, {"trigger", trigger});
    return core::Result<std::string>("run by another node");
  }
  if (metrics_ != nullptr)
    metrics_->runs.Add({{"job", job.spec.name}, {"outcome", "skipped"}}).Increment();
  std::string message =
      "the lease could not be taken (" + lease_->where() + "): " + taken.error().message();
  auto st = store_.add_job_run(store::JobRun{
      .job = job.spec.name, .started_at_ms = to_ms(now), .outcome = "skipped", .message = message});
  TANDEM_LOG(log_, obs::Level::kWarn, "job run skipped", {"job", job.spec.name},
             {"trigger", trigger}, {"reason", message}, {"recorded", st.is_ok()});
  return core::fail(core::unavailable(message));
}

core::Result<std::string> JobRunner::execute(Job& job, std::string trigger) {
  if (auto elsewhere = leased_elsewhere(job, trigger)) {
    std::lock_guard lock(mutex_);
    job.running = false;
    return *elsewhere;
  }
  auto started = clock_.now();
  auto steady = clock_.steady_now();
  core::Result<std::string> outcome = core::fail(core::internal_error("job threw an exception"));
  try {
    outcome = job.spec.run();
  } catch (const std::exception& e) {
    outcome = core::fail(core::internal_error(std::string("job threw an exception: ") + e.what()));
  } catch (...) {  // the default outcome says so
  }
  std::chrono::duration<double, std::milli> took = clock_.steady_now() - steady;
  store::JobRun run{.job = job.spec.name,
                    .started_at_ms = to_ms(started),
                    .duration_ms = took.count(),
                    .outcome = outcome ? "ok" : "failed",
                    .message = outcome ? *outcome : outcome.error().message()};
  if (metrics_ != nullptr) {
    metrics_->runs.Add({{"job", run.job}, {"outcome", run.outcome}}).Increment();
    metrics_->durations
        .Add({{"job", run.job}}, prometheus::Histogram::BucketBoundaries{0.001, 0.005, 0.01, 0.05,
                                                                         0.1, 0.5, 1, 5, 30, 300})
        .Observe(run.duration_ms / 1000.0);
  }
  if (auto st = store_.add_job_run(run); !st.is_ok()) {
    TANDEM_LOG(log_, obs::Level::kError, "cannot record job run", {"job", job.spec.name},
               {"error", st.message()});
  }
  TANDEM_LOG(log_, outcome ? obs::Level::kInfo : obs::Level::kError, "job run",
             {"job", job.spec.name}, {"trigger", trigger}, {"outcome", run.outcome},
             {"duration_ms", run.duration_ms}, {"message", run.message});
  std::lock_guard lock(mutex_);
  job.running = false;
  return outcome;
}

void JobRunner::timer_loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    tick();
    std::unique_lock lock(mutex_);
    auto earliest = std::chrono::system_clock::time_point::max();
    for (auto& [name, job] : jobs_) {
      if (job->next && *job->next < earliest) earliest = *job->next;
    }
    // Sleep until the earliest fire time by the service clock, re-checking at least every
    // second so that a clock that jumps is noticed.
    std::chrono::system_clock::duration wait = std::chrono::seconds(1);
    auto now = clock_.now();
    if (earliest != std::chrono::system_clock::time_point::max() && earliest - now < wait) {
      wait = earliest - now;
    }
    wake_.wait_for(lock, stop, std::max(wait, std::chrono::system_clock::duration::zero()),
                   [] { return false; });
  }
}

core::Result<std::vector<JobStatus>> JobRunner::status(std::size_t recent_runs) {
  std::vector<JobStatus> out;
  std::lock_guard lock(mutex_);
  for (auto& [name, job] : jobs_) {
    JobStatus s{.name = name,
                .schedule = job->spec.schedule.expression(),
                .running = job->running,
                .next_run = job->next};
    auto runs = store_.job_runs(name, recent_runs);
    if (!runs) return core::fail(runs.error());
    s.recent = std::move(*runs);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace tandem::scheduler
