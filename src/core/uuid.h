// Random identifiers: UUIDv4 for record ids and request ids. Standard library only.
// Thread-safe: each thread draws from its own generator, seeded from std::random_device.
#pragma once

#include <string>

namespace tandem::core {

// A random (version 4, variant 1) UUID in lower-case canonical form, 36 characters.
std::string uuid_v4();

// True when `s` is a canonical lower- or upper-case UUID (any version).
bool is_uuid(std::string_view s);

}  // namespace tandem::core
