// libFuzzer target for what OpenSearch (or anything pretending to be it) answers: the input is
// read as a _bulk response and as a _search response. Any crash or sanitizer report is a
// finding, and so is a broken invariant: an accepted _bulk response has exactly the items asked
// for, and every facet asked for comes back once, in order.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "search/opensearch/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  namespace os = tandem::search::opensearch;
  const std::size_t expected = size % 4;
  if (auto items = os::parse_bulk_response(body, expected); items && items->size() != expected)
    std::abort();
  const std::vector<std::string> facets{"brand", "in_stock"};
  if (auto r = os::parse_search_response(body, facets)) {
    if (r->facets.size() != 2 || r->facets[0].first != "brand" || r->facets[1].first != "in_stock")
      std::abort();
  }
  return 0;
}
