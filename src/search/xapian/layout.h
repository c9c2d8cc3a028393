// How a collection's schema maps onto a Xapian index: term prefixes and value slots per field,
// and building the Xapian document of a record. Private to the Xapian backend.
// Depends on schema, simdjson and Xapian.
#pragma once

#include <xapian.h>

#include <cctype>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "query/ast.h"
#include "schema/collection.h"
#include "search/native/query.h"
#include "search/native/segment.h"

namespace tandem::search::xapian_backend {

inline constexpr Xapian::valueno kSeqSlot = 0;          // the record's version (sortable seq)
inline constexpr Xapian::valueno kIdSlot = 0xfffffff0;  // the record id, for hits
// The record body, for hits. A value rather than the document data: Xapian compresses document
// data with zlib (its stream reset for every document), which cost about a third of indexing.
inline constexpr Xapian::valueno kBodySlot = 0xfffffff1;
inline constexpr std::string_view kIdPrefix = "Q";  // unique id term: "Q" + id
inline constexpr char kListSeparator = '\x1f';      // between keyword[] values in one slot
// The layout below, kept in each shard's metadata: an index of another layout is refused (until
// `tandem reindex` rebuilds it) rather than searched wrongly. 1: stems indexed ("Z" terms),
// words cut by Xapian's TermGenerator; 2: no stems, words cut by tokenize(); 3: the body in
// kBodySlot instead of the document data; 4: short values also whole ("XE:hot dog"); 5: wdf in
// units of 1/kWdfUnits, normalised by the field's length (occurrence_wdf()).
inline constexpr const char* kLayoutKey = "tandem.layout";
inline constexpr const char* kLayout = "5";
// Text values of at most kMaxWholeWords words are indexed whole too, under kWholePrefix, whatever
// their field: "XE:" + the value's words joined by single spaces.
inline constexpr std::size_t kMaxWholeWords = 8;
inline constexpr std::string_view kWholePrefix = "XE:";

// What one occurrence of a word in a field of `words` words adds to the word's wdf, as BM25F
// counts it: the field's weight, divided by the field's length relative to kTypicalWords with
// BM25's b = 0.75 (a one-word field counts about 3 times as much as one of kTypicalWords, one of
// 50 words a quarter of it), in units of 1/kWdfUnits, and at least 1. A word's wdf is thus the
// sum over the fields it occurs in, which BM25 then saturates (compile.cpp). The typical length
// is a constant rather than each field's mean, which changes with every record: a document's
// weights never change once indexed.
using native::kWdfUnits;
inline constexpr double kTypicalWords = 10;
Xapian::termcount occurrence_wdf(double weight, std::size_t words);

// The unique term of a record id: "Q" + id, or for ids too long for a Xapian term, "Q" + their
// first 200 bytes + "#" + a 64-bit FNV-1a hash of the whole id.
std::string id_term(std::string_view id);

// Term prefix of a field's text terms ("XT3:") and exact terms ("XK3:"), by field index.
std::string text_prefix(std::size_t field_index);
std::string keyword_prefix(std::size_t field_index);
// Value slot of a field (sort, facet, numeric filters).
Xapian::valueno slot_of(std::size_t field_index);
// Index of a field in the collection, or -1.
int field_index(const schema::Collection& c, std::string_view name);

// Keyword values are matched case-insensitively: lower-cased ASCII, kept within Xapian's term
// length limit.
std::string lower_ascii(std::string_view s);
std::string keyword_term(std::string_view prefix, std::string_view value);

// The base letters of a Latin letter with diacritics (U+00C0 to U+017F), lower-cased: "e" for é,
// "ss" for ß, "ae" for æ; "" for every other character.
std::string_view fold_latin(unsigned ch);

// The words of a text, as indexing, queries and highlights cut them: runs of word characters
// (letters, digits, connector punctuation), lower-cased, Latin letters without their diacritics
// ("Café" is "cafe"), and the pluses and hashes that end a word ("C++", "C#"). fn(word, begin, end)
// gets each word with its place in `text`, in bytes.
template <typename Fn>
void for_each_word(std::string_view text, Fn&& fn) {
  std::string word;
  std::size_t begin = 0;
  for (std::size_t at = 0; at < text.size();) {
    auto byte = static_cast<unsigned char>(text[at]);
    std::size_t next = at + 1;
    bool wordchar;
    if (byte < 0x80) {  // ASCII, most text: no decoding, no table lookup
      wordchar = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
                 (byte >= '0' && byte <= '9') || byte == '_';
      if (wordchar) {
        if (word.empty()) begin = at;
        word.push_back(static_cast<char>(byte >= 'A' && byte <= 'Z' ? byte + ('a' - 'A') : byte));
      } else if ((byte == '+' || byte == '#') && !word.empty()) {
        // "c++", "c#": pluses and hashes that end a word are part of it ("a+b" is two words).
        std::size_t end = at;
        while (end < text.size() && (text[end] == '+' || text[end] == '#'))
          ++end;
        auto after = end < text.size() ? static_cast<unsigned char>(text[end]) : 0u;
        bool ends = after < 0x80 && !std::isalnum(static_cast<int>(after)) && after != '_';
        if (ends) {
          word.append(text.substr(at, end - at));
          next = end;
          wordchar = true;
        }
      }
    } else {
      Xapian::Utf8Iterator it(text.data() + at, text.size() - at);
      unsigned ch = *it;
      next = text.size() - (++it).left();
      wordchar = Xapian::Unicode::is_wordchar(ch);
      if (wordchar) {
        if (word.empty()) begin = at;
        unsigned lower = Xapian::Unicode::tolower(ch);
        if (auto folded = fold_latin(lower); !folded.empty()) {
          word.append(folded);
        } else {
          Xapian::Unicode::append_utf8(word, lower);
        }
      }
    }
    if (!wordchar && !word.empty()) {
      fn(word, begin, at);
      word.clear();
    }
    at = next;
  }
  if (!word.empty()) fn(word, begin, text.size());
}
std::vector<std::string> tokenize(std::string_view text);

// Every string value in a JSON text (an object's keys aside), at any depth; nothing when it does
// not parse.
void for_each_string(std::string_view json, const std::function<void(std::string_view)>& fn);

// Adds the terms and value slots of a record's fields (the record already validated against `c`)
// to `doc`, a Xapian::Document or a native::SegmentWriter: text words with positions unprefixed
// and without under the field's prefix (weighted by the field's weight as wdf), keyword terms,
// value slots. kInvalidArgument when the body does not parse.
template <typename Doc>
core::Status index_fields(Doc& doc, const schema::Collection& c, std::string_view body);

// Builds the document of a record (already validated against `c`): the record body in kBodySlot,
// id term, text words with positions unprefixed and without under the field's prefix (weighted by
// the field's weight as wdf), keyword terms, value slots. kInvalidArgument when the body does
// not parse.
core::Result<Xapian::Document> build_document(const schema::Collection& c, std::string_view id,
                                              std::string_view body, std::uint64_t seq);

// A number-valued field's value as facets show it: "true"/"false" for bools, the shortest
// round-trip form otherwise ("19.99").
std::string facet_label(schema::FieldType t, double value);

}  // namespace tandem::search::xapian_backend
