// Ingest: body splitting, per-record validation, batch submission. Depends on core, json,
// schema, store.
#include "pipeline/ingest.h"

#include <future>

#include "json/split.h"

namespace tandem::pipeline {
namespace {

using core::fail;
using core::invalid_argument;

struct Prepared {
  IngestResult result;             // outcomes; accepted ones get their seq after the commit
  std::vector<std::size_t> index;  // for each op, its slot in result.records
  store::WriteBatch batch;
};

// The id of an update or delete record: required, a valid string.
core::Result<std::string> required_id(schema::RecordParser& parser, std::string_view text) {
  auto id = parser.read_id(text);
  if (!id) return fail(id.error());
  if (id->empty()) return fail(invalid_argument("id: required for update and delete"));
  return id;
}

// Validates one record into a WriteOp, or explains why not.
core::Result<store::WriteOp> prepare_op(schema::RecordParser& parser, const schema::Collection& c,
                                        store::Action action, std::string_view text,
                                        const std::string& url_id, std::string* id_out) {
  if (action == store::Action::kUpsert || action == store::Action::kCreate) {
    auto record = parser.validate(c, text, url_id);
    if (!record) return fail(record.error());
    *id_out = record->id;
    return store::WriteOp{.action = action, .id = record->id, .body = std::move(record->body)};
  }
  std::string id = url_id;
  if (id.empty()) {
    auto read = required_id(parser, text);
    if (!read) return fail(read.error());
    id = *read;
  } else if (auto st = parser.check_patch(text, url_id); !st.is_ok()) {
    return fail(st);
  }
  *id_out = id;
  std::string body = action == store::Action::kUpdate ? std::string(json::trim(text)) : "";
  return store::WriteOp{.action = action, .id = std::move(id), .body = std::move(body)};
}

core::Result<std::vector<json::Piece>> split_body(const IngestRequest& r, bool* single) {
  std::string_view body = json::trim(r.body);
  if (r.format == BodyFormat::kNdjson) return json::split_lines(body);
  if (r.action == store::Action::kDelete && !r.id.empty() && body.empty()) {
    *single = true;
    return std::vector<json::Piece>{{"{}", 0}};
  }
  if (!body.empty() && body.front() == '{') {
    *single = true;
    return std::vector<json::Piece>{{body, 0}};
  }
  auto pieces = json::split_array(body);
  if (!pieces) {
    return fail(
        invalid_argument("the body is not a JSON object or array: " + pieces.error().message()));
  }
  return pieces;
}

core::Result<Prepared> prepare(const IngestRequest& r, const schema::Collection& c,
                               std::size_t max_record_bytes) {
  Prepared p;
  auto pieces = split_body(r, &p.result.single);
  if (!pieces) return fail(pieces.error());
  if (pieces->empty()) return fail(invalid_argument("the body holds no records"));
  if (!r.id.empty() && pieces->size() != 1) {
    return fail(invalid_argument("a request for one record id takes exactly one JSON object"));
  }
  schema::RecordParser parser(max_record_bytes);
  p.batch.ops.reserve(pieces->size());
  for (const auto& piece : *pieces) {
    RecordOutcome outcome{.position = piece.position};
    auto op = prepare_op(parser, c, r.action, piece.text, r.id, &outcome.id);
    if (op) {
      p.index.push_back(p.result.records.size());
      p.batch.ops.push_back(std::move(*op));
    } else {
      outcome.seq = fail(op.error());
      ++p.result.rejected;
      if (outcome.id.empty()) {  // name the refused record when its id is readable
        if (auto id = parser.read_id(piece.text)) outcome.id = *id;
      }
    }
    p.result.records.push_back(std::move(outcome));
  }
  return p;
}

}  // namespace

void Ingest::submit(IngestRequest request, IngestCallback done) {
  auto collection = catalog_.find(request.collection);
  if (!collection) {
    done(fail(core::not_found("no collection named '" + request.collection + "'")));
    return;
  }
  auto prepared = prepare(request, *collection, max_record_bytes_);
  if (!prepared) {
    done(fail(prepared.error()));
    return;
  }
  if (prepared->batch.ops.empty()) {
    count(request.collection, prepared->result);
    done(std::move(prepared->result));
    return;
  }
  prepared->batch.collection = collection;
  prepared->batch.visible = request.visible;
  auto state = std::make_shared<Prepared>(std::move(*prepared));
  store_.submit(std::move(state->batch),
                [this, state, name = collection->name, done = std::move(done)](auto written) {
                  if (!written) {
                    done(fail(written.error()));
                    return;
                  }
                  IngestResult& result = state->result;
                  for (std::size_t i = 0; i < written->size(); ++i) {
                    RecordOutcome& outcome = result.records[state->index[i]];
                    outcome.seq = std::move((*written)[i].seq);
                    if (outcome.seq) {
                      ++result.accepted;
                      if (hook_) hook_(name, (*written)[i].id, *outcome.seq);
                    } else {
                      ++result.rejected;
                    }
                  }
                  count(name, result);
                  done(std::move(result));
                });
}

void Ingest::count(const std::string& collection, const IngestResult& result) {
  if (metrics_ == nullptr) return;
  metrics_->accepted.Add({{"collection", collection}})
      .Increment(static_cast<double>(result.accepted));
  metrics_->rejected.Add({{"collection", collection}})
      .Increment(static_cast<double>(result.rejected));
}

core::Result<IngestResult> Ingest::write(IngestRequest request) {
  std::promise<core::Result<IngestResult>> promise;
  auto future = promise.get_future();
  submit(std::move(request), [&](auto result) { promise.set_value(std::move(result)); });
  return future.get();
}

}  // namespace tandem::pipeline
