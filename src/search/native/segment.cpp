// Segment files. Depends on core.
//
// Layout (little-endian; sections in this order, each right after the one before):
//   "TNDSEG1\n"
//   postings   per term, per document: varint(docid - smallest docid it may have), varint(wdf),
//              and for a positional term varint(bytes of its positions)
//   positions  per term, per document: varint(first), then varint(each - the one before)
//   skips      per term, per block of kBlock postings after the first: where the block starts
//   docs       per document: varint(id size), id, varint(seq), varint(value count), per value
//              varint(slot), varint(size), bytes; then the body, to the end of the record
//   offsets    u64 per document, where its record starts in docs, and one more for the end
//   ids        (u64 fnv1a64 of the id, u32 docid, u32 0), sorted
//   deletions  (u64 segment, u32 docid, u32 0)
//   names      the terms' bytes, concatenated in byte order
//   terms      a TermEntry per term, in the same order
//   footer     u64 each section's start, u64 documents, terms, ids, deletions, "TNDSEGF1"
#include "search/native/segment.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/hash.h"
#include "search/native/varint.h"

namespace tandem::search::native {
namespace {

static_assert(std::endian::native == std::endian::little, "segments are written little-endian");

constexpr char kMagic[8] = {'T', 'N', 'D', 'S', 'E', 'G', '1', '\n'};
constexpr char kFooterMagic[8] = {'T', 'N', 'D', 'S', 'E', 'G', 'F', '1'};

// In the order written: what a merge streams first, the dictionary (kept in memory) last.
enum Section { kPostings, kPositions, kSkips, kDocs, kOffsets, kIds, kDeletions, kNames, kTerms };
constexpr int kSections = 9;

constexpr std::uint32_t kPositional = 1;  // TermEntry::flags

struct TermEntry {
  std::uint64_t name, postings, positions, positions_size, skip;
  std::uint32_t name_size, docs, postings_size, skip_count, wdf_max, flags;
};
static_assert(sizeof(TermEntry) == 64);

struct SkipEntry {
  std::uint32_t next_min;   // the smallest docid the block's first posting may have
  std::uint32_t postings;   // where the block starts in the term's postings
  std::uint64_t positions;  // and in its positions
};
static_assert(sizeof(SkipEntry) == 16);

struct IdEntry {
  std::uint64_t hash;
  std::uint32_t doc, zero;
};
static_assert(sizeof(IdEntry) == 16);

struct DeletionEntry {
  std::uint64_t segment;
  std::uint32_t doc, zero;
};
static_assert(sizeof(DeletionEntry) == 16);

constexpr std::size_t kFooterWords = kSections + 4 + 1;  // starts, four counts, the magic
constexpr std::size_t kFooterBytes = kFooterWords * 8;

template <typename T>
T load(const unsigned char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::string errno_text(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// A file written through stdio's buffer, every error kept.
class Output {
 public:
  explicit Output(const std::string& path) : path_(path), file_(std::fopen(path.c_str(), "wb")) {
    if (file_ == nullptr) error_ = errno_text("cannot create", path);
  }
  ~Output() {
    if (file_ != nullptr) std::fclose(file_);
  }
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  void put(const void* data, std::size_t size) {
    if (file_ == nullptr || size == 0 || !error_.empty()) return;
    if (std::fwrite(data, 1, size, file_) != size) error_ = errno_text("cannot write", path_);
    written_ += size;
  }
  template <typename T>
  void put(const T& v) {
    put(&v, sizeof v);
  }
  std::uint64_t written() const { return written_; }
  // Appends the whole file at `path`.
  void append_file(const std::string& path) {
    std::FILE* in = std::fopen(path.c_str(), "rb");
    if (in == nullptr) {
      if (error_.empty()) error_ = errno_text("cannot open", path);
      return;
    }
    std::vector<char> buffer(1 << 20);
    while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), in))
      put(buffer.data(), n);
    if (std::ferror(in) && error_.empty()) error_ = errno_text("cannot read", path);
    std::fclose(in);
  }
  core::Status close(bool sync) {
    if (file_ == nullptr) return core::unavailable(error_);
    if (error_.empty() && std::fflush(file_) != 0) error_ = errno_text("cannot write", path_);
    if (error_.empty() && sync && ::fsync(fileno(file_)) != 0)
      error_ = errno_text("cannot sync", path_);
    if (std::fclose(file_) != 0 && error_.empty()) error_ = errno_text("cannot close", path_);
    file_ = nullptr;
    return error_.empty() ? core::Status::ok() : core::unavailable(error_);
  }

 private:
  std::string path_;
  std::FILE* file_;
  std::string error_;
  std::uint64_t written_ = 0;
};

// What every segment ends with, after its documents: the sorted ids, the deletions, the
// dictionary and the footer. Then closes `out` (at `tmp`) and renames it to `path`.
struct Tail {
  std::vector<std::pair<std::uint64_t, DocId>> ids;  // (fnv1a64 of the id, docid), any order
  const std::vector<Deletion>* deletions = nullptr;
  std::string names;               // the terms' bytes, in order
  std::vector<TermEntry> entries;  // and their entries
  DocId documents = 0;
};

core::Status finish(Output& out, std::uint64_t (&starts)[kSections], Tail& t,
                    const std::string& tmp, const std::string& path, bool sync) {
  std::sort(t.ids.begin(), t.ids.end());
  starts[kIds] = out.written();
  for (const auto& [hash, doc] : t.ids)
    out.put(IdEntry{hash, doc, 0});
  starts[kDeletions] = out.written();
  for (const auto& d : *t.deletions)
    out.put(DeletionEntry{d.segment, d.doc, 0});
  starts[kNames] = out.written();
  out.put(t.names.data(), t.names.size());
  starts[kTerms] = out.written();
  out.put(t.entries.data(), t.entries.size() * sizeof(TermEntry));
  for (auto start : starts)
    out.put(start);
  out.put(static_cast<std::uint64_t>(t.documents));
  out.put(static_cast<std::uint64_t>(t.entries.size()));
  out.put(static_cast<std::uint64_t>(t.ids.size()));
  out.put(static_cast<std::uint64_t>(t.deletions->size()));
  out.put(kFooterMagic);
  if (auto st = out.close(sync); !st.is_ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    auto st = core::unavailable(errno_text("cannot rename", tmp));
    ::unlink(tmp.c_str());
    return st;
  }
  return core::Status::ok();
}

}  // namespace

// ---- writing ----

struct SegmentWriter::Skip {
  std::uint32_t next_min, postings;
  std::uint64_t positions;
};

struct SegmentWriter::TermState {
  std::string name;
  std::string postings, positions;
  std::vector<Skip> skips;
  std::vector<std::uint32_t> pending_positions;  // of the document being built
  DocId next_min = 0;
  std::uint32_t docs = 0, wdf_max = 0, pending_wdf = 0;
  bool pending = false;     // the document being built has the term
  bool positional = false;  // its postings say where their positions are
};

std::size_t SegmentWriter::Hash::operator()(std::string_view s) const {
  return static_cast<std::size_t>(core::table_hash(s, 0x51ed270b27ab6bd5ULL));
}

SegmentWriter::SegmentWriter() = default;
SegmentWriter::~SegmentWriter() = default;

SegmentWriter::TermState& SegmentWriter::intern(std::string_view term) {
  auto it = term_index_.find(term);
  if (it != term_index_.end()) return terms_[it->second];
  auto index = static_cast<std::uint32_t>(terms_.size());
  terms_.emplace_back().name.assign(term);
  term_index_.emplace(std::string(term), index);
  return terms_.back();
}

void SegmentWriter::touch(TermState& t, std::uint32_t wdf) {
  if (!t.pending) {
    t.pending = true;
    t.pending_wdf = 0;
    t.pending_positions.clear();
    touched_.push_back(static_cast<std::uint32_t>(&t - terms_.data()));
  }
  t.pending_wdf += wdf;
}

void SegmentWriter::add_posting(std::string_view term, std::uint32_t position, std::uint32_t wdf) {
  auto& t = intern(term);
  touch(t, wdf);
  t.pending_positions.push_back(position);
}

void SegmentWriter::add_term(std::string_view term, std::uint32_t wdf) {
  touch(intern(term), wdf);
}

void SegmentWriter::add_value(std::uint32_t slot, std::string_view value) {
  put_varint(values_, slot);
  put_varint(values_, value.size());
  values_.append(value);
  ++value_count_;
}

namespace {
// Re-encodes a term's postings with a positions size (0) after each: for a term first added
// without positions and later with.
void add_position_sizes(std::string& postings, std::uint32_t docs) {
  std::string out;
  out.reserve(postings.size() + docs);
  const auto* p = reinterpret_cast<const unsigned char*>(postings.data());
  const auto* end = p + postings.size();
  for (std::uint32_t i = 0; i < docs; ++i) {
    put_varint(out, get_varint(p, end));
    put_varint(out, get_varint(p, end));
    out.push_back(0);
  }
  postings.swap(out);
}
}  // namespace

void SegmentWriter::append_posting(TermState& t, DocId doc) {
  auto& pos = t.pending_positions;
  if (!pos.empty() && !t.positional) {
    if (t.docs > 0) {
      add_position_sizes(t.postings, t.docs);
      // Block starts moved by one byte per posting before them.
      for (std::size_t b = 0; b < t.skips.size(); ++b)
        t.skips[b].postings += static_cast<std::uint32_t>((b + 1) * kBlock);
    }
    t.positional = true;
  }
  if (t.docs > 0 && t.docs % kBlock == 0) {
    t.skips.push_back({t.next_min, static_cast<std::uint32_t>(t.postings.size()),
                       static_cast<std::uint64_t>(t.positions.size())});
  }
  put_varint(t.postings, doc - t.next_min);
  put_varint(t.postings, t.pending_wdf);
  if (t.positional) {
    if (!std::is_sorted(pos.begin(), pos.end())) std::sort(pos.begin(), pos.end());
    std::size_t before = t.positions.size();
    std::uint32_t last = 0;
    for (std::size_t i = 0; i < pos.size(); ++i) {
      if (i > 0 && pos[i] == last) continue;
      put_varint(t.positions, i == 0 ? pos[i] : pos[i] - last);
      last = pos[i];
    }
    put_varint(t.postings, t.positions.size() - before);
  }
  t.next_min = doc + 1;
  t.wdf_max = std::max(t.wdf_max, t.pending_wdf);
  ++t.docs;
  t.pending = false;
}

DocId SegmentWriter::end_document(std::string_view id, std::uint64_t seq, std::string_view body) {
  DocId doc = documents();
  for (auto index : touched_)
    append_posting(terms_[index], doc);
  touched_.clear();
  doc_offsets_.push_back(docs_.size());
  put_varint(docs_, id.size());
  docs_.append(id);
  put_varint(docs_, seq);
  put_varint(docs_, value_count_);
  docs_.append(values_);
  docs_.append(body);
  values_.clear();
  value_count_ = 0;
  ids_.emplace_back(core::fnv1a64(id), doc);
  return doc;
}

void SegmentWriter::discard_document() {
  for (auto index : touched_)
    terms_[index].pending = false;
  touched_.clear();
  values_.clear();
  value_count_ = 0;
}

std::size_t SegmentWriter::memory() const {
  std::size_t n = docs_.capacity() + doc_offsets_.capacity() * 8 + ids_.capacity() * 16;
  for (const auto& t : terms_)
    n += sizeof t + t.name.capacity() * 2 + t.postings.capacity() + t.positions.capacity() +
         t.skips.capacity() * sizeof(Skip) + 32;
  return n;
}

core::Status SegmentWriter::write(const std::string& path, bool sync) const {
  std::vector<std::uint32_t> order;  // terms with postings (a discarded document's may have none)
  order.reserve(terms_.size());
  for (std::uint32_t i = 0; i < terms_.size(); ++i) {
    if (terms_[i].docs > 0) order.push_back(i);
  }
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return terms_[a].name < terms_[b].name; });

  std::string tmp = path + ".tmp";
  Output out(tmp);
  std::uint64_t starts[kSections];
  out.put(kMagic);
  starts[kPostings] = out.written();
  for (auto i : order)
    out.put(terms_[i].postings.data(), terms_[i].postings.size());
  starts[kPositions] = out.written();
  for (auto i : order)
    out.put(terms_[i].positions.data(), terms_[i].positions.size());
  starts[kSkips] = out.written();
  for (auto i : order) {
    for (const auto& s : terms_[i].skips)
      out.put(SkipEntry{s.next_min, s.postings, s.positions});
  }
  starts[kDocs] = out.written();
  out.put(docs_.data(), docs_.size());
  starts[kOffsets] = out.written();
  for (auto offset : doc_offsets_)
    out.put(offset);
  out.put(static_cast<std::uint64_t>(docs_.size()));

  Tail tail{.ids = ids_, .deletions = &deletions_, .documents = documents()};
  std::uint64_t postings = 0, positions = 0, skip = 0;
  for (auto i : order) {
    const auto& t = terms_[i];
    tail.entries.push_back({.name = tail.names.size(),
                            .postings = postings,
                            .positions = positions,
                            .positions_size = t.positions.size(),
                            .skip = skip,
                            .name_size = static_cast<std::uint32_t>(t.name.size()),
                            .docs = t.docs,
                            .postings_size = static_cast<std::uint32_t>(t.postings.size()),
                            .skip_count = static_cast<std::uint32_t>(t.skips.size()),
                            .wdf_max = t.wdf_max,
                            .flags = t.positional ? kPositional : 0});
    tail.names.append(t.name);
    postings += t.postings.size();
    positions += t.positions.size();
    skip += t.skips.size();
  }
  return finish(out, starts, tail, tmp, path, sync);
}

// ---- reading postings ----

void PostingIterator::read() {
  if (index_ >= count_ || p_ >= end_) {
    at_end_ = true;
    return;
  }
  doc_ = next_min_ + static_cast<DocId>(get_varint(p_, end_));
  next_min_ = doc_ + 1;
  wdf_ = static_cast<std::uint32_t>(get_varint(p_, end_));
  pos_at_ = pos_next_;
  pos_size_ = positional_ ? get_varint(p_, end_) : 0;
  pos_next_ += pos_size_;
}

void PostingIterator::next() {
  if (at_end_) return;
  ++index_;
  read();
}

void PostingIterator::seek_block(std::uint32_t block) {
  auto s = load<SkipEntry>(skips_.data + (block - 1) * sizeof(SkipEntry));
  if (s.postings > static_cast<std::uint64_t>(end_ - begin_)) {  // (a corrupt file)
    at_end_ = true;
    return;
  }
  p_ = begin_ + s.postings;
  next_min_ = s.next_min;
  pos_next_ = s.positions;
  index_ = block * kBlock;
  read();
}

void PostingIterator::skip_to(DocId target) {
  if (at_end_ || doc_ >= target) return;
  // The last block whose first posting may be at or before the target: every block before it
  // ends before the target. Skip entry k starts block k + 1.
  std::uint32_t block = index_ / kBlock;
  std::uint32_t lo = block, hi = skips_.count;  // blocks lo..hi, lo known to start before target
  while (lo < hi) {
    std::uint32_t mid = lo + (hi - lo + 1) / 2;
    if (load<SkipEntry>(skips_.data + (mid - 1) * sizeof(SkipEntry)).next_min <= target) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  if (lo > block) seek_block(lo);
  while (!at_end_ && doc_ < target)
    next();
}

std::string_view PostingIterator::raw_positions() const {
  if (at_end_ || pos_size_ == 0) return {};
  auto available = static_cast<std::uint64_t>(positions_end_ - positions_);
  if (pos_at_ > available || pos_size_ > available - pos_at_) return {};  // (a corrupt file)
  return {reinterpret_cast<const char*>(positions_ + pos_at_), static_cast<std::size_t>(pos_size_)};
}

void PostingIterator::positions(std::vector<std::uint32_t>& out) const {
  out.clear();
  auto raw = raw_positions();
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  const auto* end = p + raw.size();
  std::uint32_t last = 0;
  while (p < end) {
    last += static_cast<std::uint32_t>(get_varint(p, end));
    out.push_back(last);
  }
}

// ---- reading segments ----

core::Result<std::shared_ptr<const Segment>> Segment::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    auto code = errno;
    auto message = errno_text("cannot open", path);
    return core::fail(code == ENOENT ? core::not_found(message) : core::unavailable(message));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    auto message = errno_text("cannot stat", path);
    ::close(fd);
    return core::fail(core::unavailable(message));
  }
  auto size = static_cast<std::uint64_t>(st.st_size);
  if (size < sizeof kMagic + kFooterBytes) {
    ::close(fd);
    return core::fail(core::invalid_argument(path + " is not a segment: too short"));
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return core::fail(core::unavailable(errno_text("cannot map", path)));
  std::shared_ptr<Segment> s(new Segment());
  s->data_ = static_cast<const unsigned char*>(map);
  s->size_ = size;
  if (auto parsed = s->parse(); !parsed.is_ok())
    return core::fail(core::invalid_argument(path + " is not a segment: " + parsed.message()));
  return std::shared_ptr<const Segment>(std::move(s));
}

Segment::~Segment() {
  if (data_ != nullptr) ::munmap(const_cast<unsigned char*>(data_), size_);
}

std::uint64_t Segment::section_end(int s) const {
  return sections_[s + 1];
}

core::Status Segment::parse() {
  auto bad = [](const char* why) { return core::invalid_argument(why); };
  std::uint64_t footer = size_ - kFooterBytes;
  if (std::memcmp(data_, kMagic, sizeof kMagic) != 0) return bad("no magic number");
  if (std::memcmp(data_ + size_ - 8, kFooterMagic, 8) != 0) return bad("no footer");
  for (int i = 0; i < kSections; ++i)
    sections_[i] = load<std::uint64_t>(data_ + footer + 8 * i);
  sections_[kSections] = footer;
  if (sections_[0] != sizeof kMagic) return bad("sections misplaced");
  for (int i = 0; i < kSections; ++i) {
    if (sections_[i] > sections_[i + 1]) return bad("sections out of order");
  }
  auto count = [&](int i) { return load<std::uint64_t>(data_ + footer + 8 * (kSections + i)); };
  std::uint64_t documents = count(0), terms = count(1), ids = count(2), deletions = count(3);
  auto size_of = [&](int s) { return section_end(s) - sections_[s]; };
  // (by division: a count multiplied could overflow into a match)
  auto holds = [&](int section, std::uint64_t n, std::uint64_t each) {
    return size_of(section) % each == 0 && size_of(section) / each == n;
  };
  if (!holds(kTerms, terms, sizeof(TermEntry)) || size_of(kSkips) % sizeof(SkipEntry) != 0 ||
      documents >= UINT32_MAX || !holds(kOffsets, documents + 1, 8) ||
      !holds(kIds, ids, sizeof(IdEntry)) || !holds(kDeletions, deletions, sizeof(DeletionEntry))) {
    return bad("section sizes do not match the counts");
  }
  documents_ = static_cast<DocId>(documents);
  terms_ = terms;
  ids_ = ids;
  deletions_ = deletions;
  std::uint64_t skips = size_of(kSkips) / sizeof(SkipEntry);
  std::string_view previous;
  for (std::size_t i = 0; i < terms_; ++i) {
    auto e = load<TermEntry>(entry(i));
    // (start, size) within a section of `total` bytes, without overflowing
    auto within = [](std::uint64_t start, std::uint64_t size, std::uint64_t total) {
      return start <= total && size <= total - start;
    };
    if (!within(e.name, e.name_size, size_of(kNames)) ||
        !within(e.postings, e.postings_size, size_of(kPostings)) ||
        !within(e.positions, e.positions_size, size_of(kPositions)) ||
        !within(e.skip, e.skip_count, skips) || e.docs == 0 ||
        e.skip_count != (e.docs - 1) / kBlock) {
      return bad("a term's entry points outside its sections");
    }
    std::string_view name = term(i);
    if (i > 0 && name <= previous) return bad("terms out of order");
    previous = name;
  }
  std::uint64_t last = 0;
  for (std::uint64_t d = 0; d <= documents; ++d) {
    auto offset = load<std::uint64_t>(data_ + sections_[kOffsets] + 8 * d);
    if (offset < last || offset > size_of(kDocs)) return bad("document offsets out of order");
    last = offset;
  }
  for (std::size_t i = 0; i < ids_; ++i) {
    if (load<IdEntry>(data_ + sections_[kIds] + i * sizeof(IdEntry)).doc >= documents_)
      return bad("an id names a document past the end");
  }
  return core::Status::ok();
}

const unsigned char* Segment::entry(std::size_t i) const {
  return data_ + sections_[kTerms] + i * sizeof(TermEntry);
}

std::string_view Segment::term(std::size_t i) const {
  auto e = load<TermEntry>(entry(i));
  return {reinterpret_cast<const char*>(data_ + sections_[kNames] + e.name), e.name_size};
}

std::uint32_t Segment::term_docs(std::size_t i) const {
  return load<TermEntry>(entry(i)).docs;
}

std::uint32_t Segment::term_wdf_max(std::size_t i) const {
  return load<TermEntry>(entry(i)).wdf_max;
}

bool Segment::positional(std::size_t i) const {
  return (load<TermEntry>(entry(i)).flags & kPositional) != 0;
}

std::size_t Segment::lower_bound(std::string_view t) const {
  std::size_t lo = 0, hi = terms_;
  while (lo < hi) {
    std::size_t mid = lo + (hi - lo) / 2;
    if (term(mid) < t) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

std::optional<std::size_t> Segment::find(std::string_view t) const {
  std::size_t i = lower_bound(t);
  if (i < terms_ && term(i) == t) return i;
  return std::nullopt;
}

PostingIterator Segment::postings(std::size_t i) const {
  auto e = load<TermEntry>(entry(i));
  PostingIterator it;
  it.begin_ = it.p_ = data_ + sections_[kPostings] + e.postings;
  it.end_ = it.begin_ + e.postings_size;
  it.positions_ = data_ + sections_[kPositions] + e.positions;
  it.positions_end_ = it.positions_ + e.positions_size;
  it.skips_ = {data_ + sections_[kSkips] + e.skip * sizeof(SkipEntry), e.skip_count};
  it.positional_ = (e.flags & kPositional) != 0;
  it.count_ = e.docs;
  it.at_end_ = false;
  it.read();
  return it;
}

Segment::Record Segment::record(DocId d) const {
  Record r;
  if (d >= documents_) return r;
  const unsigned char* docs = data_ + sections_[kDocs];
  const unsigned char* p = docs + load<std::uint64_t>(data_ + sections_[kOffsets] + 8 * d);
  r.end = docs + load<std::uint64_t>(data_ + sections_[kOffsets] + 8 * (d + 1));
  auto id_size =
      std::min<std::uint64_t>(get_varint(p, r.end), static_cast<std::uint64_t>(r.end - p));
  r.id = {reinterpret_cast<const char*>(p), static_cast<std::size_t>(id_size)};
  p += id_size;
  r.seq = get_varint(p, r.end);
  r.value_count = get_varint(p, r.end);
  r.values = p;
  return r;
}

std::string_view Segment::id(DocId d) const {
  return record(d).id;
}

std::uint64_t Segment::seq(DocId d) const {
  return record(d).seq;
}

namespace {
// Walks a record's values: fn(slot, value) for each; returns where they end.
template <typename Fn>
const unsigned char* walk_values(const unsigned char* p, const unsigned char* end,
                                 std::uint64_t count, Fn&& fn) {
  for (std::uint64_t i = 0; i < count && p < end; ++i) {
    auto slot = static_cast<std::uint32_t>(get_varint(p, end));
    auto size = std::min<std::uint64_t>(get_varint(p, end), static_cast<std::uint64_t>(end - p));
    fn(slot, std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(size)));
    p += size;
  }
  return p;
}
}  // namespace

std::string_view Segment::body(DocId d) const {
  auto r = record(d);
  if (r.end == nullptr) return {};
  const unsigned char* p = walk_values(r.values, r.end, r.value_count, [](auto, auto) {});
  return {reinterpret_cast<const char*>(p), static_cast<std::size_t>(r.end - p)};
}

std::optional<std::string_view> Segment::value(DocId d, std::uint32_t slot) const {
  auto r = record(d);
  std::optional<std::string_view> found;
  if (r.end == nullptr) return found;
  walk_values(r.values, r.end, r.value_count, [&](std::uint32_t s, std::string_view v) {
    if (s == slot) found = v;
  });
  return found;
}

std::vector<std::pair<std::uint32_t, std::string_view>> Segment::values(DocId d) const {
  std::vector<std::pair<std::uint32_t, std::string_view>> out;
  auto r = record(d);
  if (r.end == nullptr) return out;
  walk_values(r.values, r.end, r.value_count,
              [&](std::uint32_t s, std::string_view v) { out.emplace_back(s, v); });
  return out;
}

std::pair<std::uint64_t, DocId> Segment::id_entry(std::size_t i) const {
  auto e = load<IdEntry>(data_ + sections_[kIds] + i * sizeof(IdEntry));
  return {e.hash, e.doc};
}

std::vector<DocId> Segment::find_id(std::string_view id) const {
  std::uint64_t hash = core::fnv1a64(id);
  const unsigned char* ids = data_ + sections_[kIds];
  auto at = [&](std::size_t i) { return load<IdEntry>(ids + i * sizeof(IdEntry)); };
  std::size_t lo = 0, hi = ids_;
  while (lo < hi) {
    std::size_t mid = lo + (hi - lo) / 2;
    if (at(mid).hash < hash) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  std::vector<DocId> out;
  for (; lo < ids_ && at(lo).hash == hash; ++lo) {
    if (this->id(at(lo).doc) == id) out.push_back(at(lo).doc);
  }
  return out;  // (sorted by docid: entries are sorted by hash, then docid)
}

std::string_view Segment::record_bytes(DocId d) const {
  if (d >= documents_) return {};
  auto offset = [&](DocId i) { return load<std::uint64_t>(data_ + sections_[kOffsets] + 8 * i); };
  return {reinterpret_cast<const char*>(data_ + sections_[kDocs] + offset(d)),
          static_cast<std::size_t>(offset(d + 1) - offset(d))};
}

std::vector<Deletion> Segment::deletions() const {
  std::vector<Deletion> out;
  out.reserve(deletions_);
  for (std::size_t i = 0; i < deletions_; ++i) {
    auto e = load<DeletionEntry>(data_ + sections_[kDeletions] + i * sizeof(DeletionEntry));
    out.push_back({e.segment, e.doc});
  }
  return out;
}

// ---- merging ----

namespace {

// The smallest term among the inputs' next ones, if any.
std::optional<std::string_view> next_term(std::span<const MergeInput> inputs,
                                          const std::vector<std::size_t>& cursor) {
  std::optional<std::string_view> smallest;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (cursor[i] >= inputs[i].segment->terms()) continue;
    auto t = inputs[i].segment->term(cursor[i]);
    if (!smallest || t < *smallest) smallest = t;
  }
  return smallest;
}

}  // namespace

core::Result<std::vector<std::vector<DocId>>> merge(std::span<const MergeInput> inputs,
                                                    const std::function<bool(std::uint64_t)>& keep,
                                                    const std::string& path, bool sync) {
  std::vector<std::vector<DocId>> renumbered(inputs.size());
  DocId next = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    renumbered[i].resize(inputs[i].segment->documents());
    for (DocId d = 0; d < renumbered[i].size(); ++d) {
      bool gone = inputs[i].deleted != nullptr && test(*inputs[i].deleted, d);
      renumbered[i][d] = gone ? kDropped : next++;
    }
  }
  std::string tmp = path + ".tmp", side = path + ".positions.tmp";
  Output out(tmp);
  std::uint64_t starts[kSections];
  out.put(kMagic);
  starts[kPostings] = out.written();
  Tail tail{.documents = next};
  std::vector<SkipEntry> skips;
  std::uint64_t postings_at = 0, positions_at = 0;
  {
    Output positions_out(side);  // beside the postings, appended after them
    std::vector<std::size_t> cursor(inputs.size(), 0);
    std::string postings, positions;  // of the term being merged
    while (auto term = next_term(inputs, cursor)) {
      bool positional = false;
      std::vector<std::size_t> with;  // the inputs that have it
      for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (cursor[i] < inputs[i].segment->terms() && inputs[i].segment->term(cursor[i]) == *term) {
          with.push_back(i);
          positional = positional || inputs[i].segment->positional(cursor[i]);
        }
      }
      postings.clear();
      positions.clear();
      DocId next_min = 0;
      std::uint32_t docs = 0, wdf_max = 0;
      std::size_t first_skip = skips.size();
      for (auto i : with) {
        for (auto it = inputs[i].segment->postings(cursor[i]); !it.at_end(); it.next()) {
          DocId d = renumbered[i][it.doc()];
          if (d == kDropped) continue;
          if (docs > 0 && docs % kBlock == 0) {
            skips.push_back(
                {next_min, static_cast<std::uint32_t>(postings.size()), positions.size()});
          }
          put_varint(postings, d - next_min);
          put_varint(postings, it.wdf());
          if (positional) {
            auto raw = it.raw_positions();
            positions.append(raw);
            put_varint(postings, raw.size());
          }
          next_min = d + 1;
          wdf_max = std::max(wdf_max, it.wdf());
          ++docs;
        }
      }
      if (docs > 0) {
        tail.entries.push_back({.name = tail.names.size(),
                                .postings = postings_at,
                                .positions = positions_at,
                                .positions_size = positions.size(),
                                .skip = first_skip,
                                .name_size = static_cast<std::uint32_t>(term->size()),
                                .docs = docs,
                                .postings_size = static_cast<std::uint32_t>(postings.size()),
                                .skip_count = static_cast<std::uint32_t>(skips.size() - first_skip),
                                .wdf_max = wdf_max,
                                .flags = positional ? kPositional : 0});
        tail.names.append(*term);
        out.put(postings.data(), postings.size());
        positions_out.put(positions.data(), positions.size());
        postings_at += postings.size();
        positions_at += positions.size();
      }
      for (auto i : with)
        ++cursor[i];
    }
    if (auto st = positions_out.close(false); !st.is_ok()) {
      ::unlink(side.c_str());
      return core::fail(st);
    }
  }
  starts[kPositions] = out.written();
  out.append_file(side);
  ::unlink(side.c_str());
  starts[kSkips] = out.written();
  out.put(skips.data(), skips.size() * sizeof(SkipEntry));
  starts[kDocs] = out.written();
  std::vector<std::uint64_t> offsets;
  offsets.reserve(next + 1);
  std::uint64_t docs_at = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    for (DocId d = 0; d < renumbered[i].size(); ++d) {
      if (renumbered[i][d] == kDropped) continue;
      auto record = inputs[i].segment->record_bytes(d);
      offsets.push_back(docs_at);
      out.put(record.data(), record.size());
      docs_at += record.size();
      tail.ids.emplace_back(core::fnv1a64(inputs[i].segment->id(d)), renumbered[i][d]);
    }
  }
  offsets.push_back(docs_at);
  starts[kOffsets] = out.written();
  out.put(offsets.data(), offsets.size() * sizeof(std::uint64_t));
  std::vector<Deletion> deletions;
  auto merged = [&](std::uint64_t number) {
    return std::any_of(inputs.begin(), inputs.end(),
                       [&](const MergeInput& in) { return in.number == number; });
  };
  for (const auto& in : inputs) {
    for (const auto& d : in.segment->deletions()) {
      if (!merged(d.segment) && keep(d.segment)) deletions.push_back(d);
    }
  }
  tail.deletions = &deletions;
  if (auto st = finish(out, starts, tail, tmp, path, sync); !st.is_ok()) return core::fail(st);
  return renumbered;
}

}  // namespace tandem::search::native
