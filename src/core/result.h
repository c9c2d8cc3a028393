// Result<T>: a value or a Status. Built on tl::expected so that the API matches std::expected
// (C++23) and can be swapped for it later. Standard library and tl::expected only.
#pragma once

#include <tl/expected.hpp>

#include "core/status.h"

namespace tandem::core {

template <class T>
using Result = tl::expected<T, Status>;

// Wraps a failed Status for returning from a function that yields Result<T>:
//   return fail(invalid_argument("..."));
inline tl::unexpected<Status> fail(Status status) {
  return tl::unexpected<Status>(std::move(status));
}

}  // namespace tandem::core
