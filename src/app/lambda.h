// `tandem lambda`: the service as an AWS Lambda function on a custom runtime (provided.al2023).
// It speaks Lambda's Runtime API (AWS_LAMBDA_RUNTIME_API: the next invocation, its response or
// error, an init error), answers API Gateway and function URL events through the same router
// and handlers as `tandem serve`, runs the job an EventBridge rule names, and upserts the records
// of a direct invocation. Depends on app (the Service), api (lambda events), net (HTTP).
#pragma once

#include <string>

#include "config/config.h"

namespace tandem::app {

// Runs invocations until the Runtime API goes away (or the process is stopped): 0 then; 1 when
// the service could not start (reported as an init error); 2 without AWS_LAMBDA_RUNTIME_API.
int run_lambda(const config::Config& config);

}  // namespace tandem::app
