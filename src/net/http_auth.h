// Authentication of HTTP requests, as HttpClient prepare hooks: HTTP Basic (a user and password
// for a self-hosted OpenSearch) and AWS SigV4 (Amazon OpenSearch Service, OpenSearch
// Serverless) with credentials from an AwsCredentialsProvider, signed afresh on every attempt.
// Depends on core and net.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "net/aws_credentials.h"
#include "net/http_client.h"
#include "net/sigv4.h"

namespace tandem::net {

using PrepareHook = std::function<core::Status(HttpRequest&, const HttpEndpoint&)>;

// "Authorization: Basic base64(user:password)" on every request.
PrepareHook basic_auth(const std::string& user, const std::string& password);

// SigV4 headers on every request, with the provider's current credentials (kUnavailable, naming
// the credentials' source, when it has none to give).
PrepareHook sigv4_auth(std::shared_ptr<AwsCredentialsProvider> credentials, SigV4Options options);

}  // namespace tandem::net
