// Basic and SigV4 authentication hooks. Depends on core and net.
#include "net/http_auth.h"

#include "core/base64.h"

namespace tandem::net {

PrepareHook basic_auth(const std::string& user, const std::string& password) {
  std::string header = "Basic " + core::base64(user + ":" + password);
  return [header](HttpRequest& r, const HttpEndpoint&) {
    r.headers.emplace_back("Authorization", header);
    return core::Status();
  };
}

PrepareHook sigv4_auth(std::shared_ptr<AwsCredentialsProvider> credentials, SigV4Options options) {
  return [credentials = std::move(credentials), options = std::move(options)](
             HttpRequest& r, const HttpEndpoint& endpoint) -> core::Status {
    auto creds = credentials->get();
    if (!creds) {
      return core::unavailable("sigv4: no AWS credentials from " + credentials->source() + ": " +
                               creds.error().message());
    }
    std::string target = endpoint.base_path + r.target;
    auto q = target.find('?');
    SigV4Request request{.method = r.method,
                         .path = target.substr(0, q),
                         .query = q == std::string::npos ? "" : target.substr(q + 1),
                         .headers = r.headers,
                         .body = r.body};
    auto signature = sign_v4(request, *creds, options, std::chrono::system_clock::now());
    for (auto& h : signature.headers)
      r.headers.push_back(std::move(h));
    return core::Status();
  };
}

}  // namespace tandem::net
