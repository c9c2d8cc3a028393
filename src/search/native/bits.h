// Bit sets over docids: a set of documents as one bit each, grown on demand (a bit past the end
// is clear). Standard library only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tandem::search::native {

using Bits = std::vector<std::uint64_t>;
inline bool test(const Bits& b, std::size_t i) {
  return i / 64 < b.size() && ((b[i / 64] >> (i % 64)) & 1) != 0;
}
inline void set(Bits& b, std::size_t i) {
  if (i / 64 >= b.size()) b.resize(i / 64 + 1);
  b[i / 64] |= std::uint64_t{1} << (i % 64);
}
inline std::size_t count(const Bits& b) {
  std::size_t n = 0;
  for (auto w : b)
    n += static_cast<std::size_t>(__builtin_popcountll(w));
  return n;
}

}  // namespace tandem::search::native
