// Record -> Xapian document. Depends on schema, simdjson, Xapian.
#include "search/xapian/layout.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/clock.h"
#include "core/hash.h"
#include "json/writer.h"

namespace tandem::search::xapian_backend {
namespace {

constexpr std::size_t kMaxTermBytes = 240;  // Xapian refuses terms over 245 bytes
constexpr std::size_t kMaxWordBytes = 64;   // longer words are not indexed (as Xapian's indexer)

using simdjson::dom::element;

// The value a field stores in its slot, or "" when it has none.
std::string slot_value(const schema::FieldSpec& f, element value) {
  using schema::FieldType;
  switch (f.type) {
    case FieldType::kInt:
      return Xapian::sortable_serialise(static_cast<double>(value.get_int64().value_unsafe()));
    case FieldType::kFloat: return Xapian::sortable_serialise(value.get_double().value_unsafe());
    case FieldType::kBool:
      return Xapian::sortable_serialise(value.get_bool().value_unsafe() ? 1 : 0);
    case FieldType::kTimestamp: {
      auto ms = core::parse_rfc3339_ms(value.get_string().value_unsafe());
      return ms ? Xapian::sortable_serialise(static_cast<double>(*ms)) : std::string();
    }
    case FieldType::kKeyword: return std::string(value.get_string().value_unsafe());
    case FieldType::kKeywordArray: {
      std::string joined;
      simdjson::dom::array list;
      if (value.get_array().get(list)) return joined;
      for (element e : list) {
        if (!joined.empty()) joined.push_back(kListSeparator);
        joined.append(e.get_string().value_unsafe());
      }
      return joined;
    }
    case FieldType::kText: return {};
  }
  return {};
}

// Text goes in twice, as the words the query side cuts (tokenize): unprefixed with positions, for
// queries over every field and phrases, and under the field's prefix without positions, for
// query_by. Stems are not indexed: queries find a word's forms in the vocabulary (compile.cpp).
// (Stems as terms, "Z" + stem, the way Xapian's TermGenerator indexes, doubled the terms of a
// document: 100,000 records indexed at 9,800/s with them and 18,000/s without.)
// A value of at most kMaxWholeWords words also goes in whole, its words joined by spaces
// ("XE:hot dog"), one prefix for every field: a query equal to it ranks it first (compile.cpp).
template <typename Doc>
void index_text(Doc& doc, Xapian::termpos& pos, std::string_view text, const std::string& prefix,
                double weight) {
  thread_local std::vector<std::string> words;  // the first n; kept, so their buffers are reused
  std::size_t n = 0;
  for_each_word(text, [&](const std::string& word, std::size_t, std::size_t) {
    if (word.size() > kMaxWordBytes) return;
    if (n < words.size()) {
      words[n].assign(word);
    } else {
      words.push_back(word);
    }
    ++n;
  });
  auto wdf = occurrence_wdf(weight, n);
  std::string term = prefix, whole(kWholePrefix);
  for (std::size_t i = 0; i < n; ++i) {
    doc.add_posting(words[i], ++pos, wdf);
    term.resize(prefix.size());
    doc.add_term(term.append(words[i]), wdf);
    if (i < kMaxWholeWords) whole.append(i ? " " : "").append(words[i]);
  }
  if (n > 0 && n <= kMaxWholeWords && whole.size() <= kMaxTermBytes) doc.add_term(whole);
  pos += 10;  // no phrase across fields or across values of a list
}

template <typename Doc>
void index_field(Doc& doc, Xapian::termpos& pos, const schema::FieldSpec& f, std::size_t index,
                 element value) {
  using schema::FieldType;
  if (f.type == FieldType::kText) {
    index_text(doc, pos, value.get_string().value_unsafe(), text_prefix(index), f.weight);
    return;
  }
  std::string kprefix = keyword_prefix(index);
  if (f.type == FieldType::kKeyword || f.type == FieldType::kKeywordArray) {
    auto add = [&](std::string_view v) {
      doc.add_boolean_term(keyword_term(kprefix, v));
      if (f.searchable) index_text(doc, pos, v, text_prefix(index), f.weight);
    };
    simdjson::dom::array list;
    if (f.type == FieldType::kKeyword) {
      add(value.get_string().value_unsafe());
    } else if (!value.get_array().get(list)) {
      for (element e : list)
        add(e.get_string().value_unsafe());
    }
  } else if (f.type == FieldType::kBool) {
    doc.add_boolean_term(kprefix + (value.get_bool().value_unsafe() ? "true" : "false"));
  }
  if (f.sort || f.facet || f.type != FieldType::kText) {
    std::string v = slot_value(f, value);
    if (!v.empty()) doc.add_value(slot_of(index), v);
  }
}

}  // namespace

std::string_view fold_latin(unsigned ch) {
  // U+00C0 to U+017F: the letter's base letters, lower-cased; "" for the two signs (× and ÷).
  static constexpr std::string_view kFolds[] = {
      "a", "a", "a",  "a",  "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
      "d", "n", "o",  "o",  "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",
      "a", "a", "a",  "a",  "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
      "d", "n", "o",  "o",  "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y",
      "a", "a", "a",  "a",  "a", "a", "c",  "c", "c", "c", "c", "c", "c", "c", "d",  "d",
      "d", "d", "e",  "e",  "e", "e", "e",  "e", "e", "e", "e", "e", "g", "g", "g",  "g",
      "g", "g", "g",  "g",  "h", "h", "h",  "h", "i", "i", "i", "i", "i", "i", "i",  "i",
      "i", "i", "ij", "ij", "j", "j", "k",  "k", "k", "l", "l", "l", "l", "l", "l",  "l",
      "l", "l", "l",  "n",  "n", "n", "n",  "n", "n", "n", "n", "n", "o", "o", "o",  "o",
      "o", "o", "oe", "oe", "r", "r", "r",  "r", "r", "r", "s", "s", "s", "s", "s",  "s",
      "s", "s", "t",  "t",  "t", "t", "t",  "t", "u", "u", "u", "u", "u", "u", "u",  "u",
      "u", "u", "u",  "u",  "w", "w", "y",  "y", "y", "z", "z", "z", "z", "z", "z",  "s",
  };
  if (ch < 0xC0 || ch > 0x17F) return {};
  return kFolds[ch - 0xC0];
}

Xapian::termcount occurrence_wdf(double weight, std::size_t words) {
  constexpr double b = 0.75;
  double norm = 1.0 / (1.0 - b + b * static_cast<double>(words) / kTypicalWords);
  return static_cast<Xapian::termcount>(std::max(1.0, std::round(weight * norm * kWdfUnits)));
}

std::vector<std::string> tokenize(std::string_view text) {
  std::vector<std::string> out;
  for_each_word(text,
                [&](const std::string& word, std::size_t, std::size_t) { out.push_back(word); });
  return out;
}

namespace {
void strings_of(element e, const std::function<void(std::string_view)>& fn) {
  switch (e.type()) {
    case simdjson::dom::element_type::STRING: fn(e.get_string().value_unsafe()); break;
    case simdjson::dom::element_type::ARRAY: {
      simdjson::dom::array items = e.get_array().value_unsafe();
      for (element item : items)
        strings_of(item, fn);
      break;
    }
    case simdjson::dom::element_type::OBJECT: {
      simdjson::dom::object fields = e.get_object().value_unsafe();
      for (auto field : fields)
        strings_of(field.value, fn);
      break;
    }
    default: break;
  }
}
}  // namespace

void for_each_string(std::string_view json, const std::function<void(std::string_view)>& fn) {
  thread_local simdjson::dom::parser parser;
  element root;
  if (parser.parse(json.data(), json.size()).get(root)) return;
  strings_of(root, fn);
}

std::string id_term(std::string_view id) {
  std::string term = std::string(kIdPrefix);
  if (id.size() + term.size() <= kMaxTermBytes) return term.append(id);
  std::uint64_t h = core::fnv1a64(id);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return term.append(id.substr(0, 200)).append("#").append(hex);
}

std::string text_prefix(std::size_t i) {
  return "XT" + std::to_string(i) + ":";
}
std::string keyword_prefix(std::size_t i) {
  return "XK" + std::to_string(i) + ":";
}
Xapian::valueno slot_of(std::size_t i) {
  return static_cast<Xapian::valueno>(i + 1);
}

int field_index(const schema::Collection& c, std::string_view name) {
  for (std::size_t i = 0; i < c.fields.size(); ++i) {
    if (c.fields[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& ch : out)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  return out;
}

std::string keyword_term(std::string_view prefix, std::string_view value) {
  std::string term = std::string(prefix) + lower_ascii(value);
  if (term.size() > kMaxTermBytes) term.resize(kMaxTermBytes);
  return term;
}

template <typename Doc>
core::Status index_fields(Doc& doc, const schema::Collection& c, std::string_view body) {
  thread_local simdjson::dom::parser parser;
  element root;
  if (auto err = parser.parse(body.data(), body.size()).get(root)) {
    return core::invalid_argument(std::string("stored record does not parse: ") +
                                  simdjson::error_message(err));
  }
  Xapian::termpos pos = 0;
  for (std::size_t i = 0; i < c.fields.size(); ++i) {
    element value;
    if (root.at_key(c.fields[i].name).get(value) || value.is_null()) continue;
    index_field(doc, pos, c.fields[i], i, value);
  }
  return core::Status::ok();
}
template core::Status index_fields(Xapian::Document&, const schema::Collection&, std::string_view);
template core::Status index_fields(native::SegmentWriter&, const schema::Collection&,
                                   std::string_view);

core::Result<Xapian::Document> build_document(const schema::Collection& c, std::string_view id,
                                              std::string_view body, std::uint64_t seq) {
  Xapian::Document doc;
  if (auto st = index_fields(doc, c, body); !st.is_ok()) return core::fail(std::move(st));
  doc.add_value(kBodySlot, std::string(body));
  doc.add_boolean_term(id_term(id));
  doc.add_value(kSeqSlot, Xapian::sortable_serialise(static_cast<double>(seq)));
  doc.add_value(kIdSlot, std::string(id));
  return doc;
}

std::string facet_label(schema::FieldType t, double value) {
  if (t == schema::FieldType::kBool) return value != 0 ? "true" : "false";
  std::string out;
  json::append_number(out, value);
  return out;
}

}  // namespace tandem::search::xapian_backend
