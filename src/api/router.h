// The route table and dispatch: method + path pattern -> handler. Patterns are literal segments
// and "{name}" captures ("/v1/collections/{c}/records/{id}"). Depends on core and json.
// Built once at startup, then read concurrently without locks.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http.h"

namespace tandem::api {

using Handler = std::function<Response(Request&)>;

// Delivers the response of an asynchronous handler. Call it exactly once, from any thread.
using Responder = std::function<void(Response)>;
// A handler whose work finishes later (a store commit, a search refresh). It must copy or move
// what it needs out of the request before returning; the request is gone once it responds.
using AsyncHandler = std::function<void(Request&, Responder)>;

struct Route {
  Method method;                      // HEAD requests also match GET routes
  std::string pattern;                // as registered; also the metrics label
  Handler handler;                    // plain function over our own types, or empty
  AsyncHandler async_handler;         // set instead of `handler` for asynchronous routes
  std::vector<std::string> segments;  // pattern split at '/'
};

class Router {
 public:
  void add(Method method, std::string pattern, Handler handler);
  void add_async(Method method, std::string pattern, AsyncHandler handler);

  struct Match {
    int route = -1;     // index into routes(), or -1
    std::string allow;  // when the path exists under other methods: "GET, HEAD"
  };
  // Finds the route for the request and fills req.params from its captures.
  Match match(Request& req) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;  // in registration order; the first match wins
};

// The response for a matched synchronous route, or the error for an unmatched request (404,
// 405). Not for asynchronous routes: run their async_handler instead.
Response respond(const Router& router, Request& req, const Router::Match& match);

// Routes and runs the request; for an asynchronous route it waits for the response (tests,
// tools). The server runs asynchronous routes without blocking. Unknown path: 404; known path with
// another method: 405 with an Allow header; a handler that throws: 500 (logged by the caller via
// the status). Sets *route_index to the matched route or -1.
Response dispatch(const Router& router, Request& req, int* route_index);

}  // namespace tandem::api
