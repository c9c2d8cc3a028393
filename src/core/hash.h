// Small, fully specified hash and mixing functions, so that results are the same on every
// platform and in every build (ids routed to shards, generator output). Standard library only.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace tandem::core {

// 64-bit FNV-1a.
constexpr std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : bytes)
    h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

// The SplitMix64 finaliser: a bijective mix of 64 bits.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// One step of the SplitMix64 generator over `state`.
constexpr std::uint64_t splitmix64(std::uint64_t& state) {
  state += 0x9e3779b97f4a7c15ULL;
  return mix64(state);
}

// A fast keyed hash for in-memory tables: eight bytes per multiply, then mix64. `seed` is chosen
// at random per table so that colliding keys cannot be prepared in advance. Not for anything
// persisted or compared across processes (use fnv1a64 there).
inline std::uint64_t table_hash(std::string_view bytes, std::uint64_t seed) {
  // The low and high halves of a 128-bit product, folded: one multiply mixes every input bit.
  __extension__ typedef unsigned __int128 u128;  // GCC and Clang on 64-bit targets
  auto fold = [](std::uint64_t a, std::uint64_t b) {
    u128 product = static_cast<u128>(a) * b;
    return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
  };
  constexpr std::uint64_t kMul = 0x9fb21c651e98df25ULL;
  std::uint64_t h = seed ^ (bytes.size() * 0x9e3779b97f4a7c15ULL);
  const char* p = bytes.data();
  std::size_t n = bytes.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = fold(h ^ w, kMul);
  }
  if (n > 0) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = fold(h ^ w, kMul);
  }
  return mix64(h);
}

}  // namespace tandem::core
