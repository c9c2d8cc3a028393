// generate and import. Depends on config, generator, pipeline, store.
#include "app/tools.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>
#include <iostream>
#include <mutex>

#include "access/key_json.h"
#include "access/key_service.h"
#include "app/serve.h"
#include "generator/generator.h"
#include "obs/progress.h"
#include "pipeline/catalog.h"
#include "pipeline/ingest.h"

namespace tandem::app {
namespace {

// Counts outcomes of batches that complete on the store's writer thread.
struct Tally {
  std::mutex mutex;
  std::size_t accepted = 0;
  std::size_t rejected = 0;
  bool failed = false;
};

void record_batch(Tally& tally, std::size_t first_line,
                  const core::Result<pipeline::IngestResult>& r) {
  std::lock_guard lock(tally.mutex);
  if (!r) {
    std::cerr << "\nimport: lines from " << first_line << ": " << r.error().message() << "\n";
    tally.failed = true;
    return;
  }
  tally.accepted += r->accepted;
  tally.rejected += r->rejected;
  for (const auto& rec : r->records) {
    if (!rec.seq) {
      std::cerr << "\nimport: line " << first_line + rec.position - 1 << ": "
                << rec.seq.error().message() << "\n";
    }
  }
}

std::size_t records_done(Tally& tally) {
  std::lock_guard lock(tally.mutex);
  return tally.accepted + tally.rejected;
}

// The size of what `in` reads when it is a regular file (a path, or standard input redirected
// from one), else -1.
double input_size(const std::string& file) {
  struct stat st {};
  int rc = file == "-" ? ::fstat(STDIN_FILENO, &st) : ::stat(file.c_str(), &st);
  return rc == 0 && S_ISREG(st.st_mode) && st.st_size > 0 ? static_cast<double>(st.st_size) : -1;
}

}  // namespace

void generate(std::ostream& out, std::uint64_t count, std::uint64_t seed, std::int64_t now_ms) {
  generator::Generator gen(
      seed, std::chrono::system_clock::time_point(std::chrono::milliseconds(now_ms)));
  for (std::uint64_t i = 0; i < count; ++i)
    out << gen.next() << '\n';
}

int import_file(const config::Config& config, const ImportOptions& options) {
  std::ifstream file;
  if (options.file != "-") {
    file.open(options.file);
    if (!file) {
      std::cerr << "import: cannot open " << options.file << "\n";
      return 1;
    }
  }
  std::istream& in = options.file == "-" ? std::cin : file;
  core::SystemClock clock;
  auto store = open_store(config, clock);
  if (!store) {
    std::cerr << "import: " << store.error().message() << "\n";
    return 1;
  }
  pipeline::Catalog catalog(**store);
  if (auto st = load_catalog(catalog, config); !st.is_ok()) {
    std::cerr << "import: " << st.message() << "\n";
    return 1;
  }
  pipeline::Ingest ingest(**store, catalog, config.ingest.max_record_bytes.value);
  Tally tally;
  auto start = std::chrono::steady_clock::now();
  const double size = input_size(options.file);
  double read = 0;  // bytes
  obs::Progress progress(std::cerr, clock,
                         {.label = "import " + options.collection, .terminal = options.terminal});
  std::vector<std::future<void>> in_flight;  // a few batches queued at once share commits
  std::string line, body;
  std::size_t line_no = 0, first_line = 1, lines_in_body = 0;
  auto flush = [&] {
    if (lines_in_body == 0) return;
    auto done = std::make_shared<std::promise<void>>();
    in_flight.push_back(done->get_future());
    ingest.submit(pipeline::IngestRequest{.collection = options.collection,
                                          .format = pipeline::BodyFormat::kNdjson,
                                          .body = std::move(body)},
                  [&tally, first_line, done](auto r) {
                    record_batch(tally, first_line, r);
                    done->set_value();
                  });
    body.clear();
    lines_in_body = 0;
    first_line = line_no + 1;
    if (in_flight.size() >= 4) {
      in_flight.front().wait();
      in_flight.erase(in_flight.begin());
      progress.update(records_done(tally), size > 0 ? read / size : -1);
    }
  };
  while (std::getline(in, line)) {
    ++line_no;
    read += static_cast<double>(line.size() + 1);
    body += line;
    body += '\n';
    if (++lines_in_body >= options.batch_size) flush();
  }
  flush();
  for (auto& f : in_flight)
    f.wait();
  progress.update(records_done(tally), size > 0 ? 1 : -1);
  progress.finish();
  std::chrono::duration<double> secs = std::chrono::steady_clock::now() - start;
  std::size_t total = tally.accepted + tally.rejected;
  std::cerr << "import: " << tally.accepted << " accepted, " << tally.rejected << " rejected, "
            << static_cast<long long>(total / std::max(secs.count(), 1e-9)) << " records/s\n";
  return tally.failed || tally.rejected != 0 ? 1 : 0;
}

int reindex(const config::Config& config, const std::string& only, bool terminal) {
  auto lock = DirLock::acquire(config.data.dir);  // before the store is opened (and migrated)
  if (!lock) {
    std::cerr << "reindex: " << lock.error().message() << "\n";
    return 1;
  }
  core::SystemClock clock;
  auto store = open_store(config, clock);
  if (!store) {
    std::cerr << "reindex: " << store.error().message() << "\n";
    return 1;
  }
  pipeline::Catalog catalog(**store);
  if (auto st = load_catalog(catalog, config); !st.is_ok()) {
    std::cerr << "reindex: " << st.message() << "\n";
    return 1;
  }
  auto backend = open_search(config, catalog);
  if (!backend) {
    std::cerr << "reindex: " << backend.error().message() << "\n";
    return 1;
  }
  std::uint64_t head = (*store)->head_seq();
  auto start = std::chrono::steady_clock::now();
  std::size_t total = 0;
  for (const auto& c : catalog.list()) {
    if (!only.empty() && c->name != only) continue;
    auto rebuild = (*backend)->rebuild(c->name);
    if (!rebuild) {
      std::cerr << "reindex: " << rebuild.error().message() << "\n";
      return 1;
    }
    auto expected = (*store)->count(c->name);  // the scan may see a few more or fewer
    obs::Progress progress(std::cerr, clock, {.label = c->name, .terminal = terminal});
    std::uint64_t indexed = 0;
    std::string after;
    for (;;) {
      auto docs = (*store)->scan(c->name, after, 5000);
      if (!docs) {
        std::cerr << "reindex: " << docs.error().message() << "\n";
        return 1;
      }
      if (docs->empty()) break;
      std::vector<changes::Change> changes;
      for (auto& d : *docs) {
        changes.push_back({.seq = d.seq,
                           .collection = c->name,
                           .id = d.id,
                           .op = changes::ChangeOp::kUpsert,
                           .body = std::move(d.body)});
      }
      after = changes.back().id;
      auto applied = (*rebuild)->apply(changes);
      if (!applied) {
        std::cerr << "reindex: " << applied.error().message() << "\n";
        return 1;
      }
      total += changes.size();
      indexed += changes.size();
      progress.update(indexed, expected && *expected > 0
                                   ? static_cast<double>(indexed) / static_cast<double>(*expected)
                                   : -1);
    }
    progress.update(indexed, 1);
    progress.finish();
    if (auto st = (*rebuild)->finish(); !st.is_ok()) {
      std::cerr << "reindex: " << st.message() << "\n";
      return 1;
    }
  }
  if (auto st = (*store)->set_cursor((*backend)->name(), head); !st.is_ok()) {
    std::cerr << "reindex: " << st.message() << "\n";
    return 1;
  }
  std::chrono::duration<double> secs = std::chrono::steady_clock::now() - start;
  std::cerr << "reindex: " << total << " records in " << secs.count() << " s ("
            << static_cast<long long>(total / std::max(secs.count(), 1e-9)) << " records/s)\n";
  return 0;
}

namespace {

// The store of config.data.dir, locked, with its keys loaded; prints the error and returns
// nullopt when it cannot be had.
struct KeyStore {
  DirLock lock;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<access::KeyRegistry> registry;
  std::unique_ptr<access::KeyService> keys;
};
std::optional<KeyStore> open_keys(const config::Config& config, const core::Clock& clock) {
  auto lock = DirLock::acquire(config.data.dir);
  if (!lock) {
    std::cerr << "keys: " << lock.error().message() << " (while it runs, use /v1/keys)\n";
    return std::nullopt;
  }
  auto store = open_store(config, clock);
  if (!store) {
    std::cerr << "keys: " << store.error().message() << "\n";
    return std::nullopt;
  }
  KeyStore out{.lock = std::move(*lock), .store = std::move(*store)};
  out.registry = std::make_unique<access::KeyRegistry>(access::AuthOptions{});
  out.keys = std::make_unique<access::KeyService>(*out.store, *out.registry, clock);
  if (auto st = out.keys->load(); !st.is_ok()) {
    std::cerr << "keys: " << st.message() << "\n";
    return std::nullopt;
  }
  return out;
}

}  // namespace

int keys_create(const config::Config& config, const std::string& spec_json) {
  core::SystemClock clock;
  auto now =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();
  auto spec = access::spec_from_json(spec_json, now);
  if (!spec) {
    std::cerr << "keys create: " << spec.error().message() << "\n";
    return 2;
  }
  auto ks = open_keys(config, clock);
  if (!ks) return 1;
  auto made = ks->keys->create(std::move(*spec));
  if (!made) {
    std::cerr << "keys create: " << made.error().message() << "\n";
    return 1;
  }
  std::cout << access::key_to_json(made->record, made->key) << "\n";
  std::cerr << "keys create: " << made->record.id
            << " made; its key is shown above, this once (only its hash is kept)\n";
  return 0;
}

int keys_list(const config::Config& config) {
  core::SystemClock clock;
  auto ks = open_keys(config, clock);
  if (!ks) return 1;
  for (const auto& k : ks->registry->list())
    std::cout << access::key_to_json(k) << "\n";
  return 0;
}

int keys_revoke(const config::Config& config, const std::string& id) {
  core::SystemClock clock;
  auto ks = open_keys(config, clock);
  if (!ks) return 1;
  auto revoked = ks->keys->revoke(id);
  if (!revoked) {
    std::cerr << "keys revoke: " << revoked.error().message() << "\n";
    return 1;
  }
  if (!*revoked) {
    std::cerr << "keys revoke: no live key '" << id << "'\n";
    return 1;
  }
  std::cerr << "keys revoke: " << id << " revoked\n";
  return 0;
}

}  // namespace tandem::app
