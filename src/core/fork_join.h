// ForkJoin: runs the parts of one task at the same time on a few long-lived threads, the caller
// taking part. Threads are kept rather than started per task: a thread started on an idle
// machine was measured to run after its parent's work (1.5 ms late at the median on the 2-core
// VM), while a waiting thread wakes within 30 µs. Depends on the standard library only.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tandem::core {

class ForkJoin {
 public:
  explicit ForkJoin(std::size_t threads);
  ~ForkJoin();
  ForkJoin(const ForkJoin&) = delete;
  ForkJoin& operator=(const ForkJoin&) = delete;

  // Calls part(0) .. part(n - 1), each once, and returns when all have returned. part(0) runs on
  // the calling thread; the others on threads of the pool that are waiting for work, and
  // whatever finds none (or has not been taken by the time the caller is free) on the caller
  // too. A busy pool thus never leaves a caller waiting idle, and many callers at once are fine.
  // The first exception a part throws is rethrown here, after every part has ended.
  void run(std::size_t n, const std::function<void(std::size_t)>& part);
  // The pool's threads, the caller not counted.
  std::size_t threads() const { return threads_.size(); }

 private:
  struct Job;
  void work();
  static void run_part(Job& job, std::size_t i);

  std::mutex mutex_;                                // guards the four below
  std::condition_variable wake_;                    // work queued, or stopping
  std::condition_variable ready_;                   // a thread became idle
  std::deque<std::pair<Job*, std::size_t>> queue_;  // parts not yet taken
  std::size_t idle_ = 0;                            // threads waiting for work
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tandem::core
