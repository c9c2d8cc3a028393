// Versioned schema migrations of the store database (PRAGMA user_version). Depends on store/sqlite.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/status.h"
#include "store/sqlite.h"

namespace tandem::store {

// Applies every migration newer than the database's user_version (up to `version`, for tests of
// a later migration), each in its own transaction. kFailedPrecondition when the database is newer
// than this binary.
core::Status migrate(Db& db, std::size_t version = SIZE_MAX);

}  // namespace tandem::store
