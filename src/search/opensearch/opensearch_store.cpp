// Direct mode's record store over the HTTP client. Depends on the store's interface, the
// protocol of this directory, schema (merges), net and core.
#include "search/opensearch/opensearch_store.h"

#include <simdjson.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "core/text.h"
#include "json/writer.h"
#include "schema/record.h"

namespace tandem::search {
namespace {

using core::fail;
using core::unavailable;
namespace os = opensearch;

core::Status refused(std::string_view what, const net::HttpResponse& r) {
  return os::refusal(what, r.status, r.body);
}

}  // namespace

// One operation of a group on its way: what is sent for it, and its outcome once it has one.
struct OpenSearchStore::Op {
  const store::WriteOp* op = nullptr;
  const schema::Collection* collection = nullptr;
  std::string alias;
  std::string merged;  // an update's record, merged over the base read this round
  std::int64_t if_seq_no = -1;
  std::int64_t if_primary_term = -1;
  std::string stored;  // the record as written, once it was
  int rounds = 0;      // sends so far
  std::optional<core::Result<std::uint64_t>> outcome;

  bool done() const { return outcome.has_value(); }
  void finish(core::Result<std::uint64_t> r) { outcome = std::move(r); }
};

core::Result<std::unique_ptr<OpenSearchStore>> OpenSearchStore::open(
    OpenSearchStoreOptions options) {
  if (auto st = os::check_index_prefix(options.index_prefix); !st.is_ok()) return fail(st);
  if (options.http.endpoints.empty())
    return fail(core::invalid_argument("search.opensearch.url: no node given"));
  if (auto stemmer = os::snowball_language(options.index.language); !stemmer)
    return fail(stemmer.error());
  if (options.attempts < 1) options.attempts = 1;
  if (options.bulk_max_ops == 0) options.bulk_max_ops = 1;
  return std::unique_ptr<OpenSearchStore>(new OpenSearchStore(std::move(options)));
}

OpenSearchStore::OpenSearchStore(OpenSearchStoreOptions options)
    : options_(std::move(options)),
      client_(options_.http),
      backoff_(options_.retry),
      writer_([this] { writer_loop(); }) {}

OpenSearchStore::~OpenSearchStore() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  writer_.join();
}

std::string OpenSearchStore::alias(std::string_view collection) const {
  return options_.index_prefix + std::string(collection);
}

void OpenSearchStore::submit(store::WriteBatch batch, store::WriteCallback done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back(Pending{.batch = std::move(batch), .done = std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  done(fail(unavailable("the record store is shutting down")));
}

void OpenSearchStore::writer_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    auto ready = [&] { return stopping_ || !queue_.empty(); };
    if (unrefreshed_.empty()) {
      wake_.wait(lock, ready);
    } else {
      wake_.wait_until(lock, refresh_due_, ready);
    }
    bool idle = queue_.empty();
    if (!unrefreshed_.empty() &&
        (std::chrono::steady_clock::now() >= refresh_due_ || (stopping_ && idle))) {
      lock.unlock();
      refresh_written();
      lock.lock();
      continue;
    }
    if (idle) {
      if (stopping_) return;  // everything queued is written (and refreshed)
      continue;
    }
    std::vector<Pending> group;
    std::size_t ops = 0;
    while (!queue_.empty() &&
           (group.empty() || ops + queue_.front().batch.ops.size() <= options_.bulk_max_ops)) {
      ops += queue_.front().batch.ops.size();
      group.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    write_group(group);
    lock.lock();
  }
}

void OpenSearchStore::refresh_written() {
  std::string targets;
  for (const auto& c : unrefreshed_)
    targets += (targets.empty() ? "" : ",") + alias(c);
  auto r = client_.call("POST", "/" + targets + "/_refresh?ignore_unavailable=true", "");
  bool stopping = false;
  {
    std::lock_guard lock(mutex_);
    stopping = stopping_;
  }
  if ((!r || r->status != 200) && !stopping) {  // sent again later; a stop gives it up
    refresh_due_ = std::chrono::steady_clock::now() + options_.refresh_interval;
    return;
  }
  std::vector<std::string> collections(unrefreshed_.begin(), unrefreshed_.end());
  unrefreshed_.clear();
  if (r && r->status == 200) options_.visible(collections);
}

void OpenSearchStore::write_group(std::vector<Pending>& group) {
  std::vector<Op> ops;
  std::vector<std::size_t> first_op;  // of each batch in `ops`
  bool refresh = false;
  for (const auto& p : group) {
    first_op.push_back(ops.size());
    refresh = refresh || p.batch.visible;
    for (const auto& op : p.batch.ops)
      ops.push_back(Op{.op = &op,
                       .collection = p.batch.collection.get(),
                       .alias = alias(p.batch.collection->name)});
  }
  int failures = 0;  // rounds in a row that had items to send again
  for (;;) {
    // A round takes the first unfinished operation of every id, so that the operations on one
    // id are applied in the order they came.
    std::vector<Op*> round;
    std::set<std::pair<std::string_view, std::string_view>> busy;
    for (auto& op : ops) {
      if (op.done()) continue;
      bool free = busy.insert({op.alias, op.op->id}).second;
      if (free && round.size() < options_.bulk_max_ops) round.push_back(&op);
    }
    if (round.empty()) break;
    if (send_round(round, refresh)) {
      std::this_thread::sleep_for(backoff_.delay(++failures));
    } else {
      failures = 0;
    }
  }
  if (options_.visible) {
    std::vector<std::string> collections;
    for (const auto& p : group)
      collections.push_back(p.batch.collection->name);
    std::sort(collections.begin(), collections.end());
    collections.erase(std::unique(collections.begin(), collections.end()), collections.end());
    if (refresh) {
      options_.visible(collections);  // before the acknowledgements
    } else {
      if (unrefreshed_.empty())
        refresh_due_ = std::chrono::steady_clock::now() + options_.refresh_interval;
      unrefreshed_.insert(collections.begin(), collections.end());
    }
  }
  for (std::size_t b = 0; b < group.size(); ++b) {
    std::size_t end = b + 1 < group.size() ? first_op[b + 1] : ops.size();
    std::vector<store::OpResult> results;
    bool any_sent = false;
    for (std::size_t i = first_op[b]; i < end; ++i) {
      any_sent = any_sent || *ops[i].outcome ||
                 ops[i].outcome->error().code() != core::StatusCode::kUnavailable;
      results.push_back(store::OpResult{.id = ops[i].op->id,
                                        .seq = std::move(*ops[i].outcome),
                                        .body = std::move(ops[i].stored)});
    }
    if (!any_sent && !results.empty()) {
      group[b].done(fail(results.front().seq.error()));
    } else {
      group[b].done(std::move(results));
    }
  }
}

void OpenSearchStore::prepare_merges(std::vector<Op*>& round) {
  std::map<std::string, std::vector<Op*>> by_alias;
  for (Op* op : round)
    if (op->op->action == store::Action::kUpdate) by_alias[op->alias].push_back(op);
  schema::RecordParser parser(options_.max_record_bytes);
  for (auto& [name, merges] : by_alias) {
    std::vector<std::string> ids;
    for (Op* op : merges)
      ids.push_back(op->op->id);
    auto r = client_.call("POST", "/" + name + "/_mget", os::mget_body(ids));
    core::Result<std::vector<std::optional<os::StoredDoc>>> docs =
        std::vector<std::optional<os::StoredDoc>>(ids.size());  // 404: no index, no records
    if (!r) {
      docs = fail(r.error());
    } else if (r->status == 200) {
      docs = os::parse_mget_response(r->body, ids.size());
    } else if (r->status != 404) {
      docs = fail(refused("_mget", *r));
    }
    for (std::size_t i = 0; i < merges.size(); ++i) {
      Op& op = *merges[i];
      if (!docs) {
        op.finish(fail(docs.error()));
        continue;
      }
      const auto& base = (*docs)[i];
      if (!base) {
        op.finish(fail(core::not_found("no record with id '" + op.op->id + "'")));
        continue;
      }
      if (base->seq_no < 0 || base->primary_term < 0) {
        op.finish(fail(unavailable("opensearch: _mget gave no _seq_no for '" + op.op->id + "'")));
        continue;
      }
      auto merged = parser.merge(*op.collection, base->source, op.op->body);
      if (!merged) {
        op.finish(fail(merged.error()));
        continue;
      }
      op.merged = std::move(merged->body);
      op.if_seq_no = base->seq_no;
      op.if_primary_term = base->primary_term;
    }
  }
}

bool OpenSearchStore::send_round(std::vector<Op*>& round, bool refresh) {
  prepare_merges(round);
  std::vector<Op*> sending;
  std::vector<os::RecordWrite> writes;
  bool creates = false;
  for (Op* op : round) {
    if (op->done()) continue;
    using Kind = os::RecordWrite::Kind;
    os::RecordWrite w{.index = op->alias, .id = op->op->id, .body = op->op->body};
    switch (op->op->action) {
      case store::Action::kUpsert: w.kind = Kind::kIndex; break;
      case store::Action::kCreate:
        w.kind = Kind::kCreate;
        creates = true;
        break;
      case store::Action::kDelete: w.kind = Kind::kDelete; break;
      case store::Action::kUpdate:
        w.kind = Kind::kIndex;
        w.body = op->merged;
        w.if_seq_no = op->if_seq_no;
        w.if_primary_term = op->if_primary_term;
        break;
    }
    sending.push_back(op);
    writes.push_back(w);
  }
  if (sending.empty()) return false;
  // Sending a create twice would answer the second "already exists" for a record the first one
  // wrote, so a _bulk with creates is not sent again once it may have arrived. Index and delete
  // actions are safe to repeat; a merge repeated finds its _seq_no moved and merges again.
  auto r = client_.call("POST", refresh ? "/_bulk?refresh=wait_for" : "/_bulk",
                        os::record_bulk_body(writes), !creates);
  core::Result<std::vector<os::BulkItem>> items =
      !r                 ? core::Result<std::vector<os::BulkItem>>(fail(r.error()))
      : r->status != 200 ? core::Result<std::vector<os::BulkItem>>(fail(refused("_bulk", *r)))
                         : os::parse_bulk_response(r->body, sending.size());
  if (!items) {
    // The client has already tried again within its deadline: what was not had is not
    // acknowledged, and the caller may send it again.
    for (Op* op : sending)
      op->finish(fail(items.error()));
    return false;
  }
  bool again = false;
  for (std::size_t i = 0; i < sending.size(); ++i) {
    Op& op = *sending[i];
    const os::BulkItem& item = (*items)[i];
    ++op.rounds;
    bool last = op.rounds >= options_.attempts;
    const std::string& id = op.op->id;
    if (item.status == 200 || item.status == 201) {
      op.finish(item.version);
      op.stored = op.op->action == store::Action::kUpdate ? std::move(op.merged) : op.op->body;
    } else if (op.op->action == store::Action::kDelete && item.status == 404 && item.type.empty()) {
      op.finish(fail(core::not_found("no record with id '" + id + "'")));
    } else if (op.op->action == store::Action::kCreate && item.status == 409) {
      op.finish(
          fail(core::Status(core::StatusCode::kAlreadyExists, "id '" + id + "' already exists")));
    } else if (item.status == 409 && op.op->action == store::Action::kUpdate) {
      // Another writer got there first: the next round reads its version and merges again.
      if (last) {
        op.finish(fail(unavailable("record '" + id + "' kept changing while it was merged (" +
                                   std::to_string(op.rounds) + " tries)")));
      }
    } else if (item.status == 429 || item.status >= 500) {
      if (last) {
        op.finish(fail(unavailable("opensearch refused record '" + id + "' " +
                                   std::to_string(op.rounds) + " times: " + item.reason)));
      } else {
        again = true;
      }
    } else if (item.status == 404) {
      op.finish(fail(core::not_found("opensearch has no index for collection '" +
                                     op.collection->name + "': " + item.reason)));
    } else {
      op.finish(fail(
          core::invalid_argument("opensearch cannot take record '" + id + "': " + item.reason)));
    }
  }
  return again;
}

core::Result<std::optional<opensearch::StoredDoc>> OpenSearchStore::read_doc(
    const std::string& index, std::string_view id) {
  auto r = client_.call("GET", "/" + index + "/_doc/" + core::percent_encode(id), "");
  if (!r) return fail(r.error());
  if (r->status == 404) return std::optional<os::StoredDoc>();  // no such document or index
  if (r->status != 200) return fail(refused("_doc", *r));
  return os::parse_get_response(r->body);
}

core::Result<std::optional<store::Document>> OpenSearchStore::get(std::string_view collection,
                                                                  std::string_view id) {
  auto doc = read_doc(alias(collection), id);
  if (!doc) return fail(doc.error());
  if (!*doc) return std::optional<store::Document>();
  return std::optional<store::Document>(store::Document{
      .id = std::string(id), .seq = (*doc)->version, .body = std::move((*doc)->source)});
}

core::Result<std::vector<schema::Collection>> OpenSearchStore::collections() {
  auto r = client_.call("GET", "/" + options_.index_prefix + "*/_mapping", "");
  if (!r) return fail(r.error());
  if (r->status != 200) return fail(refused("_mapping", *r));
  return os::parse_mapping_collections(r->body);
}

core::Status OpenSearchStore::create_collection(const schema::Collection& collection) {
  std::string name = alias(collection.name);
  auto existing = client_.call("GET", "/" + name + "/_mapping", "");
  if (!existing) return existing.error();
  if (existing->status == 200) {
    return {core::StatusCode::kAlreadyExists,
            "collection '" + collection.name + "' already exists"};
  }
  if (existing->status != 404) return refused("_mapping of " + name, *existing);
  auto body = os::index_body(collection, options_.index, name);
  if (!body) return body.error();
  auto r = client_.call("PUT", "/" + name + "-v1", std::move(*body));
  if (!r) return r.error();
  if (r->status == 200) return {};
  // Another node made it first (or an earlier attempt whose answer was lost).
  if (r->status == 400 && os::error_reason(r->body).starts_with("resource_already_exists")) {
    return {core::StatusCode::kAlreadyExists,
            "collection '" + collection.name + "' already exists"};
  }
  return refused("creating index " + name + "-v1", *r);
}

core::Status OpenSearchStore::check() {
  return client_.check();
}

core::Result<std::int64_t> OpenSearchStore::count(std::string_view collection) {
  auto r = client_.call("GET", "/" + alias(collection) + "/_count", "");
  if (!r) return fail(r.error());
  if (r->status == 404) return std::int64_t{0};
  if (r->status != 200) return fail(refused("_count", *r));
  auto n = os::parse_count_response(r->body);
  if (!n) return fail(n.error());
  return static_cast<std::int64_t>(*n);
}

core::Result<std::uint64_t> OpenSearchStore::drop_collection(const std::string& name) {
  std::string a = alias(name);
  auto r = client_.call("GET", "/" + a + "-v*/_alias", "");
  if (!r) return fail(r.error());
  if (r->status != 200) return fail(refused("listing the indexes of " + a, *r));
  auto indexes = os::parse_alias_response(r->body, a);
  if (!indexes) return fail(indexes.error());
  std::string names;
  for (const auto& i : *indexes)
    names += (names.empty() ? "" : ",") + i.index;
  if (names.empty()) return fail(core::not_found("no collection named '" + name + "'"));
  auto gone = client_.call("DELETE", "/" + names, "");
  if (!gone) return fail(gone.error());
  if (gone->status != 200 && gone->status != 404) return fail(refused("deleting " + names, *gone));
  return std::uint64_t{0};
}

// API keys and job runs.

namespace {

std::string key_body(const store::ApiKeyRow& k) {
  json::Writer w;
  w.begin_object().field("hash", k.hash).field("spec", k.spec);
  w.field("created_at_ms", k.created_at_ms).field("revoked_at_ms", k.revoked_at_ms);
  return w.end_object().take();
}

core::Result<store::ApiKeyRow> key_of(std::string id, std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view hash, spec;
  store::ApiKeyRow row{.id = std::move(id)};
  if (parser.parse(body.data(), body.size()).get(doc) || doc["hash"].get(hash) ||
      doc["spec"].get(spec) || doc["created_at_ms"].get(row.created_at_ms) ||
      doc["revoked_at_ms"].get(row.revoked_at_ms))
    return fail(unavailable("opensearch: key '" + row.id + "' is not a key document"));
  row.hash = std::string(hash);
  row.spec = std::string(spec);
  return row;
}

// A job's document: {"job": name, "runs": [newest first]}.
std::string runs_body(std::string_view job, const std::vector<store::JobRun>& runs) {
  json::Writer w;
  w.begin_object().field("job", job).key("runs").begin_array();
  for (const auto& r : runs) {
    w.begin_object().field("started_at_ms", r.started_at_ms).field("duration_ms", r.duration_ms);
    w.field("outcome", r.outcome).field("message", r.message).end_object();
  }
  return w.end_array().end_object().take();
}

core::Result<std::vector<store::JobRun>> runs_of(std::string_view job, std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::array runs;
  auto bad = [&] {
    return fail(unavailable("opensearch: the runs of job '" + std::string(job) +
                            "' are not a job document"));
  };
  if (parser.parse(body.data(), body.size()).get(doc) || doc["runs"].get(runs)) return bad();
  std::vector<store::JobRun> out;
  for (auto r : runs) {
    store::JobRun run{.job = std::string(job)};
    std::string_view outcome, message;
    if (r["started_at_ms"].get(run.started_at_ms) || r["duration_ms"].get(run.duration_ms) ||
        r["outcome"].get(outcome) || r["message"].get(message))
      return bad();
    run.outcome = std::string(outcome);
    run.message = std::string(message);
    out.push_back(std::move(run));
  }
  return out;
}

}  // namespace

core::Status OpenSearchStore::ensure_state_index(const std::string& index) {
  json::Writer w;
  w.begin_object().key("settings").begin_object().key("index").begin_object();
  w.field("number_of_shards", 1).field("number_of_replicas", options_.index.replicas);
  w.end_object().end_object();
  w.key("mappings").begin_object().field("dynamic", false);
  w.key("properties").begin_object().end_object().end_object().end_object();
  auto r = client_.call("PUT", "/" + index, w.take());
  if (!r) return r.error();
  if (r->status == 200) return {};
  if (r->status == 400 && os::error_reason(r->body).starts_with("resource_already_exists"))
    return {};
  return refused("creating index " + index, *r);
}

core::Status OpenSearchStore::put_state(const std::string& index, std::string_view id,
                                        const std::string& body, const os::StoredDoc* base) {
  os::RecordWrite write{
      .kind = base ? os::RecordWrite::Kind::kIndex : os::RecordWrite::Kind::kCreate,
      .index = index,
      .id = id,
      .body = body};
  if (base) {
    write.if_seq_no = base->seq_no;
    write.if_primary_term = base->primary_term;
  }
  for (int tries = 0; tries < 2; ++tries) {
    // Not sent again once it may have arrived: a repeated write would find its own _seq_no and
    // add a job's run twice.
    auto r =
        client_.call("POST", "/_bulk?refresh=wait_for", os::record_bulk_body({&write, 1}), false);
    if (!r) return r.error();
    if (r->status != 200) return refused("_bulk", *r);
    auto items = os::parse_bulk_response(r->body, 1);
    if (!items) return items.error();
    const auto& item = items->front();
    if (item.status == 200 || item.status == 201) return {};
    if (item.status == 409) {
      return {core::StatusCode::kFailedPrecondition, "opensearch: " + item.reason};
    }
    if (item.status != 404 || tries > 0) {
      return unavailable("opensearch: writing to " + index + " answered " +
                         std::to_string(item.status) + ": " + item.reason);
    }
    if (auto st = ensure_state_index(index); !st.is_ok()) return st;  // made on first use
  }
  return {};
}

core::Status OpenSearchStore::put_key(const store::ApiKeyRow& key) {
  const std::string index = options_.index_prefix + ".keys";
  for (int tries = 0; tries < options_.attempts; ++tries) {
    auto base = read_doc(index, key.id);
    if (!base) return base.error();
    auto st = put_state(index, key.id, key_body(key), *base ? &**base : nullptr);
    if (st.code() != core::StatusCode::kFailedPrecondition) return st;
  }
  return unavailable("opensearch: key '" + key.id + "' kept changing while it was written");
}

core::Result<std::vector<store::ApiKeyRow>> OpenSearchStore::keys() {
  constexpr std::size_t kPage = 10000;
  auto r = client_.call("POST", "/" + options_.index_prefix + ".keys/_search",
                        R"({"query":{"bool":{"must":[{"match_all":{}}]}},"size":10000})");
  if (!r) return fail(r.error());
  if (r->status == 404) return std::vector<store::ApiKeyRow>();  // no key written yet
  if (r->status != 200) return fail(refused("_search of the keys", *r));
  auto found = os::parse_search_response(r->body, {});
  if (!found) return fail(found.error());
  if (found->found > kPage || found->found_is_estimate)
    return fail(unavailable("opensearch: more than 10,000 API keys; tandem reads one page"));
  std::vector<store::ApiKeyRow> out;
  for (auto& hit : found->hits) {
    auto row = key_of(std::move(hit.id), hit.document);
    if (!row) return fail(row.error());
    out.push_back(std::move(*row));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.created_at_ms, a.id) < std::tie(b.created_at_ms, b.id);
  });
  return out;
}

core::Result<bool> OpenSearchStore::revoke_key(std::string_view id, std::int64_t at_ms) {
  const std::string index = options_.index_prefix + ".keys";
  for (int tries = 0; tries < options_.attempts; ++tries) {
    auto base = read_doc(index, id);
    if (!base) return fail(base.error());
    if (!*base) return false;
    auto row = key_of(std::string(id), (*base)->source);
    if (!row) return fail(row.error());
    if (row->revoked_at_ms != 0) return false;
    row->revoked_at_ms = at_ms;
    auto st = put_state(index, id, key_body(*row), &**base);
    if (st.is_ok()) return true;
    if (st.code() != core::StatusCode::kFailedPrecondition) return fail(st);
  }
  return fail(
      unavailable("opensearch: key '" + std::string(id) + "' kept changing while it was revoked"));
}

core::Status OpenSearchStore::add_job_run(const store::JobRun& run) {
  const std::string index = options_.index_prefix + ".jobs";
  for (int tries = 0; tries < options_.attempts; ++tries) {
    auto base = read_doc(index, run.job);
    if (!base) return base.error();
    std::vector<store::JobRun> runs{run};
    if (*base) {
      auto older = runs_of(run.job, (*base)->source);
      if (!older) return older.error();
      for (auto& r : *older)
        if (runs.size() < kRunsKept) runs.push_back(std::move(r));
    }
    auto st = put_state(index, run.job, runs_body(run.job, runs), *base ? &**base : nullptr);
    if (st.code() != core::StatusCode::kFailedPrecondition) return st;
  }
  return unavailable("opensearch: the runs of job '" + run.job + "' kept changing");
}

core::Result<std::vector<store::JobRun>> OpenSearchStore::job_runs(std::string_view job,
                                                                   std::size_t limit) {
  auto doc = read_doc(options_.index_prefix + ".jobs", job);
  if (!doc) return fail(doc.error());
  if (!*doc) return std::vector<store::JobRun>();
  auto runs = runs_of(job, (*doc)->source);
  if (runs && runs->size() > limit) runs->resize(limit);
  return runs;
}

}  // namespace tandem::search
