// The composition root for `tandem serve`.
#include "app/serve.h"

#include <condition_variable>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>

#include "app/secrets.h"
#include "app/version.h"
#include "config/render.h"
#include "core/text.h"
#include "generator/generator.h"
#include "json/split.h"

namespace tandem::app {

obs::LogOptions log_options(const config::Config& config) {
  return obs::LogOptions{
      .level = obs::parse_level(config.log.level).value_or(obs::Level::kInfo),
      .format = config.log.format == "text" ? obs::Format::kText : obs::Format::kJson,
      .file = config.log.file};
}

namespace {

unsigned thread_count(const config::Config& config) {
  if (config.server.threads > 0) return static_cast<unsigned>(config.server.threads);
  return std::max(1u, std::thread::hardware_concurrency());
}

// One run of the generator job: `count` fresh records into `collection`, as one batch.
core::Result<std::string> generate_batch(pipeline::Ingest& ingest, const core::Clock& clock,
                                         const config::GenerateJobConfig& job) {
  generator::Generator gen(std::random_device{}() * 0x9e3779b97f4a7c15ULL ^ std::random_device{}(),
                           clock.now());
  std::string body;
  for (std::int64_t i = 0; i < job.batch_size; ++i)
    body += gen.next() + "\n";
  auto result = ingest.write(pipeline::IngestRequest{.collection = job.collection,
                                                     .format = pipeline::BodyFormat::kNdjson,
                                                     .body = std::move(body)});
  if (!result) return core::fail(result.error());
  if (result->rejected != 0) {
    return core::fail(core::internal_error(std::to_string(result->rejected) + " of " +
                                           std::to_string(job.batch_size) + " records rejected"));
  }
  return std::to_string(result->accepted) + " records into " + job.collection;
}

}  // namespace

api::ServerOptions server_options(const config::Config& config) {
  const auto& s = config.server;
  return api::ServerOptions{.host = s.host,
                            .port = static_cast<std::uint16_t>(s.port),
                            .threads = thread_count(config),
                            .max_connections = static_cast<std::size_t>(s.max_connections),
                            .max_header_bytes = s.max_header_bytes.value,
                            .max_body_bytes = s.max_body_bytes.value,
                            .idle_timeout = s.idle_timeout,
                            .read_timeout = s.read_timeout,
                            .write_timeout = s.write_timeout,
                            .shutdown_grace = s.shutdown_grace,
                            .access_log = config.log.access,
                            .slow_request = std::chrono::milliseconds(config.log.slow_ms),
                            .tls_cert_file = s.tls_cert_file,
                            .tls_key_file = s.tls_key_file,
                            .max_url_bytes = s.max_url_bytes.value,
                            .cors_origins = core::split_list(s.cors_origins)};
}

core::Result<access::AuthOptions> auth_options(const config::Config& config) {
  const auto& a = config.auth;
  auto anonymous = access::parse_scopes(core::split_list(a.anonymous_scopes));
  if (!anonymous) {
    return core::fail(
        core::invalid_argument("auth.anonymous_scopes: " + anonymous.error().message()));
  }
  if (access::has(*anonymous, access::Scope::kAdmin)) {
    return core::fail(core::invalid_argument(
        "auth.anonymous_scopes: 'admin' cannot be given to requests without a key"));
  }
  return access::AuthOptions{
      .enabled = a.enabled,
      .anonymous = *anonymous,
      .key_limit = {.rate = static_cast<double>(a.rate), .burst = static_cast<double>(a.burst)},
      .anonymous_limit = {.rate = static_cast<double>(a.anonymous_rate),
                          .burst = static_cast<double>(
                              a.anonymous_burst > 0 ? a.anonymous_burst
                                                    : std::max<std::int64_t>(a.anonymous_rate, 1))},
      .failure_limit = {.rate = static_cast<double>(a.failed_rate),
                        .burst = static_cast<double>(a.failed_burst)}};
}

core::Result<std::optional<std::string>> configured_admin_key(const config::Config& config) {
  if (!config.auth.admin_key.empty()) return std::optional<std::string>(config.auth.admin_key);
  if (config.auth.admin_key_file.empty()) return std::optional<std::string>();
  auto text = read_secret_file(config.auth.admin_key_file, "auth.admin_key_file");
  if (!text) return core::fail(text.error());
  return std::optional<std::string>(std::move(*text));
}

core::Result<std::unique_ptr<store::Store>> open_store(const config::Config& config,
                                                       const core::Clock& clock) {
  if (config.store.backend != "sqlite") {
    return core::fail(core::Status(
        core::StatusCode::kFailedPrecondition,
        "store.backend = \"" + config.store.backend +
            "\": records, API keys and job runs live in OpenSearch, not in data.dir; use the HTTP "
            "API of a running node (/v1/collections/{c}/records, /v1/keys)"));
  }
  std::error_code ec;
  std::filesystem::create_directories(config.data.dir, ec);
  if (ec) {
    return core::fail(
        core::unavailable("cannot create data.dir " + config.data.dir + ": " + ec.message()));
  }
  std::string sync = config.store.synchronous;
  for (auto& c : sync)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return store::Store::open(
      store::StoreOptions{.path = (std::filesystem::path(config.data.dir) / "tandem.db").string(),
                          .synchronous = sync,
                          .max_record_bytes = config.ingest.max_record_bytes.value,
                          .clock = &clock});
}

core::Status load_catalog(pipeline::Catalog& catalog, const config::Config& config) {
  if (auto st = catalog.load(); !st.is_ok()) return st;
  if (auto st = catalog.declare(schema::products_collection(), false); !st.is_ok()) return st;
  if (config.collections.file.empty()) return {};
  std::ifstream in(config.collections.file);
  if (!in)
    return core::invalid_argument("collections.file: cannot read " + config.collections.file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto pieces = json::split_array(text);
  if (!pieces)
    return core::invalid_argument("collections.file: expected a JSON array: " +
                                  pieces.error().message());
  for (const auto& piece : *pieces) {
    auto c = schema::collection_from_json(piece.text);
    if (!c) {
      return core::invalid_argument("collections.file: collection " +
                                    std::to_string(piece.position) + ": " + c.error().message());
    }
    if (auto st = catalog.declare(*c, true); !st.is_ok()) {
      return core::invalid_argument("collections.file: " + st.message());  // a config problem
    }
  }
  return {};
}

core::Result<std::unique_ptr<Service>> Service::create(const config::Config& config,
                                                       const obs::Logger& logger,
                                                       const core::Clock& clock) {
  std::optional<DirLock> lock;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<search::OpenSearchStore> shared;
  std::unique_ptr<pipeline::SharedQueryCache> shared_results;
  if (config.store.backend == "opensearch") {
    auto results = open_shared_query_cache(config, logger);
    if (!results) return core::fail(results.error());
    shared_results = std::move(*results);
    auto opened = open_shared_store(config, shared_results.get());
    if (!opened) return core::fail(opened.error());
    shared = std::move(*opened);
  } else {
    auto locked = DirLock::acquire(config.data.dir);  // creates data.dir; nothing opened before
    if (!locked) return core::fail(locked.error());
    lock.emplace(std::move(*locked));
    auto opened = open_store(config, clock);
    if (!opened) return core::fail(opened.error());
    store = std::move(*opened);
  }
  auto caches = open_caches(config, clock);
  if (!caches) return core::fail(caches.error());
  auto auth = auth_options(config);
  if (!auth) return core::fail(auth.error());
  auto admin_text = configured_admin_key(config);
  if (!admin_text) return core::fail(admin_text.error());
  std::unique_ptr<Service> service(new Service(
      config, logger, clock, std::move(lock), std::move(store), std::move(shared_results),
      std::move(shared), std::move(*caches), std::move(*auth)));
  if (auto st = service->key_service_.load(); !st.is_ok()) return core::fail(st);
  if (config.auth.enabled) {
    auto made = service->key_service_.bootstrap(
        *admin_text, config.auth.admin_key.empty() ? "auth.admin_key_file" : "auth.admin_key");
    if (!made) return core::fail(made.error());
    if (*made) service->generated_key_ = std::move((*made)->key);
  }
  // The index looks schemas up in the catalog, which the Service owns: it opens the index.
  auto search = open_search(config, service->catalog_);
  if (!search) return core::fail(search.error());
  service->attach_search(std::move(*search));
  if (auto st = load_catalog(service->catalog_, config); !st.is_ok()) return core::fail(st);
  if (auto st = service->add_jobs(); !st.is_ok()) return core::fail(st);
  return service;
}

Service::Service(const config::Config& config, const obs::Logger& logger, const core::Clock& clock,
                 std::optional<DirLock> lock, std::unique_ptr<store::Store> store,
                 std::unique_ptr<pipeline::SharedQueryCache> shared_results,
                 std::unique_ptr<search::OpenSearchStore> shared, Caches caches,
                 access::AuthOptions auth)
    : config_(config),
      lock_(std::move(lock)),
      logger_(logger),
      clock_(clock),
      http_metrics_(metrics_.registry()),
      search_metrics_(metrics_.registry()),
      disk_metrics_(metrics_.registry()),
      store_(std::move(store)),
      shared_results_(std::move(shared_results)),
      shared_store_(std::move(shared)),
      cache_(std::move(caches.records)),
      query_cache_(std::move(caches.queries)),
      write_through_(shared_store_
                         ? std::make_unique<pipeline::WriteThrough>(*shared_store_, *cache_, logger)
                         : nullptr),
      records_(store_ ? static_cast<store::RecordStore&>(*store_) : *write_through_),
      key_store_(store_ ? static_cast<store::KeyStore&>(*store_) : *shared_store_),
      run_store_(store_ ? static_cast<store::JobRunStore&>(*store_) : *shared_store_),
      pipeline_metrics_(metrics_.registry()),
      cache_metrics_(metrics_.registry()),
      job_metrics_(metrics_.registry()),
      catalog_(records_),
      ingest_(records_, catalog_, config.ingest.max_record_bytes.value, &pipeline_metrics_),
      jobs_(run_store_, clock, logger, &job_metrics_),
      pipeline_(store_.get(), clock, logger,
                pipeline::PipelineOptions{.retention = config.store.retention}, &pipeline_metrics_),
      cache_sink_(*cache_, &fence_),
      // Direct mode writes the cache before a write is acknowledged: nothing to fence.
      reads_(*cache_, records_, config.cache.negative_ttl, store_ ? &fence_ : nullptr),
      record_context_{
          .ingest = ingest_, .catalog = catalog_, .pipeline = pipeline_, .reads = reads_},
      job_context_{.jobs = jobs_, .pipeline = pipeline_},
      info_{.version = kVersion,
            .clock = &clock,
            .started_at = clock.steady_now(),
            .components = [this](json::Writer& w) { describe_components(w); },
            .not_ready = [this] { return not_ready(); }},
      key_registry_(std::move(auth)),
      key_service_(key_store_, key_registry_, clock),
      auth_context_{.registry = key_registry_,
                    .keys = key_service_,
                    .clock = clock,
                    .log = logger,
                    .refused = &http_metrics_.refused},
      probes_(metrics_.registry(), clock, config.ready.probe_interval),
      router_(&logger),
      server_(server_options(config), router_, logger, http_metrics_) {
  router_.set_guard(api::key_guard(auth_context_));
  api::add_system_routes(router_, info_, metrics_, config.auth.public_probes);
  api::add_key_routes(router_, auth_context_);
  // The effective configuration, secrets redacted, as `tandem config dump` prints it.
  router_.add(api::Method::kGet, "/v1/config", api::needs(access::Scope::kAdmin),
              [this](api::Request&) {
                return api::Response{.content_type = "application/toml; charset=utf-8",
                                     .body = config::render_toml(config_)};
              });
  api::add_record_routes(router_, record_context_);
  api::add_job_routes(router_, job_context_);
  if (config.web.enabled) api::add_web_routes(router_, {.assets_dir = config.web.assets_dir});
  if (store_) {
    pipeline_.add_sink(cache_sink_,
                       pipeline::ApplierOptions{.linger = std::chrono::milliseconds(0)});
    // Reads here skip cached versions older than a write until the cache sink stored it: the
    // write itself never waits for the cache (a Redis that is slow or down costs writes
    // nothing).
    ingest_.on_commit([this](std::string_view collection, std::string_view id, std::uint64_t seq) {
      fence_.note(pipeline::cache_key(collection, id), seq);
    });
  }
  export_cache_stats();
  // Sink lags, backend states and disk space are read at every scrape.
  metrics_.on_scrape([this] {
    pipeline_metrics_.head_seq.Set(static_cast<double>(records_.head_seq()));
    pipeline_.measure_lags();
    probes_.results();
    if (store_) disk_metrics_.read(config_.data.dir);
  });
}

void Service::add_probes() {
  if (store_) {
    probes_.add("store", "sqlite", [this]() -> core::Status {
      auto read = store_->changes_after(store_->head_seq(), 1);  // a read through the pool
      if (!read) return read.error();
      return {};
    });
  } else {
    probes_.add("store", "opensearch", [this] { return shared_store_->check(); });
  }
  probes_.add("search", std::string(search_->name()), [this] { return search_->check(); });
  probes_.add("cache", std::string(cache_->name()), [this] { return cache_->check(); });
}

// Both caches' statistics as metrics (label cache="records" or "queries"), read at every scrape.
void Service::export_cache_stats() {
  auto& events = cache_metrics_.events;
  auto& size = cache_metrics_.size;
  struct Exported {
    cache::CacheBackend* cache;
    prometheus::Counter *hits, *misses, *evictions;
    prometheus::Gauge *bytes, *entries;
    cache::CacheStats last;
  };
  auto exported = std::make_shared<std::vector<Exported>>();
  for (auto [name, c] : {std::pair<std::string, cache::CacheBackend*>{"records", cache_.get()},
                         {"queries", query_cache_.get()}}) {
    exported->push_back({.cache = c,
                         .hits = &events.Add({{"cache", name}, {"event", "hit"}}),
                         .misses = &events.Add({{"cache", name}, {"event", "miss"}}),
                         .evictions = &events.Add({{"cache", name}, {"event", "eviction"}}),
                         .bytes = &size.Add({{"cache", name}, {"unit", "bytes"}}),
                         .entries = &size.Add({{"cache", name}, {"unit", "entries"}})});
  }
  auto* load_counter = &cache_metrics_.store_loads;
  auto mutex = std::make_shared<std::mutex>();  // scrapes may overlap
  auto last_loads = std::make_shared<std::uint64_t>(0);
  metrics_.on_scrape([this, exported, load_counter, mutex, last_loads] {
    std::lock_guard lock(*mutex);
    for (auto& e : *exported) {
      auto now = e.cache->stats();
      e.hits->Increment(static_cast<double>(now.hits - e.last.hits));
      e.misses->Increment(static_cast<double>(now.misses - e.last.misses));
      e.evictions->Increment(static_cast<double>(now.evictions - e.last.evictions));
      e.bytes->Set(static_cast<double>(now.bytes));
      e.entries->Set(static_cast<double>(now.entries));
      e.last = now;
    }
    auto loads_now = reads_.store_loads();
    load_counter->Increment(static_cast<double>(loads_now - *last_loads));
    *last_loads = loads_now;
  });
}

void Service::attach_search(std::unique_ptr<search::SearchBackend> search) {
  search_ = std::move(search);
  // In direct mode the records are written where they are searched: no sink feeds the index,
  // and the query-result cache is the shared one (if any), told of writes by the store.
  if (store_) search_sink_ = std::make_unique<pipeline::SearchSink>(*search_);
  if (config_.cache.query_results && store_)
    local_results_.emplace(*query_cache_, *search_, config_.cache.query_ttl, logger_);
  pipeline::QueryCache* results = shared_results_.get();
  if (local_results_) results = &*local_results_;
  search_context_ =
      std::make_unique<api::SearchContext>(api::SearchContext{.backend = *search_,
                                                              .catalog = catalog_,
                                                              .default_collection = "products",
                                                              .results = results,
                                                              .metrics = &search_metrics_});
  api::add_search_routes(router_, *search_context_);
  if (!search_sink_) return;
  // Large batches amortise Xapian's per-commit cost when catching up; the linger (as long as the
  // last batch took to apply, at most 20 ms) batches a steady stream without holding back a lone
  // write.
  pipeline_.add_sink(*search_sink_,
                     pipeline::ApplierOptions{.batch_size = 5000,
                                              .linger = std::min(config_.search.refresh_interval,
                                                                 std::chrono::milliseconds(20))});
}

Service::~Service() {
  shutdown();
}

core::Status Service::add_jobs() {
  auto lease = open_job_lease(config_);
  if (!lease) return core::Status(lease.error().code(), "jobs.lease: " + lease.error().message());
  jobs_.set_lease(std::move(*lease));
  const auto& job = config_.jobs.generate;
  if (!job.enabled) return {};
  auto schedule = scheduler::Schedule::parse(job.schedule);
  if (!schedule) {
    return core::invalid_argument("job 'generate' (jobs.generate.schedule): " +
                                  schedule.error().message());
  }
  jobs_.add(
      scheduler::JobSpec{.name = "generate",
                         .schedule = std::move(*schedule),
                         .run_at_first_start = job.run_at_first_start,
                         .run = [this, job] { return generate_batch(ingest_, clock_, job); }});
  return {};
}

void Service::describe_components(json::Writer& w) {
  w.key("store").begin_object().field("status", "ok");
  if (store_) {
    w.field("backend", "sqlite").field("head_seq", store_->head_seq());
  } else {
    w.field("backend", "opensearch").field("pending_cache_writes", write_through_->pending());
    if (shared_results_) w.field("owed_query_generations", shared_results_->owed());
  }
  w.end_object();
  w.key("sinks").begin_array();
  for (const auto& lag : pipeline_.measure_lags()) {
    const auto& s = lag.status;
    w.begin_object().field("name", s.sink).field("applied_seq", s.applied_seq);
    w.field("lag", lag.records).field("lag_seconds", lag.seconds);
    w.field("breaker", pipeline::breaker_name(s.breaker)).field("last_error", s.last_error);
    w.end_object();
  }
  w.end_array();
  w.key("backends").begin_array();
  for (const auto& b : probes_.results()) {
    w.begin_object().field("role", b.role).field("backend", b.backend).field("up", b.up);
    w.field("latency_ms", b.latency_ms).field("error", b.error).end_object();
  }
  w.end_array();
}

std::vector<std::string> Service::not_ready() {
  std::vector<std::string> reasons;
  for (const auto& b : probes_.results()) {
    if (!b.up) reasons.push_back(b.role + " backend " + b.backend + " is down: " + b.error);
  }
  const auto& ready = config_.ready;
  for (const auto& lag : pipeline_.measure_lags()) {
    const auto& sink = lag.status.sink;
    if (lag.records > static_cast<std::uint64_t>(ready.max_lag_records)) {
      reasons.push_back("sink " + sink + " is " + std::to_string(lag.records) +
                        " changes behind (ready.max_lag_records = " +
                        std::to_string(ready.max_lag_records) + ")");
    }
    if (lag.seconds > static_cast<double>(ready.max_lag_seconds)) {
      reasons.push_back("sink " + sink + "'s oldest unapplied change is " +
                        std::to_string(static_cast<long long>(lag.seconds)) +
                        " s old (ready.max_lag_seconds = " + std::to_string(ready.max_lag_seconds) +
                        ")");
    }
  }
  return reasons;
}

core::Result<std::uint16_t> Service::start() {
  start_for_invocations();
  jobs_.start();
  auto port = server_.start();
  if (port) {
    TANDEM_LOG(logger_, obs::Level::kInfo, "listening", {"host", config_.server.host},
               {"port", *port}, {"scheme", config_.server.tls_cert_file.empty() ? "http" : "https"},
               {"threads", server_options(config_).threads}, {"data_dir", config_.data.dir},
               {"version", kVersion});
    if (shared_store_ && config_.cache.backend == "memory") {
      TANDEM_LOG(logger_, obs::Level::kWarn,
                 "direct mode with cache.backend = memory: this node's cache does not see "
                 "writes made on other nodes; with several nodes, share a Redis "
                 "(cache.backend = redis)");
    }
    if (!config_.auth.enabled) {
      TANDEM_LOG(logger_, obs::Level::kWarn,
                 "AUTH IS DISABLED (auth.enabled = false): anyone who reaches this port can "
                 "read, write and delete everything");
    } else if (!config_.auth.anonymous_scopes.empty()) {
      TANDEM_LOG(logger_, obs::Level::kWarn,
                 "requests without an API key are let in (auth.anonymous_scopes)",
                 {"scopes", config_.auth.anonymous_scopes});
    }
  }
  return port;
}

void Service::start_for_invocations() {
  // A cache sink behind the store may leave older versions in a cache that outlived the last
  // run (Redis): fence every key until it catches up.
  if (auto* sink = pipeline_.applier(cache_sink_.name());
      store_ && (sink == nullptr || sink->status().applied_seq < store_->head_seq())) {
    fence_.fence_all(store_->head_seq());
  }
  add_probes();
  probes_.check_all();  // /ready answers from the first request on
  probes_.start();
  if (shared_store_) {
    key_reloader_ = std::jthread([this](std::stop_token stop) {
      std::mutex m;
      std::condition_variable_any cv;
      std::unique_lock lock(m);
      while (!cv.wait_for(lock, stop, kKeyReload, [] { return false; })) {
        if (stop.stop_requested()) return;
        if (auto st = key_service_.load(); !st.is_ok()) {
          TANDEM_LOG(logger_, obs::Level::kWarn, "reading the API keys failed; keeping the last",
                     {"error", st.message()});
        }
      }
    });
  }
  pipeline_.start();
}

void Service::shutdown() {
  server_.shutdown();
  jobs_.stop();
  pipeline_.stop();
  probes_.stop();
  if (key_reloader_.joinable()) {
    key_reloader_.request_stop();
    key_reloader_.join();
  }
}

int serve(const config::Config& config) {
  // Block the stop signals before any thread exists, so that every thread inherits the mask and
  // only sigwait() below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);  // reloads the TLS certificate
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto logger = obs::Logger::open(log_options(config));
  if (!logger) {
    std::cerr << "tandem: " << logger.error().message() << "\n";
    return 1;
  }
  const obs::Logger& log = **logger;
  core::SystemClock clock;
  auto service = Service::create(config, log, clock);
  if (!service) {
    TANDEM_LOG(log, obs::Level::kError, "cannot start", {"error", service.error().message()});
    auto code = service.error().code();
    return code == core::StatusCode::kInvalidArgument ||
                   code == core::StatusCode::kFailedPrecondition
               ? 2
               : 1;
  }
  auto port = (*service)->start();
  if (!port) {
    TANDEM_LOG(log, obs::Level::kError, "cannot start", {"error", port.error().message()});
    return 1;
  }
  // Shown once, on the terminal, never through the log: only its hash is kept.
  if (auto key = (*service)->take_generated_admin_key()) {
    std::cerr << "\n  tandem made an admin API key (shown this once; only its hash is kept):\n\n"
              << "    " << *key << "\n\n"
              << "  Send it as X-API-Key (or Authorization: Bearer), and make keys with fewer "
                 "rights:\n"
              << "    curl -H 'X-API-Key: " << *key << "' -d '{\"scopes\":[\"search\"]}' http://"
              << config.server.host << ":" << *port << "/v1/keys\n"
              << "  To choose it yourself, set TANDEM_AUTH_ADMIN_KEY or auth.admin_key_file.\n\n"
              << std::flush;
  }
  int signal = 0;
  for (;;) {
    sigwait(&stop_signals, &signal);
    if (signal != SIGHUP) break;
    if (config.server.tls_cert_file.empty()) {
      TANDEM_LOG(log, obs::Level::kInfo, "SIGHUP: nothing to reload (no server.tls_cert_file)");
    } else if (auto st = (*service)->reload_tls(); st.is_ok()) {
      TANDEM_LOG(log, obs::Level::kInfo, "TLS certificate reloaded",
                 {"cert_file", config.server.tls_cert_file});
    } else {
      TANDEM_LOG(log, obs::Level::kError, "TLS certificate reload failed; the old one stays",
                 {"error", st.message()});
    }
  }
  TANDEM_LOG(log, obs::Level::kInfo, "shutting down", {"signal", strsignal(signal)});
  (*service)->shutdown();
  service->reset();
  TANDEM_LOG(log, obs::Level::kInfo, "stopped");
  return 0;
}

}  // namespace tandem::app
