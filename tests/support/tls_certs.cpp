// Making test certificates with openssl. POSIX only.
#include "support/tls_certs.h"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace tandem::testing {
namespace {

void run(const std::string& command) {
  if (std::system((command + " >/dev/null 2>&1").c_str()) != 0)
    throw std::runtime_error("openssl failed (scripts/setup.sh test installs it): " + command);
}

}  // namespace

TestCertificates::TestCertificates(const std::string& ca_name) {
  const std::string d = "'" + dir_.path().string() + "/";
  const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  run("openssl req -x509" + key + " -keyout " + d + "ca.key' -out " + d +
      "ca.crt' -days 2 -subj '/CN=" + ca_name +
      "' -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign");
  std::ofstream(dir_.file("server.ext"))
      << "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n";
  std::ofstream(dir_.file("client.ext")) << "extendedKeyUsage=clientAuth\n";
  for (std::string who : {"server", "client"}) {
    run("openssl req" + key + " -keyout " + d + who + ".key' -out " + d + who +
        ".csr' -subj '/CN=tandem-" + who + "'");
    run("openssl x509 -req -in " + d + who + ".csr' -CA " + d + "ca.crt' -CAkey " + d +
        "ca.key' -CAcreateserial -days 2 -out " + d + who + ".crt' -extfile " + d + who + ".ext'");
  }
}

std::vector<std::string> TestCertificates::redis_args(std::uint16_t tls_port,
                                                      bool require_client_cert) const {
  return {"--tls-port",         std::to_string(tls_port),
          "--tls-cert-file",    server_cert(),
          "--tls-key-file",     server_key(),
          "--tls-ca-cert-file", ca(),
          "--tls-auth-clients", require_client_cert ? "yes" : "no"};
}

}  // namespace tandem::testing
