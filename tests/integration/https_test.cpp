// HTTPS: the whole service with server.tls_cert_file and tls_key_file (certificates made at test
// time with openssl), reached by net's HTTP client verifying it: requests over TLS, plain HTTP
// on the TLS port getting no answer, and a certificate reload that new connections see while a
// connection opened before it goes on with the old one.
#include <gtest/gtest.h>

#include <filesystem>

#include "integration/service_fixture.h"
#include "net/http_client.h"
#include "support/tls_certs.h"

namespace tandem {
namespace {

class HttpsTest : public ServerTest {
 protected:
  void SetUp() override {
    // The served files are copies, so that a reload can swap them for another CA's.
    std::filesystem::copy_file(first_.server_cert(), cert_);
    std::filesystem::copy_file(first_.server_key(), key_);
    config_.server.tls_cert_file = cert_;
    config_.server.tls_key_file = key_;
    start();
  }

  std::unique_ptr<net::HttpClient> client(const testing::TestCertificates& trusted) {
    auto tls = net::TlsContext::load({.ca_file = trusted.ca()});
    EXPECT_TRUE(tls) << tls.error().message();
    net::HttpClientOptions o{.tls = *tls, .request_timeout = 3s, .max_attempts = 1};
    o.endpoints.push_back({.tls = true, .host = "127.0.0.1", .port = port_});
    return std::make_unique<net::HttpClient>(o);
  }

  testing::TempDir files_;
  std::string cert_ = files_.file("server.crt"), key_ = files_.file("server.key");
  testing::TestCertificates first_{"first CA"}, second_{"second CA"};
};

TEST_F(HttpsTest, ServesOverTlsAndNotInTheClear) {
  auto c = client(first_);
  auto res = c->send({.target = "/health"});
  ASSERT_TRUE(res) << res.error().message();
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("\"status\":\"ok\""), std::string::npos);
  // A client that does not trust the certificate's CA is refused by its own check.
  auto stranger = client(second_)->send({.target = "/health"});
  ASSERT_FALSE(stranger);
  EXPECT_NE(stranger.error().message().find("certificate verify failed"), std::string::npos)
      << stranger.error().message();
  // Plain HTTP to the TLS port: no HTTP answer.
  HttpConnection plain(port_, 1s);
  auto answer = plain.request("GET", "/health");
  EXPECT_FALSE(answer && answer->status == 200);
}

TEST_F(HttpsTest, AReloadedCertificateServesNewConnectionsAndOldOnesGoOn) {
  auto before = client(first_);
  ASSERT_TRUE(before->send({.target = "/health"}));  // its connection is kept alive
  std::filesystem::copy_file(second_.server_cert(), cert_,
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(second_.server_key(), key_,
                             std::filesystem::copy_options::overwrite_existing);
  ASSERT_TRUE(service_->reload_tls().is_ok());
  auto again = before->send({.target = "/health"});
  ASSERT_TRUE(again) << again.error().message();  // the same TLS session, not dropped
  EXPECT_EQ(again->status, 200);
  auto fresh = client(second_)->send({.target = "/health"});
  ASSERT_TRUE(fresh) << fresh.error().message();
  EXPECT_EQ(fresh->status, 200);
  EXPECT_FALSE(client(first_)->send({.target = "/health"}));  // new connections: the new one
  // A reload that cannot load keeps the current certificate.
  std::filesystem::remove(key_);
  auto failed = service_->reload_tls();
  EXPECT_FALSE(failed.is_ok());
  EXPECT_NE(failed.message().find("server.tls_key_file"), std::string::npos);
  EXPECT_TRUE(client(second_)->send({.target = "/health"}));
}

TEST_F(ServerTest, HttpsWithFilesThatDoNotLoadStopsTheStartNamingTheSetting) {
  config_.server.tls_cert_file = data_.file("missing.crt");
  config_.server.tls_key_file = data_.file("missing.key");
  auto service = app::Service::create(config_, logger_, clock_);
  ASSERT_TRUE(service) << service.error().message();
  auto port = (*service)->start();
  ASSERT_FALSE(port);
  EXPECT_NE(port.error().message().find("server.tls_cert_file"), std::string::npos)
      << port.error().message();
  (*service)->shutdown();
}

}  // namespace
}  // namespace tandem
