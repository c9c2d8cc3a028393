// RFC 4648 base64 with padding (HTTP Basic authentication, AWS Lambda's binary bodies). Depends
// on the standard library only.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tandem::core {

std::string base64(std::string_view data);

// The bytes `text` encodes; nullopt when it is not base64 (a character outside the alphabet,
// a length that is not a multiple of 4, padding other than at the end).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace tandem::core
