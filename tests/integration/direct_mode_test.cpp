// Direct mode (store.backend = "opensearch"): two whole services in-process, each on its own port
// and without a data dir of its own, over one test-only OpenSearch and one real redis-server
// (the shared cache): a write on one node is read by id on the other at once, from the cache,
// at the version OpenSearch gave it; merges and deletes likewise; ?wait=indexed is OpenSearch's
// refresh=wait_for; search results are cached in the shared Redis, and a write on either node
// makes them misses on both; keys made on one node let requests in on the other; job runs are
// shared; what needs a local store is refused; an OpenSearch outage fails writes without
// acknowledging.
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>
#include <thread>

#include "app/serve.h"
#include "support/fake_opensearch.h"
#include "support/http_client.h"
#include "support/log_sinks.h"
#include "support/redis_server.h"
#include "support/temp_dir.h"

namespace tandem {
namespace {

using namespace std::chrono_literals;
using testing::HttpConnection;

const std::string kAdmin = "tdm_admin_direct_mode_test_key_0123456789";
const std::string kRecords = "/v1/collections/products/records";

std::string lamp(const std::string& id, const std::string& price) {
  return R"({"id":")" + id + R"(","name":"Lamp","category":"home","brand":"Oak","price":)" + price +
         "}";
}

class DirectModeTest : public ::testing::Test {
 protected:
  struct Node {
    testing::TempDir dir;  // data.dir: must stay empty
    config::Config config;
    std::unique_ptr<app::Service> service;
    std::uint16_t port = 0;
  };

  config::Config node_config(const testing::TempDir& dir) const {
    config::Config c;
    c.server.port = 0;
    c.server.threads = 2;
    c.server.shutdown_grace = 2s;
    c.data.dir = (dir.path() / "data").string();
    c.store.backend = "opensearch";
    c.search.backend = "opensearch";
    c.search.opensearch.url = fake_.url();
    c.search.opensearch.request_timeout = 2s;
    c.search.refresh_interval = 20ms;
    c.cache.backend = "redis";
    c.cache.redis.url = "redis://127.0.0.1:" + std::to_string(redis_.port());
    c.jobs.generate.enabled = false;
    c.auth.enabled = true;
    c.auth.admin_key = kAdmin;
    return c;
  }

  Node& start_node(const std::function<void(config::Config&)>& more = {}) {
    auto node = std::make_unique<Node>();
    node->config = node_config(node->dir);
    if (more) more(node->config);
    auto service = app::Service::create(node->config, logger_, clock_);
    EXPECT_TRUE(service) << service.error().to_string();
    if (!service) throw std::runtime_error("no service");
    node->service = std::move(*service);
    auto port = node->service->start();
    EXPECT_TRUE(port) << port.error().to_string();
    node->port = port ? *port : 0;
    nodes_.push_back(std::move(node));
    return *nodes_.back();
  }

  void TearDown() override {
    for (auto& n : nodes_)
      n->service->shutdown();
  }

  testing::HttpResponse call(const Node& node, const std::string& method, const std::string& path,
                             const std::string& body = "", const std::string& key = kAdmin) {
    HttpConnection conn(node.port);
    std::string headers = key.empty() ? "" : "X-API-Key: " + key + "\r\n";
    if (!body.empty()) headers += "Content-Type: application/json\r\n";
    auto res = conn.request(method, path, headers, body);
    EXPECT_TRUE(res) << method << " " << path;
    return res ? *res : testing::HttpResponse{};
  }

  testing::FakeOpenSearch fake_;
  testing::RedisServer redis_;
  std::shared_ptr<testing::CollectingSink> sink_ = std::make_shared<testing::CollectingSink>();
  obs::Logger logger_{obs::Level::kInfo, obs::Format::kJson, sink_};
  core::SystemClock clock_;
  std::vector<std::unique_ptr<Node>> nodes_;
};

TEST_F(DirectModeTest, AWriteOnOneNodeIsReadOnTheOtherAtOnceAtOpenSearchsVersion) {
  Node& a = start_node();
  Node& b = start_node();
  auto put = call(a, "POST", kRecords, lamp("p1", "9.5"));
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_NE(put.body.find(R"("seq":1)"), std::string::npos) << put.body;
  auto read = call(b, "GET", kRecords + "/p1");
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.body, lamp("p1", "9.5"));
  EXPECT_EQ(read.header("etag"), "\"1\"");
  EXPECT_EQ(read.header("x-cache"), "hit");  // written through to the shared Redis
  // The cache holds what OpenSearch holds, at its version.
  auto doc = fake_.doc("tandem-products", "p1");
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->version, 1u);

  auto patch = call(b, "PATCH", kRecords + "/p1", R"({"price":7})");
  ASSERT_EQ(patch.status, 200) << patch.body;
  auto merged = call(a, "GET", kRecords + "/p1");
  EXPECT_EQ(merged.body, lamp("p1", "7"));
  EXPECT_EQ(merged.header("etag"), "\"2\"");

  ASSERT_EQ(call(a, "DELETE", kRecords + "/p1").status, 200);
  auto gone = call(b, "GET", kRecords + "/p1");
  EXPECT_EQ(gone.status, 404) << gone.body;
  auto cached = call(b, "GET", "/cache?id=p1");
  EXPECT_EQ(cached.status, 404) << cached.body;

  // Nothing was written under either node's data dir.
  for (const auto& n : nodes_)
    EXPECT_FALSE(std::filesystem::exists(n->config.data.dir)) << n->config.data.dir;
}

TEST_F(DirectModeTest, ACreateOfAnIdAnotherNodeMadeIsRefused) {
  Node& a = start_node();
  Node& b = start_node();
  ASSERT_EQ(call(a, "POST", kRecords + "?action=create", lamp("c1", "1")).status, 200);
  auto again = call(b, "POST", kRecords + "?action=create", lamp("c1", "2"));
  EXPECT_NE(again.body.find("already exists"), std::string::npos) << again.body;
  EXPECT_EQ(call(a, "GET", kRecords + "/c1").body, lamp("c1", "1"));
}

TEST_F(DirectModeTest, WaitIndexedIsOpenSearchsRefreshAndSearchesSeeTheWrite) {
  Node& a = start_node();
  Node& b = start_node();
  auto put = call(a, "POST", kRecords + "?wait=indexed", lamp("s1", "3"));
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_NE(put.body.find(R"("indexed":true)"), std::string::npos) << put.body;
  EXPECT_EQ(fake_.requests().back().target, "/_bulk?refresh=wait_for");
  auto found = call(b, "GET", "/v1/collections/products/search?q=*");
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_NE(found.body.find(R"("id":"s1")"), std::string::npos) << found.body;
}

TEST_F(DirectModeTest, SearchResultsAreSharedByTheNodesAndNoneOutlivesAWrite) {
  Node& a = start_node();
  Node& b = start_node();
  const std::string search = "/v1/collections/products/search?q=*&per_page=50";
  ASSERT_EQ(call(a, "POST", kRecords + "?wait=indexed", lamp("q1", "1")).status, 200);
  auto first = call(a, "GET", search);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.header("x-cache"), "miss");
  testing::HttpResponse shared;
  for (int i = 0; i < 100 && shared.header("x-cache") != "hit"; ++i) {
    if (i > 0) std::this_thread::sleep_for(10ms);  // the entry is written after the response
    shared = call(b, "GET", "/v1/collections/products/search?per_page=50&q=*");
  }
  EXPECT_EQ(shared.header("x-cache"), "hit");  // computed on a, any parameter order
  EXPECT_NE(shared.body.find(R"("id":"q1")"), std::string::npos) << shared.body;

  // ?wait=indexed: acknowledged once every node's cached answers are stale.
  ASSERT_EQ(call(b, "POST", kRecords + "?wait=indexed", lamp("q2", "2")).status, 200);
  auto after = call(a, "GET", search);
  EXPECT_EQ(after.header("x-cache"), "miss");
  EXPECT_NE(after.body.find(R"("id":"q2")"), std::string::npos) << after.body;

  // Without it, the writing node's own _refresh makes the write visible within the refresh
  // interval (this OpenSearch never refreshes on its own), and the cache follows.
  ASSERT_EQ(call(a, "POST", kRecords, lamp("q3", "3")).status, 200);
  std::string body;
  for (int i = 0; i < 200 && body.find(R"("id":"q3")") == std::string::npos; ++i) {
    std::this_thread::sleep_for(10ms);
    body = call(b, "GET", search).body;
  }
  EXPECT_NE(body.find(R"("id":"q3")"), std::string::npos) << body;
  EXPECT_NE(call(a, "GET", "/health").body.find(R"("owed_query_generations":0)"),
            std::string::npos);
  EXPECT_GE(std::stoi(redis_.cli({"GET", "tandem:q:products"})), 3);
}

TEST_F(DirectModeTest, AKeyMadeOnOneNodeLetsRequestsInOnTheOther) {
  Node& a = start_node();
  Node& b = start_node();
  auto made = call(a, "POST", "/v1/keys", R"({"scopes":["read"],"collections":["products"]})");
  ASSERT_EQ(made.status, 201) << made.body;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(made.body, m, std::regex(R"re("key":"(tdm_[a-z0-9_]+)")re")));
  std::string key = m[1];
  ASSERT_EQ(call(a, "POST", kRecords, lamp("k1", "1")).status, 200);
  // Node b reads the keys again every few seconds.
  int status = 0;
  for (int i = 0; i < 60 && status != 200; ++i) {
    status = call(b, "GET", kRecords + "/k1", "", key).status;
    if (status != 200) std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(status, 200);
  EXPECT_EQ(call(b, "POST", kRecords, lamp("k2", "1"), key).status, 403);  // read only
  std::string id = key.substr(4, 12);
  ASSERT_EQ(call(b, "DELETE", "/v1/keys/" + id).status, 204);
  for (int i = 0; i < 60 && status != 401; ++i) {
    status = call(a, "GET", kRecords + "/k1", "", key).status;
    if (status != 401) std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(status, 401);  // revoked on b, refused on a
}

TEST_F(DirectModeTest, JobRunsAreKeptInOpenSearchForEveryNode) {
  Node& a = start_node([](config::Config& c) {
    c.jobs.generate.enabled = true;
    c.jobs.generate.schedule = "rate(1 day)";
    c.jobs.generate.run_at_first_start = false;
  });
  Node& b = start_node([](config::Config& c) {
    c.jobs.generate.enabled = true;
    c.jobs.generate.schedule = "rate(1 day)";
    c.jobs.generate.run_at_first_start = false;
  });
  auto ran = a.service->jobs().run_here("generate", "test");
  ASSERT_TRUE(ran) << ran.error().message();
  auto status = call(b, "GET", "/v1/jobs");
  ASSERT_EQ(status.status, 200) << status.body;
  EXPECT_NE(status.body.find(R"("outcome":"ok")"), std::string::npos) << status.body;
  EXPECT_NE(status.body.find("10 records into products"), std::string::npos) << status.body;
  EXPECT_EQ(fake_.size("tandem-products"), 10u);
}

TEST_F(DirectModeTest, AnOutageOfOpenSearchFailsWritesWithoutAcknowledgingThem) {
  Node& a = start_node();
  fake_.fail_requests("_bulk", 503, 100);
  auto put = call(a, "POST", kRecords, lamp("o1", "1"));
  EXPECT_EQ(put.status, 503) << put.body;
  EXPECT_FALSE(fake_.doc("tandem-products", "o1"));
  EXPECT_EQ(call(a, "GET", kRecords + "/o1").status, 404);
}

TEST_F(DirectModeTest, ACacheWriteThatFailsIsRetriedUntilEveryNodeReadsTheNewVersion) {
  Node& a = start_node();
  Node& b = start_node();
  ASSERT_EQ(call(a, "POST", kRecords, lamp("r1", "1")).status, 200);
  ASSERT_EQ(call(b, "GET", kRecords + "/r1").header("x-cache"), "hit");
  ::kill(redis_.pid(), SIGSTOP);  // frozen: every cache call times out
  auto put = call(a, "POST", kRecords, lamp("r1", "2"));
  EXPECT_EQ(put.status, 200) << put.body;  // OpenSearch has it: acknowledged
  EXPECT_NE(call(a, "GET", "/health").body.find(R"("pending_cache_writes":1)"), std::string::npos);
  ::kill(redis_.pid(), SIGCONT);
  std::string body;
  for (int i = 0; i < 100; ++i) {
    body = call(a, "GET", "/health").body;
    if (body.find(R"("pending_cache_writes":0)") != std::string::npos) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_NE(body.find(R"("pending_cache_writes":0)"), std::string::npos) << body;
  auto read = call(b, "GET", kRecords + "/r1");
  EXPECT_EQ(read.body, lamp("r1", "2"));
  EXPECT_EQ(read.header("etag"), "\"2\"");
  EXPECT_EQ(read.header("x-cache"), "hit");
}

TEST_F(DirectModeTest, HealthNamesTheStoreAndTheDeadLettersAreNone) {
  Node& a = start_node();
  auto health = call(a, "GET", "/health");
  ASSERT_EQ(health.status, 200) << health.body;
  EXPECT_NE(health.body.find(R"("store":{"status":"ok","backend":"opensearch")"), std::string::npos)
      << health.body;
  EXPECT_NE(health.body.find(R"("sinks":[])"), std::string::npos) << health.body;
  auto letters = call(a, "GET", "/v1/deadletters");
  EXPECT_EQ(letters.status, 200) << letters.body;
  auto drop = call(a, "DELETE", "/v1/collections/products");
  EXPECT_EQ(drop.status, 409) << drop.body;
  EXPECT_NE(drop.body.find("direct mode"), std::string::npos) << drop.body;
}

TEST(DirectModeConfig, TheStoreNeedsOpenSearchSearchAndToolsAreRefused) {
  testing::TempDir dir;
  config::Config c;
  c.data.dir = dir.path().string();
  c.store.backend = "opensearch";
  auto sink = std::make_shared<testing::CollectingSink>();
  obs::Logger log{obs::Level::kInfo, obs::Format::kJson, sink};
  core::SystemClock clock;
  auto service = app::Service::create(c, log, clock);
  ASSERT_FALSE(service);
  EXPECT_EQ(service.error().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(service.error().message().find("search.backend"), std::string::npos);
  c.search.backend = "opensearch";
  c.cache.negative_ttl = 90s;
  auto long_ttl = app::Service::create(c, log, clock);
  ASSERT_FALSE(long_ttl);
  EXPECT_NE(long_ttl.error().message().find("cache.negative_ttl"), std::string::npos);
  auto store = app::open_store(c, clock);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.error().message().find("HTTP API"), std::string::npos);
}

}  // namespace
}  // namespace tandem
