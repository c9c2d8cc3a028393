// Unit tests for scheduler::JobRunner with a FakeClock: fire times (no drift, no bursts after a
// late timer), first-start runs, manual runs and overlaps, recorded outcomes and status(). The
// runner is started (that computes the first fire times) and then driven with tick(); the timer
// thread may tick too, which is harmless because tick() is idempotent for a given clock reading.
// Runs are held open with a Gate, so "a run is under way" is a fact, not a race.
#include "scheduler/jobs.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "obs/log.h"
#include "store/store.h"
#include "support/log_sinks.h"
#include "support/temp_dir.h"

namespace tandem::scheduler {
namespace {

using namespace std::chrono_literals;
using core::StatusCode;
using std::chrono::system_clock;

const auto kStart = std::chrono::sys_days{std::chrono::year{2026} / 3 / 1} + 9h;

std::int64_t ms_of(system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Holds job runs open until opened, and lets the test wait until a run has begun.
class Gate {
 public:
  // Called by the job: counts the entry, then blocks until open().
  void enter_and_wait() {
    std::unique_lock lock(mutex_);
    ++entered_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
  }
  // True once `n` runs have entered (false after a generous timeout, which fails the test).
  bool wait_entered(int n) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, 10s, [&] { return entered_ >= n; });
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int entered_ = 0;
  bool open_ = false;
};

class JobRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    open_store();
    runner_ = std::make_unique<JobRunner>(*store_, clock_, log_);
  }

  void TearDown() override {
    if (runner_) runner_->stop();
  }

  void open_store() {
    auto s = store::Store::open({.path = dir_.file("tandem.db"), .clock = &clock_});
    ASSERT_TRUE(s) << s.error().message();
    store_ = std::move(*s);
  }

  static JobSpec job(std::string name, std::string_view schedule, JobFunction run,
                     bool first_start = false) {
    auto parsed = Schedule::parse(schedule);
    EXPECT_TRUE(parsed) << parsed.error().message();
    return JobSpec{.name = std::move(name),
                   .schedule = parsed.value(),
                   .run_at_first_start = first_start,
                   .run = std::move(run)};
  }

  // A job function that counts its runs and reports "run <n>".
  JobFunction counting() {
    return
        [this]() -> core::Result<std::string> { return "run " + std::to_string(++runs_started_); };
  }

  std::vector<store::JobRun> runs(const std::string& name) {
    auto r = store_->job_runs(name, 100);
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : std::vector<store::JobRun>{};
  }

  std::optional<JobStatus> status_of(const std::string& name) {
    auto all = runner_->status(10);
    EXPECT_TRUE(all) << all.error().message();
    for (auto& s : all ? *all : std::vector<JobStatus>{}) {
      if (s.name == name) return s;
    }
    ADD_FAILURE() << "no job " << name;
    return std::nullopt;
  }

  // Waits (for correctness only) until `name` has `n` recorded runs and no run under way.
  std::vector<store::JobRun> settle(const std::string& name, std::size_t n) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto s = status_of(name);
      if (s && !s->running && s->recent.size() >= n) return runs(name);
      std::this_thread::sleep_for(1ms);
    }
    ADD_FAILURE() << name << ": " << n << " runs were not recorded";
    return runs(name);
  }

  // True when no run of `name` is under way or recorded right after a tick(): launch() marks a
  // run as running synchronously, so this proves that tick() did not start one.
  bool idle_without_runs(const std::string& name) {
    auto s = status_of(name);
    return s && !s->running && s->recent.empty();
  }

  testing::TempDir dir_;
  core::FakeClock clock_{kStart};
  obs::Logger log_{obs::Level::kTrace, obs::Format::kJson,
                   std::make_shared<testing::DiscardingSink>()};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<JobRunner> runner_;
  std::atomic<int> runs_started_{0};
};

TEST_F(JobRunnerTest, RateJobFiresWhenDueAndTheNextFireDoesNotDrift) {
  runner_->add(job("every5", "rate(5 minutes)", counting()));
  runner_->start();
  EXPECT_EQ(status_of("every5")->next_run, kStart + 5min);

  clock_.advance(4min + 59s);
  runner_->tick();
  EXPECT_TRUE(idle_without_runs("every5"));
  EXPECT_EQ(status_of("every5")->next_run, kStart + 5min);

  clock_.advance(1min + 30s);  // 6:29 after the start, 1:29 late
  runner_->tick();
  auto recorded = settle("every5", 1);
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].outcome, "ok");
  EXPECT_EQ(recorded[0].message, "run 1");
  EXPECT_EQ(runs_started_.load(), 1);
  // Counted from the previous fire time, not from when the tick happened.
  EXPECT_EQ(status_of("every5")->next_run, kStart + 10min);

  runner_->tick();  // same instant: nothing more is due
  EXPECT_FALSE(status_of("every5")->running);
  EXPECT_EQ(runs("every5").size(), 1u);

  clock_.advance(3min + 31s);  // exactly 10:00
  runner_->tick();
  EXPECT_EQ(settle("every5", 2).size(), 2u);
  EXPECT_EQ(status_of("every5")->next_run, kStart + 15min);
  EXPECT_EQ(runs_started_.load(), 2);
}

TEST_F(JobRunnerTest, ALateTickFiresOnceAndSkipsToTheNextFutureTime) {
  runner_->add(job("every5", "rate(5 minutes)", counting()));
  runner_->start();
  clock_.advance(17min);  // 5, 10 and 15 have all passed
  runner_->tick();
  EXPECT_EQ(settle("every5", 1).size(), 1u);
  runner_->tick();
  EXPECT_FALSE(status_of("every5")->running);
  EXPECT_EQ(runs("every5").size(), 1u) << "a late timer must not fire a burst";
  EXPECT_EQ(runs_started_.load(), 1);
  EXPECT_EQ(status_of("every5")->next_run, kStart + 20min);
}

TEST_F(JobRunnerTest, CronJobFiresAtItsNextMatchingMinute) {
  runner_->add(job("noon", "cron(0 12 * * ? *)", counting()));
  runner_->start();
  EXPECT_EQ(status_of("noon")->next_run, kStart + 3h);  // kStart is 09:00 UTC
  clock_.advance(3h - 1s);
  runner_->tick();
  EXPECT_TRUE(idle_without_runs("noon"));
  clock_.advance(1s);
  runner_->tick();
  EXPECT_EQ(settle("noon", 1).size(), 1u);
  EXPECT_EQ(status_of("noon")->next_run, kStart + 27h);
}

TEST_F(JobRunnerTest, AScheduleThatNeverFiresAgainHasNoNextRun) {
  runner_->add(job("past", "cron(0 12 * * ? 2020)", counting()));
  runner_->start();
  EXPECT_FALSE(status_of("past")->next_run.has_value());
  clock_.advance(24h * 400);
  runner_->tick();
  EXPECT_TRUE(idle_without_runs("past"));
}

TEST_F(JobRunnerTest, RunAtFirstStartRunsOnceOnANewStore) {
  runner_->add(job("seed", "rate(1 day)", counting(), /*first_start=*/true));
  runner_->add(job("plain", "rate(1 day)", counting()));
  runner_->start();
  auto recorded = settle("seed", 1);
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].outcome, "ok");
  EXPECT_TRUE(idle_without_runs("plain"));
  runner_->stop();

  // Restarted on the same store: the job has a recorded run, so it does not run at start.
  runner_ = std::make_unique<JobRunner>(*store_, clock_, log_);
  runner_->add(job("seed", "rate(1 day)", counting(), /*first_start=*/true));
  runner_->start();
  EXPECT_FALSE(status_of("seed")->running);
  EXPECT_EQ(runs("seed").size(), 1u);
  EXPECT_EQ(runs_started_.load(), 1);
}

TEST_F(JobRunnerTest, RunAtFirstStartDoesNotRunWhenTheStoreHasARun) {
  ASSERT_TRUE(store_->add_job_run({.job = "seed", .outcome = "ok", .message = "earlier"}).is_ok());
  runner_->add(job("seed", "rate(1 day)", counting(), /*first_start=*/true));
  runner_->start();
  EXPECT_FALSE(status_of("seed")->running);
  auto recorded = runs("seed");
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].message, "earlier");
  EXPECT_EQ(runs_started_.load(), 0);
}

TEST_F(JobRunnerTest, RunNowOfAnUnknownJobIsNotFound) {
  runner_->add(job("known", "rate(1 day)", counting()));
  runner_->start();
  auto st = runner_->run_now("unknown");
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_NE(st.message().find("unknown"), std::string::npos) << st.message();
  EXPECT_TRUE(idle_without_runs("known"));
}

// run_here runs on the calling thread and returns the outcome, recorded like any run: what a
// Lambda invocation needs (the process is frozen once it answers). Refused like run_now.
TEST_F(JobRunnerTest, RunHereRunsOnTheCallingThreadAndReturnsTheOutcome) {
  Gate gate;
  auto caller = std::this_thread::get_id();
  std::thread::id ran_on;
  runner_->add(job("here", "rate(1 day)", [&]() -> core::Result<std::string> {
    ran_on = std::this_thread::get_id();
    return std::string("10 records");
  }));
  runner_->add(job("bad", "rate(1 day)", []() -> core::Result<std::string> {
    return core::fail(core::unavailable("disk gone"));
  }));
  runner_->add(job("slow", "rate(1 day)", [&]() -> core::Result<std::string> {
    gate.enter_and_wait();
    return std::string("done");
  }));
  EXPECT_EQ(runner_->names(), (std::vector<std::string>{"bad", "here", "slow"}));
  auto ok = runner_->run_here("here", "invocation");
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(*ok, "10 records");
  EXPECT_EQ(ran_on, caller);
  auto recorded = runs("here");
  ASSERT_EQ(recorded.size(), 1u);  // recorded before run_here returned
  EXPECT_EQ(recorded[0].outcome, "ok");
  auto bad = runner_->run_here("bad", "invocation");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "disk gone");
  EXPECT_EQ(runs("bad").at(0).outcome, "failed");
  EXPECT_EQ(runner_->run_here("nope", "invocation").error().code(), StatusCode::kNotFound);
  ASSERT_TRUE(runner_->run_now("slow").is_ok());
  ASSERT_TRUE(gate.wait_entered(1));
  EXPECT_EQ(runner_->run_here("slow", "invocation").error().code(),
            StatusCode::kFailedPrecondition);
  gate.open();
  runner_->stop();  // the run on the runner's thread still reads `gate`, a local
}

TEST_F(JobRunnerTest, OverlappingRunsAreRefusedOrSkipped) {
  Gate gate;
  runner_->add(job("slow", "rate(5 minutes)", [&]() -> core::Result<std::string> {
    gate.enter_and_wait();
    return std::string("finished");
  }));
  runner_->start();
  ASSERT_TRUE(runner_->run_now("slow").is_ok());
  ASSERT_TRUE(gate.wait_entered(1));
  EXPECT_TRUE(status_of("slow")->running);

  auto again = runner_->run_now("slow");
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(again.message().find("already running"), std::string::npos) << again.message();

  auto before = runs("slow").size();
  clock_.advance(5min);
  runner_->tick();
  auto during = runs("slow");
  ASSERT_EQ(during.size(), before + 1);
  EXPECT_EQ(during[0].outcome, "skipped");
  EXPECT_EQ(during[0].message, "the previous run was still going");
  EXPECT_EQ(during[0].started_at_ms, ms_of(kStart + 5min));
  EXPECT_EQ(status_of("slow")->next_run, kStart + 10min);

  gate.open();
  auto after = settle("slow", during.size() + 1);
  ASSERT_EQ(after.size(), during.size() + 1);
  EXPECT_EQ(after[0].outcome, "ok");
  EXPECT_EQ(after[0].message, "finished");
  EXPECT_EQ(after[0].started_at_ms, ms_of(kStart));
  for (std::size_t i = 1; i < after.size(); ++i)
    EXPECT_EQ(after[i].outcome, "skipped");

  EXPECT_TRUE(runner_->run_now("slow").is_ok());  // nothing under way any more
  EXPECT_EQ(settle("slow", after.size() + 1)[0].outcome, "ok");
}

TEST_F(JobRunnerTest, EveryRunIsRecordedWithItsOutcomeAndMessage) {
  runner_->add(job("good", "rate(1 day)", [] { return core::Result<std::string>("10 records"); }));
  runner_->add(job("bad", "rate(1 day)", []() -> core::Result<std::string> {
    return core::fail(core::unavailable("disk gone"));
  }));
  runner_->add(job("throws", "rate(1 day)",
                   []() -> core::Result<std::string> { throw std::runtime_error("boom"); }));
  runner_->start();
  clock_.advance(90s);
  for (const char* name : {"good", "bad", "throws"}) {
    ASSERT_TRUE(runner_->run_now(name).is_ok()) << name;
  }

  auto good = settle("good", 1);
  ASSERT_EQ(good.size(), 1u);
  EXPECT_EQ(good[0].job, "good");
  EXPECT_EQ(good[0].outcome, "ok");
  EXPECT_EQ(good[0].message, "10 records");
  EXPECT_EQ(good[0].started_at_ms, ms_of(kStart + 90s));
  EXPECT_GE(good[0].duration_ms, 0.0);

  auto bad = settle("bad", 1);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].outcome, "failed");
  EXPECT_EQ(bad[0].message, "disk gone");

  auto thrown = settle("throws", 1);
  ASSERT_EQ(thrown.size(), 1u);
  EXPECT_EQ(thrown[0].outcome, "failed");
  EXPECT_EQ(thrown[0].message, "job threw an exception: boom");  // what it said is kept
}

TEST_F(JobRunnerTest, StatusShowsScheduleRunningNextRunAndRecentRunsNewestFirst) {
  Gate gate;
  runner_->add(job("every5", "rate(5 minutes)", counting()));
  runner_->add(job("held", "cron(30 9 * * ? *)", [&]() -> core::Result<std::string> {
    gate.enter_and_wait();
    return std::string("held run");
  }));
  runner_->start();
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(runner_->run_now("every5").is_ok());
    settle("every5", static_cast<std::size_t>(i));
  }
  ASSERT_TRUE(runner_->run_now("held").is_ok());
  ASSERT_TRUE(gate.wait_entered(1));

  auto status = runner_->status(2);
  ASSERT_TRUE(status) << status.error().message();
  const auto& all = *status;
  ASSERT_EQ(all.size(), 2u);
  const auto& every5 = all[0];  // by name
  EXPECT_EQ(every5.name, "every5");
  EXPECT_EQ(every5.schedule, "rate(5 minutes)");
  EXPECT_FALSE(every5.running);
  EXPECT_EQ(every5.next_run, kStart + 5min);
  ASSERT_EQ(every5.recent.size(), 2u);
  EXPECT_EQ(every5.recent[0].message, "run 3");
  EXPECT_EQ(every5.recent[1].message, "run 2");
  const auto& held = all[1];
  EXPECT_EQ(held.name, "held");
  EXPECT_EQ(held.schedule, "cron(30 9 * * ? *)");
  EXPECT_TRUE(held.running);
  EXPECT_EQ(held.next_run, kStart + 30min);
  EXPECT_TRUE(held.recent.empty());

  gate.open();
  auto done = settle("held", 1);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].message, "held run");
  EXPECT_FALSE(status_of("held")->running);
}

// stop() promises to wait for runs under way. It must return once the run finishes.
TEST_F(JobRunnerTest, StopWaitsForARunUnderWayAndReturns) {
  Gate gate;
  runner_->add(job("slow", "rate(1 day)", [&]() -> core::Result<std::string> {
    gate.enter_and_wait();
    return std::string("finished");
  }));
  runner_->start();
  ASSERT_TRUE(runner_->run_now("slow").is_ok());
  ASSERT_TRUE(gate.wait_entered(1));

  std::promise<void> stopped;
  auto stopped_future = stopped.get_future();
  std::thread stopper([&] {
    runner_->stop();
    stopped.set_value();
  });
  // Give stop() time to reach the join of the running worker before the run ends: this is the
  // ordering that matters. A slower machine can only make the test pass, never fail.
  std::this_thread::sleep_for(100ms);
  gate.open();
  if (stopped_future.wait_for(5s) != std::future_status::ready) {
    // stop() is stuck: the runner, its threads and what they reference must outlive the test.
    stopper.detach();
    (void)runner_.release();
    (void)store_.release();
    FAIL() << "JobRunner::stop() did not return after the run under way finished (deadlock)";
  }
  stopper.join();
  auto recorded = runs("slow");
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].message, "finished");
}

}  // namespace
}  // namespace tandem::scheduler
