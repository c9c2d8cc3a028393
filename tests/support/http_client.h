// A deliberately small blocking HTTP/1.1 client over POSIX sockets for tests: it can send exactly
// the bytes a test wants (malformed, partial, pipelined) and read back responses. Not for
// production use. Loopback only.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace tandem::testing {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class HttpConnection {
 public:
  // Connects to 127.0.0.1:port; throws std::runtime_error on failure.
  explicit HttpConnection(std::uint16_t port,
                          std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Sends raw bytes; false when the peer has closed.
  bool send(const std::string& bytes);
  // Reads one response (Content-Length framing; `head` for responses without a body).
  // nullopt when the connection closed or timed out before a whole response arrived.
  std::optional<HttpResponse> read_response(bool head = false);
  // True when the server has closed the connection (reads EOF within the timeout).
  bool closed_by_peer();

  // Sends "METHOD path" with optional extra header lines ("Name: value\r\n") and body.
  std::optional<HttpResponse> request(const std::string& method, const std::string& path,
                                      const std::string& extra_headers = "",
                                      const std::string& body = "");

 private:
  bool fill();  // reads more bytes into buffer_; false on EOF, error or timeout

  int fd_ = -1;
  std::string buffer_;  // received but not yet consumed
};

// One request on a fresh connection.
std::optional<HttpResponse> http_get(std::uint16_t port, const std::string& path,
                                     const std::string& extra_headers = "");

}  // namespace tandem::testing
