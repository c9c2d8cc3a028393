// TlsContext: how outbound connections speak TLS (Redis's rediss://, and OpenSearch's https://
// later): the certificate authorities trusted to sign the server's certificate (a file, or the
// system's), an optional client certificate and key, and the name the server's certificate must
// carry (also sent as SNI, unless it is an IP address). Verification is always on: a server
// whose certificate does not chain to a trusted CA or does not carry the name is refused. Loaded
// once, shared by every connection. The header names Asio's context only by a forward
// declaration (src/net's headers expose no Asio types); tls.cpp and the clients' Asio units use
// it. Depends on core.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"

namespace boost::asio::ssl {
class context;
}

namespace tandem::net {

struct TlsOptions {
  std::string ca_file;      // PEM CAs to trust; empty: the system's (/etc/ssl/certs)
  std::string cert_file;    // PEM client certificate (chain); with key_file, or neither
  std::string key_file;     // PEM private key of cert_file
  std::string server_name;  // verified and sent as SNI; empty: the host connected to
};

class TlsContext {
 public:
  // kInvalidArgument naming the file that cannot be read or used.
  static core::Result<std::shared_ptr<TlsContext>> load(const TlsOptions& options);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  boost::asio::ssl::context& native() { return *context_; }
  // The name to verify and send for a connection to `host`.
  const std::string& server_name(const std::string& host) const {
    return options_.server_name.empty() ? host : options_.server_name;
  }

 private:
  explicit TlsContext(TlsOptions options);
  TlsOptions options_;
  std::unique_ptr<boost::asio::ssl::context> context_;
};

}  // namespace tandem::net
