// Route matching, the guard and dispatch. Depends on core, json, obs and access.
#include "api/router.h"

#include <atomic>
#include <future>
#include <memory>

#include "api/errors.h"

namespace tandem::api {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = path.starts_with('/') ? 1 : 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

bool is_capture(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// True when the path matches the pattern; captures are appended to `params`.
bool matches(const Route& route, const std::vector<std::string_view>& parts,
             std::vector<std::pair<std::string_view, std::string>>& params) {
  if (parts.size() != route.segments.size()) return false;
  params.clear();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string_view pattern = route.segments[i];
    if (is_capture(pattern)) {
      if (parts[i].empty()) return false;
      params.emplace_back(pattern.substr(1, pattern.size() - 2), percent_decode(parts[i], false));
    } else if (pattern != parts[i]) {
      return false;
    }
  }
  return true;
}

void append_allow(std::string& allow, Method m) {
  auto name = method_name(m);
  if (allow.find(name) != std::string::npos) return;
  if (!allow.empty()) allow += ", ";
  allow += name;
}

}  // namespace

void Router::add(Method method, std::string pattern, Access access, Handler handler) {
  std::vector<std::string> segments;
  for (auto s : split_path(pattern))
    segments.emplace_back(s);
  routes_.push_back(Route{.method = method,
                          .pattern = std::move(pattern),
                          .access = std::move(access),
                          .handler = std::move(handler),
                          .segments = std::move(segments)});
}

void Router::add_async(Method method, std::string pattern, Access access, AsyncHandler handler) {
  add(method, std::move(pattern), std::move(access), nullptr);
  routes_.back().async_handler = std::move(handler);
}

Router::Match Router::match(Request& req) const {
  auto parts = split_path(req.path);
  Match m;
  std::vector<std::pair<std::string_view, std::string>> params;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const Route& r = routes_[i];
    if (!matches(r, parts, params)) continue;
    bool method_ok =
        r.method == req.method || (req.method == Method::kHead && r.method == Method::kGet);
    if (method_ok && m.route < 0) {
      m.route = static_cast<int>(i);
      req.params = std::move(params);
      params = {};
    }
    append_allow(m.allow, r.method);
    if (r.method == Method::kGet) append_allow(m.allow, Method::kHead);
  }
  return m;
}

Response Router::respond(Request& req, const Match& m) const {
  if (m.route < 0) {
    if (m.allow.empty()) {
      return error_response(404, "not_found", "no route for " + std::string(req.path));
    }
    Response res = error_response(405, "method_not_allowed",
                                  std::string(method_name(req.method)) + " is not allowed on " +
                                      std::string(req.path) + "; allowed: " + m.allow);
    res.headers.emplace_back("Allow", m.allow);
    return res;
  }
  const Route& route = routes_[static_cast<std::size_t>(m.route)];
  if (guard_) {
    if (auto refusal = guard_(req, route)) return std::move(*refusal);
  }
  try {
    Response res = route.handler(req);
    for (auto& h : req.response_headers)
      res.headers.push_back(std::move(h));
    return res;
  } catch (const std::exception& e) {
    log_exception(req, m, e.what());
  } catch (...) {
    log_exception(req, m, "an exception of unknown type");
  }
  return internal_error_response();
}

void Responder::defer(std::function<Response()> work) const {
  auto run = [send = send_, work = std::move(work)] {
    Response r;
    try {
      r = work();
    } catch (...) {
      r = internal_error_response();
    }
    send(std::move(r));
  };
  if (runner_) {
    runner_(std::move(run));
  } else {
    run();
  }
}

void Router::start(Request& req, const Match& m, Responder respond) const {
  if (guard_) {
    if (auto refusal = guard_(req, routes_[static_cast<std::size_t>(m.route)])) {
      respond(std::move(*refusal));
      return;
    }
  }
  // Whether the handler called `respond` before it threw: the rest is its to answer.
  auto answered = std::make_shared<std::atomic<bool>>(false);
  auto once = [respond, answered, extra = std::move(req.response_headers)](Response r) {
    answered->store(true);
    for (const auto& h : extra)
      r.headers.push_back(h);
    respond(std::move(r));
  };
  std::string what;
  try {
    routes_[static_cast<std::size_t>(m.route)].async_handler(req,
                                                             Responder(once, respond.runner()));
    return;
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "an exception of unknown type";
  }
  log_exception(req, m, what);
  if (!answered->load()) respond(internal_error_response());
}

void Router::log_exception(const Request& req, const Match& m, std::string_view what) const {
  if (log_ == nullptr) return;
  TANDEM_LOG(*log_, obs::Level::kError, "handler threw", {"request_id", req.request_id},
             {"route", routes_[static_cast<std::size_t>(m.route)].pattern}, {"error", what});
}

Response dispatch(const Router& router, Request& req, int* route_index) {
  Router::Match m = router.match(req);
  *route_index = m.route;
  if (!router.is_async(m)) return router.respond(req, m);
  auto promise = std::make_shared<std::promise<Response>>();
  auto future = promise->get_future();
  router.start(req, m, [promise](Response r) { promise->set_value(std::move(r)); });
  return future.get();
}

}  // namespace tandem::api
