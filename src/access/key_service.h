// KeyService: API keys kept in the store and served from a KeyRegistry: creating a key stores
// its hash and spec, then makes it usable at once; revoking does the same the other way; load()
// fills the registry from the store at start. Also the bootstrap of the first admin key. Used by
// the /v1/keys routes and `tandem keys`. No HTTP types. Depends on core, store and access.
#pragma once

#include <optional>
#include <string>

#include "access/keys.h"
#include "access/keys_registry.h"
#include "core/clock.h"
#include "store/state.h"

namespace tandem::access {

class KeyService {
 public:
  KeyService(store::KeyStore& store, KeyRegistry& registry, const core::Clock& clock)
      : store_(store), registry_(registry), clock_(clock) {}

  // Reads every key from the store into the registry. kUnavailable when the store cannot say.
  core::Status load();

  // A new key, stored and usable at once; its text is in the result and nowhere else.
  core::Result<NewKey> create(KeySpec spec);
  // Revokes a live key: false when there is none of that id.
  core::Result<bool> revoke(std::string_view id);

  // The first admin key. With `admin_text` (auth.admin_key or its file), that key is stored
  // when missing (and brought back if it was revoked: the setting says it is wanted); nothing is
  // returned. Without it, when no live admin key exists, one is made and returned, for the
  // caller to show once. `setting` names where the text came from, for messages.
  core::Result<std::optional<NewKey>> bootstrap(const std::optional<std::string>& admin_text,
                                                std::string_view setting);

 private:
  core::Status persist(const KeyRecord& key);

  store::KeyStore& store_;
  KeyRegistry& registry_;
  const core::Clock& clock_;
};

}  // namespace tandem::access
