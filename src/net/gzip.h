// gzip (RFC 1952) of request bodies, through zlib: _bulk bodies shrink several times, which
// matters to OpenSearch on another machine (and on AWS, per byte). Depends on core and zlib.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace tandem::net {

// The gzip member of `data` at zlib's default level.
std::string gzip(std::string_view data);
// Its inverse, for tests and responses; kInvalidArgument for what is not gzip, or what would
// inflate past `max_bytes`.
core::Result<std::string> gunzip(std::string_view data, std::size_t max_bytes = 256u << 20);

}  // namespace tandem::net
