// open_loop: an open-loop HTTP/1.1 load generator, for latency at a fixed rate. Request i is due
// at start + i / rate whatever happened before it, and its latency is measured from that moment,
// so a stalled server shows in the percentiles instead of slowing the client down (closed-loop
// tools such as wrk, and h2load's --rps, hide exactly that). Requests go out on keep-alive
// connections, one at a time per connection; a due request finding every connection busy waits,
// and its wait counts.
//
//   open_loop HOST PORT PATH RATE SECONDS [CONNECTIONS]
//
// Prints one line: "sent <n> rate <achieved/s> p50 <ms> p90 <ms> p99 <ms> p999 <ms> max <ms>
// errors <n>". Exit status 1 when any request failed. Loopback use only; single-threaded, epoll
// with nanosecond timeouts (epoll_pwait2), so it sleeps between requests instead of spinning.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Connection {
  int fd = -1;
  bool busy = false;
  Clock::time_point due;  // of the request in flight
  std::string in;         // response bytes so far
};

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::exit(2);
}

int connect_to(const char* host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) die("inet_pton");
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("connect");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

struct Response {
  long length = 0;     // of the first complete response in the buffer; 0: incomplete; -1: malformed
  bool close = false;  // the server ends the connection after it
};

Response complete_response(const std::string& in) {
  auto end = in.find("\r\n\r\n");
  if (end == std::string::npos) return {};
  std::string head = in.substr(0, end);
  std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  auto cl = head.find("\r\ncontent-length:");
  if (cl == std::string::npos) return {.length = -1};
  long body = std::strtol(head.c_str() + cl + 17, nullptr, 10);
  long total = static_cast<long>(end) + 4 + body;
  if (static_cast<long>(in.size()) < total) return {};
  return {.length = total, .close = head.find("\r\nconnection: close") != std::string::npos};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: open_loop HOST PORT PATH RATE SECONDS [CONNECTIONS [HEADER]]\n");
    return 2;
  }
  const char* host = argv[1];
  int port = std::atoi(argv[2]);
  // An optional header line ("X-API-Key: ...") after the connection count.
  std::string extra = argc > 7 ? std::string(argv[7]) + "\r\n" : std::string();
  std::string request =
      std::string("GET ") + argv[3] + " HTTP/1.1\r\nHost: " + host + "\r\n" + extra + "\r\n";
  double rate = std::atof(argv[4]);
  double seconds = std::atof(argv[5]);
  int connections = argc > 6 ? std::atoi(argv[6]) : 50;
  if (rate <= 0 || seconds <= 0 || connections <= 0) return 2;

  int ep = epoll_create1(0);
  std::vector<Connection> conns(static_cast<std::size_t>(connections));
  std::vector<std::size_t> idle;
  auto open_connection = [&](std::size_t i) {
    conns[i].fd = connect_to(host, port);
    conns[i].in.clear();
    epoll_event ev{.events = EPOLLIN, .data = {.u64 = i}};
    epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
  };
  for (std::size_t i = 0; i < conns.size(); ++i) {
    open_connection(i);
    idle.push_back(i);
  }

  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(1.0 / rate));
  const auto total = static_cast<long>(rate * seconds);
  const auto start = Clock::now();
  long scheduled = 0, errors = 0;
  std::deque<Clock::time_point> waiting;  // due requests with no free connection
  std::vector<double> latencies_ms;
  latencies_ms.reserve(static_cast<std::size_t>(total));

  auto send_on = [&](std::size_t i, Clock::time_point due) {
    Connection& c = conns[i];
    c.busy = true;
    c.due = due;
    // A request is a few dozen bytes: one write on an idle connection takes it whole.
    if (write(c.fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
      die("write");
    }
  };

  std::vector<epoll_event> events(conns.size());
  char buf[16384];
  while (static_cast<long>(latencies_ms.size()) + errors < total) {
    auto now = Clock::now();
    // Everything due by now, in order: onto idle connections, or into the queue.
    while (scheduled < total && start + scheduled * interval <= now) {
      waiting.push_back(start + scheduled * interval);
      ++scheduled;
    }
    while (!waiting.empty() && !idle.empty()) {
      send_on(idle.back(), waiting.front());
      idle.pop_back();
      waiting.pop_front();
    }
    // Sleep until the next request is due, or (all sent, or all connections busy) a response.
    timespec timeout{.tv_sec = 1, .tv_nsec = 0};
    if (scheduled < total && waiting.empty()) {
      auto wait = std::max(Clock::duration::zero(), start + scheduled * interval - now);
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
      timeout = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
    }
    int n = epoll_pwait2(ep, events.data(), static_cast<int>(events.size()), &timeout, nullptr);
    if (n < 0 && errno != EINTR) die("epoll_pwait2");
    for (int e = 0; e < n; ++e) {
      std::size_t i = events[static_cast<std::size_t>(e)].data.u64;
      Connection& c = conns[i];
      ssize_t got = read(c.fd, buf, sizeof buf);
      if (got <= 0) {
        if (got < 0 && errno == EAGAIN) continue;
        std::fprintf(stderr, "open_loop: the server closed a connection unannounced\n");
        return 1;
      }
      c.in.append(buf, static_cast<std::size_t>(got));
      auto [len, server_closes] = complete_response(c.in);
      if (len == 0) continue;
      auto done = Clock::now();
      if (len < 0 || c.in.compare(0, 12, "HTTP/1.1 200") != 0 || !c.busy) {
        ++errors;
        if (len < 0) return 1;
      } else {
        latencies_ms.push_back(std::chrono::duration<double, std::milli>(done - c.due).count());
      }
      c.in.erase(0, static_cast<std::size_t>(len));
      c.busy = false;
      if (server_closes) {  // nginx ends keep-alive connections after keepalive_requests
        close(c.fd);
        open_connection(i);
      }
      if (!waiting.empty()) {
        send_on(i, waiting.front());
        waiting.pop_front();
      } else {
        idle.push_back(i);
      }
    }
    if (n == 0 && scheduled >= total &&
        Clock::now() - start > std::chrono::duration<double>(seconds + 10)) {
      std::fprintf(stderr, "open_loop: responses still missing 10 s after the end\n");
      return 1;
    }
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pick = [&](double q) {
    if (latencies_ms.empty()) return 0.0;
    return latencies_ms[std::min(latencies_ms.size() - 1,
                                 static_cast<std::size_t>(q * static_cast<double>(
                                                                  latencies_ms.size())))];
  };
  std::printf("sent %ld rate %.0f p50 %.3f p90 %.3f p99 %.3f p999 %.3f max %.3f errors %ld\n",
              total, static_cast<double>(total) / elapsed, pick(0.5), pick(0.9), pick(0.99),
              pick(0.999), latencies_ms.empty() ? 0.0 : latencies_ms.back(), errors);
  for (auto& c : conns)
    close(c.fd);
  close(ep);
  return errors == 0 ? 0 : 1;
}
