// RecordStore's one non-virtual member. Depends on the standard library only.
#include "store/record_store.h"

#include <future>

namespace tandem::store {

core::Result<std::vector<OpResult>> RecordStore::write(WriteBatch batch) {
  std::promise<core::Result<std::vector<OpResult>>> promise;
  auto future = promise.get_future();
  submit(std::move(batch), [&](auto result) { promise.set_value(std::move(result)); });
  return future.get();
}

}  // namespace tandem::store
