// Index: one collection's native index, a list of segments ("parts") in a directory, and which
// of their documents are deleted. Every applied batch becomes one new segment (its documents and
// the deletions of the versions they replace), and a manifest naming the parts replaces the old
// one atomically, so that a crash leaves the index as of the last batch applied. Segments are
// merged in the background, ten of one size into one (a log-structured merge), so that their
// number grows with the logarithm of the documents. Searches read a Snapshot: the parts as they
// were when it was taken, unchanged while it is held.
//
// Records are versioned by seq: a change not newer than the version indexed is skipped, so that
// a batch applied again (after a crash) changes nothing. Each record id has at most one live
// document; an in-memory table finds it (about 23 bytes a record).
//
// Errors: open() returns kUnavailable when the directory cannot be used and kInvalidArgument for
// a damaged index (a manifest or segment that does not read); apply() and clear() kUnavailable
// when a file cannot be written, with nothing changed. Depends on core, changes and the segments.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "changes/changes.h"
#include "core/result.h"
#include "search/native/segment.h"

namespace tandem::search::native {

struct Snapshot;

struct IndexOptions {
  std::string dir;                // the index's directory, created when missing
  bool sync = false;              // flush segments and manifests to the disk (fsync)
  std::size_t merge_factor = 10;  // parts of about one size merged into one
  bool background_merges = true;  // false: only merge_pending() merges (tests)
  // Tests: called when a merge has written its segment, before it takes the writer's place.
  std::function<void()> merge_written;
  // Called after each merge with the snapshot it made, on the thread that merged, holding no
  // lock: to prepare what searches of the new part need before they ask.
  std::function<void(const Snapshot&)> merged;
};

// One part of an index: a segment, and which of its documents are deleted.
struct Part {
  std::uint64_t number = 0;  // names its file, seg-<number>
  std::shared_ptr<const Segment> segment;
  std::shared_ptr<const Bits> deleted;  // never null
  DocId live = 0;                       // documents not deleted
};

// The parts as they were when taken, oldest first: a document's place in the index is its
// part's place, then its docid.
struct Snapshot {
  std::vector<Part> parts;
  std::uint64_t live = 0;        // documents not deleted, in all parts
  std::uint64_t generation = 0;  // grows with every change searches can see
};

class Index {
 public:
  static core::Result<std::unique_ptr<Index>> open(IndexOptions options);
  ~Index();  // stops merging (a merge under way is abandoned)
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  // Adds the terms and values of an upsert's record to the writer; a failed status refuses the
  // change (its message is the rejection's reason) and the version indexed stays.
  using Fill = std::function<core::Status(SegmentWriter&, const changes::Change&)>;

  // Applies upserts and deletes (drops are the backend's: clear()), in seq order.
  core::Result<std::vector<changes::Rejection>> apply(
      std::span<const changes::Change* const> changes, const Fill& fill);
  // Removes every document.
  core::Status clear();

  std::shared_ptr<const Snapshot> snapshot() const;

  // Merges until no merge is due; returns how many were done. The background thread calls it
  // after each batch.
  core::Result<std::size_t> merge_pending();
  // Stops merging in the background, once a merge under way has finished: afterwards nothing
  // writes to the directory but apply(), clear() and merge_pending(). The destructor does it.
  void stop_merging();

 private:
  struct Location {
    std::uint32_t slot = 0;  // the part's slot (Part's place in slots_)
    DocId doc = 0;
    bool operator==(const Location&) const = default;
  };
  class IdTable;
  struct Batch;

  explicit Index(IndexOptions options);
  core::Status load();
  core::Status write_manifest(const std::vector<Part>& parts);
  void publish(std::vector<Part> parts);  // under writer_mutex_
  std::string path_of(std::uint64_t number) const;
  // The id table (under writer_mutex_): the live document of `id`; an id's document is now at
  // `at` (`hash`: of its id); `id` has no live document any more.
  std::optional<Location> locate(std::string_view id) const;
  void remember(std::uint64_t hash, Location at);
  void forget(std::string_view id);
  std::string_view id_at(Location at) const;  // the record id of a part's document
  // A slot no part has, nor any of `taken`.
  std::uint32_t take_slot(const std::vector<std::uint32_t>& taken) const;
  void rebuild_slots();
  // The run of parts to merge next, [first, last), or first == last for none.
  std::pair<std::size_t, std::size_t> due_merge(const std::vector<Part>& parts) const;
  core::Result<bool> merge_one();
  void merge_loop(std::stop_token stop);

  IndexOptions options_;
  mutable std::mutex snapshot_mutex_;  // guards snapshot_ (held only to copy or swap it)
  std::shared_ptr<const Snapshot> snapshot_;

  std::mutex writer_mutex_;                 // guards everything below; one writer at a time
  std::vector<Part> parts_;                 // as in snapshot_
  std::vector<std::uint32_t> part_slots_;   // each part's slot, parallel to parts_
  std::vector<std::ptrdiff_t> slot_parts_;  // each slot's place in parts_, -1 when free
  std::unique_ptr<IdTable> ids_;            // the live document of each record id
  std::uint64_t next_number_ = 1;
  std::uint64_t generation_ = 0;

  std::mutex merge_mutex_;  // one merge at a time
  std::condition_variable_any merge_cv_;
  bool merge_wanted_ = false;  // guarded by writer_mutex_
  std::jthread merger_;
};

}  // namespace tandem::search::native
