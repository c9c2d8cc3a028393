// Names of actions. Depends on core.
#include "store/types.h"

namespace tandem::store {

std::string_view action_name(Action a) {
  switch (a) {
    case Action::kUpsert: return "upsert";
    case Action::kCreate: return "create";
    case Action::kUpdate: return "update";
    case Action::kDelete: return "delete";
  }
  return "upsert";
}

core::Result<Action> parse_action(std::string_view name) {
  for (Action a : {Action::kUpsert, Action::kCreate, Action::kUpdate, Action::kDelete}) {
    if (action_name(a) == name) return a;
  }
  return core::fail(core::invalid_argument("unknown action '" + std::string(name) +
                                           "'; use upsert, create, update or delete"));
}

}  // namespace tandem::store
