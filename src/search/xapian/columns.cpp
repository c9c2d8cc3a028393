// Columns: loading from value slots, keeping up with the writer, and evaluating filters as bit
// sets with the same meaning as compile_filter's Xapian queries. Depends on query, schema, json,
// Xapian.
#include "search/xapian/columns.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>

#include "search/request_checks.h"
#include "search/xapian/layout.h"

namespace tandem::search::xapian_backend {
namespace {

using schema::FieldType;

constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kMaxSetValues = 64;  // a keyword list's values as the bits of a word

bool is_number(FieldType t) {
  return t == FieldType::kInt || t == FieldType::kFloat || t == FieldType::kTimestamp ||
         t == FieldType::kBool;
}

// A literal as a number of the field's type (compile_filter has already refused bad ones).
double number_of(FieldType t, const query::Literal& v) {
  return literal_number(t, "", v).value_or(kNone);
}

Bits make_bits(std::size_t n) {
  return Bits((n + 63) / 64, 0);
}
void set_bit(Bits& b, std::size_t i) {
  b[i / 64] |= std::uint64_t{1} << (i % 64);
}

// Every document below n for which `holds(did)`, a word at a time (branch-free, so that the
// compiler can vectorise simple tests).
template <class Test>
Bits select(std::size_t n, Test holds) {
  Bits out = make_bits(n);
  for (std::size_t w = 0; w < out.size(); ++w) {
    std::uint64_t word = 0;
    std::size_t base = w * 64, end = std::min<std::size_t>(64, n - base);
    for (std::size_t b = 0; b < end; ++b)
      word |= static_cast<std::uint64_t>(holds(base + b) ? 1 : 0) << b;
    out[w] = word;
  }
  return out;
}

// Calls f(did) for every bit set.
template <class F>
void each(const Bits& bits, F f) {
  for (std::size_t w = 0; w < bits.size(); ++w) {
    for (std::uint64_t word = bits[w]; word != 0; word &= word - 1)
      f(w * 64 + static_cast<std::size_t>(__builtin_ctzll(word)));
  }
}

}  // namespace

std::uint32_t Columns::Column::intern(const std::string& value) {
  auto [it, added] = index_of.try_emplace(value, static_cast<std::uint32_t>(dictionary.size()));
  if (added) {
    dictionary.push_back(value);
    lowered[lower_ascii(value)].push_back(it->second);
  }
  return it->second;
}

void Columns::Column::resize(std::size_t n) {
  if (is_number(type)) numbers.resize(n, kNone);
  if (type == FieldType::kKeyword) codes.resize(n, 0);
  if (type == FieldType::kKeywordArray) (wide ? lists.resize(n) : sets.resize(n, 0));
}

void Columns::Column::clear(Xapian::docid did) {
  if (is_number(type)) numbers[did] = kNone;
  if (type == FieldType::kKeyword) codes[did] = 0;
  if (type == FieldType::kKeywordArray) (wide ? lists[did].clear() : void(sets[did] = 0));
}

void Columns::Column::widen() {
  lists.assign(sets.size(), {});
  for (std::size_t did = 0; did < sets.size(); ++did) {
    for (std::uint64_t set = sets[did]; set != 0; set &= set - 1)
      lists[did].push_back(static_cast<std::uint32_t>(__builtin_ctzll(set)));
  }
  sets = {};
  wide = true;
}

template <typename Fn>
void Columns::Column::each_code(std::size_t did, Fn&& fn) const {
  if (wide) {
    for (auto code : lists[did])
      fn(code);
  } else {
    for (std::uint64_t set = sets[did]; set != 0; set &= set - 1)
      fn(static_cast<std::uint32_t>(__builtin_ctzll(set)));
  }
}

void Columns::Column::assign(Xapian::docid did, const std::string& v) {
  if (v.empty()) return clear(did);
  if (is_number(type)) {
    numbers[did] = Xapian::sortable_unserialise(v);
  } else if (type == FieldType::kKeyword) {
    codes[did] = intern(v) + 1;
  } else {
    std::vector<std::uint32_t> list;
    for (std::size_t start = 0;;) {
      std::size_t sep = v.find(kListSeparator, start);
      list.push_back(intern(v.substr(start, sep - start)));
      if (sep == std::string::npos) break;
      start = sep + 1;
    }
    if (!wide && dictionary.size() > kMaxSetValues) widen();  // too many values for a word
    if (wide) {
      std::sort(list.begin(), list.end());
      list.erase(std::unique(list.begin(), list.end()), list.end());
      lists[did] = std::move(list);
    } else {
      std::uint64_t set = 0;
      for (auto i : list)
        set |= std::uint64_t{1} << i;
      sets[did] = set;
    }
  }
}

Columns::Columns(const schema::Collection& c) : collection_(c) {
  for (const auto& f : c.fields)
    columns_.push_back(Column{.type = f.type, .kept = f.type != FieldType::kText});
}

void Columns::mark(Xapian::docid did, bool live) {
  if (live) {
    set_bit(live_bits_, did);
  } else {
    live_bits_[did / 64] &= ~(std::uint64_t{1} << (did % 64));
  }
}

void Columns::grow(Xapian::docid did) {
  if (did < end_) return;
  std::size_t n = std::max<std::size_t>(did + 1, end_ + end_ / 2);
  end_ = n;
  live_bits_.resize((n + 63) / 64, 0);
  for (auto& c : columns_)
    if (c.kept) c.resize(n);
}

void Columns::load(const std::string& path) {
  std::unique_lock lock(mutex);
  loaded_ = false;
  for (int attempt = 0;; ++attempt) {
    try {
      Xapian::Database db(path);
      end_ = 0;
      live_bits_.clear();
      for (auto& c : columns_)
        c = Column{.type = c.type, .kept = c.type != FieldType::kText};
      grow(db.get_lastdocid());
      for (auto it = db.postlist_begin(""); it != db.postlist_end(""); ++it)
        mark(*it, true);
      for (std::size_t i = 0; i < columns_.size(); ++i) {
        Column& c = columns_[i];
        for (auto v = db.valuestream_begin(slot_of(i));
             c.kept && v != db.valuestream_end(slot_of(i)); ++v) {
          c.assign(v.get_docid(), *v);
        }
      }
      loaded_ = true;
      return;
    } catch (const Xapian::DatabaseModifiedError&) {  // commits overtook the read: start again
      if (attempt >= 4) throw;
    }
  }
}

void Columns::load(const native::Segment& segment) {
  std::unique_lock lock(mutex);
  end_ = 0;
  live_bits_.clear();
  for (auto& c : columns_)
    c = Column{.type = c.type, .kept = c.type != FieldType::kText};
  if (segment.documents() > 0) grow(segment.documents() - 1);
  for (native::DocId d = 0; d < segment.documents(); ++d) {
    mark(d, true);
    for (const auto& [slot, value] : segment.values(d)) {
      if (slot == 0 || slot > columns_.size()) continue;  // (seq, id and body are not fields)
      Column& c = columns_[slot - 1];
      if (c.kept) c.assign(d, std::string(value));
    }
  }
  loaded_ = true;
}

void Columns::update(const std::vector<std::pair<Xapian::docid, Xapian::Document>>& indexed,
                     const std::vector<Xapian::docid>& deleted) {
  std::unique_lock lock(mutex);
  for (const auto& [did, doc] : indexed) {
    grow(did);
    mark(did, true);
    for (std::size_t i = 0; i < columns_.size(); ++i)
      if (columns_[i].kept) columns_[i].assign(did, doc.get_value(slot_of(i)));
  }
  for (Xapian::docid did : deleted) {
    if (did >= end_) continue;
    mark(did, false);
    for (auto& c : columns_)
      if (c.kept) c.clear(did);
  }
}

const Columns::Column* Columns::column(const std::string& field, std::size_t* index) const {
  int i = field_index(collection_, field);
  if (i < 0 || !columns_[static_cast<std::size_t>(i)].kept) return nullptr;
  if (index != nullptr) *index = static_cast<std::size_t>(i);
  return &columns_[static_cast<std::size_t>(i)];
}

bool Columns::covers(const query::Filter* f) const {
  if (!loaded_) return false;
  if (f == nullptr) return true;
  return std::visit(
      [&](const auto& node) -> bool {
        using T = std::decay_t<decltype(node)>;
        if constexpr (std::is_same_v<T, query::Not>) {
          return covers(node.operand.get());
        } else if constexpr (std::is_same_v<T, query::And> || std::is_same_v<T, query::Or>) {
          for (const auto& operand : node.operands)
            if (!covers(&operand)) return false;
          return true;
        } else {
          return column(node.field) != nullptr;
        }
      },
      f->node);
}

Bits Columns::match(const query::Filter* f) const {
  if (f == nullptr) return live_bits_;
  Bits out = evaluate(*f);
  for (std::size_t w = 0; w < out.size(); ++w)  // also clears what NOT set past the end
    out[w] &= w < live_bits_.size() ? live_bits_[w] : 0;
  return out;
}

Bits Columns::evaluate(const query::Filter& f) const {
  return std::visit(
      [&](const auto& node) -> Bits {
        using T = std::decay_t<decltype(node)>;
        if constexpr (std::is_same_v<T, query::Comparison>) {
          return comparison(*column(node.field), node);
        } else if constexpr (std::is_same_v<T, query::InList>) {
          return equal_any(*column(node.field), node.values);
        } else if constexpr (std::is_same_v<T, query::Range>) {
          return range(*column(node.field), node.low, true, node.high, true);
        } else if constexpr (std::is_same_v<T, query::Not>) {
          Bits b = evaluate(*node.operand);
          for (auto& w : b)
            w = ~w;  // documents without the value match NOT, as with Xapian's AND_NOT
          return b;
        } else {
          Bits b = evaluate(node.operands[0]);
          for (std::size_t i = 1; i < node.operands.size(); ++i) {
            Bits other = evaluate(node.operands[i]);
            for (std::size_t w = 0; w < b.size(); ++w) {
              if constexpr (std::is_same_v<T, query::And>) {
                b[w] &= other[w];
              } else {
                b[w] |= other[w];
              }
            }
          }
          return b;
        }
      },
      f.node);
}

// = and IN: keywords case-insensitively (a list when any of its values matches), bools and
// numbers exactly.
Bits Columns::equal_any(const Column& c, const std::vector<query::Literal>& values) const {
  std::size_t n = end_;
  if (is_number(c.type)) {
    std::vector<double> wanted;
    for (const auto& v : values)
      wanted.push_back(number_of(c.type, v));
    return select(n, [&](std::size_t did) {
      return std::find(wanted.begin(), wanted.end(), c.numbers[did]) != wanted.end();
    });
  }
  std::vector<std::uint8_t> hit(c.dictionary.size() + 1, 0);  // by dictionary index + 1
  for (const auto& v : values) {
    if (auto it = c.lowered.find(lower_ascii(v.text)); it != c.lowered.end()) {
      for (std::uint32_t i : it->second)
        hit[i + 1] = 1;
    }
  }
  if (c.type == FieldType::kKeyword) {
    return select(n, [&](std::size_t did) { return hit[c.codes[did]] != 0; });
  }
  if (c.wide) {
    return select(n, [&](std::size_t did) {
      return std::any_of(c.lists[did].begin(), c.lists[did].end(),
                         [&](std::uint32_t i) { return hit[i + 1] != 0; });
    });
  }
  std::uint64_t mask = 0;
  for (std::size_t i = 0; i < c.dictionary.size(); ++i)
    if (hit[i + 1]) mask |= std::uint64_t{1} << i;
  return select(n, [&](std::size_t did) { return (c.sets[did] & mask) != 0; });
}

Bits Columns::comparison(const Column& c, const query::Comparison& cmp) const {
  using query::CompareOp;
  switch (cmp.op) {
    case CompareOp::kEq: return equal_any(c, {cmp.value});
    case CompareOp::kNe: {
      Bits b = equal_any(c, {cmp.value});
      for (auto& w : b)
        w = ~w;
      return b;
    }
    case CompareOp::kLt: return range(c, {}, false, cmp.value, false);
    case CompareOp::kLe: return range(c, {}, false, cmp.value, true);
    case CompareOp::kGt: return range(c, cmp.value, false, {}, false);
    case CompareOp::kGe: return range(c, cmp.value, true, {}, false);
  }
  return make_bits(end_);
}

// Ordered comparisons: numbers by value, keywords by their bytes as written (as Xapian compares
// the slot). An empty literal text is an open end. Documents without a value never match.
Bits Columns::range(const Column& c, const query::Literal& low, bool low_inclusive,
                    const query::Literal& high, bool high_inclusive) const {
  std::size_t n = end_;
  bool has_low = !low.text.empty() || low.quoted, has_high = !high.text.empty() || high.quoted;
  if (is_number(c.type)) {
    double lo = has_low ? number_of(c.type, low) : -std::numeric_limits<double>::infinity();
    double hi = has_high ? number_of(c.type, high) : std::numeric_limits<double>::infinity();
    return select(n, [&](std::size_t did) {
      double x = c.numbers[did];
      return (low_inclusive ? x >= lo : x > lo) && (high_inclusive ? x <= hi : x < hi);
    });
  }
  std::vector<std::uint8_t> hit(c.dictionary.size() + 1, 0);
  for (std::size_t i = 0; i < c.dictionary.size(); ++i) {
    const std::string& s = c.dictionary[i];
    bool above = !has_low || (low_inclusive ? s >= low.text : s > low.text);
    bool below = !has_high || (high_inclusive ? s <= high.text : s < high.text);
    hit[i + 1] = above && below ? 1 : 0;
  }
  return select(n, [&](std::size_t did) { return hit[c.codes[did]] != 0; });
}

bool Columns::count(std::size_t field, const Bits& docs,
                    std::unordered_map<std::string, std::uint64_t>& counts) const {
  const Column& c = columns_[field];
  if (!c.kept) return false;
  std::size_t n = end_;
  if (is_number(c.type)) {
    std::unordered_map<double, std::uint64_t> by_value;
    each(docs, [&](std::size_t did) {
      if (did < n && !std::isnan(c.numbers[did])) ++by_value[c.numbers[did]];
    });
    for (const auto& [value, k] : by_value) {
      counts[facet_label(c.type, value)] += k;
    }
    return true;
  }
  std::vector<std::uint64_t> by_code(c.dictionary.size() + 1, 0);
  each(docs, [&](std::size_t did) {
    if (did >= n) return;
    if (c.type == FieldType::kKeyword) {
      ++by_code[c.codes[did]];
    } else {
      c.each_code(did, [&](std::uint32_t code) { ++by_code[code + 1]; });
    }
  });
  for (std::size_t i = 0; i < c.dictionary.size(); ++i)
    if (by_code[i + 1] > 0) counts[c.dictionary[i]] += by_code[i + 1];
  return true;
}

bool Columns::sortable(std::size_t field) const {
  const Column& c = columns_[field];
  return loaded_ && c.kept && c.type != FieldType::kKeywordArray;
}

std::optional<Columns::Key> Columns::key(std::size_t field, Xapian::docid did) const {
  if (did >= end_) return std::nullopt;  // a document newer than these columns
  const Column& c = columns_[field];
  if (is_number(c.type)) {
    if (std::isnan(c.numbers[did])) return std::nullopt;
    return Key{.number = c.numbers[did]};
  }
  if (c.codes[did] == 0) return std::nullopt;
  return Key{.text = &c.dictionary[c.codes[did] - 1]};
}

int compare_key(const std::optional<Columns::Key>& x, const std::optional<Columns::Key>& y,
                bool descending) {
  if (!x || !y) return x ? -1 : (y ? 1 : 0);
  int c = x->text != nullptr ? x->text->compare(*y->text)
                             : (x->number > y->number) - (x->number < y->number);
  if (c == 0) return 0;
  return (c > 0) == descending ? -1 : 1;
}

int compare_keys(const std::vector<SortKey>& keys, const Columns& a, Xapian::docid da,
                 const Columns& b, Xapian::docid db) {
  for (const auto& [field, descending] : keys) {
    if (int c = compare_key(a.key(field, da), b.key(field, db), descending); c != 0) return c;
  }
  return 0;
}

}  // namespace tandem::search::xapian_backend
