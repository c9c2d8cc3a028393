// Certificates for TLS tests, made at test time with the openssl command line (scripts/setup.sh
// test installs it): a CA, a server certificate it signs for localhost, 127.0.0.1 and ::1, and
// a client certificate it signs (extendedKeyUsage clientAuth). EC P-256 keys, valid two days.
// Throws std::runtime_error when openssl fails.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace tandem::testing {

class TestCertificates {
 public:
  // `ca_name`: the CA's common name (two sets with different names do not trust each other).
  explicit TestCertificates(const std::string& ca_name = "tandem test CA");

  std::string ca() const { return dir_.file("ca.crt"); }
  std::string server_cert() const { return dir_.file("server.crt"); }
  std::string server_key() const { return dir_.file("server.key"); }
  std::string client_cert() const { return dir_.file("client.crt"); }
  std::string client_key() const { return dir_.file("client.key"); }

  // redis-server arguments serving TLS on `tls_port` with these files; clients must present a
  // certificate the CA signed when `require_client_cert`.
  std::vector<std::string> redis_args(std::uint16_t tls_port, bool require_client_cert) const;

 private:
  TempDir dir_;
};

}  // namespace tandem::testing
