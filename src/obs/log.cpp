// Logger formatting and the spdlog-backed sinks. Depends on core, json, spdlog.
#include "obs/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <charconv>

#include "core/clock.h"
#include "json/writer.h"

namespace tandem::obs {
namespace {

// Writes lines through an spdlog logger whose pattern is the bare message: we format, spdlog
// serialises concurrent writers and owns the file handle.
class SpdlogSink final : public LineSink {
 public:
  explicit SpdlogSink(std::shared_ptr<spdlog::logger> logger) : logger_(std::move(logger)) {
    logger_->set_pattern("%v");
    logger_->set_level(spdlog::level::trace);
    logger_->flush_on(spdlog::level::trace);
  }
  void write_line(Level, std::string_view line) override {
    logger_->log(spdlog::level::info, spdlog::string_view_t(line.data(), line.size()));
  }

 private:
  std::shared_ptr<spdlog::logger> logger_;
};

void append_text_value(std::string& out, const Field::Value& v) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          bool needs_quotes = x.empty() || x.find_first_of(" \"=\t\n") != std::string_view::npos;
          if (needs_quotes) {
            json::append_string(out, x);
          } else {
            out.append(x);
          }
        } else if constexpr (std::is_same_v<T, bool>) {
          out += x ? "true" : "false";
        } else if constexpr (std::is_same_v<T, double>) {
          json::append_number(out, x);
        } else {
          char buf[24];
          auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
          out.append(buf, end);
        }
      },
      v);
}

}  // namespace

core::Result<Level> parse_level(std::string_view name) {
  for (Level l :
       {Level::kTrace, Level::kDebug, Level::kInfo, Level::kWarn, Level::kError, Level::kOff}) {
    if (level_name(l) == name) return l;
  }
  return core::fail(core::invalid_argument("unknown log level '" + std::string(name) + "'"));
}

std::string_view level_name(Level level) {
  switch (level) {
    case Level::kTrace: return "trace";
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
    case Level::kOff: return "off";
  }
  return "off";
}

Logger::Logger(Level level, Format format, std::shared_ptr<LineSink> sink)
    : level_(level), format_(format), sink_(std::move(sink)) {}

core::Result<std::unique_ptr<Logger>> Logger::open(const LogOptions& options) {
  std::shared_ptr<spdlog::logger> logger;
  try {
    if (options.file.empty()) {
      logger = std::make_shared<spdlog::logger>("tandem",
                                                std::make_shared<spdlog::sinks::stdout_sink_mt>());
    } else {
      logger = std::make_shared<spdlog::logger>(
          "tandem", std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file));
    }
  } catch (const spdlog::spdlog_ex& e) {
    return core::fail(core::unavailable("cannot open log file " + options.file + ": " + e.what()));
  }
  return std::make_unique<Logger>(options.level, options.format,
                                  std::make_shared<SpdlogSink>(std::move(logger)));
}

std::string Logger::format(Level level, std::string_view message,
                           std::initializer_list<Field> fields) const {
  std::string ts = core::format_rfc3339_ms(std::chrono::system_clock::now());
  if (format_ == Format::kText) {
    std::string out = ts;
    out += ' ';
    out += level_name(level);
    out += ' ';
    out += message;
    for (const auto& f : fields) {
      out += ' ';
      out += f.key;
      out += '=';
      append_text_value(out, f.value);
    }
    return out;
  }
  json::Writer w;
  w.begin_object().field("ts", ts).field("level", level_name(level)).field("msg", message);
  for (const auto& f : fields) {
    w.key(f.key);
    std::visit([&](const auto& x) { w.value(x); }, f.value);
  }
  w.end_object();
  return w.take();
}

void Logger::write(Level level, std::string_view message,
                   std::initializer_list<Field> fields) const {
  if (!enabled(level)) return;
  sink_->write_line(level, format(level, message, fields));
}

}  // namespace tandem::obs
