// Logger formatting and the buffered file sink. Depends on core, json.
#include "obs/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "json/writer.h"

namespace tandem::obs {
namespace {

// Lines go into a buffer that a background thread writes out, so that a request's log line costs
// a copy under a mutex and no system call: ordinary lines reach the file within kFlushDelay; a
// warning or an error writes everything before it, and itself, at once. A writer waits while
// kMaxPending bytes are queued (the disk is slower than the log), so no line is dropped; closing
// writes what is left.
class BufferedSink final : public LineSink {
 public:
  static constexpr std::chrono::milliseconds kFlushDelay{50};
  static constexpr std::size_t kMaxPending = 4 << 20;

  BufferedSink(int fd, bool owns_fd) : fd_(fd), owns_fd_(owns_fd), flusher_([this] { run(); }) {}
  ~BufferedSink() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    flusher_.join();
    flush();
    if (owns_fd_) ::close(fd_);
  }

  void write_line(Level level, std::string_view line) override {
    {
      std::unique_lock lock(mutex_);
      room_.wait(lock, [&] { return pending_.size() < kMaxPending; });
      pending_.append(line);
      pending_ += '\n';
      if (level < Level::kWarn) {
        if (!dirty_) {
          dirty_ = true;
          wake_.notify_one();
        }
        return;
      }
    }
    flush();
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait(lock, [&] { return stopping_ || dirty_; });
      if (stopping_) return;
      wake_.wait_for(lock, kFlushDelay, [&] { return stopping_; });  // gather more lines
      lock.unlock();
      flush();
      lock.lock();
    }
  }

  // Writes out everything buffered so far. Batches leave in the order they were taken.
  void flush() {
    std::lock_guard out(out_mutex_);
    out_.clear();
    {
      std::lock_guard lock(mutex_);
      out_.swap(pending_);  // pending_ keeps the old buffer's capacity
      dirty_ = false;
    }
    room_.notify_all();
    for (std::size_t done = 0; done < out_.size();) {
      ssize_t n = ::write(fd_, out_.data() + done, out_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // nowhere to report a failing log; the lines are lost
      done += static_cast<std::size_t>(n);
    }
  }

  const int fd_;
  const bool owns_fd_;
  std::mutex out_mutex_;  // one flush at a time; guards out_
  std::string out_;       // the batch being written
  std::mutex mutex_;      // guards the members below
  std::condition_variable wake_, room_;
  std::string pending_;
  bool dirty_ = false;  // pending_ has lines the flusher has not been woken for
  bool stopping_ = false;
  std::thread flusher_;  // last: starts once the members above exist
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
  int fd = STDOUT_FILENO;
  if (!options.file.empty()) {
    fd = ::open(options.file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
      return core::fail(core::unavailable("cannot open log file " + options.file + ": " +
                                          std::strerror(errno)));
    }
  }
  return std::make_unique<Logger>(options.level, options.format,
                                  std::make_shared<BufferedSink>(fd, !options.file.empty()));
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
