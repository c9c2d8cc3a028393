// libFuzzer target for what OpenSearch (or anything pretending to be it) answers: the input is
// read as a _bulk, _search, _alias, _mget, _doc, _mapping and _count response and as an error
// body. Any crash or sanitizer report is a finding, and so is a broken invariant: an accepted
// _bulk or _mget response has exactly the items asked for, a found document has its _source,
// every facet asked for comes back once, in order, and an error reason is printable.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
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
  (void)os::parse_alias_response(body, "tandem-products");
  if (auto docs = os::parse_mget_response(body, expected); docs && docs->size() != expected)
    std::abort();
  if (auto doc = os::parse_get_response(body); doc && *doc && (*doc)->source.empty())
    std::abort();  // a found document always has its _source
  (void)os::parse_mapping_collections(body);
  (void)os::parse_count_response(body);
  std::string reason = os::error_reason(body);
  if (body.find('{') == std::string_view::npos) {  // no error object: the body's start, printable
    if (reason.size() > 200) std::abort();
    for (char c : reason)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) std::abort();
  }
  return 0;
}
