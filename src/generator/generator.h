// Synthetic e-commerce records for the `products` collection: the demo's data generator, made
// deterministic. Depends on core and json. The same seed and base time give the same records
// byte for byte, on every platform (own PRNG, no std distributions).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tandem::generator {

// SplitMix64: small, fast, and fully specified, so sequences are portable.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  // Uniform in [0, n); n > 0.
  std::uint64_t below(std::uint64_t n);
  // Uniform in [lo, hi].
  std::int64_t between(std::int64_t lo, std::int64_t hi);
  // True with probability p.
  bool chance(double p);

 private:
  std::uint64_t state_;
};

class Generator {
 public:
  // `now` anchors created_at (records are dated up to 30 days before it).
  Generator(std::uint64_t seed, std::chrono::system_clock::time_point now);

  // The next record: one JSON object on one line, without a newline.
  std::string next();

 private:
  std::uint64_t seed_;                         // for ids
  std::uint64_t count_ = 0;                    // records made so far
  Rng rng_;                                    // everything else
  std::chrono::system_clock::time_point now_;  // created_at anchor
};

}  // namespace tandem::generator
