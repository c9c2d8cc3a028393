// The fault-injecting HTTP server. POSIX only.
#include "support/http_fault_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace tandem::testing {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

std::string SeenRequest::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (lower(k) == lower(name)) return v;
  return "";
}

HttpFaultServer::HttpFaultServer(std::vector<HttpStep> script, HttpHandler handler)
    : handler_(std::move(handler)), script_(std::move(script)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      ::listen(listener_, 64) != 0)
    throw std::runtime_error("HttpFaultServer: cannot listen");
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

HttpFaultServer::~HttpFaultServer() {
  stopping_ = true;
  ::shutdown(listener_, SHUT_RDWR);
  acceptor_.join();
  {
    std::lock_guard lock(mutex_);
    for (int fd : fds_)
      ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& t : threads_)
    t.join();
  for (int fd : fds_)
    ::close(fd);
  ::close(listener_);
}

std::vector<SeenRequest> HttpFaultServer::requests() const {
  std::lock_guard lock(mutex_);
  return seen_;
}

void HttpFaultServer::inject(std::vector<HttpStep> steps) {
  std::lock_guard lock(mutex_);
  script_.insert(script_.begin() + static_cast<std::ptrdiff_t>(step_), steps.begin(), steps.end());
}

HttpStep HttpFaultServer::next_step(const SeenRequest& r) {
  {
    std::lock_guard lock(mutex_);
    if (step_ < script_.size()) return script_[step_++];
  }
  return handler_ ? handler_(r) : HttpStep{};
}

void HttpFaultServer::accept_loop() {
  while (!stopping_) {
    pollfd p{.fd = listener_, .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int fd = ::accept(listener_, nullptr, nullptr);
    if (fd < 0) continue;
    ++connections_;
    std::lock_guard lock(mutex_);
    fds_.push_back(fd);
    threads_.emplace_back([this, fd] { serve(fd); });
  }
}

void HttpFaultServer::serve(int fd) {
  std::string in;
  char buf[4096];
  auto read_more = [&] {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    in.append(buf, static_cast<std::size_t>(n));
    return true;
  };
  while (!stopping_) {
    std::size_t end;
    while ((end = in.find("\r\n\r\n")) == std::string::npos)
      if (!read_more()) return;
    SeenRequest r;
    std::string head = in.substr(0, end);
    in.erase(0, end + 4);
    auto eol = head.find("\r\n");
    std::string line = head.substr(0, eol);
    r.method = line.substr(0, line.find(' '));
    r.target = line.substr(line.find(' ') + 1, line.rfind(' ') - line.find(' ') - 1);
    std::size_t at = eol == std::string::npos ? head.size() : eol + 2;
    while (at < head.size()) {
      auto next = head.find("\r\n", at);
      std::string h = head.substr(at, next == std::string::npos ? std::string::npos : next - at);
      auto colon = h.find(':');
      std::string value = h.substr(colon + 1);
      while (!value.empty() && value.front() == ' ')
        value.erase(0, 1);
      r.headers.emplace_back(h.substr(0, colon), value);
      at = next == std::string::npos ? head.size() : next + 2;
    }
    std::size_t length = 0;
    if (auto cl = r.header("Content-Length"); !cl.empty()) length = std::stoul(cl);
    while (in.size() < length)
      if (!read_more()) return;
    r.body = in.substr(0, length);
    in.erase(0, length);
    std::size_t seen_at;
    {
      std::lock_guard lock(mutex_);
      seen_at = seen_.size();
      seen_.push_back(r);
    }
    HttpStep step = next_step(r);
    if (step.kind == HttpStep::Kind::kRespond) {
      std::lock_guard lock(mutex_);
      seen_[seen_at].response_status = step.status;
      seen_[seen_at].response_body = step.body;
    }
    if (step.delay.count() > 0) std::this_thread::sleep_for(step.delay);
    if (step.kind == HttpStep::Kind::kDrop) {
      ::shutdown(fd, SHUT_RDWR);
      return;
    }
    if (step.kind == HttpStep::Kind::kHang) {
      while (read_more()) {
      }
      return;
    }
    std::string out = "HTTP/1.1 " + std::to_string(step.status) + " Status\r\n";
    for (const auto& [k, v] : step.headers)
      out += k + ": " + v + "\r\n";
    out += "Content-Length: " + std::to_string(step.content_length.value_or(step.body.size())) +
           "\r\n";
    if (step.close) out += "Connection: close\r\n";
    out += "\r\n";
    if (step.kind == HttpStep::Kind::kTruncate) {
      out += step.body.substr(0, step.body.size() / 2);
      if (::write(fd, out.data(), out.size()) < 0) return;
      ::shutdown(fd, SHUT_RDWR);
      return;
    }
    if (!step.content_length) out += step.body;
    if (::write(fd, out.data(), out.size()) != static_cast<ssize_t>(out.size())) return;
    if (step.close) {
      ::shutdown(fd, SHUT_RDWR);
      return;
    }
  }
}

}  // namespace tandem::testing
