// The write fence. Depends on std only.
#include "pipeline/write_fence.h"

#include <algorithm>

namespace tandem::pipeline {

void WriteFence::note(std::string_view key, std::uint64_t seq) {
  std::lock_guard lock(mutex_);
  if (seq <= applied_) return;  // the sink is already past it
  if (overflow_ != 0 || floors_.size() >= max_keys_) {
    overflow_ = std::max(overflow_, seq);
    floors_.clear();
    order_.clear();
    return;
  }
  auto [it, added] = floors_.try_emplace(std::string(key), seq);
  if (!added) it->second = std::max(it->second, seq);
  order_.emplace_back(seq, std::string(key));
}

void WriteFence::fence_all(std::uint64_t seq) {
  std::lock_guard lock(mutex_);
  if (seq > applied_) overflow_ = std::max(overflow_, seq);
}

void WriteFence::applied(std::uint64_t seq) {
  std::lock_guard lock(mutex_);
  applied_ = std::max(applied_, seq);
  if (overflow_ != 0 && overflow_ <= applied_) overflow_ = 0;
  while (!order_.empty() && order_.front().first <= applied_) {
    auto it = floors_.find(order_.front().second);
    if (it != floors_.end() && it->second <= applied_) floors_.erase(it);
    order_.pop_front();
  }
}

std::uint64_t WriteFence::floor(std::string_view key) const {
  std::lock_guard lock(mutex_);
  if (overflow_ != 0) return overflow_;
  if (floors_.empty()) return 0;  // the sink is caught up: the usual case
  auto it = floors_.find(key);
  return it == floors_.end() ? 0 : it->second;
}

}  // namespace tandem::pipeline
