// Names of change operations. Standard library only.
#include "changes/changes.h"

namespace tandem::changes {

std::string_view op_name(ChangeOp op) {
  switch (op) {
    case ChangeOp::kUpsert: return "upsert";
    case ChangeOp::kDelete: return "delete";
    case ChangeOp::kDrop: return "drop";
  }
  return "upsert";
}

}  // namespace tandem::changes
