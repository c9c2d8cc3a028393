// The whole service with search.backend = opensearch, over real HTTP, against the test-only
// OpenSearch on loopback (tests/support/fake_opensearch): records written through the API reach
// OpenSearch with their seq as external version; ?wait=indexed answers once a refresh made them
// searchable; an outage of _bulk loses nothing acknowledged and the sink catches up in order
// (an id written several times meanwhile ends at its newest version); a record OpenSearch cannot
// index becomes a dead letter with OpenSearch's reason; `*` searches are answered from it.
#include <gtest/gtest.h>

#include <thread>

#include "integration/service_fixture.h"
#include "support/fake_opensearch.h"

namespace tandem {
namespace {

class OpenSearchServiceTest : public ServerTest {
 protected:
  void SetUp() override {
    config_.search.backend = "opensearch";
    config_.search.opensearch.url = fake_.url();
    config_.search.opensearch.request_timeout = 2s;
    config_.search.refresh_interval = 20ms;
    start();
  }

  testing::HttpResponse call(const std::string& method, const std::string& path,
                             const std::string& body = "") {
    HttpConnection conn(port_);
    auto res = conn.request(method, path, body.empty() ? "" : kJson, body);
    EXPECT_TRUE(res) << method << " " << path;
    return res ? *res : testing::HttpResponse{};
  }

  // Waits until the fake holds `id` at a version of at least `version`.
  bool reaches(const std::string& id, std::uint64_t version) {
    auto until = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < until) {
      auto d = fake_.doc("tandem-products", id);
      if (d && d->version >= version) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  testing::FakeOpenSearch fake_;
};

TEST_F(OpenSearchServiceTest, WritesReachOpenSearchAndWaitIndexedMeansSearchable) {
  auto res = call("POST", kRecords + "?wait=indexed", lamp("p1", "9.5"));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find(R"("indexed":true)"), std::string::npos) << res.body;
  auto doc = fake_.doc("tandem-products", "p1");
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->source, lamp("p1", "9.5"));
  // Searchable at once: the refresh came before the answer.
  auto found = call("GET", "/v1/collections/products/search?q=*");
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_NE(found.body.find(R"("found":1)"), std::string::npos) << found.body;
  EXPECT_NE(found.body.find(R"("id":"p1")"), std::string::npos) << found.body;
  bool refreshed_before_answer = false;
  for (const auto& r : fake_.requests())
    refreshed_before_answer =
        refreshed_before_answer || r.target.find("/_refresh") != std::string::npos;
  EXPECT_TRUE(refreshed_before_answer);
}

TEST_F(OpenSearchServiceTest, AnOutageLosesNothingAndCatchesUpInOrder) {
  ASSERT_EQ(call("POST", kRecords + "?wait=indexed", lamp("warm", "1")).status, 200);
  fake_.fail_requests("_bulk", 503, 8);  // two batches' worth of attempts
  std::uint64_t last_seq = 0;
  for (int i = 0; i < 20; ++i) {
    auto res = call("POST", kRecords, lamp("p" + std::to_string(i % 5), std::to_string(i)));
    ASSERT_EQ(res.status, 200) << res.body;  // acknowledged: durable in the store
    auto at = res.body.find("\"seq\":");
    ASSERT_NE(at, std::string::npos) << res.body;
    last_seq = std::stoull(res.body.substr(at + 6));
  }
  // Every id ends at its newest write (i = 15..19), never an older one.
  for (int k = 0; k < 5; ++k) {
    std::string id = "p" + std::to_string(k);
    ASSERT_TRUE(reaches(id, last_seq - 4 + static_cast<std::uint64_t>(k))) << id;
    EXPECT_EQ(fake_.doc("tandem-products", id)->source, lamp(id, std::to_string(15 + k)));
  }
  EXPECT_EQ(fake_.size("tandem-products"), 6u);
  auto health = call("GET", "/health");
  EXPECT_EQ(health.status, 200) << health.body;
}

TEST_F(OpenSearchServiceTest, ARecordOpenSearchRefusesIsADeadLetterWithItsReason) {
  fake_.fail_item("bad", 400, 1);
  ASSERT_EQ(call("POST", kRecords, lamp("bad", "1")).status, 200);
  ASSERT_EQ(call("POST", kRecords + "?wait=indexed", lamp("good", "2")).status, 200);
  auto letters = call("GET", "/v1/deadletters");
  ASSERT_EQ(letters.status, 200);
  EXPECT_NE(letters.body.find(R"("sink":"opensearch")"), std::string::npos) << letters.body;
  EXPECT_NE(letters.body.find(R"("record_id":"bad")"), std::string::npos) << letters.body;
  EXPECT_NE(letters.body.find("mapper_parsing_exception"), std::string::npos) << letters.body;
  EXPECT_TRUE(fake_.doc("tandem-products", "good"));
  EXPECT_FALSE(fake_.doc("tandem-products", "bad"));
}

}  // namespace
}  // namespace tandem
