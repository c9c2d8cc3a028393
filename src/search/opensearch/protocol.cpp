// OpenSearch's request bodies and _bulk responses. Depends on core, json, schema, changes and
// simdjson.
#include "search/opensearch/protocol.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "json/writer.h"

namespace tandem::search::opensearch {
namespace {

// Xapian's stemmer names and ISO codes -> OpenSearch's Snowball languages.
constexpr std::array<std::pair<std::string_view, std::string_view>, 46> kSnowball{{
    {"armenian", "Armenian"},
    {"hy", "Armenian"},
    {"basque", "Basque"},
    {"eu", "Basque"},
    {"catalan", "Catalan"},
    {"ca", "Catalan"},
    {"danish", "Danish"},
    {"da", "Danish"},
    {"dutch", "Dutch"},
    {"nl", "Dutch"},
    {"english", "English"},
    {"en", "English"},
    {"finnish", "Finnish"},
    {"fi", "Finnish"},
    {"french", "French"},
    {"fr", "French"},
    {"german", "German"},
    {"de", "German"},
    {"german2", "German2"},
    {"hungarian", "Hungarian"},
    {"hu", "Hungarian"},
    {"irish", "Irish"},
    {"ga", "Irish"},
    {"italian", "Italian"},
    {"it", "Italian"},
    {"kraaij_pieters", "Kp"},
    {"lithuanian", "Lithuanian"},
    {"lt", "Lithuanian"},
    {"lovins", "Lovins"},
    {"norwegian", "Norwegian"},
    {"nb", "Norwegian"},
    {"nn", "Norwegian"},
    {"no", "Norwegian"},
    {"porter", "Porter"},
    {"portuguese", "Portuguese"},
    {"pt", "Portuguese"},
    {"romanian", "Romanian"},
    {"ro", "Romanian"},
    {"russian", "Russian"},
    {"ru", "Russian"},
    {"spanish", "Spanish"},
    {"es", "Spanish"},
    {"swedish", "Swedish"},
    {"sv", "Swedish"},
    {"turkish", "Turkish"},
    {"tr", "Turkish"},
}};

void text_mapping(json::Writer& w) {
  w.begin_object().field("type", "text").field("analyzer", "tandem_text").end_object();
}

// An item of a _bulk response: {"index": {"status": 201, ...}} or {"delete": {...}}.
core::Result<BulkItem> item_of(simdjson::dom::element item) {
  simdjson::dom::object wrapper;
  if (item.get(wrapper) != simdjson::SUCCESS || wrapper.size() != 1)
    return core::fail(core::unavailable("opensearch: a _bulk item is not an object of one action"));
  simdjson::dom::element action = (*wrapper.begin()).value;
  std::int64_t status = 0;
  if (action["status"].get(status) != simdjson::SUCCESS)
    return core::fail(core::unavailable("opensearch: a _bulk item has no status"));
  BulkItem out{.status = static_cast<int>(status)};
  if (action["_version"].get(out.version) != simdjson::SUCCESS) out.version = 0;
  simdjson::dom::element error;
  if (action["error"].get(error) == simdjson::SUCCESS) {
    std::string_view type, reason;
    if (error["type"].get(type) != simdjson::SUCCESS) type = {};
    if (error["reason"].get(reason) != simdjson::SUCCESS) reason = {};
    out.type = std::string(type);
    out.reason = std::string(type) + (reason.empty() ? "" : ": " + std::string(reason));
    if (out.reason.empty()) out.reason = std::string(simdjson::to_string(error));
  }
  if (status < 300 || status == 409) {  // 409: a newer version is already there
    out.outcome = ItemOutcome::kApplied;
  } else if (status == 404 && std::string_view((*wrapper.begin()).key) == "delete") {
    out.outcome = ItemOutcome::kApplied;  // deleting what is not there
  } else if (status == 429 || status >= 500) {
    out.outcome = ItemOutcome::kRetry;
  } else {
    out.outcome = ItemOutcome::kRejected;
  }
  return out;
}

// Appends a _bulk source line: a record accepted pretty-printed has raw line breaks only as
// whitespace (inside its strings they are escaped), so they become spaces.
void append_source_line(std::string& out, std::string_view body) {
  std::size_t at = out.size();
  out += body;
  std::replace_if(
      out.begin() + static_cast<std::ptrdiff_t>(at), out.end(),
      [](char ch) { return ch == '\n' || ch == '\r'; }, ' ');
  out += '\n';
}

// A document of an _mget or _doc response: nullopt unless found with a _source. Throws
// simdjson_error for a document of another shape.
std::optional<StoredDoc> stored_doc(simdjson::ondemand::object& object) {
  StoredDoc out;
  bool found = false, has_source = false;
  for (auto f : object) {
    std::string_view key = f.unescaped_key();
    if (key == "found") {
      found = f.value().get_bool();
    } else if (key == "_source") {
      simdjson::ondemand::object source = f.value().get_object();
      out.source = std::string(source.raw_json().value());
      has_source = true;
    } else if (key == "_version") {
      out.version = f.value().get_uint64();
    } else if (key == "_seq_no") {
      out.seq_no = f.value().get_int64();
    } else if (key == "_primary_term") {
      out.primary_term = f.value().get_int64();
    }
  }
  if (!found || !has_source) return std::nullopt;
  return out;
}

}  // namespace

core::Status check_index_prefix(std::string_view p) {
  bool ok =
      !p.empty() && p.size() <= 100 && p[0] != '_' && p[0] != '-' && p[0] != '+' &&
      std::all_of(p.begin(), p.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
      });
  if (ok) return {};
  return core::invalid_argument(
      "search.opensearch.index_prefix: '" + std::string(p) +
      "' is not an index name prefix (lower-case a-z, 0-9, '-', '_', '.'; not starting with "
      "'_', '-' or '+')");
}

core::Status refusal(std::string_view what, int status, std::string_view body) {
  return core::unavailable("opensearch: " + std::string(what) + " answered " +
                           std::to_string(status) + ": " + error_reason(body));
}

core::Result<std::string> snowball_language(std::string_view language) {
  std::string l(language);
  std::transform(l.begin(), l.end(), l.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (l == "none" || l.empty()) return std::string();
  for (const auto& [name, snowball] : kSnowball)
    if (name == l) return std::string(snowball);
  return core::fail(core::invalid_argument(
      "search.language: OpenSearch has no Snowball stemmer for '" + std::string(language) + "'"));
}

core::Result<std::string> index_body(const schema::Collection& collection,
                                     const IndexSettings& settings, std::string_view alias) {
  auto stemmer = snowball_language(settings.language);
  if (!stemmer) return core::fail(stemmer.error());
  json::Writer w;
  w.begin_object().key("settings").begin_object();
  w.key("index").begin_object();
  w.field("number_of_shards", settings.shards).field("number_of_replicas", settings.replicas);
  w.field("refresh_interval", settings.refresh_interval).end_object();
  w.key("analysis").begin_object();
  if (!stemmer->empty()) {
    w.key("filter").begin_object().key("tandem_stem").begin_object();
    w.field("type", "snowball").field("language", *stemmer).end_object().end_object();
  }
  w.key("analyzer").begin_object().key("tandem_text").begin_object();
  w.field("type", "custom").field("tokenizer", "standard");
  w.key("filter").begin_array().value("lowercase");
  if (!stemmer->empty()) w.value("tandem_stem");
  w.end_array().end_object().end_object().end_object();  // tandem_text, analyzer, analysis
  w.end_object();                                        // settings

  w.key("mappings").begin_object().field("dynamic", false);
  w.key("_meta").begin_object().key(kCollectionMeta).raw(schema::collection_to_json(collection));
  w.end_object().key("properties").begin_object();
  w.key("id").begin_object().field("type", "keyword").end_object();
  for (const auto& f : collection.fields) {
    w.key(f.name);
    switch (f.type) {
      case schema::FieldType::kText: text_mapping(w); break;
      case schema::FieldType::kKeyword:
      case schema::FieldType::kKeywordArray:
        w.begin_object().field("type", "keyword");
        if (f.searchable) {
          w.key("fields").begin_object().key(kTextSubfield.substr(1));
          text_mapping(w);
          w.end_object();
        }
        w.end_object();
        break;
      case schema::FieldType::kInt: w.begin_object().field("type", "long").end_object(); break;
      case schema::FieldType::kFloat: w.begin_object().field("type", "double").end_object(); break;
      case schema::FieldType::kBool: w.begin_object().field("type", "boolean").end_object(); break;
      case schema::FieldType::kTimestamp:
        w.begin_object().field("type", "date").field("format", "strict_date_optional_time");
        w.end_object();
        break;
    }
  }
  w.end_object().end_object();  // properties, mappings
  if (!alias.empty())
    w.key("aliases").begin_object().key(alias).begin_object().end_object().end_object();
  w.end_object();
  return w.take();
}

std::string bulk_body(std::span<const changes::Change> changes, std::string_view index) {
  std::string out;
  for (const auto& c : changes) {
    const bool upsert = c.op == changes::ChangeOp::kUpsert;
    if (!upsert && c.op != changes::ChangeOp::kDelete) continue;
    json::Writer w;
    w.begin_object().key(upsert ? "index" : "delete").begin_object();
    w.field("_index", index).field("_id", c.id).field("version", c.seq);
    w.field("version_type", "external").end_object().end_object();
    out += w.str();
    out += '\n';
    if (upsert) append_source_line(out, c.body);
  }
  return out;
}

core::Result<std::vector<BulkItem>> parse_bulk_response(std::string_view body,
                                                        std::size_t expected) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS)
    return core::fail(core::unavailable("opensearch: the _bulk response is not JSON"));
  simdjson::dom::array items;
  if (doc["items"].get(items) != simdjson::SUCCESS)
    return core::fail(core::unavailable("opensearch: the _bulk response has no items"));
  if (items.size() != expected) {
    return core::fail(core::unavailable("opensearch: the _bulk response has " +
                                        std::to_string(items.size()) + " items for " +
                                        std::to_string(expected) + " actions"));
  }
  std::vector<BulkItem> out;
  out.reserve(expected);
  for (auto item : items) {
    auto parsed = item_of(item);
    if (!parsed) return core::fail(parsed.error());
    out.push_back(std::move(*parsed));
  }
  return out;
}

core::Result<SearchResult> parse_search_response(std::string_view body,
                                                 const std::vector<std::string>& facets) {
  namespace od = simdjson::ondemand;
  SearchResult out;
  std::vector<std::pair<std::string, std::vector<FacetValue>>> found_facets;
  bool saw_hits = false;
  try {
    od::parser parser;
    simdjson::padded_string padded(body);
    od::document doc = parser.iterate(padded);
    for (auto top : doc.get_object()) {
      std::string_view key = top.unescaped_key();
      if (key == "hits") {
        saw_hits = true;
        for (auto h : top.value().get_object()) {
          std::string_view hkey = h.unescaped_key();
          if (hkey == "total") {
            for (auto t : h.value().get_object()) {
              std::string_view tkey = t.unescaped_key();
              if (tkey == "value") out.found = t.value().get_uint64();
              if (tkey == "relation") out.found_is_estimate = std::string_view(t.value()) == "gte";
            }
          } else if (hkey == "hits") {
            for (auto item : h.value().get_array()) {
              Hit hit;
              for (auto f : item.get_object()) {
                std::string_view fkey = f.unescaped_key();
                if (fkey == "_id") {
                  hit.id = std::string(std::string_view(f.value()));
                } else if (fkey == "_score") {
                  auto v = f.value();
                  if (!v.is_null()) hit.score = v.get_double();
                } else if (fkey == "_source") {
                  od::object source = f.value().get_object();
                  hit.document = std::string(source.raw_json().value());
                } else if (fkey == "highlight") {
                  for (auto field : f.value().get_object()) {
                    std::string name(field.unescaped_key().value());
                    if (name.ends_with(kTextSubfield))
                      name.resize(name.size() - kTextSubfield.size());
                    std::string joined;
                    for (auto fragment : field.value().get_array()) {
                      if (!joined.empty()) joined += " ... ";
                      joined += std::string_view(fragment);
                    }
                    hit.highlights.emplace_back(std::move(name), std::move(joined));
                  }
                }
              }
              out.hits.push_back(std::move(hit));
            }
          }
        }
      } else if (key == "aggregations") {
        for (auto agg : top.value().get_object()) {
          std::string name(agg.unescaped_key().value());
          std::vector<FacetValue> values;
          for (auto part : agg.value().get_object()) {
            if (part.unescaped_key().value() != "buckets") continue;
            for (auto bucket : part.value().get_array()) {
              FacetValue fv;
              std::string key_text, as_string;
              for (auto b : bucket.get_object()) {
                std::string_view bkey = b.unescaped_key();
                if (bkey == "key") {
                  auto v = b.value();
                  if (v.type() == od::json_type::string) {
                    key_text = std::string(std::string_view(v));
                  } else {
                    key_text = std::string(v.raw_json_token().value());
                    while (!key_text.empty() && key_text.back() == ' ')
                      key_text.pop_back();
                  }
                } else if (bkey == "key_as_string") {
                  as_string = std::string(std::string_view(b.value()));
                } else if (bkey == "doc_count") {
                  fv.count = b.value().get_uint64();
                }
              }
              fv.value = as_string.empty() ? key_text : as_string;
              values.push_back(std::move(fv));
            }
          }
          found_facets.emplace_back(std::move(name), std::move(values));
        }
      }
    }
  } catch (const simdjson::simdjson_error& e) {
    return core::fail(core::unavailable(std::string("opensearch: a _search response that does "
                                                    "not parse: ") +
                                        e.what()));
  }
  if (!saw_hits)
    return core::fail(core::unavailable("opensearch: a _search response without hits"));
  for (const auto& name : facets) {
    auto it = std::find_if(found_facets.begin(), found_facets.end(),
                           [&](const auto& f) { return f.first == name; });
    out.facets.emplace_back(
        name, it == found_facets.end() ? std::vector<FacetValue>{} : std::move(it->second));
  }
  return out;
}

std::string move_alias_body(std::string_view alias, const std::vector<std::string>& from,
                            std::string_view to) {
  json::Writer w;
  w.begin_object().key("actions").begin_array();
  for (const auto& index : from) {
    w.begin_object().key("remove").begin_object().field("index", index).field("alias", alias);
    w.end_object().end_object();
  }
  w.begin_object().key("add").begin_object().field("index", to).field("alias", alias);
  w.end_object().end_object();
  w.end_array().end_object();
  return w.take();
}

core::Result<std::vector<AliasedIndex>> parse_alias_response(std::string_view body,
                                                             std::string_view alias) {
  simdjson::dom::parser parser;
  simdjson::dom::object indexes;
  if (parser.parse(body.data(), body.size()).get(indexes) != simdjson::SUCCESS)
    return core::fail(core::unavailable("opensearch: an _alias response that is not an object"));
  std::vector<AliasedIndex> out;
  for (auto [index, entry] : indexes) {
    simdjson::dom::object aliases;
    if (entry["aliases"].get(aliases) != simdjson::SUCCESS)
      return core::fail(core::unavailable("opensearch: an _alias response without aliases"));
    bool has = false;
    for (auto a : aliases)
      has = has || a.key == alias;
    out.push_back({std::string(index), has});
  }
  return out;
}

std::string mget_body(std::span<const std::string> ids) {
  json::Writer w;
  w.begin_object().key("ids").begin_array();
  for (const auto& id : ids)
    w.value(id);
  w.end_array().end_object();
  return w.take();
}

core::Result<std::vector<std::optional<StoredDoc>>> parse_mget_response(std::string_view body,
                                                                        std::size_t expected) {
  namespace od = simdjson::ondemand;
  std::vector<std::optional<StoredDoc>> out;
  try {
    od::parser parser;
    simdjson::padded_string padded(body);
    od::document doc = parser.iterate(padded);
    for (auto item : doc["docs"].get_array()) {
      od::object object = item.get_object();
      out.push_back(stored_doc(object));
    }
  } catch (const simdjson::simdjson_error& e) {
    return core::fail(core::unavailable(std::string("opensearch: an _mget response that does "
                                                    "not parse: ") +
                                        e.what()));
  }
  if (out.size() != expected) {
    return core::fail(core::unavailable("opensearch: the _mget response has " +
                                        std::to_string(out.size()) + " docs for " +
                                        std::to_string(expected) + " ids"));
  }
  return out;
}

core::Result<std::optional<StoredDoc>> parse_get_response(std::string_view body) {
  namespace od = simdjson::ondemand;
  try {
    od::parser parser;
    simdjson::padded_string padded(body);
    od::document doc = parser.iterate(padded);
    od::object object = doc.get_object();
    return stored_doc(object);
  } catch (const simdjson::simdjson_error& e) {
    return core::fail(core::unavailable(std::string("opensearch: a _doc response that does "
                                                    "not parse: ") +
                                        e.what()));
  }
}

std::string record_bulk_body(std::span<const RecordWrite> writes) {
  std::string out;
  for (const auto& write : writes) {
    json::Writer w;
    std::string_view kind = write.kind == RecordWrite::Kind::kCreate   ? "create"
                            : write.kind == RecordWrite::Kind::kDelete ? "delete"
                                                                       : "index";
    w.begin_object().key(kind).begin_object().field("_index", write.index).field("_id", write.id);
    if (write.if_seq_no >= 0) {
      w.field("if_seq_no", write.if_seq_no).field("if_primary_term", write.if_primary_term);
    }
    w.end_object().end_object();
    out += w.str();
    out += '\n';
    if (write.kind != RecordWrite::Kind::kDelete) append_source_line(out, write.body);
  }
  return out;
}

core::Result<std::vector<schema::Collection>> parse_mapping_collections(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::object indexes;
  if (parser.parse(body.data(), body.size()).get(indexes) != simdjson::SUCCESS)
    return core::fail(core::unavailable("opensearch: a _mapping response that is not an object"));
  std::vector<schema::Collection> out;
  for (auto [index, entry] : indexes) {
    simdjson::dom::element meta;
    if (entry["mappings"]["_meta"][kCollectionMeta].get(meta) != simdjson::SUCCESS) continue;
    auto collection = schema::collection_from_json(simdjson::to_string(meta));
    if (!collection) {
      return core::fail(core::unavailable(
          "opensearch: index " + std::string(index) +
          " holds a collection that does not load: " + collection.error().message()));
    }
    bool seen = std::any_of(out.begin(), out.end(),
                            [&](const auto& c) { return c.name == collection->name; });
    if (!seen) out.push_back(std::move(*collection));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

core::Result<std::uint64_t> parse_count_response(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::uint64_t count = 0;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS ||
      doc["count"].get(count) != simdjson::SUCCESS)
    return core::fail(core::unavailable("opensearch: a _count response without a count"));
  return count;
}

core::Result<std::string> parse_health_status(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view status;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS ||
      doc["status"].get(status) != simdjson::SUCCESS)
    return core::fail(core::unavailable("opensearch: a _cluster/health response without a status"));
  return std::string(status);
}

std::string error_reason(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view type, reason;
  if (parser.parse(body.data(), body.size()).get(doc) == simdjson::SUCCESS) {
    auto error = doc["error"];
    if (error["type"].get(type) == simdjson::SUCCESS) {
      if (error["reason"].get(reason) != simdjson::SUCCESS) reason = {};
      return std::string(type) + (reason.empty() ? "" : ": " + std::string(reason));
    }
    if (error.get(reason) == simdjson::SUCCESS) return std::string(reason);  // old servers
  }
  std::string out;
  for (char c : body.substr(0, 200))
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  return out;
}

}  // namespace tandem::search::opensearch
