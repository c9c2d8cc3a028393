// Secrets read from files (passwords, the admin key): the text without a trailing newline.
// Depends on core.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace tandem::app {

// kInvalidArgument naming `setting` (never the contents) when the file cannot be read.
core::Result<std::string> read_secret_file(const std::string& path, std::string_view setting);

}  // namespace tandem::app
