// libFuzzer target for native index segments: any bytes as a segment file. Opening refuses what
// is not a whole, well-formed segment; what it accepts must be readable to the end without a
// read outside the file (the sanitizers report any): every term's postings walked and skipped
// into, positions decoded, every record, value, id and deletion read.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "search/native/segment.h"

namespace {

using tandem::search::native::DocId;
using tandem::search::native::Segment;

const std::string& path() {
  static const std::string p = "/tmp/tandem-segment-fuzz-" + std::to_string(::getpid());
  return p;
}

void read_everything(const Segment& s) {
  std::vector<std::uint32_t> positions;
  for (std::size_t t = 0; t < s.terms(); ++t) {
    (void)s.term(t);
    (void)s.find(s.term(t));
    for (auto it = s.postings(t); !it.at_end(); it.next()) {
      it.positions(positions);
      (void)s.id(it.doc());  // (a damaged docid past the end reads as no record)
    }
    for (DocId target : {0u, 1u, 129u, 1000u}) {
      auto it = s.postings(t);
      it.skip_to(target);
    }
  }
  for (DocId d = 0; d < s.documents(); ++d) {
    (void)s.body(d);
    (void)s.values(d);
    (void)s.value(d, 1);
    (void)s.find_id(s.id(d));
    (void)s.seq(d);
  }
  for (std::size_t i = 0; i < s.id_count(); ++i)
    (void)s.id_entry(i);
  (void)s.deletions();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::FILE* f = std::fopen(path().c_str(), "wb");
  if (f == nullptr) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  auto segment = Segment::open(path());
  if (segment) read_everything(**segment);
  return 0;
}
