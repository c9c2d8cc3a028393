// The product generator. Depends on core and json.
#include "generator/generator.h"

#include <cstdio>
#include <vector>

#include "core/clock.h"
#include "core/hash.h"
#include "generator/vocabulary.h"
#include "json/writer.h"

namespace tandem::generator {
namespace {

template <class T>
const T& pick(Rng& rng, std::span<const T> items) {
  return items[rng.below(items.size())];
}

// "19.99" from 1999 cents: exact, never "1.999E1".
std::string price_text(std::int64_t cents) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%02lld", static_cast<long long>(cents / 100),
                static_cast<long long>(cents % 100));
  return buf;
}

std::string description(Rng& rng, const Category& c, std::string_view brand, std::string_view noun,
                        std::string_view adjective) {
  std::string_view f1 = pick(rng, c.features);
  std::string_view f2 = pick(rng, c.features);
  while (f2 == f1)
    f2 = pick(rng, c.features);
  std::string out = "The ";
  out.append(adjective).append(" ").append(noun).append(" from ").append(brand);
  out.append(" comes with ").append(f1).append(" and ").append(f2).append(". Made ");
  out.append(pick(rng, c.uses)).append(".");
  return out;
}

void write_tags(json::Writer& w, Rng& rng, const Category& c) {
  std::size_t want = 2 + rng.below(3);
  std::vector<std::string_view> chosen;
  while (chosen.size() < want) {
    std::string_view t = pick(rng, c.tags);
    bool seen = false;
    for (auto x : chosen)
      seen = seen || x == t;
    if (!seen) chosen.push_back(t);
  }
  w.key("tags").begin_array();
  for (auto t : chosen)
    w.value(t);
  w.end_array();
}

}  // namespace

std::uint64_t Rng::next() {
  return core::splitmix64(state_);
}

std::uint64_t Rng::below(std::uint64_t n) {
  // Modulo with rejection of the short last stretch: unbiased and portable.
  const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n
  for (;;) {
    std::uint64_t r = next();
    if (r >= threshold) return r % n;
  }
}

std::int64_t Rng::between(std::int64_t lo, std::int64_t hi) {
  return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
}

bool Rng::chance(double p) {
  return static_cast<double>(next() >> 11) * 0x1.0p-53 < p;
}

Generator::Generator(std::uint64_t seed, std::chrono::system_clock::time_point now)
    : seed_(seed), rng_(core::mix64(seed ^ 0x5eed)), now_(now) {}

std::string Generator::next() {
  char id[24];
  std::snprintf(id, sizeof id, "p-%016llx",
                static_cast<unsigned long long>(core::mix64(seed_ * 0x100000001b3ULL + ++count_)));
  const Category& c = pick(rng_, categories());
  std::string_view brand = pick(rng_, c.brands);
  std::string_view noun = pick(rng_, c.nouns);
  std::string_view adjective = pick(rng_, c.adjectives);
  std::string name = std::string(brand) + " " + std::string(adjective) + " " + std::string(noun);
  std::int64_t stock = rng_.chance(0.1) ? 0 : rng_.between(1, 500);
  auto age = std::chrono::seconds(rng_.between(0, 30 * 24 * 3600));

  json::Writer w;
  w.begin_object().field("id", std::string_view(id)).field("name", name);
  w.field("description", description(rng_, c, brand, noun, adjective));
  w.field("category", c.name).field("brand", brand);
  w.key("price").raw(price_text(rng_.between(c.min_cents, c.max_cents)));
  w.field("currency", "USD");
  std::int64_t tenths = rng_.between(10, 50);  // rating 1.0 to 5.0
  w.key("rating").raw(std::to_string(tenths / 10) + "." + std::to_string(tenths % 10));
  w.field("stock", stock).field("in_stock", stock > 0);
  write_tags(w, rng_, c);
  w.field("created_at", core::format_rfc3339_ms(now_ - age));
  w.end_object();
  return w.take();
}

}  // namespace tandem::generator
