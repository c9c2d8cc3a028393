// Versioned schema migrations of the store database (PRAGMA user_version). Depends on store/sqlite.
#pragma once

#include "core/status.h"
#include "store/sqlite.h"

namespace tandem::store {

// Applies every migration newer than the database's user_version, each in its own transaction.
// kFailedPrecondition when the database is newer than this binary.
core::Status migrate(Db& db);

}  // namespace tandem::store
