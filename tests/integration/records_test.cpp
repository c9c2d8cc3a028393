// The records, collections and jobs API over real HTTP, with the store on a temporary dir.
#include <gtest/gtest.h>

#include <future>
#include <set>
#include <thread>

#include "integration/service_fixture.h"

namespace tandem {
namespace {

const std::string kNdjson = "Content-Type: application/x-ndjson\r\n";

std::string product(const std::string& id, const std::string& price = "19.99") {
  return R"({"id":")" + id +
         R"(","name":"USB cable","category":"electronics","brand":"Acme","price":)" + price + "}";
}

class RecordsTest : public ServerTest {
 protected:
  std::optional<testing::HttpResponse> call(const std::string& method, const std::string& path,
                                            const std::string& body = "",
                                            const std::string& headers = kJson) {
    HttpConnection conn(port_);
    return conn.request(method, path, headers, body);
  }
};

TEST_F(RecordsTest, RecordIsStoredAndReturnedByteForByte) {
  start();
  auto put = call("POST", kRecords, product("p1"));
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 200);
  EXPECT_EQ(put->body, R"({"id":"p1","seq":1})");
  auto get = call("GET", kRecords + "/p1");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, product("p1"));
  EXPECT_EQ(get->header("etag"), "\"1\"");
}

TEST_F(RecordsTest, BatchWithBadRecordsIs207AndStoresTheRest) {
  start();
  auto res = call("POST", kRecords, "[" + product("a") + "," + product("b", "\"cheap\"") + "]");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 207);
  EXPECT_EQ(res->body, R"({"accepted":1,"rejected":1,"results":[{"position":0,"id":"a","seq":1},)"
                       R"({"position":1,"id":"b","error":{"code":"invalid_argument",)"
                       R"("message":"price: expected number, got string"}}]})");
  EXPECT_EQ(call("GET", kRecords + "/a")->status, 200);
  EXPECT_EQ(call("GET", kRecords + "/b")->status, 404);
}

TEST_F(RecordsTest, NdjsonIsAccepted) {
  start();
  auto res = call("POST", kRecords, product("a") + "\n" + product("b") + "\n", kNdjson);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find(R"("accepted":2,"rejected":0)"), std::string::npos) << res->body;
}

TEST_F(RecordsTest, BadRequestsAreRefusedAndChangeNothing) {
  start();
  struct Case {
    std::string method, path, body, headers;
    int status;
    std::string code;
  };
  std::vector<Case> cases = {
      {"POST", kRecords, "{\"id\":", kJson, 400, "invalid_argument"},
      {"POST", kRecords, "[" + product("a"), kJson, 400, "invalid_argument"},
      {"POST", kRecords, "{\"name\":\"\xff\"}", kJson, 400, "invalid_argument"},
      {"POST", kRecords, product("a"), "Content-Type: text/csv\r\n", 415, "unsupported_media_type"},
      {"POST", kRecords + "?action=nuke", product("a"), kJson, 400, "invalid_argument"},
      {"POST", "/v1/collections/nope/records", product("a"), kJson, 404, "not_found"},
      {"POST", kRecords, R"({"id":"",)" + product("x").substr(10), kJson, 400, "invalid_argument"},
      {"POST", kRecords, R"({"id":12,"name":"n"})", kJson, 400, "invalid_argument"},
      {"POST", kRecords, "[]", kJson, 400, "invalid_argument"},
      {"PUT", kRecords + "/zz", product("yy"), kJson, 400, "invalid_argument"},
      {"POST", kRecords, std::string(100 * 1024, ' '), kJson, 413, "payload_too_large"},
  };
  for (const auto& c : cases) {
    auto res = call(c.method, c.path, c.body, c.headers);
    ASSERT_TRUE(res) << c.path;
    EXPECT_EQ(res->status, c.status)
        << c.method << " " << c.path << " " << c.body.substr(0, 40) << " -> " << res->body;
    EXPECT_NE(res->body.find("\"code\":\"" + c.code + "\""), std::string::npos) << res->body;
  }
  EXPECT_EQ(service_->store().head_seq(), 0u);
}

TEST_F(RecordsTest, OversizeRecordIs413) {
  config_.ingest.max_record_bytes.value = 1024;
  start();
  std::string big = R"({"id":"big","name":")" + std::string(2000, 'x') +
                    R"(","category":"c","brand":"b","price":1})";
  auto res = call("POST", kRecords, big);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
}

TEST_F(RecordsTest, CreateUpdateDeleteLifecycle) {
  start();
  EXPECT_EQ(call("POST", kRecords + "?action=create", product("p"))->status, 200);
  auto again = call("POST", kRecords + "?action=create", product("p"));
  EXPECT_EQ(again->status, 409);
  EXPECT_NE(again->body.find("already_exists"), std::string::npos);
  auto patch = call("PATCH", kRecords + "/p", R"({"price":17.5,"stock":3})");
  EXPECT_EQ(patch->status, 200);
  EXPECT_EQ(
      call("GET", kRecords + "/p")->body,
      R"({"id":"p","name":"USB cable","category":"electronics","brand":"Acme","price":17.5,"stock":3})");
  EXPECT_EQ(call("PATCH", kRecords + "/missing", R"({"price":1})")->status, 404);
  EXPECT_EQ(call("DELETE", kRecords + "/p", "", "")->status, 200);
  EXPECT_EQ(call("GET", kRecords + "/p")->status, 404);
  EXPECT_EQ(call("DELETE", kRecords + "/p", "", "")->status, 404);
}

TEST_F(RecordsTest, PutUsesTheUrlId) {
  start();
  auto res =
      call("PUT", kRecords + "/from%20url", R"({"name":"n","category":"c","brand":"b","price":1})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  auto get = call("GET", kRecords + "/from%20url");
  EXPECT_EQ(get->body, R"({"id":"from url","name":"n","category":"c","brand":"b","price":1})");
}

TEST_F(RecordsTest, ConcurrentWritersAllGetDistinctSequenceNumbers) {
  start();
  std::vector<std::future<std::string>> writers;
  for (int t = 0; t < 8; ++t) {
    writers.push_back(std::async(std::launch::async, [this, t] {
      std::string seqs;
      HttpConnection conn(port_);
      for (int i = 0; i < 25; ++i) {
        auto res = conn.request("POST", kRecords, kJson,
                                product("w" + std::to_string(t) + "-" + std::to_string(i)));
        if (!res || res->status != 200) return std::string("fail");
        seqs += res->body.substr(res->body.find("\"seq\":") + 6) + ",";
      }
      return seqs;
    }));
  }
  std::set<std::string> seqs;
  for (auto& w : writers) {
    std::string s = w.get();
    ASSERT_NE(s, "fail");
    for (std::size_t pos = 0, next; (next = s.find(',', pos)) != std::string::npos;
         pos = next + 1) {
      seqs.insert(s.substr(pos, next - pos));
    }
  }
  EXPECT_EQ(seqs.size(), 200u);
  EXPECT_EQ(service_->store().head_seq(), 200u);
  EXPECT_EQ(*service_->store().count("products"), 200);
}

TEST_F(RecordsTest, CollectionsCanBeCreatedListedAndDropped) {
  start();
  auto created = call("POST", "/v1/collections",
                      R"({"name":"books","fields":[{"name":"title","type":"text"}]})");
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 201);
  EXPECT_EQ(call("POST", "/v1/collections", R"({"name":"books","fields":[]})")->status, 409);
  EXPECT_EQ(call("POST", "/v1/collections", R"({"name":"bad name","fields":[]})")->status, 400);
  EXPECT_EQ(call("POST", "/v1/collections/books/records", R"({"id":"b1","title":"Dune"})")->status,
            200);
  auto list = call("GET", "/v1/collections");
  EXPECT_NE(list->body.find(R"("name":"books","documents":1)"), std::string::npos) << list->body;
  EXPECT_NE(list->body.find(R"("name":"products")"), std::string::npos);
  EXPECT_EQ(call("DELETE", "/v1/collections/books", "", "")->status, 200);
  EXPECT_EQ(call("GET", "/v1/collections/books")->status, 404);
  EXPECT_EQ(call("DELETE", "/v1/collections/books", "", "")->status, 404);
}

TEST_F(RecordsTest, GeneratorJobRunsOnDemandAndIsListed) {
  config_.jobs.generate.enabled = true;
  config_.jobs.generate.run_at_first_start = false;
  start();
  auto run = call("POST", "/v1/jobs/generate/run", "", "");
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, 202);
  EXPECT_EQ(call("POST", "/v1/jobs/nope/run", "", "")->status, 404);
  for (int i = 0; i < 200 && *service_->store().count("products") < 10; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(*service_->store().count("products"), 10);
  std::string jobs;
  for (int i = 0; i < 200; ++i) {  // the run is recorded just after its records are committed
    jobs = call("GET", "/v1/jobs")->body;
    if (jobs.find(R"("outcome":"ok")") != std::string::npos) break;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_NE(jobs.find(R"x("name":"generate","schedule":"rate(5 minutes)","running":false)x"),
            std::string::npos)
      << jobs;
  EXPECT_NE(jobs.find(R"("message":"10 records into products")"), std::string::npos) << jobs;
}

TEST_F(RecordsTest, HealthShowsTheStore) {
  start();
  call("POST", kRecords, product("a"));
  auto health = call("GET", "/health");
  EXPECT_NE(health->body.find(R"("store":{"status":"ok","backend":"sqlite","head_seq":1})"), std::string::npos)
      << health->body;
}

TEST_F(RecordsTest, MetricsCountRecordsAndJobRuns) {
  config_.jobs.generate.enabled = true;  // runs once at this first start
  start();
  call("POST", kRecords, "[" + product("a") + "," + product("b", "\"x\"") + "]");
  std::string metrics;
  for (int i = 0; i < 200; ++i) {
    metrics = call("GET", "/metrics")->body;
    // Every outcome is exported at 0 from the start: wait for the run itself.
    if (metrics.find(R"(tandem_job_runs_total{job="generate",outcome="ok"} 1)") !=
        std::string::npos)
      break;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_NE(metrics.find(R"(tandem_records_rejected_total{collection="products"} 1)"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(R"(tandem_records_accepted_total{collection="products"})"),
            std::string::npos);
  EXPECT_NE(metrics.find("tandem_changelog_head_seq "), std::string::npos);
  EXPECT_NE(metrics.find(R"(tandem_job_runs_total{job="generate",outcome="ok"} 1)"),
            std::string::npos);
  EXPECT_NE(metrics.find(R"(tandem_job_runs_total{job="generate",outcome="failed"} 0)"),
            std::string::npos);
  EXPECT_NE(metrics.find(R"(tandem_job_duration_seconds_count{job="generate"} 1)"),
            std::string::npos);
}

}  // namespace
}  // namespace tandem
