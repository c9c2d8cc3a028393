// AWS Signature Version 4 for requests to Amazon OpenSearch Service (service "es") and
// OpenSearch Serverless ("aoss"): the canonical request, the string to sign, the signature and
// the headers to send (X-Amz-Date, X-Amz-Security-Token, X-Amz-Content-Sha256, Authorization).
// A pure function of the request, the credentials and the time: no I/O. Checked against every
// header-signing case of AWS's test suite (tests/data/aws-sigv4-test-suite). Depends on core
// and OpenSSL (SHA-256, HMAC).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tandem::net {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials (Lambda, ECS, STS); empty: none
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct SigV4Request {
  std::string method;  // "GET"
  // The path as sent on the wire (already percent-encoded where it needs to be: it is encoded
  // once more for the canonical request, as every service but S3 expects).
  std::string path;
  std::string query;   // after the '?', as sent; empty: none
  HeaderList headers;  // as sent, Host among them
  std::string_view body;
};

struct SigV4Options {
  std::string region;   // "eu-west-1"
  std::string service;  // "es" or "aoss"
  // Send and sign X-Amz-Content-Sha256 (the payload hash); OpenSearch Serverless requires it.
  bool sign_body = true;
  bool normalize_path = true;      // remove "." and ".." segments and empty ones, as AWS does
  bool sign_session_token = true;  // false: X-Amz-Security-Token is added after signing
};

struct SigV4Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // lowercase hex
  HeaderList headers;     // to add to the request, Authorization last
};

SigV4Signature sign_v4(const SigV4Request& request, const AwsCredentials& credentials,
                       const SigV4Options& options, std::chrono::system_clock::time_point now);

// Lowercase hex SHA-256 of `data` (the payload hash).
std::string sha256_hex(std::string_view data);

}  // namespace tandem::net
