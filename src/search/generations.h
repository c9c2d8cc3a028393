// Generations: the numbers SearchBackend::generation() answers, one per collection, bumped
// whenever what its searches see changes; drawn from one counter, so that a number is never
// reused within the process, not even for a collection dropped and made again. Thread-safe.
// Standard library only.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace tandem::search {

class Generations {
 public:
  void bump(std::string_view collection) {
    std::lock_guard lock(mutex_);
    auto it = of_.find(collection);
    if (it == of_.end()) it = of_.emplace(std::string(collection), 0).first;
    it->second = ++next_;
  }
  std::uint64_t of(std::string_view collection) const {
    std::lock_guard lock(mutex_);
    auto it = of_.find(collection);
    return it == of_.end() ? 0 : it->second;
  }

 private:
  mutable std::mutex mutex_;  // guards everything below
  std::map<std::string, std::uint64_t, std::less<>> of_;
  std::uint64_t next_ = 0;
};

}  // namespace tandem::search
