// The route table and dispatch: method + path pattern -> who may call it -> handler. Patterns
// are literal segments and "{name}" captures ("/v1/collections/{c}/records/{id}"). Every route
// declares its access (public, or the scope a key needs), and the guard, when set, checks it
// before the handler runs. The one dispatch path: the server and dispatch() both run requests
// through respond() and start(). Depends on core, json, obs and access (scopes). Built once at
// startup, then read concurrently without locks.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "access/keys.h"
#include "api/http.h"
#include "obs/log.h"

namespace tandem::api {

using Handler = std::function<Response(Request&)>;

// Delivers the response of an asynchronous handler: call it, or defer(), exactly once, from any
// thread.
class Responder {
 public:
  using Send = std::function<void(Response)>;
  // Runs a task on a server thread, where handlers may block (the server posts it to the
  // request's own thread; dispatch() runs it at once).
  using Runner = std::function<void(std::function<void()>)>;

  template <typename F>
  requires std::is_invocable_v<F&, Response> Responder(
      F send, Runner runner = {})  // NOLINT: converts from a plain callback
      : send_(std::move(send)), runner_(std::move(runner)) {}

  void operator()(Response r) const { send_(std::move(r)); }
  // Responds with what `work` returns, running it on a server thread: for a handler called
  // back on a thread that must not block (a cache client's) that still has blocking work to do.
  // If `work` throws, the answer is 500.
  void defer(std::function<Response()> work) const;
  const Runner& runner() const { return runner_; }

 private:
  Send send_;
  Runner runner_;
};
// A handler whose work finishes later (a store commit, a search refresh). It must copy or move
// what it needs out of the request before returning; the request is gone once it responds.
using AsyncHandler = std::function<void(Request&, Responder)>;

// Who may call a route.
struct Access {
  std::optional<access::Scope> scope;  // the scope a key needs; nullopt: public, no key
  std::string collection;              // for a path without {c}: the collection it works on
};
inline Access public_route() {
  return {};
}
inline Access needs(access::Scope scope, std::string collection = {}) {
  return {scope, std::move(collection)};
}

struct Route {
  Method method;        // HEAD requests also match GET routes
  std::string pattern;  // as registered; also the metrics label
  Access access;
  Handler handler;                    // plain function over our own types, or empty
  AsyncHandler async_handler;         // set instead of `handler` for asynchronous routes
  std::vector<std::string> segments;  // pattern split at '/'
};

class Router {
 public:
  // `log`, when given, receives the exceptions handlers throw (with request id and route).
  explicit Router(const obs::Logger* log = nullptr) : log_(log) {}

  void add(Method method, std::string pattern, Access access, Handler handler);
  void add_async(Method method, std::string pattern, Access access, AsyncHandler handler);

  // Runs before the handler of every matched route: a response refuses the request (and is
  // answered instead); nullopt lets it through. Headers it leaves in req.response_headers are
  // added to the handler's response.
  using Guard = std::function<std::optional<Response>(Request&, const Route&)>;
  void set_guard(Guard guard) { guard_ = std::move(guard); }

  struct Match {
    int route = -1;     // index into routes(), or -1
    std::string allow;  // when the path exists under other methods: "GET, HEAD"
  };
  // Finds the route for the request and fills req.params from its captures.
  Match match(Request& req) const;

  const std::vector<Route>& routes() const { return routes_; }
  // True when the match is an asynchronous route: run it with start(), not respond().
  bool is_async(const Match& m) const { return m.route >= 0 && routes_[m.route].async_handler; }

  // The response of a matched synchronous route, or the error of an unmatched request: unknown
  // path 404, known path with another method 405 with an Allow header. A handler that throws
  // answers 500, and the exception is logged.
  Response respond(Request& req, const Match& m) const;
  // Starts a matched asynchronous route, which answers through `respond`. A handler that throws
  // before it responded is answered 500, and the exception is logged.
  void start(Request& req, const Match& m, Responder respond) const;

 private:
  void log_exception(const Request& req, const Match& m, std::string_view what) const;

  std::vector<Route> routes_;  // in registration order; the first match wins
  Guard guard_;                // empty: every route is let in
  const obs::Logger* log_;     // for handlers' exceptions; may be null
};

// Routes and runs the request as the server does, and for an asynchronous route waits for its
// response (tests, tools, benchmarks). Sets *route_index to the matched route or -1.
Response dispatch(const Router& router, Request& req, int* route_index);

}  // namespace tandem::api
