// The in-memory OpenSearch for tests. Depends on the fault server, net (gunzip), json, simdjson.
#include "support/fake_opensearch.h"

#include <simdjson.h>

#include <algorithm>
#include <thread>

#include "json/split.h"
#include "json/writer.h"
#include "net/gzip.h"

namespace tandem::testing {
namespace {

HttpStep json_step(int status, std::string body) {
  return HttpStep{
      .status = status, .body = std::move(body), .headers = {{"Content-Type", "application/json"}}};
}

HttpStep error_step(int status, std::string_view type, std::string_view reason) {
  json::Writer w;
  w.begin_object().key("error").begin_object();
  w.key("root_cause").begin_array().begin_object().field("type", type).field("reason", reason);
  w.end_object().end_array();
  w.field("type", type).field("reason", reason).end_object().field("status", status).end_object();
  return json_step(status, w.take());
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at <= s.size()) {
    auto next = s.find(sep, at);
    if (next == std::string_view::npos) next = s.size();
    if (next > at) out.emplace_back(s.substr(at, next - at));
    at = next + 1;
  }
  return out;
}

std::string percent_decoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool matches(std::string_view pattern, std::string_view name) {
  if (pattern.ends_with('*')) return name.starts_with(pattern.substr(0, pattern.size() - 1));
  return pattern == name;
}

}  // namespace

FakeOpenSearch::FakeOpenSearch()
    : server_(std::make_unique<HttpFaultServer>(
          std::vector<HttpStep>{}, [this](const SeenRequest& r) { return handle(r); })) {}

void FakeOpenSearch::fail_item(const std::string& id, int status, int times) {
  std::lock_guard lock(mutex_);
  item_faults_[id] = {status, times};
}

void FakeOpenSearch::fail_requests(const std::string& operation, int status, int times) {
  std::lock_guard lock(mutex_);
  request_faults_[operation] = {status, times};
}

void FakeOpenSearch::slow_requests(const std::string& operation, std::chrono::milliseconds delay,
                                   int times) {
  std::lock_guard lock(mutex_);
  slow_[operation] = {delay, times};
}

std::vector<std::string> FakeOpenSearch::resolve(const std::string& names) const {
  std::set<std::string> out;
  for (const auto& n : split(names, ',')) {
    for (const auto& [name, index] : indexes_) {
      if (matches(n, name)) out.insert(name);
      for (const auto& a : index.aliases)
        if (a == n) out.insert(name);
    }
  }
  return {out.begin(), out.end()};
}

std::optional<FakeOpenSearch::Doc> FakeOpenSearch::doc(const std::string& index,
                                                       const std::string& id) const {
  std::lock_guard lock(mutex_);
  for (const auto& name : resolve(index)) {
    const auto& docs = indexes_.at(name).docs;
    if (auto it = docs.find(id); it != docs.end()) return it->second;
  }
  return std::nullopt;
}

std::size_t FakeOpenSearch::size(const std::string& index) const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& name : resolve(index))
    for (const auto& [id, d] : indexes_.at(name).docs)
      n += d.source.empty() ? 0 : 1;
  return n;
}

std::vector<std::string> FakeOpenSearch::indexes() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [name, _] : indexes_)
    out.push_back(name);
  return out;
}

std::set<std::string> FakeOpenSearch::alias(const std::string& alias) const {
  std::lock_guard lock(mutex_);
  std::set<std::string> out;
  for (const auto& [name, index] : indexes_)
    if (index.aliases.contains(alias)) out.insert(name);
  return out;
}

std::string FakeOpenSearch::created_with(const std::string& index) const {
  std::lock_guard lock(mutex_);
  auto it = indexes_.find(index);
  return it == indexes_.end() ? "" : it->second.body;
}

HttpStep FakeOpenSearch::bulk(const std::string& body, bool refresh) {
  simdjson::dom::parser parser, source_parser;  // the action's strings live in the first
  auto lines = json::split_lines(body);
  json::Writer w;
  w.begin_object().field("took", 1);
  bool errors = false;
  json::Writer list;
  list.begin_array();
  std::lock_guard lock(mutex_);
  std::set<std::string> touched;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    simdjson::dom::object action;
    if (parser.parse(lines[i].text.data(), lines[i].text.size()).get(action) || action.size() != 1)
      return error_step(400, "illegal_argument_exception", "Malformed action/metadata line");
    std::string kind(std::string_view((*action.begin()).key));
    simdjson::dom::element meta = (*action.begin()).value;
    std::string_view index_name, id, version_type;
    std::uint64_t version = 0;  // external; 0: internal versions
    std::int64_t if_seq_no = -1, if_primary_term = -1;
    bool external = meta["version_type"].get(version_type) == simdjson::SUCCESS;
    bool conditional = meta["if_seq_no"].get(if_seq_no) == simdjson::SUCCESS;
    if (meta["_index"].get(index_name) || meta["_id"].get(id) ||
        (external && (version_type != "external" || meta["version"].get(version))) ||
        (conditional && (meta["if_primary_term"].get(if_primary_term) || external)) ||
        (kind != "index" && kind != "delete" && kind != "create") ||
        (kind == "create" && (external || conditional)))
      return error_step(400, "illegal_argument_exception",
                        "fake: unexpected action " + std::string(lines[i].text));
    std::string source;
    if (kind != "delete") {
      if (++i >= lines.size())
        return error_step(400, "illegal_argument_exception", "source line missing");
      source = std::string(lines[i].text);
      simdjson::dom::element parsed;
      if (source_parser.parse(source).get(parsed))
        return error_step(400, "mapper_parsing_exception", "failed to parse");
    }
    list.begin_object().key(kind).begin_object().field("_index", index_name).field("_id", id);
    auto fail = [&](int status, std::string_view type, std::string_view reason) {
      errors = true;
      list.field("status", status).key("error").begin_object().field("type", type);
      list.field("reason", reason).end_object();
    };
    auto conflict = [&](std::string_view reason) {
      fail(409, "version_conflict_engine_exception",
           "[" + std::string(id) + "]: " + std::string(reason));
    };
    auto targets = resolve(std::string(index_name));
    auto fault = item_faults_.find(std::string(id));
    if (fault != item_faults_.end() && fault->second.second > 0) {
      --fault->second.second;
      int status = fault->second.first;
      fail(status, status == 429 ? "es_rejected_execution_exception" : "mapper_parsing_exception",
           status == 429 ? "rejected execution of coordinating operation"
                         : "failed to parse field [price] of type [double]");
    } else if (targets.size() != 1) {
      fail(404, "index_not_found_exception", "no such index [" + std::string(index_name) + "]");
    } else {
      Index& index = indexes_[targets[0]];
      auto& doc = index.docs[std::string(id)];
      bool existed = doc.version > 0 && !doc.source.empty();
      if (external && doc.version >= version) {
        conflict("version conflict, current version [" + std::to_string(doc.version) +
                 "] is higher or equal to the one provided [" + std::to_string(version) + "]");
      } else if (kind == "create" && existed) {
        conflict("version conflict, document already exists (current version [" +
                 std::to_string(doc.version) + "])");
      } else if (conditional && !existed) {
        conflict("version conflict, required seqNo [" + std::to_string(if_seq_no) +
                 "], primary term [" + std::to_string(if_primary_term) +
                 "] but no document was found");
      } else if (conditional && (doc.seq_no != if_seq_no || if_primary_term != 1)) {
        conflict("version conflict, required seqNo [" + std::to_string(if_seq_no) +
                 "], primary term [" + std::to_string(if_primary_term) +
                 "]. current document has seqNo [" + std::to_string(doc.seq_no) +
                 "] and primary term [1]");
      } else {
        doc = Doc{external ? version : doc.version + 1, source, index.next_seq_no++};
        touched.insert(targets[0]);
        int status = kind == "delete" ? (existed ? 200 : 404) : (existed ? 200 : 201);
        std::string_view result = kind == "delete" ? (existed ? "deleted" : "not_found")
                                                   : (existed ? "updated" : "created");
        list.field("_version", doc.version).field("result", result);
        list.field("_seq_no", doc.seq_no).field("_primary_term", 1).field("status", status);
      }
    }
    list.end_object().end_object();
  }
  list.end_array();
  if (refresh)
    for (const auto& name : touched)
      indexes_[name].visible = indexes_[name].docs;
  w.field("errors", errors).key("items").raw(list.str()).end_object();
  return json_step(200, w.take());
}

HttpStep FakeOpenSearch::handle(const SeenRequest& r) {
  std::string path = r.target.substr(0, r.target.find('?'));
  std::string body = r.body;
  if (r.header("Content-Encoding") == "gzip") {
    auto plain = net::gunzip(body);
    if (!plain) return error_step(400, "parse_exception", "bad gzip");
    body = std::move(*plain);
  }
  auto parts = split(path, '/');
  std::chrono::milliseconds delay{0};
  {
    std::lock_guard lock(mutex_);
    for (auto& [operation, slow] : slow_) {
      if (slow.second > 0 && path.ends_with(operation)) {
        --slow.second;
        delay = slow.first;
      }
    }
  }
  std::this_thread::sleep_for(delay);
  {
    std::lock_guard lock(mutex_);
    for (auto& [operation, fault] : request_faults_) {
      if (fault.second > 0 && path.ends_with(operation)) {
        --fault.second;
        return error_step(fault.first, "fake_fault", "injected");
      }
    }
  }
  simdjson::dom::parser parser;
  if (parts.empty())
    return json_step(200, R"({"version":{"distribution":"fake","number":"2.11.0"}})");
  if (parts.size() == 1 && parts[0] == "_bulk" && r.method == "POST") {
    std::string query = r.target.substr(std::min(r.target.size(), path.size()));
    return bulk(body, query.find("refresh=wait_for") != std::string::npos ||
                          query.find("refresh=true") != std::string::npos);
  }
  if (parts.size() == 2 && parts[0] == "_cluster" && parts[1] == "health" && r.method == "GET") {
    std::lock_guard lock(mutex_);
    return json_step(200,
                     R"({"cluster_name":"fake","status":")" + health_ +
                         R"(","timed_out":false,"number_of_nodes":1,"number_of_data_nodes":1})");
  }

  std::unique_lock lock(mutex_);
  if (parts.size() == 1 && parts[0] == "_aliases" && r.method == "POST") {
    simdjson::dom::element doc;
    simdjson::dom::array actions;
    if (parser.parse(body).get(doc) || doc["actions"].get(actions))
      return error_step(400, "parse_exception", "no actions");
    auto next = indexes_;  // all or nothing
    for (auto a : actions) {
      simdjson::dom::object action = a;
      std::string kind{std::string_view((*action.begin()).key)};
      std::string index{std::string_view((*action.begin()).value["index"])};
      std::string alias{std::string_view((*action.begin()).value["alias"])};
      auto it = next.find(index);
      if (it == next.end())
        return error_step(404, "index_not_found_exception", "no such index [" + index + "]");
      if (kind == "add") {
        it->second.aliases.insert(alias);
      } else if (kind == "remove") {
        if (!it->second.aliases.erase(alias))
          return error_step(404, "aliases_not_found_exception", "aliases [" + alias + "] missing");
      }
    }
    indexes_ = std::move(next);
    return json_step(200, R"({"acknowledged":true})");
  }
  if (parts.size() == 1 && r.method == "PUT") {
    if (indexes_.contains(parts[0]))
      return error_step(400, "resource_already_exists_exception",
                        "index [" + parts[0] + "] already exists");
    simdjson::dom::element doc;
    if (parser.parse(body).get(doc)) return error_step(400, "parse_exception", "not JSON");
    Index index{.body = body};
    simdjson::dom::object aliases;
    if (doc["aliases"].get(aliases) == simdjson::SUCCESS)
      for (auto a : aliases)
        index.aliases.insert(std::string(std::string_view(a.key)));
    indexes_[parts[0]] = std::move(index);
    return json_step(
        200, R"({"acknowledged":true,"shards_acknowledged":true,"index":")" + parts[0] + "\"}");
  }
  auto targets = resolve(parts[0]);
  bool wildcard = parts[0].find('*') != std::string::npos;
  bool ignore_unavailable = r.target.find("ignore_unavailable=true") != std::string::npos;
  if (targets.empty() && !wildcard && !ignore_unavailable)
    return error_step(404, "index_not_found_exception", "no such index [" + parts[0] + "]");
  if (parts.size() == 1 && r.method == "DELETE") {
    for (const auto& t : targets)
      indexes_.erase(t);
    return json_step(200, R"({"acknowledged":true})");
  }
  if (parts.size() == 3 && parts[1] == "_doc" && r.method == "GET") {
    std::string id = percent_decoded(parts[2]);
    json::Writer w;
    w.begin_object().field("_index", targets.empty() ? parts[0] : targets[0]).field("_id", id);
    const Doc* found = nullptr;
    for (const auto& t : targets)
      if (auto it = indexes_[t].docs.find(id);
          it != indexes_[t].docs.end() && !it->second.source.empty())
        found = &it->second;
    if (found == nullptr) return json_step(404, w.field("found", false).end_object().take());
    w.field("_version", found->version).field("_seq_no", found->seq_no);
    w.field("_primary_term", 1).field("found", true).key("_source").raw(found->source);
    return json_step(200, w.end_object().take());
  }
  if (parts.size() != 2)
    return error_step(400, "fake_unsupported", "fake: " + r.method + " " + path);
  const std::string& op = parts[1];
  if (op == "_alias" && r.method == "GET") {
    json::Writer w;
    w.begin_object();
    for (const auto& t : targets) {
      w.key(t).begin_object().key("aliases").begin_object();
      for (const auto& a : indexes_[t].aliases)
        w.key(a).begin_object().end_object();
      w.end_object().end_object();
    }
    return json_step(200, w.end_object().take());
  }
  if (op == "_mapping" && r.method == "GET") {
    json::Writer w;
    w.begin_object();
    for (const auto& t : targets) {
      simdjson::dom::element created, mappings;
      w.key(t).begin_object().key("mappings");
      if (parser.parse(indexes_[t].body).get(created) || created["mappings"].get(mappings))
        w.begin_object().end_object();
      else
        w.raw(simdjson::to_string(mappings));
      w.end_object();
    }
    return json_step(200, w.end_object().take());
  }
  if (op == "_refresh" && r.method == "POST") {
    for (const auto& t : targets)
      indexes_[t].visible = indexes_[t].docs;
    return json_step(200, R"({"_shards":{"total":1,"successful":1,"failed":0}})");
  }
  // Reads of one index (or an alias of one).
  std::vector<std::pair<std::string, const Doc*>> visible, live;
  for (const auto& t : targets) {
    for (const auto& [id, d] : indexes_[t].visible)
      if (!d.source.empty()) visible.emplace_back(id, &d);
    for (const auto& [id, d] : indexes_[t].docs)
      if (!d.source.empty()) live.emplace_back(id, &d);
  }
  constexpr std::string_view kShards = R"({"total":1,"successful":1,"skipped":0,"failed":0})";
  if (op == "_count") {
    return json_step(200, "{\"count\":" + std::to_string(visible.size()) +
                              ",\"_shards\":" + std::string(kShards) + "}");
  }
  if (op == "_mget" && r.method == "POST") {
    simdjson::dom::element doc;
    simdjson::dom::array ids;
    if (parser.parse(body).get(doc) || doc["ids"].get(ids))
      return error_step(400, "action_request_validation_exception", "no ids");
    json::Writer w;
    w.begin_object().key("docs").begin_array();
    for (auto idv : ids) {
      std::string id{std::string_view(idv)};
      auto it = std::find_if(live.begin(), live.end(), [&](auto& p) { return p.first == id; });
      w.begin_object().field("_index", targets.empty() ? parts[0] : targets[0]).field("_id", id);
      w.field("found", it != live.end());
      if (it != live.end()) {
        w.field("_version", it->second->version).field("_seq_no", it->second->seq_no);
        w.field("_primary_term", 1).key("_source").raw(it->second->source);
      }
      w.end_object();
    }
    return json_step(200, w.end_array().end_object().take());
  }
  if (op == "_search" && r.method == "POST") {
    simdjson::dom::element doc;
    if (parser.parse(body).get(doc)) return error_step(400, "parse_exception", "not JSON");
    simdjson::dom::element q;
    std::string text = doc["query"].get(q) ? "" : simdjson::to_string(q);
    if (!text.empty() && text != R"({"bool":{"must":[{"match_all":{}}]}})")
      return error_step(400, "fake_unsupported", "fake: only match_all is modelled, not " + text);
    std::uint64_t from = 0, size = 10, track = 10000;
    for (auto [key, out] :
         {std::pair{"from", &from}, {"size", &size}, {"track_total_hits", &track}})
      if (doc[key].get(*out) != simdjson::SUCCESS && doc[key].error() != simdjson::NO_SUCH_FIELD)
        return error_step(400, "parse_exception", std::string("fake: bad ") + key);
    json::Writer w;
    w.begin_object().field("took", 1).field("timed_out", false);
    w.key("_shards").raw(kShards).key("hits").begin_object();
    w.key("total").begin_object().field("value", std::min<std::uint64_t>(visible.size(), track));
    w.field("relation", visible.size() > track ? "gte" : "eq").end_object();
    w.field("max_score", 1.0).key("hits").begin_array();
    for (std::size_t i = from; i < visible.size() && i < from + size; ++i) {
      w.begin_object().field("_index", targets[0]).field("_id", visible[i].first);
      w.field("_score", 1.0).key("_source").raw(visible[i].second->source).end_object();
    }
    return json_step(200, w.end_array().end_object().end_object().take());
  }
  return error_step(400, "fake_unsupported", "fake: " + r.method + " " + path);
}

}  // namespace tandem::testing
