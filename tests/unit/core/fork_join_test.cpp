#include "core/fork_join.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>

namespace tandem::core {
namespace {

TEST(ForkJoin, RunsEveryPartOnceWhateverThePoolSize) {
  for (std::size_t threads : {0u, 1u, 3u}) {
    ForkJoin pool(threads);
    for (std::size_t n = 0; n <= 8; ++n) {
      std::vector<std::atomic<int>> calls(n);
      pool.run(n, [&](std::size_t i) { calls[i].fetch_add(1); });
      for (std::size_t i = 0; i < n; ++i)
        EXPECT_EQ(calls[i].load(), 1) << "threads " << threads << " n " << n << " part " << i;
    }
  }
}

// Part 0 waits for part 1 to start: that only ends if part 1 runs on another thread meanwhile.
TEST(ForkJoin, PartsRunAtTheSameTime) {
  ForkJoin pool(1);
  std::promise<void> started;
  auto signal = started.get_future();
  bool overlapped = false;
  pool.run(2, [&](std::size_t i) {
    if (i == 1) {
      started.set_value();
    } else {
      overlapped = signal.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
    }
  });
  EXPECT_TRUE(overlapped);
}

// With every thread of the pool busy, a caller runs all its parts itself, without waiting.
TEST(ForkJoin, ABusyPoolLeavesTheWorkToTheCaller) {
  ForkJoin pool(1);
  std::promise<void> busy, release;
  auto is_busy = busy.get_future().share();
  auto released = release.get_future().share();
  std::thread a([&] {
    pool.run(2, [&](std::size_t i) {
      if (i == 0) {
        is_busy.wait();  // so part 1 cannot run on this thread: it runs on the pool's
      } else {
        busy.set_value();
        released.wait();  // and keeps the pool's only thread until released
      }
    });
  });
  is_busy.wait();
  std::vector<std::thread::id> ran(2);
  pool.run(2, [&](std::size_t i) { ran[i] = std::this_thread::get_id(); });  // returns meanwhile
  EXPECT_EQ(ran[0], std::this_thread::get_id());
  EXPECT_EQ(ran[1], std::this_thread::get_id());
  release.set_value();
  a.join();
}

TEST(ForkJoin, RethrowsAPartsExceptionAfterAllHaveEnded) {
  ForkJoin pool(2);
  std::atomic<int> ended{0};
  EXPECT_THROW(pool.run(3,
                        [&](std::size_t i) {
                          if (i == 1) throw std::runtime_error("part 1");
                          std::this_thread::sleep_for(std::chrono::milliseconds(20));
                          ended.fetch_add(1);
                        }),
               std::runtime_error);
  EXPECT_EQ(ended.load(), 2);
  pool.run(2, [&](std::size_t) { ended.fetch_add(1); });  // still usable
  EXPECT_EQ(ended.load(), 4);
}

TEST(ForkJoin, ManyCallersAtOnce) {
  ForkJoin pool(2);
  std::atomic<long> total{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&] {
      for (int r = 0; r < 500; ++r)
        pool.run(3, [&](std::size_t i) { total.fetch_add(static_cast<long>(i) + 1); });
    });
  }
  for (auto& t : callers)
    t.join();
  EXPECT_EQ(total.load(), 4L * 500 * (1 + 2 + 3));
}

}  // namespace
}  // namespace tandem::core
