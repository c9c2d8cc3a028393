// Columns: the values of one shard's non-text fields, by docid, in memory, so that a filter,
// facets or a sort over many documents reads arrays instead of Xapian's value streams (which cost
// about 200 ns a document). Numbers, bools and timestamps are doubles (NaN: no value); keywords
// are codes into a dictionary of the values as written; keyword lists are bit sets over their
// dictionary while it has at most 64 values, and lists of codes per document beyond. Private to
// the Xapian backend. Depends on query, schema, Xapian.
#pragma once

#include <xapian.h>

#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "query/ast.h"
#include "schema/collection.h"
#include "search/native/bits.h"
#include "search/native/segment.h"

namespace tandem::search::xapian_backend {

// One bit per docid of a shard (bit 0, docid 0, is never set).
using native::Bits;
using native::count;
using native::set;
using native::test;

class Columns {
 public:
  explicit Columns(const schema::Collection& c);

  // Replaces everything with the documents of the shard at `path`, opened under the lock. Throws
  // Xapian's errors; until a load succeeds, covers() is false and searches use the matcher.
  void load(const std::string& path);
  bool loaded() const {
    std::shared_lock lock(mutex);
    return loaded_;
  }
  // Replaces everything with the values of a native segment's documents (docid d of the segment
  // is docid d here), all live: the segment's deleted documents are its part's to leave out.
  void load(const native::Segment& segment);
  // After a commit: the documents now at these docids (from their value slots), and the docids
  // whose documents were deleted.
  void update(const std::vector<std::pair<Xapian::docid, Xapian::Document>>& indexed,
              const std::vector<Xapian::docid>& deleted);

  // Readers hold `mutex` shared for the calls below; load and update take it exclusively.
  // (Columns loaded once from a segment and only read after that need no lock.)
  mutable std::shared_mutex mutex;

  Xapian::docid end() const { return static_cast<Xapian::docid>(end_); }  // docids are below

  // Whether every field `f` names is kept here (null: no filter).
  bool covers(const query::Filter* f) const;
  // The live documents matching `f` (null: all of them). `f` has passed compile_filter.
  Bits match(const query::Filter* f) const;

  // Adds the values of `field` over the documents of `docs` to `counts`, keyed as facets show
  // them. False when the field is not kept (countable() says so beforehand).
  bool count(std::size_t field, const Bits& docs,
             std::unordered_map<std::string, std::uint64_t>& counts) const;
  bool countable(std::size_t field) const { return loaded_ && columns_[field].kept; }

  // A sort key's value of a document: nullopt when it has none.
  struct Key {
    double number = 0;                  // numbers, bools, timestamps
    const std::string* text = nullptr;  // keywords
  };
  bool sortable(std::size_t field) const;
  std::optional<Key> key(std::size_t field, Xapian::docid did) const;  // nullopt past end() too

 private:
  struct Column {
    schema::FieldType type;
    bool kept = false;
    std::vector<double> numbers;
    std::vector<std::uint32_t> codes;  // keyword: dictionary index + 1; 0: none
    std::vector<std::uint64_t> sets;   // keyword list of at most 64 values: bit i = dictionary[i]
    std::vector<std::vector<std::uint32_t>> lists;  // beyond (wide): sorted dictionary indexes
    bool wide = false;
    std::vector<std::string> dictionary;
    std::unordered_map<std::string, std::uint32_t> index_of;              // into dictionary
    std::unordered_map<std::string, std::vector<std::uint32_t>> lowered;  // ASCII-lowered → indexes

    std::uint32_t intern(const std::string& value);  // its dictionary index, added if new
    void resize(std::size_t n);
    void assign(Xapian::docid did, const std::string& slot_value);
    void clear(Xapian::docid did);
    void widen();  // sets to lists, when the 65th value comes
    template <typename Fn>
    void each_code(std::size_t did, Fn&& fn) const;  // a list's dictionary indexes
  };

  const Column* column(const std::string& field, std::size_t* index = nullptr) const;
  Bits evaluate(const query::Filter& f) const;
  Bits comparison(const Column& c, const query::Comparison& cmp) const;
  Bits equal_any(const Column& c, const std::vector<query::Literal>& values) const;
  Bits range(const Column& c, const query::Literal& low, bool low_inclusive,
             const query::Literal& high, bool high_inclusive) const;
  void grow(Xapian::docid did);
  void mark(Xapian::docid did, bool live);

  schema::Collection collection_;
  std::vector<Column> columns_;  // by field index
  bool loaded_ = false;
  std::size_t end_ = 0;  // docids below this have room in every column
  Bits live_bits_;       // documents present
};

// A sort key over the columns: a field index, and whether it descends.
struct SortKey {
  std::size_t field;
  bool descending;
};

// How two values of one sort key compare: negative when the first comes first. Documents without
// the value (nullopt) come after those with one, ascending or descending.
int compare_key(const std::optional<Columns::Key>& x, const std::optional<Columns::Key>& y,
                bool descending);

// How document `da` of shard `a` and document `db` of shard `b` compare by `keys` (every field
// sortable in both): negative when the first comes first, 0 when they tie on every key.
// Documents without a key's value come after those with one, ascending or descending.
int compare_keys(const std::vector<SortKey>& keys, const Columns& a, Xapian::docid da,
                 const Columns& b, Xapian::docid db);

}  // namespace tandem::search::xapian_backend
