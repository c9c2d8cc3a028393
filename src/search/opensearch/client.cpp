// OpenSearch requests over net's HTTP client. Depends on net and this directory's protocol.
#include "search/opensearch/client.h"

#include "search/opensearch/protocol.h"

namespace tandem::search::opensearch {

core::Result<net::HttpResponse> Client::call(std::string method, std::string target,
                                             std::string body, bool idempotent) {
  net::HttpRequest r{.method = std::move(method), .target = std::move(target)};
  if (!body.empty()) {
    bool bulk = r.target.substr(0, r.target.find('?')).ends_with("_bulk");
    r.headers.emplace_back("Content-Type", bulk ? "application/x-ndjson" : "application/json");
    r.body = std::move(body);
  }
  r.idempotent = idempotent;
  return http_.send(std::move(r));
}

core::Status Client::check() {
  auto r = call("GET", "/_cluster/health", "");
  if (!r) return r.error();
  if (r->status != 200) return refusal("_cluster/health", r->status, r->body);
  auto status = parse_health_status(r->body);
  if (!status) return status.error();
  if (*status == "red") return core::unavailable("opensearch: the cluster's status is red");
  return {};
}

}  // namespace tandem::search::opensearch
