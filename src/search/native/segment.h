// Segments: the unit of tandem's own inverted index. A segment is written once, from a batch of
// documents (or from merging older segments), and never changed afterwards; a document replaced
// or deleted later is recorded as a deletion in a newer segment. SegmentWriter builds one in
// memory and writes it to a file; Segment reads one from its file, mapped into memory.
//
// What a segment holds, for each document (numbered from 0 in the order added): its record id,
// seq and body, its value slots, and its terms, each with a wdf and, for terms added with
// positions, the sorted positions. For each term (in byte order, for prefix scans): how many
// documents have it, the largest wdf among them, and its postings. Postings are varints in
// blocks of kBlock, with a skip entry per block, so that skip_to() jumps instead of decoding
// everything before its target. The file layout is described in segment.cpp.
//
// Errors: open() returns kInvalidArgument for a file that is not a whole, well-formed segment of
// this format, kUnavailable when it cannot be read. Depends on core only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "search/native/bits.h"

namespace tandem::search::native {

using DocId = std::uint32_t;  // a document's number within its segment, from 0

inline constexpr std::uint32_t kBlock = 128;  // postings per skip entry

// A document deleted: its segment, by that segment's number, and its docid there.
struct Deletion {
  std::uint64_t segment = 0;
  DocId doc = 0;
  bool operator==(const Deletion&) const = default;
};

class SegmentWriter {
 public:
  SegmentWriter();
  ~SegmentWriter();
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  // The terms and values of the document being built, named as Xapian::Document's so that one
  // layout feeds either. A term added again adds to its wdf (and its positions); a position
  // given twice is kept once. A slot set twice keeps the last value.
  void add_posting(std::string_view term, std::uint32_t position, std::uint32_t wdf = 1);
  void add_term(std::string_view term, std::uint32_t wdf = 1);
  void add_boolean_term(std::string_view term) { add_term(term, 0); }
  void add_value(std::uint32_t slot, std::string_view value);
  // Ends the document being built with its record id, seq and body; returns its docid.
  DocId end_document(std::string_view id, std::uint64_t seq, std::string_view body);
  // Drops the document being built (its terms and values), as if never begun.
  void discard_document();

  void add_deletion(Deletion d) { deletions_.push_back(d); }

  DocId documents() const { return static_cast<DocId>(doc_offsets_.size()); }
  // Bytes held for the segment so far, roughly: to decide when a batch is large enough.
  std::size_t memory() const;

  // Writes the segment to `path`: to `path` + ".tmp", then renamed, so that `path` is either
  // absent or whole. With `sync`, the file is flushed to the disk before the rename.
  // kUnavailable when the file cannot be written.
  core::Status write(const std::string& path, bool sync) const;

 private:
  struct Skip;
  struct TermState;
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const;
  };
  struct Equal {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return a == b; }
  };

  TermState& intern(std::string_view term);
  void touch(TermState& t, std::uint32_t wdf);
  void append_posting(TermState& t, DocId doc);

  std::vector<TermState> terms_;
  std::unordered_map<std::string, std::uint32_t, Hash, Equal> term_index_;
  std::vector<std::uint32_t> touched_;                // terms of the document being built
  std::string values_;                                // its values, encoded as in the file
  std::uint32_t value_count_ = 0;                     // and how many
  std::string docs_;                                  // the documents' records (see segment.cpp)
  std::vector<std::uint64_t> doc_offsets_;            // where each starts in docs_
  std::vector<std::pair<std::uint64_t, DocId>> ids_;  // (fnv1a64 of the id, docid)
  std::vector<Deletion> deletions_;
};

// One term's postings, in docid order: at() until at_end(), next() to advance, skip_to() to jump.
class PostingIterator {
 public:
  PostingIterator() = default;
  bool at_end() const { return at_end_; }
  DocId doc() const { return doc_; }
  std::uint32_t wdf() const { return wdf_; }
  void next();
  // Moves to the first posting at or after `target` (staying put when already there).
  void skip_to(DocId target);
  // The current document's positions of the term, ascending (empty for a term without).
  void positions(std::vector<std::uint32_t>& out) const;
  // The same as stored (see segment.cpp), for copying into another segment.
  std::string_view raw_positions() const;

 private:
  friend class Segment;
  struct SkipView {
    const unsigned char* data = nullptr;  // the term's skip entries, kSkipBytes each
    std::uint32_t count = 0;
  };
  void read();  // decodes the posting at p_, or ends
  void seek_block(std::uint32_t block);

  const unsigned char* begin_ = nullptr;  // the term's postings
  const unsigned char* p_ = nullptr;
  const unsigned char* end_ = nullptr;
  const unsigned char* positions_ = nullptr;  // the term's positions
  const unsigned char* positions_end_ = nullptr;
  SkipView skips_;
  bool positional_ = false, at_end_ = true;
  DocId doc_ = 0, next_min_ = 0;  // next_min_: the smallest docid the next posting may have
  std::uint32_t wdf_ = 0;
  std::uint32_t index_ = 0, count_ = 0;      // this posting's number in the term's, and how many
  std::uint64_t pos_at_ = 0, pos_size_ = 0;  // this posting's positions in positions_
  std::uint64_t pos_next_ = 0;               // and the next one's
};

// A segment to merge: its documents, but those in `deleted`, are copied in order.
struct MergeInput {
  std::uint64_t number = 0;  // the segment's number (deletions name segments by it)
  const class Segment* segment = nullptr;
  const Bits* deleted = nullptr;  // null: none
};
inline constexpr DocId kDropped = UINT32_MAX;  // a merged document's new docid: not copied

// Writes the merge of `inputs` to `path`, as SegmentWriter::write does: their documents that are
// not deleted, renumbered from 0 in the inputs' order, with their terms, and the deletions they
// hold of other segments for which `keep(number)` is true. Returns, for each input, the new docid
// of each of its documents (kDropped for those deleted). kUnavailable when the file cannot be
// written. Reads the inputs in one pass, term by term: memory holds the dictionary, not the
// postings.
core::Result<std::vector<std::vector<DocId>>> merge(std::span<const MergeInput> inputs,
                                                    const std::function<bool(std::uint64_t)>& keep,
                                                    const std::string& path, bool sync);

class Segment {
 public:
  // Maps the segment at `path` (see the errors above).
  static core::Result<std::shared_ptr<const Segment>> open(const std::string& path);
  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  DocId documents() const { return documents_; }
  std::size_t terms() const { return terms_; }
  std::uint64_t bytes() const { return size_; }

  // Terms by their index in byte order.
  std::optional<std::size_t> find(std::string_view term) const;
  std::size_t lower_bound(std::string_view term) const;  // the first at or after `term`
  std::string_view term(std::size_t i) const;
  std::uint32_t term_docs(std::size_t i) const;     // documents with the term
  std::uint32_t term_wdf_max(std::size_t i) const;  // the largest wdf among them
  bool positional(std::size_t i) const;             // whether its postings have positions
  PostingIterator postings(std::size_t i) const;

  std::string_view id(DocId d) const;
  std::uint64_t seq(DocId d) const;
  std::string_view body(DocId d) const;
  std::optional<std::string_view> value(DocId d, std::uint32_t slot) const;
  // Every value of `d`, in the order added: (slot, value).
  std::vector<std::pair<std::uint32_t, std::string_view>> values(DocId d) const;

  // The documents with record id `id`, in docid order (more than one when a batch held several
  // versions: the last is the newest).
  std::vector<DocId> find_id(std::string_view id) const;
  // The id table: (fnv1a64 of a document's id, its docid), by hash.
  std::size_t id_count() const { return ids_; }
  std::pair<std::uint64_t, DocId> id_entry(std::size_t i) const;
  std::vector<Deletion> deletions() const;
  // A document's record as stored (see segment.cpp), for copying into another segment.
  std::string_view record_bytes(DocId d) const;

 private:
  struct Record {  // a document's record, decoded up to its body
    std::string_view id;
    std::uint64_t seq = 0;
    std::uint64_t value_count = 0;
    const unsigned char* values = nullptr;  // value_count (slot, size, bytes)
    const unsigned char* end = nullptr;     // of the record; the body ends there
  };
  Segment() = default;
  core::Status parse();
  Record record(DocId d) const;
  const unsigned char* entry(std::size_t i) const;
  std::uint64_t section_end(int s) const;

  const unsigned char* data_ = nullptr;
  std::uint64_t size_ = 0;
  DocId documents_ = 0;
  std::size_t terms_ = 0, ids_ = 0, deletions_ = 0;
  std::uint64_t sections_[10] = {};  // offsets, in the order of segment.cpp's Section; the
                                     // last is the footer's
};

}  // namespace tandem::search::native
