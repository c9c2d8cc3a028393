// API keys, the registry's check of a request and token buckets, without HTTP: key texts and
// hashes, scopes, expiry, revocation, collections, a key's own rate against the default, failed
// attempts limited per address, anonymous scopes, and buckets refilling at their rate.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "access/key_json.h"
#include "access/keys.h"
#include "access/keys_registry.h"
#include "access/rate_limit.h"

namespace tandem::access {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kNow = 1'800'000'000'000;

TEST(ApiKeys, TextsAreRandomAndOnlyTheirHashIsKept) {
  auto a = make_key({.scopes = static_cast<Scopes>(Scope::kSearch)}, kNow);
  auto b = make_key({.scopes = static_cast<Scopes>(Scope::kSearch)}, kNow);
  EXPECT_NE(a.key, b.key);
  EXPECT_NE(a.record.id, b.record.id);
  EXPECT_EQ(a.key.size(), 60u);
  EXPECT_TRUE(a.key.starts_with("tdm_" + a.record.id + "_"));
  EXPECT_EQ(id_of(a.key), a.record.id);
  EXPECT_EQ(a.record.hash, sha256_hex(a.key));
  EXPECT_EQ(a.record.hash.size(), 64u);
  EXPECT_EQ(a.record.hash.find(a.key), std::string::npos);
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(same_hash(a.record.hash, sha256_hex(a.key)));
  EXPECT_FALSE(same_hash(a.record.hash, b.record.hash));
  EXPECT_FALSE(id_of("tdm_short"));
  std::set<char> seen(a.key.begin() + 17, a.key.end());
  EXPECT_GT(seen.size(), 15u);  // the secret uses the alphabet, not one letter
}

// FIPS 180-2's examples, from several threads at once (each keeps its own digest context).
TEST(ApiKeys, HashesAreSha256InHex) {
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&wrong] {
      for (int i = 0; i < 1000; ++i) {
        wrong +=
            sha256_hex("abc") != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        wrong +=
            sha256_hex("") != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        wrong += sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") !=
                 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(wrong, 0);
}

TEST(ApiKeys, AConfiguredKeyIsTheSameKeyOnEveryStartAndMustBeLongEnough) {
  auto one = key_from_text("correct horse battery staple", {}, kNow, "auth.admin_key");
  auto two = key_from_text("correct horse battery staple", {}, kNow + 5, "auth.admin_key");
  ASSERT_TRUE(one && two);
  EXPECT_EQ(one->record.id, two->record.id);
  auto weak = key_from_text("hunter2", {}, kNow, "auth.admin_key");
  ASSERT_FALSE(weak);
  EXPECT_NE(weak.error().message().find("auth.admin_key"), std::string::npos);
  EXPECT_EQ(weak.error().message().find("hunter2"), std::string::npos);
}

TEST(ApiKeys, ScopesParseAndUnknownOnesAreRefused) {
  auto s = parse_scopes({"search", "write"});
  ASSERT_TRUE(s);
  EXPECT_TRUE(has(*s, Scope::kSearch));
  EXPECT_FALSE(has(*s, Scope::kRead));
  EXPECT_EQ(scope_names(*s), (std::vector<std::string>{"search", "write"}));
  auto bad = parse_scopes({"search", "root"});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("'root'"), std::string::npos);
}

TEST(KeyJson, SpecsParseStrictlyAndRoundTrip) {
  auto spec = spec_from_json(R"({"description":"shop front","scopes":["search"],
      "collections":["products"],"expires_at":"2028-01-01T00:00:00Z","rate":50,"burst":100,
      "filter":"brand = acme"})",
                             kNow);
  ASSERT_TRUE(spec) << spec.error().message();
  EXPECT_EQ(spec->description, "shop front");
  EXPECT_EQ(spec->scopes, static_cast<Scopes>(Scope::kSearch));
  EXPECT_EQ(spec->collections, std::vector<std::string>{"products"});
  EXPECT_EQ(spec->expires_at_ms, 1830297600000);
  EXPECT_EQ(spec->rate, 50);
  auto again = spec_from_json(spec_to_json(*spec));
  ASSERT_TRUE(again) << spec_to_json(*spec);
  EXPECT_EQ(spec_to_json(*again), spec_to_json(*spec));
  std::vector<std::pair<std::string, std::string>> bad{
      {"[]", "must be a JSON object"},
      {"{", "not JSON"},
      {R"({"scopes":[]})", "scopes: at least one"},
      {R"({})", "scopes: at least one"},
      {R"({"scopes":["root"]})", "unknown scope 'root'"},
      {R"({"scopes":"search"})", "scopes: expected an array"},
      {R"({"scopes":["search"],"owner":"x"})", "owner: unknown member"},
      {R"({"scopes":["search"],"rate":-1})", "rate: expected a number from 0"},
      {R"({"scopes":["search"],"expires_at":"tomorrow"})", "expires_at: 'tomorrow' is not"},
      {R"({"scopes":["search"],"expires_at":"2020-01-01T00:00:00Z"})", "expires_at: already past"},
      {R"({"scopes":["search"],"collections":["Bad Name"]})", "collections: 'Bad Name'"},
      {R"({"scopes":["search"],"filter":"brand = "})", "filter: expected a value"},
  };
  for (const auto& [body, message] : bad) {
    auto r = spec_from_json(body, kNow);
    ASSERT_FALSE(r) << body;
    EXPECT_NE(r.error().message().find(message), std::string::npos)
        << body << " -> " << r.error().message();
  }
  KeyRecord k{.id = "abc", .hash = "secret-hash", .spec = *spec, .created_at_ms = kNow};
  std::string shown = key_to_json(k);
  EXPECT_EQ(shown.find("secret-hash"), std::string::npos);
  EXPECT_NE(shown.find(R"("revoked_at":null)"), std::string::npos) << shown;
}

class Registry : public ::testing::Test {
 protected:
  NewKey add(KeySpec spec) {
    auto k = make_key(std::move(spec), kNow);
    registry_.put(k.record);
    return k;
  }
  Check check(std::string_view key, std::optional<Scope> needed, std::string_view collection = "",
              std::string_view client = "10.0.0.1") {
    return registry_.check(key, needed, collection, client, now_ms_, steady_);
  }
  KeyRegistry registry_{AuthOptions{.failure_limit = {.rate = 1, .burst = 3}}};
  std::int64_t now_ms_ = kNow;
  Clock::time_point steady_ = Clock::time_point(100s);
};

TEST_F(Registry, KeysAreCheckedForScopeCollectionExpiryAndRevocation) {
  auto search = add({.scopes = static_cast<Scopes>(Scope::kSearch),
                     .collections = {"books"},
                     .expires_at_ms = kNow + 60'000,
                     .filter = "genre = sf"});
  auto admin = add({.scopes = static_cast<Scopes>(Scope::kAdmin)});
  auto ok = check(search.key, Scope::kSearch, "books");
  EXPECT_EQ(ok.verdict, Verdict::kAllowed);
  EXPECT_EQ(ok.principal.key_id, search.record.id);
  EXPECT_EQ(ok.principal.filter, "genre = sf");
  EXPECT_EQ(check(search.key, Scope::kWrite, "books").verdict, Verdict::kForbidden);
  auto other = check(search.key, Scope::kSearch, "products");
  EXPECT_EQ(other.verdict, Verdict::kForbidden);
  EXPECT_NE(other.reason.find("'products'"), std::string::npos);
  EXPECT_EQ(check(search.key, Scope::kSearch).verdict, Verdict::kAllowed);  // no collection named
  EXPECT_EQ(check(admin.key, Scope::kWrite, "products").verdict, Verdict::kAllowed);  // admin: all
  EXPECT_EQ(check(search.key, std::nullopt).verdict, Verdict::kAllowed);  // a public route
  now_ms_ = kNow + 60'000;
  auto expired = check(search.key, Scope::kSearch, "books", "c1");
  EXPECT_EQ(expired.verdict, Verdict::kUnauthenticated);
  EXPECT_EQ(expired.reason, "expired API key");
  EXPECT_TRUE(registry_.revoke(admin.record.id, now_ms_));
  EXPECT_FALSE(registry_.revoke(admin.record.id, now_ms_));  // already
  EXPECT_EQ(check(admin.key, Scope::kAdmin, "", "c2").reason, "revoked API key");
  EXPECT_EQ(check("tdm_nope", Scope::kSearch, "", "c3").reason, "unknown API key");
  EXPECT_EQ(check("", Scope::kSearch, "", "c4").verdict, Verdict::kUnauthenticated);
  EXPECT_EQ(registry_.list().size(), 2u);
}

TEST_F(Registry, FailedAttemptsAreLimitedPerAddress) {
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(check("guess" + std::to_string(i), Scope::kRead).verdict, Verdict::kUnauthenticated);
  auto limited = check("guess", Scope::kRead);
  EXPECT_EQ(limited.verdict, Verdict::kRateLimited);
  EXPECT_GT(limited.rate.retry.count(), 0);
  // Another address is not affected, and the bucket refills at its rate.
  EXPECT_EQ(check("guess", Scope::kRead, "", "10.0.0.2").verdict, Verdict::kUnauthenticated);
  steady_ += 1100ms;
  EXPECT_EQ(check("guess", Scope::kRead).verdict, Verdict::kUnauthenticated);
}

TEST_F(Registry, AKeyHasItsOwnRate) {
  auto slow = add({.scopes = static_cast<Scopes>(Scope::kRead), .rate = 2, .burst = 2});
  auto other = add({.scopes = static_cast<Scopes>(Scope::kRead), .rate = 2, .burst = 2});
  EXPECT_EQ(check(slow.key, Scope::kRead).verdict, Verdict::kAllowed);
  auto second = check(slow.key, Scope::kRead);
  EXPECT_EQ(second.verdict, Verdict::kAllowed);
  EXPECT_EQ(second.rate.remaining, 0);
  auto third = check(slow.key, Scope::kRead);
  EXPECT_EQ(third.verdict, Verdict::kRateLimited);
  EXPECT_EQ(third.rate.retry, 500ms);
  EXPECT_EQ(check(other.key, Scope::kRead).verdict, Verdict::kAllowed);  // its own bucket
  steady_ += 500ms;
  EXPECT_EQ(check(slow.key, Scope::kRead).verdict, Verdict::kAllowed);
}

TEST(RegistryOptions, AnonymousScopesAndDisabledAuth) {
  KeyRegistry open_search(AuthOptions{.anonymous = static_cast<Scopes>(Scope::kSearch)});
  EXPECT_EQ(open_search.check("", Scope::kSearch, "", "a", kNow).verdict, Verdict::kAllowed);
  EXPECT_EQ(open_search.check("", Scope::kWrite, "", "a", kNow).verdict, Verdict::kUnauthenticated);
  KeyRegistry off(AuthOptions{.enabled = false});
  EXPECT_EQ(off.check("", Scope::kAdmin, "", "a", kNow).verdict, Verdict::kAllowed);
}

TEST(TokenBucket, RefillsAtItsRateUpToItsBurst) {
  auto t0 = Clock::time_point(10s);
  TokenBucket b({.rate = 10, .burst = 5}, t0);
  for (int i = 0; i < 5; ++i)
    EXPECT_TRUE(b.take(t0).allowed);
  auto refused = b.take(t0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry, 100ms);
  EXPECT_EQ(refused.reset, 500ms);
  EXPECT_TRUE(b.take(t0 + 100ms).allowed);
  EXPECT_FALSE(b.take(t0 + 100ms).allowed);
  EXPECT_TRUE(b.idle(t0 + 600ms));
  // Over a long time no more than rate × time + burst get through.
  int allowed = 0;
  for (int ms = 0; ms < 10000; ++ms)
    allowed += b.take(t0 + 1s + std::chrono::milliseconds(ms)).allowed ? 1 : 0;
  EXPECT_GE(allowed, 100);
  EXPECT_LE(allowed, 106);
  TokenBucket unlimited({.rate = 0}, t0);
  EXPECT_TRUE(unlimited.take(t0).allowed);
}

TEST(RateLimiterBuckets, IdleBucketsAreForgotten) {
  RateLimiter limiter;
  auto t0 = Clock::time_point(10s);
  for (int i = 0; i < 5000; ++i)
    limiter.take("client" + std::to_string(i), {.rate = 100, .burst = 1}, t0);
  EXPECT_GT(limiter.size(), 4000u);
  for (int i = 0; i < 200000; ++i)  // every shard sweeps while these come in
    limiter.take("late" + std::to_string(i % 500), {.rate = 100, .burst = 1}, t0 + 10s);
  EXPECT_LE(limiter.size(), 500u);
}

}  // namespace
}  // namespace tandem::access
