// Route matching and dispatch. Depends on core and json.
#include "api/router.h"

#include <future>

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

void Router::add(Method method, std::string pattern, Handler handler) {
  std::vector<std::string> segments;
  for (auto s : split_path(pattern))
    segments.emplace_back(s);
  routes_.push_back(Route{.method = method,
                          .pattern = std::move(pattern),
                          .handler = std::move(handler),
                          .segments = std::move(segments)});
}

void Router::add_async(Method method, std::string pattern, AsyncHandler handler) {
  add(method, std::move(pattern), nullptr);
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

Response respond(const Router& router, Request& req, const Router::Match& m) {
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
  try {
    return router.routes()[static_cast<std::size_t>(m.route)].handler(req);
  } catch (const std::exception&) {
    return internal_error_response();
  }
}

Response dispatch(const Router& router, Request& req, int* route_index) {
  Router::Match m = router.match(req);
  *route_index = m.route;
  const auto* route = m.route < 0 ? nullptr : &router.routes()[static_cast<std::size_t>(m.route)];
  if (route != nullptr && route->async_handler) {
    auto promise = std::make_shared<std::promise<Response>>();
    auto future = promise->get_future();
    try {
      route->async_handler(req, [promise](Response r) { promise->set_value(std::move(r)); });
    } catch (const std::exception&) {
      return internal_error_response();
    }
    return future.get();
  }
  return respond(router, req, m);
}

}  // namespace tandem::api
