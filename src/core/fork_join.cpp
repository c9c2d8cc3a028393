#include "core/fork_join.h"

#include <exception>

namespace tandem::core {

struct ForkJoin::Job {
  const std::function<void(std::size_t)>* part;
  std::mutex mutex;  // guards the two below
  std::condition_variable done;
  std::size_t remaining;
  std::exception_ptr error;
};

ForkJoin::ForkJoin(std::size_t threads) {
  for (std::size_t i = 0; i < threads; ++i)
    threads_.emplace_back([this] { work(); });
  std::unique_lock lock(mutex_);  // ready when every thread waits for work
  ready_.wait(lock, [&] { return idle_ == threads; });
}

ForkJoin::~ForkJoin() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_)
    t.join();
}

void ForkJoin::run_part(Job& job, std::size_t i) {
  std::exception_ptr error;
  try {
    (*job.part)(i);
  } catch (...) {
    error = std::current_exception();
  }
  std::lock_guard lock(job.mutex);
  if (error && !job.error) job.error = error;
  if (--job.remaining == 0) job.done.notify_all();
}

void ForkJoin::work() {
  for (;;) {
    std::pair<Job*, std::size_t> next;
    {
      std::unique_lock lock(mutex_);
      ++idle_;
      ready_.notify_all();
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      --idle_;
      if (queue_.empty()) return;  // stopping, and nothing left
      next = queue_.front();
      queue_.pop_front();  // taken: from here on only this thread runs it
    }
    run_part(*next.first, next.second);
  }
}

void ForkJoin::run(std::size_t n, const std::function<void(std::size_t)>& part) {
  if (n == 0) return;
  Job job{.part = &part, .remaining = n};
  // Parts go to threads that are waiting; the rest the caller runs itself, so a busy pool (as
  // many searches as cores) adds no hand-offs to work that could not run sooner anyway.
  std::vector<std::size_t> mine{0};
  std::size_t handed = 0;
  {
    std::lock_guard lock(mutex_);
    std::size_t free = idle_ > queue_.size() ? idle_ - queue_.size() : 0;
    for (std::size_t i = 1; i < n; ++i) {
      if (handed < free) {
        queue_.emplace_back(&job, i);
        ++handed;
      } else {
        mine.push_back(i);
      }
    }
  }
  if (handed == 1) wake_.notify_one();
  if (handed > 1) wake_.notify_all();
  for (std::size_t i : mine)
    run_part(job, i);
  if (handed > 0) {  // what no thread has taken yet, the caller runs too
    std::vector<std::size_t> left;
    {
      std::lock_guard lock(mutex_);
      for (auto it = queue_.begin(); it != queue_.end();) {
        if (it->first == &job) {
          left.push_back(it->second);
          it = queue_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (std::size_t i : left)
      run_part(job, i);
  }
  std::unique_lock lock(job.mutex);
  job.done.wait(lock, [&] { return job.remaining == 0; });
  if (job.error) std::rethrow_exception(job.error);
}

}  // namespace tandem::core
