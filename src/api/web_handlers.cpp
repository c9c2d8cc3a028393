#include "api/web_handlers.h"

#include "api/errors.h"
#include "web/assets.h"

namespace tandem::api {
namespace {

// Only our own files: scripts, styles and calls to this origin; no frames, no plugins.
constexpr std::string_view kPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

Response serve_file(const Request& req, const WebOptions& options, std::string_view name) {
  auto asset = options.assets_dir.empty() ? web::find(name) : web::load(options.assets_dir, name);
  if (!asset) {
    return error_response(core::not_found("no such file: " + std::string(name)));
  }
  Response res{.content_type = std::string(asset->content_type)};
  res.headers.emplace_back("Content-Security-Policy", std::string(kPolicy));
  // Always revalidated, so that a new binary's pages are seen at once; unchanged ones cost a 304.
  res.headers.emplace_back("Cache-Control", "no-cache");
  if (!asset->etag.empty()) {
    res.headers.emplace_back("ETag", std::string(asset->etag));
    if (req.header("If-None-Match") == asset->etag) {
      res.status = 304;
      return res;
    }
  }
  res.body = std::move(asset->data);
  return res;
}

}  // namespace

void add_web_routes(Router& router, WebOptions options) {
  auto shared = std::make_shared<const WebOptions>(std::move(options));
  router.add(Method::kGet, "/", public_route(),
             [shared](Request& req) { return serve_file(req, *shared, "index.html"); });
  router.add(Method::kGet, "/dashboard", public_route(),
             [shared](Request& req) { return serve_file(req, *shared, "dashboard.html"); });
  router.add(Method::kGet, "/assets/{file}", public_route(),
             [shared](Request& req) { return serve_file(req, *shared, *req.param("file")); });
}

}  // namespace tandem::api
