// The Redis connection pool on Boost.Asio, over net/asio_stream.h: each connection owns an
// io_context that the calling thread runs until the operation ends or its deadline passes;
// run_async's lane runs one connection's io_context on a thread of its own.
#include "net/redis_client.h"

#include <algorithm>
#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <functional>
#include <optional>
#include <thread>

#include "net/asio_stream.h"

namespace tandem::net {

namespace asio = boost::asio;
using detail::error_code;

struct RedisClient::Connection : detail::AsioStream {
  explicit Connection(std::size_t max_reply_bytes) : parser(max_reply_bytes) {}

  ReplyParser parser;
  std::array<char, 16384> buffer{};
};

namespace {

// Sends the commands and reads as many replies. A failure is the status to return; the
// connection is unusable after it.
core::Result<std::vector<Reply>> exchange(auto& c, std::span<const Command> commands,
                                          std::chrono::steady_clock::time_point deadline) {
  std::string out;
  for (const auto& command : commands)
    encode(command, out);
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  std::optional<core::Status> outcome;  // set when the exchange ended
  c.with_stream([&](auto& stream) {
    std::function<void()> read_more = [&] {
      stream.async_read_some(asio::buffer(c.buffer), [&](const error_code& ec, std::size_t n) {
        if (ec) {
          outcome = core::unavailable(ec == asio::error::eof ? "connection closed by the server"
                                                             : "read failed: " + ec.message());
          return;
        }
        if (auto st = c.parser.feed(std::string_view(c.buffer.data(), n)); !st.is_ok()) {
          outcome = st;
          return;
        }
        while (replies.size() < commands.size()) {
          auto reply = c.parser.next();
          if (!reply) {
            outcome = reply.error();
            return;
          }
          if (!*reply) break;
          replies.push_back(std::move(**reply));
        }
        if (replies.size() == commands.size()) {
          outcome = core::Status{};
          return;
        }
        read_more();
      });
    };
    asio::async_write(stream, asio::buffer(out), [&](const error_code& ec, std::size_t) {
      if (ec) {
        outcome = core::unavailable("write failed: " + ec.message());
        return;
      }
      read_more();
    });
    // The handlers run within run_until below, while read_more and the stream are alive.
    if (!c.run_until(deadline)) outcome.reset();
  });
  if (!outcome) return core::fail(core::unavailable("timed out"));
  if (!outcome->is_ok()) return core::fail(*outcome);
  return replies;
}

}  // namespace

RedisClient::RedisClient(RedisClientOptions options)
    : options_(std::move(options)), backoff_(options_.reconnect) {}

RedisClient::~RedisClient() = default;

core::Status RedisClient::failed(const std::string& what) const {
  return core::unavailable("redis " + where() + ": " + what);
}

core::Result<std::unique_ptr<RedisClient::Connection>> RedisClient::connect() {
  auto deadline = Clock::now() + options_.connect_timeout;
  auto c = std::make_unique<Connection>(options_.max_reply_bytes);
  if (auto st = detail::connect_tcp(*c, options_.server.host, options_.server.port, deadline);
      !st.is_ok())
    return core::fail(failed(st.message()));
  if (options_.tls) {
    if (auto st = detail::tls_handshake(*c, *options_.tls, options_.server.host, deadline);
        !st.is_ok())
      return core::fail(failed(st.message()));
  }

  std::vector<Command> hello;
  if (!options_.password.empty()) {
    hello.push_back(options_.user.empty() ? Command{"AUTH", options_.password}
                                          : Command{"AUTH", options_.user, options_.password});
  }
  if (options_.db != 0) hello.push_back({"SELECT", std::to_string(options_.db)});
  if (!options_.client_name.empty()) hello.push_back({"CLIENT", "SETNAME", options_.client_name});
  if (hello.empty()) return c;
  auto replies = exchange(*c, hello, deadline);
  if (!replies) return core::fail(failed("logging in: " + replies.error().message()));
  for (std::size_t i = 0; i < replies->size(); ++i) {
    const auto& r = (*replies)[i];
    if (r.is_error()) return core::fail(failed(hello[i][0] + " refused: " + r.text));
  }
  return c;
}

core::Result<std::unique_ptr<RedisClient::Connection>> RedisClient::acquire(
    Clock::time_point deadline, bool& reused) {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      reused = true;
      return c;
    }
    if (open_ < options_.pool_size) break;
    if (freed_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.pool_size) {
      return core::fail(failed("all " + std::to_string(options_.pool_size) +
                               " connections stayed busy past the deadline"));
    }
  }
  ++open_;
  lock.unlock();
  auto c = connect_unless_backing_off();
  lock.lock();
  if (!c) {
    --open_;
    freed_.notify_one();
    return core::fail(c.error());
  }
  reused = false;
  return c;
}

core::Result<std::unique_ptr<RedisClient::Connection>> RedisClient::connect_unless_backing_off() {
  {
    std::lock_guard lock(mutex_);
    auto now = Clock::now();
    if (connect_failures_ > 0 && now < retry_at_) {
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(retry_at_ - now);
      return core::fail(core::unavailable(last_connect_error_ + " (next try in " +
                                          std::to_string(wait.count()) + " ms)"));
    }
  }
  auto c = connect();
  std::lock_guard lock(mutex_);
  if (!c) {
    ++connect_failures_;
    retry_at_ = Clock::now() + backoff_.delay(connect_failures_);
    last_connect_error_ = c.error().message();
    return core::fail(c.error());
  }
  connect_failures_ = 0;
  return c;
}

void RedisClient::release(std::unique_ptr<Connection> c) {
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(c));
  freed_.notify_one();
}

void RedisClient::drop_idle() {
  std::vector<std::unique_ptr<Connection>> gone;
  std::lock_guard lock(mutex_);
  gone.swap(idle_);
  open_ -= gone.size();
  freed_.notify_all();
}

void RedisClient::discard() {
  std::lock_guard lock(mutex_);
  --open_;
  freed_.notify_one();
}

core::Result<std::vector<Reply>> RedisClient::run(std::span<const Command> commands) {
  return run(commands, Clock::now() + options_.command_timeout);
}

core::Result<std::vector<Reply>> RedisClient::run(std::span<const Command> commands,
                                                  Clock::time_point deadline) {
  if (commands.empty()) return std::vector<Reply>{};  // nothing to wait a reply for
  for (int attempt = 0;; ++attempt) {
    bool reused = false;
    auto c = acquire(deadline, reused);
    if (!c) return core::fail(c.error());
    auto replies = exchange(**c, commands, deadline);
    if (replies) {
      release(std::move(*c));
      return replies;
    }
    c->reset();  // closes the socket
    discard();
    // A kept connection may have died while idle (the server restarted), and so would the
    // other kept ones: they go, and the call is sent once more on a new connection.
    if (!reused || attempt > 0 || Clock::now() >= deadline)
      return core::fail(failed(replies.error().message()));
    drop_idle();
  }
}

// run_async's connection: a thread that connects when calls are queued (blocking, as the pool
// does, within the connect timeout and the reconnect backoff) and then runs the connection's
// io_context: whatever callers queued meanwhile goes out in one write, replies are matched to
// calls in order, and a tick fails the calls whose deadline passed (closing the connection when
// one of them was written: the replies can no longer be matched).
class RedisClient::Lane {
 public:
  explicit Lane(RedisClient& client) : client_(client) {
    thread_ = std::thread([this] { loop(); });
  }
  ~Lane() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      if (active_ != nullptr)
        asio::post(active_->ioc, [this] { fail(core::unavailable("closing")); });
    }
    wake_.notify_all();
    thread_.join();
  }

  void submit(std::vector<Command> commands, Done done) {
    Call call{.replies = commands.size(),
              .done = std::move(done),
              .deadline = Clock::now() + client_.options_.command_timeout};
    for (const auto& command : commands)
      encode(command, call.bytes);
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(call));
    if (active_ == nullptr) {
      wake_.notify_one();
    } else if (!flush_posted_) {
      flush_posted_ = true;
      asio::post(active_->ioc, [this] { flush(); });
    }
  }

 private:
  struct Call {
    std::string bytes;  // the encoded commands
    std::size_t replies = 0;
    Done done;
    Clock::time_point deadline;
  };
  struct Waiting {  // written, its replies not all read
    std::size_t replies = 0;
    std::vector<Reply> got;
    Done done;
    Clock::time_point deadline;
  };

  void loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) break;
      lock.unlock();
      auto c = client_.connect_unless_backing_off();
      if (!c) {
        fail_queued(c.error(), Clock::time_point::max());
        lock.lock();
        continue;
      }
      fail_queued(core::unavailable("timed out waiting for a connection"), Clock::now());
      lock.lock();
      if (stopping_) break;
      active_ = c->get();
      flush_posted_ = false;
      lock.unlock();
      session(**c);
      lock.lock();
      active_ = nullptr;
    }
    lock.unlock();
    fail_queued(core::unavailable("the redis client is closing"), Clock::time_point::max());
  }

  // Fails the queued calls whose deadline is at or before `until` (all: time_point::max()).
  void fail_queued(const core::Status& why, Clock::time_point until) {
    std::vector<Call> failed;
    {
      std::lock_guard lock(mutex_);
      auto keep = std::stable_partition(queue_.begin(), queue_.end(),
                                        [&](const Call& c) { return c.deadline > until; });
      std::move(keep, queue_.end(), std::back_inserter(failed));
      queue_.erase(keep, queue_.end());
    }
    for (auto& call : failed)
      call.done(core::fail(client_.failed(why.message())));
  }

  // One connection's life, on this thread, until it fails or the client closes.
  void session(Connection& c) {
    conn_ = &c;
    broken_ = false;
    writing_ = false;
    c.ioc.restart();
    asio::steady_timer tick(c.ioc);
    tick_ = &tick;
    read();
    arm();
    flush();
    c.ioc.run();  // ends when the socket is closed and the tick cancelled
    conn_ = nullptr;
    tick_ = nullptr;
  }

  void fail(const core::Status& why) {
    if (broken_ || conn_ == nullptr) return;
    broken_ = true;
    error_code ignored;
    conn_->socket.close(ignored);
    tick_->cancel();
    auto waiting = std::move(waiting_);
    waiting_.clear();
    for (auto& w : waiting)
      w.done(core::fail(client_.failed(why.message())));
  }

  void flush() {
    std::vector<Call> calls;
    {
      std::lock_guard lock(mutex_);
      flush_posted_ = false;
      if (writing_ || broken_ || queue_.empty()) return;
      calls.swap(queue_);
    }
    out_.clear();
    for (auto& call : calls) {
      out_ += call.bytes;
      waiting_.push_back(
          {.replies = call.replies, .done = std::move(call.done), .deadline = call.deadline});
    }
    writing_ = true;
    conn_->with_stream([this](auto& stream) {
      asio::async_write(stream, asio::buffer(out_), [this](const error_code& ec, std::size_t) {
        writing_ = false;
        if (ec) return fail(core::unavailable("write failed: " + ec.message()));
        flush();  // what was queued meanwhile
      });
    });
  }

  void read() {
    conn_->with_stream([this](auto& stream) {
      stream.async_read_some(asio::buffer(conn_->buffer), [this](const error_code& ec,
                                                                 std::size_t n) {
        if (broken_) return;
        if (ec) {
          return fail(core::unavailable(ec == asio::error::eof ? "connection closed by the server"
                                                               : "read failed: " + ec.message()));
        }
        if (auto st = conn_->parser.feed(std::string_view(conn_->buffer.data(), n)); !st.is_ok())
          return fail(st);
        for (;;) {
          auto reply = conn_->parser.next();
          if (!reply) return fail(reply.error());
          if (!*reply) break;
          if (waiting_.empty()) return fail(core::unavailable("a reply to nothing asked"));
          auto& w = waiting_.front();
          w.got.push_back(std::move(**reply));
          if (w.got.size() < w.replies) continue;
          auto done = std::move(w.done);
          auto got = std::move(w.got);
          waiting_.pop_front();
          done(std::move(got));
        }
        read();
      });
    });
  }

  // Every few milliseconds: calls past their deadline fail.
  void arm() {
    auto period =
        std::clamp<Clock::duration>(client_.options_.command_timeout / 8,
                                    std::chrono::milliseconds(1), std::chrono::milliseconds(10));
    tick_->expires_after(period);
    tick_->async_wait([this](const error_code& ec) {
      if (ec || broken_) return;
      auto now = Clock::now();
      if (!waiting_.empty() && waiting_.front().deadline <= now)
        return fail(core::unavailable("timed out"));
      fail_queued(core::unavailable("timed out"), now);
      arm();
    });
  }

  RedisClient& client_;
  std::mutex mutex_;  // guards the four below
  std::condition_variable wake_;
  std::vector<Call> queue_;  // not yet written
  Connection* active_ = nullptr;
  bool stopping_ = false;
  bool flush_posted_ = false;
  // The session's, on this thread only.
  Connection* conn_ = nullptr;
  asio::steady_timer* tick_ = nullptr;
  std::deque<Waiting> waiting_;
  std::string out_;  // the write in flight
  bool writing_ = false;
  bool broken_ = false;
  std::thread thread_;
};

void RedisClient::run_async(std::vector<Command> commands, Done done) {
  if (commands.empty()) return done(std::vector<Reply>{});
  std::call_once(lane_once_, [this] { lane_ = std::make_unique<Lane>(*this); });
  lane_->submit(std::move(commands), std::move(done));
}

}  // namespace tandem::net
