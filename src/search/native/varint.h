// LEB128 varints: seven bits a byte, low bits first, the high bit set on every byte but the last.
// Reading is bounded by the end of the buffer: a truncated or corrupt number stops there and
// reads as what it had so far, never past `end`. Standard library only.
#pragma once

#include <cstdint>
#include <string>

namespace tandem::search::native {

inline void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Reads one varint at `p` (never at or past `end`) and moves `p` past it.
inline std::uint64_t get_varint(const unsigned char*& p, const unsigned char* end) {
  std::uint64_t v = 0;
  for (unsigned shift = 0; p < end && shift < 64; shift += 7) {
    unsigned char byte = *p++;
    v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if (byte < 0x80) return v;
  }
  return v;
}

}  // namespace tandem::search::native
