// Keys in the store and the registry. Depends on core, store and access.
#include "access/key_service.h"

#include "access/key_json.h"

namespace tandem::access {
namespace {

std::int64_t ms(const core::Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch())
      .count();
}

constexpr Scopes kAll = static_cast<Scopes>(Scope::kSearch) | static_cast<Scopes>(Scope::kRead) |
                        static_cast<Scopes>(Scope::kWrite) | static_cast<Scopes>(Scope::kAdmin);

}  // namespace

core::Status KeyService::load() {
  auto rows = store_.keys();
  if (!rows) return rows.error();
  std::vector<KeyRecord> keys;
  for (auto& row : *rows) {
    auto spec = spec_from_json(row.spec);
    if (!spec) {
      return core::unavailable("api key " + row.id +
                               " in the store does not read: " + spec.error().message());
    }
    keys.push_back({.id = std::move(row.id),
                    .hash = std::move(row.hash),
                    .spec = std::move(*spec),
                    .created_at_ms = row.created_at_ms,
                    .revoked_at_ms = row.revoked_at_ms});
  }
  registry_.load(std::move(keys));
  return {};
}

core::Status KeyService::persist(const KeyRecord& key) {
  return store_.put_key({.id = key.id,
                         .hash = key.hash,
                         .spec = spec_to_json(key.spec),
                         .created_at_ms = key.created_at_ms,
                         .revoked_at_ms = key.revoked_at_ms});
}

core::Result<NewKey> KeyService::create(KeySpec spec) {
  NewKey key = make_key(std::move(spec), ms(clock_));
  if (auto st = persist(key.record); !st.is_ok()) return core::fail(st);
  registry_.put(key.record);
  return key;
}

core::Result<bool> KeyService::revoke(std::string_view id) {
  auto now = ms(clock_);
  auto revoked = store_.revoke_key(id, now);
  if (!revoked) return revoked;
  if (*revoked) registry_.revoke(id, now);
  return revoked;
}

core::Result<std::optional<NewKey>> KeyService::bootstrap(
    const std::optional<std::string>& admin_text, std::string_view setting) {
  if (admin_text) {
    auto key = key_from_text(
        *admin_text, {.description = "admin key from " + std::string(setting), .scopes = kAll},
        ms(clock_), setting);
    if (!key) return core::fail(key.error());
    auto known = registry_.find(key->record.id);
    if (!known || known->revoked_at_ms != 0 || known->hash != key->record.hash) {
      if (known) key->record.created_at_ms = known->created_at_ms;
      if (auto st = persist(key->record); !st.is_ok()) return core::fail(st);
      registry_.put(key->record);
    }
    return std::optional<NewKey>();
  }
  for (const auto& k : registry_.list()) {
    if (k.revoked_at_ms == 0 && has(k.spec.scopes, Scope::kAdmin)) return std::optional<NewKey>();
  }
  auto made = create({.description = "admin key made at the first start", .scopes = kAll});
  if (!made) return core::fail(made.error());
  return std::optional<NewKey>(std::move(*made));
}

}  // namespace tandem::access
