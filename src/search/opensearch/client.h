// The HTTP side both OpenSearch classes share: requests with their content type (NDJSON for
// _bulk, JSON otherwise) over net's HttpClient, and the cluster health check. Depends on net.
#pragma once

#include <string>

#include "net/http_client.h"

namespace tandem::search::opensearch {

class Client {
 public:
  explicit Client(net::HttpClientOptions options) : http_(std::move(options)) {}

  // One request through the client's endpoints, deadline and retries. `idempotent` false: not
  // sent again once it may have arrived (see net::HttpRequest).
  core::Result<net::HttpResponse> call(std::string method, std::string target, std::string body,
                                       bool idempotent = true);
  // GET /_cluster/health: answered, and not red. For /ready and tandem_backend_up.
  core::Status check();

 private:
  net::HttpClient http_;
};

}  // namespace tandem::search::opensearch
