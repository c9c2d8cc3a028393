// Internal to src/net's Asio units (redis_client.cpp, http_client.cpp), never included by a
// header of the module's interface, which exposes no Asio types: a connection that owns its
// io_context, which the calling thread runs until an operation ends or its deadline passes (then
// the socket is closed, which ends the operation), so that blocking calls have deadlines without
// a thread of their own; and the TCP connect and TLS handshake with deadlines.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"
#include "net/tls.h"

namespace tandem::net::detail {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Deadline = std::chrono::steady_clock::time_point;

struct AsioStream {
  // Runs the io_context until its work is done or `deadline`; false on the deadline, after
  // closing the socket so that every pending operation has ended.
  bool run_until(Deadline deadline) {
    ioc.restart();
    ioc.run_until(deadline);
    if (ioc.stopped()) return true;
    error_code ignored;
    socket.close(ignored);
    ioc.restart();
    ioc.run();
    return false;
  }

  // Calls `f` with the stream bytes travel on: TLS over the socket, or the socket.
  template <typename F>
  void with_stream(F&& f) {
    if (tls) {
      f(*tls);
    } else {
      f(socket);
    }
  }

  asio::io_context ioc{1};
  tcp::socket socket{ioc};
  std::optional<ssl::stream<tcp::socket&>> tls;  // set once the TLS handshake is under way
};

// Resolves `host` and connects, Nagle off. kUnavailable: "connect timed out", "cannot connect:
// <why>".
inline core::Status connect_tcp(AsioStream& s, const std::string& host, std::uint16_t port,
                                Deadline deadline) {
  tcp::resolver resolver(s.ioc);
  std::optional<error_code> result;
  resolver.async_resolve(host, std::to_string(port),
                         [&](const error_code& ec, const tcp::resolver::results_type& endpoints) {
                           if (ec) {
                             result = ec;
                             return;
                           }
                           asio::async_connect(s.socket, endpoints,
                                               [&](const error_code& connected,
                                                   const tcp::endpoint&) { result = connected; });
                         });
  if (!s.run_until(deadline) || !result) return core::unavailable("connect timed out");
  if (*result) return core::unavailable("cannot connect: " + result->message());
  error_code ignored;
  s.socket.set_option(tcp::no_delay(true), ignored);
  return {};
}

// The TLS handshake on a connected socket: the server's certificate must chain to a trusted CA
// and carry the expected name, sent as SNI unless it is an IP address.
inline core::Status tls_handshake(AsioStream& s, TlsContext& tls, const std::string& host,
                                  Deadline deadline) {
  const std::string& name = tls.server_name(host);
  s.tls.emplace(s.socket, tls.native());
  error_code not_ip;
  asio::ip::make_address(name, not_ip);
  // SSL_set_tlsext_host_name, without the macro's cast.
  if (not_ip && SSL_ctrl(s.tls->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                         TLSEXT_NAMETYPE_host_name, const_cast<char*>(name.c_str())) != 1)
    return core::unavailable("TLS: cannot send the server name " + name);
  s.tls->set_verify_callback(ssl::host_name_verification(name));
  std::optional<error_code> result;
  s.tls->async_handshake(ssl::stream_base::client, [&](const error_code& ec) { result = ec; });
  if (!s.run_until(deadline) || !result) return core::unavailable("TLS handshake timed out");
  if (*result) return core::unavailable("TLS handshake failed: " + result->message());
  return {};
}

}  // namespace tandem::net::detail
