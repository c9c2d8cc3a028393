// The built-in web pages: `/` (search) and `/dashboard`, and their files under `/assets/`.
// Public: the pages hold no data; they ask for an API key and call the JSON API with it.
// Depends on web (the compiled-in files).
#pragma once

#include <string>

#include "api/router.h"

namespace tandem::api {

struct WebOptions {
  std::string assets_dir;  // web.assets_dir: serve the files from here instead of the binary
};

void add_web_routes(Router& router, WebOptions options);

}  // namespace tandem::api
