// What the embedded backends share of SearchBackend's write side: a batch of changes split into
// one list per collection, applied in seq order around the drops, and the rebuild that applies
// to the live index. Depends on the search interface.
#pragma once

#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "search/search_backend.h"

namespace tandem::search {

// Calls apply(collection, its changes) for the upserts and deletes of each collection, and
// drop(collection) for each kDrop, after the changes before it and before those after it.
// Stops at the first failure and returns it.
inline core::Status apply_by_collection(
    std::span<const changes::Change> changes,
    const std::function<core::Status(const std::string&,
                                     const std::vector<const changes::Change*>&)>& apply,
    const std::function<core::Status(const std::string&)>& drop) {
  std::map<std::string, std::vector<const changes::Change*>> pending;
  auto flush = [&]() -> core::Status {
    for (const auto& [name, list] : pending) {
      if (auto st = apply(name, list); !st.is_ok()) return st;
    }
    pending.clear();
    return {};
  };
  for (const auto& ch : changes) {
    if (ch.op != changes::ChangeOp::kDrop) {
      pending[ch.collection].push_back(&ch);
      continue;
    }
    if (auto st = flush(); !st.is_ok()) return st;
    if (auto st = drop(ch.collection); !st.is_ok()) return st;
  }
  return flush();
}

// A rebuild of a backend whose rebuild() has emptied the collection: it applies to the live
// index, every batch written before apply() returns, so finish() has nothing left to do.
class InPlaceRebuild final : public Rebuild {
 public:
  explicit InPlaceRebuild(SearchBackend& backend) : backend_(backend) {}
  core::Result<std::vector<changes::Rejection>> apply(
      std::span<const changes::Change> changes) override {
    return backend_.apply(changes);
  }
  core::Status finish() override { return {}; }

 private:
  SearchBackend& backend_;
};

}  // namespace tandem::search
