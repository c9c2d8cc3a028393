// Structured logging: one JSON object (or one readable line) per event, to standard output or a
// file through a buffer written by a background thread (warnings and errors at once).
// Depends on core and json. Use the TANDEM_LOG macro: it checks the level before any field is
// built or formatted, so a disabled debug line costs one comparison.
//
//   TANDEM_LOG(log, obs::Level::kInfo, "listening", {"host", host}, {"port", port});
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "core/result.h"

namespace tandem::obs {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError, kOff };
enum class Format { kJson, kText };

// "info" -> kInfo; the names are those of the log.level setting.
core::Result<Level> parse_level(std::string_view name);
std::string_view level_name(Level level);

// One key/value pair of a log event. Holds views: valid for the duration of the log call only.
struct Field {
  using Value = std::variant<std::string_view, std::int64_t, std::uint64_t, double, bool>;

  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  template <class T>
  requires std::is_integral_v<T> && std::is_signed_v<T> Field(std::string_view k, T v)
      : key(k), value(static_cast<std::int64_t>(v)) {}
  template <class T>
  requires std::is_integral_v<T> && std::is_unsigned_v<T> &&
      (!std::is_same_v<T, bool>)Field(std::string_view k, T v)
      : key(k), value(static_cast<std::uint64_t>(v)) {}

  std::string_view key;
  Value value;
};

// Where finished lines go. Implementations must be safe to call from several threads.
class LineSink {
 public:
  virtual ~LineSink() = default;
  virtual void write_line(Level level, std::string_view line) = 0;
};

struct LogOptions {
  Level level = Level::kInfo;
  Format format = Format::kJson;
  std::string file;  // empty: standard output
};

// A leveled, structured logger. Thread-safe; shared by reference, owned by the composition root.
class Logger {
 public:
  Logger(Level level, Format format, std::shared_ptr<LineSink> sink);

  // A logger writing to standard output or appending to options.file (created when missing).
  // kUnavailable when the file cannot be opened.
  static core::Result<std::unique_ptr<Logger>> open(const LogOptions& options);

  bool enabled(Level level) const { return level >= level_; }
  Level level() const { return level_; }

  // Formats and writes one event. Call through TANDEM_LOG so that the level is checked first.
  void write(Level level, std::string_view message, std::initializer_list<Field> fields) const;

  // The formatted line without writing it (for tests and tools).
  std::string format(Level level, std::string_view message,
                     std::initializer_list<Field> fields) const;

 private:
  Level level_;                     // least severe level written
  Format format_;                   // json or text
  std::shared_ptr<LineSink> sink_;  // thread-safe destination
};

}  // namespace tandem::obs

#define TANDEM_LOG(logger, lvl, message, ...)                                   \
  do {                                                                          \
    if ((logger).enabled(lvl)) (logger).write((lvl), (message), {__VA_ARGS__}); \
  } while (0)
