// Matching over shards. Depends on core, Xapian and the columns.
#include "search/xapian/match.h"

#include <algorithm>
#include <limits>
#include <shared_mutex>

#include "search/xapian/compile.h"

namespace tandem::search::xapian_backend {
namespace {

// A shard's documents in a bit set, as a posting list without weights.
class BitsSource final : public Xapian::PostingSource {
 public:
  explicit BitsSource(const Bits& bits)
      : bits_(bits), count_(static_cast<Xapian::doccount>(count(bits))) {}
  void init(const Xapian::Database&) override { did_ = 0; }
  Xapian::doccount get_termfreq_min() const override { return count_; }
  Xapian::doccount get_termfreq_est() const override { return count_; }
  Xapian::doccount get_termfreq_max() const override { return count_; }
  void next(double) override { did_ = first_from(did_ + 1); }
  void skip_to(Xapian::docid did, double) override {
    if (did > did_) did_ = first_from(did);
  }
  bool at_end() const override { return did_ == kEnd; }
  Xapian::docid get_docid() const override { return did_; }
  BitsSource* clone() const override { return new BitsSource(bits_); }

 private:
  static constexpr Xapian::docid kEnd = std::numeric_limits<Xapian::docid>::max();
  Xapian::docid first_from(Xapian::docid from) const {
    for (std::size_t w = from / 64; w < bits_.size(); ++w) {
      std::uint64_t word = bits_[w];
      if (w == from / 64) word &= ~std::uint64_t{0} << (from % 64);
      if (word != 0) return static_cast<Xapian::docid>(w * 64 + __builtin_ctzll(word));
    }
    return kEnd;
  }
  const Bits& bits_;  // outlives the match
  Xapian::doccount count_;
  Xapian::docid did_ = 0;
};

}  // namespace

Page match(Xapian::Enquire& enquire, Xapian::doccount first, Xapian::doccount size,
           Xapian::doccount check) {
  Page page;
  page.msets.push_back(enquire.get_mset(first, size, check));
  const Xapian::MSet& m = page.msets.back();
  for (auto it = m.begin(); it != m.end(); ++it)
    page.items.push_back({it, *it});
  page.estimated = m.get_matches_estimated();
  page.lower = m.get_matches_lower_bound();
  page.upper = m.get_matches_upper_bound();
  return page;
}

Xapian::Query ShardQuery::on(std::size_t shard) const {
  thread_local const Xapian::Registry registry;  // made once: it registers every scheme
  Xapian::Query q = Xapian::Query::unserialise(wire_, registry);
  if (filter_ == nullptr) return q;
  auto* source = new BitsSource((*filter_)[shard]);
  return Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query(source->release()));
}

// Ordered by relevance, then by docid in the database of every shard. A document's weight does
// not depend on its shard (see ranking()), so each shard is matched alone, all at the same time
// (see core::ForkJoin), and the pages merged: the same result as one match over every shard,
// which Xapian runs one shard after the other. Unscored queries (`*`, filters, words in most
// documents) gain too: Xapian stops those after the page and the count it must check, but only
// over a single database.
//
// `found` must be exact up to `check` matches, and the matcher's cost grows with the matches it
// counts: each shard first counts its share of `check`, and only when those counts leave the
// total at most `check` do the shards not fully counted count up to `check` again.
Page match_ranked(core::ForkJoin& pool, const std::vector<Xapian::Database>& parts,
                  const ShardQuery& q, Xapian::doccount first, Xapian::doccount size,
                  Xapian::doccount check) {
  auto n = static_cast<Xapian::doccount>(parts.size());
  Page page;
  page.msets.resize(n);
  auto count = [&](const std::vector<Xapian::doccount>& which, Xapian::doccount up_to) {
    pool.run(which.size(), [&](std::size_t k) {
      Xapian::Enquire part(parts[which[k]]);
      part.set_weighting_scheme(ranking());
      part.set_query(q.on(which[k]));
      page.msets[which[k]] = part.get_mset(0, first + size, up_to);
    });
  };
  std::vector<Xapian::doccount> all(n);
  for (Xapian::doccount i = 0; i < n; ++i)
    all[i] = i;
  count(all, std::max(first + size, check / n + 1));
  std::vector<Xapian::doccount> uncounted;
  Xapian::doccount known = 0;
  for (Xapian::doccount i = 0; i < n; ++i) {
    const Xapian::MSet& m = page.msets[i];
    known += m.get_matches_lower_bound();
    if (m.get_matches_lower_bound() != m.get_matches_upper_bound()) uncounted.push_back(i);
  }
  if (!uncounted.empty() && known <= check) count(uncounted, check);
  for (Xapian::doccount i = 0; i < n; ++i) {
    const Xapian::MSet& m = page.msets[i];
    for (auto it = m.begin(); it != m.end(); ++it)
      page.items.push_back({it, (*it - 1) * n + i + 1});
    page.estimated += m.get_matches_estimated();
    page.lower += m.get_matches_lower_bound();
    page.upper += m.get_matches_upper_bound();
  }
  std::sort(page.items.begin(), page.items.end(), [](const auto& a, const auto& b) {
    double x = a.it.get_weight(), y = b.it.get_weight();
    return x != y ? x > y : a.order < b.order;
  });
  page.items.erase(page.items.begin(),
                   page.items.begin() + std::min<std::size_t>(first, page.items.size()));
  if (page.items.size() > size) page.items.resize(size);
  return page;
}

std::vector<Bits> matched_bits(core::ForkJoin& pool, const std::vector<Xapian::Database>& parts,
                               const ShardQuery& q) {
  std::vector<Bits> matched(parts.size());
  pool.run(parts.size(), [&](std::size_t i) {
    Xapian::Enquire part(parts[i]);
    part.set_query(Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q.on(i), 0.0));
    BitsSpy spy(matched[i]);
    part.add_matchspy(&spy);
    part.get_mset(0, 0, std::max<Xapian::doccount>(parts[i].get_doccount(), 1));
  });
  return matched;
}

// The keys are read under the columns' locks, which are let go before the weighing: the page's
// documents carry their rank by the keys (ties share one) into the final order.
Page match_sorted(core::ForkJoin& pool, const std::vector<Xapian::Database>& parts,
                  const std::vector<const Columns*>& shards, const std::vector<SortKey>& keys,
                  const ShardQuery& q, const std::vector<Bits>& matched, Xapian::doccount first,
                  Xapian::doccount size) {
  auto n = static_cast<Xapian::doccount>(parts.size());
  auto combined = [n](std::size_t shard, Xapian::docid did) {
    return (did - 1) * n + static_cast<Xapian::docid>(shard) + 1;
  };
  using Doc = std::pair<std::size_t, Xapian::docid>;  // shard, docid
  std::vector<Doc> docs;
  for (std::size_t s = 0; s < n; ++s) {
    for (std::size_t w = 0; w < matched[s].size(); ++w) {
      for (std::uint64_t bits = matched[s][w]; bits != 0; bits &= bits - 1)
        docs.emplace_back(s, w * 64 + static_cast<std::size_t>(__builtin_ctzll(bits)));
    }
  }
  Page page;
  page.estimated = page.lower = page.upper = static_cast<Xapian::doccount>(docs.size());
  std::size_t want = std::min<std::size_t>(first + size, docs.size());
  if (want <= first) return page;

  std::vector<std::pair<Xapian::docid, std::size_t>> rank;  // combined docid, rank by the keys
  std::vector<Bits> needed(n);
  {
    std::vector<std::shared_lock<std::shared_mutex>> locks;
    for (const auto* c : shards)
      locks.emplace_back(c->mutex);
    auto compare = [&](const Doc& a, const Doc& b) {
      return compare_keys(keys, *shards[a.first], a.second, *shards[b.first], b.second);
    };
    auto before = [&](const Doc& a, const Doc& b) { return compare(a, b) < 0; };
    auto last = docs.begin() + static_cast<std::ptrdiff_t>(want - 1);
    std::nth_element(docs.begin(), last, docs.end(), before);
    // Every document after the page's last one by the keys is not needed, the rest are.
    auto end =
        std::partition(last + 1, docs.end(), [&](const Doc& d) { return compare(d, *last) == 0; });
    docs.erase(end, docs.end());
    std::sort(docs.begin(), docs.end(), before);
    for (std::size_t i = 0; i < docs.size(); ++i) {
      bool tie = i > 0 && compare(docs[i - 1], docs[i]) == 0;
      rank.emplace_back(combined(docs[i].first, docs[i].second), tie ? rank.back().second : i);
      set(needed[docs[i].first], docs[i].second);
    }
  }
  std::sort(rank.begin(), rank.end());
  auto rank_of = [&](Xapian::docid order) {
    return std::lower_bound(rank.begin(), rank.end(), std::pair{order, std::size_t{0}})->second;
  };

  auto weighed = q.within(needed);
  page.msets.resize(n);
  pool.run(n, [&](std::size_t i) {
    auto weights = static_cast<Xapian::doccount>(count(needed[i]));
    if (weights == 0) return;
    Xapian::Enquire part(parts[i]);
    part.set_weighting_scheme(ranking());
    part.set_query(weighed.on(i));
    page.msets[i] = part.get_mset(0, weights);
  });
  for (Xapian::doccount i = 0; i < n; ++i) {
    const Xapian::MSet& m = page.msets[i];
    for (auto it = m.begin(); it != m.end(); ++it)
      page.items.push_back({it, combined(i, *it)});
  }
  std::sort(page.items.begin(), page.items.end(), [&](const auto& a, const auto& b) {
    auto x = rank_of(a.order), y = rank_of(b.order);
    if (x != y) return x < y;
    double wa = a.it.get_weight(), wb = b.it.get_weight();
    return wa != wb ? wa > wb : a.order < b.order;
  });
  page.items.erase(page.items.begin(),
                   page.items.begin() + std::min<std::size_t>(first, page.items.size()));
  if (page.items.size() > size) page.items.resize(size);
  return page;
}

// Each shard's documents matching `f` (which compiled), from the columns; nullopt when they do
// not keep every field it names.
std::optional<std::vector<Bits>> filter_bits(const std::vector<const Columns*>& shards,
                                             const query::Filter& f) {
  std::vector<Bits> out;
  for (const auto* c : shards) {
    std::shared_lock lock(c->mutex);
    if (!c->covers(&f)) return std::nullopt;
    out.push_back(c->match(&f));
  }
  return out;
}

void BitsSpy::operator()(const Xapian::Document& doc, double) {
  set(bits_, doc.get_docid());
}

}  // namespace tandem::search::xapian_backend
