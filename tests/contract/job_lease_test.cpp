// Job leases in a real redis-server: RedisJobLease itself (taken, refused while held, free again
// once expired, safe to resend, an error when Redis is gone), and several JobRunners, each with
// its own store and clock as separate nodes would have, firing one schedule: each fire runs on
// exactly one of them. The runners' clocks are fake and Redis's expiry is real, so the time
// between fires is stood in for by expiring the key (PEXPIRE), after checking the TTL the runner
// asked for.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <thread>

#include "core/clock.h"
#include "net/redis_client.h"
#include "obs/log.h"
#include "scheduler/jobs.h"
#include "scheduler/redis/redis_lease.h"
#include "store/store.h"
#include "support/log_sinks.h"
#include "support/redis_server.h"
#include "support/temp_dir.h"

namespace tandem::scheduler {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<net::Redis> client_of(std::uint16_t port) {
  return std::make_shared<net::RedisClient>(
      net::RedisClientOptions{.server = {.host = "127.0.0.1", .port = port}});
}

TEST(RedisJobLease, OneNodeHoldsItUntilItExpires) {
  testing::RedisServer server;
  RedisJobLease a(client_of(server.port()), "t:", "node-a"),
      b(client_of(server.port()), "t:", "node-b");
  EXPECT_EQ(a.take("generate", 300ms), true);
  EXPECT_EQ(a.take("generate", 300ms), true);  // its own (a resent SET that had taken it)
  EXPECT_EQ(b.take("generate", 300ms), false);
  EXPECT_EQ(b.take("other", 300ms), true);  // a lease per job
  EXPECT_EQ(server.cli({"GET", "t:lease:job:generate"}), "node-a\n");
  auto ttl = std::stoi(server.cli({"PTTL", "t:lease:job:generate"}));
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 300);
  std::this_thread::sleep_for(400ms);  // real expiry, for correctness only
  EXPECT_EQ(b.take("generate", 300ms), true);
  EXPECT_EQ(a.take("generate", 300ms), false);
  EXPECT_EQ(a.where(), "redis 127.0.0.1:" + std::to_string(server.port()));
}

TEST(RedisJobLease, AnUnreachableRedisIsAnError) {
  auto port = testing::free_port();
  RedisJobLease lease(client_of(port), "t:", "node-a");
  auto taken = lease.take("generate", 1s);
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code(), core::StatusCode::kUnavailable);
}

const auto kStart = std::chrono::sys_days{std::chrono::year{2026} / 3 / 1} + 9h;

// One node: its store, clock and runner, and the runs of its copy of the job.
struct Node {
  Node(const std::string& name, std::uint16_t redis_port, std::chrono::seconds offset)
      : clock(kStart + offset) {
    auto s = store::Store::open({.path = dir.file("tandem.db"), .clock = &clock});
    EXPECT_TRUE(s) << s.error().message();
    store = std::move(*s);
    runner = std::make_unique<JobRunner>(*store, clock, log);
    runner->set_lease(std::make_shared<RedisJobLease>(client_of(redis_port), "t:", name));
    auto schedule = Schedule::parse("rate(5 minutes)");
    runner->add({.name = "generate",
                 .schedule = *schedule,
                 .run_at_first_start = true,
                 .run = [this]() -> core::Result<std::string> {
                   ++runs;
                   return std::string("10 records");
                 }});
  }
  ~Node() { runner->stop(); }
  // Waits until no run is under way, then returns the recorded runs.
  std::vector<store::JobRun> settled() {
    for (int i = 0; i < 10000; ++i) {
      auto s = runner->status(100);
      if (s && !s->at(0).running) return s->at(0).recent;
      std::this_thread::sleep_for(1ms);
    }
    ADD_FAILURE() << "a run did not finish";
    return {};
  }

  testing::TempDir dir;
  core::FakeClock clock;
  obs::Logger log{obs::Level::kTrace, obs::Format::kJson,
                  std::make_shared<testing::DiscardingSink>()};
  std::unique_ptr<store::Store> store;
  std::unique_ptr<JobRunner> runner;
  std::atomic<int> runs{0};
};

TEST(JobLease, EachFireRunsOnOneNodeOfMany) {
  testing::RedisServer server;
  // Three nodes started 0, 40 and 130 seconds apart: their fires of the same rate never meet.
  std::vector<std::unique_ptr<Node>> nodes;
  for (int i : {0, 40, 130})
    nodes.push_back(std::make_unique<Node>("node-" + std::to_string(i), server.port(),
                                           std::chrono::seconds(i)));
  auto total = [&] {
    int n = 0;
    for (auto& node : nodes) {
      node->settled();
      n += node->runs;
    }
    return n;
  };
  for (auto& node : nodes) {
    node->runner->start();  // each a new data dir: each would run at first start
    node->settled();
  }
  EXPECT_EQ(total(), 1);
  EXPECT_EQ(nodes[0]->runs, 1);  // the first to start took the lease
  // The lease lasts 9/10 of the time to the next fire: 4.5 minutes.
  auto ttl = std::stoi(server.cli({"PTTL", "t:lease:job:generate"}));
  EXPECT_GT(ttl, 260000);
  EXPECT_LE(ttl, 270000);
  for (int period = 1; period <= 4; ++period) {
    server.cli({"PEXPIRE", "t:lease:job:generate", "1"});  // the 4.5 minutes have passed
    std::this_thread::sleep_for(5ms);
    for (auto& node : nodes) {  // every node fires this period, one after the other
      node->clock.advance(5min);
      node->runner->tick();
      node->settled();
    }
    EXPECT_EQ(total(), 1 + period) << "period " << period;
  }
  // The nodes that did not run record nothing: the run is recorded where it ran.
  std::size_t recorded = 0;
  for (auto& node : nodes)
    recorded += node->settled().size();
  EXPECT_EQ(recorded, 5u);
}

TEST(JobLease, WithoutRedisNoNodeRunsAndEachRecordsTheSkip) {
  testing::RedisServer server;
  Node node("node-a", server.port(), 0s);
  ASSERT_EQ(::kill(server.pid(), SIGSTOP), 0);  // frozen: every call ends at its deadline
  node.runner->start();
  auto runs = node.settled();
  EXPECT_EQ(node.runs, 0);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].outcome, "skipped");
  EXPECT_NE(runs[0].message.find("the lease could not be taken (redis 127.0.0.1:"),
            std::string::npos)
      << runs[0].message;
  // Manual runs do not ask for the lease.
  ASSERT_TRUE(node.runner->run_now("generate").is_ok());
  node.settled();
  EXPECT_EQ(node.runs, 1);
  ::kill(server.pid(), SIGCONT);
}

}  // namespace
}  // namespace tandem::scheduler
