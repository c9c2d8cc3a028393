// The native index's parts, batches and merges. Depends on core, changes and the segments.
//
// Files in the directory: seg-<number> (segments, numbers never reused), and `manifest`, which
// names the parts in order, one number a line after the line "tandem-native 1". A segment is
// written before the manifest that names it, and a manifest replaces the old one by rename, so a
// crash leaves either the old parts or the new. Files the manifest does not name are left over
// from a crash (or a merge's inputs) and removed on open.
//
// Deletions live in the segment of the batch (or merge) that made them, as (segment number,
// docid). Opening reads every part's deletions into the deleted bits of the parts they name;
// those naming a part gone since (merged) are ignored: a merge drops the documents deleted
// when it began, carries the deletions its inputs hold of other parts, and records those made
// while it ran in a segment of deletions alone.
#include "search/native/index.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/hash.h"
#include "core/priority.h"

namespace tandem::search::native {
namespace {

constexpr std::string_view kManifestHeader = "tandem-native 1";
constexpr std::string_view kSegmentPrefix = "seg-";

std::string errno_text(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// Flushes a directory's entries (the renames in it) to the disk.
core::Status sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return core::unavailable(errno_text("cannot open", dir));
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? core::Status::ok() : core::unavailable(errno_text("cannot sync", dir));
}

std::uint64_t key_of(std::uint64_t hash) {
  return hash == 0 ? 1 : hash;  // 0 marks an empty slot
}

// The level of a part in the merge policy: log base `factor` of its live documents.
int level(DocId live, std::size_t factor) {
  int n = 0;
  for (std::uint64_t size = live; size >= factor; size /= factor)
    ++n;
  return n;
}

}  // namespace

// Record id -> its live document: open addressing by the id's fnv1a64, linear probing,
// deletion by backward shift. Two live ids with one hash: the second is kept in `overflow`.
class Index::IdTable {
 public:
  IdTable() : slots_(1024) {}
  std::optional<Location> find(std::uint64_t key) const {
    for (std::size_t i = key & mask(); slots_[i].key != 0; i = (i + 1) & mask()) {
      if (slots_[i].key == key) return slots_[i].at;
    }
    return std::nullopt;
  }
  void put(std::uint64_t key, Location at) {
    if ((used_ + 1) * 10 > slots_.size() * 7) grow();
    std::size_t i = key & mask();
    for (; slots_[i].key != 0; i = (i + 1) & mask()) {
      if (slots_[i].key == key) {
        slots_[i].at = at;
        return;
      }
    }
    slots_[i] = {key, at};
    ++used_;
  }
  void erase(std::uint64_t key) {
    std::size_t i = key & mask();
    for (; slots_[i].key != key; i = (i + 1) & mask()) {
      if (slots_[i].key == 0) return;
    }
    // Backward shift: move later entries of the probe run into the hole where they belong.
    for (std::size_t j = (i + 1) & mask(); slots_[j].key != 0; j = (j + 1) & mask()) {
      std::size_t home = slots_[j].key & mask();
      bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
      if (movable) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = {};
    --used_;
  }
  void clear() {
    slots_.assign(1024, {});
    used_ = 0;
    overflow.clear();
  }
  std::size_t size() const { return used_ + overflow.size(); }

  std::unordered_map<std::string, Location> overflow;

 private:
  struct Slot {
    std::uint64_t key = 0;
    Location at;
  };
  std::size_t mask() const { return slots_.size() - 1; }
  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    used_ = 0;
    for (const auto& s : old) {
      if (s.key != 0) put(s.key, s.at);
    }
  }
  std::vector<Slot> slots_;
  std::size_t used_ = 0;
};

// One batch being applied: the new segment and what it replaces.
struct Index::Batch {
  SegmentWriter writer;
  std::uint64_t number = 0;
  std::uint32_t slot = 0;
  std::unordered_map<std::string, DocId> added;       // record id -> its newest document here
  std::vector<std::uint64_t> seqs;                    // by docid here
  Bits deleted;                                       // documents here replaced later in the batch
  std::unordered_map<std::string, Location> removed;  // ids whose older document is deleted
};

Index::Index(IndexOptions options) : options_(std::move(options)), ids_(new IdTable()) {}

Index::~Index() {
  stop_merging();
}

void Index::stop_merging() {
  if (merger_.joinable()) {
    merger_.request_stop();
    merge_cv_.notify_all();
    merger_.join();
  }
}

core::Result<std::unique_ptr<Index>> Index::open(IndexOptions options) {
  if (options.merge_factor < 2) return core::fail(core::invalid_argument("merge_factor below 2"));
  std::unique_ptr<Index> index(new Index(std::move(options)));
  if (auto st = index->load(); !st.is_ok()) return core::fail(std::move(st));
  if (index->options_.background_merges) {
    index->merger_ =
        std::jthread([raw = index.get()](std::stop_token stop) { raw->merge_loop(stop); });
  }
  return index;
}

std::string Index::path_of(std::uint64_t number) const {
  return options_.dir + "/" + std::string(kSegmentPrefix) + std::to_string(number);
}

core::Status Index::load() {
  std::error_code ec;
  std::filesystem::create_directories(options_.dir, ec);
  if (ec) return core::unavailable("cannot create " + options_.dir + ": " + ec.message());
  std::vector<std::uint64_t> numbers;
  std::string manifest = options_.dir + "/manifest";
  if (std::filesystem::exists(manifest, ec)) {
    std::ifstream in(manifest);
    std::string line;
    if (!std::getline(in, line) || line != kManifestHeader)
      return core::invalid_argument(manifest + " is not a native index's manifest");
    while (std::getline(in, line)) {
      std::uint64_t n = 0;
      auto [end, err] = std::from_chars(line.data(), line.data() + line.size(), n);
      if (err != std::errc() || end != line.data() + line.size() || n == 0)
        return core::invalid_argument(manifest + " names a segment wrongly: " + line);
      numbers.push_back(n);
    }
  }
  std::set<std::uint64_t> named(numbers.begin(), numbers.end());
  if (named.size() != numbers.size())
    return core::invalid_argument(manifest + " names a segment twice");
  // Leftovers: segments no manifest names, files being written when the process stopped.
  for (const auto& entry : std::filesystem::directory_iterator(options_.dir, ec)) {
    std::string name = entry.path().filename().string();
    std::uint64_t n = 0;
    if (name.starts_with(kSegmentPrefix)) {
      std::string_view digits = std::string_view(name).substr(kSegmentPrefix.size());
      std::from_chars(digits.data(), digits.data() + digits.size(), n);
      next_number_ = std::max(next_number_, n + 1);
    }
    if (!named.contains(n) || name.ends_with(".tmp")) {
      if (name != "manifest") std::filesystem::remove(entry.path(), ec);
    }
  }
  if (ec) return core::unavailable("cannot list " + options_.dir + ": " + ec.message());

  std::vector<Part> parts;
  std::vector<Bits> deleted(numbers.size());
  std::map<std::uint64_t, std::size_t> place;
  for (auto n : numbers) {
    auto segment = Segment::open(path_of(n));
    if (!segment) {
      return core::invalid_argument(
          "the native index in " + options_.dir +
          " is damaged (rebuild it with `tandem reindex`): " + segment.error().message());
    }
    place[n] = parts.size();
    parts.push_back({.number = n, .segment = std::move(*segment)});
  }
  for (const auto& p : parts) {
    for (const auto& d : p.segment->deletions()) {
      auto at = place.find(d.segment);
      if (at != place.end() && d.doc < parts[at->second].segment->documents())
        set(deleted[at->second], d.doc);
    }
  }
  std::vector<std::uint32_t> slots;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    parts[i].live = parts[i].segment->documents() - static_cast<DocId>(count(deleted[i]));
    parts[i].deleted = std::make_shared<const Bits>(std::move(deleted[i]));
    slots.push_back(static_cast<std::uint32_t>(i));
  }
  part_slots_ = std::move(slots);
  publish(std::move(parts));
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    const auto& p = parts_[i];
    for (std::size_t e = 0; e < p.segment->id_count(); ++e) {
      auto [hash, doc] = p.segment->id_entry(e);
      if (!test(*p.deleted, doc)) remember(hash, {part_slots_[i], doc});
    }
  }
  return core::Status::ok();
}

void Index::publish(std::vector<Part> parts) {
  parts_ = std::move(parts);
  rebuild_slots();
  auto s = std::make_shared<Snapshot>();
  s->parts = parts_;
  for (const auto& p : parts_)
    s->live += p.live;
  s->generation = ++generation_;
  std::lock_guard lock(snapshot_mutex_);
  snapshot_ = std::move(s);
}

std::shared_ptr<const Snapshot> Index::snapshot() const {
  std::lock_guard lock(snapshot_mutex_);
  return snapshot_;
}

void Index::rebuild_slots() {
  std::fill(slot_parts_.begin(), slot_parts_.end(), -1);
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    if (part_slots_[i] >= slot_parts_.size()) slot_parts_.resize(part_slots_[i] + 1, -1);
    slot_parts_[part_slots_[i]] = static_cast<std::ptrdiff_t>(i);
  }
}

std::uint32_t Index::take_slot(const std::vector<std::uint32_t>& taken) const {
  std::vector<bool> used(slot_parts_.size() + taken.size() + 1, false);
  for (auto s : part_slots_)
    used[s] = true;
  for (auto s : taken)
    used[s] = true;
  for (std::uint32_t s = 0;; ++s) {
    if (!used[s]) return s;
  }
}

std::string_view Index::id_at(Location at) const {
  auto place = slot_parts_[at.slot];
  return parts_[static_cast<std::size_t>(place)].segment->id(at.doc);
}

void Index::remember(std::uint64_t hash, Location at) {
  std::uint64_t key = key_of(hash);
  auto existing = ids_->find(key);
  if (!existing || id_at(*existing) == id_at(at)) {
    ids_->put(key, at);
  } else {
    ids_->overflow[std::string(id_at(at))] = at;
  }
}

void Index::forget(std::string_view id) {
  std::uint64_t key = key_of(core::fnv1a64(id));
  auto existing = ids_->find(key);
  if (existing && id_at(*existing) == id) {
    ids_->erase(key);
  } else if (!ids_->overflow.empty()) {
    ids_->overflow.erase(std::string(id));
  }
}

std::optional<Index::Location> Index::locate(std::string_view id) const {
  auto existing = ids_->find(key_of(core::fnv1a64(id)));
  if (existing && id_at(*existing) == id) return existing;
  if (ids_->overflow.empty()) return std::nullopt;
  auto it = ids_->overflow.find(std::string(id));
  if (it == ids_->overflow.end()) return std::nullopt;
  return it->second;
}

core::Status Index::write_manifest(const std::vector<Part>& parts) {
  std::string path = options_.dir + "/manifest", tmp = path + ".tmp";
  std::string text(kManifestHeader);
  text.push_back('\n');
  for (const auto& p : parts)
    text.append(std::to_string(p.number)).push_back('\n');
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return core::unavailable(errno_text("cannot create", tmp));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ok && (!options_.sync || ::fsync(fd) == 0);
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    auto st = core::unavailable(errno_text("cannot write", tmp));
    ::unlink(tmp.c_str());
    return st;
  }
  return options_.sync ? sync_dir(options_.dir) : core::Status::ok();
}

core::Result<std::vector<changes::Rejection>> Index::apply(
    std::span<const changes::Change* const> changes, const Fill& fill) {
  std::vector<changes::Rejection> rejections;
  std::unique_lock lock(writer_mutex_);
  Batch b;
  b.number = next_number_++;
  b.slot = take_slot({});
  std::vector<std::pair<std::size_t, DocId>> deletions;  // (part, docid) of older parts
  for (const auto* c : changes) {
    if (c->op != changes::ChangeOp::kUpsert && c->op != changes::ChangeOp::kDelete) continue;
    // The version indexed now: added earlier in this batch, or live in a part.
    std::optional<DocId> here;
    std::optional<Location> there;
    std::uint64_t current = 0;
    if (auto a = b.added.find(c->id); a != b.added.end()) {
      here = a->second;
      current = b.seqs[*here];
    } else if (!b.removed.contains(c->id)) {
      there = locate(c->id);
      if (there)
        current =
            parts_[static_cast<std::size_t>(slot_parts_[there->slot])].segment->seq(there->doc);
    }
    if ((here || there) && current >= c->seq) continue;  // not newer: applied already
    if (c->op == changes::ChangeOp::kUpsert) {
      if (auto st = fill(b.writer, *c); !st.is_ok()) {
        b.writer.discard_document();
        rejections.push_back({c->seq, st.message()});
        continue;
      }
    }
    if (here) {
      b.writer.add_deletion({b.number, *here});
      set(b.deleted, *here);
      b.added.erase(c->id);
    } else if (there) {
      auto place = static_cast<std::size_t>(slot_parts_[there->slot]);
      b.writer.add_deletion({parts_[place].number, there->doc});
      deletions.emplace_back(place, there->doc);
      b.removed.emplace(c->id, *there);
    }
    if (c->op == changes::ChangeOp::kUpsert) {
      b.added[c->id] = b.writer.end_document(c->id, c->seq, c->body);
      b.seqs.push_back(c->seq);
    }
  }
  if (b.writer.documents() == 0 && b.removed.empty() && b.deleted.empty()) return rejections;

  std::string path = path_of(b.number);
  if (auto st = b.writer.write(path, options_.sync); !st.is_ok()) return core::fail(std::move(st));
  auto segment = Segment::open(path);
  if (!segment) {
    ::unlink(path.c_str());
    return core::fail(core::unavailable(segment.error().message()));
  }
  auto parts = parts_;
  auto slots = part_slots_;
  std::map<std::size_t, Bits> changed;
  for (auto [place, doc] : deletions) {
    auto& bits = changed.try_emplace(place, *parts[place].deleted).first->second;
    set(bits, doc);
  }
  for (auto& [place, bits] : changed) {
    parts[place].live = parts[place].segment->documents() - static_cast<DocId>(count(bits));
    parts[place].deleted = std::make_shared<const Bits>(std::move(bits));
  }
  DocId documents = (*segment)->documents();
  parts.push_back({.number = b.number,
                   .segment = std::move(*segment),
                   .deleted = std::make_shared<const Bits>(b.deleted),
                   .live = documents - static_cast<DocId>(count(b.deleted))});
  slots.push_back(b.slot);
  if (auto st = write_manifest(parts); !st.is_ok()) {
    ::unlink(path.c_str());
    return core::fail(std::move(st));
  }
  for (const auto& [id, at] : b.removed)
    forget(id);
  part_slots_ = std::move(slots);
  publish(std::move(parts));
  for (const auto& [id, doc] : b.added)
    remember(core::fnv1a64(id), {b.slot, doc});
  merge_wanted_ = true;
  lock.unlock();
  merge_cv_.notify_all();
  return rejections;
}

core::Status Index::clear() {
  std::lock_guard lock(writer_mutex_);
  if (auto st = write_manifest({}); !st.is_ok()) return st;
  for (const auto& p : parts_)
    ::unlink(path_of(p.number).c_str());
  ids_->clear();
  part_slots_.clear();
  publish({});
  return core::Status::ok();
}

std::pair<std::size_t, std::size_t> Index::due_merge(const std::vector<Part>& parts) const {
  // Windows of merge_factor adjacent parts whose parts with documents are all within one level
  // of the window's highest; the one with the lowest highest level (the cheapest) first. Empty
  // parts (deletions only, or every document deleted) join any window.
  std::size_t factor = options_.merge_factor, best = parts.size();
  int best_level = INT32_MAX;
  for (std::size_t first = 0; first + factor <= parts.size(); ++first) {
    int high = -1, low = INT32_MAX;
    for (std::size_t i = first; i < first + factor; ++i) {
      if (parts[i].live == 0) continue;
      int l = level(parts[i].live, factor);
      high = std::max(high, l);
      low = std::min(low, l);
    }
    if (high < 0 || low >= high - 1) {
      if (high < best_level) best = first, best_level = high;
    }
  }
  if (best == parts.size()) return {0, 0};
  return {best, best + factor};
}

core::Result<std::size_t> Index::merge_pending() {
  std::size_t merges = 0;
  while (true) {
    auto merged = merge_one();
    if (!merged) return core::fail(merged.error());
    if (!*merged) return merges;
    ++merges;
    if (options_.merged) options_.merged(*snapshot());
  }
}

core::Result<bool> Index::merge_one() {
  std::lock_guard one_at_a_time(merge_mutex_);
  std::vector<Part> run;
  std::vector<std::uint64_t> known;  // every part's number when the merge began
  std::uint64_t number;
  {
    std::lock_guard lock(writer_mutex_);
    auto [first, last] = due_merge(parts_);
    if (first == last) return false;
    run.assign(parts_.begin() + static_cast<std::ptrdiff_t>(first),
               parts_.begin() + static_cast<std::ptrdiff_t>(last));
    for (const auto& p : parts_)
      known.push_back(p.number);
    number = next_number_++;
  }
  std::vector<MergeInput> inputs;
  for (const auto& p : run)
    inputs.push_back({.number = p.number, .segment = p.segment.get(), .deleted = p.deleted.get()});
  auto keep = [&](std::uint64_t n) {
    return std::find(known.begin(), known.end(), n) != known.end();
  };
  std::string path = path_of(number);
  auto renumbered = merge(inputs, keep, path, options_.sync);
  if (!renumbered) return core::fail(renumbered.error());
  auto segment = Segment::open(path);
  if (!segment) {
    ::unlink(path.c_str());
    return core::fail(core::unavailable(segment.error().message()));
  }
  if (options_.merge_written) options_.merge_written();

  std::unique_lock lock(writer_mutex_);
  // The run, where it is now (batches only append parts; a clear() empties them).
  auto start = std::find_if(parts_.begin(), parts_.end(),
                            [&](const Part& p) { return p.number == run.front().number; });
  bool intact = static_cast<std::size_t>(parts_.end() - start) >= run.size();
  for (std::size_t k = 0; intact && k < run.size(); ++k)
    intact = start[static_cast<std::ptrdiff_t>(k)].number == run[k].number;
  if (!intact) {
    ::unlink(path.c_str());
    return true;  // (the parts changed under it: look again)
  }
  auto first = static_cast<std::size_t>(start - parts_.begin());
  // Deletions made while merging, of documents the merge copied.
  Bits deleted;
  SegmentWriter late;
  for (std::size_t k = 0; k < run.size(); ++k) {
    const Bits& now = *parts_[first + k].deleted;
    const Bits& then = *run[k].deleted;
    for (std::size_t w = 0; w < now.size(); ++w) {
      std::uint64_t fresh = now[w] & ~(w < then.size() ? then[w] : 0);
      for (; fresh != 0; fresh &= fresh - 1) {
        auto doc = static_cast<DocId>(w * 64 + static_cast<std::size_t>(__builtin_ctzll(fresh)));
        DocId moved = doc < (*renumbered)[k].size() ? (*renumbered)[k][doc] : kDropped;
        if (moved == kDropped) continue;
        set(deleted, moved);
        late.add_deletion({number, moved});
      }
    }
  }
  std::vector<Part> parts(parts_.begin(), parts_.begin() + static_cast<std::ptrdiff_t>(first));
  std::vector<std::uint32_t> slots(part_slots_.begin(),
                                   part_slots_.begin() + static_cast<std::ptrdiff_t>(first));
  std::vector<std::uint32_t> old_slots(
      part_slots_.begin() + static_cast<std::ptrdiff_t>(first),
      part_slots_.begin() + static_cast<std::ptrdiff_t>(first + run.size()));
  DocId documents = (*segment)->documents();
  std::uint32_t slot = take_slot(old_slots);
  parts.push_back({.number = number,
                   .segment = std::move(*segment),
                   .deleted = std::make_shared<const Bits>(deleted),
                   .live = documents - static_cast<DocId>(count(deleted))});
  slots.push_back(slot);
  std::string late_path;
  if (!deleted.empty()) {
    std::uint64_t late_number = next_number_++;
    late_path = path_of(late_number);
    auto st = late.write(late_path, options_.sync);
    auto late_segment = st.is_ok() ? Segment::open(late_path)
                                   : core::Result<std::shared_ptr<const Segment>>(core::fail(st));
    if (!late_segment) {
      ::unlink(path.c_str());
      ::unlink(late_path.c_str());
      return core::fail(late_segment.error());
    }
    parts.push_back({.number = late_number,
                     .segment = std::move(*late_segment),
                     .deleted = std::make_shared<const Bits>()});
    std::vector<std::uint32_t> taken = old_slots;
    taken.push_back(slot);
    slots.push_back(take_slot(taken));
  }
  parts.insert(parts.end(), parts_.begin() + static_cast<std::ptrdiff_t>(first + run.size()),
               parts_.end());
  slots.insert(slots.end(), part_slots_.begin() + static_cast<std::ptrdiff_t>(first + run.size()),
               part_slots_.end());
  if (auto st = write_manifest(parts); !st.is_ok()) {
    ::unlink(path.c_str());
    if (!late_path.empty()) ::unlink(late_path.c_str());
    return core::fail(std::move(st));
  }
  // The ids of the documents moved now point at their new place. Until the parts are published,
  // id_at() reads the old ones, where the ids are the same.
  std::vector<std::pair<Location, Location>> moves;
  for (std::size_t k = 0; k < run.size(); ++k) {
    for (DocId d = 0; d < (*renumbered)[k].size(); ++d) {
      DocId moved = (*renumbered)[k][d];
      if (moved != kDropped && !test(deleted, moved))
        moves.push_back({{old_slots[k], d}, {slot, moved}});
    }
  }
  for (const auto& [from, to] : moves) {
    std::string_view id = id_at(from);
    std::uint64_t key = key_of(core::fnv1a64(id));
    if (ids_->find(key) == from) {
      ids_->put(key, to);
    } else if (auto it = ids_->overflow.find(std::string(id));
               it != ids_->overflow.end() && it->second == from) {
      it->second = to;
    }
  }
  part_slots_ = std::move(slots);
  publish(std::move(parts));
  for (const auto& p : run)
    ::unlink(path_of(p.number).c_str());
  return true;
}

void Index::merge_loop(std::stop_token stop) {
  core::lower_thread_priority(10);
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(writer_mutex_);
      if (!merge_cv_.wait(lock, stop, [&] { return merge_wanted_; })) return;
      merge_wanted_ = false;
    }
    if (!merge_pending()) {
      // A file could not be written (the disk is full?): try again in a while.
      std::unique_lock lock(writer_mutex_);
      merge_cv_.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; });
      merge_wanted_ = true;
    }
  }
}

}  // namespace tandem::search::native
