// SearchSink: feeds a SearchBackend from the change log through an Applier. Depends on pipeline
// and the search interface.
#pragma once

#include "pipeline/applier.h"
#include "search/search_backend.h"

namespace tandem::pipeline {

class SearchSink final : public Sink {
 public:
  explicit SearchSink(search::SearchBackend& backend) : backend_(backend) {}
  std::string_view name() const override { return backend_.name(); }
  core::Result<std::vector<changes::Rejection>> apply(
      std::span<const changes::Change> changes) override {
    return backend_.apply(changes);
  }
  std::uint64_t unseen_from() const override { return backend_.unseen_from(); }

 private:
  search::SearchBackend& backend_;
};

}  // namespace tandem::pipeline
