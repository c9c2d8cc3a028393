// Small, fully specified hash and mixing functions, so that results are the same on every
// platform and in every build (ids routed to shards, generator output). Standard library only.
#pragma once

#include <cstdint>
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

}  // namespace tandem::core
