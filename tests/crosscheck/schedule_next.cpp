// schedule_next: prints successive fire times of a schedule expression, for the cross-check
// against aws-cron-parser (aws_cron_crosscheck.mjs). Depends on scheduler and core only.
//
//   schedule_next EXPRESSION START_EPOCH_SECONDS COUNT
//
// Prints up to COUNT epoch seconds, one per line, each strictly after the previous (the first
// strictly after START); prints "none" and stops early when the schedule has no further fire
// time. A parse failure prints "error: <message>" and exits 1; bad arguments exit 2.
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string_view>

#include "scheduler/schedule.h"

namespace {

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace std::chrono;
  std::optional<std::int64_t> start = argc == 4 ? parse_int(argv[2]) : std::nullopt;
  std::optional<std::int64_t> count = argc == 4 ? parse_int(argv[3]) : std::nullopt;
  if (!start || !count || *count < 0) {
    std::fprintf(stderr, "usage: schedule_next EXPRESSION START_EPOCH_SECONDS COUNT\n");
    return 2;
  }
  auto schedule = tandem::scheduler::Schedule::parse(argv[1]);
  if (!schedule) {
    std::printf("error: %s\n", schedule.error().message().c_str());
    return 1;
  }
  system_clock::time_point t{seconds{*start}};
  for (std::int64_t i = 0; i < *count; ++i) {
    auto next = schedule->next_after(t);
    if (!next) {
      std::printf("none\n");
      break;
    }
    t = *next;
    std::printf("%lld\n",
                static_cast<long long>(duration_cast<seconds>(t.time_since_epoch()).count()));
  }
  return 0;
}
