// libFuzzer target for the ingest parsers: NDJSON and array splitting, record validation against
// the products schema, id checks and merges. Any crash, sanitizer report or broken invariant
// (an accepted record that does not validate again) is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "json/split.h"
#include "schema/record.h"

namespace {

const tandem::schema::Collection& products() {
  static const auto c = tandem::schema::products_collection();
  return c;
}

void check_record(tandem::schema::RecordParser& parser, std::string_view text) {
  auto record = parser.validate(products(), text);
  if (!record) return;
  // What was accepted must be accepted again unchanged, and merging an empty patch keeps it.
  auto again = parser.validate(products(), record->body);
  if (!again || again->body != record->body || again->id != record->id) std::abort();
  auto merged = parser.merge(products(), record->body, "{}");
  if (!merged) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  tandem::schema::RecordParser parser(64 * 1024);
  for (const auto& piece : tandem::json::split_lines(input))
    check_record(parser, piece.text);
  if (auto pieces = tandem::json::split_array(input)) {
    for (const auto& piece : *pieces)
      check_record(parser, piece.text);
  }
  (void)tandem::schema::RecordParser::check_id(input);
  if (auto id = parser.read_id(input)) (void)parser.check_patch(input, *id);
  return 0;
}
