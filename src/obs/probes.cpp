#include "obs/probes.h"

#include <cmath>

namespace tandem::obs {

Probes::Probes(prometheus::Registry& registry, const core::Clock& clock,
               std::chrono::milliseconds interval)
    : clock_(clock),
      interval_(interval),
      up_(prometheus::BuildGauge()
              .Name("tandem_backend_up")
              .Help("1 when the backend's last check succeeded, by role and backend")
              .Register(registry)),
      seconds_(prometheus::BuildGauge()
                   .Name("tandem_backend_check_seconds")
                   .Help("Round trip of the backend's last check, by role and backend")
                   .Register(registry)) {}

Probes::~Probes() {
  stop();
}

void Probes::add(std::string role, std::string backend, std::function<core::Status()> check) {
  prometheus::Labels labels{{"role", role}, {"backend", backend}};
  probes_.push_back(Probe{.last = {.role = std::move(role), .backend = std::move(backend)},
                          .check = std::move(check),
                          .up = &up_.Add(labels),
                          .seconds = &seconds_.Add(labels)});
}

void Probes::check_one(std::size_t i) {
  Probe& p = probes_[i];
  {
    std::lock_guard lock(mutex_);
    p.running = true;
    p.started = clock_.steady_now();
  }
  core::Status st = p.check();
  std::chrono::duration<double> took = clock_.steady_now() - p.started;
  std::lock_guard lock(mutex_);
  p.running = false;
  p.checked = true;
  p.last.up = st.is_ok();
  p.last.latency_ms = std::round(took.count() * 1e6) / 1000;  // to the microsecond
  p.last.error = st.is_ok() ? "" : st.message();
}

void Probes::check_all() {
  for (std::size_t i = 0; i < probes_.size(); ++i)
    check_one(i);
}

void Probes::start() {
  thread_ = std::jthread([this](std::stop_token stop) {
    std::mutex m;
    for (;;) {
      std::unique_lock lock(m);
      cv_.wait_for(lock, stop, interval_, [] { return false; });
      if (stop.stop_requested()) return;
      check_all();
    }
  });
}

void Probes::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  cv_.notify_all();
  thread_.join();
}

std::vector<ProbeResult> Probes::results() const {
  std::lock_guard lock(mutex_);
  std::vector<ProbeResult> out;
  auto now = clock_.steady_now();
  for (const auto& p : probes_) {
    ProbeResult r = p.last;
    if (!p.checked) r.error = "not checked yet";
    if (p.running && now - p.started > interval_) {
      std::chrono::duration<double> waited = now - p.started;
      r.up = false;
      r.error =
          "no answer to the check for " + std::to_string(static_cast<int>(waited.count())) + " s";
      r.latency_ms = waited.count() * 1000;
    }
    p.up->Set(r.up ? 1 : 0);
    p.seconds->Set(r.latency_ms / 1000);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace tandem::obs
