// Catalog: the collections known to the service, cached in memory over the store. Lookups take
// a shared lock; create and drop go to the store first. Depends on core, schema, store.
#pragma once

#include <map>
#include <memory>
#include <shared_mutex>
#include <vector>

#include "schema/collection.h"
#include "store/record_store.h"

namespace tandem::pipeline {

class Catalog {
 public:
  explicit Catalog(store::RecordStore& store) : store_(store) {}

  // Loads the stored collections.
  core::Status load();
  // Creates a collection declared by configuration when it is missing. With `must_match`, a
  // stored collection of that name with another schema is kFailedPrecondition (schemas do not
  // change in place); without it (the built-in products) the stored one is kept.
  core::Status declare(const schema::Collection& collection, bool must_match);

  // nullptr when there is no such collection.
  std::shared_ptr<const schema::Collection> find(std::string_view name) const;
  std::vector<std::shared_ptr<const schema::Collection>> list() const;

  // Records stored in the collection. Store errors.
  core::Result<std::int64_t> count(std::string_view name) { return store_.count(name); }

  // kInvalidArgument for a bad schema, kAlreadyExists when the name is taken.
  core::Status create(schema::Collection collection);
  // Deletes the collection and its records; kNotFound when missing. Returns the change's seq.
  core::Result<std::uint64_t> drop(const std::string& name);

 private:
  store::RecordStore& store_;
  mutable std::shared_mutex mutex_;  // guards collections_
  std::map<std::string, std::shared_ptr<const schema::Collection>, std::less<>> collections_;
};

}  // namespace tandem::pipeline
