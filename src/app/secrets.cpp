// Secret files. Depends on core.
#include "app/secrets.h"

#include <fstream>
#include <iterator>

namespace tandem::app {

core::Result<std::string> read_secret_file(const std::string& path, std::string_view setting) {
  std::ifstream in(path);
  if (!in)
    return core::fail(core::invalid_argument(std::string(setting) + ": cannot read " + path));
  std::string secret((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r'))
    secret.pop_back();
  return secret;
}

}  // namespace tandem::app
