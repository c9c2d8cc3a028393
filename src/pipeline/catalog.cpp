// Collections catalog. Depends on core, schema, store.
#include "pipeline/catalog.h"

#include <algorithm>
#include <mutex>

namespace tandem::pipeline {

core::Status Catalog::load() {
  auto stored = store_.collections();
  if (!stored) return stored.error();
  std::unique_lock lock(mutex_);
  for (auto& c : *stored) {
    auto name = c.name;
    collections_[name] = std::make_shared<const schema::Collection>(std::move(c));
  }
  return {};
}

core::Status Catalog::declare(const schema::Collection& c, bool must_match) {
  std::unique_lock lock(mutex_);
  auto it = collections_.find(c.name);
  if (it == collections_.end()) {
    if (auto st = schema::check_collection(c); !st.is_ok()) return st;
    auto st = store_.create_collection(c);
    if (st.is_ok()) {
      collections_[c.name] = std::make_shared<const schema::Collection>(c);
      return {};
    }
    // A shared store (direct mode): another node starting at the same time created it after
    // load(). Take the stored one, and compare with it as if load() had found it.
    if (st.code() != core::StatusCode::kAlreadyExists) return st;
    auto stored = store_.collections();
    if (!stored) return stored.error();
    auto s = std::ranges::find(*stored, c.name, &schema::Collection::name);
    if (s == stored->end()) return st;
    it = collections_.emplace(c.name, std::make_shared<const schema::Collection>(std::move(*s)))
             .first;
  }
  if (!must_match || schema::collection_to_json(*it->second) == schema::collection_to_json(c)) {
    return {};
  }
  return {core::StatusCode::kFailedPrecondition,
          "collection '" + c.name +
              "' is stored with a different schema than declared; delete "
              "it (DELETE /v1/collections/" +
              c.name + ") or declare its stored schema"};
}

std::shared_ptr<const schema::Collection> Catalog::find(std::string_view name) const {
  std::shared_lock lock(mutex_);
  auto it = collections_.find(name);
  return it == collections_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const schema::Collection>> Catalog::list() const {
  std::shared_lock lock(mutex_);
  std::vector<std::shared_ptr<const schema::Collection>> out;
  for (const auto& [name, c] : collections_)
    out.push_back(c);
  return out;
}

core::Status Catalog::create(schema::Collection collection) {
  if (auto st = schema::check_collection(collection); !st.is_ok()) return st;
  std::unique_lock lock(mutex_);
  if (collections_.count(collection.name) != 0) {
    return {core::StatusCode::kAlreadyExists,
            "collection '" + collection.name + "' already exists"};
  }
  if (auto st = store_.create_collection(collection); !st.is_ok()) return st;
  auto name = collection.name;
  collections_[name] = std::make_shared<const schema::Collection>(std::move(collection));
  return {};
}

core::Result<std::uint64_t> Catalog::drop(const std::string& name) {
  std::unique_lock lock(mutex_);
  if (collections_.count(name) == 0) {
    return core::fail(core::not_found("no collection named '" + name + "'"));
  }
  auto seq = store_.drop_collection(name);
  if (!seq) return seq;
  collections_.erase(name);
  return seq;
}

}  // namespace tandem::pipeline
