#include "web/assets.h"

#include <fstream>
#include <iterator>

namespace tandem::web {
namespace {

// The types of the extensions src/web/CMakeLists.txt embeds.
std::optional<std::string_view> type_of(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"}};
  for (auto [ext, type] : kTypes) {
    if (name.size() > ext.size() && name.ends_with(ext)) return type;
  }
  return std::nullopt;
}

}  // namespace

std::optional<Asset> find(std::string_view name) {
  auto type = type_of(name);
  if (!type) return std::nullopt;
  for (const auto& f : embedded_files()) {
    if (f.name == name) return Asset{*type, f.etag, std::string(f.data)};
  }
  return std::nullopt;
}

std::optional<Asset> load(const std::string& dir, std::string_view name) {
  if (name.empty() || name.front() == '.' || name.find('/') != std::string_view::npos ||
      name.find('\\') != std::string_view::npos)
    return std::nullopt;
  auto type = type_of(name);
  if (!type) return std::nullopt;
  std::ifstream in(dir + "/" + std::string(name), std::ios::binary);
  if (!in) return std::nullopt;
  return Asset{
      *type, {}, std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>())};
}

}  // namespace tandem::web
