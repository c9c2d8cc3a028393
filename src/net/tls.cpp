// Loading the TLS client context. Depends on core; Asio's ssl context and OpenSSL.
#include "net/tls.h"

#include <boost/asio/ssl/context.hpp>

namespace tandem::net {

namespace ssl = boost::asio::ssl;

TlsContext::TlsContext(TlsOptions options)
    : options_(std::move(options)),
      context_(std::make_unique<ssl::context>(ssl::context::tls_client)) {}

TlsContext::~TlsContext() = default;

core::Result<std::shared_ptr<TlsContext>> TlsContext::load(const TlsOptions& options) {
  if (options.cert_file.empty() != options.key_file.empty()) {
    return core::fail(core::invalid_argument(
        "tls: a client certificate needs both the certificate and the key file"));
  }
  std::shared_ptr<TlsContext> tls(new TlsContext(options));
  auto& c = *tls->context_;
  boost::system::error_code ec;
  auto bad = [&](const std::string& what, const std::string& file) {
    return core::fail(
        core::invalid_argument("tls: cannot use " + what + " " + file + ": " + ec.message()));
  };
  // TLS 1.2 at least; compression and renegotiation off.
  c.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                    ssl::context::no_compression,
                ec);
  c.set_verify_mode(ssl::verify_peer, ec);
  if (options.ca_file.empty()) {
    if (c.set_default_verify_paths(ec); ec) return bad("the system's CA certificates", "");
  } else if (c.load_verify_file(options.ca_file, ec); ec) {
    return bad("the CA file", options.ca_file);
  }
  if (!options.cert_file.empty()) {
    if (c.use_certificate_chain_file(options.cert_file, ec); ec)
      return bad("the client certificate", options.cert_file);
    if (c.use_private_key_file(options.key_file, ssl::context::pem, ec); ec)
      return bad("the client key", options.key_file);
  }
  return tls;
}

}  // namespace tandem::net
