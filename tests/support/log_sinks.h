// Log sinks for tests: one keeps every line for assertions, one drops them (the lines are still
// formatted, so logging code runs under the sanitizers).
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "obs/log.h"

namespace tandem::testing {

class CollectingSink final : public obs::LineSink {
 public:
  void write_line(obs::Level, std::string_view line) override {
    std::lock_guard lock(mutex_);
    lines_.emplace_back(line);
  }
  std::vector<std::string> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  std::mutex mutex_;                // guards lines_
  std::vector<std::string> lines_;  // every line written
};

class DiscardingSink final : public obs::LineSink {
 public:
  void write_line(obs::Level, std::string_view) override {}
};

}  // namespace tandem::testing
