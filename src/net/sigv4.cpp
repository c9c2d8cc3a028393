// AWS Signature Version 4. Depends on OpenSSL (SHA-256, HMAC).
#include "net/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

#include "core/text.h"

namespace tandem::net {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string hex(const unsigned char* data, std::size_t n) {
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 0x0f]);
  }
  return out;
}

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &n);
  return std::string(reinterpret_cast<const char*>(out), n);
}

// Percent-decoding of a query component ('+' stays '+': it is not a space in SigV4).
std::string decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    int hi = 0, lo = 0;
    if (s[i] == '%' && i + 2 < s.size() && (hi = core::hex_value(s[i + 1])) >= 0 &&
        (lo = core::hex_value(s[i + 2])) >= 0) {
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// The path without "." and ".." segments and without empty ones, keeping a trailing slash.
std::string normalized(std::string_view path) {
  std::vector<std::string_view> kept;
  std::size_t at = 0;
  while (at <= path.size()) {
    auto slash = path.find('/', at);
    auto seg =
        path.substr(at, slash == std::string_view::npos ? std::string_view::npos : slash - at);
    if (seg == "..") {
      if (!kept.empty()) kept.pop_back();
    } else if (!seg.empty() && seg != ".") {
      kept.push_back(seg);
    }
    if (slash == std::string_view::npos) break;
    at = slash + 1;
  }
  std::string out = "/";
  for (std::size_t i = 0; i < kept.size(); ++i)
    out.append(kept[i]).append(i + 1 < kept.size() ? "/" : "");
  bool trailing =
      path.size() > 1 && (path.ends_with('/') || path.ends_with("/.") || path.ends_with("/.."));
  if (trailing && !kept.empty()) out.push_back('/');
  return out;
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t at = 0;
  while (at < query.size()) {
    auto amp = query.find('&', at);
    auto piece =
        query.substr(at, amp == std::string_view::npos ? std::string_view::npos : amp - at);
    if (!piece.empty()) {
      auto eq = piece.find('=');
      params.emplace_back(
          core::percent_encode(decode(piece.substr(0, eq))),
          eq == std::string_view::npos ? "" : core::percent_encode(decode(piece.substr(eq + 1))));
    }
    if (amp == std::string_view::npos) break;
    at = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params)
    out.append(out.empty() ? "" : "&").append(k).append("=").append(v);
  return out;
}

// A header value as signed: folded lines joined, outer space trimmed, inner runs of spaces one.
std::string canonical_value(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    bool blank = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    if (blank) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return hex(digest, sizeof digest);
}

SigV4Signature sign_v4(const SigV4Request& request, const AwsCredentials& credentials,
                       const SigV4Options& options, std::chrono::system_clock::time_point now) {
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char stamp[17];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  const std::string amz_date = stamp;
  const std::string date = amz_date.substr(0, 8);
  const std::string payload_hash = sha256_hex(request.body);

  SigV4Signature out;
  out.headers.emplace_back("X-Amz-Date", amz_date);
  if (options.sign_body) out.headers.emplace_back("X-Amz-Content-Sha256", payload_hash);
  const bool token = !credentials.session_token.empty();
  if (token && options.sign_session_token)
    out.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);

  // Name -> values in the order sent, for every header signed.
  std::map<std::string, std::vector<std::string>> signed_headers;
  for (const auto& [name, value] : request.headers)
    signed_headers[lower(name)].push_back(canonical_value(value));
  for (const auto& [name, value] : out.headers)
    signed_headers[lower(name)] = {value};

  std::string canonical_headers, names;
  for (const auto& [name, values] : signed_headers) {
    canonical_headers.append(name).append(":");
    for (std::size_t i = 0; i < values.size(); ++i)
      canonical_headers.append(i > 0 ? "," : "").append(values[i]);
    canonical_headers.append("\n");
    names.append(names.empty() ? "" : ";").append(name);
  }
  const std::string path = options.normalize_path ? normalized(request.path) : request.path;
  out.canonical_request = request.method + "\n" + core::percent_encode(path, true) + "\n" +
                          canonical_query(request.query) + "\n" + canonical_headers + "\n" + names +
                          "\n" + payload_hash;

  const std::string scope = date + "/" + options.region + "/" + options.service + "/aws4_request";
  out.string_to_sign =
      "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + sha256_hex(out.canonical_request);
  std::string key = hmac("AWS4" + credentials.secret_access_key, date);
  key = hmac(key, options.region);
  key = hmac(key, options.service);
  key = hmac(key, "aws4_request");
  std::string signature = hmac(key, out.string_to_sign);
  out.signature = hex(reinterpret_cast<const unsigned char*>(signature.data()), signature.size());

  if (token && !options.sign_session_token)
    out.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  out.headers.emplace_back(
      "Authorization", "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope +
                           ", SignedHeaders=" + names + ", Signature=" + out.signature);
  return out;
}

}  // namespace tandem::net
