// A fault-injecting HTTP/1.1 server for client tests, on a free loopback port: each request it
// reads (any connection, in arrival order) gets the next step of its script: a response with a
// status, headers and body (keep-alive unless the step closes), possibly late, a connection
// dropped after the request was read, a body cut short, or no answer at all (until the server
// stops). Past the script, the handler's answer (a test server's model), or 200 "ok".
// Records every request and counts connections. A thread per connection; stopped with the
// object. POSIX only.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace tandem::testing {

struct HttpStep {
  // kTruncate: the head announces the whole body, half of it is sent, the connection closes.
  enum class Kind { kRespond, kDrop, kHang, kTruncate } kind = Kind::kRespond;
  int status = 200;
  std::string body = "ok";
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;  // Connection: close after the response
  // Sent as Content-Length instead of the body's size, with no body (a HEAD response).
  std::optional<std::size_t> content_length;
  std::chrono::milliseconds delay{0};  // before answering
};

struct SeenRequest {
  std::string method, target, body;
  std::vector<std::pair<std::string, std::string>> headers;
  int response_status = 0;  // what it was answered (0: dropped, hung or cut short)
  std::string response_body;
  std::string header(const std::string& name) const;  // "" when absent
};

using HttpHandler = std::function<HttpStep(const SeenRequest&)>;

class HttpFaultServer {
 public:
  explicit HttpFaultServer(std::vector<HttpStep> script = {}, HttpHandler handler = {});
  ~HttpFaultServer();
  HttpFaultServer(const HttpFaultServer&) = delete;
  HttpFaultServer& operator=(const HttpFaultServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::vector<SeenRequest> requests() const;
  // Steps for the next requests, before what is left of the script.
  void inject(std::vector<HttpStep> steps);
  int connections() const { return connections_.load(); }

 private:
  void accept_loop();
  void serve(int fd);
  HttpStep next_step(const SeenRequest& r);

  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;  // guards the three below
  HttpHandler handler_;       // set once, before the first connection
  std::vector<HttpStep> script_;
  std::size_t step_ = 0;
  std::vector<SeenRequest> seen_;
  std::vector<int> fds_;  // open connections, shut down at the stop
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace tandem::testing
