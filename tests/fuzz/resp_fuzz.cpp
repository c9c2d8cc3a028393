// libFuzzer target for the RESP reply parser: the bytes a Redis (or anything pretending to be
// one) sends, fed in pieces whose sizes the input chooses. Any crash or sanitizer report is a
// finding, and so is a broken invariant: a reply re-encoded as RESP must parse back to itself.
// Each reply is also read as a cluster slot map (CLUSTER SHARDS and SLOTS), whose ranges, when
// accepted, must lie within the 16384 slots.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "net/redis_cluster.h"
#include "net/resp.h"

namespace {

using tandem::net::Reply;

void append(const Reply& r, std::string& out) {
  switch (r.type) {
    case Reply::Type::kString:
      out += "$" + std::to_string(r.text.size()) + "\r\n" + r.text + "\r\n";
      return;
    case Reply::Type::kStatus: out += "+" + r.text + "\r\n"; return;
    case Reply::Type::kError: out += "-" + r.text + "\r\n"; return;
    case Reply::Type::kInteger: out += ":" + std::to_string(r.integer) + "\r\n"; return;
    case Reply::Type::kNil: out += "$-1\r\n"; return;
    case Reply::Type::kArray:
      out += "*" + std::to_string(r.elements.size()) + "\r\n";
      for (const auto& e : r.elements)
        append(e, out);
      return;
  }
}

bool same(const Reply& a, const Reply& b) {
  if (a.type != b.type || a.text != b.text || a.integer != b.integer ||
      a.elements.size() != b.elements.size())
    return false;
  for (std::size_t i = 0; i < a.elements.size(); ++i)
    if (!same(a.elements[i], b.elements[i])) return false;
  return true;
}

// A status or error line with CR or LF in it cannot be written back as one line.
bool line_safe(const Reply& r) {
  if ((r.type == Reply::Type::kStatus || r.type == Reply::Type::kError) &&
      r.text.find_first_of("\r\n") != std::string::npos)
    return false;
  for (const auto& e : r.elements)
    if (!line_safe(e)) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t piece = 1 + data[0] % 64;  // how the bytes arrive
  std::string_view wire(reinterpret_cast<const char*>(data) + 1, size - 1);
  tandem::net::ReplyParser parser(1 << 16);
  for (std::size_t at = 0; at < wire.size(); at += piece) {
    if (!parser.feed(wire.substr(at, piece)).is_ok()) return 0;
    for (;;) {
      auto r = parser.next();
      if (!r) return 0;  // not RESP: the connection would be closed
      if (!*r) break;
      const tandem::net::HostPort asked{.host = "127.0.0.1", .port = 7000};
      for (auto map : {tandem::net::parse_cluster_shards(**r, asked, size % 2 == 0),
                       tandem::net::parse_cluster_slots(**r, asked)}) {
        if (!map) continue;
        for (const auto& range : *map)
          if (range.first > range.last || range.last >= tandem::net::kClusterSlots ||
              range.master.port == 0 || range.master.host.empty())
            std::abort();
      }
      if (!line_safe(**r)) continue;
      std::string again;
      append(**r, again);
      tandem::net::ReplyParser check;
      if (!check.feed(again).is_ok()) std::abort();
      auto back = check.next();
      if (!back || !*back || !same(**back, **r)) std::abort();
    }
  }
  return 0;
}
