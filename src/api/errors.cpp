// StatusCode -> HTTP mapping and error bodies. Depends on core and json.
#include "api/errors.h"

#include "json/writer.h"

namespace tandem::api {

int http_status(core::StatusCode code) {
  using core::StatusCode;
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kFailedPrecondition: return 409;
    case StatusCode::kPayloadTooLarge: return 413;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kInsufficientStorage: return 507;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kInternal: return 500;
  }
  return 500;
}

Response error_response(int status, std::string_view code, std::string_view message) {
  json::Writer w;
  w.begin_object().key("error").begin_object();
  w.field("code", code).field("message", message);
  w.end_object().end_object();
  return Response{.status = status, .body = w.take()};
}

Response internal_error_response() {
  return error_response(500, "internal", "the request failed unexpectedly; see the server log");
}

Response error_response(const core::Status& status) {
  return error_response(http_status(status.code()), core::code_name(status.code()),
                        status.message());
}

}  // namespace tandem::api
