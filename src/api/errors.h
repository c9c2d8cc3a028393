// The one mapping from StatusCode to HTTP status, and the JSON error body used everywhere:
//   {"error":{"code":"invalid_argument","message":"..."}}
// Depends on core and json.
#pragma once

#include <string_view>

#include "api/http.h"
#include "core/status.h"

namespace tandem::api {

int http_status(core::StatusCode code);

// An error response with an explicit status and wire code (protocol errors: 404, 405, 431...).
Response error_response(int status, std::string_view code, std::string_view message);

// 500 without details (the details belong in the log).
Response internal_error_response();

// An error response derived from a Status: the status code maps through http_status().
Response error_response(const core::Status& status);

}  // namespace tandem::api
