// What the OpenSearch backend spends on one core, without a server (goal of the OpenSearch issue:
// _bulk bodies for at least 200,000 records/s, so that the sink is never what holds a real
// cluster back):
//   - BulkBody: 1,000 generated products per _bulk body (external versions); bytes per record
//     counted. Peer in the same run: ConcatFloor, the same records joined by newlines with no
//     action lines, the least any encoder must do;
//   - SearchBody: the Query DSL of a mix of requests (words with typos, a prefix, a phrase, a
//     filter, sort, facets, highlights);
//   - ParseSearchResponse: a 10-hit response with facets and highlights as OpenSearch sends it;
//     peer: simdjson's DOM parse of the same text;
//   - ParseBulkResponse: the answer to a 1,000-item _bulk.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "generator/generator.h"
#include "query/parse.h"
#include "search/opensearch/protocol.h"
#include "search/opensearch/query.h"

namespace tandem::search::opensearch {
namespace {

const std::vector<changes::Change>& products() {
  static const auto records = [] {
    generator::Generator g(7, std::chrono::system_clock::time_point(std::chrono::hours(500000)));
    std::vector<changes::Change> out;
    for (std::uint64_t seq = 1; seq <= 1000; ++seq) {
      std::string body = g.next();
      auto at = body.find("\"id\":\"") + 6;
      out.push_back({.seq = seq,
                     .collection = "products",
                     .id = body.substr(at, body.find('"', at) - at),
                     .op = changes::ChangeOp::kUpsert,
                     .body = std::move(body)});
    }
    return out;
  }();
  return records;
}

void BulkBody(benchmark::State& state) {
  const auto& batch = products();
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string body = bulk_body(batch, "tandem-products");
    bytes = body.size();
    benchmark::DoNotOptimize(body.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch.size()));
  state.counters["bytes_per_record"] = static_cast<double>(bytes) / batch.size();
}
BENCHMARK(BulkBody);

void ConcatFloor(benchmark::State& state) {
  const auto& batch = products();
  for (auto _ : state) {
    std::string body;
    for (const auto& c : batch) {
      body += c.body;
      body += '\n';
    }
    benchmark::DoNotOptimize(body.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch.size()));
}
BENCHMARK(ConcatFloor);

std::vector<SearchRequest> request_mix() {
  auto products = std::make_shared<const schema::Collection>(schema::products_collection());
  auto make = [&](std::string_view q, std::string_view filter, std::string_view sort) {
    SearchRequest r{.collection = products, .text = *query::parse_text(q, true)};
    if (!filter.empty()) r.filter = *query::parse_filter(filter);
    if (!sort.empty()) r.sort = *query::parse_sort(sort);
    return r;
  };
  std::vector<SearchRequest> mix;  // not copyable (filters own their trees)
  mix.push_back(make("wireless headphones", "", ""));
  mix.push_back(make("usb cabel", "category = electronics AND price < 50", "price:asc"));
  mix.push_back(
      make("\"noise cancelling\" -refurbished", "brand IN [acme, globex] OR in_stock = true", ""));
  mix.push_back(make("*", "created_at > 2026-01-01T00:00:00Z", "rating:desc"));
  mix.push_back(make("lamp", "", ""));
  mix[0].facets = {"category", "brand", "in_stock"};
  mix[4].highlight = {"name", "description"};
  return mix;
}

void SearchBody(benchmark::State& state) {
  auto mix = request_mix();
  std::size_t i = 0;
  for (auto _ : state) {
    auto body = search_body(mix[i++ % mix.size()], SIZE_MAX);
    benchmark::DoNotOptimize(body->data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(SearchBody);

// A _search answer for 10 of the generated products, with highlights and facets.
const std::string& search_response() {
  static const std::string text = [] {
    std::string hits;
    for (int i = 0; i < 10; ++i) {
      const auto& c = products()[static_cast<std::size_t>(i)];
      if (!hits.empty()) hits += ',';
      hits += R"({"_index":"tandem-products-v1","_id":")" + c.id + R"(","_score":)" +
              std::to_string(12.5 - i) + R"(,"_source":)" + c.body +
              R"(,"highlight":{"name":["Quanta <mark>Wireless</mark> Headphones"]}})";
    }
    std::string buckets;
    for (int i = 0; i < 10; ++i)
      buckets += std::string(i ? "," : "") + R"({"key":"value)" + std::to_string(i) +
                 R"(","doc_count":)" + std::to_string(100 - i) + "}";
    return R"({"took":3,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},)"
           R"("hits":{"total":{"value":144,"relation":"eq"},"max_score":12.5,"hits":[)" +
           hits +
           R"(]},"aggregations":{"category":{"doc_count_error_upper_bound":0,)"
           R"("sum_other_doc_count":0,"buckets":[)" +
           buckets + R"(]},"brand":{"buckets":[)" + buckets + "]}}}";
  }();
  return text;
}

void ParseSearchResponse(benchmark::State& state) {
  const std::vector<std::string> facets{"category", "brand"};
  for (auto _ : state) {
    auto r = parse_search_response(search_response(), facets);
    benchmark::DoNotOptimize(r->hits.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(search_response().size()));
}
BENCHMARK(ParseSearchResponse);

void ParseSearchResponseDomFloor(benchmark::State& state) {
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element doc = parser.parse(search_response());
    benchmark::DoNotOptimize(doc);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(search_response().size()));
}
BENCHMARK(ParseSearchResponseDomFloor);

void ParseBulkResponse(benchmark::State& state) {
  std::string items;
  for (const auto& c : products()) {
    if (!items.empty()) items += ',';
    items += R"({"index":{"_index":"tandem-products-v1","_id":")" + c.id + R"(","_version":)" +
             std::to_string(c.seq) +
             R"(,"result":"created","_shards":{"total":2,"successful":1,"failed":0},)"
             R"("_seq_no":1,"_primary_term":1,"status":201}})";
  }
  std::string body = R"({"took":30,"errors":false,"items":[)" + items + "]}";
  for (auto _ : state) {
    auto r = parse_bulk_response(body, products().size());
    benchmark::DoNotOptimize(r->data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(products().size()));
}
BENCHMARK(ParseBulkResponse);

}  // namespace
}  // namespace tandem::search::opensearch
