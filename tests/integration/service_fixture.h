// The fixture of the integration tests: the whole service in-process on port 0 with a
// temporary data dir, its log lines collected for assertions.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <mutex>

#include "app/serve.h"
#include "support/http_client.h"
#include "support/log_sinks.h"
#include "support/temp_dir.h"

namespace tandem {

using namespace std::chrono_literals;
using testing::CollectingSink;
using testing::http_get;
using testing::HttpConnection;

inline const std::string kJson = "Content-Type: application/json\r\n";
inline const std::string kRecords = "/v1/collections/products/records";

// A product record: a lamp of the given id and price.
inline std::string lamp(const std::string& id, const std::string& price) {
  return R"({"id":")" + id + R"(","name":"Lamp","category":"home","brand":"Oak","price":)" + price +
         "}";
}

class ServerTest : public ::testing::Test {
 protected:
  ServerTest() {
    config_.server.port = 0;
    config_.server.threads = 2;
    config_.server.max_header_bytes.value = 4096;
    config_.server.max_body_bytes.value = 64 * 1024;
    config_.server.read_timeout = 500ms;
    config_.server.shutdown_grace = 2s;
    config_.data.dir = data_.path().string();
    config_.jobs.generate.enabled = false;
    // These tests are about other things than keys: the access tests (auth_test.cpp) turn it on.
    config_.auth.enabled = false;
  }

  // Builds and starts the service; `extra` may add test-only routes before it listens.
  void start(const std::function<void(api::Router&)>& extra = {}) {
    auto service = app::Service::create(config_, logger_, clock_);
    ASSERT_TRUE(service) << service.error().to_string();
    service_ = std::move(*service);
    if (extra) extra(service_->router());
    auto port = service_->start();
    ASSERT_TRUE(port) << port.error().to_string();
    port_ = *port;
  }

  void TearDown() override {
    if (service_) service_->shutdown();
  }

  testing::TempDir data_;
  config::Config config_;
  std::shared_ptr<CollectingSink> sink_ = std::make_shared<CollectingSink>();
  obs::Logger logger_{obs::Level::kInfo, obs::Format::kJson, sink_};
  core::SystemClock clock_;
  std::unique_ptr<app::Service> service_;
  std::uint16_t port_ = 0;
};

}  // namespace tandem
