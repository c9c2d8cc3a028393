// Facet counting. Depends on search, schema, Xapian and the columns.
#include "search/xapian/facets.h"

#include <algorithm>
#include <shared_mutex>
#include <unordered_map>

#include "search/xapian/layout.h"

namespace tandem::search::xapian_backend {

using core::fail;
using core::invalid_argument;
using schema::FieldType;

std::vector<FacetValue> most_frequent(std::vector<FacetValue> values, std::size_t n) {
  std::sort(values.begin(), values.end(), [](const auto& a, const auto& b) {
    return a.count != b.count ? a.count > b.count : a.value < b.value;
  });
  if (values.size() > n) values.resize(n);
  return values;
}

void FacetSpy::operator()(const Xapian::Document& doc, double) {
  std::string v = doc.get_value(slot_);
  if (v.empty()) return;
  if (type_ != FieldType::kKeywordArray) {
    ++counts_[v];
    return;
  }
  std::size_t start = 0;
  for (std::size_t sep; (sep = v.find(kListSeparator, start)) != std::string::npos;
       start = sep + 1) {
    ++counts_[v.substr(start, sep - start)];
  }
  ++counts_[v.substr(start)];
}

std::vector<FacetValue> FacetSpy::top(std::size_t n) const {
  std::vector<FacetValue> out;
  for (const auto& [value, count] : counts_) {
    bool keyword = type_ == FieldType::kKeyword || type_ == FieldType::kKeywordArray;
    out.push_back(
        {keyword ? value : facet_label(type_, Xapian::sortable_unserialise(value)), count});
  }
  return most_frequent(std::move(out), n);
}

std::vector<std::unique_ptr<FacetSpy>> add_facets(Xapian::Enquire& enquire, const SearchRequest& r,
                                                  bool attach) {
  std::vector<std::unique_ptr<FacetSpy>> spies;
  if (!attach) return spies;
  for (const auto& name : r.facets) {
    auto i = static_cast<std::size_t>(field_index(*r.collection, name));
    spies.push_back(std::make_unique<FacetSpy>(slot_of(i), r.collection->fields[i].type));
    enquire.add_matchspy(spies.back().get());
  }
  return spies;
}

bool countable(const std::vector<const Columns*>& shards, const SearchRequest& r) {
  for (const auto& name : r.facets) {
    auto field = static_cast<std::size_t>(field_index(*r.collection, name));
    for (const auto* c : shards)
      if (!c->countable(field)) return false;
  }
  return true;
}

// Adds r.facets, counted in every shard's columns over its `matched` documents, to out.facets.
// False when a shard does not keep one of the fields (checked first by countable()). The
// caller holds the columns' shared locks.
bool column_facets(const std::vector<const Columns*>& shards, const std::vector<Bits>& matched,
                   const SearchRequest& r, SearchResult& out, core::ForkJoin* pool) {
  using Counts = std::unordered_map<std::string, std::uint64_t>;
  std::vector<std::size_t> fields;
  for (const auto& name : r.facets)
    fields.push_back(static_cast<std::size_t>(field_index(*r.collection, name)));
  // counts[s][f]: shard s's counts of facet f.
  std::vector<std::vector<Counts>> counts(shards.size(), std::vector<Counts>(fields.size()));
  std::vector<char> kept(shards.size(), 1);
  auto shard = [&](std::size_t s) {
    for (std::size_t f = 0; f < fields.size(); ++f)
      if (!shards[s]->count(fields[f], matched[s], counts[s][f])) kept[s] = 0;
  };
  if (pool != nullptr) {
    pool->run(shards.size(), shard);
  } else {
    for (std::size_t s = 0; s < shards.size(); ++s)
      shard(s);
  }
  if (std::find(kept.begin(), kept.end(), 0) != kept.end()) return false;
  for (std::size_t f = 0; f < fields.size(); ++f) {
    Counts all;
    for (std::size_t s = 0; s < shards.size(); ++s) {
      for (const auto& [value, n] : counts[s][f])
        all[value] += n;
    }
    std::vector<FacetValue> values;
    for (auto& [value, count] : all)
      values.push_back({value, count});
    out.facets.emplace_back(r.facets[f], most_frequent(std::move(values), r.max_facet_values));
  }
  return true;
}

void count_facets(const std::vector<const Columns*>& shards, const std::vector<Bits>& matched,
                  const SearchRequest& r, SearchResult& out) {
  std::vector<std::shared_lock<std::shared_mutex>> locks;
  for (const auto* c : shards)
    locks.emplace_back(c->mutex);
  out.found = 0;
  for (const auto& bits : matched)
    out.found += count(bits);
  out.found_is_estimate = false;
  column_facets(shards, matched, r, out);  // countable() said every shard keeps them
}

}  // namespace tandem::search::xapian_backend
