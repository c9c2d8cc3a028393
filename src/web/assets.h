// The web pages' files (src/web/assets), compiled into the binary. Depends on nothing.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tandem::web {

struct Asset {
  std::string_view content_type;  // from the extension
  std::string_view etag;          // quoted content hash; empty for a file read from a directory
  std::string data;
};

// The compiled-in file `name` ("index.html", "search.js"), or nullopt.
std::optional<Asset> find(std::string_view name);

// The file `name` of `dir` instead (web.assets_dir: working on the pages without rebuilding), or
// nullopt when it does not exist or `name` is not a plain file name with a known extension.
std::optional<Asset> load(const std::string& dir, std::string_view name);

// What embed.cmake generates: every file of src/web/assets.
struct EmbeddedFile {
  std::string_view name;
  std::string_view etag;
  std::string_view data;
};
std::span<const EmbeddedFile> embedded_files();

}  // namespace tandem::web
