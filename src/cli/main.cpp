// The tandem executable. Everything lives in libraries; this only hands over to the CLI.
//
// AWS Lambda's custom runtimes (provided.al2023) start the package's `bootstrap` without
// arguments. scripts/package-lambda.sh ships this executable under that name, so invoked as
// `bootstrap` it runs `tandem lambda` (any arguments follow). The package carries Debian's
// libraries but not its CA certificates: unless SSL_CERT_FILE says otherwise, TLS then trusts
// the runtime's own bundle (Amazon Linux's path), as OpenSSL's default paths are Debian's.
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "cli/commands.h"

int main(int argc, char** argv) {
  if (argc >= 1 && std::filesystem::path(argv[0]).filename() == "bootstrap") {
    constexpr const char* kAmazonLinuxBundle = "/etc/pki/tls/certs/ca-bundle.crt";
    std::error_code ec;
    if (std::getenv("SSL_CERT_FILE") == nullptr && std::filesystem::exists(kAmazonLinuxBundle, ec))
      setenv("SSL_CERT_FILE", kAmazonLinuxBundle, 0);
    std::vector<char*> args{argv[0], const_cast<char*>("lambda")};
    args.insert(args.end(), argv + 1, argv + argc);
    args.push_back(nullptr);
    return tandem::cli::run(static_cast<int>(args.size() - 1), args.data());
  }
  return tandem::cli::run(argc, argv);
}
