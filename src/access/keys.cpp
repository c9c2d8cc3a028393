// API key texts, hashes and scopes. Depends on core and OpenSSL.
#include "access/keys.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <memory>
#include <stdexcept>

namespace tandem::access {
namespace {

constexpr std::array<Scope, 4> kScopes{Scope::kSearch, Scope::kRead, Scope::kWrite, Scope::kAdmin};
constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::size_t kIdLength = 12;
constexpr std::size_t kSecretLength = 43;  // 36^43 > 2^222; 256 random bits are drawn

std::string random_text(std::size_t n) {
  std::string out;
  std::array<unsigned char, 64> bytes{};
  while (out.size() < n) {
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
      throw std::runtime_error("no random bytes from OpenSSL");
    for (unsigned char b : bytes) {
      if (b >= 252) continue;  // 252 = 36 * 7: keeps every character equally likely
      out += kAlphabet[b % 36];
      if (out.size() == n) break;
    }
  }
  return out;
}

}  // namespace

std::string_view scope_name(Scope s) {
  switch (s) {
    case Scope::kSearch: return "search";
    case Scope::kRead: return "read";
    case Scope::kWrite: return "write";
    case Scope::kAdmin: return "admin";
  }
  return "?";
}

core::Result<Scopes> parse_scopes(const std::vector<std::string>& names) {
  Scopes out = 0;
  for (const auto& n : names) {
    bool known = false;
    for (auto s : kScopes) {
      if (scope_name(s) == n) {
        out |= static_cast<Scopes>(s);
        known = true;
      }
    }
    if (!known) {
      return core::fail(
          core::invalid_argument("scopes: unknown scope '" + n + "' (search, read, write, admin)"));
    }
  }
  return out;
}

std::vector<std::string> scope_names(Scopes scopes) {
  std::vector<std::string> out;
  for (auto s : kScopes)
    if (has(scopes, s)) out.emplace_back(scope_name(s));
  return out;
}

std::string sha256_hex(std::string_view data) {
  // The digest fetched once and a context per thread: EVP_Digest(EVP_sha256()) fetched and
  // allocated on every call, 1.2 us of the 2 us a key's check took (bench/micro BM_Sha256Hex).
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                                 EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (sha256 == nullptr || ctx == nullptr || EVP_DigestInit_ex2(ctx.get(), sha256, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &n) != 1) {
    throw std::runtime_error("SHA-256 is not available from OpenSSL");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (unsigned int i = 0; i < n; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0x0f];
  }
  return out;
}

bool same_hash(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

NewKey make_key(KeySpec spec, std::int64_t now_ms) {
  NewKey out;
  out.record.id = random_text(kIdLength);
  out.key = "tdm_" + out.record.id + "_" + random_text(kSecretLength);
  out.record.hash = sha256_hex(out.key);
  out.record.spec = std::move(spec);
  out.record.created_at_ms = now_ms;
  return out;
}

core::Result<NewKey> key_from_text(std::string_view text, KeySpec spec, std::int64_t now_ms,
                                   std::string_view setting) {
  if (text.size() < 16) {
    return core::fail(core::invalid_argument(std::string(setting) +
                                             ": a key of at least 16 characters is needed"));
  }
  NewKey out;
  out.key = std::string(text);
  out.record.hash = sha256_hex(text);
  out.record.id = id_of(text).value_or("cfg" + out.record.hash.substr(0, kIdLength - 3));
  out.record.spec = std::move(spec);
  out.record.created_at_ms = now_ms;
  return out;
}

std::optional<std::string> id_of(std::string_view key) {
  if (key.size() != 4 + kIdLength + 1 + kSecretLength || !key.starts_with("tdm_") ||
      key[4 + kIdLength] != '_')
    return std::nullopt;
  for (char c : key.substr(4, kIdLength))
    if (kAlphabet.find(c) == std::string_view::npos) return std::nullopt;
  return std::string(key.substr(4, kIdLength));
}

}  // namespace tandem::access
